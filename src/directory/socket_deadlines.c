/* One thread that shuts down sockets whose deadline passed. */
#include "directory/socket_deadlines.h"
#include <pthread.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <time.h>
#include "util/log.h"

typedef struct {
    int fd;
    int64_t deadline_ms; /* CLOCK_MONOTONIC */
} entry_t;

struct sts_socket_deadlines_s {
    pthread_mutex_t lock;
    pthread_cond_t changed;
    pthread_t thread;
    int stopping;
    entry_t *entries;
    size_t count, capacity;
};

static int64_t monotonic_ms(void)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (int64_t)now.tv_sec * 1000 + now.tv_nsec / 1000000;
}

static void *run(void *data)
{
    sts_socket_deadlines_t *d = data;
    pthread_mutex_lock(&d->lock);
    while (!d->stopping) {
        int64_t now = monotonic_ms(), earliest = INT64_MAX;
        for (size_t i = 0; i < d->count;) {
            if (d->entries[i].deadline_ms <= now) {
                /* Under the lock: the owner disarms (taking the lock) before it closes the descriptor. */
                shutdown(d->entries[i].fd, SHUT_RDWR);
                d->entries[i] = d->entries[--d->count];
                continue;
            }
            if (d->entries[i].deadline_ms < earliest)
                earliest = d->entries[i].deadline_ms;
            i++;
        }
        if (earliest == INT64_MAX) {
            pthread_cond_wait(&d->changed, &d->lock);
        } else {
            struct timespec until = {(time_t)(earliest / 1000), (long)(earliest % 1000) * 1000000};
            pthread_cond_timedwait(&d->changed, &d->lock, &until);
        }
    }
    pthread_mutex_unlock(&d->lock);
    return NULL;
}

sts_socket_deadlines_t *sts_socket_deadlines_create(void)
{
    sts_socket_deadlines_t *d = calloc(1, sizeof(*d));
    pthread_condattr_t attributes;
    if (d == NULL || pthread_condattr_init(&attributes) != 0)
        sts_log_fatal("out of memory");
    pthread_condattr_setclock(&attributes, CLOCK_MONOTONIC);
    pthread_mutex_init(&d->lock, NULL);
    pthread_cond_init(&d->changed, &attributes);
    pthread_condattr_destroy(&attributes);
    if (pthread_create(&d->thread, NULL, run, d) != 0)
        sts_log_fatal("cannot start the LDAP socket deadline thread");
    return d;
}

void sts_socket_deadlines_destroy(sts_socket_deadlines_t *d)
{
    pthread_mutex_lock(&d->lock);
    d->stopping = 1;
    pthread_cond_signal(&d->changed);
    pthread_mutex_unlock(&d->lock);
    pthread_join(d->thread, NULL);
    pthread_cond_destroy(&d->changed);
    pthread_mutex_destroy(&d->lock);
    free(d->entries);
    free(d);
}

void sts_socket_deadlines_arm(sts_socket_deadlines_t *d, int fd, int64_t timeout_ms)
{
    pthread_mutex_lock(&d->lock);
    if (d->count == d->capacity) {
        d->capacity = d->capacity > 0 ? 2 * d->capacity : 16;
        d->entries = realloc(d->entries, d->capacity * sizeof(*d->entries));
        if (d->entries == NULL)
            sts_log_fatal("out of memory");
    }
    d->entries[d->count++] = (entry_t){fd, monotonic_ms() + timeout_ms};
    pthread_cond_signal(&d->changed);
    pthread_mutex_unlock(&d->lock);
}

void sts_socket_deadlines_disarm(sts_socket_deadlines_t *d, int fd)
{
    pthread_mutex_lock(&d->lock);
    for (size_t i = 0; i < d->count;) {
        if (d->entries[i].fd == fd)
            d->entries[i] = d->entries[--d->count];
        else
            i++;
    }
    pthread_mutex_unlock(&d->lock);
}
