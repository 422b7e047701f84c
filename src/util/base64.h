/* Base64 (RFC 4648) in the standard and URL-safe alphabets. */
#ifndef STS_UTIL_BASE64_H
#define STS_UTIL_BASE64_H

#include <stddef.h>
#include <stdint.h>

typedef enum {
    STS_BASE64_STD,    /* "+/" with "=" padding */
    STS_BASE64_URL_RAW /* "-_" without padding (JWT) */
} sts_base64_variant_t;

/** Length of the encoding of len bytes, excluding the NUL. */
size_t sts_base64_encoded_len(size_t len, sts_base64_variant_t variant);

/**
 * Encodes len bytes into out and NUL-terminates it. out_size must be at least sts_base64_encoded_len() + 1.
 * Returns the encoded length, or -1 if out is too small.
 */
long sts_base64_encode(const uint8_t *in, size_t len, char *out, size_t out_size, sts_base64_variant_t variant);

/** The length of the run of base64url characters (A-Z a-z 0-9 - _) that text starts with, at most len. */
size_t sts_base64_url_span(const char *text, size_t len);

/** Upper bound on the decoded length of len characters. */
size_t sts_base64_decoded_max(size_t len);

/**
 * Decodes text strictly: characters outside the variant's alphabet, bad padding, or non-zero trailing bits are
 * errors. Returns the number of bytes written, or -1 on malformed input or if out is too small.
 */
long sts_base64_decode(const char *in, size_t len, uint8_t *out, size_t out_size, sts_base64_variant_t variant);

#endif
