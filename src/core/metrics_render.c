/* The Prometheus text exposition of core/metrics.h's counters (format 0.0.4). */
#include <dirent.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "core/metrics.h"
#include "core/metrics_internal.h"

typedef struct {
    uint64_t buckets[STS_METRICS_BUCKETS];
    uint64_t sum_us;
} histogram_total_t;

/* Every thread's counters added up, read in one pass under the registry lock. */
typedef struct {
    uint64_t requests[STS_METRICS_PROTOCOLS][STS_METRICS_SLOTS][STS_METRICS_CODES];
    histogram_total_t latency[STS_METRICS_PROTOCOLS][STS_METRICS_SLOTS];
    histogram_total_t upstream[STS_UPSTREAM_OPERATIONS][STS_UPSTREAM_OUTCOMES];
    uint64_t events[STS_METRIC_EVENTS];
    uint64_t cache[STS_AUTH_CACHES][2];
} totals_t;

static uint64_t load(const _Atomic uint64_t *counter)
{
    return atomic_load_explicit(counter, memory_order_relaxed);
}

static void add_histogram(histogram_total_t *total, const sts__histogram_t *histogram)
{
    for (int i = 0; i < STS_METRICS_BUCKETS; i++)
        total->buckets[i] += load(&histogram->buckets[i]);
    total->sum_us += load(&histogram->sum_us);
}

static void add_block(const sts__metrics_block_t *block, void *arg)
{
    totals_t *totals = arg;
    for (int protocol = 0; protocol < STS_METRICS_PROTOCOLS; protocol++) {
        for (int slot = 0; slot < STS_METRICS_SLOTS; slot++) {
            const sts__series_t *series = &block->series[protocol][slot];
            for (int code = 0; code < STS_METRICS_CODES; code++)
                totals->requests[protocol][slot][code] += load(&series->requests[code]);
            add_histogram(&totals->latency[protocol][slot], &series->latency);
        }
    }
    for (int operation = 0; operation < STS_UPSTREAM_OPERATIONS; operation++) {
        for (int outcome = 0; outcome < STS_UPSTREAM_OUTCOMES; outcome++)
            add_histogram(&totals->upstream[operation][outcome], &block->upstream[operation][outcome]);
    }
    for (int i = 0; i < STS_METRIC_EVENTS; i++)
        totals->events[i] += load(&block->events[i]);
    for (int i = 0; i < STS_AUTH_CACHES; i++) {
        totals->cache[i][0] += load(&block->cache[i][0]);
        totals->cache[i][1] += load(&block->cache[i][1]);
    }
}

static int appendf(sts_buf_t *out, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int appendf(sts_buf_t *out, const char *fmt, ...)
{
    char line[2048];
    va_list args;
    va_start(args, fmt);
    int n = vsnprintf(line, sizeof(line), fmt, args);
    va_end(args);
    return n < 0 || (size_t)n >= sizeof(line) ? -1 : sts_buf_append(out, line, (size_t)n);
}

static const char *const protocol_names[] = {"rest", "grpc"};
static const char *const operation_names[] = {"AssumeRole", "GetSessionToken", "GetRole", "ldap_authenticate", "other"};
static const char *const outcome_names[] = {"ok", "refused", "timeout", "unreachable", "invalid"};
static const char *const cache_names[] = {"access-token", "jwt"};
static const char *const queue_names[STS_WORK_CLASSES] = {NULL, "lookup", "store", "upstream", "password"};

static const char *method_name(const sts_method_table_t *table, int slot)
{
    return (size_t)slot < table->method_count && slot < STS_METRICS_MAX_METHODS ? table->methods[slot].grpc_path + 1
                                                                                : "other";
}

/* One histogram's _bucket, _sum and _count lines; labels are the series' own (`method="x"`). Nothing when empty. */
static int render_histogram(sts_buf_t *out, const char *name, const char *labels, const histogram_total_t *histogram)
{
    uint64_t count = 0;
    for (int i = 0; i < STS_METRICS_BUCKETS; i++)
        count += histogram->buckets[i];
    if (count == 0)
        return 0;
    uint64_t cumulative = 0;
    int rc = 0;
    for (int i = 0; i < STS_METRICS_BUCKETS && rc == 0; i++) {
        cumulative += histogram->buckets[i];
        char le[32];
        if (i < STS_METRICS_BUCKETS - 1)
            snprintf(le, sizeof(le), "%g", (double)sts__metrics_bounds_us[i] / 1e6);
        else
            snprintf(le, sizeof(le), "+Inf");
        rc = appendf(out, "%s_bucket{%s,le=\"%s\"} %llu\n", name, labels, le, (unsigned long long)cumulative);
    }
    return rc != 0 ? rc
                   : appendf(out, "%s_sum{%s} %.6f\n%s_count{%s} %llu\n", name, labels, (double)histogram->sum_us / 1e6,
                             name, labels, (unsigned long long)count);
}

static void code_label(int protocol, int slot, char *text, size_t size)
{
    if (slot == STS_METRICS_CODES - 1)
        snprintf(text, size, "other");
    else
        snprintf(text, size, "%d", protocol == STS_METRICS_GRPC ? slot : sts__metrics_http_codes[slot]);
}

static int render_requests(const sts_method_table_t *table, const totals_t *totals, sts_buf_t *out)
{
    int rc = appendf(out, "# HELP sts_requests_total Requests answered, by protocol, method and status code.\n"
                          "# TYPE sts_requests_total counter\n");
    for (int protocol = 0; protocol < STS_METRICS_PROTOCOLS && rc == 0; protocol++) {
        for (int slot = 0; slot < STS_METRICS_SLOTS && rc == 0; slot++) {
            for (int code = 0; code < STS_METRICS_CODES && rc == 0; code++) {
                uint64_t count = totals->requests[protocol][slot][code];
                if (count == 0)
                    continue;
                char label[16];
                code_label(protocol, code, label, sizeof(label));
                rc = appendf(out, "sts_requests_total{protocol=\"%s\",method=\"%s\",code=\"%s\"} %llu\n",
                             protocol_names[protocol], method_name(table, slot), label, (unsigned long long)count);
            }
        }
    }
    rc = rc != 0 ? rc
                 : appendf(out, "# HELP sts_request_duration_seconds Time from a request's arrival to its answer.\n"
                                "# TYPE sts_request_duration_seconds histogram\n");
    for (int protocol = 0; protocol < STS_METRICS_PROTOCOLS && rc == 0; protocol++) {
        for (int slot = 0; slot < STS_METRICS_SLOTS && rc == 0; slot++) {
            char labels[256];
            snprintf(labels, sizeof(labels), "protocol=\"%s\",method=\"%s\"", protocol_names[protocol],
                     method_name(table, slot));
            rc = render_histogram(out, "sts_request_duration_seconds", labels, &totals->latency[protocol][slot]);
        }
    }
    return rc;
}

static int render_upstream(const totals_t *totals, sts_buf_t *out)
{
    int rc = appendf(out, "# HELP sts_upstream_request_duration_seconds Time of calls to the STS, IAM and "
                          "directories, by operation and outcome.\n"
                          "# TYPE sts_upstream_request_duration_seconds histogram\n");
    for (int operation = 0; operation < STS_UPSTREAM_OPERATIONS && rc == 0; operation++) {
        for (int outcome = 0; outcome < STS_UPSTREAM_OUTCOMES && rc == 0; outcome++) {
            char labels[128];
            snprintf(labels, sizeof(labels), "operation=\"%s\",outcome=\"%s\"", operation_names[operation],
                     outcome_names[outcome]);
            rc = render_histogram(out, "sts_upstream_request_duration_seconds", labels,
                                  &totals->upstream[operation][outcome]);
        }
    }
    return rc;
}

static int render_events(const totals_t *totals, sts_buf_t *out)
{
    const uint64_t *sums = totals->events;
    return appendf(out,
                   "# HELP sts_credentials_issued_total Temporary credentials issued, by issuer.\n"
                   "# TYPE sts_credentials_issued_total counter\n"
                   "sts_credentials_issued_total{issuer=\"local\"} %llu\n"
                   "sts_credentials_issued_total{issuer=\"sts\"} %llu\n"
                   "sts_credentials_issued_total{issuer=\"rgw-native\"} %llu\n"
                   "# HELP sts_access_tokens_total Access-token changes, by operation.\n"
                   "# TYPE sts_access_tokens_total counter\n"
                   "sts_access_tokens_total{operation=\"create\"} %llu\n"
                   "sts_access_tokens_total{operation=\"update\"} %llu\n"
                   "sts_access_tokens_total{operation=\"delete\"} %llu\n"
                   "# HELP sts_logins_total Password logins, by outcome.\n"
                   "# TYPE sts_logins_total counter\n"
                   "sts_logins_total{outcome=\"success\"} %llu\n"
                   "sts_logins_total{outcome=\"failure\"} %llu\n",
                   (unsigned long long)sums[STS_METRIC_ISSUED_LOCAL], (unsigned long long)sums[STS_METRIC_ISSUED_STS],
                   (unsigned long long)sums[STS_METRIC_ISSUED_RGW_NATIVE],
                   (unsigned long long)sums[STS_METRIC_ACCESS_TOKEN_CREATED],
                   (unsigned long long)sums[STS_METRIC_ACCESS_TOKEN_CHANGED],
                   (unsigned long long)sums[STS_METRIC_ACCESS_TOKEN_DELETED],
                   (unsigned long long)sums[STS_METRIC_LOGIN_SUCCESS],
                   (unsigned long long)sums[STS_METRIC_LOGIN_FAILURE]);
}

static int render_caches(const totals_t *totals, sts_buf_t *out)
{
    int rc = 0;
    static const char *const kinds[2][2] = {{"misses", "Authentications the cache could not decide"},
                                            {"hits", "Authentications decided from the cache"}};
    for (int hit = 1; hit >= 0 && rc == 0; hit--) {
        rc = appendf(out,
                     "# HELP sts_auth_cache_%s_total %s, by authenticator.\n# TYPE sts_auth_cache_%s_total counter\n",
                     kinds[hit][0], kinds[hit][1], kinds[hit][0]);
        for (int cache = 0; cache < STS_AUTH_CACHES && rc == 0; cache++)
            rc = appendf(out, "sts_auth_cache_%s_total{authenticator=\"%s\"} %llu\n", kinds[hit][0], cache_names[cache],
                         (unsigned long long)totals->cache[cache][hit]);
    }
    return rc;
}

static int render_queues(const sts_service_t *service, sts_buf_t *out)
{
    int rc = appendf(out, "# HELP sts_worker_queue_depth Calls waiting for a worker thread, by queue.\n"
                          "# TYPE sts_worker_queue_depth gauge\n");
    for (int class = STS_WORK_INLINE + 1; class < STS_WORK_CLASSES && rc == 0; class ++) {
        if (service->pools[class] != NULL)
            rc = appendf(out, "sts_worker_queue_depth{queue=\"%s\"} %zu\n", queue_names[class],
                         sts_worker_pool_queued(service->pools[class]));
    }
    return rc;
}

/* What /proc says of this process: resident bytes, CPU seconds, start time (seconds since the epoch), open fds. */
static int render_process(sts_buf_t *out)
{
    long page = sysconf(_SC_PAGESIZE), ticks = sysconf(_SC_CLK_TCK);
    unsigned long long utime = 0, stime = 0, start = 0, rss_pages = 0;
    FILE *stat = fopen("/proc/self/stat", "r");
    if (stat != NULL) {
        char text[1024];
        size_t n = fread(text, 1, sizeof(text) - 1, stat);
        text[n] = '\0';
        fclose(stat);
        /* After the command name in parentheses: state is field 3; utime 14, stime 15, starttime 22, rss 24. */
        const char *p = strrchr(text, ')');
        if (p != NULL)
            sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu %*d %*d %*d %*d %*d %*d %llu %*u %llu",
                   &utime, &stime, &start, &rss_pages);
    }
    double boot = 0;
    FILE *uptime = fopen("/proc/uptime", "r");
    if (uptime != NULL) {
        double up = 0;
        if (fscanf(uptime, "%lf", &up) == 1)
            boot = (double)time(NULL) - up;
        fclose(uptime);
    }
    int fds = 0;
    DIR *dir = opendir("/proc/self/fd");
    if (dir != NULL) {
        while (readdir(dir) != NULL)
            fds++;
        closedir(dir);
        fds -= 3; /* ".", ".." and the directory's own descriptor */
    }
    return appendf(out,
                   "# HELP process_resident_memory_bytes Resident memory size in bytes.\n"
                   "# TYPE process_resident_memory_bytes gauge\nprocess_resident_memory_bytes %llu\n"
                   "# HELP process_cpu_seconds_total Total user and system CPU time spent in seconds.\n"
                   "# TYPE process_cpu_seconds_total counter\nprocess_cpu_seconds_total %.2f\n"
                   "# HELP process_open_fds Number of open file descriptors.\n"
                   "# TYPE process_open_fds gauge\nprocess_open_fds %d\n"
                   "# HELP process_start_time_seconds Start time of the process since unix epoch in seconds.\n"
                   "# TYPE process_start_time_seconds gauge\nprocess_start_time_seconds %.0f\n",
                   rss_pages * (unsigned long long)page, (double)(utime + stime) / (double)ticks, fds,
                   boot + (double)start / (double)ticks);
}

int sts_metrics_render(const sts_service_t *service, const char *version, sts_buf_t *out)
{
    totals_t *totals = calloc(1, sizeof(*totals));
    if (totals == NULL)
        return -1;
    sts__metrics_each_block(add_block, totals);
    int rc = render_requests(service->methods, totals, out);
    if (rc == 0)
        rc = render_upstream(totals, out);
    if (rc == 0)
        rc = render_events(totals, out);
    if (rc == 0)
        rc = render_caches(totals, out);
    free(totals);
    if (rc == 0)
        rc = render_queues(service, out);
    if (rc == 0)
        rc = appendf(out,
                     "# HELP sts_build_info The version stsd was built as.\n# TYPE sts_build_info gauge\n"
                     "sts_build_info{version=\"%s\"} 1\n",
                     version);
    return rc == 0 ? render_process(out) : rc;
}
