/* The "access-token" authenticator: sts-at-v1 bearer tokens checked against the store, with a cache. */
#ifndef STS_AUTH_ACCESS_TOKEN_AUTHENTICATOR_H
#define STS_AUTH_ACCESS_TOKEN_AUTHENTICATOR_H
#include <stdint.h>
#include "core/call.h"
#include "core/token_facts.h"
#include "store/store.h"

/** Slots of the verified-token cache (direct-mapped by id). */
#define STS_ACCESS_TOKEN_CACHE_SLOTS 8192
/** How long a cached token is trusted before the store is read again (invalidation is immediate anyway). */
#define STS_ACCESS_TOKEN_CACHE_TTL_MS 30000
/** Slots and lifetime of the cache of ids the store did not have. */
#define STS_ACCESS_TOKEN_UNKNOWN_SLOTS  4096
#define STS_ACCESS_TOKEN_UNKNOWN_TTL_MS 10000

/**
 * A rule granting roles: to the LOCAL user of one name ("user:NAME"), or to every identity of a domain
 * ("domain:POSIX_USER", "domain:JWT", ...). A token gets the roles its rules grant, limited to its role ceiling
 * (its creator's roles when it was created).
 */
typedef struct {
    const char *user;   /**< NULL to match by domain */
    const char *domain; /**< NULL to match by user */
    const char *const *roles;
    size_t role_count;
} sts_access_token_role_rule_t;

typedef struct sts_access_token_authenticator_s sts_access_token_authenticator_t;

/**
 * True when expected is the HMAC of token (len characters) under the key key_id names ("" for records from before
 * key rings), compared in constant time. Thread-safe.
 */
typedef int (*sts_token_hmac_check_fn)(void *data, const char *key_id, const char *token, size_t len,
                                       const uint8_t expected[32]);

/** What the authenticator needs; the rules and the HMAC check's data must outlive it. */
typedef struct {
    sts_store_t *store;
    sts_token_hmac_check_fn hmac_matches; /**< checks a presented token against its record's HMAC */
    void *hmac_data;
    const sts_access_token_role_rule_t *rules;
    size_t rule_count;
    int cache_ttl_ms;   /**< 0: STS_ACCESS_TOKEN_CACHE_TTL_MS */
    int unknown_ttl_ms; /**< 0: STS_ACCESS_TOKEN_UNKNOWN_TTL_MS */
} sts_access_token_settings_t;

/**
 * Creates the authenticator. It starts a thread that writes last_used_time off the request path, at most once a
 * minute per token.
 */
sts_access_token_authenticator_t *sts_access_token_authenticator_create(const sts_access_token_settings_t *settings);

/**
 * Authenticates a call whose Authorization carries an access token (token, len: after "Bearer "). From the caches
 * when it can; otherwise from the store, which on an event-loop or completion-queue thread means asking for the
 * lookup pool (call->wants). A lookup that an invalidation overtook is used for its call but not cached. Disabled,
 * expired and unknown tokens each fail UNAUTHENTICATED with their own message. Thread-safe.
 */
sts_status_t sts_access_token_authenticate(sts_access_token_authenticator_t *auth, sts_call_t *call, const char *token,
                                           size_t len);

/**
 * Judges an access token exactly as sts_access_token_authenticate does but fills facts instead of the principal
 * (introspection; issuer and audience are left to the caller), reading the store inline on a cache miss: call it on
 * a worker. OK, or UNAUTHENTICATED saying why the token does not stand, or UNAVAILABLE. Thread-safe.
 */
sts_status_t sts_access_token_inspect(sts_access_token_authenticator_t *auth, sts_call_t *call, const char *token,
                                      size_t len, sts_token_facts_t *facts);

/**
 * Drops what the caches know of a token (after a create, update or delete) and invalidates lookups in flight, so
 * every thread sees the change at once. data is the authenticator (an sts_service_t token_changed hook).
 */
void sts_access_token_forget(void *auth, const char *id);

/**
 * Makes every cached token be read from the store again at its next use and forgets every unknown id (changes may
 * have been missed: another replica's, while the store's watch was disconnected). Thread-safe.
 */
void sts_access_token_forget_all(sts_access_token_authenticator_t *auth);

/** Writes pending last-use times, stops the thread and frees. */
void sts_access_token_authenticator_destroy(sts_access_token_authenticator_t *auth);

#endif
