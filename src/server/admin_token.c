#include "server/admin_token.h"
#include <errno.h>
#include <fcntl.h>
#include <openssl/crypto.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "crypto/access_token.h"
#include "util/log.h"
#include "util/timefmt.h"

int sts_server_bootstrap_admin_token(sts_store_t *store, sts_secret_ring_t *keys, const char *data_dir,
                                     int64_t lifetime_us, char *error, size_t error_size)
{
    long long count = store->count(store);
    if (count != 0) {
        if (count < 0)
            snprintf(error, error_size, "cannot count the access tokens in the store");
        return count < 0 ? -1 : 0;
    }
    char path[4096];
    snprintf(path, sizeof(path), "%s/admin.token", data_dir);
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) {
        snprintf(error, error_size, "cannot create %s for the first admin token: %s (remove a stale one)", path,
                 strerror(errno));
        return -1;
    }
    char token[STS_ACCESS_TOKEN_CHARS + 2];
    sts_token_record_t record = {
        .user = {.domain = 0, .auth_id = "", .sid = "", .name = "admin"},
        .creator = {.domain = 0, .auth_id = "", .sid = "", .name = "stsd"},
        .creation_time = sts_time_now(),
        .enabled = 1,
    };
    record.expiration_time = record.creation_time + lifetime_us;
    sts_access_token_mint(record.id, token);
    sts_secret_ring_hmac(keys, token, STS_ACCESS_TOKEN_CHARS, record.hmac, record.hmac_key_id);
    size_t len = strlen(token);
    token[len++] = '\n';
    int rc = -1;
    if (write(fd, token, len) != (ssize_t)len || fsync(fd) != 0) {
        snprintf(error, error_size, "cannot write %s: %s", path, strerror(errno));
    } else if (store->create(store, &record, 1000, error, error_size) == STS_STORE_OK) {
        rc = 0;
        char until[STS_TIME_ISO_MAX];
        sts_time_format_rfc3339(record.expiration_time, 0, until, sizeof(until));
        sts_log_info("created the first admin access token; it is in %s and expires at %s (create your own admin "
                     "tokens before then)",
                     path, until);
    }
    close(fd);
    OPENSSL_cleanse(token, sizeof(token));
    if (rc != 0)
        unlink(path);
    return rc;
}
