/* The local issuer's session token: a sealed, versioned record of the credentials it stands for. */
#ifndef STS_ISSUER_SESSION_TOKEN_H
#define STS_ISSUER_SESSION_TOKEN_H

#include <stddef.h>
#include <stdint.h>

#include "core/issuer.h"
#include "crypto/aead.h"
#include "util/arena.h"

/*
 * Layout (before standard base64):
 *   header    version u8 (= 1) | key_id 8 bytes (first 8 bytes of SHA-256 of the key) | nonce 12 bytes
 *   sealed    AES-256-GCM(plaintext) with the header as additional data, followed by the 16-byte tag
 *   plaintext issued_at i64 LE | expiration i64 LE (both microseconds since the epoch) |
 *             access_key_id, secret_access_key, subject, policy: each u16 LE length + bytes
 */
#define STS_SESSION_TOKEN_VERSION 1
#define STS_SESSION_KEY_ID_BYTES  8
/** Longest token (in base64 characters) verify will look at. */
#define STS_SESSION_TOKEN_MAX_CHARS 8192

/** What a session token records. Strings are NUL-terminated. */
typedef struct {
    const char *access_key_id;
    const char *secret_access_key;
    const char *subject; /**< "" when anonymous */
    const char *policy;  /**< "" when none */
    sts_time_us_t issued_at;
    sts_time_us_t expiration;
} sts_session_record_t;

/** The sealing key with its id, shared read-only by every thread. */
typedef struct {
    sts_aead_t *aead;
    uint8_t key_id[STS_SESSION_KEY_ID_BYTES];
} sts_session_sealer_t;

/**
 * Seals record into a base64 token allocated in arena. Returns NULL if a field is longer than 65535 bytes or
 * OpenSSL fails.
 */
char *sts_session_token_seal(const sts_session_sealer_t *sealer, const sts_session_record_t *record,
                             sts_arena_t *arena);

/**
 * Opens token with whichever of the count sealers its header names. Returns STS_VERIFY_VALID with record filled
 * (strings in arena) when it opens, whatever its expiration; otherwise MALFORMED, FOREIGN_KEY (no sealer has its key
 * id) or TAMPERED. Expiry and access key checks are the caller's.
 */
sts_verify_reason_t sts_session_token_open(const sts_session_sealer_t *sealers, size_t count, const char *token,
                                           sts_session_record_t *record, sts_arena_t *arena);

/**
 * Reads an opened token's plaintext (the layout above) into record, strings in arena: STS_VERIFY_VALID, or MALFORMED
 * when a length runs past the end or bytes are left over. The caller wipes plain.
 */
sts_verify_reason_t sts_session_token_decode(const uint8_t *plain, size_t len, sts_session_record_t *record,
                                             sts_arena_t *arena);

#endif
