#include "util/ticker.h"
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <time.h>
#include "util/log.h"

struct sts_ticker_s {
    pthread_mutex_t lock;
    pthread_cond_t wake; /* waits on CLOCK_MONOTONIC */
    pthread_t thread;
    int64_t interval_ms;
    int run_first;
    int stopping, poked; /* guarded by lock */
    sts_ticker_fn fn;
    void *arg;
};

static struct timespec monotonic_after(int64_t ms)
{
    struct timespec at;
    clock_gettime(CLOCK_MONOTONIC, &at);
    at.tv_sec += (time_t)(ms / 1000);
    at.tv_nsec += (long)(ms % 1000) * 1000000L;
    if (at.tv_nsec >= 1000000000L) {
        at.tv_sec++;
        at.tv_nsec -= 1000000000L;
    }
    return at;
}

static void *run(void *arg)
{
    sts_ticker_t *ticker = arg;
    pthread_mutex_lock(&ticker->lock);
    int due = ticker->run_first;
    while (!ticker->stopping) {
        if (!due) {
            /* The deadline is fixed before waiting, so spurious wake-ups do not push it back. */
            struct timespec until = monotonic_after(ticker->interval_ms);
            while (!ticker->stopping && !ticker->poked && !due)
                due = pthread_cond_timedwait(&ticker->wake, &ticker->lock, &until) == ETIMEDOUT;
            if (ticker->stopping)
                break;
        }
        ticker->poked = 0;
        due = 0;
        pthread_mutex_unlock(&ticker->lock);
        ticker->fn(ticker->arg);
        pthread_mutex_lock(&ticker->lock);
    }
    pthread_mutex_unlock(&ticker->lock);
    return NULL;
}

sts_ticker_t *sts_ticker_start(int64_t interval_ms, int run_first, sts_ticker_fn fn, void *arg)
{
    sts_ticker_t *ticker = calloc(1, sizeof(*ticker));
    if (ticker == NULL)
        sts_log_fatal("out of memory");
    ticker->interval_ms = interval_ms > 0 ? interval_ms : 1;
    ticker->run_first = run_first;
    ticker->fn = fn;
    ticker->arg = arg;
    pthread_condattr_t attributes;
    pthread_condattr_init(&attributes);
    pthread_condattr_setclock(&attributes, CLOCK_MONOTONIC);
    pthread_cond_init(&ticker->wake, &attributes);
    pthread_condattr_destroy(&attributes);
    pthread_mutex_init(&ticker->lock, NULL);
    if (pthread_create(&ticker->thread, NULL, run, ticker) != 0) {
        pthread_cond_destroy(&ticker->wake);
        pthread_mutex_destroy(&ticker->lock);
        free(ticker);
        return NULL;
    }
    return ticker;
}

void sts_ticker_poke(sts_ticker_t *ticker)
{
    pthread_mutex_lock(&ticker->lock);
    ticker->poked = 1;
    pthread_cond_signal(&ticker->wake);
    pthread_mutex_unlock(&ticker->lock);
}

void sts_ticker_stop(sts_ticker_t *ticker)
{
    if (ticker == NULL)
        return;
    pthread_mutex_lock(&ticker->lock);
    ticker->stopping = 1;
    pthread_cond_signal(&ticker->wake);
    pthread_mutex_unlock(&ticker->lock);
    pthread_join(ticker->thread, NULL);
    pthread_cond_destroy(&ticker->wake);
    pthread_mutex_destroy(&ticker->lock);
    free(ticker);
}
