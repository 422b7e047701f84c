#include "crypto/key_file.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/crypto.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "crypto/random.h"
#include "crypto/secret_file.h"
#include "util/log.h"
#include "util/text.h"

enum { HEX_CHARS = STS_AEAD_KEY_BYTES * 2 };

static int parse_key(const char *text, uint8_t *key)
{
    if (strlen(text) != HEX_CHARS)
        return -1;
    for (size_t i = 0; i < STS_AEAD_KEY_BYTES; i++) {
        int hi = sts_hex_value(text[2 * i]), lo = sts_hex_value(text[2 * i + 1]);
        if (hi < 0 || lo < 0)
            return -1;
        key[i] = (uint8_t)(hi << 4 | lo);
    }
    return 0;
}

static int read_key(const char *path, const char *what, uint8_t *key, char *error, size_t error_size)
{
    char text[STS_SECRET_FILE_MAX];
    int rc = sts_secret_file_read(path, what, text, NULL, error, error_size);
    if (rc == 0 && parse_key(text, key) != 0) {
        snprintf(error, error_size, "%s %s must hold exactly %d hex characters", what, path, HEX_CHARS);
        rc = -1;
    }
    OPENSSL_cleanse(text, sizeof(text));
    return rc;
}

/* O_EXCL makes two first starts agree: the loser loads the winner's key. */
static int create_key(const char *path, const char *what, uint8_t *key, char *error, size_t error_size)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0)
        return errno == EEXIST ? read_key(path, what, key, error, error_size) : -1;
    sts_random_bytes(key, STS_AEAD_KEY_BYTES);
    char text[HEX_CHARS + 1];
    sts_hex_encode(key, STS_AEAD_KEY_BYTES, text);
    text[HEX_CHARS] = '\n'; /* in place of the NUL: the file is one line */
    int ok = write(fd, text, sizeof(text)) == (ssize_t)sizeof(text) && fsync(fd) == 0;
    int saved = errno;
    OPENSSL_cleanse(text, sizeof(text));
    close(fd);
    if (!ok) {
        unlink(path);
        snprintf(error, error_size, "cannot write %s %s: %s", what, path, strerror(saved));
        return -1;
    }
    sts_log_info("generated %s %s", what, path);
    return 0;
}

int sts_key_file_load(const char *path, int create_if_missing, const char *what, uint8_t key[STS_AEAD_KEY_BYTES],
                      char *error, size_t error_size)
{
    error[0] = '\0';
    if (!create_if_missing || access(path, F_OK) == 0)
        return read_key(path, what, key, error, error_size);
    if (create_key(path, what, key, error, error_size) != 0) {
        if (error[0] == '\0')
            snprintf(error, error_size, "cannot create %s %s: %s", what, path, strerror(errno));
        return -1;
    }
    return 0;
}
