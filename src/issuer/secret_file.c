#include "issuer/secret_file.h"
#include <errno.h>
#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "util/log.h"
#include "util/text.h"

static int is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* Reads one value: the file's content without surrounding whitespace. */
static int read_value(const char *path, char out[STS_SECRET_FILE_MAX], char *error, size_t error_size)
{
    FILE *stream = fopen(path, "rb");
    if (stream == NULL) {
        snprintf(error, error_size, "cannot read %s: %s", path, strerror(errno));
        return -1;
    }
    char text[STS_SECRET_FILE_MAX + 2];
    size_t len = fread(text, 1, sizeof(text) - 1, stream);
    fclose(stream);
    text[len] = '\0';
    char *start = text;
    while (is_space(*start))
        start++;
    size_t n = strlen(start);
    while (n > 0 && is_space(start[n - 1]))
        n--;
    int rc = 0;
    if (n == 0 || n >= STS_SECRET_FILE_MAX) {
        snprintf(error, error_size, "%s must hold one value of 1 to %d characters", path, STS_SECRET_FILE_MAX - 1);
        rc = -1;
    } else {
        memcpy(out, start, n);
        out[n] = '\0';
    }
    OPENSSL_cleanse(text, sizeof(text));
    return rc;
}

/* Reads the file into file->value; on failure leaves value as it was. */
static int load(sts_secret_file_t *file, const struct stat *st, char *error, size_t error_size)
{
    if (file->private_only && ((st->st_mode & 077) != 0 || st->st_uid != geteuid())) {
        snprintf(error, error_size,
                 "%s must be private to the service user (owned by uid %u, mode 0600 or 0400; it is uid %u, mode "
                 "%04o)",
                 file->path, (unsigned)geteuid(), (unsigned)st->st_uid, (unsigned)(st->st_mode & 07777));
        return STS_SECRET_FILE_NOT_PRIVATE;
    }
    char value[STS_SECRET_FILE_MAX];
    if (read_value(file->path, value, error, error_size) != 0)
        return -1;
    memcpy(file->value, value, sizeof(value));
    OPENSSL_cleanse(value, sizeof(value));
    return 0;
}

static void set_stamp(sts_secret_file_t *file, const struct stat *st)
{
    file->device = st->st_dev;
    file->inode = st->st_ino;
    file->size = st->st_size;
    file->modified = st->st_mtim;
}

int sts_secret_file_open(sts_secret_file_t *file, const char *path, int private_only, char *error, size_t error_size)
{
    memset(file, 0, sizeof(*file));
    file->private_only = private_only;
    file->path = sts_strdup(path);
    struct stat st;
    int rc = -1;
    if (stat(path, &st) != 0)
        snprintf(error, error_size, "cannot read %s: %s", path, strerror(errno));
    else if ((rc = load(file, &st, error, error_size)) == 0)
        set_stamp(file, &st);
    if (rc != 0)
        sts_secret_file_dispose(file);
    return rc;
}

int sts_secret_file_refresh(sts_secret_file_t *file)
{
    struct stat st;
    int missing = stat(file->path, &st) != 0 ? errno : 0;
    if (missing)
        memset(&st, 0, sizeof(st));
    if (st.st_dev == file->device && st.st_ino == file->inode && st.st_size == file->size &&
        st.st_mtim.tv_sec == file->modified.tv_sec && st.st_mtim.tv_nsec == file->modified.tv_nsec)
        return 0;
    /* Remember the state, good or broken, so a broken file is reported once per change, not once per call. */
    set_stamp(file, &st);
    char error[512];
    if (missing) {
        snprintf(error, sizeof(error), "cannot read %s: %s", file->path, strerror(missing));
    } else if (load(file, &st, error, sizeof(error)) == 0) {
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
