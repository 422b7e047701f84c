/* Time values and the timestamp formats the contracts fix. */
#ifndef STS_UTIL_TIMEFMT_H
#define STS_UTIL_TIMEFMT_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

/** Wall-clock time in microseconds since the Unix epoch. */
typedef int64_t sts_time_us_t;

/** Room for any timestamp these functions write, NUL included. */
#define STS_TIME_ISO_MAX 40

/** Current wall-clock time. Thread-safe. */
sts_time_us_t sts_time_now(void);

/** Current CLOCK_MONOTONIC time in nanoseconds, for deadlines. Thread-safe. */
int64_t sts_time_monotonic_ns(void);

/** Converts a timespec (CLOCK_REALTIME) to microseconds. */
sts_time_us_t sts_time_from_timespec(const struct timespec *ts);

/**
 * Formats as the Cray STS contract does: "2019-10-14T15:15:43.480741+00:00" (UTC, microseconds).
 * Returns the length written, or -1 if out is smaller than STS_TIME_ISO_MAX or the time is out of range.
 */
int sts_time_format_iso_micro(sts_time_us_t t, char *out, size_t out_size);

/**
 * Formats as RFC 3339 with a "Z" and the given number of fraction digits (0, 3, 6 or 9; nanosecond digits
 * are zero-filled). Returns the length written, or -1 on a bad argument.
 */
int sts_time_format_rfc3339(sts_time_us_t t, int fraction_digits, char *out, size_t out_size);

/**
 * Parses RFC 3339 / ISO 8601 in UTC or with a numeric offset ("Z", "+00:00", "-05:30"), with 0 to 9 fraction
 * digits (digits beyond microseconds are dropped). Returns 0 on success, -1 if the text is not such a timestamp.
 */
int sts_time_parse_rfc3339(const char *text, size_t len, sts_time_us_t *out);

#endif
