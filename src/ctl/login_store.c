/* The stored login: one JSON file, private to the user, replaced atomically. */
#include "ctl/login_store.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ctl/json.h"
#include "util/base64.h"
#include "util/buf.h"
#include "util/text.h"

static void wipe_free(char *text)
{
    if (text == NULL)
        return;
    volatile char *p = text;
    while (*p)
        *p++ = 0;
    free(text);
}

void sts_ctl_login_dispose(sts_ctl_login_t *login)
{
    free(login->url);
    free(login->username);
    wipe_free(login->access_token);
    wipe_free(login->refresh_token);
    memset(login, 0, sizeof(*login));
}

int sts_ctl_login_path(const sts_ctl_t *ctl, const char *name, char *out, size_t out_size)
{
    if (ctl->config_dir[0] == '\0') {
        sts_ctl_error("no config directory for the login: set HOME or XDG_CONFIG_HOME");
        return -1;
    }
    if ((size_t)snprintf(out, out_size, "%s/%s", ctl->config_dir, name) >= out_size) {
        sts_ctl_error("the config directory's path is too long");
        return -1;
    }
    return 0;
}

int sts_ctl_login_load(const char *path, sts_ctl_login_t *out)
{
    int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) {
        if (errno == ENOENT)
            return 1;
        sts_ctl_error("cannot read the login file %s: %s", path, strerror(errno));
        return -1;
    }
    sts_buf_t text;
    sts_buf_init(&text, 64 * 1024);
    char chunk[4096];
    ssize_t got;
    int status = 0;
    while ((got = read(fd, chunk, sizeof(chunk))) > 0)
        if (sts_buf_append(&text, chunk, (size_t)got) != 0) {
            status = -1;
            break;
        }
    if (got < 0)
        status = -1;
    close(fd);
    memset(chunk, 0, sizeof(chunk));
    yajl_val root = status == 0 ? sts_ctl_json_parse(text.data, text.len) : NULL;
    sts_buf_dispose(&text);
    const char *url = sts_ctl_json_string(root, "url", NULL);
    const char *username = sts_ctl_json_string(root, "username", NULL);
    const char *access = sts_ctl_json_string(root, "access-token", NULL);
    const char *refresh = sts_ctl_json_string(root, "refresh-token", NULL);
    yajl_val expires = sts_ctl_json_member(root, "access-expires");
    if (url == NULL || access == NULL || refresh == NULL || expires == NULL || !YAJL_IS_INTEGER(expires)) {
        sts_ctl_error("the login file %s is damaged: run stsctl login again", path);
        yajl_tree_free(root);
        return -1;
    }
    out->url = sts_strdup(url);
    out->username = sts_strdup(username ? username : "");
    out->access_token = sts_strdup(access);
    out->refresh_token = sts_strdup(refresh);
    out->access_expires = YAJL_GET_INTEGER(expires);
    yajl_tree_free(root);
    return 0;
}

/* mkdir -p for the config directory; the directories it makes are private. */
static int make_dirs(const char *dir)
{
    char path[PATH_MAX];
    snprintf(path, sizeof(path), "%s", dir);
    for (char *p = path + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(path, 0700) != 0 && errno != EEXIST)
            return -1;
        *p = '/';
    }
    return (mkdir(path, 0700) != 0 && errno != EEXIST) ? -1 : 0;
}

int sts_ctl_login_save(const char *path, const sts_ctl_login_t *login)
{
    char dir[PATH_MAX], tmp[PATH_MAX + 8];
    snprintf(dir, sizeof(dir), "%s", path);
    char *slash = strrchr(dir, '/');
    if (slash != NULL && slash != dir)
        *slash = '\0';
    if (make_dirs(dir) != 0) {
        sts_ctl_error("cannot create the directory %s: %s", dir, strerror(errno));
        return -1;
    }
    snprintf(tmp, sizeof(tmp), "%s.tmp", path);
    unlink(tmp);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0 || fchmod(fd, 0600) != 0) {
        sts_ctl_error("cannot write the login file %s: %s", tmp, strerror(errno));
        if (fd >= 0)
            close(fd);
        return -1;
    }
    yajl_gen gen = sts_ctl_json_gen(0);
    yajl_gen_map_open(gen);
    sts_ctl_json_string_out(gen, "url");
    sts_ctl_json_string_out(gen, login->url);
    sts_ctl_json_string_out(gen, "username");
    sts_ctl_json_string_out(gen, login->username ? login->username : "");
    sts_ctl_json_string_out(gen, "access-token");
    sts_ctl_json_string_out(gen, login->access_token);
    sts_ctl_json_string_out(gen, "access-expires");
    yajl_gen_integer(gen, (long long)login->access_expires);
    sts_ctl_json_string_out(gen, "refresh-token");
    sts_ctl_json_string_out(gen, login->refresh_token);
    yajl_gen_map_close(gen);
    const unsigned char *text = NULL;
    size_t len = 0;
    yajl_gen_get_buf(gen, &text, &len);
    int status = (write(fd, text, len) == (ssize_t)len && fsync(fd) == 0) ? 0 : -1;
    memset((void *)text, 0, len);
    yajl_gen_free(gen);
    if (close(fd) != 0)
        status = -1;
    if (status == 0 && rename(tmp, path) != 0)
        status = -1;
    if (status != 0) {
        sts_ctl_error("cannot write the login file %s: %s", path, strerror(errno));
        unlink(tmp);
    }
    return status;
}

int sts_ctl_login_lock(const sts_ctl_t *ctl)
{
    char path[PATH_MAX + 16];
    if (sts_ctl_login_path(ctl, STS_CTL_LOGIN_LOCK, path, sizeof(path)) != 0)
        return -1;
    if (make_dirs(ctl->config_dir) != 0) {
        sts_ctl_error("cannot create the directory %s: %s", ctl->config_dir, strerror(errno));
        return -1;
    }
    int fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0 || flock(fd, LOCK_EX) != 0) {
        sts_ctl_error("cannot lock %s: %s", path, strerror(errno));
        if (fd >= 0)
            close(fd);
        return -1;
    }
    return fd;
}

int64_t sts_ctl_login_jwt_expiry(const char *jwt)
{
    const char *first = strchr(jwt, '.');
    const char *second = first ? strchr(first + 1, '.') : NULL;
    if (second == NULL || second - first - 1 > 16384)
        return 0;
    size_t len = (size_t)(second - first - 1);
    uint8_t payload[12288];
    long decoded = sts_base64_decode(first + 1, len, payload, sizeof(payload), STS_BASE64_URL_RAW);
    if (decoded <= 0)
        return 0;
    yajl_val root = sts_ctl_json_parse((const char *)payload, (size_t)decoded);
    yajl_val exp = sts_ctl_json_member(root, "exp");
    int64_t result = (exp != NULL && YAJL_IS_INTEGER(exp)) ? YAJL_GET_INTEGER(exp) : 0;
    yajl_tree_free(root);
    return result;
}
