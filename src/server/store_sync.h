/* Replicas' caches follow each other: changes announced through the store reach this process's caches. */
#ifndef STS_SERVER_STORE_SYNC_H
#define STS_SERVER_STORE_SYNC_H
#include <stddef.h>
#include "auth/access_token_authenticator.h"
#include "server/key_setup.h"
#include "server/login_setup.h"
#include "store/store.h"

/** What a change drops or reloads; every member borrowed, and NULL members are skipped. */
typedef struct {
    sts_access_token_authenticator_t *access_tokens;
    sts_login_setup_t *login;
    sts_key_setup_t *keys;
} sts_store_sync_t;

/**
 * Starts the store's watch (when it has one: a shared database; otherwise nothing to do) so that a change any
 * replica makes drops this process's cached access token, reloads the revocations (users, clients, revoked JWTs) or
 * the key rings within about a second; after a lost connection everything is reloaded. sync must outlive the watch:
 * call store->unwatch before freeing what it points to. Returns 0, or -1 with a message.
 */
int sts_store_sync_start(sts_store_t *store, sts_store_sync_t *sync, char *error, size_t error_size);

#endif
