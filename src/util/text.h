/* Heap copies of strings for long-lived state, and making untrusted text safe to show. */
#ifndef STS_UTIL_TEXT_H
#define STS_UTIL_TEXT_H
#include <stddef.h>
#include <stdint.h>

/** A malloc'd copy of text (free it), or NULL when text is NULL. Exits through sts_log_fatal when memory is out. */
char *sts_strdup(const char *text);

/** A malloc'd copy of at most len bytes of text, NUL-terminated; NULL when text is NULL. Fatal when out of memory. */
char *sts_strndup(const char *text, size_t len);

/** Writes len bytes as 2 × len lower-case hex digits into out, then a NUL (out holds 2 × len + 1). */
void sts_hex_encode(const uint8_t *bytes, size_t len, char *out);

/** Nonzero when a and b (len bytes each) are equal, compared in constant time (the time tells nothing of how much of a
 * guessed secret was right). */
int sts_bytes_equal(const void *a, const void *b, size_t len);

/** The value of one hexadecimal digit (either case), or -1 when c is not one. */
int sts_hex_value(char c);

/** Room for the decimal digits of any uint64_t (20) and a NUL. */
#define STS_DECIMAL_MAX 21

/**
 * Writes value's decimal digits into out (at least STS_DECIMAL_MAX bytes), NUL-terminated, without snprintf: it runs
 * several times per request. Returns the number of digits.
 */
size_t sts_decimal(uint64_t value, char *out);

/** Room sts_text_clean needs besides max_bytes: the "..." that marks a cut, and the NUL. */
#define STS_TEXT_CLEAN_EXTRA 4

/**
 * Copies len bytes of text that a peer chose (an upstream's error message) into out so it can be echoed to callers
 * and logs: each control character (below 0x20, and 0x7f) becomes a space, and text longer than max_bytes is cut at
 * a UTF-8 character boundary and ends in "...". out_size must be at least max_bytes + STS_TEXT_CLEAN_EXTRA.
 * Returns the length written (out is NUL-terminated). Thread-safe.
 */
size_t sts_text_clean(const char *text, size_t len, size_t max_bytes, char *out, size_t out_size);

/**
 * Copies url into out without the user name and password a URL may carry before its host
 * ("https://user:pass@host/p" gives "https://host/p"), so that the URL can be logged and put in messages. Text
 * that is not such a URL is copied unchanged. Cut to fit out_size (always NUL-terminated). Returns out.
 * Thread-safe.
 */
char *sts_url_redact(const char *url, char *out, size_t out_size);

#endif
