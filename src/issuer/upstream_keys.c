#include "issuer/upstream_keys.h"
#include <string.h>

int sts_upstream_keys_init(sts_upstream_keys_t *keys, const char *access_key_file, const char *secret_key_file,
                           char *error, size_t error_size)
{
    memset(keys, 0, sizeof(*keys));
    if (sts_secret_file_open(&keys->access_key, access_key_file, 0, error, error_size) != 0)
        return -1;
    if (sts_secret_file_open(&keys->secret_key, secret_key_file, 0, error, error_size) != 0) {
        sts_secret_file_dispose(&keys->access_key);
        return -1;
    }
    pthread_mutex_init(&keys->lock, NULL);
    return 0;
}

void sts_upstream_keys_get(sts_upstream_keys_t *keys, char access_key[STS_UPSTREAM_KEY_MAX],
                           char secret_key[STS_UPSTREAM_KEY_MAX])
{
    pthread_mutex_lock(&keys->lock);
    sts_secret_file_refresh(&keys->access_key);
    sts_secret_file_refresh(&keys->secret_key);
    memcpy(access_key, keys->access_key.value, STS_UPSTREAM_KEY_MAX);
    memcpy(secret_key, keys->secret_key.value, STS_UPSTREAM_KEY_MAX);
    pthread_mutex_unlock(&keys->lock);
}

void sts_upstream_keys_dispose(sts_upstream_keys_t *keys)
{
    sts_secret_file_dispose(&keys->access_key);
    sts_secret_file_dispose(&keys->secret_key);
    pthread_mutex_destroy(&keys->lock);
}
