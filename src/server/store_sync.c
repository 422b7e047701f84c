#include "server/store_sync.h"

static void on_change(void *arg, sts_store_change_t change, const char *key)
{
    sts_store_sync_t *sync = arg;
    int everything = change == STS_STORE_CHANGED_EVERYTHING;
    if (sync->access_tokens != NULL && change == STS_STORE_CHANGED_ACCESS_TOKEN)
        sts_access_token_forget(sync->access_tokens, key);
    if (sync->access_tokens != NULL && everything)
        sts_access_token_forget_all(sync->access_tokens);
    if (sync->login != NULL && (everything || change == STS_STORE_CHANGED_USERS ||
                                change == STS_STORE_CHANGED_CLIENTS || change == STS_STORE_CHANGED_DENIED_TOKENS))
        sts_login_setup_reload(sync->login);
    if (sync->keys != NULL && (everything || change == STS_STORE_CHANGED_KEYS))
        sts_key_setup_reload(sync->keys);
}

int sts_store_sync_start(sts_store_t *store, sts_store_sync_t *sync, char *error, size_t error_size)
{
    if (store->watch == NULL)
        return 0;
    return store->watch(store, on_change, sync, error, error_size);
}
