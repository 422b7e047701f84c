/*
 * Secret files: keys and passwords that stsd reads from disk. One reader for all of them, so every one is checked
 * the same way: it must be a regular file private to the service user, unless the operator's override says
 * otherwise.
 */
#ifndef STS_CRYPTO_SECRET_FILE_H
#define STS_CRYPTO_SECRET_FILE_H
#include <stddef.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>

/** Longest value accepted from a file (surrounding whitespace not counted), and the room a value needs. */
#define STS_SECRET_FILE_MAX 256

/** What the readers return for a file refused because others may read it (other failures are -1). */
#define STS_SECRET_FILE_NOT_PRIVATE (-2)

/**
 * Sets the process-wide override (secret_files_allow_shared): when set, a file that group or others may read, or
 * that another user owns, is read anyway, with a warning naming it. Off by default. Call before starting threads.
 */
void sts_secret_files_allow_shared(int allow);

/**
 * Reads the value held in path: the file is opened, then checked through the open descriptor (so what is checked
 * is what is read): it must be a regular file, with no permission bit for group or others and owned by the
 * process's effective user or by root, unless the override is set. Reads a bounded amount (a larger file is
 * refused) and drops surrounding whitespace; the value must have 1 to STS_SECRET_FILE_MAX - 1 bytes. what names
 * the file in messages ("the session key file"; NULL: just the path). Fills st (may be NULL) with the file's status
 * as read. Every buffer that held the content is wiped. Returns 0, or STS_SECRET_FILE_NOT_PRIVATE or -1 with a
 * message naming the file, never its content. Thread-safe.
 */
int sts_secret_file_read(const char *path, const char *what, char value[STS_SECRET_FILE_MAX], struct stat *st,
                         char *error, size_t error_size);

/**
 * Reads all of a secret file that may be larger than one value (a PEM private key), under the same rules and with
 * the same messages as sts_secret_file_read, but as it is: nothing is trimmed and an empty file is returned empty.
 * A file larger than max_bytes is refused unread ("... is larger than N bytes"). On success *text is a new buffer of
 * *length bytes plus a NUL, which the caller releases with sts_secret_file_free. Returns 0, or
 * STS_SECRET_FILE_NOT_PRIVATE or -1 with a message naming the file, never its content. Thread-safe.
 */
int sts_secret_file_read_all(const char *path, const char *what, size_t max_bytes, char **text, size_t *length,
                             char *error, size_t error_size);

/** Wipes the length bytes of text that sts_secret_file_read_all returned, and frees it. NULL is ignored. */
void sts_secret_file_free(char *text, size_t length);

/**
 * What tells one version of a file from another without reading it: a file replaced (renamed over, or a Kubernetes
 * secret volume's link swapped), rewritten, resized or chmod'ed (ctime) gets a different stamp.
 */
typedef struct {
    int present; /**< 0: the path could not be stat'ed (every other field is then 0) */
    dev_t device;
    ino_t inode;
    off_t size;
    struct timespec modified;
    struct timespec changed;
} sts_file_stamp_t;

/** Stamps path as stat(2) sees it now (following symbolic links). Thread-safe. */
void sts_secret_file_stamp(const char *path, sts_file_stamp_t *stamp);

/** 1 when a and b stamp the same version of a file, else 0. */
int sts_secret_file_stamp_equal(const sts_file_stamp_t *a, const sts_file_stamp_t *b);

/**
 * A secret file and the value last read from it, re-read when the file changes so that it can be rotated in place.
 * Not thread-safe: its owner serialises calls. Lifecycle: sts_secret_file_open, any number of
 * sts_secret_file_refresh, sts_secret_file_dispose (which wipes the value).
 */
typedef struct {
    char *path;
    sts_file_stamp_t stamp;          /**< the file as last read or tried */
    char value[STS_SECRET_FILE_MAX]; /**< the content without surrounding whitespace */
} sts_secret_file_t;

/**
 * Reads path as sts_secret_file_read does. Returns 0, or STS_SECRET_FILE_NOT_PRIVATE or -1 with a message naming
 * the file, never its content (the struct is then disposed).
 */
int sts_secret_file_open(sts_secret_file_t *file, const char *path, char *error, size_t error_size);

/**
 * Re-reads the file if its inode, size, modification or status-change time changed. A file that became unreadable,
 * empty or shared keeps the last good value and logs a warning once per change. Returns 1 when the value was replaced,
 * else 0.
 */
int sts_secret_file_refresh(sts_secret_file_t *file);

/** Wipes the value and frees the path. */
void sts_secret_file_dispose(sts_secret_file_t *file);

#endif
