#include "auth/access_token_authenticator.h"
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "core/metrics.h"
#include "core/service.h"
#include "crypto/access_token.h"
#include "sts/v1/access_tokens.pb-c.h"
#include "util/log.h"
#include "util/text.h"
#include "util/ticker.h"
#include "util/timefmt.h"

/* last_used_time is metadata: written at most this often per token, by the flusher, never by a request. */
#define TOUCH_INTERVAL_US (60LL * 1000000)
#define FLUSH_PERIOD_MS   5000

typedef struct {
    char id[STS_ACCESS_TOKEN_ID_CHARS + 1]; /* "" when the slot is free */
    uint8_t hmac[32];
    char hmac_key_id[STS_STORE_KEY_ID_MAX + 1];
    int enabled;
    int64_t expires_at; /* the effective expiry, lifetime cap included */
    int64_t created_at;
    int domain;
    char *auth_id, *name;
    const char **roles; /* the strings are borrowed from the rules */
    size_t role_count;
    int64_t cached_at_ns; /* CLOCK_MONOTONIC: the entry is trusted for cache_ttl_ns only */
    int64_t last_used, last_written;
} slot_t;

/* An id the store did not have, remembered briefly so that a client retrying a dead token costs no lookup. */
typedef struct {
    char id[STS_ACCESS_TOKEN_ID_CHARS + 1];
    int64_t until_ns;
} unknown_t;

struct sts_access_token_authenticator_s {
    sts_store_t *store;
    sts_token_hmac_check_fn hmac_matches;
    void *hmac_data;
    const sts_access_token_role_rule_t *rules;
    size_t rule_count;
    int64_t cache_ttl_ns, unknown_ttl_ns;
    pthread_mutex_t lock;
    /* Bumped by every invalidation: a lookup that read the store before one must not cache what it read. */
    uint64_t generation;
    slot_t slots[STS_ACCESS_TOKEN_CACHE_SLOTS];
    unknown_t unknown[STS_ACCESS_TOKEN_UNKNOWN_SLOTS];
    sts_ticker_t *flusher; /* NULL if its thread could not start: last-use times are then written at destroy */
};

/* Ids are random, so their first hex digits spread them; an attacker's chosen ids only collide with each other. */
static unsigned slot_index(const char *id)
{
    unsigned index = 0;
    for (int i = 0; i < 6; i++)
        index = index * 16 + (unsigned)(id[i] <= '9' ? id[i] - '0' : id[i] - 'a' + 10);
    return index;
}

static slot_t *slot_for(sts_access_token_authenticator_t *auth, const char *id)
{
    return &auth->slots[slot_index(id) % STS_ACCESS_TOKEN_CACHE_SLOTS];
}

static unknown_t *unknown_for(sts_access_token_authenticator_t *auth, const char *id)
{
    return &auth->unknown[slot_index(id) % STS_ACCESS_TOKEN_UNKNOWN_SLOTS];
}

static void clear_slot(slot_t *slot)
{
    free(slot->auth_id);
    free(slot->name);
    free(slot->roles);
    memset(slot, 0, sizeof(*slot));
}

static int in_list(const char *list, const char *name)
{
    size_t len = strlen(name);
    for (const char *p = list; *p != '\0'; p += strcspn(p, ",") + (p[strcspn(p, ",")] == ',')) {
        if (strcspn(p, ",") == len && strncmp(p, name, len) == 0)
            return 1;
    }
    return 0;
}

static int rule_matches(const sts_access_token_role_rule_t *rule, const sts_store_identity_t *user)
{
    /* user:NAME names a LOCAL user, so a JWT or certificate caller of the same name is never that user. */
    if (rule->user != NULL)
        return user->domain == STS__V1__IDENTITY_DOMAIN__LOCAL && strcmp(rule->user, user->name) == 0;
    const ProtobufCEnumValue *domain =
        protobuf_c_enum_descriptor_get_value(&sts__v1__identity_domain__descriptor, user->domain);
    return domain != NULL && strcmp(rule->domain, domain->name) == 0;
}

/* The roles the rules grant this identity, limited to the token's ceiling (NULL: no limit). */
static void grant_roles(sts_access_token_authenticator_t *auth, slot_t *slot, const sts_token_record_t *record)
{
    for (size_t i = 0; i < auth->rule_count; i++) {
        const sts_access_token_role_rule_t *rule = &auth->rules[i];
        if (!rule_matches(rule, &record->user))
            continue;
        for (size_t r = 0; r < rule->role_count; r++) {
            const char *role = rule->roles[r];
            int held = 0;
            for (size_t k = 0; k < slot->role_count && !held; k++)
                held = strcmp(slot->roles[k], role) == 0;
            if (held || (record->role_ceiling != NULL && !in_list(record->role_ceiling, role)))
                continue;
            const char **grown = realloc(slot->roles, (slot->role_count + 1) * sizeof(char *));
            if (grown == NULL)
                sts_log_fatal("out of memory");
            slot->roles = grown;
            slot->roles[slot->role_count++] = role;
        }
    }
}

static void fill_slot(sts_access_token_authenticator_t *auth, const sts_call_t *call, slot_t *slot,
                      const sts_token_record_t *record)
{
    memset(slot, 0, sizeof(*slot));
    memcpy(slot->id, record->id, sizeof(slot->id));
    memcpy(slot->hmac, record->hmac, 32);
    memcpy(slot->hmac_key_id, record->hmac_key_id, sizeof(slot->hmac_key_id));
    slot->enabled = record->enabled;
    slot->expires_at = sts_service_token_expiry(call->service, record->creation_time, record->expiration_time);
    slot->created_at = record->creation_time;
    slot->domain = record->user.domain;
    slot->auth_id = sts_strdup(record->user.auth_id);
    slot->name = sts_strdup(record->user.name);
    slot->cached_at_ns = sts_time_monotonic_ns();
    slot->last_written = record->last_used_time;
    grant_roles(auth, slot, record);
}

static void fill_principal(sts_call_t *call, const slot_t *slot)
{
    sts_principal_t *p = &call->principal;
    p->authenticated = 1;
    p->domain = slot->domain;
    p->auth_id = sts_arena_strdup(&call->arena, slot->auth_id);
    p->name = sts_arena_strdup(&call->arena, slot->name);
    const char **roles = sts_arena_alloc(&call->arena, (slot->role_count + 1) * sizeof(char *));
    for (size_t i = 0; i < slot->role_count; i++)
        roles[i] = sts_arena_strdup(&call->arena, slot->roles[i]);
    p->roles = roles;
    p->role_count = slot->role_count;
}

/* What introspection learns of a token that stands: its slot's identity, roles and times. */
static void fill_facts(sts_call_t *call, const slot_t *slot, sts_token_facts_t *facts)
{
    sts_arena_t *arena = &call->arena;
    *facts =
        (sts_token_facts_t){.token_type = "Bearer",
                            .subject = sts_arena_strdup(arena, slot->auth_id[0] != '\0' ? slot->auth_id : slot->name),
                            .username = sts_arena_strdup(arena, slot->name),
                            .client_id = "",
                            .issuer = "",
                            .audience = "",
                            .jti = sts_arena_strdup(arena, slot->id),
                            .session_id = "",
                            .scope = "",
                            .issued_at_s = slot->created_at / 1000000,
                            .expires_at_s = slot->expires_at / 1000000};
    const char **roles = sts_arena_alloc(arena, (slot->role_count + 1) * sizeof(char *));
    for (size_t i = 0; i < slot->role_count; i++)
        roles[i] = sts_arena_strdup(arena, slot->roles[i]);
    facts->roles = roles;
    facts->role_count = slot->role_count;
}

/* The token as presented, for the HMAC check; facts is set when it is introspected rather than authenticating. */
typedef struct {
    const char *text;
    size_t len;
    sts_token_facts_t *facts;
} presented_t;

/* Judges a token from what was read about it; fills the principal (or facts) when it passes. Runs outside the lock, on
 * a slot of the caller's own (a snapshot or a fresh read): the HMAC is most of a hit's time, and under the one lock it
 * made every thread wait for the others'. */
static sts_status_t judge(const sts_access_token_authenticator_t *auth, sts_call_t *call, const slot_t *slot,
                          const presented_t *token)
{
    if (!auth->hmac_matches(auth->hmac_data, slot->hmac_key_id, token->text, token->len, slot->hmac))
        return sts_call_fail(call, STS_STATUS_UNAUTHENTICATED, "unknown access token");
    if (!slot->enabled)
        return sts_call_fail(call, STS_STATUS_UNAUTHENTICATED, "access token %s is disabled", slot->id);
    int64_t now = sts_time_now();
    if (now >= slot->expires_at) {
        char when[STS_TIME_ISO_MAX];
        sts_time_format_rfc3339(slot->expires_at, 0, when, sizeof(when));
        return sts_call_fail(call, STS_STATUS_UNAUTHENTICATED, "access token %s expired at %s", slot->id, when);
    }
    if (token->facts != NULL) {
        fill_facts(call, slot, token->facts);
        return STS_STATUS_OK;
    }
    fill_principal(call, slot);
    return STS_STATUS_OK;
}

/* Notes a use that passed, for the flusher; the slot may have been taken by another token meanwhile. */
static void mark_used(sts_access_token_authenticator_t *auth, const char *id)
{
    int64_t now = sts_time_now();
    pthread_mutex_lock(&auth->lock);
    slot_t *slot = slot_for(auth, id);
    if (strcmp(slot->id, id) == 0)
        slot->last_used = now;
    pthread_mutex_unlock(&auth->lock);
}

/* A copy of a cached slot whose strings live in the call's arena, so it can be judged after the lock is let go. */
static void snapshot(sts_call_t *call, const slot_t *slot, slot_t *copy)
{
    *copy = *slot;
    copy->auth_id = sts_arena_strdup(&call->arena, slot->auth_id);
    copy->name = sts_arena_strdup(&call->arena, slot->name);
    copy->roles = sts_arena_alloc(&call->arena, (slot->role_count + 1) * sizeof(char *));
    for (size_t i = 0; i < slot->role_count; i++)
        copy->roles[i] = slot->roles[i]; /* the role strings belong to the rules */
}

/* From the caches alone: 1 when they decided (status set), 0 when the store must be read. */
static int from_cache(sts_access_token_authenticator_t *auth, sts_call_t *call, const char *id,
                      const presented_t *token, sts_status_t *status, uint64_t *generation)
{
    int64_t now_ns = sts_time_monotonic_ns();
    slot_t copy;
    pthread_mutex_lock(&auth->lock);
    *generation = auth->generation;
    const slot_t *slot = slot_for(auth, id);
    const unknown_t *unknown = unknown_for(auth, id);
    int hit = strcmp(slot->id, id) == 0 && now_ns - slot->cached_at_ns < auth->cache_ttl_ns;
    int known_unknown = !hit && strcmp(unknown->id, id) == 0 && now_ns < unknown->until_ns;
    if (hit)
        snapshot(call, slot, &copy);
    pthread_mutex_unlock(&auth->lock);
    if (!hit && !known_unknown)
        return 0;
    sts_metrics_count_auth_cache(STS_AUTH_CACHE_ACCESS_TOKEN, 1);
    if (known_unknown) {
        *status = sts_call_fail(call, STS_STATUS_UNAUTHENTICATED, "unknown access token");
        return 1;
    }
    *status = judge(auth, call, &copy, token);
    if (*status == STS_STATUS_OK && token->facts == NULL)
        mark_used(auth, id);
    return 1;
}

static sts_status_t check_token(sts_access_token_authenticator_t *auth, sts_call_t *call, const char *token, size_t len,
                                sts_token_facts_t *facts)
{
    char id[STS_ACCESS_TOKEN_ID_CHARS + 1];
    if (sts_access_token_parse(token, len, id) != 0)
        return sts_call_fail(call, STS_STATUS_UNAUTHENTICATED, "malformed access token");
    const presented_t presented = {token, len, facts};
    sts_status_t status;
    uint64_t generation;
    if (from_cache(auth, call, id, &presented, &status, &generation))
        return status;
    if (facts == NULL && call->runs_on == STS_WORK_INLINE && call->service->pools[STS_WORK_LOOKUP] != NULL) {
        call->wants = STS_WORK_LOOKUP; /* the store may block: not on an event-loop or completion-queue thread */
        return STS_STATUS_OK;
    }
    sts_metrics_count_auth_cache(STS_AUTH_CACHE_ACCESS_TOKEN, 0);
    sts_token_record_t record;
    char error[512] = "";
    sts_store_result_t result = auth->store->get(auth->store, id, &call->arena, &record, error, sizeof(error));
    if (result != STS_STORE_OK && result != STS_STORE_NOT_FOUND)
        return sts_call_fail(call, STS_STATUS_UNAVAILABLE, "cannot check the access token: %s", error);
    slot_t fresh = {0};
    if (result == STS_STORE_OK) {
        fill_slot(auth, call, &fresh, &record);
        status = judge(auth, call, &fresh, &presented);
        if (status == STS_STATUS_OK && facts == NULL)
            fresh.last_used = sts_time_now();
    } else {
        status = sts_call_fail(call, STS_STATUS_UNAUTHENTICATED, "unknown access token");
    }
    pthread_mutex_lock(&auth->lock);
    /* An invalidation since from_cache means what was read may be stale: use it for this call, never cache it. */
    if (generation != auth->generation) {
        clear_slot(&fresh);
    } else if (result == STS_STORE_NOT_FOUND) {
        unknown_t *unknown = unknown_for(auth, id);
        memcpy(unknown->id, id, sizeof(unknown->id));
        unknown->until_ns = sts_time_monotonic_ns() + auth->unknown_ttl_ns;
    } else {
        slot_t *slot = slot_for(auth, id);
        clear_slot(slot); /* a colliding token gives way; it is read again when next used */
        *slot = fresh;
    }
    pthread_mutex_unlock(&auth->lock);
    return status;
}

sts_status_t sts_access_token_authenticate(sts_access_token_authenticator_t *auth, sts_call_t *call, const char *token,
                                           size_t len)
{
    return check_token(auth, call, token, len, NULL);
}

sts_status_t sts_access_token_inspect(sts_access_token_authenticator_t *auth, sts_call_t *call, const char *token,
                                      size_t len, sts_token_facts_t *facts)
{
    return check_token(auth, call, token, len, facts);
}

void sts_access_token_forget(void *data, const char *id)
{
    sts_access_token_authenticator_t *auth = data;
    pthread_mutex_lock(&auth->lock);
    auth->generation++;
    slot_t *slot = slot_for(auth, id);
    if (strcmp(slot->id, id) == 0)
        clear_slot(slot);
    unknown_t *unknown = unknown_for(auth, id);
    if (strcmp(unknown->id, id) == 0)
        memset(unknown, 0, sizeof(*unknown));
    pthread_mutex_unlock(&auth->lock);
}

void sts_access_token_forget_all(sts_access_token_authenticator_t *auth)
{
    pthread_mutex_lock(&auth->lock);
    auth->generation++;
    /* Stale rather than cleared: a slot keeps its pending last-use time for the flush. */
    for (size_t i = 0; i < STS_ACCESS_TOKEN_CACHE_SLOTS; i++)
        auth->slots[i].cached_at_ns = INT64_MIN / 2;
    memset(auth->unknown, 0, sizeof(auth->unknown));
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

sts_access_token_authenticator_t *sts_access_token_authenticator_create(const sts_access_token_settings_t *settings)
{
    sts_access_token_authenticator_t *auth = calloc(1, sizeof(*auth));
    if (auth == NULL)
        sts_log_fatal("out of memory");
    auth->store = settings->store;
    auth->hmac_matches = settings->hmac_matches;
    auth->hmac_data = settings->hmac_data;
    auth->rules = settings->rules;
    auth->rule_count = settings->rule_count;
    auth->cache_ttl_ns =
        (settings->cache_ttl_ms > 0 ? settings->cache_ttl_ms : STS_ACCESS_TOKEN_CACHE_TTL_MS) * 1000000LL;
    auth->unknown_ttl_ns =
        (settings->unknown_ttl_ms > 0 ? settings->unknown_ttl_ms : STS_ACCESS_TOKEN_UNKNOWN_TTL_MS) * 1000000LL;
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
    pthread_mutex_destroy(&auth->lock);
    free(auth);
}
