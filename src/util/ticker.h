/* A background thread that runs one function periodically on the monotonic clock, can be woken early, and stops. */
#ifndef STS_UTIL_TICKER_H
#define STS_UTIL_TICKER_H
#include <stdint.h>

typedef struct sts_ticker_s sts_ticker_t;

/** The periodic work; it runs on the ticker's thread, one run at a time. */
typedef void (*sts_ticker_fn)(void *arg);

/**
 * Starts a thread that calls fn(arg) every interval_ms milliseconds: at once when run_first is set, else one
 * interval after the start, and then interval_ms after each run ends. The waits are measured on CLOCK_MONOTONIC, so
 * setting the wall clock neither delays nor hurries a run. Returns NULL when the thread cannot be started.
 * Lifecycle: sts_ticker_start, any number of sts_ticker_poke from any thread, sts_ticker_stop once.
 */
sts_ticker_t *sts_ticker_start(int64_t interval_ms, int run_first, sts_ticker_fn fn, void *arg);

/**
 * Asks for a run now rather than at the next tick: at once when the thread is waiting, else right after the run in
 * progress. Pokes that arrive before that run starts make one run. Thread-safe; never blocks on fn.
 */
void sts_ticker_poke(sts_ticker_t *ticker);

/**
 * Wakes the thread, waits for a run in progress to end, joins the thread and frees the ticker; fn is not called
 * again. Must not be called from fn. NULL is ignored.
 */
void sts_ticker_stop(sts_ticker_t *ticker);

#endif
