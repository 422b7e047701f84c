/* What logins need at run time: keys, revocations, throttle, password cost and token lifetimes (DESIGN §1.3). */
#ifndef STS_CORE_LOGIN_H
#define STS_CORE_LOGIN_H
#include <stddef.h>
#include <stdint.h>
#include "core/key_ring.h"
#include "core/login_throttle.h"
#include "core/revocations.h"
#include "core/user_directory.h"
#include "crypto/password.h"

/** Refresh tokens look like access tokens with their own prefix, so neither is ever taken for the other. */
#define STS_REFRESH_TOKEN_PREFIX "sts-rt-v1:"

/**
 * Built by the server with the service and immutable afterwards, except through the thread-safe objects it points
 * to. The server owns everything here.
 */
typedef struct {
    sts_key_ring_t *keys;
    /** Per user id: their "tokens not before" (absent: none). */
    sts_revocations_t *users_not_before;
    /** Per client id: the time since which its tokens are valid (absent: the client is deleted or disabled). */
    sts_revocations_t *clients_valid_since;
    /** Per jti: the exp (microseconds) of an access JWT revoked before it expired (RFC 7009). */
    sts_revocations_t *denied_tokens;
    sts_login_throttle_t *throttle;
    sts_password_params_t password;
    uint8_t refresh_key[32];           /**< HMAC-SHA256 key for refresh tokens (only their HMACs are stored) */
    const char *issuer_url;            /**< iss of every token */
    const char *audience;              /**< aud of every token */
    const char *notice;                /**< login_notice: put in every token response's message; "" for none */
    int64_t access_token_lifetime_s;   /**< 3600 */
    int64_t refresh_token_lifetime_s;  /**< 86400 */
    int64_t refresh_family_lifetime_s; /**< 604800 */
    int64_t refresh_reuse_grace_s;     /**< 0 */
    int64_t client_max_lifetime_s;     /**< the longest any client's token may live, extended ones included */
    int lock_after;                    /**< failed logins in a row after which a user is disabled (100) */
    /** The realms Keycloak-style paths accept ("shasta"); borrowed. */
    const char *const *realms;
    size_t realm_count;
    /**
     * Where a username and password are checked, in order (user_sources); the first source that knows the username
     * decides. Borrowed. source_count 0: the store's own users only.
     */
    const sts_user_source_t *sources;
    size_t source_count;
} sts_login_settings_t;

/** The sub of tokens issued to a client itself (extended tokens) is this prefix and the client id. */
#define STS_CLIENT_SUBJECT_PREFIX "client:"

/**
 * The check run on every authentication of one of the service's own tokens (an sts_jwt_check_fn over the
 * settings): NULL when the token still stands, else why not. A user's token dies with a later "tokens not before";
 * a client's (sub "client:<id>") and a user's issued through a client (client_id, "" or NULL for none) with that
 * client's deletion, disabling or change; any token with its jti (NULL or "" for none) revoked. Thread-safe.
 */
const char *sts_login_check_token(void *login, const char *subject, const char *client_id, const char *jti,
                                  long long issued_at_ms);

/**
 * Fills the three maps from the store: every user's "tokens not before" and every user deletion within the last
 * max_lifetime_us, every enabled client's last change, and every revoked access JWT not yet expired at now. At startup,
 * and again periodically so that changes made by the command line (or another process) arrive: the maps are rebuilt
 * aside and swapped in whole. Returns 0, or -1 with a message (the maps are then unchanged). Blocks on the store.
 */
int sts_login_load_revocations(const sts_login_settings_t *login, sts_store_t *store, int64_t now,
                               int64_t max_lifetime_us, char *error, size_t error_size);

#endif
