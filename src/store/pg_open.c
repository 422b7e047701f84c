/* Opening and closing the PostgreSQL store. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "store/pg_internal.h"
#include "util/log.h"

void sts_pg_url_redact(const char *url, char *out, size_t out_size)
{
    /* postgres://user:password@host/…: the password sits between the first ':' after "//" and the last '@'. */
    const char *authority = strstr(url, "://");
    const char *at = authority != NULL ? strrchr(authority + 3, '@') : NULL;
    const char *colon = at != NULL ? memchr(authority + 3, ':', (size_t)(at - (authority + 3))) : NULL;
    if (colon == NULL)
        snprintf(out, out_size, "%s", url);
    else
        snprintf(out, out_size, "%.*s:***%s", (int)(colon - url), url, at);
    /* A password may also come as a query parameter. */
    char *query = strstr(out, "password=");
    if (query != NULL && (query == out || query[-1] == '?' || query[-1] == '&')) {
        size_t kept = (size_t)(query - out) + strlen("password=");
        char *rest = query + strlen("password=") + strcspn(query + strlen("password="), "&");
        char tail[256];
        snprintf(tail, sizeof(tail), "%s", rest);
        snprintf(out + kept, out_size - kept, "***%s", tail);
    }
}

static void destroy(sts_store_t *self)
{
    sts__pg_unwatch(self);
    sts__pg_store_t *store = (sts__pg_store_t *)self;
    for (int i = 0; i < store->idle_count; i++)
        sts_pq.finish(store->idle[i]);
    pthread_mutex_destroy(&store->lock);
    free(store->url);
    if (store->password != NULL) {
        memset(store->password, 0, strlen(store->password));
        free(store->password);
    }
    free(store);
}

sts_store_t *sts_pg_store_open(const sts_pg_settings_t *settings, char *error, size_t error_size)
{
    if (sts_dynload_require(&sts_pq_library, error, error_size) != 0)
        return NULL;
    sts__pg_store_t *store = calloc(1, sizeof(*store));
    if (store == NULL || (store->url = strdup(settings->url)) == NULL ||
        (settings->password != NULL && (store->password = strdup(settings->password)) == NULL))
        sts_log_fatal("out of memory");
    pthread_mutex_init(&store->lock, NULL);
    sts_pg_url_redact(settings->url, store->shown_url, sizeof(store->shown_url));
    int statement_ms = settings->statement_timeout_ms > 0 ? settings->statement_timeout_ms : 5000;
    int connect_ms = settings->connect_timeout_ms > 0 ? settings->connect_timeout_ms : 5000;
    snprintf(store->options, sizeof(store->options), "-c statement_timeout=%d -c bytea_output=hex", statement_ms);
    /* libpq counts whole seconds and treats 1 as 2. */
    snprintf(store->connect_timeout, sizeof(store->connect_timeout), "%d", connect_ms < 2000 ? 2 : connect_ms / 1000);
    store->base = (sts_store_t){.create = sts__pg_token_create,
                                .get = sts__pg_token_get,
                                .list = sts__pg_token_list,
                                .update = sts__pg_token_update,
                                .remove = sts__pg_token_remove,
                                .touch = sts__pg_token_touch,
                                .count = sts__pg_token_count,
                                .user_create = sts__pg_user_create,
                                .user_get = sts__pg_user_get,
                                .user_list = sts__pg_user_list,
                                .user_update = sts__pg_user_update,
                                .user_remove = sts__pg_user_remove,
                                .user_removals = sts__pg_user_removals,
                                .client_create = sts__pg_client_create,
                                .client_get = sts__pg_client_get,
                                .client_list = sts__pg_client_list,
                                .client_update = sts__pg_client_update,
                                .client_remove = sts__pg_client_remove,
                                .key_add = sts__pg_key_add,
                                .key_list = sts__pg_key_list,
                                .key_prune = sts__pg_key_prune,
                                .refresh_create = sts__pg_refresh_create,
                                .refresh_rotate = sts__pg_refresh_rotate,
                                .refresh_revoke = sts__pg_refresh_revoke,
                                .refresh_find = sts__pg_refresh_find,
                                .refresh_prune = sts__pg_refresh_prune,
                                .token_deny = sts__pg_token_deny,
                                .denied_tokens = sts__pg_denied_tokens,
                                .denied_tokens_prune = sts__pg_denied_tokens_prune,
                                .login_failure_add = sts__pg_login_failure_add,
                                .login_failure_get = sts__pg_login_failure_get,
                                .login_failure_clear = sts__pg_login_failure_clear,
                                .login_failure_prune = sts__pg_login_failure_prune,
                                .watch = sts__pg_watch,
                                .unwatch = sts__pg_unwatch,
                                .destroy = destroy};
    PGconn *conn = sts__pg_borrow(store, error, error_size);
    if (conn == NULL || sts__pg_migrate(conn, error, error_size) != 0) {
        if (conn != NULL)
            sts_pq.finish(conn);
        destroy(&store->base);
        return NULL;
    }
    sts__pg_give_back(store, conn);
    return &store->base;
}
