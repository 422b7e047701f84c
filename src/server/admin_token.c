#include "server/admin_token.h"
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <openssl/crypto.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "util/log.h"
#include "util/timefmt.h"

int sts_server_mint_admin_token(sts_store_t *store, sts_secret_ring_t *keys, const char *name, const char *ceiling,
                                int64_t lifetime_us, char token[STS_ACCESS_TOKEN_CHARS + 1], sts_token_record_t *record,
                                char *error, size_t error_size)
{
    *record = (sts_token_record_t){
        .user = {.domain = 0, .auth_id = "", .sid = "", .name = name},
        .creator = {.domain = 0, .auth_id = "", .sid = "", .name = "stsd"},
        .role_ceiling = ceiling,
        .creation_time = sts_time_now(),
        .enabled = 1,
    };
    record->expiration_time = record->creation_time + lifetime_us;
    sts_access_token_mint(record->id, token);
    sts_secret_ring_hmac(keys, token, STS_ACCESS_TOKEN_CHARS, record->hmac, record->hmac_key_id);
    /* Made by stsd itself, offline: the per-user limit is for callers, not for the way back in. */
    if (store->create(store, record, INT_MAX, error, error_size) != STS_STORE_OK) {
        OPENSSL_cleanse(token, STS_ACCESS_TOKEN_CHARS + 1);
        return -1;
    }
    return 0;
}

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
    sts_token_record_t record;
    int rc = -1;
    /* The token is stored before it is written: a failed write leaves a record nobody holds, never a file that
     * authenticates nothing. */
    if (sts_server_mint_admin_token(store, keys, "admin", NULL, lifetime_us, token, &record, error, error_size) == 0) {
        size_t len = strlen(token);
        token[len++] = '\n';
        if (write(fd, token, len) != (ssize_t)len || fsync(fd) != 0) {
            snprintf(error, error_size, "cannot write %s: %s", path, strerror(errno));
            char ignored[128];
            store->remove(store, record.id, ignored, sizeof(ignored));
        } else {
            rc = 0;
            char until[STS_TIME_ISO_MAX];
            sts_time_format_rfc3339(record.expiration_time, 0, until, sizeof(until));
            sts_log_info("created the first admin access token; it is in %s and expires at %s (create your own "
                         "admin tokens before then)",
                         path, until);
        }
    }
    close(fd);
    OPENSSL_cleanse(token, sizeof(token));
    if (rc != 0)
        unlink(path);
    return rc;
}
