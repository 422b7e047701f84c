#include "core/login.h"
#include <stdio.h>
#include <string.h>
#include "util/arena.h"

/* Times in the maps are microseconds; iat is milliseconds. A change counts from its millisecond, rounded up. */
static int64_t millis_up(int64_t us)
{
    return (us + 999) / 1000;
}

static const char *check_client(const sts_login_settings_t *login, const char *client_id, long long issued_at_ms)
{
    int64_t time_us = 0;
    if (!sts_revocations_get(login->clients_valid_since, client_id, &time_us))
        return "the token's client has been deleted or disabled";
    if (issued_at_ms < millis_up(time_us))
        return "the token's client has changed since the token was issued; ask for a new token";
    return NULL;
}

const char *sts_login_check_token(void *data, const char *subject, const char *client_id, const char *jti,
                                  long long issued_at_ms)
{
    const sts_login_settings_t *login = data;
    int64_t time_us = 0;
    if (jti != NULL && jti[0] != '\0' && sts_revocations_get(login->denied_tokens, jti, &time_us))
        return "the token has been revoked";
    size_t prefix = sizeof(STS_CLIENT_SUBJECT_PREFIX) - 1;
    if (strncmp(subject, STS_CLIENT_SUBJECT_PREFIX, prefix) == 0)
        return check_client(login, subject + prefix, issued_at_ms);
    if (sts_revocations_get(login->users_not_before, subject, &time_us) && issued_at_ms < millis_up(time_us))
        return "the token has been revoked (its user was disabled, deleted or changed password); log in again";
    /* A user's token issued through a client carries that client's roles, so it cannot outlive the client's terms. */
    if (client_id != NULL && client_id[0] != '\0')
        return check_client(login, client_id, issued_at_ms);
    return NULL;
}

static int load_users(sts_revocations_t *users_not_before, sts_store_t *store, int64_t cutoff, char *error,
                      size_t error_size)
{
    char after[256] = "";
    for (int more = 1; more;) {
        sts_arena_t arena;
        sts_arena_init(&arena);
        sts_user_record_t *users = NULL;
        size_t count = 0;
        if (store->user_list(store, after, 1000, &arena, &users, &count, &more, error, error_size) != STS_STORE_OK) {
            sts_arena_dispose(&arena);
            return -1;
        }
        for (size_t i = 0; i < count; i++) {
            if (users[i].tokens_not_before >= cutoff)
                sts_revocations_put(users_not_before, users[i].id, users[i].tokens_not_before);
        }
        if (count > 0)
            snprintf(after, sizeof(after), "%s", users[count - 1].username);
        sts_arena_dispose(&arena);
        more = more && count > 0;
    }
    return 0;
}

/* A deleted user is in no list of users; only the store's record of the deletion still voids their tokens. */
static int load_removed_users(sts_revocations_t *users_not_before, sts_store_t *store, int64_t cutoff, char *error,
                              size_t error_size)
{
    char after[STS_STORE_ID_CHARS + 1] = "";
    for (int more = 1; more;) {
        sts_arena_t arena;
        sts_arena_init(&arena);
        sts_user_removal_t *removals = NULL;
        size_t count = 0;
        if (store->user_removals(store, after, 1000, &arena, &removals, &count, &more, error, error_size) !=
            STS_STORE_OK) {
            sts_arena_dispose(&arena);
            return -1;
        }
        for (size_t i = 0; i < count; i++) {
            if (removals[i].removed_time >= cutoff)
                sts_revocations_put(users_not_before, removals[i].id, removals[i].removed_time);
        }
        if (count > 0)
            snprintf(after, sizeof(after), "%s", removals[count - 1].id);
        sts_arena_dispose(&arena);
        more = more && count > 0;
    }
    return 0;
}

static int load_clients(sts_revocations_t *clients_valid_since, sts_store_t *store, char *error, size_t error_size)
{
    char after[256] = "";
    for (int more = 1; more;) {
        sts_arena_t arena;
        sts_arena_init(&arena);
        sts_client_record_t *clients = NULL;
        size_t count = 0;
        if (store->client_list(store, after, 1000, &arena, &clients, &count, &more, error, error_size) !=
            STS_STORE_OK) {
            sts_arena_dispose(&arena);
            return -1;
        }
        for (size_t i = 0; i < count; i++) {
            if (clients[i].enabled)
                sts_revocations_put(clients_valid_since, clients[i].client_id, clients[i].updated_time);
        }
        if (count > 0)
            snprintf(after, sizeof(after), "%s", clients[count - 1].client_id);
        sts_arena_dispose(&arena);
        more = more && count > 0;
    }
    return 0;
}

static int load_denied_tokens(sts_revocations_t *denied, sts_store_t *store, int64_t now, char *error,
                              size_t error_size)
{
    char after[STS_REVOCATIONS_KEY_MAX + 1] = "";
    for (int more = 1; more;) {
        sts_arena_t arena;
        sts_arena_init(&arena);
        sts_denied_token_t *tokens = NULL;
        size_t count = 0;
        if (store->denied_tokens(store, after, 1000, &arena, &tokens, &count, &more, error, error_size) !=
            STS_STORE_OK) {
            sts_arena_dispose(&arena);
            return -1;
        }
        for (size_t i = 0; i < count; i++) {
            if (tokens[i].expires_time >= now)
                sts_revocations_put(denied, tokens[i].jti, tokens[i].expires_time);
        }
        if (count > 0)
            snprintf(after, sizeof(after), "%s", tokens[count - 1].jti);
        sts_arena_dispose(&arena);
        more = more && count > 0;
    }
    return 0;
}

int sts_login_load_revocations(const sts_login_settings_t *login, sts_store_t *store, int64_t now,
                               int64_t max_lifetime_us, char *error, size_t error_size)
{
    sts_revocations_t *users = sts_revocations_create(), *clients = sts_revocations_create();
    sts_revocations_t *denied = sts_revocations_create();
    uint64_t user_changes = sts_revocations_changes(login->users_not_before);
    uint64_t client_changes = sts_revocations_changes(login->clients_valid_since);
    uint64_t denied_changes = sts_revocations_changes(login->denied_tokens);
    int rc = load_users(users, store, now - max_lifetime_us, error, error_size) == 0 &&
                     load_removed_users(users, store, now - max_lifetime_us, error, error_size) == 0 &&
                     load_clients(clients, store, error, error_size) == 0 &&
                     load_denied_tokens(denied, store, now, error, error_size) == 0
                 ? 0
                 : -1;
    /* A change made here meanwhile may be missing from what was read: keep the maps, the next reload catches up. */
    if (rc == 0) {
        sts_revocations_swap(login->users_not_before, users, user_changes);
        sts_revocations_swap(login->clients_valid_since, clients, client_changes);
        sts_revocations_swap(login->denied_tokens, denied, denied_changes);
    }
    sts_revocations_destroy(users);
    sts_revocations_destroy(clients);
    sts_revocations_destroy(denied);
    return rc;
}
