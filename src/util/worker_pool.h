/* A bounded pool of threads for blocking work (upstream HTTP), kept off event-loop and completion-queue threads. */
#ifndef STS_UTIL_WORKER_POOL_H
#define STS_UTIL_WORKER_POOL_H
#include <stddef.h>

typedef struct sts_worker_pool_s sts_worker_pool_t;

/** A unit of work; it owns arg and must not block forever (upstream calls carry timeouts). */
typedef void (*sts_work_fn)(void *arg);

/**
 * Starts `threads` workers sharing one queue that holds at most max_queued jobs waiting to start.
 * Returns NULL if a thread cannot be created. Lifecycle: create, submit from any thread, destroy once.
 */
sts_worker_pool_t *sts_worker_pool_create(int threads, size_t max_queued);

/** Queues fn(arg). Returns 0, or -1 when the queue is full or the pool is stopping (arg is then still the caller's). */
int sts_worker_pool_submit(sts_worker_pool_t *pool, sts_work_fn fn, void *arg);

/** Jobs queued or running right now. Thread-safe. */
size_t sts_worker_pool_busy(sts_worker_pool_t *pool);

/** Jobs queued and not yet started right now (the queue's depth, at most max_queued). Thread-safe. */
size_t sts_worker_pool_queued(sts_worker_pool_t *pool);

/** Refuses new jobs, runs every job already queued, joins the threads and frees the pool. */
void sts_worker_pool_destroy(sts_worker_pool_t *pool);

#endif
