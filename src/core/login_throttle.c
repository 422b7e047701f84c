#include "core/login_throttle.h"

#include <limits.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/random.h"

/*
 * Counters live in a fixed pool of max_entries slots, found through a chained hash table and ordered in a list by
 * the time of their last failure. When the pool is full, the counter that failed least recently is forgotten (exact
 * LRU, not a probe window): to push a victim's counter out, an attacker must fail on max_entries other keys after the
 * victim's last failure, and their own address's counter slows them down while they do.
 *
 * Keys are never copied: each is identified by two 64-bit SipHash values under random keys made at creation, so a
 * key of any length takes the same room, and nobody who does not know those keys can aim two keys at one bucket or
 * one identity. Usernames and addresses are hashed under different keys and their kind is part of the identity, so
 * a username can never stand for an address.
 */

#define NONE UINT32_MAX

enum { KIND_USERNAME, KIND_ADDRESS };

typedef struct {
    uint64_t id[2];
    int64_t last_failure_ms;
    uint32_t failures;
    uint32_t kind;
    uint32_t next; /* a link (below) to the next counter in the same bucket, or in the free list */
    uint32_t older, newer;
} counter_t;

struct sts_login_throttle_s {
    sts_login_throttle_settings_t settings;
    pthread_mutex_t lock;
    uint8_t hash_keys[2][2][16]; /* [kind][half] */
    /* Links: a counter's index + 1, and 0 for none, so that the buckets start as calloc's untouched zero pages
     * (a quarter of a MiB resident from the start, for the default max_entries, when 0xff marked them empty). */
    uint32_t *buckets;
    size_t bucket_mask;
    counter_t *counters;
    size_t used;        /* counters[0..used) have been handed out at least once */
    size_t size;        /* counters held now */
    uint32_t free_list; /* a link */
    uint32_t oldest, newest;
    int shared_set;
    sts_login_throttle_shared_t shared;
};

static uint64_t rotl(uint64_t x, int b)
{
    return (x << b) | (x >> (64 - b));
}

static uint64_t load_le64(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--)
        v = (v << 8) | p[i];
    return v;
}

#define SIPROUND                                                                                                       \
    do {                                                                                                               \
        v0 += v1;                                                                                                      \
        v1 = rotl(v1, 13);                                                                                             \
        v1 ^= v0;                                                                                                      \
        v0 = rotl(v0, 32);                                                                                             \
        v2 += v3;                                                                                                      \
        v3 = rotl(v3, 16);                                                                                             \
        v3 ^= v2;                                                                                                      \
        v0 += v3;                                                                                                      \
        v3 = rotl(v3, 21);                                                                                             \
        v3 ^= v0;                                                                                                      \
        v2 += v1;                                                                                                      \
        v1 = rotl(v1, 17);                                                                                             \
        v1 ^= v2;                                                                                                      \
        v2 = rotl(v2, 32);                                                                                             \
    } while (0)

uint64_t sts__login_throttle_siphash(const uint8_t key[16], const void *data, size_t len)
{
    const uint8_t *in = data;
    uint64_t k0 = load_le64(key), k1 = load_le64(key + 8);
    uint64_t v0 = k0 ^ 0x736f6d6570736575ull, v1 = k1 ^ 0x646f72616e646f6dull;
    uint64_t v2 = k0 ^ 0x6c7967656e657261ull, v3 = k1 ^ 0x7465646279746573ull;
    size_t whole = len - len % 8;
    for (size_t i = 0; i < whole; i += 8) {
        uint64_t m = load_le64(in + i);
        v3 ^= m;
        SIPROUND;
        SIPROUND;
        v0 ^= m;
    }
    uint64_t last = (uint64_t)(len & 0xff) << 56;
    for (size_t i = 0; i < len % 8; i++)
        last |= (uint64_t)in[whole + i] << (8 * i);
    v3 ^= last;
    SIPROUND;
    SIPROUND;
    v0 ^= last;
    v2 ^= 0xff;
    SIPROUND;
    SIPROUND;
    SIPROUND;
    SIPROUND;
    return v0 ^ v1 ^ v2 ^ v3;
}

sts_login_throttle_t *sts_login_throttle_create(const sts_login_throttle_settings_t *settings)
{
    if (settings == NULL || settings->free_failures <= 0 || settings->base_delay_ms <= 0 ||
        settings->max_delay_ms < settings->base_delay_ms || settings->lock_after <= 0 || settings->max_entries == 0 ||
        settings->max_entries >= NONE / 2)
        return NULL;
    sts_login_throttle_t *throttle = calloc(1, sizeof(*throttle));
    if (throttle == NULL)
        return NULL;
    throttle->settings = *settings;
    size_t buckets = 1;
    while (buckets < settings->max_entries)
        buckets *= 2;
    throttle->bucket_mask = buckets - 1;
    throttle->buckets = calloc(buckets, sizeof(*throttle->buckets));
    throttle->counters = calloc(settings->max_entries, sizeof(*throttle->counters));
    if (throttle->buckets == NULL || throttle->counters == NULL) {
        free(throttle->buckets);
        free(throttle->counters);
        free(throttle);
        return NULL;
    }
    sts_random_bytes(&throttle->hash_keys[0][0][0], sizeof(throttle->hash_keys));
    throttle->oldest = throttle->newest = NONE;
    pthread_mutex_init(&throttle->lock, NULL);
    return throttle;
}

void sts_login_throttle_destroy(sts_login_throttle_t *throttle)
{
    if (throttle == NULL)
        return;
    pthread_mutex_destroy(&throttle->lock);
    free(throttle->buckets);
    free(throttle->counters);
    free(throttle);
}

static void identify(const sts_login_throttle_t *throttle, int kind, const char *key, uint64_t id[2])
{
    size_t len = strlen(key);
    id[0] = sts__login_throttle_siphash(throttle->hash_keys[kind][0], key, len);
    id[1] = sts__login_throttle_siphash(throttle->hash_keys[kind][1], key, len);
}

static uint32_t *bucket_of(sts_login_throttle_t *throttle, const uint64_t id[2])
{
    return &throttle->buckets[id[0] & throttle->bucket_mask];
}

static uint32_t find(sts_login_throttle_t *throttle, int kind, const uint64_t id[2])
{
    for (uint32_t link = *bucket_of(throttle, id); link != 0; link = throttle->counters[link - 1].next) {
        const counter_t *c = &throttle->counters[link - 1];
        if (c->kind == (uint32_t)kind && c->id[0] == id[0] && c->id[1] == id[1])
            return link - 1;
    }
    return NONE;
}

static void list_unlink(sts_login_throttle_t *throttle, uint32_t i)
{
    counter_t *c = &throttle->counters[i];
    if (c->older != NONE)
        throttle->counters[c->older].newer = c->newer;
    else
        throttle->oldest = c->newer;
    if (c->newer != NONE)
        throttle->counters[c->newer].older = c->older;
    else
        throttle->newest = c->older;
}

static void list_push_newest(sts_login_throttle_t *throttle, uint32_t i)
{
    counter_t *c = &throttle->counters[i];
    c->older = throttle->newest;
    c->newer = NONE;
    if (throttle->newest != NONE)
        throttle->counters[throttle->newest].newer = i;
    else
        throttle->oldest = i;
    throttle->newest = i;
}

static void forget(sts_login_throttle_t *throttle, uint32_t i)
{
    counter_t *c = &throttle->counters[i];
    uint32_t *link = bucket_of(throttle, c->id);
    while (*link != i + 1)
        link = &throttle->counters[*link - 1].next;
    *link = c->next;
    list_unlink(throttle, i);
    memset(c, 0, sizeof(*c));
    c->next = throttle->free_list;
    throttle->free_list = i + 1;
    throttle->size--;
}

/* A free slot: a forgotten one, one never used, or else the least recently failed counter's. */
static uint32_t take_slot(sts_login_throttle_t *throttle)
{
    if (throttle->free_list == 0) {
        if (throttle->used < throttle->settings.max_entries)
            return (uint32_t)throttle->used++;
        forget(throttle, throttle->oldest);
    }
    uint32_t i = throttle->free_list - 1;
    throttle->free_list = throttle->counters[i].next;
    return i;
}

static int64_t delay_after(const sts_login_throttle_settings_t *settings, uint32_t failures)
{
    /* free_failures failures in a row are let through; the attempt after them waits base, the next twice that... */
    if (failures < (uint32_t)settings->free_failures)
        return 0;
    uint32_t doublings = failures - (uint32_t)settings->free_failures;
    /* base << doublings without overflow: it is below max exactly when base is below max >> doublings. */
    if (doublings >= 63 || settings->base_delay_ms > (settings->max_delay_ms >> doublings))
        return settings->max_delay_ms;
    return settings->base_delay_ms << doublings;
}

/* What is left to wait at now_ms after failures in a row, the last at last_failure_ms. */
static int64_t remaining(const sts_login_throttle_settings_t *settings, uint32_t failures, int64_t last_failure_ms,
                         int64_t now_ms)
{
    int64_t delay = delay_after(settings, failures);
    if (delay == 0)
        return 0;
    /* A clock that went back waits no longer than the whole delay. */
    if (now_ms < last_failure_ms)
        return delay;
    int64_t elapsed;
    if (__builtin_sub_overflow(now_ms, last_failure_ms, &elapsed) || elapsed >= delay)
        return 0;
    return delay - elapsed;
}

static int64_t wait_for(sts_login_throttle_t *throttle, int kind, const char *key, int64_t now_ms)
{
    if (key == NULL)
        return 0;
    int shared_failures = 0;
    int64_t shared_last = 0;
    if (throttle->shared_set && throttle->shared.failures(throttle->shared.data, kind == KIND_ADDRESS, key,
                                                          &shared_failures, &shared_last) == 0)
        return remaining(&throttle->settings, (uint32_t)shared_failures, shared_last, now_ms);
    pthread_mutex_lock(&throttle->lock);
    uint64_t id[2];
    identify(throttle, kind, key, id);
    uint32_t i = find(throttle, kind, id);
    int64_t wait = i == NONE ? 0
                             : remaining(&throttle->settings, throttle->counters[i].failures,
                                         throttle->counters[i].last_failure_ms, now_ms);
    pthread_mutex_unlock(&throttle->lock);
    return wait;
}

int64_t sts_login_throttle_wait_ms(sts_login_throttle_t *throttle, const char *username, const char *address,
                                   int64_t now_ms)
{
    int64_t by_username = wait_for(throttle, KIND_USERNAME, username, now_ms);
    int64_t by_address = wait_for(throttle, KIND_ADDRESS, address, now_ms);
    return by_username > by_address ? by_username : by_address;
}

static int record(sts_login_throttle_t *throttle, int kind, const char *key, int64_t now_ms)
{
    uint64_t id[2];
    identify(throttle, kind, key, id);
    uint32_t i = find(throttle, kind, id);
    if (i == NONE) {
        i = take_slot(throttle);
        counter_t *c = &throttle->counters[i];
        c->id[0] = id[0];
        c->id[1] = id[1];
        c->kind = (uint32_t)kind;
        c->failures = 0;
        uint32_t *bucket = bucket_of(throttle, id);
        c->next = *bucket;
        *bucket = i + 1;
        throttle->size++;
    } else {
        list_unlink(throttle, i);
    }
    list_push_newest(throttle, i);
    counter_t *c = &throttle->counters[i];
    if (c->failures < INT_MAX)
        c->failures++;
    c->last_failure_ms = now_ms;
    return (int)c->failures;
}

int sts_login_throttle_failure(sts_login_throttle_t *throttle, const char *username, const char *address,
                               int64_t now_ms)
{
    /* The process's own counters always count too: they decide whenever the shared ones cannot answer. */
    pthread_mutex_lock(&throttle->lock);
    int failures = username != NULL ? record(throttle, KIND_USERNAME, username, now_ms) : 0;
    if (address != NULL)
        record(throttle, KIND_ADDRESS, address, now_ms);
    pthread_mutex_unlock(&throttle->lock);
    int shared_failures = 0, ignored = 0;
    if (throttle->shared_set && username != NULL &&
        throttle->shared.add_failure(throttle->shared.data, 0, username, now_ms, &shared_failures) == 0)
        failures = shared_failures;
    if (throttle->shared_set && address != NULL)
        throttle->shared.add_failure(throttle->shared.data, 1, address, now_ms, &ignored);
    return failures;
}

void sts_login_throttle_share(sts_login_throttle_t *throttle, const sts_login_throttle_shared_t *shared)
{
    throttle->shared = *shared;
    throttle->shared_set = 1;
}

static void forget_key(sts_login_throttle_t *throttle, int kind, const char *key)
{
    if (key == NULL)
        return;
    uint64_t id[2];
    identify(throttle, kind, key, id);
    uint32_t i = find(throttle, kind, id);
    if (i != NONE)
        forget(throttle, i);
}

void sts_login_throttle_success(sts_login_throttle_t *throttle, const char *username, const char *address)
{
    pthread_mutex_lock(&throttle->lock);
    forget_key(throttle, KIND_USERNAME, username);
    forget_key(throttle, KIND_ADDRESS, address);
    pthread_mutex_unlock(&throttle->lock);
    if (throttle->shared_set && username != NULL)
        throttle->shared.forget(throttle->shared.data, 0, username);
    if (throttle->shared_set && address != NULL)
        throttle->shared.forget(throttle->shared.data, 1, address);
}

size_t sts_login_throttle_size(sts_login_throttle_t *throttle)
{
    pthread_mutex_lock(&throttle->lock);
    size_t size = throttle->size;
    pthread_mutex_unlock(&throttle->lock);
    return size;
}
