/* One secret kept in a file (a key, a password), re-read when the file changes so it can be rotated in place. */
#ifndef STS_ISSUER_SECRET_FILE_H
#define STS_ISSUER_SECRET_FILE_H
#include <stddef.h>
#include <sys/types.h>
#include <time.h>

/** Longest value accepted from a file. */
#define STS_SECRET_FILE_MAX 256

/** What sts_secret_file_open returns for a file refused by private_only (other failures are -1). */
#define STS_SECRET_FILE_NOT_PRIVATE (-2)

/**
 * A file and the value last read from it. Not thread-safe: its owner serialises calls.
 * Lifecycle: sts_secret_file_open, any number of sts_secret_file_refresh, sts_secret_file_dispose (which wipes the
 * value).
 */
typedef struct {
    char *path;
    int private_only; /**< refuse a file that group or others may read, or that another user owns */
    dev_t device;
    ino_t inode;
    off_t size;
    struct timespec modified;
    char value[STS_SECRET_FILE_MAX]; /**< the content without surrounding whitespace */
} sts_secret_file_t;

/**
 * Reads path. With private_only, a file with any group or other permission bit, or owned by another user than
 * the process's, is refused. Returns 0, or STS_SECRET_FILE_NOT_PRIVATE or -1 with a message naming the file,
 * never its content (the struct is then disposed).
 */
int sts_secret_file_open(sts_secret_file_t *file, const char *path, int private_only, char *error, size_t error_size);

/**
 * Re-reads the file if its inode, size or modification time changed. A file that became unreadable, empty or
 * (with private_only) shared keeps the last good value and logs a warning once per change. Returns 1 when the
 * value was replaced, else 0.
 */
int sts_secret_file_refresh(sts_secret_file_t *file);

/** Wipes the value and frees the path. */
void sts_secret_file_dispose(sts_secret_file_t *file);

#endif
