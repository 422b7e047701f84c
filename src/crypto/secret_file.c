#include "crypto/secret_file.h"
#include <errno.h>
#include <fcntl.h>
#include <openssl/crypto.h>
#include <stdatomic.h>
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

/* Reads at most room - 1 bytes; a file with more is refused rather than cut, so a wrong file is not half-used. */
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

int sts_secret_file_read(const char *path, const char *what, char value[STS_SECRET_FILE_MAX], struct stat *st,
                         char *error, size_t error_size)
{
    char name[4200];
    name_of(path, what, name, sizeof(name));
    /* O_NONBLOCK: a FIFO put in the key's place must not hang the open; it is refused as not a regular file. */
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    if (fd < 0) {
        snprintf(error, error_size, "cannot read %s: %s", name, strerror(errno));
        return -1;
    }
    struct stat status;
    int rc = -1;
    if (fstat(fd, &status) != 0)
        snprintf(error, error_size, "cannot read %s: %s", name, strerror(errno));
    else
        rc = check(&status, name, error, error_size);
    char text[STS_SECRET_FILE_MAX + 64];
    ssize_t len = 0;
    if (rc == 0) {
        len = read_bounded(fd, text, sizeof(text));
        if (len < 0) {
            snprintf(error, error_size, "cannot read %s: %s", name, strerror(errno));
            rc = -1;
        }
    }
    close(fd);
    if (rc == 0) {
        size_t start = 0, end = (size_t)len;
        while (start < end && is_space(text[start]))
            start++;
        while (end > start && is_space(text[end - 1]))
            end--;
        if (end == start || end - start >= STS_SECRET_FILE_MAX || (size_t)len == sizeof(text)) {
            snprintf(error, error_size, "%s must hold one value of 1 to %d characters", name, STS_SECRET_FILE_MAX - 1);
            rc = -1;
        } else {
            memcpy(value, text + start, end - start);
            value[end - start] = '\0';
        }
    }
    OPENSSL_cleanse(text, sizeof(text));
    if (rc == 0 && st != NULL)
        *st = status;
    return rc;
}

static void set_stamp(sts_secret_file_t *file, const struct stat *st)
{
    file->device = st->st_dev;
    file->inode = st->st_ino;
    file->size = st->st_size;
    file->modified = st->st_mtim;
    file->changed = st->st_ctim;
}

int sts_secret_file_open(sts_secret_file_t *file, const char *path, char *error, size_t error_size)
{
    memset(file, 0, sizeof(*file));
    error[0] = '\0';
    file->path = sts_strdup(path);
    struct stat st;
    int rc = sts_secret_file_read(path, NULL, file->value, &st, error, error_size);
    if (rc == 0)
        set_stamp(file, &st);
    else
        sts_secret_file_dispose(file);
    return rc;
}

int sts_secret_file_refresh(sts_secret_file_t *file)
{
    /* A cheap look at the path says whether to read; the read itself checks the file it opens. */
    struct stat st;
    int missing = stat(file->path, &st) != 0 ? errno : 0;
    if (missing)
        memset(&st, 0, sizeof(st));
    if (st.st_dev == file->device && st.st_ino == file->inode && st.st_size == file->size &&
        st.st_mtim.tv_sec == file->modified.tv_sec && st.st_mtim.tv_nsec == file->modified.tv_nsec &&
        st.st_ctim.tv_sec == file->changed.tv_sec && st.st_ctim.tv_nsec == file->changed.tv_nsec)
        return 0;
    /* Remember the state, good or broken, so a broken file is reported once per change, not once per call. */
    set_stamp(file, &st);
    char error[512] = "";
    char value[STS_SECRET_FILE_MAX];
    struct stat read_status;
    if (missing) {
        snprintf(error, sizeof(error), "cannot read %s: %s", file->path, strerror(missing));
    } else if (sts_secret_file_read(file->path, NULL, value, &read_status, error, sizeof(error)) == 0) {
        memcpy(file->value, value, sizeof(value));
        OPENSSL_cleanse(value, sizeof(value));
        set_stamp(file, &read_status);
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
