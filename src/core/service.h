/* The immutable runtime that handlers run against: limits, issuer, method table. */
#ifndef STS_CORE_SERVICE_H
#define STS_CORE_SERVICE_H

#include <stddef.h>
#include <stdint.h>

#include "core/audit.h"
#include "core/issuer.h"
#include "core/login.h"
#include "core/secret_ring.h"
#include "core/method.h"
#include "core/token_facts.h"
#include "core/readiness.h"
#include "store/store.h"
#include "util/worker_pool.h"

/**
 * Authenticates a call from call->authorization into call->principal. Returns OK, or UNAUTHENTICATED with a
 * message set through sts_call_fail. An authenticator that must read the store while call->runs_on is
 * STS_WORK_INLINE sets call->wants = STS_WORK_LOOKUP instead (its return value is then ignored). Thread-safe.
 */
typedef sts_status_t (*sts_authenticate_fn)(void *data, sts_call_t *call);

/**
 * Judges a bearer token of the service's own as authentication would (signature or HMAC, expiry, revocation) and,
 * when it stands, fills facts (strings in the call arena) without touching the call's principal. Returns OK, or
 * UNAUTHENTICATED saying why not, or UNAVAILABLE. May read the store: call it on a worker. Thread-safe.
 */
typedef sts_status_t (*sts_inspect_fn)(void *data, sts_call_t *call, const char *token, sts_token_facts_t *facts);

/** A list of role names (borrowed). */
typedef struct {
    const char *const *names;
    size_t count;
} sts_role_list_t;

/**
 * Built once at startup by the server and never changed afterwards (a reload builds a new one), so every thread
 * reads it without locks. The server owns the issuer and the table it points to.
 */
struct sts_service_s {
    const sts_method_table_t *methods;
    sts_issuer_t *issuer;
    /** S3 endpoint returned as EndpointURL; "" when none is configured. */
    const char *endpoint_url;
    int32_t default_duration_seconds; /**< 3600 */
    int32_t min_duration_seconds;     /**< 900 */
    int32_t max_duration_seconds;     /**< 43200 or lower */
    size_t max_policy_length;         /**< 2048 */
    /** NULL: no authentication (STS_AUTH=none); every caller is anonymous. */
    sts_authenticate_fn authenticate;
    void *authenticate_data;
    /** Introspection of the service's own tokens (with authenticate); NULL when there is no authenticator chain. */
    sts_inspect_fn inspect;
    void *inspect_data;
    /**
     * The roles that satisfy a policy requiring "admin" (admin_roles: administering other users' tokens) and
     * "issuer" (issuer_roles: IssueToken). An empty list means the literal role name. Other required roles must be
     * held as named.
     */
    sts_role_list_t admin_roles;
    sts_role_list_t issuer_roles;
    /** Access-token records; NULL when the service runs without a store. */
    sts_store_t *store;
    /** HMAC-SHA256 keys for access tokens (their hashes are stored, never the tokens); NULL without a store. */
    sts_secret_ring_t *token_keys;
    int max_tokens_per_user; /**< 2 */
    int list_default_limit;  /**< page size when the caller asks for none (100) */
    int list_max_limit;      /**< the most a page may hold (1000) */
    /** Longest access-token lifetime, in microseconds (90 days); applied to every token, old ones included. */
    int64_t max_access_token_lifetime_us;
    /** Whether callers without an admin role may create tokens for themselves. */
    int self_service_tokens;
    /** Called after a token is created, changed or deleted, so caches drop what they knew at once; may be NULL. */
    void (*token_changed)(void *data, const char *id);
    void *token_changed_data;
    /** One pool per class of blocking work; a NULL pool runs that class inline (tests, issuers that never block). */
    sts_worker_pool_t *pools[STS_WORK_CLASSES];
    /** Logins and the service's own tokens; NULL when they are off (no store). */
    const sts_login_settings_t *login;
    /** The audit trail; NULL when audit_log is not set. */
    const sts_audit_sink_t *audit;
    /** The last background readiness check; NULL means always ready. */
    sts_readiness_t *readiness;
};

/**
 * When an access token created at creation_time with expiration_time (0: none) stops working: its expiration, or
 * creation plus max_access_token_lifetime if that comes first, so the cap binds tokens made before it was lowered.
 */
int64_t sts_service_token_expiry(const sts_service_t *service, int64_t creation_time, int64_t expiration_time);

/**
 * Fills a service with the contract's defaults: no issuer, no authentication, the role "admin" both administering
 * tokens and issuing, durations 900/3600/43200, tokens living at most 90 days, self-service on.
 */
void sts_service_defaults(sts_service_t *service, const sts_method_table_t *methods);

#endif
