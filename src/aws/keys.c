#include "aws/keys.h"
#include <string.h>

int sts_aws_keys_init(sts_aws_keys_t *keys, const char *access_key_file, const char *secret_key_file, char *error,
                      size_t error_size)
{
    memset(keys, 0, sizeof(*keys));
    int rc = sts_secret_file_open(&keys->access_key, access_key_file, error, error_size);
    if (rc != 0)
        return rc;
    rc = sts_secret_file_open(&keys->secret_key, secret_key_file, error, error_size);
    if (rc != 0) {
        sts_secret_file_dispose(&keys->access_key);
        return rc;
    }
    pthread_mutex_init(&keys->lock, NULL);
    return 0;
}

void sts_aws_keys_get(sts_aws_keys_t *keys, char access_key[STS_AWS_KEY_MAX], char secret_key[STS_AWS_KEY_MAX])
{
    pthread_mutex_lock(&keys->lock);
    sts_secret_file_refresh(&keys->access_key);
    sts_secret_file_refresh(&keys->secret_key);
    memcpy(access_key, keys->access_key.value, STS_AWS_KEY_MAX);
    memcpy(secret_key, keys->secret_key.value, STS_AWS_KEY_MAX);
    pthread_mutex_unlock(&keys->lock);
}

void sts_aws_keys_dispose(sts_aws_keys_t *keys)
{
    sts_secret_file_dispose(&keys->access_key);
    sts_secret_file_dispose(&keys->secret_key);
    pthread_mutex_destroy(&keys->lock);
}
