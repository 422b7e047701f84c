#include "core/key_ring.h"
#include <openssl/crypto.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "util/arena.h"
#include "util/log.h"
#include "util/ref_slot.h"

/* A view with its reference count: the ring holds one reference, every borrower another. */
typedef struct {
    sts_ref_t ref;
    sts_key_ring_view_t view;
    sts_signing_key_t **keys;
    char *jwks;
} snapshot_t;

struct sts_key_ring_s {
    sts_key_ring_settings_t settings;
    sts_store_t *store;
    sts_aead_t *kek;
    sts_ref_slot_t current;      /* the snapshot_t in use */
    pthread_mutex_t reload_lock; /* one reload or rotation at a time; guards generation */
    uint64_t generation;
};

static void snapshot_free(sts_ref_t *ref)
{
    snapshot_t *snapshot = (snapshot_t *)ref;
    for (size_t i = 0; i < snapshot->view.count; i++)
        sts_signing_key_free(snapshot->keys[i]);
    free(snapshot->keys);
    free(snapshot->jwks);
    free(snapshot);
}

/* Builds a snapshot from stored records (newest first); NULL with a message when a key cannot be opened. */
static snapshot_t *snapshot_build(sts_key_ring_t *ring, const sts_key_record_t *records, size_t count, char *error,
                                  size_t error_size)
{
    snapshot_t *snapshot = calloc(1, sizeof(*snapshot));
    if (snapshot == NULL || (snapshot->keys = calloc(count + 1, sizeof(*snapshot->keys))) == NULL)
        sts_log_fatal("out of memory");
    sts_buf_t jwks;
    sts_buf_init(&jwks, 64 * 1024);
    int failed = sts_buf_append_str(&jwks, "{\"keys\":[") != 0;
    for (size_t i = 0; i < count && !failed; i++) {
        int alg = sts_signing_alg_from_name(records[i].algorithm);
        if (alg < 0) {
            snprintf(error, error_size, "signing key %s has an unknown algorithm", records[i].kid);
            failed = 1;
            break;
        }
        sts_signing_key_t *key =
            sts_signing_key_unseal((sts_signing_alg_t)alg, records[i].kid, records[i].sealed_private,
                                   records[i].sealed_private_len, ring->kek, error, error_size);
        if (key == NULL) {
            failed = 1;
            break;
        }
        snapshot->keys[snapshot->view.count++] = key;
        failed = (i > 0 && sts_buf_append_str(&jwks, ",") != 0) || sts_signing_key_public_jwk(key, &jwks) != 0;
    }
    if (!failed && (sts_buf_append(&jwks, "]}", 3) != 0)) /* with the NUL */
        failed = 1;
    if (failed) {
        if (error[0] == '\0')
            snprintf(error, error_size, "too many signing keys to publish");
        sts_buf_dispose(&jwks);
        snapshot_free(&snapshot->ref);
        return NULL;
    }
    snapshot->jwks = (char *)jwks.data; /* ownership moves to the snapshot */
    snapshot->view.keys = snapshot->keys;
    snapshot->view.jwks = snapshot->jwks;
    snapshot->view.jwks_len = jwks.len - 1;
    snapshot->ref = (sts_ref_t){1, snapshot_free};
    return snapshot;
}

/* Called under reload_lock. */
static void publish(sts_key_ring_t *ring, snapshot_t *snapshot)
{
    snapshot->view.generation = ++ring->generation;
    snapshot->ref.refs++; /* for the callback below */
    sts_ref_slot_publish(&ring->current, &snapshot->ref);
    if (ring->settings.changed != NULL)
        ring->settings.changed(ring->settings.changed_data, &snapshot->view);
    sts_ref_slot_release(&ring->current, &snapshot->ref);
}

/* Makes, seals and stores a new active key. Called under reload_lock. */
static int add_key(sts_key_ring_t *ring, int64_t now, char *error, size_t error_size)
{
    sts_signing_key_t *key = sts_signing_key_generate(ring->settings.algorithm, error, error_size);
    if (key == NULL)
        return -1;
    sts_buf_t sealed;
    sts_buf_init(&sealed, 16 * 1024);
    int rc = sts_signing_key_seal(key, ring->kek, &sealed);
    if (rc != 0)
        snprintf(error, error_size, "cannot seal a new signing key");
    sts_key_record_t record = {.kid = sts_signing_key_kid(key),
                               .purpose = STS_KEY_PURPOSE_JWS,
                               .algorithm = sts_signing_alg_name(ring->settings.algorithm),
                               .sealed_private = (const uint8_t *)sealed.data,
                               .sealed_private_len = sealed.len,
                               .created_time = now};
    if (rc == 0 &&
        ring->store->key_add(ring->store, &record, ring->settings.verify_for_us, error, error_size) != STS_STORE_OK)
        rc = -1;
    if (rc == 0)
        sts_log_info("signing keys: new active key %s (%s)", record.kid, record.algorithm);
    sts_buf_dispose(&sealed);
    sts_signing_key_free(key);
    return rc;
}

/* Loads the stored keys, rotating first when due (or forced). Called under reload_lock. */
static int load(sts_key_ring_t *ring, int64_t now, int force_rotation, char *error, size_t error_size)
{
    error[0] = '\0';
    if (ring->store->key_prune(ring->store, now, error, error_size) != STS_STORE_OK)
        return -1;
    sts_arena_t arena;
    sts_arena_init(&arena);
    sts_key_record_t *records = NULL;
    size_t count = 0;
    int rc = ring->store->key_list(ring->store, STS_KEY_PURPOSE_JWS, now, &arena, &records, &count, error,
                                   error_size) == STS_STORE_OK
                 ? 0
                 : -1;
    int active = rc == 0 && count > 0 && records[0].retired_time == 0;
    int due =
        active && ring->settings.rotate_after_us > 0 && now - records[0].created_time >= ring->settings.rotate_after_us;
    if (rc == 0 && (!active || due || force_rotation)) {
        sts_arena_dispose(&arena);
        if (add_key(ring, now, error, error_size) != 0)
            return -1;
        return load(ring, now, 0, error, error_size);
    }
    int same = 0;
    if (rc == 0) {
        /* Same keys as now (the usual case for a periodic reload): nothing to rebuild. */
        snapshot_t *current = (snapshot_t *)sts_ref_slot_acquire(&ring->current);
        same = current != NULL && current->view.count == count;
        for (size_t i = 0; same && i < count; i++)
            same = strcmp(sts_signing_key_kid(current->keys[i]), records[i].kid) == 0;
        sts_ref_slot_release(&ring->current, current != NULL ? &current->ref : NULL);
    }
    if (rc == 0 && !same) {
        snapshot_t *snapshot = snapshot_build(ring, records, count, error, error_size);
        if (snapshot == NULL)
            rc = -1;
        else
            publish(ring, snapshot);
    }
    sts_arena_dispose(&arena);
    return rc;
}

sts_key_ring_t *sts_key_ring_create(const sts_key_ring_settings_t *settings, sts_store_t *store, int64_t now,
                                    char *error, size_t error_size)
{
    sts_key_ring_t *ring = calloc(1, sizeof(*ring));
    if (ring == NULL)
        sts_log_fatal("out of memory");
    ring->settings = *settings;
    ring->store = store;
    ring->kek = sts_aead_create(settings->kek);
    sts_ref_slot_init(&ring->current);
    pthread_mutex_init(&ring->reload_lock, NULL);
    if (ring->kek == NULL || sts_key_ring_reload(ring, now, error, error_size) != 0) {
        if (ring->kek == NULL)
            snprintf(error, error_size, "OpenSSL lacks AES-256-GCM");
        sts_key_ring_destroy(ring);
        return NULL;
    }
    return ring;
}

int sts_key_ring_reload(sts_key_ring_t *ring, int64_t now, char *error, size_t error_size)
{
    pthread_mutex_lock(&ring->reload_lock);
    int rc = load(ring, now, 0, error, error_size);
    pthread_mutex_unlock(&ring->reload_lock);
    return rc;
}

int sts_key_ring_rotate(sts_key_ring_t *ring, int64_t now, char *error, size_t error_size)
{
    pthread_mutex_lock(&ring->reload_lock);
    int rc = load(ring, now, 1, error, error_size);
    pthread_mutex_unlock(&ring->reload_lock);
    return rc;
}

const sts_key_ring_view_t *sts_key_ring_acquire(sts_key_ring_t *ring)
{
    return &((snapshot_t *)sts_ref_slot_acquire(&ring->current))->view;
}

void sts_key_ring_release(sts_key_ring_t *ring, const sts_key_ring_view_t *view)
{
    sts_ref_slot_release(&ring->current, &((snapshot_t *)((const char *)view - offsetof(snapshot_t, view)))->ref);
}

int sts_key_ring_sign(sts_key_ring_t *ring, const char *typ, const char *payload, size_t len, sts_buf_t *out)
{
    const sts_key_ring_view_t *view = sts_key_ring_acquire(ring);
    int rc = sts_signing_key_sign(view->keys[0], typ, payload, len, out);
    sts_key_ring_release(ring, view);
    return rc;
}

void sts_key_ring_destroy(sts_key_ring_t *ring)
{
    if (ring == NULL)
        return;
    sts_ref_slot_dispose(&ring->current);
    sts_aead_destroy(ring->kek);
    OPENSSL_cleanse(ring->settings.kek, sizeof(ring->settings.kek));
    pthread_mutex_destroy(&ring->reload_lock);
    free(ring);
}
