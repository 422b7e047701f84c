#include "util/timefmt.h"

#include <string.h>

sts_time_us_t sts_time_from_timespec(const struct timespec *ts)
{
    return (sts_time_us_t)ts->tv_sec * 1000000 + ts->tv_nsec / 1000;
}

sts_time_us_t sts_time_now(void)
{
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    return sts_time_from_timespec(&now);
}

int64_t sts_time_monotonic_ns(void)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (int64_t)now.tv_sec * 1000000000 + now.tv_nsec;
}

/*
 * The UTC calendar date and time of t, by arithmetic (Howard Hinnant's days-to-civil algorithm) rather than gmtime_r:
 * glibc's takes a process-wide lock on every call, and every log line and credential formats a time.
 */
static int split(sts_time_us_t t, struct tm *tm, int64_t *micros)
{
    int64_t secs = t / 1000000;
    int64_t frac = t % 1000000;
    if (frac < 0) {
        frac += 1000000;
        secs -= 1;
    }
    int64_t days = secs >= 0 ? secs / 86400 : -((-secs + 86399) / 86400);
    int64_t of_day = secs - days * 86400;
    int64_t z = days + 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    int month = (int)(mp < 10 ? mp + 3 : mp - 9);
    int64_t year = yoe + era * 400 + (month <= 2);
    if (year < 0 || year > 9999)
        return -1;
    memset(tm, 0, sizeof(*tm));
    tm->tm_year = (int)(year - 1900);
    tm->tm_mon = month - 1;
    tm->tm_mday = (int)(doy - (153 * mp + 2) / 5 + 1);
    tm->tm_hour = (int)(of_day / 3600);
    tm->tm_min = (int)(of_day / 60 % 60);
    tm->tm_sec = (int)(of_day % 60);
    *micros = frac;
    return 0;
}

/* Writes value as exactly width decimal digits (zero-padded; value must fit) and returns the end. */
static char *put_digits(char *p, long long value, int width)
{
    for (int i = width - 1; i >= 0; i--) {
        p[i] = (char)('0' + value % 10);
        value /= 10;
    }
    return p + width;
}

/*
 * Writes "YYYY-MM-DDTHH:MM:SS" and returns the end. By hand: every log line and every credential carries a time, and
 * snprintf's format parsing was a visible share of a request's time.
 */
static char *put_date_time(char *p, const struct tm *tm)
{
    p = put_digits(p, tm->tm_year + 1900, 4);
    *p++ = '-';
    p = put_digits(p, tm->tm_mon + 1, 2);
    *p++ = '-';
    p = put_digits(p, tm->tm_mday, 2);
    *p++ = 'T';
    p = put_digits(p, tm->tm_hour, 2);
    *p++ = ':';
    p = put_digits(p, tm->tm_min, 2);
    *p++ = ':';
    return put_digits(p, tm->tm_sec, 2);
}

int sts_time_format_iso_micro(sts_time_us_t t, char *out, size_t out_size)
{
    struct tm tm;
    int64_t micros;
    if (out_size < STS_TIME_ISO_MAX || split(t, &tm, &micros) != 0)
        return -1;
    char *p = put_date_time(out, &tm);
    *p++ = '.';
    p = put_digits(p, micros, 6);
    memcpy(p, "+00:00", 7);
    return (int)(p - out) + 6;
}

int sts_time_format_rfc3339(sts_time_us_t t, int fraction_digits, char *out, size_t out_size)
{
    struct tm tm;
    int64_t micros;
    if (out_size < STS_TIME_ISO_MAX ||
        (fraction_digits != 0 && fraction_digits != 3 && fraction_digits != 6 && fraction_digits != 9) ||
        split(t, &tm, &micros) != 0)
        return -1;
    char *p = put_date_time(out, &tm);
    if (fraction_digits > 0) {
        *p++ = '.';
        /* Nine digits are the microseconds and three zeros: the clock counts no finer. */
        long long fraction = fraction_digits == 3 ? micros / 1000 : micros;
        p = put_digits(p, fraction, fraction_digits == 3 ? 3 : 6);
        if (fraction_digits == 9)
            p = put_digits(p, 0, 3);
    }
    memcpy(p, "Z", 2);
    return (int)(p - out) + 1;
}

static int digits(const char *p, int count, int *out)
{
    int value = 0;
    for (int i = 0; i < count; i++) {
        if (p[i] < '0' || p[i] > '9')
            return -1;
        value = value * 10 + (p[i] - '0');
    }
    *out = value;
    return 0;
}

static int64_t days_from_civil(int64_t y, int m, int d)
{
    /* Howard Hinnant's algorithm: avoids timegm's dependence on TZ and its 32-bit limits. */
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

int sts_time_parse_rfc3339(const char *text, size_t len, sts_time_us_t *out)
{
    int year, month, day, hour, minute, second;
    if (len < 20 || digits(text, 4, &year) || text[4] != '-' || digits(text + 5, 2, &month) || text[7] != '-' ||
        digits(text + 8, 2, &day) || (text[10] != 'T' && text[10] != 't') || digits(text + 11, 2, &hour) ||
        text[13] != ':' || digits(text + 14, 2, &minute) || text[16] != ':' || digits(text + 17, 2, &second))
        return -1;
    static const int month_days[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (month < 1 || month > 12 || day < 1 || day > month_days[month - 1] || hour > 23 || minute > 59 || second > 60)
        return -1;
    if (month == 2 && day == 29 && !((year % 4 == 0 && year % 100 != 0) || year % 400 == 0))
        return -1;
    size_t pos = 19;
    int64_t micros = 0;
    if (pos < len && text[pos] == '.') {
        pos++;
        size_t start = pos;
        int scale = 100000;
        while (pos < len && text[pos] >= '0' && text[pos] <= '9') {
            micros += (text[pos] - '0') * scale;
            scale /= 10;
            pos++;
        }
        if (pos == start || pos - start > 9)
            return -1;
    }
    int64_t offset = 0;
    if (pos + 1 == len && (text[pos] == 'Z' || text[pos] == 'z')) {
        pos++;
    } else if (pos + 6 == len && (text[pos] == '+' || text[pos] == '-') && text[pos + 3] == ':') {
        int oh, om;
        if (digits(text + pos + 1, 2, &oh) || digits(text + pos + 4, 2, &om) || oh > 23 || om > 59)
            return -1;
        offset = (int64_t)(oh * 60 + om) * 60 * (text[pos] == '+' ? 1 : -1);
        pos += 6;
    }
    if (pos != len)
        return -1;
    int64_t secs = days_from_civil(year, month, day) * 86400 + hour * 3600 + minute * 60 + second - offset;
    *out = secs * 1000000 + micros;
    return 0;
}
