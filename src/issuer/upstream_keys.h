/* The upstream access key and secret, read from files and re-read when they change (rotation without restart). */
#ifndef STS_ISSUER_UPSTREAM_KEYS_H
#define STS_ISSUER_UPSTREAM_KEYS_H
#include <pthread.h>
#include <stddef.h>
#include "issuer/secret_file.h"

/** Longest key or secret accepted from a file. */
#define STS_UPSTREAM_KEY_MAX STS_SECRET_FILE_MAX

/**
 * The two files and the values last read from them. Lifecycle: sts_upstream_keys_init, any number of
 * sts_upstream_keys_get from any thread, sts_upstream_keys_dispose (which wipes the values).
 */
typedef struct {
    pthread_mutex_t lock;
    sts_secret_file_t access_key;
    sts_secret_file_t secret_key;
} sts_upstream_keys_t;

/** Reads both files (surrounding whitespace dropped). Returns 0, or -1 with a message naming the file, never its
 * content. */
int sts_upstream_keys_init(sts_upstream_keys_t *keys, const char *access_key_file, const char *secret_key_file,
                           char *error, size_t error_size);

/**
 * Copies the current key and secret into the caller's buffers, first re-reading a file whose inode, size or
 * modification time changed. A file that became unreadable or empty keeps the last good value (and logs once per
 * change). Thread-safe.
 */
void sts_upstream_keys_get(sts_upstream_keys_t *keys, char access_key[STS_UPSTREAM_KEY_MAX],
                           char secret_key[STS_UPSTREAM_KEY_MAX]);

/** Wipes the values. */
void sts_upstream_keys_dispose(sts_upstream_keys_t *keys);

#endif
