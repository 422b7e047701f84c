#include "server/key_setup.h"
#include <errno.h>
#include <openssl/crypto.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include "auth/jwk.h"
#include "crypto/key_file.h"
#include "util/log.h"
#include "util/timefmt.h"

/** How often the rings are read again: rotations by `stsd keys rotate` or another replica arrive within this. */
#define RELOAD_MS 60000

/* The signing ring changed: own JWTs verify with exactly its public keys from now on. */
static void signing_keys_changed(void *data, const sts_key_ring_view_t *view)
{
    sts_jwk_set_t *set = NULL;
    char error[256];
    if (sts_jwk_set_parse(view->jwks, view->jwks_len, &set, error, sizeof(error)) != 0) {
        sts_log_error("signing keys: cannot use the new key set: %s", error);
        return;
    }
    sts_jwks_source_replace(data, set);
}

static int64_t longest_jwt_us(const sts_config_t *config)
{
    long longest = config->access_token_lifetime > config->client_max_lifetime ? config->access_token_lifetime
                                                                               : config->client_max_lifetime;
    return (int64_t)longest * 1000000;
}

/*
 * A key file from before key rings, when it exists: 1 and its key, 0 when there is none, -1 on a bad file. The
 * configured session_key_file must exist; the default paths may not.
 */
static int legacy_key(const char *path, int required, const char *what, uint8_t key[STS_AEAD_KEY_BYTES], char *error,
                      size_t error_size)
{
    struct stat st;
    if (!required && stat(path, &st) != 0 && errno == ENOENT)
        return 0;
    return sts_key_file_load(path, 0, what, key, error, error_size) == 0 ? 1 : -1;
}

/* The key file a ring starts from when the store has none of its keys; path NULL for none. */
typedef struct {
    const char *path;
    int required;
    const char *what;
} legacy_file_t;

static sts_secret_ring_t *open_secret_ring(const char *purpose, const uint8_t kek[STS_AEAD_KEY_BYTES],
                                           int64_t verify_for_us, int64_t rotate_after_us, sts_store_t *store,
                                           const legacy_file_t *file, char *error, size_t error_size)
{
    sts_secret_ring_settings_t settings = {
        .purpose = purpose, .verify_for_us = verify_for_us, .rotate_after_us = rotate_after_us};
    memcpy(settings.kek, kek, STS_AEAD_KEY_BYTES);
    uint8_t legacy[STS_AEAD_KEY_BYTES];
    int found = file->path != NULL ? legacy_key(file->path, file->required, file->what, legacy, error, error_size) : 0;
    sts_secret_ring_t *ring = NULL;
    if (found >= 0) {
        settings.legacy = found ? legacy : NULL;
        ring = sts_secret_ring_create(&settings, store, sts_time_now(), error, error_size);
    }
    if (ring != NULL && found) {
        char id[STS_SECRET_ID_CHARS + 1];
        uint8_t id_bytes[STS_SECRET_ID_BYTES];
        sts_secret_id(legacy, id, id_bytes);
        const sts_secret_view_t *view = sts_secret_ring_acquire(ring);
        if (sts_secret_view_find(view, id) == NULL)
            sts_log_warn("keys: %s %s is not used: the %s keys live in the store now (stsd keys list); remove the "
                         "file",
                         file->what, file->path, purpose);
        sts_secret_ring_release(ring, view);
    }
    OPENSSL_cleanse(legacy, sizeof(legacy));
    OPENSSL_cleanse(settings.kek, sizeof(settings.kek));
    return ring;
}

void sts_key_setup_reload(sts_key_setup_t *setup)
{
    char error[256];
    int64_t now = sts_time_now();
    if (sts_key_ring_reload(setup->signing, now, error, sizeof(error)) != 0 ||
        sts_secret_ring_reload(setup->session_keys, now, error, sizeof(error)) != 0 ||
        sts_secret_ring_reload(setup->token_keys, now, error, sizeof(error)) != 0 ||
        sts_secret_ring_reload(setup->refresh_keys, now, error, sizeof(error)) != 0)
        sts_log_warn("keys: reload failed, the current keys stay in use: %s", error);
}

static void reload_tick(void *data)
{
    sts_key_setup_reload(data);
}

int sts_key_setup_start(sts_key_setup_t *setup, const sts_config_t *config, sts_store_t *store, char *error,
                        size_t error_size)
{
    memset(setup, 0, sizeof(*setup));
    char path[4096];
    uint8_t kek[STS_AEAD_KEY_BYTES];
    /* Generated only where it is the data directory's own: a named file is shared (replicas) and must exist. */
    if (config->key_encryption_key_file != NULL)
        snprintf(path, sizeof(path), "%s", config->key_encryption_key_file);
    else
        snprintf(path, sizeof(path), "%s/keys.kek", config->data_dir);
    if (sts_key_file_load(path, config->key_encryption_key_file == NULL, "the key-encryption key file", kek, error,
                          error_size) != 0)
        return -1;
    int rc = -1;
    sts_jwks_settings_t no_files = {0};
    if ((setup->public_keys = sts_jwks_source_create(&no_files, error, error_size)) == NULL)
        goto out;
    sts_key_ring_settings_t signing = {.algorithm =
                                           (sts_signing_alg_t)sts_signing_alg_from_name(config->signing_algorithm),
                                       .verify_for_us = longest_jwt_us(config),
                                       .rotate_after_us = (int64_t)config->signing_key_rotation * 1000000,
                                       .changed = signing_keys_changed,
                                       .changed_data = setup->public_keys};
    memcpy(signing.kek, kek, sizeof(kek));
    setup->signing = sts_key_ring_create(&signing, store, sts_time_now(), error, error_size);
    OPENSSL_cleanse(signing.kek, sizeof(signing.kek));
    if (setup->signing == NULL)
        goto out;
    int64_t rotate_after_us = (int64_t)config->signing_key_rotation * 1000000;
    int configured = config->session_key_file != NULL;
    char token_path[4096];
    snprintf(path, sizeof(path), "%s/session.key", config->data_dir);
    snprintf(token_path, sizeof(token_path), "%s/token.key", config->data_dir);
    legacy_file_t session_file = {configured ? config->session_key_file : path, configured, "the session key file"};
    legacy_file_t token_file = {token_path, 0, "the access-token key file"}, none = {0};
    if ((setup->session_keys =
             open_secret_ring(STS_KEY_PURPOSE_SESSION_SEAL, kek, (int64_t)config->max_duration_seconds * 1000000,
                              rotate_after_us, store, &session_file, error, error_size)) == NULL ||
        (setup->token_keys =
             open_secret_ring(STS_KEY_PURPOSE_TOKEN_HMAC, kek, (int64_t)config->max_access_token_lifetime * 1000000,
                              rotate_after_us, store, &token_file, error, error_size)) == NULL ||
        (setup->refresh_keys =
             open_secret_ring(STS_KEY_PURPOSE_REFRESH_HMAC, kek, 0, 0, store, &none, error, error_size)) == NULL)
        goto out;
    setup->reloader = sts_ticker_start(RELOAD_MS, 0, reload_tick, setup);
    rc = 0;
out:
    OPENSSL_cleanse(kek, sizeof(kek));
    return rc;
}

void sts_key_setup_dispose(sts_key_setup_t *setup)
{
    sts_ticker_stop(setup->reloader);
    sts_secret_ring_destroy(setup->refresh_keys);
    sts_secret_ring_destroy(setup->token_keys);
    sts_secret_ring_destroy(setup->session_keys);
    sts_key_ring_destroy(setup->signing);
    if (setup->public_keys != NULL)
        sts_jwks_source_destroy(setup->public_keys);
    memset(setup, 0, sizeof(*setup));
}
