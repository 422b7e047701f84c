/* The per-thread counter blocks behind core/metrics.h, shared by its counting and rendering files only. */
#ifndef STS_CORE_METRICS_INTERNAL_H
#define STS_CORE_METRICS_INTERNAL_H
#include <stdatomic.h>
#include <stdint.h>
#include "core/metrics.h"

/** Response codes counted apart per series: REST's common HTTP statuses or gRPC's 0..16; the last slot is "other". */
#define STS_METRICS_CODES 18
/** Latency histogram buckets, +Inf included. */
#define STS_METRICS_BUCKETS 15
/** Method slots: one per method row, the last for no method or beyond STS_METRICS_MAX_METHODS. */
#define STS_METRICS_SLOTS (STS_METRICS_MAX_METHODS + 1)

/** The HTTP status of each REST code slot but the last. */
extern const int sts__metrics_http_codes[STS_METRICS_CODES - 1];
/** Upper bounds of the histogram buckets but +Inf, in microseconds. */
extern const int64_t sts__metrics_bounds_us[STS_METRICS_BUCKETS - 1];

/** A latency histogram; buckets are not cumulative (rendering adds them up). */
typedef struct {
    _Atomic uint64_t buckets[STS_METRICS_BUCKETS];
    _Atomic uint64_t sum_us;
} sts__histogram_t;

typedef struct {
    _Atomic uint64_t requests[STS_METRICS_CODES];
    sts__histogram_t latency;
} sts__series_t;

/** One thread's counters, written by that thread only. Never freed: its counts stay in the totals after it ends. */
typedef struct sts__metrics_block_s {
    struct sts__metrics_block_s *next;
    sts__series_t series[STS_METRICS_PROTOCOLS][STS_METRICS_SLOTS];
    sts__histogram_t upstream[STS_UPSTREAM_OPERATIONS][STS_UPSTREAM_OUTCOMES];
    _Atomic uint64_t events[STS_METRIC_EVENTS];
    _Atomic uint64_t cache[STS_AUTH_CACHES][2]; /* [cache][0]: misses, [1]: hits */
} sts__metrics_block_t;

/**
 * Calls visit(block, arg) for every thread's block under the registry lock (so no block is added meanwhile); visit
 * reads counters with relaxed loads.
 */
void sts__metrics_each_block(void (*visit)(const sts__metrics_block_t *block, void *arg), void *arg);

#endif
