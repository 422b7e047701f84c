/* The service's signing keys in memory: one active key signs, retired ones still verify; all kept in the store. */
#ifndef STS_CORE_KEY_RING_H
#define STS_CORE_KEY_RING_H
#include <stddef.h>
#include <stdint.h>
#include "crypto/signing_key.h"
#include "store/store.h"
#include "util/buf.h"

typedef struct sts_key_ring_s sts_key_ring_t;

/** The keys at one moment. Immutable; borrowed between sts_key_ring_acquire and sts_key_ring_release. */
typedef struct {
    /** keys[0] is the active key; the others are retired but still verify. */
    sts_signing_key_t *const *keys;
    size_t count;
    /** The public keys as a JWKS document ({"keys":[…]}), NUL-terminated. */
    const char *jwks;
    size_t jwks_len;
    /** Grows by one with every change of the set. */
    uint64_t generation;
} sts_key_ring_view_t;

/** Settings; kek is copied. */
typedef struct {
    sts_signing_alg_t algorithm;     /**< of new keys */
    uint8_t kek[STS_AEAD_KEY_BYTES]; /**< the key-encryption key sealing private keys in the store */
    /** How long a retired key keeps verifying: the longest lifetime of any token the service signs. */
    int64_t verify_for_us;
    /** Age after which the active key is replaced by a new one at the next reload; 0: never. */
    int64_t rotate_after_us;
    /** Called after the set changed (not under any lock of the ring); may be NULL. */
    void (*changed)(void *data, const sts_key_ring_view_t *view);
    void *changed_data;
} sts_key_ring_settings_t;

/**
 * Opens the ring on store (borrowed) and loads it (sts_key_ring_reload), making the first key when the store has
 * none. Returns NULL with a message in error (store failures, a sealed key the key-encryption key cannot open).
 * Blocks on the store.
 */
sts_key_ring_t *sts_key_ring_create(const sts_key_ring_settings_t *settings, sts_store_t *store, int64_t now,
                                    char *error, size_t error_size);

/**
 * Reads the keys from the store again (another process may have rotated them), drops those past verify_until, and
 * rotates when the active key is older than rotate_after_us or missing. Returns 0, or -1 with a message (the old set
 * stays in use). Blocks on the store; thread-safe.
 */
int sts_key_ring_reload(sts_key_ring_t *ring, int64_t now, char *error, size_t error_size);

/** Makes a new active key now, retiring the old one. Returns 0, or -1 with a message. Blocks; thread-safe. */
int sts_key_ring_rotate(sts_key_ring_t *ring, int64_t now, char *error, size_t error_size);

/** Borrows the current set; never blocks on the store. Thread-safe. */
const sts_key_ring_view_t *sts_key_ring_acquire(sts_key_ring_t *ring);

/** Returns what sts_key_ring_acquire lent. */
void sts_key_ring_release(sts_key_ring_t *ring, const sts_key_ring_view_t *view);

/** Signs payload with the active key into out (a JWS compact serialisation). Returns 0, or -1. Thread-safe. */
int sts_key_ring_sign(sts_key_ring_t *ring, const char *typ, const char *payload, size_t len, sts_buf_t *out);

void sts_key_ring_destroy(sts_key_ring_t *ring);

#endif
