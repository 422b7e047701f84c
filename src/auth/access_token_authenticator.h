/* The "access-token" authenticator: sts-at-v1 bearer tokens checked against the store, with a cache. */
#ifndef STS_AUTH_ACCESS_TOKEN_AUTHENTICATOR_H
#define STS_AUTH_ACCESS_TOKEN_AUTHENTICATOR_H
#include <stdint.h>
#include "core/call.h"
#include "store/store.h"

/** Slots of the verified-token cache (direct-mapped by id). */
#define STS_ACCESS_TOKEN_CACHE_SLOTS 8192

/** A rule granting roles: to one user name, or to every user of a domain ("LOCAL", "POSIX_USER", ...). */
typedef struct {
    const char *user;   /**< NULL to match by domain */
    const char *domain; /**< NULL to match by user */
    const char *const *roles;
    size_t role_count;
} sts_access_token_role_rule_t;

typedef struct sts_access_token_authenticator_s sts_access_token_authenticator_t;

/**
 * Creates the authenticator over store with the HMAC key (copied). rules must outlive it. It starts a thread that
 * writes last_used_time off the request path, at most once a minute per token.
 */
sts_access_token_authenticator_t *sts_access_token_authenticator_create(sts_store_t *store, const uint8_t key[32],
                                                                        const sts_access_token_role_rule_t *rules,
                                                                        size_t rule_count);

/**
 * Authenticates a call whose Authorization carries an access token (after "Bearer "). From the cache when it can;
 * otherwise from the store, which on an event-loop thread means asking for the worker pool (call->wants_worker).
 * Disabled, expired and unknown tokens each fail UNAUTHENTICATED with their own message. Thread-safe.
 */
sts_status_t sts_access_token_authenticate(sts_access_token_authenticator_t *auth, sts_call_t *call, const char *token,
                                           size_t len);

/** Drops a token from the cache (after an update or delete) so every thread sees the change at once. */
void sts_access_token_forget(void *auth, const char *id);

/** Writes pending last-use times, stops the thread and frees. */
void sts_access_token_authenticator_destroy(sts_access_token_authenticator_t *auth);

#endif
