#include "issuer/upstream_keys.h"
#include <errno.h>
#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "util/log.h"

static int stamp_of(const char *path, sts_file_stamp_t *stamp)
{
    struct stat st;
    if (stat(path, &st) != 0)
        return -1;
    *stamp = (sts_file_stamp_t){st.st_dev, st.st_ino, st.st_size, st.st_mtim};
    return 0;
}

static int same_stamp(const sts_file_stamp_t *a, const sts_file_stamp_t *b)
{
    return a->device == b->device && a->inode == b->inode && a->size == b->size &&
           a->modified.tv_sec == b->modified.tv_sec && a->modified.tv_nsec == b->modified.tv_nsec;
}

/* Reads one value: the file's content without surrounding whitespace. */
static int read_value(const char *path, char out[STS_UPSTREAM_KEY_MAX], char *error, size_t error_size)
{
    FILE *file = fopen(path, "rb");
    if (file == NULL) {
        snprintf(error, error_size, "cannot read %s: %s", path, strerror(errno));
        return -1;
    }
    char text[STS_UPSTREAM_KEY_MAX + 2];
    size_t len = fread(text, 1, sizeof(text) - 1, file);
    fclose(file);
    text[len] = '\0';
    char *start = text;
    while (*start == ' ' || *start == '\t' || *start == '\r' || *start == '\n')
        start++;
    size_t n = strlen(start);
    while (n > 0 && (start[n - 1] == ' ' || start[n - 1] == '\t' || start[n - 1] == '\r' || start[n - 1] == '\n'))
        n--;
    int rc = 0;
    if (n == 0 || n >= STS_UPSTREAM_KEY_MAX) {
        snprintf(error, error_size, "%s must hold one value of 1 to %d characters", path, STS_UPSTREAM_KEY_MAX - 1);
        rc = -1;
    } else {
        memcpy(out, start, n);
        out[n] = '\0';
    }
    OPENSSL_cleanse(text, sizeof(text));
    return rc;
}

static int load(const char *path, sts_file_stamp_t *stamp, char out[STS_UPSTREAM_KEY_MAX], char *error,
                size_t error_size)
{
    sts_file_stamp_t now;
    if (stamp_of(path, &now) != 0) {
        snprintf(error, error_size, "cannot read %s: %s", path, strerror(errno));
        return -1;
    }
    char value[STS_UPSTREAM_KEY_MAX];
    if (read_value(path, value, error, error_size) != 0)
        return -1;
    memcpy(out, value, sizeof(value));
    OPENSSL_cleanse(value, sizeof(value));
    *stamp = now;
    return 0;
}

int sts_upstream_keys_init(sts_upstream_keys_t *keys, const char *access_key_file, const char *secret_key_file,
                           char *error, size_t error_size)
{
    memset(keys, 0, sizeof(*keys));
    pthread_mutex_init(&keys->lock, NULL);
    keys->access_key_file = strdup(access_key_file);
    keys->secret_key_file = strdup(secret_key_file);
    if (keys->access_key_file == NULL || keys->secret_key_file == NULL)
        sts_log_fatal("out of memory");
    if (load(keys->access_key_file, &keys->access_stamp, keys->access_key, error, error_size) != 0 ||
        load(keys->secret_key_file, &keys->secret_stamp, keys->secret_key, error, error_size) != 0) {
        sts_upstream_keys_dispose(keys);
        return -1;
    }
    return 0;
}

static void refresh(const char *path, sts_file_stamp_t *stamp, char value[STS_UPSTREAM_KEY_MAX])
{
    sts_file_stamp_t now;
    if (stamp_of(path, &now) == 0 && same_stamp(&now, stamp))
        return;
    char error[512];
    if (load(path, stamp, value, error, sizeof(error)) == 0) {
        sts_log_info("re-read %s after it changed", path);
    } else {
        /* Remember the broken state so the warning is written once per change, not once per call. */
        if (stamp_of(path, &now) == 0)
            *stamp = now;
        sts_log_warn("%s; keeping the previous value", error);
    }
}

void sts_upstream_keys_get(sts_upstream_keys_t *keys, char access_key[STS_UPSTREAM_KEY_MAX],
                           char secret_key[STS_UPSTREAM_KEY_MAX])
{
    pthread_mutex_lock(&keys->lock);
    refresh(keys->access_key_file, &keys->access_stamp, keys->access_key);
    refresh(keys->secret_key_file, &keys->secret_stamp, keys->secret_key);
    memcpy(access_key, keys->access_key, STS_UPSTREAM_KEY_MAX);
    memcpy(secret_key, keys->secret_key, STS_UPSTREAM_KEY_MAX);
    pthread_mutex_unlock(&keys->lock);
}

void sts_upstream_keys_dispose(sts_upstream_keys_t *keys)
{
    OPENSSL_cleanse(keys->access_key, sizeof(keys->access_key));
    OPENSSL_cleanse(keys->secret_key, sizeof(keys->secret_key));
    free(keys->access_key_file);
    free(keys->secret_key_file);
    keys->access_key_file = keys->secret_key_file = NULL;
    pthread_mutex_destroy(&keys->lock);
}
