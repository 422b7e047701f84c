/* The steps every login path shares (the EFA paths, the OAuth 2.0 token endpoint); internal to core. */
#ifndef STS_CORE_LOGIN_FLOW_H
#define STS_CORE_LOGIN_FLOW_H
#include "core/call.h"
#include "core/login.h"
#include "store/store.h"

/**
 * Checks a username and password in the user sources, in order (login->sources; the store's own users when there
 * are none): the first source that knows the username decides, a wrong password there is final. A local user costs
 * one argon2id computation, and so does a username no source knows; a directory user is checked by the directory
 * (on this thread: call it on a worker) and gets a shadow record in the store, its roles refreshed from the directory
 * at every login. The throttle refuses first when it must (RESOURCE_EXHAUSTED, call->retry_after_seconds set). On OK
 * *user is the enabled user; a wrong password or unknown user is UNAUTHENTICATED with one message for both; a
 * directory that cannot answer is UNAVAILABLE naming it (no other source is tried).
 */
sts_status_t sts__login_check_password(sts_call_t *call, const sts_login_settings_t *login, const char *username,
                                       const char *password, sts_user_record_t *user);

/**
 * Records a failed login of username (user: its record, when one exists, so that lock_after can disable it) and
 * returns UNAUTHENTICATED with the one message of wrong passwords and unknown users.
 */
sts_status_t sts__login_failed(sts_call_t *call, const sts_login_settings_t *login, const char *username,
                               const sts_user_record_t *user);

/** 1 when user is the shadow record of a directory user (its password is not in the store), else 0. */
int sts__user_is_shadow(const sts_user_record_t *user);

/**
 * Asks directory about username and password (a step of sts__login_check_password). *decided is 0 when the
 * directory does not know the user (the next source is asked), else 1 and the status is final: OK with *user the
 * user's shadow record (made or updated, enabled), UNAUTHENTICATED, UNAVAILABLE naming the directory, or
 * FAILED_PRECONDITION when a local user holds the name. Blocks on the network and the store.
 */
sts_status_t sts__login_check_directory(sts_call_t *call, const sts_login_settings_t *login,
                                        sts_user_directory_t *directory, const char *username, const char *password,
                                        sts_user_record_t *user, int *decided);

/**
 * The registered, enabled client with this id (field names it in messages): OK, INVALID_ARGUMENT (malformed),
 * NOT_FOUND or FAILED_PRECONDITION (disabled).
 */
sts_status_t sts__login_find_client(sts_call_t *call, const char *field, const char *client_id,
                                    sts_client_record_t *client);

/**
 * A new login session of user, through client when not NULL: an access token (the user's roles, limited to those the
 * client allows, living at most the client's longest lifetime, with scope as its scope claim when not NULL or "")
 * into *access, and when refresh is not NULL a new refresh family bound to the client into *refresh.
 */
sts_status_t sts__login_session(sts_call_t *call, const sts_login_settings_t *login, const sts_user_record_t *user,
                                const sts_client_record_t *client, const char *scope, const char **access,
                                const char **refresh);

/**
 * Rotates a presented refresh token: a new access token and refresh token for its session, with the family rules
 * (reuse revokes the family, grace replays). client_id, when not NULL, must be the client the family was issued to;
 * scope as for sts__login_session. Failures are UNAUTHENTICATED with a message saying which rule, or UNAVAILABLE.
 */
sts_status_t sts__login_refresh(sts_call_t *call, const sts_login_settings_t *login, const char *token,
                                const char *client_id, const char *scope, const char **access, const char **refresh);

/** True when realm is empty (the service's own paths) or one of the configured realms. */
int sts__login_realm_known(const sts_login_settings_t *login, const char *realm);

#endif
