#include "core/secret_ring.h"
#include <openssl/crypto.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "crypto/access_token.h"
#include "crypto/random.h"
#include "util/arena.h"
#include "util/buf.h"
#include "util/log.h"
#include "util/ref_slot.h"
#include "util/text.h"

/* Sealed record: nonce || AES-256-GCM(key) || tag, with "<purpose>:<id>" as additional data. */
#define SEALED_BYTES (STS_AEAD_NONCE_BYTES + STS_AEAD_KEY_BYTES + STS_AEAD_TAG_BYTES)

typedef struct {
    sts_ref_t ref;
    sts_secret_view_t view;
    sts_secret_t *secrets;
} snapshot_t;

struct sts_secret_ring_s {
    sts_secret_ring_settings_t settings;
    uint8_t legacy[STS_AEAD_KEY_BYTES];
    int has_legacy;
    sts_store_t *store;
    sts_aead_t *kek;
    sts_ref_slot_t current;
    pthread_mutex_t reload_lock;
};

void sts_secret_id(const uint8_t key[STS_AEAD_KEY_BYTES], char id[STS_SECRET_ID_CHARS + 1],
                   uint8_t id_bytes[STS_SECRET_ID_BYTES])
{
    uint8_t digest[32];
    sts_sha256(key, STS_AEAD_KEY_BYTES, digest);
    memcpy(id_bytes, digest, STS_SECRET_ID_BYTES);
    sts_hex_encode(digest, STS_SECRET_ID_BYTES, id);
}

static void snapshot_free(sts_ref_t *ref)
{
    snapshot_t *snapshot = (snapshot_t *)ref;
    for (size_t i = 0; i < snapshot->view.count; i++) {
        sts_aead_destroy(snapshot->secrets[i].aead);
        OPENSSL_cleanse(snapshot->secrets[i].key, sizeof(snapshot->secrets[i].key));
    }
    free(snapshot->secrets);
    free(snapshot);
}

static size_t aad_of(const sts_secret_ring_t *ring, const char *id, char *aad, size_t size)
{
    return (size_t)snprintf(aad, size, "%s:%s", ring->settings.purpose, id);
}

/* Seals key and stores it as the active key of the purpose. Called under reload_lock. */
static int add_key(sts_secret_ring_t *ring, const uint8_t key[STS_AEAD_KEY_BYTES], int imported, int64_t now,
                   char *error, size_t error_size)
{
    char id[STS_SECRET_ID_CHARS + 1], aad[96];
    uint8_t id_bytes[STS_SECRET_ID_BYTES], sealed[SEALED_BYTES];
    sts_secret_id(key, id, id_bytes);
    sts_random_bytes(sealed, STS_AEAD_NONCE_BYTES);
    size_t aad_len = aad_of(ring, id, aad, sizeof(aad));
    if (sts_aead_seal(ring->kek, sealed, (const uint8_t *)aad, aad_len, key, STS_AEAD_KEY_BYTES,
                      sealed + STS_AEAD_NONCE_BYTES) != 0) {
        snprintf(error, error_size, "cannot seal a new %s key", ring->settings.purpose);
        return -1;
    }
    sts_key_record_t record = {.kid = id,
                               .purpose = ring->settings.purpose,
                               .algorithm = "A256",
                               .sealed_private = sealed,
                               .sealed_private_len = sizeof(sealed),
                               .created_time = now};
    if (ring->store->key_add(ring->store, &record, ring->settings.verify_for_us, error, error_size) != STS_STORE_OK)
        return -1;
    sts_log_info("keys: %s %s key %s", imported ? "imported the old key file as the active" : "new active",
                 ring->settings.purpose, id);
    return 0;
}

/* Opens one stored key into secret. */
static int open_key(const sts_secret_ring_t *ring, const sts_key_record_t *record, sts_secret_t *secret, char *error,
                    size_t error_size)
{
    char aad[96];
    size_t aad_len = aad_of(ring, record->kid, aad, sizeof(aad));
    if (record->sealed_private_len != SEALED_BYTES ||
        sts_aead_open(ring->kek, record->sealed_private, (const uint8_t *)aad, aad_len,
                      record->sealed_private + STS_AEAD_NONCE_BYTES, SEALED_BYTES - STS_AEAD_NONCE_BYTES,
                      secret->key) != 0) {
        snprintf(error, error_size,
                 "the %s key %s does not open under the key-encryption key (keys.kek replaced, or the record altered)",
                 ring->settings.purpose, record->kid);
        return -1;
    }
    sts_secret_id(secret->key, secret->id, secret->id_bytes);
    secret->aead = sts_aead_create(secret->key);
    if (strcmp(secret->id, record->kid) != 0 || secret->aead == NULL) {
        snprintf(error, error_size, "the %s key %s does not match its id", ring->settings.purpose, record->kid);
        return -1;
    }
    return 0;
}

/* Loads the stored keys, adding the first or a rotated one when due. Called under reload_lock. */
static int load(sts_secret_ring_t *ring, int64_t now, char *error, size_t error_size)
{
    error[0] = '\0';
    sts_arena_t arena;
    sts_arena_init(&arena);
    sts_key_record_t *records = NULL;
    size_t count = 0;
    sts_store_t *store = ring->store;
    int rc =
        store->key_list(store, ring->settings.purpose, now, &arena, &records, &count, error, error_size) == STS_STORE_OK
            ? 0
            : -1;
    int due = rc == 0 && count > 0 && ring->settings.rotate_after_us > 0 &&
              now - records[0].created_time >= ring->settings.rotate_after_us;
    if (rc == 0 && (count == 0 || records[0].retired_time != 0 || due)) {
        uint8_t key[STS_AEAD_KEY_BYTES];
        int first = count == 0 && ring->has_legacy;
        if (first)
            memcpy(key, ring->legacy, sizeof(key)); /* what the old key file made stays valid */
        else
            sts_random_bytes(key, sizeof(key));
        rc = add_key(ring, key, first, now, error, error_size);
        OPENSSL_cleanse(key, sizeof(key));
        sts_arena_dispose(&arena);
        return rc == 0 ? load(ring, now, error, error_size) : -1;
    }
    snapshot_t *snapshot = calloc(1, sizeof(*snapshot));
    if (snapshot == NULL || (snapshot->secrets = calloc(count + 1, sizeof(sts_secret_t))) == NULL)
        sts_log_fatal("out of memory");
    snapshot->ref = (sts_ref_t){1, snapshot_free};
    for (size_t i = 0; rc == 0 && i < count; i++) {
        rc = open_key(ring, &records[i], &snapshot->secrets[i], error, error_size);
        snapshot->view.count = i + 1; /* the failed one too: its aead (maybe NULL) and key are freed */
    }
    snapshot->view.secrets = snapshot->secrets;
    sts_arena_dispose(&arena);
    if (rc != 0) {
        snapshot_free(&snapshot->ref);
        return -1;
    }
    sts_ref_slot_publish(&ring->current, &snapshot->ref);
    return 0;
}

sts_secret_ring_t *sts_secret_ring_create(const sts_secret_ring_settings_t *settings, sts_store_t *store, int64_t now,
                                          char *error, size_t error_size)
{
    sts_secret_ring_t *ring = calloc(1, sizeof(*ring));
    if (ring == NULL)
        sts_log_fatal("out of memory");
    ring->settings = *settings;
    if (settings->legacy != NULL) {
        memcpy(ring->legacy, settings->legacy, sizeof(ring->legacy));
        ring->has_legacy = 1;
    }
    ring->settings.legacy = NULL;
    ring->store = store;
    ring->kek = sts_aead_create(settings->kek);
    sts_ref_slot_init(&ring->current);
    pthread_mutex_init(&ring->reload_lock, NULL);
    if (ring->kek == NULL || sts_secret_ring_reload(ring, now, error, error_size) != 0) {
        if (ring->kek == NULL)
            snprintf(error, error_size, "OpenSSL lacks AES-256-GCM");
        sts_secret_ring_destroy(ring);
        return NULL;
    }
    return ring;
}

int sts_secret_ring_reload(sts_secret_ring_t *ring, int64_t now, char *error, size_t error_size)
{
    pthread_mutex_lock(&ring->reload_lock);
    int rc = load(ring, now, error, error_size);
    pthread_mutex_unlock(&ring->reload_lock);
    return rc;
}

const sts_secret_view_t *sts_secret_ring_acquire(sts_secret_ring_t *ring)
{
    return &((snapshot_t *)sts_ref_slot_acquire(&ring->current))->view;
}

void sts_secret_ring_release(sts_secret_ring_t *ring, const sts_secret_view_t *view)
{
    sts_ref_slot_release(&ring->current, &((snapshot_t *)((const char *)view - offsetof(snapshot_t, view)))->ref);
}

const sts_secret_t *sts_secret_view_find(const sts_secret_view_t *view, const char *id)
{
    for (size_t i = 0; i < view->count; i++) {
        if (strcmp(view->secrets[i].id, id) == 0)
            return &view->secrets[i];
    }
    return NULL;
}

void sts_secret_ring_hmac(sts_secret_ring_t *ring, const void *data, size_t len, uint8_t out[32],
                          char key_id[STS_SECRET_ID_CHARS + 1])
{
    const sts_secret_view_t *view = sts_secret_ring_acquire(ring);
    sts_access_token_hmac(view->secrets[0].key, data, len, out);
    memcpy(key_id, view->secrets[0].id, STS_SECRET_ID_CHARS + 1);
    sts_secret_ring_release(ring, view);
}

int sts_secret_ring_hmac_matches(sts_secret_ring_t *ring, const char *key_id, const void *data, size_t len,
                                 const uint8_t expected[32])
{
    const sts_secret_view_t *view = sts_secret_ring_acquire(ring);
    int matches = 0;
    for (size_t i = 0; i < view->count && !matches; i++) {
        if (key_id[0] != '\0' && strcmp(view->secrets[i].id, key_id) != 0)
            continue;
        uint8_t hmac[32];
        sts_access_token_hmac(view->secrets[i].key, data, len, hmac);
        matches = CRYPTO_memcmp(hmac, expected, sizeof(hmac)) == 0;
    }
    sts_secret_ring_release(ring, view);
    return matches;
}

void sts_secret_ring_destroy(sts_secret_ring_t *ring)
{
    if (ring == NULL)
        return;
    sts_ref_slot_dispose(&ring->current);
    sts_aead_destroy(ring->kek);
    OPENSSL_cleanse(ring->settings.kek, sizeof(ring->settings.kek));
    OPENSSL_cleanse(ring->legacy, sizeof(ring->legacy));
    pthread_mutex_destroy(&ring->reload_lock);
    free(ring);
}
