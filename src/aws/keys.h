/* An AWS access key and secret, read from secret files and re-read when they change (rotation without restart). */
#ifndef STS_AWS_KEYS_H
#define STS_AWS_KEYS_H
#include <pthread.h>
#include <stddef.h>
#include "crypto/secret_file.h"

/** Longest key or secret accepted from a file. */
#define STS_AWS_KEY_MAX STS_SECRET_FILE_MAX

/**
 * The two files and the values last read from them. Lifecycle: sts_aws_keys_init, any number of
 * sts_aws_keys_get from any thread, sts_aws_keys_dispose (which wipes the values).
 */
typedef struct {
    pthread_mutex_t lock;
    sts_secret_file_t access_key;
    sts_secret_file_t secret_key;
} sts_aws_keys_t;

/**
 * Reads both files with the secret-file reader (surrounding whitespace dropped; a file others may read is refused
 * unless secret_files_allow_shared is set). Returns 0, or STS_SECRET_FILE_NOT_PRIVATE or -1 with a message naming
 * the file, never its content.
 */
int sts_aws_keys_init(sts_aws_keys_t *keys, const char *access_key_file, const char *secret_key_file, char *error,
                      size_t error_size);

/**
 * Copies the current key and secret into the caller's buffers, first re-reading a file whose inode, size or
 * modification time changed. A file that became unreadable, empty or shared keeps the last good value (and logs once
 * per change). Thread-safe.
 */
void sts_aws_keys_get(sts_aws_keys_t *keys, char access_key[STS_AWS_KEY_MAX], char secret_key[STS_AWS_KEY_MAX]);

/** Wipes the values. */
void sts_aws_keys_dispose(sts_aws_keys_t *keys);

#endif
