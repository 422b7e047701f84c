#include "core/metrics.h"
#include <dirent.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "util/log.h"

/* REST codes are HTTP statuses, gRPC codes 0..16: each is one of CODES slots, the last one for any other. */
#define CODES 18
static const int http_codes[CODES - 1] = {200, 201, 400, 401, 403, 404, 405, 409, 413,
                                          414, 429, 431, 500, 501, 503, 504, 502};
/* Upper bounds of the latency histogram, in microseconds; +Inf follows. */
static const int64_t bounds_us[] = {250,   500,    1000,   2500,   5000,    10000,   25000,
                                    50000, 100000, 250000, 500000, 1000000, 2500000, 10000000};
#define BUCKETS ((int)(sizeof(bounds_us) / sizeof(bounds_us[0])) + 1)
#define SLOTS   (STS_METRICS_MAX_METHODS + 1) /* the last: no method, or beyond the maximum */

typedef struct {
    _Atomic uint64_t requests[CODES];
    _Atomic uint64_t buckets[BUCKETS]; /* not cumulative: rendering adds them up */
    _Atomic uint64_t latency_us_sum;
} series_t;

/* One thread's counters. Never freed: a thread's counts stay in the totals after it ends. */
typedef struct block_s {
    struct block_s *next;
    series_t series[STS_METRICS_PROTOCOLS][SLOTS];
    _Atomic uint64_t events[STS_METRIC_EVENTS];
} block_t;

static pthread_mutex_t registry = PTHREAD_MUTEX_INITIALIZER;
static block_t *blocks;
static _Thread_local block_t *mine;

static block_t *my_block(void)
{
    if (mine != NULL)
        return mine;
    block_t *block = calloc(1, sizeof(*block));
    if (block == NULL)
        sts_log_fatal("out of memory for metrics");
    pthread_mutex_lock(&registry);
    block->next = blocks;
    blocks = block;
    pthread_mutex_unlock(&registry);
    return mine = block;
}

static void bump(_Atomic uint64_t *counter, uint64_t by);

static int code_slot(sts_metrics_protocol_t protocol, int code)
{
    if (protocol == STS_METRICS_GRPC)
        return code >= 0 && code <= 16 ? code : CODES - 1;
    for (int i = 0; i < CODES - 1; i++) {
        if (http_codes[i] == code)
            return i;
    }
    return CODES - 1;
}

void sts_metrics_count_request(sts_metrics_protocol_t protocol, long method_index, int code, int64_t latency_us)
{
    series_t *series =
        &my_block()
             ->series[protocol][method_index >= 0 && method_index < STS_METRICS_MAX_METHODS ? method_index
                                                                                            : STS_METRICS_MAX_METHODS];
    int bucket = 0;
    while (bucket < BUCKETS - 1 && latency_us > bounds_us[bucket])
        bucket++;
    bump(&series->requests[code_slot(protocol, code)], 1);
    bump(&series->buckets[bucket], 1);
    bump(&series->latency_us_sum, (uint64_t)(latency_us > 0 ? latency_us : 0));
}

/* Only the owning thread writes a block: a relaxed load and store is an increment without a locked instruction. */
static void bump(_Atomic uint64_t *counter, uint64_t by)
{
    atomic_store_explicit(counter, atomic_load_explicit(counter, memory_order_relaxed) + by, memory_order_relaxed);
}

void sts_metrics_count_event(sts_metric_event_t event)
{
    bump(&my_block()->events[event], 1);
}

/* The sum over every thread's block of one series. */
static void total(int protocol, int slot, series_t *out)
{
    memset(out, 0, sizeof(*out));
    pthread_mutex_lock(&registry);
    for (block_t *block = blocks; block != NULL; block = block->next) {
        const series_t *series = &block->series[protocol][slot];
        for (int i = 0; i < CODES; i++)
            out->requests[i] += atomic_load_explicit(&series->requests[i], memory_order_relaxed);
        for (int i = 0; i < BUCKETS; i++)
            out->buckets[i] += atomic_load_explicit(&series->buckets[i], memory_order_relaxed);
        out->latency_us_sum += atomic_load_explicit(&series->latency_us_sum, memory_order_relaxed);
    }
    pthread_mutex_unlock(&registry);
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

static void code_label(int protocol, int slot, char *text, size_t size)
{
    if (slot == CODES - 1)
        snprintf(text, size, "other");
    else
        snprintf(text, size, "%d", protocol == STS_METRICS_GRPC ? slot : http_codes[slot]);
}

static int render_requests(const sts_method_table_t *table, sts_buf_t *out)
{
    int rc = appendf(out, "# HELP sts_requests_total Requests answered, by protocol, method and status code.\n"
                          "# TYPE sts_requests_total counter\n");
    for (int protocol = 0; protocol < STS_METRICS_PROTOCOLS && rc == 0; protocol++) {
        for (int slot = 0; slot < SLOTS && rc == 0; slot++) {
            series_t sum;
            total(protocol, slot, &sum);
            const char *method = (size_t)slot < table->method_count && slot < STS_METRICS_MAX_METHODS
                                     ? table->methods[slot].grpc_path + 1
                                     : "other";
            for (int code = 0; code < CODES && rc == 0; code++) {
                if (sum.requests[code] == 0)
                    continue;
                char label[16];
                code_label(protocol, code, label, sizeof(label));
                rc = appendf(out, "sts_requests_total{protocol=\"%s\",method=\"%s\",code=\"%s\"} %llu\n",
                             protocol_names[protocol], method, label, (unsigned long long)sum.requests[code]);
            }
        }
    }
    return rc;
}

static int render_durations(const sts_method_table_t *table, sts_buf_t *out)
{
    int rc = appendf(out, "# HELP sts_request_duration_seconds Time from a request's arrival to its answer.\n"
                          "# TYPE sts_request_duration_seconds histogram\n");
    for (int protocol = 0; protocol < STS_METRICS_PROTOCOLS && rc == 0; protocol++) {
        for (int slot = 0; slot < SLOTS && rc == 0; slot++) {
            series_t sum;
            total(protocol, slot, &sum);
            uint64_t count = 0;
            for (int i = 0; i < BUCKETS; i++)
                count += sum.buckets[i];
            if (count == 0)
                continue;
            const char *method = (size_t)slot < table->method_count && slot < STS_METRICS_MAX_METHODS
                                     ? table->methods[slot].grpc_path + 1
                                     : "other";
            uint64_t cumulative = 0;
            for (int i = 0; i < BUCKETS && rc == 0; i++) {
                cumulative += sum.buckets[i];
                char le[32];
                if (i < BUCKETS - 1)
                    snprintf(le, sizeof(le), "%g", (double)bounds_us[i] / 1e6);
                else
                    snprintf(le, sizeof(le), "+Inf");
                rc = appendf(out, "sts_request_duration_seconds_bucket{protocol=\"%s\",method=\"%s\",le=\"%s\"} %llu\n",
                             protocol_names[protocol], method, le, (unsigned long long)cumulative);
            }
            if (rc == 0)
                rc = appendf(out,
                             "sts_request_duration_seconds_sum{protocol=\"%s\",method=\"%s\"} %.6f\n"
                             "sts_request_duration_seconds_count{protocol=\"%s\",method=\"%s\"} %llu\n",
                             protocol_names[protocol], method, (double)sum.latency_us_sum / 1e6,
                             protocol_names[protocol], method, (unsigned long long)count);
        }
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

static int render_events(sts_buf_t *out)
{
    uint64_t sums[STS_METRIC_EVENTS] = {0};
    pthread_mutex_lock(&registry);
    for (block_t *block = blocks; block != NULL; block = block->next) {
        for (int i = 0; i < STS_METRIC_EVENTS; i++)
            sums[i] += atomic_load_explicit(&block->events[i], memory_order_relaxed);
    }
    pthread_mutex_unlock(&registry);
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

int sts_metrics_render(const sts_method_table_t *table, const char *version, sts_buf_t *out)
{
    int rc = render_requests(table, out);
    if (rc == 0)
        rc = render_durations(table, out);
    if (rc == 0)
        rc = render_events(out);
    if (rc == 0)
        rc = appendf(out,
                     "# HELP sts_build_info The version stsd was built as.\n# TYPE sts_build_info gauge\n"
                     "sts_build_info{version=\"%s\"} 1\n",
                     version);
    return rc == 0 ? render_process(out) : rc;
}
