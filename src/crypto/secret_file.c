#include "crypto/secret_file.h"
#include <errno.h>
#include <fcntl.h>
#include <openssl/crypto.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "util/log.h"
#include "util/text.h"

static atomic_int allow_shared;

void sts_secret_files_allow_shared(int allow)
{
    atomic_store(&allow_shared, allow != 0);
}

static int is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* Names the file in messages: "the session key file /x" or just "/x". */
static void name_of(const char *path, const char *what, char *out, size_t out_size)
{
    snprintf(out, out_size, "%s%s%s", what != NULL ? what : "", what != NULL ? " " : "", path);
}

/* Checks the opened file; returns 0, or STS_SECRET_FILE_NOT_PRIVATE / -1 with a message. */
static int check(const struct stat *st, const char *name, char *error, size_t error_size)
{
    if (!S_ISREG(st->st_mode)) {
        snprintf(error, error_size, "%s is not a regular file", name);
        return -1;
    }
    uid_t self = geteuid();
    int shared = (st->st_mode & 077) != 0 || (st->st_uid != self && st->st_uid != 0);
    if (!shared)
        return 0;
    if (atomic_load(&allow_shared)) {
        sts_log_warn("%s may be read by other users (uid %u, mode %04o); accepted because "
                     "secret_files_allow_shared=true",
                     name, (unsigned)st->st_uid, (unsigned)(st->st_mode & 07777));
        return 0;
    }
    snprintf(error, error_size,
             "%s must be private to the service user (owned by uid %u or root, mode 0600 or 0400; it is uid %u, mode "
             "%04o); chmod 600 it, or set secret_files_allow_shared=true",
             name, (unsigned)self, (unsigned)st->st_uid, (unsigned)(st->st_mode & 07777));
    return STS_SECRET_FILE_NOT_PRIVATE;
}

/* Reads up to the end of the file or room bytes; a caller that gets room bytes refuses the file, never cuts it. */
static ssize_t read_bounded(int fd, char *text, size_t room)
{
    size_t len = 0;
    while (len < room) {
        ssize_t n = read(fd, text + len, room - len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return -1;
        if (n == 0)
            break;
        len += (size_t)n;
    }
    return (ssize_t)len;
}

/*
 * Opens path, checks the open file, and reads all of it unless it is larger than max_bytes. Returns 0 with a new
 * NUL-terminated buffer in *text (*length bytes) and the file's status; 1 for a larger file (nothing read, no
 * message); STS_SECRET_FILE_NOT_PRIVATE or -1 with a message.
 */
static int read_checked(const char *path, const char *name, size_t max_bytes, char **text, size_t *length,
                        struct stat *status, char *error, size_t error_size)
{
    *text = NULL;
    *length = 0;
    /* O_NONBLOCK: a FIFO put in the key's place must not hang the open; it is refused as not a regular file. */
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    if (fd < 0) {
        snprintf(error, error_size, "cannot read %s: %s", name, strerror(errno));
        return -1;
    }
    int rc = -1;
    if (fstat(fd, status) != 0)
        snprintf(error, error_size, "cannot read %s: %s", name, strerror(errno));
    else
        rc = check(status, name, error, error_size);
    if (rc == 0 && (uintmax_t)status->st_size > max_bytes)
        rc = 1;
    if (rc == 0) {
        /* One byte more than fstat promised, so a file that grew since is noticed rather than cut. */
        size_t room = (size_t)status->st_size + 1;
        *text = malloc(room);
        if (*text == NULL)
            sts_log_fatal("out of memory");
        ssize_t len = read_bounded(fd, *text, room);
        if (len < 0 || (size_t)len == room) {
            snprintf(error, error_size, "cannot read %s: %s", name,
                     len < 0 ? strerror(errno) : "it changed while it was read");
            sts_secret_file_free(*text, room);
            *text = NULL;
            rc = -1;
        } else {
            (*text)[len] = '\0';
            *length = (size_t)len;
        }
    }
    close(fd);
    return rc;
}

int sts_secret_file_read(const char *path, const char *what, char value[STS_SECRET_FILE_MAX], struct stat *st,
                         char *error, size_t error_size)
{
    char name[4200];
    name_of(path, what, name, sizeof(name));
    char *text;
    size_t len;
    struct stat status;
    /* Room for some whitespace around the longest value; a larger file is refused rather than cut. */
    int rc = read_checked(path, name, STS_SECRET_FILE_MAX + 63, &text, &len, &status, error, error_size);
    if (rc == 0) {
        size_t start = 0, end = len;
        while (start < end && is_space(text[start]))
            start++;
        while (end > start && is_space(text[end - 1]))
            end--;
        if (end == start || end - start >= STS_SECRET_FILE_MAX) {
            rc = 1;
        } else {
            memcpy(value, text + start, end - start);
            value[end - start] = '\0';
        }
    }
    if (rc == 1) {
        snprintf(error, error_size, "%s must hold one value of 1 to %d characters", name, STS_SECRET_FILE_MAX - 1);
        rc = -1;
    }
    sts_secret_file_free(text, len);
    if (rc == 0 && st != NULL)
        *st = status;
    return rc;
}

int sts_secret_file_read_all(const char *path, const char *what, size_t max_bytes, char **text, size_t *length,
                             char *error, size_t error_size)
{
    char name[4200];
    name_of(path, what, name, sizeof(name));
    struct stat status;
    int rc = read_checked(path, name, max_bytes, text, length, &status, error, error_size);
    if (rc == 1) {
        snprintf(error, error_size, "%s is larger than %zu bytes", name, max_bytes);
        rc = -1;
    }
    return rc;
}

void sts_secret_file_free(char *text, size_t length)
{
    if (text == NULL)
        return;
    OPENSSL_cleanse(text, length);
    free(text);
}

static void stamp_of(const struct stat *st, sts_file_stamp_t *stamp)
{
    *stamp = (sts_file_stamp_t){1, st->st_dev, st->st_ino, st->st_size, st->st_mtim, st->st_ctim};
}

void sts_secret_file_stamp(const char *path, sts_file_stamp_t *stamp)
{
    struct stat st;
    memset(stamp, 0, sizeof(*stamp));
    if (stat(path, &st) == 0)
        stamp_of(&st, stamp);
}

int sts_secret_file_stamp_equal(const sts_file_stamp_t *a, const sts_file_stamp_t *b)
{
    return a->present == b->present && a->device == b->device && a->inode == b->inode && a->size == b->size &&
           a->modified.tv_sec == b->modified.tv_sec && a->modified.tv_nsec == b->modified.tv_nsec &&
           a->changed.tv_sec == b->changed.tv_sec && a->changed.tv_nsec == b->changed.tv_nsec;
}

int sts_secret_file_open(sts_secret_file_t *file, const char *path, char *error, size_t error_size)
{
    memset(file, 0, sizeof(*file));
    error[0] = '\0';
    file->path = sts_strdup(path);
    struct stat st;
    int rc = sts_secret_file_read(path, NULL, file->value, &st, error, error_size);
    if (rc == 0)
        stamp_of(&st, &file->stamp);
    else
        sts_secret_file_dispose(file);
    return rc;
}

int sts_secret_file_refresh(sts_secret_file_t *file)
{
    /* A cheap look at the path says whether to read; the read itself checks the file it opens. */
    sts_file_stamp_t now;
    sts_secret_file_stamp(file->path, &now);
    if (sts_secret_file_stamp_equal(&now, &file->stamp))
        return 0;
    /* Remember the state, good or broken, so a broken file is reported once per change, not once per call. */
    file->stamp = now;
    char error[512] = "";
    char value[STS_SECRET_FILE_MAX];
    struct stat read_status;
    if (sts_secret_file_read(file->path, NULL, value, &read_status, error, sizeof(error)) == 0) {
        memcpy(file->value, value, sizeof(value));
        OPENSSL_cleanse(value, sizeof(value));
        stamp_of(&read_status, &file->stamp);
        sts_log_info("re-read %s after it changed", file->path);
        return 1;
    }
    sts_log_warn("%s; keeping the previous value", error);
    return 0;
}

void sts_secret_file_dispose(sts_secret_file_t *file)
{
    OPENSSL_cleanse(file->value, sizeof(file->value));
    free(file->path);
    file->path = NULL;
}
