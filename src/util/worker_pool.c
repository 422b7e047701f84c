#include "util/worker_pool.h"
#include <pthread.h>
#include <stdlib.h>
#include "util/log.h"

typedef struct {
    sts_work_fn fn;
    void *arg;
} job_t;

struct sts_worker_pool_s {
    pthread_mutex_t lock;
    pthread_cond_t wake;
    job_t *ring;
    size_t capacity, head, count, running;
    int stopping;
    int thread_count;
    pthread_t threads[];
};

static void *work(void *arg)
{
    sts_worker_pool_t *pool = arg;
    pthread_mutex_lock(&pool->lock);
    for (;;) {
        while (pool->count == 0 && !pool->stopping)
            pthread_cond_wait(&pool->wake, &pool->lock);
        if (pool->count == 0)
            break; /* stopping, and the queue is drained */
        job_t job = pool->ring[pool->head];
        pool->head = (pool->head + 1) % pool->capacity;
        pool->count--;
        pool->running++;
        pthread_mutex_unlock(&pool->lock);
        job.fn(job.arg);
        pthread_mutex_lock(&pool->lock);
        pool->running--;
    }
    pthread_mutex_unlock(&pool->lock);
    return NULL;
}

sts_worker_pool_t *sts_worker_pool_create(int threads, size_t max_queued)
{
    sts_worker_pool_t *pool = calloc(1, sizeof(*pool) + (size_t)threads * sizeof(pthread_t));
    job_t *ring = calloc(max_queued, sizeof(job_t));
    if (pool == NULL || ring == NULL)
        sts_log_fatal("out of memory creating the worker pool");
    pthread_mutex_init(&pool->lock, NULL);
    pthread_cond_init(&pool->wake, NULL);
    pool->ring = ring;
    pool->capacity = max_queued;
    for (int i = 0; i < threads; i++) {
        if (pthread_create(&pool->threads[i], NULL, work, pool) != 0) {
            sts_log_error("cannot start worker thread %d", i);
            pool->thread_count = i;
            sts_worker_pool_destroy(pool);
            return NULL;
        }
    }
    pool->thread_count = threads;
    return pool;
}

int sts_worker_pool_submit(sts_worker_pool_t *pool, sts_work_fn fn, void *arg)
{
    pthread_mutex_lock(&pool->lock);
    int accepted = !pool->stopping && pool->count < pool->capacity;
    if (accepted) {
        pool->ring[(pool->head + pool->count) % pool->capacity] = (job_t){fn, arg};
        pool->count++;
        pthread_cond_signal(&pool->wake);
    }
    pthread_mutex_unlock(&pool->lock);
    return accepted ? 0 : -1;
}

size_t sts_worker_pool_busy(sts_worker_pool_t *pool)
{
    pthread_mutex_lock(&pool->lock);
    size_t busy = pool->count + pool->running;
    pthread_mutex_unlock(&pool->lock);
    return busy;
}

size_t sts_worker_pool_queued(sts_worker_pool_t *pool)
{
    pthread_mutex_lock(&pool->lock);
    size_t queued = pool->count;
    pthread_mutex_unlock(&pool->lock);
    return queued;
}

void sts_worker_pool_destroy(sts_worker_pool_t *pool)
{
    pthread_mutex_lock(&pool->lock);
    pool->stopping = 1;
    pthread_cond_broadcast(&pool->wake);
    pthread_mutex_unlock(&pool->lock);
    for (int i = 0; i < pool->thread_count; i++)
        pthread_join(pool->threads[i], NULL);
    pthread_mutex_destroy(&pool->lock);
    pthread_cond_destroy(&pool->wake);
    free(pool->ring);
    free(pool);
}
