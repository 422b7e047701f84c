/* Request metrics for Prometheus: counted per thread without locks, summed when scraped. */
#ifndef STS_CORE_METRICS_H
#define STS_CORE_METRICS_H
#include <stddef.h>
#include <stdint.h>
#include "core/method.h"
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

/**
 * Appends the Prometheus text exposition (version 0.0.4) of every counter, summed over all threads, to out:
 * sts_requests_total{protocol,method,code}, sts_request_duration_seconds{protocol,method} (histogram), the events
 * (sts_credentials_issued_total{issuer}, sts_access_tokens_total{operation}, sts_logins_total{outcome}),
 * sts_build_info{version} and the process_* metrics (resident memory, open descriptors, CPU seconds, start time).
 * Returns 0, or -1 when out is full. Thread-safe.
 */
int sts_metrics_render(const sts_method_table_t *table, const char *version, sts_buf_t *out);

#endif
