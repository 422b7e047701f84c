/*
 * argon2_rate: the login scenario's baseline. --threads threads compute argon2id hashes with Debian's libargon2 for
 * --duration seconds (after --warmup), each one what stsd computes to check a password (argon2id_hash_raw, a 16-byte
 * salt, a 32-byte digest), and it reports hashes per second and the per-hash latency percentiles on one line:
 *   RESULT rps=… p50_ms=… p99_ms=… hashes=… threads=… m=… t=… p=…
 */
#include <argon2.h>
#include <getopt.h>
#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef struct {
    int threads;
    uint32_t memory_kib, iterations, parallelism;
    double duration, warmup;
} options_t;

typedef struct {
    const options_t *options;
    double measure_from, stop_at;
    double *latencies; /* seconds, one per hash finished inside the measured window */
    size_t count, capacity;
    int failed;
} worker_t;

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int compare(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static void *work(void *arg)
{
    worker_t *w = arg;
    const options_t *o = w->options;
    /* Fixed inputs: argon2's cost does not depend on them, only on m, t and p. */
    static const char password[] = "correct horse battery staple";
    uint8_t salt[16], digest[32];
    memset(salt, 0x5a, sizeof(salt));
    for (;;) {
        double started = now();
        if (started >= w->stop_at)
            return NULL;
        int rc = argon2id_hash_raw(o->iterations, o->memory_kib, o->parallelism, password, sizeof(password) - 1, salt,
                                   sizeof(salt), digest, sizeof(digest));
        if (rc != ARGON2_OK) {
            fprintf(stderr, "argon2_rate: %s\n", argon2_error_message(rc));
            w->failed = 1;
            return NULL;
        }
        double finished = now();
        /* A hash counts when it finished inside the window, as a request counts in wrk. */
        if (finished < w->measure_from || finished > w->stop_at)
            continue;
        if (w->count == w->capacity) {
            size_t capacity = w->capacity ? w->capacity * 2 : 1024;
            double *grown = realloc(w->latencies, capacity * sizeof(double));
            if (grown == NULL) {
                w->failed = 1;
                return NULL;
            }
            w->latencies = grown;
            w->capacity = capacity;
        }
        w->latencies[w->count++] = finished - started;
    }
}

static void usage(void)
{
    fprintf(stderr, "usage: argon2_rate [--threads N] [--memory-kib M] [--iterations T] [--parallelism P]\n"
                    "       [--duration SECONDS] [--warmup SECONDS]\n"
                    "defaults: 2 threads (stsd's password_worker_threads), m=19456 t=2 p=1 (stsd's defaults), 10 s "
                    "after 1 s\n");
    exit(2);
}

static int parse_positive(const char *text, double *out)
{
    char *end = NULL;
    double value = strtod(text, &end);
    if (end == text || *end != '\0' || !(value >= 0) || value > 1e7)
        return -1;
    *out = value;
    return 0;
}

static void parse(int argc, char **argv, options_t *o)
{
    static const struct option longs[] = {{"threads", 1, 0, 'n'},
                                          {"memory-kib", 1, 0, 'm'},
                                          {"iterations", 1, 0, 't'},
                                          {"parallelism", 1, 0, 'p'},
                                          {"duration", 1, 0, 'd'},
                                          {"warmup", 1, 0, 'w'},
                                          {0, 0, 0, 0}};
    *o = (options_t){.threads = 2, .memory_kib = 19456, .iterations = 2, .parallelism = 1, .duration = 10, .warmup = 1};
    int c;
    while ((c = getopt_long(argc, argv, "", longs, NULL)) != -1) {
        double value;
        if (parse_positive(optarg, &value) != 0)
            usage();
        switch (c) {
        case 'n':
            o->threads = (int)value;
            break;
        case 'm':
            o->memory_kib = (uint32_t)value;
            break;
        case 't':
            o->iterations = (uint32_t)value;
            break;
        case 'p':
            o->parallelism = (uint32_t)value;
            break;
        case 'd':
            o->duration = value;
            break;
        case 'w':
            o->warmup = value;
            break;
        default:
            usage();
        }
    }
    if (optind != argc || o->threads < 1 || o->threads > 256 || o->iterations < 1 || o->parallelism < 1 ||
        o->memory_kib < 8 * o->parallelism || o->duration <= 0)
        usage();
}

int main(int argc, char **argv)
{
    options_t o;
    parse(argc, argv, &o);
    worker_t *workers = calloc((size_t)o.threads, sizeof(*workers));
    pthread_t *threads = calloc((size_t)o.threads, sizeof(*threads));
    if (workers == NULL || threads == NULL) {
        fprintf(stderr, "argon2_rate: out of memory\n");
        return 1;
    }
    double measure_from = now() + o.warmup, stop_at = measure_from + o.duration;
    int started = 0, failed = 0;
    for (; started < o.threads; started++) {
        workers[started] = (worker_t){.options = &o, .measure_from = measure_from, .stop_at = stop_at};
        if (pthread_create(&threads[started], NULL, work, &workers[started]) != 0) {
            fprintf(stderr, "argon2_rate: cannot start thread %d\n", started + 1);
            failed = 1;
            break;
        }
    }
    size_t count = 0;
    for (int i = 0; i < started; i++) {
        pthread_join(threads[i], NULL);
        failed |= workers[i].failed;
        count += workers[i].count;
    }
    double *latencies = count ? malloc(count * sizeof(double)) : NULL;
    size_t filled = 0;
    for (int i = 0; i < started; i++) {
        if (latencies != NULL && workers[i].count)
            memcpy(latencies + filled, workers[i].latencies, workers[i].count * sizeof(double));
        filled += workers[i].count;
        free(workers[i].latencies);
    }
    int status = failed || (count && latencies == NULL) ? 1 : 0;
    if (status == 0) {
        qsort(latencies, count, sizeof(double), compare);
#define PERCENTILE(q) (count ? latencies[(size_t)fmin((double)count - 1, floor((q) * (double)count))] * 1e3 : 0.0)
        printf("RESULT rps=%.2f p50_ms=%.3f p99_ms=%.3f hashes=%zu threads=%d m=%u t=%u p=%u\n",
               (double)count / o.duration, PERCENTILE(0.50), PERCENTILE(0.99), count, o.threads, o.memory_kib,
               o.iterations, o.parallelism);
    }
    free(latencies);
    free(workers);
    free(threads);
    return status;
}
