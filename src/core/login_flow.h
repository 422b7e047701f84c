/* The steps every login path shares (the EFA paths, the OAuth 2.0 token endpoint); internal to core. */
#ifndef STS_CORE_LOGIN_FLOW_H
#define STS_CORE_LOGIN_FLOW_H
#include "core/call.h"
#include "core/login.h"
#include "store/store.h"

/**
 * Checks a username and password with the same work whether or not the user exists: exactly one argon2id
 * computation, unless the throttle refuses first (RESOURCE_EXHAUSTED, call->retry_after_seconds set). On OK *user is
 * the enabled user; a wrong password or unknown user is UNAUTHENTICATED with one message for both.
 */
sts_status_t sts__login_check_password(sts_call_t *call, const sts_login_settings_t *login, const char *username,
                                       const char *password, sts_user_record_t *user);

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
