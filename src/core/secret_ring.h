/*
 * The service's symmetric keys in memory, one ring per purpose: the local issuer's sealing keys and the access-token
 * HMAC keys. The newest key seals or hashes; older ones still open or verify until nothing made with them can be
 * valid. All live in the store, sealed under the key-encryption key, so a replica or a restart finds them again.
 */
#ifndef STS_CORE_SECRET_RING_H
#define STS_CORE_SECRET_RING_H
#include <stddef.h>
#include <stdint.h>
#include "crypto/aead.h"
#include "store/store.h"

/** Length of a secret's id: hex of the first 8 bytes of SHA-256 of the key (what session tokens carry). */
#define STS_SECRET_ID_BYTES 8
#define STS_SECRET_ID_CHARS (2 * STS_SECRET_ID_BYTES)

/** One key. */
typedef struct {
    char id[STS_SECRET_ID_CHARS + 1];
    uint8_t id_bytes[STS_SECRET_ID_BYTES];
    uint8_t key[STS_AEAD_KEY_BYTES];
    sts_aead_t *aead; /**< AES-256-GCM under key */
} sts_secret_t;

/** The keys at one moment, newest (active) first. Immutable; borrowed between acquire and release. */
typedef struct {
    const sts_secret_t *secrets;
    size_t count;
} sts_secret_view_t;

/** Settings; kek and legacy are copied. */
typedef struct {
    const char *purpose; /**< STS_KEY_PURPOSE_SESSION_SEAL or STS_KEY_PURPOSE_TOKEN_HMAC (a static string) */
    uint8_t kek[STS_AEAD_KEY_BYTES];
    int64_t verify_for_us;   /**< how long a retired key keeps opening or verifying */
    int64_t rotate_after_us; /**< age at which a reload replaces the active key; 0: never */
    /**
     * A key from before key rings (a key file), made the first key when the store has none of this purpose, so
     * what was made with it stays valid. NULL: the first key is random.
     */
    const uint8_t *legacy;
} sts_secret_ring_settings_t;

typedef struct sts_secret_ring_s sts_secret_ring_t;

/** The id of key (hex, NUL-terminated) and its raw bytes. Thread-safe. */
void sts_secret_id(const uint8_t key[STS_AEAD_KEY_BYTES], char id[STS_SECRET_ID_CHARS + 1],
                   uint8_t id_bytes[STS_SECRET_ID_BYTES]);

/**
 * Opens the ring on store (borrowed), making the first key when the store has none. Returns NULL with a message in
 * error (the store failed, or a stored key does not open under the key-encryption key). Blocks on the store.
 */
sts_secret_ring_t *sts_secret_ring_create(const sts_secret_ring_settings_t *settings, sts_store_t *store, int64_t now,
                                          char *error, size_t error_size);

/**
 * Reads the keys again, drops those past verify_until and rotates when the active key is older than
 * rotate_after_us. Returns 0, or -1 with a message (the old keys stay in use). Blocks; thread-safe.
 */
int sts_secret_ring_reload(sts_secret_ring_t *ring, int64_t now, char *error, size_t error_size);

/** Borrows the current keys; never blocks on the store. Thread-safe. */
const sts_secret_view_t *sts_secret_ring_acquire(sts_secret_ring_t *ring);

/** Returns what acquire lent. */
void sts_secret_ring_release(sts_secret_ring_t *ring, const sts_secret_view_t *view);

/** The key with this id in view, or NULL. */
const sts_secret_t *sts_secret_view_find(const sts_secret_view_t *view, const char *id);

/** HMAC-SHA256 of data under the active key into out, and that key's id into key_id. Thread-safe. */
void sts_secret_ring_hmac(sts_secret_ring_t *ring, const void *data, size_t len, uint8_t out[32],
                          char key_id[STS_SECRET_ID_CHARS + 1]);

/**
 * True when expected is the HMAC-SHA256 of data under the key key_id names (compared in constant time). An empty
 * key_id (records from before key rings) is tried against every key. Thread-safe.
 */
int sts_secret_ring_hmac_matches(sts_secret_ring_t *ring, const char *key_id, const void *data, size_t len,
                                 const uint8_t expected[32]);

void sts_secret_ring_destroy(sts_secret_ring_t *ring);

#endif
