#include "auth/access_token_authenticator.h"
#include <errno.h>
#include <openssl/crypto.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "core/service.h"
#include "crypto/access_token.h"
#include "util/log.h"
#include "util/ticker.h"
#include "util/timefmt.h"

/* last_used_time is metadata: written at most this often per token, by the flusher, never by a request. */
#define TOUCH_INTERVAL_US (60LL * 1000000)
#define FLUSH_PERIOD_MS   5000

typedef struct {
    char id[STS_ACCESS_TOKEN_ID_CHARS + 1]; /* "" when the slot is free */
    uint8_t hmac[32];
    int enabled;
    int64_t expiration_time;
    char *name, *subject;
    const char *const *roles; /* borrowed from the rules */
    char **role_storage;
    size_t role_count;
    int64_t last_used, last_written;
} slot_t;

struct sts_access_token_authenticator_s {
    sts_store_t *store;
    uint8_t key[32];
    const sts_access_token_role_rule_t *rules;
    size_t rule_count;
    pthread_mutex_t lock;
    slot_t slots[STS_ACCESS_TOKEN_CACHE_SLOTS];
    sts_ticker_t *flusher; /* NULL if its thread could not start: last-use times are then written at destroy */
};

static const char *const domain_names[] = {"LOCAL",
                                           "API_NULL_DOMAIN",
                                           "WORLD",
                                           "POSIX_USER",
                                           "POSIX_GROUP",
                                           "ACTIVE_DIRECTORY",
                                           "API_INVALID_DOMAIN",
                                           "API_RESERVED_DOMAIN",
                                           "API_INTERNAL_DOMAIN",
                                           "API_OPERATOR_DOMAIN",
                                           "API_CREATOR_DOMAIN"};

static slot_t *slot_for(sts_access_token_authenticator_t *auth, const char *id)
{
    unsigned index = 0;
    for (int i = 0; i < 6; i++)
        index = index * 16 + (unsigned)(id[i] <= '9' ? id[i] - '0' : id[i] - 'a' + 10);
    return &auth->slots[index % STS_ACCESS_TOKEN_CACHE_SLOTS];
}

static void clear_slot(slot_t *slot)
{
    free(slot->name);
    free(slot->subject);
    free(slot->role_storage);
    memset(slot, 0, sizeof(*slot));
}

/* The roles the rules grant this identity, gathered into the slot. */
static void grant_roles(sts_access_token_authenticator_t *auth, slot_t *slot, int domain)
{
    const char *domain_name =
        domain >= 0 && domain < (int)(sizeof(domain_names) / sizeof(domain_names[0])) ? domain_names[domain] : "";
    for (size_t i = 0; i < auth->rule_count; i++) {
        const sts_access_token_role_rule_t *rule = &auth->rules[i];
        int match = (rule->user != NULL && strcmp(rule->user, slot->name) == 0) ||
                    (rule->domain != NULL && strcmp(rule->domain, domain_name) == 0);
        for (size_t r = 0; match && r < rule->role_count; r++) {
            char **grown = realloc(slot->role_storage, (slot->role_count + 1) * sizeof(char *));
            if (grown == NULL)
                sts_log_fatal("out of memory");
            slot->role_storage = grown;
            slot->role_storage[slot->role_count++] = (char *)rule->roles[r];
        }
    }
    slot->roles = (const char *const *)slot->role_storage;
}

static void fill_principal(sts_call_t *call, const slot_t *slot)
{
    sts_principal_t *p = &call->principal;
    p->authenticated = 1;
    p->username = sts_arena_strdup(&call->arena, slot->name);
    p->subject = sts_arena_strdup(&call->arena, slot->subject);
    const char **roles = sts_arena_alloc(&call->arena, (slot->role_count + 1) * sizeof(char *));
    for (size_t i = 0; i < slot->role_count; i++)
        roles[i] = sts_arena_strdup(&call->arena, slot->roles[i]);
    p->roles = roles;
    p->role_count = slot->role_count;
}

/* Judges a cached token; fills the principal when it passes. Called with the lock held. */
static sts_status_t judge(sts_call_t *call, slot_t *slot, const uint8_t hmac[32])
{
    if (CRYPTO_memcmp(slot->hmac, hmac, 32) != 0)
        return sts_call_fail(call, STS_STATUS_UNAUTHENTICATED, "unknown access token");
    if (!slot->enabled)
        return sts_call_fail(call, STS_STATUS_UNAUTHENTICATED, "access token %s is disabled", slot->id);
    int64_t now = sts_time_now();
    if (slot->expiration_time != 0 && now >= slot->expiration_time) {
        char when[STS_TIME_ISO_MAX];
        sts_time_format_rfc3339(slot->expiration_time, 0, when, sizeof(when));
        return sts_call_fail(call, STS_STATUS_UNAUTHENTICATED, "access token %s expired at %s", slot->id, when);
    }
    slot->last_used = now;
    fill_principal(call, slot);
    return STS_STATUS_OK;
}

sts_status_t sts_access_token_authenticate(sts_access_token_authenticator_t *auth, sts_call_t *call, const char *token,
                                           size_t len)
{
    char id[STS_ACCESS_TOKEN_ID_CHARS + 1];
    if (sts_access_token_parse(token, len, id) != 0)
        return sts_call_fail(call, STS_STATUS_UNAUTHENTICATED, "malformed access token");
    uint8_t hmac[32];
    sts_access_token_hmac(auth->key, token, len, hmac);
    pthread_mutex_lock(&auth->lock);
    slot_t *slot = slot_for(auth, id);
    if (strcmp(slot->id, id) == 0) {
        sts_status_t status = judge(call, slot, hmac);
        pthread_mutex_unlock(&auth->lock);
        return status;
    }
    pthread_mutex_unlock(&auth->lock);
    if (!call->on_worker && call->service->workers != NULL) {
        call->wants_worker = 1; /* the store may block: not on an event-loop or completion-queue thread */
        return sts_call_fail(call, STS_STATUS_UNAVAILABLE, "retrying on a worker");
    }
    sts_token_record_t record;
    char error[512] = "";
    sts_store_result_t result = auth->store->get(auth->store, id, &call->arena, &record, error, sizeof(error));
    if (result == STS_STORE_NOT_FOUND)
        return sts_call_fail(call, STS_STATUS_UNAUTHENTICATED, "unknown access token");
    if (result != STS_STORE_OK)
        return sts_call_fail(call, STS_STATUS_UNAVAILABLE, "cannot check the access token: %s", error);
    pthread_mutex_lock(&auth->lock);
    slot = slot_for(auth, id);
    clear_slot(slot); /* a colliding token gives way; it is read again when next used */
    memcpy(slot->id, record.id, sizeof(slot->id));
    memcpy(slot->hmac, record.hmac, 32);
    slot->enabled = record.enabled;
    slot->expiration_time = record.expiration_time;
    slot->name = strdup(record.user.name[0] ? record.user.name : record.user.auth_id);
    slot->subject = strdup(record.user.auth_id[0] ? record.user.auth_id : record.user.name);
    if (slot->name == NULL || slot->subject == NULL)
        sts_log_fatal("out of memory");
    slot->last_written = record.last_used_time;
    grant_roles(auth, slot, record.user.domain);
    sts_status_t status = judge(call, slot, hmac);
    pthread_mutex_unlock(&auth->lock);
    return status;
}

void sts_access_token_forget(void *data, const char *id)
{
    sts_access_token_authenticator_t *auth = data;
    pthread_mutex_lock(&auth->lock);
    slot_t *slot = slot_for(auth, id);
    if (strcmp(slot->id, id) == 0)
        clear_slot(slot);
    pthread_mutex_unlock(&auth->lock);
}

/* Writes the last-use times that are due; the store calls run outside the lock. */
static void flush(sts_access_token_authenticator_t *auth, int everything)
{
    enum { BATCH = 256 };
    struct {
        char id[STS_ACCESS_TOKEN_ID_CHARS + 1];
        int64_t when;
    } due[BATCH];
    for (size_t start = 0; start < STS_ACCESS_TOKEN_CACHE_SLOTS;) {
        size_t n = 0;
        pthread_mutex_lock(&auth->lock);
        for (; start < STS_ACCESS_TOKEN_CACHE_SLOTS && n < BATCH; start++) {
            slot_t *slot = &auth->slots[start];
            int stale = slot->last_used > slot->last_written &&
                        (everything || slot->last_used - slot->last_written >= TOUCH_INTERVAL_US);
            if (slot->id[0] != '\0' && stale) {
                memcpy(due[n].id, slot->id, sizeof(due[n].id));
                due[n++].when = slot->last_used;
                slot->last_written = slot->last_used;
            }
        }
        pthread_mutex_unlock(&auth->lock);
        for (size_t i = 0; i < n; i++)
            auth->store->touch(auth->store, due[i].id, due[i].when);
    }
}

static void flush_due(void *arg)
{
    flush(arg, 0);
}

sts_access_token_authenticator_t *sts_access_token_authenticator_create(sts_store_t *store, const uint8_t key[32],
                                                                        const sts_access_token_role_rule_t *rules,
                                                                        size_t rule_count)
{
    sts_access_token_authenticator_t *auth = calloc(1, sizeof(*auth));
    if (auth == NULL)
        sts_log_fatal("out of memory");
    auth->store = store;
    memcpy(auth->key, key, 32);
    auth->rules = rules;
    auth->rule_count = rule_count;
    pthread_mutex_init(&auth->lock, NULL);
    auth->flusher = sts_ticker_start(FLUSH_PERIOD_MS, 0, flush_due, auth);
    return auth;
}

void sts_access_token_authenticator_destroy(sts_access_token_authenticator_t *auth)
{
    sts_ticker_stop(auth->flusher);
    flush(auth, 1);
    for (size_t i = 0; i < STS_ACCESS_TOKEN_CACHE_SLOTS; i++)
        clear_slot(&auth->slots[i]);
    OPENSSL_cleanse(auth->key, sizeof(auth->key));
    pthread_mutex_destroy(&auth->lock);
    free(auth);
}
