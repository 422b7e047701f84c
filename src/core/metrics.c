#include "core/metrics.h"
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include "core/metrics_internal.h"
#include "util/log.h"

const int sts__metrics_http_codes[STS_METRICS_CODES - 1] = {200, 201, 400, 401, 403, 404, 405, 409, 413,
                                                            414, 429, 431, 500, 501, 503, 504, 502};
const int64_t sts__metrics_bounds_us[STS_METRICS_BUCKETS - 1] = {
    250, 500, 1000, 2500, 5000, 10000, 25000, 50000, 100000, 250000, 500000, 1000000, 2500000, 10000000};

static pthread_mutex_t registry = PTHREAD_MUTEX_INITIALIZER;
static sts__metrics_block_t *blocks;
static _Thread_local sts__metrics_block_t *mine;

static sts__metrics_block_t *my_block(void)
{
    if (mine != NULL)
        return mine;
    sts__metrics_block_t *block = calloc(1, sizeof(*block));
    if (block == NULL)
        sts_log_fatal("out of memory for metrics");
    pthread_mutex_lock(&registry);
    block->next = blocks;
    blocks = block;
    pthread_mutex_unlock(&registry);
    return mine = block;
}

void sts__metrics_each_block(void (*visit)(const sts__metrics_block_t *block, void *arg), void *arg)
{
    pthread_mutex_lock(&registry);
    for (const sts__metrics_block_t *block = blocks; block != NULL; block = block->next)
        visit(block, arg);
    pthread_mutex_unlock(&registry);
}

/* Only the owning thread writes a block: a relaxed load and store is an increment without a locked instruction. */
static void bump(_Atomic uint64_t *counter, uint64_t by)
{
    atomic_store_explicit(counter, atomic_load_explicit(counter, memory_order_relaxed) + by, memory_order_relaxed);
}

static void observe(sts__histogram_t *histogram, int64_t latency_us)
{
    int bucket = 0;
    while (bucket < STS_METRICS_BUCKETS - 1 && latency_us > sts__metrics_bounds_us[bucket])
        bucket++;
    bump(&histogram->buckets[bucket], 1);
    bump(&histogram->sum_us, (uint64_t)(latency_us > 0 ? latency_us : 0));
}

static int code_slot(sts_metrics_protocol_t protocol, int code)
{
    if (protocol == STS_METRICS_GRPC)
        return code >= 0 && code <= 16 ? code : STS_METRICS_CODES - 1;
    for (int i = 0; i < STS_METRICS_CODES - 1; i++) {
        if (sts__metrics_http_codes[i] == code)
            return i;
    }
    return STS_METRICS_CODES - 1;
}

void sts_metrics_count_request(sts_metrics_protocol_t protocol, long method_index, int code, int64_t latency_us)
{
    long slot = method_index >= 0 && method_index < STS_METRICS_MAX_METHODS ? method_index : STS_METRICS_MAX_METHODS;
    sts__series_t *series = &my_block()->series[protocol][slot];
    bump(&series->requests[code_slot(protocol, code)], 1);
    observe(&series->latency, latency_us);
}

void sts_metrics_count_event(sts_metric_event_t event)
{
    bump(&my_block()->events[event], 1);
}

sts_upstream_operation_t sts_metrics_upstream_operation(const char *name, size_t len)
{
    static const char *const actions[] = {"AssumeRole", "GetSessionToken", "GetRole"};
    for (size_t i = 0; i < sizeof(actions) / sizeof(actions[0]); i++) {
        if (strlen(actions[i]) == len && memcmp(actions[i], name, len) == 0)
            return (sts_upstream_operation_t)i;
    }
    return STS_UPSTREAM_OTHER;
}

void sts_metrics_count_upstream(sts_upstream_operation_t operation, sts_upstream_outcome_t outcome, int64_t latency_us)
{
    observe(&my_block()->upstream[operation][outcome], latency_us);
}

void sts_metrics_count_auth_cache(sts_auth_cache_t cache, int hit)
{
    bump(&my_block()->cache[cache][hit ? 1 : 0], 1);
}
