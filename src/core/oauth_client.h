/* Who calls an OAuth 2.0 endpoint: the client authentication of RFC 6749 2.3, shared by token, introspection and
 * revocation; internal to core. */
#ifndef STS_CORE_OAUTH_CLIENT_H
#define STS_CORE_OAUTH_CLIENT_H
#include "core/call.h"
#include "core/login.h"
#include "store/store.h"

/**
 * The client of a request and its authentication (RFC 6749 2.3.1): client_id and client_secret from the form, or
 * HTTP Basic in call->authorization (not both). A confidential client must present its secret (checked as an HMAC,
 * in constant time); a public client must present none. On failure call->error_reason is set to the RFC's code
 * (invalid_client, with UNAUTHENTICATED; invalid_request).
 */
sts_status_t sts__oauth_authenticate_client(sts_call_t *call, const sts_login_settings_t *login, const char *client_id,
                                            const char *client_secret, sts_client_record_t *client);

/**
 * The login settings for an OAuth 2.0 call on realm ("" on the service's own paths): FAILED_PRECONDITION when logins
 * are off, NOT_FOUND (invalid_request) for a realm not configured.
 */
sts_status_t sts__oauth_settings(sts_call_t *call, const char *realm, const sts_login_settings_t **login);

/** Whether the client may use grant (its grants list). */
int sts__oauth_grant_allowed(const sts_client_record_t *client, const char *grant);

#endif
