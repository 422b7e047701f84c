/* Making untrusted text safe to put inside an LDAP search filter (RFC 4515). */
#ifndef STS_UTIL_LDAP_FILTER_H
#define STS_UTIL_LDAP_FILTER_H
#include <stddef.h>

/** Room sts_ldap_filter_escape needs for a value of len bytes in the worst case: 3 per byte, and the NUL. */
#define STS_LDAP_FILTER_ESCAPE_MAX(len) (3 * (len) + 1)

/**
 * Escapes the len bytes at value for use as an assertion value in an LDAP search filter, such as the NAME in
 * "(uid=NAME)", so that no byte of it can end the filter, open another or act as a wildcard.
 *
 * Each of these bytes becomes a backslash and two lower-case hex digits, as RFC 4515 section 3 writes them:
 * '*' → \2a, '(' → \28, ')' → \29, '\' → \5c, NUL → \00; and, although RFC 4515 lets them through, every byte
 * below 0x20, 0x7f, and every byte from 0x80 (so UTF-8 text comes out as escaped octets, "é" → \c3\a9, which a
 * server compares exactly like the raw bytes). Every other byte is copied. value need not be NUL-terminated and may
 * hold NULs; it may be NULL when len is 0.
 *
 * The result and a terminating NUL are written to out only when they fit: when the return value is less than
 * out_size. Otherwise out[0] is set to NUL when out_size is not 0, and nothing else is written, so a caller that
 * ignores the return value gets an empty string, never a cut-off escape. out may be NULL when out_size is 0 (to
 * ask for the size). A buffer of STS_LDAP_FILTER_ESCAPE_MAX(len) bytes always suffices.
 *
 * Returns the length of the escaped text, not counting the NUL, whether or not it was written (like snprintf).
 * Only escapes a value: the attribute name and the filter around it are the caller's. Not for DNs, which escape
 * differently (RFC 4514). Thread-safe; no allocation.
 */
size_t sts_ldap_filter_escape(const char *value, size_t len, char *out, size_t out_size);

#endif
