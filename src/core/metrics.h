/* Request metrics for Prometheus: counted per thread without locks, summed when scraped. */
#ifndef STS_CORE_METRICS_H
#define STS_CORE_METRICS_H
#include <stddef.h>
#include <stdint.h>
#include "core/service.h"
#include "util/buf.h"

typedef enum { STS_METRICS_REST, STS_METRICS_GRPC, STS_METRICS_PROTOCOLS } sts_metrics_protocol_t;

/** Most methods counted one by one; a table with more counts the rest as "other". */
#define STS_METRICS_MAX_METHODS 64

/**
 * Counts one answered request: method_index is the method's row in the table (-1: no method, an unknown path or
 * gRPC method), code the HTTP status (REST) or the gRPC status code, latency_us its time. Touches only the calling
 * thread's counters (relaxed atomics, no lock, no shared cache line); the first call on a thread registers its
 * block. Thread-safe.
 */
void sts_metrics_count_request(sts_metrics_protocol_t protocol, long method_index, int code, int64_t latency_us);

/** The events counted by name (sts_credentials_issued_total, sts_access_tokens_total, sts_logins_total). */
typedef enum {
    STS_METRIC_ISSUED_LOCAL,
    STS_METRIC_ISSUED_STS,
    STS_METRIC_ISSUED_RGW_NATIVE,
    STS_METRIC_ACCESS_TOKEN_CREATED,
    STS_METRIC_ACCESS_TOKEN_CHANGED,
    STS_METRIC_ACCESS_TOKEN_DELETED,
    STS_METRIC_LOGIN_SUCCESS,
    STS_METRIC_LOGIN_FAILURE,
    STS_METRIC_EVENTS
} sts_metric_event_t;

/** Counts one event, on the calling thread's block like requests. Thread-safe. */
void sts_metrics_count_event(sts_metric_event_t event);

/** The calls stsd makes to systems it depends on (label operation of sts_upstream_request_duration_seconds). */
typedef enum {
    STS_UPSTREAM_ASSUME_ROLE,       /**< "AssumeRole" at the STS */
    STS_UPSTREAM_GET_SESSION_TOKEN, /**< "GetSessionToken" at the STS */
    STS_UPSTREAM_GET_ROLE,          /**< "GetRole" at IAM (the rgw-native issuer's role check) */
    STS_UPSTREAM_LDAP_AUTHENTICATE, /**< "ldap_authenticate": a directory's search and bind for one login */
    STS_UPSTREAM_OTHER,             /**< "other" */
    STS_UPSTREAM_OPERATIONS
} sts_upstream_operation_t;

/** How an upstream call ended (label outcome). */
typedef enum {
    STS_UPSTREAM_OK,          /**< "ok": answered, and with success */
    STS_UPSTREAM_REFUSED,     /**< "refused": answered with an error (an HTTP error status, a wrong password) */
    STS_UPSTREAM_TIMEOUT,     /**< "timeout": the upstream's timeout or the caller's deadline ran out */
    STS_UPSTREAM_UNREACHABLE, /**< "unreachable": no connection, or the exchange broke */
    STS_UPSTREAM_INVALID,     /**< "invalid": an answer too large or not in the expected format */
    STS_UPSTREAM_OUTCOMES
} sts_upstream_outcome_t;

/** The operation named name (an AWS Action, e.g. "AssumeRole"; len bytes); STS_UPSTREAM_OTHER if none. Pure. */
sts_upstream_operation_t sts_metrics_upstream_operation(const char *name, size_t len);

/** Counts one upstream call and its time, on the calling thread's block. Thread-safe. */
void sts_metrics_count_upstream(sts_upstream_operation_t operation, sts_upstream_outcome_t outcome, int64_t latency_us);

/** Authenticators with a cache (label authenticator of sts_auth_cache_hits_total and _misses_total). */
typedef enum { STS_AUTH_CACHE_ACCESS_TOKEN, STS_AUTH_CACHE_JWT, STS_AUTH_CACHES } sts_auth_cache_t;

/**
 * Counts one authentication its cache decided (hit nonzero) or one that had to do the work (a store read, a signature
 * check). Thread-safe.
 */
void sts_metrics_count_auth_cache(sts_auth_cache_t cache, int hit);

/**
 * Appends the Prometheus text exposition (version 0.0.4) of every counter, summed over all threads, to out:
 * sts_requests_total{protocol,method,code}, sts_request_duration_seconds{protocol,method} (histogram),
 * sts_upstream_request_duration_seconds{operation,outcome} (histogram), the events (sts_credentials_issued_total
 * {issuer}, sts_access_tokens_total{operation}, sts_logins_total{outcome}), sts_auth_cache_hits_total and
 * _misses_total{authenticator}, sts_worker_queue_depth{queue} of the service's pools, sts_build_info{version} and the
 * process_* metrics (resident memory, open descriptors, CPU seconds, start time). Returns 0, or -1 when out is full.
 * Thread-safe.
 */
int sts_metrics_render(const sts_service_t *service, const char *version, sts_buf_t *out);

#endif
