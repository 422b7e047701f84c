#include "core/revocations.h"
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include "util/log.h"

typedef struct {
    char key[STS_REVOCATIONS_KEY_MAX + 1];
    int64_t time_us;
} entry_t;

/* A sorted array: few users change within a token lifetime, and lookups must be cheap and lock-light. */
struct sts_revocations_s {
    pthread_rwlock_t lock;
    entry_t *entries;
    size_t count, capacity;
    uint64_t changes;
};

sts_revocations_t *sts_revocations_create(void)
{
    sts_revocations_t *r = calloc(1, sizeof(*r));
    if (r == NULL)
        sts_log_fatal("out of memory");
    pthread_rwlock_init(&r->lock, NULL);
    return r;
}

/* The index of key, or where it would go (*found 0). */
static size_t find(const sts_revocations_t *r, const char *key, int *found)
{
    size_t low = 0, high = r->count;
    while (low < high) {
        size_t mid = low + (high - low) / 2;
        int order = strcmp(r->entries[mid].key, key);
        if (order == 0) {
            *found = 1;
            return mid;
        }
        if (order < 0)
            low = mid + 1;
        else
            high = mid;
    }
    *found = 0;
    return low;
}

void sts_revocations_put(sts_revocations_t *r, const char *key, int64_t time_us)
{
    size_t len = strlen(key);
    if (len > STS_REVOCATIONS_KEY_MAX)
        return;
    pthread_rwlock_wrlock(&r->lock);
    int found;
    size_t at = find(r, key, &found);
    if (!found) {
        if (r->count == r->capacity) {
            size_t capacity = r->capacity > 0 ? r->capacity * 2 : 64;
            entry_t *grown = realloc(r->entries, capacity * sizeof(*grown));
            if (grown == NULL)
                sts_log_fatal("out of memory");
            r->entries = grown;
            r->capacity = capacity;
        }
        memmove(&r->entries[at + 1], &r->entries[at], (r->count - at) * sizeof(entry_t));
        memset(&r->entries[at], 0, sizeof(entry_t));
        memcpy(r->entries[at].key, key, len);
        r->count++;
    }
    r->entries[at].time_us = time_us;
    r->changes++;
    pthread_rwlock_unlock(&r->lock);
}

int sts_revocations_get(sts_revocations_t *r, const char *key, int64_t *time_us)
{
    pthread_rwlock_rdlock(&r->lock);
    int found;
    size_t at = find(r, key, &found);
    if (found)
        *time_us = r->entries[at].time_us;
    pthread_rwlock_unlock(&r->lock);
    return found;
}

void sts_revocations_remove(sts_revocations_t *r, const char *key)
{
    pthread_rwlock_wrlock(&r->lock);
    int found;
    size_t at = find(r, key, &found);
    if (found) {
        memmove(&r->entries[at], &r->entries[at + 1], (r->count - at - 1) * sizeof(entry_t));
        r->count--;
    }
    r->changes++;
    pthread_rwlock_unlock(&r->lock);
}

uint64_t sts_revocations_changes(sts_revocations_t *r)
{
    pthread_rwlock_rdlock(&r->lock);
    uint64_t changes = r->changes;
    pthread_rwlock_unlock(&r->lock);
    return changes;
}

int sts_revocations_swap(sts_revocations_t *r, sts_revocations_t *fresh, uint64_t changes)
{
    pthread_rwlock_wrlock(&r->lock);
    if (r->changes != changes) {
        pthread_rwlock_unlock(&r->lock);
        return 0;
    }
    pthread_rwlock_wrlock(&fresh->lock);
    entry_t *entries = r->entries;
    size_t count = r->count, capacity = r->capacity;
    r->entries = fresh->entries;
    r->count = fresh->count;
    r->capacity = fresh->capacity;
    fresh->entries = entries;
    fresh->count = count;
    fresh->capacity = capacity;
    pthread_rwlock_unlock(&fresh->lock);
    pthread_rwlock_unlock(&r->lock);
    return 1;
}

void sts_revocations_destroy(sts_revocations_t *r)
{
    if (r == NULL)
        return;
    pthread_rwlock_destroy(&r->lock);
    free(r->entries);
    free(r);
}
