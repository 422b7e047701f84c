/*
 * Ceph RGW's STS session token (struct version 5), built and read outside RGW: the standard base64 of an
 * AES-128-CBC encryption (PKCS#7 padding) under the first 16 bytes of `rgw sts key`, with RGW's fixed IV and no MAC,
 * of a little-endian plaintext listing the session's fields. docs/rgw-session-token.md describes the fields and how
 * RGW checks them.
 */
#ifndef STS_ISSUER_RGW_TOKEN_H
#define STS_ISSUER_RGW_TOKEN_H
#include <stddef.h>
#include <stdint.h>
#include "util/arena.h"
#include "util/buf.h"

#define STS_RGW_TOKEN_VERSION 5
#define STS_RGW_KEY_BYTES     16

/** The fields a token carries. Strings are never NULL ("" when empty). Times are text, as RGW writes them. */
typedef struct {
    const char *access_key_id;
    const char *secret_access_key;
    const char *expiration; /**< ISO 8601 UTC ending in 'Z'; never empty when minting (empty means "never expires") */
    const char *policy;
    const char *role_id;
    const char *user_tenant, *user_id, *user_ns;
    const char *acct_name;
    uint32_t perm_mask;
    uint8_t is_admin;
    uint32_t acct_type; /**< 4: role */
    const char *role_session;
    const char *issued_at;
} sts_rgw_token_fields_t;

/** Appends the version-5 plaintext for fields to out. Returns 0, or -1 if out would overflow. */
int sts_rgw_token_encode(const sts_rgw_token_fields_t *fields, sts_buf_t *out);

/**
 * Reads a version-5 plaintext (claims and tags must be empty, as AssumeRole writes them) into fields, with strings
 * in arena. Returns 0, or -1 when it is not such a plaintext.
 */
int sts_rgw_token_decode(const uint8_t *plain, size_t len, sts_rgw_token_fields_t *fields, sts_arena_t *arena);

/** Encodes and encrypts fields into a base64 SessionToken in arena; NULL on failure. Thread-safe. */
char *sts_rgw_token_seal(const uint8_t key[STS_RGW_KEY_BYTES], const sts_rgw_token_fields_t *fields,
                         sts_arena_t *arena);

/** Decrypts a SessionToken into plain (appended). Returns 0, or -1 when it is not base64 or does not decrypt. */
int sts_rgw_token_open(const uint8_t key[STS_RGW_KEY_BYTES], const char *token, sts_buf_t *plain);

#endif
