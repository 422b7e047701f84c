#include "auth/jwt_authenticator.h"
#include <openssl/crypto.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include "core/metrics.h"
#include "crypto/aead.h"
#include "sts/v1/access_tokens.pb-c.h"
#include "util/log.h"
#include "util/timefmt.h"

typedef struct {
    unsigned char hash[32];
    int used;
    uint64_t generation; /* of the key set that verified it: another set must verify it again */
    sts_jwt_identity_t identity;
} cache_entry_t;

struct sts_jwt_authenticator_s {
    uint64_t serial; /* unique for the process's life, unlike an address: names it in threads' memos */
    const sts_jwt_rules_t *rules;
    sts_jwks_source_t *source;
    sts_jwt_check_fn check;
    void *check_data;
    pthread_mutex_t cache_lock;
    cache_entry_t cache[STS_JWT_CACHE_ENTRIES];
};

sts_jwt_authenticator_t *sts_jwt_authenticator_create(const sts_jwt_rules_t *rules, sts_jwks_source_t *source)
{
    sts_jwt_authenticator_t *auth = calloc(1, sizeof(*auth));
    if (auth == NULL)
        sts_log_fatal("out of memory");
    static atomic_uint_fast64_t serials;
    auth->serial = atomic_fetch_add(&serials, 1) + 1;
    auth->rules = rules;
    auth->source = source;
    pthread_mutex_init(&auth->cache_lock, NULL);
    return auth;
}

void sts_jwt_authenticator_set_check(sts_jwt_authenticator_t *auth, sts_jwt_check_fn check, void *data)
{
    auth->check = check;
    auth->check_data = data;
}

/*
 * The answer for the last token header this thread asked about: a caller sends the same header (algorithm and kid)
 * with every token, and decoding and parsing it was a tenth of a JWT-authenticated request. A header is public, and
 * the answer is only reused while the key set is the same.
 */
static _Thread_local struct {
    uint64_t serial;
    uint64_t generation;
    size_t len;
    char header[256];
    int has_key;
} last_header;

int sts_jwt_authenticator_has_key_for(sts_jwt_authenticator_t *auth, const char *token, size_t len)
{
    const char *dot = memchr(token, '.', len);
    size_t header_len = dot != NULL ? (size_t)(dot - token) : 0;
    uint64_t generation = sts_jwks_source_generation(auth->source);
    if (header_len > 0 && last_header.serial == auth->serial && last_header.generation == generation &&
        last_header.len == header_len && memcmp(last_header.header, token, header_len) == 0)
        return last_header.has_key;
    char kid[128];
    int has_key = sts_jwt_peek_kid(token, len, kid, sizeof(kid)) == 0 && sts_jwks_source_has_kid(auth->source, kid);
    if (header_len > 0 && header_len <= sizeof(last_header.header)) {
        last_header.serial = auth->serial;
        last_header.generation = generation;
        last_header.len = header_len;
        memcpy(last_header.header, token, header_len);
        last_header.has_key = has_key;
    }
    return has_key;
}

void sts_jwt_authenticator_destroy(sts_jwt_authenticator_t *auth)
{
    for (size_t i = 0; i < STS_JWT_CACHE_ENTRIES; i++)
        sts_jwt_identity_dispose(&auth->cache[i].identity);
    pthread_mutex_destroy(&auth->cache_lock);
    free(auth);
}

/* JWT callers live in a namespace of their own: (JWT, "<iss>#<sub>", name) never equals a LOCAL user's identity. */
static void fill_principal(sts_call_t *call, const sts_jwt_identity_t *identity)
{
    sts_principal_t *principal = &call->principal;
    principal->authenticated = 1;
    principal->domain = STS__V1__IDENTITY_DOMAIN__JWT;
    /* issuer#subject, joined by hand: this runs on every call a JWT authenticates. */
    size_t issuer_len = strlen(identity->issuer), subject_len = strlen(identity->subject);
    char *auth_id = sts_arena_alloc(&call->arena, issuer_len + subject_len + 2);
    memcpy(auth_id, identity->issuer, issuer_len);
    auth_id[issuer_len] = '#';
    memcpy(auth_id + issuer_len + 1, identity->subject, subject_len + 1);
    principal->auth_id = auth_id;
    principal->name = sts_arena_strdup(&call->arena, identity->username);
    const char **roles = sts_arena_alloc(&call->arena, (identity->role_count + 1) * sizeof(char *));
    for (size_t i = 0; i < identity->role_count; i++)
        roles[i] = sts_arena_strdup(&call->arena, identity->roles[i]);
    principal->roles = roles;
    principal->role_count = identity->role_count;
}

static cache_entry_t *slot_for(sts_jwt_authenticator_t *auth, const unsigned char hash[32])
{
    size_t index = ((size_t)hash[0] << 8 | hash[1]) % STS_JWT_CACHE_ENTRIES;
    return &auth->cache[index];
}

/* Copies what a verified token says into facts, in the call arena. */
static void fill_facts(sts_call_t *call, const sts_jwt_identity_t *identity, void *out)
{
    sts_token_facts_t *facts = out;
    sts_arena_t *arena = &call->arena;
    *facts = (sts_token_facts_t){.token_type = "Bearer",
                                 .subject = sts_arena_strdup(arena, identity->subject),
                                 .username = sts_arena_strdup(arena, identity->username),
                                 .client_id = sts_arena_strdup(arena, identity->client_id),
                                 .issuer = sts_arena_strdup(arena, identity->issuer),
                                 .audience = "",
                                 .jti = sts_arena_strdup(arena, identity->jti),
                                 .session_id = sts_arena_strdup(arena, identity->session_id),
                                 .scope = sts_arena_strdup(arena, identity->scope),
                                 .issued_at_s = identity->issued_at_ms / 1000,
                                 .expires_at_s = identity->expires_at};
    const char **roles = sts_arena_alloc(arena, (identity->role_count + 1) * sizeof(char *));
    for (size_t i = 0; i < identity->role_count; i++)
        roles[i] = sts_arena_strdup(arena, identity->roles[i]);
    facts->roles = roles;
    facts->role_count = identity->role_count;
}

static void use_principal(sts_call_t *call, const sts_jwt_identity_t *identity, void *out)
{
    (void)out;
    fill_principal(call, identity);
}

/* What a verified token is used for: the principal (authentication) or facts (introspection). */
typedef void (*use_fn)(sts_call_t *call, const sts_jwt_identity_t *identity, void *out);

static const char *run_check(const sts_jwt_authenticator_t *auth, const sts_jwt_identity_t *identity)
{
    return auth->check != NULL ? auth->check(auth->check_data, identity->subject, identity->client_id, identity->jti,
                                             identity->issued_at_ms)
                               : NULL;
}

/* Uses the cached identity; 0 on a hit, 1 on a hit the check refuses (*refused says why), -1 on a miss. */
static int from_cache(sts_jwt_authenticator_t *auth, sts_call_t *call, const unsigned char hash[32], long long now,
                      const char **refused, use_fn use, void *out)
{
    pthread_mutex_lock(&auth->cache_lock);
    cache_entry_t *entry = slot_for(auth, hash);
    int hit = entry->used && CRYPTO_memcmp(entry->hash, hash, 32) == 0 &&
              entry->generation == sts_jwks_source_generation(auth->source);
    if (hit && now > entry->identity.expires_at + auth->rules->leeway_seconds) {
        sts_jwt_identity_dispose(&entry->identity); /* the token expired: check it again, and fail */
        entry->used = 0;
        hit = 0;
    }
    if (hit)
        *refused = run_check(auth, &entry->identity);
    if (hit && *refused == NULL)
        use(call, &entry->identity, out);
    pthread_mutex_unlock(&auth->cache_lock);
    return !hit ? -1 : *refused != NULL;
}

static void remember(sts_jwt_authenticator_t *auth, const unsigned char hash[32], uint64_t generation,
                     sts_jwt_identity_t *identity)
{
    pthread_mutex_lock(&auth->cache_lock);
    cache_entry_t *entry = slot_for(auth, hash);
    sts_jwt_identity_dispose(&entry->identity);
    memcpy(entry->hash, hash, 32);
    entry->generation = generation;
    entry->identity = *identity; /* ownership moves into the cache */
    entry->used = 1;
    memset(identity, 0, sizeof(*identity));
    pthread_mutex_unlock(&auth->cache_lock);
}

static sts_status_t judge(sts_jwt_authenticator_t *auth, sts_call_t *call, const char *token, size_t len, use_fn use,
                          void *out)
{
    unsigned char hash[32];
    sts_sha256(token, len, hash);
    /* The clock the service's own tokens are minted with: time() may run a tick behind it (CLOCK_REALTIME_COARSE),
     * and a token must never look issued in the future to the process that just made it. */
    long long now = (long long)(sts_time_now() / 1000000);
    const char *refused = NULL;
    int cached = from_cache(auth, call, hash, now, &refused, use, out);
    sts_metrics_count_auth_cache(STS_AUTH_CACHE_JWT, cached >= 0);
    if (cached >= 0)
        return cached == 0 ? STS_STATUS_OK : sts_call_fail(call, STS_STATUS_UNAUTHENTICATED, "%s", refused);
    sts_jwt_identity_t identity;
    char why[256] = "no keys to verify it with";
    const sts_jwk_set_t *keys = sts_jwks_source_acquire(auth->source);
    uint64_t generation = sts_jwks_source_generation(auth->source); /* stable while the set is borrowed */
    sts_jwt_result_t result = keys != NULL
                                  ? sts_jwt_verify(keys, auth->rules, token, len, now, &identity, why, sizeof(why))
                                  : STS_JWT_UNKNOWN_KID;
    sts_jwks_source_release(auth->source);
    if (result == STS_JWT_UNKNOWN_KID)
        sts_jwks_source_request_refresh(auth->source);
    if (result != STS_JWT_OK)
        return sts_call_fail(call, STS_STATUS_UNAUTHENTICATED, "%s", why);
    if (identity.subject[0] == '\0') {
        sts_jwt_identity_dispose(&identity);
        return sts_call_fail(call, STS_STATUS_UNAUTHENTICATED, "the token has no sub claim to identify its caller");
    }
    refused = run_check(auth, &identity);
    if (refused != NULL) {
        sts_jwt_identity_dispose(&identity);
        return sts_call_fail(call, STS_STATUS_UNAUTHENTICATED, "%s", refused);
    }
    use(call, &identity, out);
    remember(auth, hash, generation, &identity);
    return STS_STATUS_OK;
}

sts_status_t sts_jwt_authenticate(sts_jwt_authenticator_t *auth, sts_call_t *call, const char *token, size_t len)
{
    return judge(auth, call, token, len, use_principal, NULL);
}

sts_status_t sts_jwt_authenticator_inspect(sts_jwt_authenticator_t *auth, sts_call_t *call, const char *token,
                                           size_t len, sts_token_facts_t *facts)
{
    return judge(auth, call, token, len, fill_facts, facts);
}
