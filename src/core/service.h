/* The immutable runtime that handlers run against: limits, issuer, method table. */
#ifndef STS_CORE_SERVICE_H
#define STS_CORE_SERVICE_H

#include <stddef.h>
#include <stdint.h>

#include "core/issuer.h"
#include "core/method.h"
#include "core/readiness.h"
#include "store/store.h"
#include "util/worker_pool.h"

/**
 * Authenticates a call from call->authorization into call->principal. Returns OK, or UNAUTHENTICATED with a
 * message set through sts_call_fail. Must be thread-safe.
 */
typedef sts_status_t (*sts_authenticate_fn)(void *data, sts_call_t *call);

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
    /**
     * The roles that satisfy a method whose policy requires "admin" (STS_ADMIN_ROLES); with none configured the
     * role must be literally "admin". Other required roles must be held as named.
     */
    const char *const *admin_roles;
    size_t admin_role_count;
    /** Access-token records; NULL when the service runs without a store. */
    sts_store_t *store;
    /** HMAC-SHA256 key for access tokens (their hashes are stored, never the tokens). */
    uint8_t token_key[32];
    int max_tokens_per_user; /**< 2 */
    int list_default_limit;  /**< page size when the caller asks for none (100) */
    int list_max_limit;      /**< the most a page may hold (1000) */
    /** Called after a token is changed or deleted, so caches of verified tokens drop it at once; may be NULL. */
    void (*token_changed)(void *data, const char *id);
    void *token_changed_data;
    /** Where blocking methods run; NULL runs everything inline (tests, and issuers that never block). */
    sts_worker_pool_t *workers;
    /** The last background readiness check; NULL means always ready. */
    sts_readiness_t *readiness;
};

/** Fills a service with the contract's defaults: no issuer, no authentication, durations 900/3600/43200. */
void sts_service_defaults(sts_service_t *service, const sts_method_table_t *methods);

#endif
