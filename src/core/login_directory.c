/* Logins of directory users: the directory checks the password, the store keeps a shadow record for the tokens. */
#include <string.h>
#include "core/login_flow.h"
#include "core/login_records.h"
#include "core/metrics.h"
#include "core/service.h"
#include "util/log.h"
#include "util/timefmt.h"

/* The shadow record of a user the directory just authenticated, made at the first login. */
static sts_status_t create_shadow(sts_call_t *call, sts_user_directory_t *directory, const char *username,
                                  const sts_directory_user_t *found, const char *roles, sts_user_record_t *user)
{
    memset(user, 0, sizeof(*user));
    sts__random_id(user->id);
    user->username = username;
    user->password_hash = ""; /* no local password: a local check never accepts this record */
    user->roles = roles;
    user->enabled = 1;
    user->source = STS_USER_SOURCE_LDAP;
    user->created_time = user->updated_time = sts_time_now();
    char error[256];
    sts_store_t *store = call->service->store;
    sts_store_result_t result = store->user_create(store, user, error, sizeof(error));
    if (result != STS_STORE_OK)
        return result == STS_STORE_EXISTS ? STS_STATUS_ALREADY_EXISTS
                                          : sts_call_fail(call, STS_STATUS_UNAVAILABLE, "%s", error);
    sts_log_info("logins: first login of directory user %s (%s, from %s): user record %s made with roles [%s]",
                 username, found->dn, directory->name, user->id, roles);
    return STS_STATUS_OK;
}

/* Finds or makes the shadow record of a directory user, with the roles the directory gives now. */
static sts_status_t shadow_user(sts_call_t *call, sts_user_directory_t *directory, const char *username,
                                const sts_directory_user_t *found, sts_user_record_t *user)
{
    const char *roles = NULL;
    sts_status_t status =
        sts__join_roles(call, "the roles from the directory", (char *const *)found->roles, found->role_count, &roles);
    if (status != STS_STATUS_OK)
        return status;
    sts_store_t *store = call->service->store;
    char error[256];
    /* Two first logins at once: the one that loses the insert finds the winner's record on the second pass. */
    for (int attempt = 0; attempt < 2; attempt++) {
        sts_store_result_t result = store->user_get(store, NULL, username, &call->arena, user, error, sizeof(error));
        if (result == STS_STORE_NOT_FOUND) {
            status = create_shadow(call, directory, username, found, roles, user);
            if (status == STS_STATUS_ALREADY_EXISTS)
                continue;
            return status;
        }
        if (result != STS_STORE_OK)
            return sts_call_fail(call, STS_STATUS_UNAVAILABLE, "%s", error);
        if (!sts__user_is_shadow(user))
            return sts_call_fail(call, STS_STATUS_FAILED_PRECONDITION,
                                 "user %s is a local user of this service, and the directory %s, which comes first in "
                                 "user_sources, knows the name too: an admin must delete the local user or list "
                                 "local first",
                                 username, directory->name);
        if (strcmp(user->roles, roles) == 0)
            return STS_STATUS_OK;
        /* Roles follow the directory's groups; tokens issued from now on carry the new ones. */
        sts_user_change_t change = {.roles = roles, .now = sts_time_now()};
        result = store->user_update(store, user->id, &change, &call->arena, user, error, sizeof(error));
        if (result != STS_STORE_OK)
            return sts_call_fail(call, STS_STATUS_UNAVAILABLE, "%s", error);
        sts_log_info("logins: directory user %s now has roles [%s] from %s", username, roles, directory->name);
        return STS_STATUS_OK;
    }
    return sts_call_fail(call, STS_STATUS_UNAVAILABLE, "cannot make the user record of %s; try again", username);
}

sts_status_t sts__login_check_directory(sts_call_t *call, const sts_login_settings_t *login,
                                        sts_user_directory_t *directory, const char *username, const char *password,
                                        sts_user_record_t *user, int *decided)
{
    *decided = 1;
    sts_directory_user_t found = {0};
    char error[512] = "";
    int64_t started_ns = sts_time_monotonic_ns();
    sts_directory_result_t result =
        directory->authenticate(directory, username, password, &call->arena, &found, error, sizeof(error));
    sts_metrics_count_upstream(STS_UPSTREAM_LDAP_AUTHENTICATE,
                               result == STS_DIRECTORY_OK            ? STS_UPSTREAM_OK
                               : result == STS_DIRECTORY_UNAVAILABLE ? STS_UPSTREAM_UNREACHABLE
                                                                     : STS_UPSTREAM_REFUSED,
                               (sts_time_monotonic_ns() - started_ns) / 1000);
    if (result == STS_DIRECTORY_UNKNOWN_USER) {
        *decided = 0;
        return STS_STATUS_OK;
    }
    if (result == STS_DIRECTORY_UNAVAILABLE) {
        sts_log_warn("logins: the user directory %s cannot check the password of %s: %s", directory->name, username,
                     error);
        return sts_call_fail(call, STS_STATUS_UNAVAILABLE,
                             "the user directory %s cannot check passwords now (%s); try again later", directory->name,
                             error);
    }
    /* The name the directory knows the user by, so that "ALICE" and "alice" are one user with one record. */
    const char *name = found.username != NULL ? found.username : username;
    if (result != STS_DIRECTORY_OK) {
        /* The shadow record, when there is one, so that lock_after applies to directory users too. */
        sts_user_record_t shadow;
        sts_store_t *store = call->service->store;
        int known = store->user_get(store, NULL, name, &call->arena, &shadow, error, sizeof(error)) == STS_STORE_OK &&
                    sts__user_is_shadow(&shadow);
        return sts__login_failed(call, login, username, known ? &shadow : NULL);
    }
    if (sts__check_login_name(call, "username", name) != STS_STATUS_OK) {
        sts_log_warn("logins: the user directory %s calls user %s '%s', which is not a valid username here",
                     directory->name, username, name);
        return sts_call_fail(call, STS_STATUS_FAILED_PRECONDITION,
                             "the user directory %s names this user with characters a username cannot hold (letters, "
                             "digits and . _ - @); ask an admin to check ldap_username_attribute",
                             directory->name);
    }
    sts_status_t status = shadow_user(call, directory, name, &found, user);
    if (status != STS_STATUS_OK)
        return status;
    if (!user->enabled)
        return sts_call_fail(call, STS_STATUS_UNAUTHENTICATED, "user %s is disabled; ask an admin to enable it", name);
    sts_login_throttle_success(login->throttle, username, call->peer);
    return STS_STATUS_OK;
}
