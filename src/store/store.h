/* Durable state behind one interface: access-token records. SQLite is the embedded implementation. */
#ifndef STS_STORE_STORE_H
#define STS_STORE_STORE_H
#include <stddef.h>
#include <stdint.h>
#include "util/arena.h"

/** Length of an access token id (lower-case hex of 16 random bytes). */
#define STS_TOKEN_ID_CHARS 32

/** The identity a token belongs to (Qumulo's shape); strings are never NULL. */
typedef struct {
    int domain; /**< sts.v1.IdentityDomain */
    const char *auth_id;
    int has_uid, has_gid;
    int64_t uid, gid;
    const char *sid;
    const char *name;
} sts_store_identity_t;

/** One stored access token. Times are microseconds since the epoch; 0 means none or never. */
typedef struct {
    char id[STS_TOKEN_ID_CHARS + 1];
    sts_store_identity_t user;
    /** Who created it (uid, gid and sid unused). */
    sts_store_identity_t creator;
    /**
     * The most roles the token may ever carry: its creator's roles when it was created, comma-separated. NULL: no
     * limit (tokens stsd itself made, and those made when callers were not authenticated).
     */
    const char *role_ceiling;
    int64_t creation_time;
    int64_t expiration_time;
    int64_t last_used_time;
    int enabled;
    uint8_t hmac[32]; /**< HMAC-SHA256 of the bearer token under the server key; the token itself is never stored */
} sts_token_record_t;

/** Outcomes of store calls. */
typedef enum {
    STS_STORE_OK,
    STS_STORE_NOT_FOUND,
    STS_STORE_LIMIT, /**< the per-user cap was reached */
    STS_STORE_ERROR, /**< the database failed; the message says how */
} sts_store_result_t;

typedef struct sts_store_s sts_store_t;

/** Which tokens a listing returns: all (both NULL), one whole identity, or every identity with a name or auth_id. */
typedef struct {
    const sts_store_identity_t *owner; /**< exactly this identity (domain, auth_id, name) */
    const char *name_or_auth_id;       /**< any identity whose name or auth_id equals it (admins' search) */
} sts_store_filter_t;

/**
 * A store. Every function may block on disk and must run on a worker thread; all are thread-safe. Records handed
 * out have their strings in the caller's arena. error (when given) receives a message without secrets.
 */
struct sts_store_s {
    /**
     * Inserts record unless its user (the whole identity: domain, auth_id and name) already holds max_per_user
     * tokens, checked in the same transaction.
     */
    sts_store_result_t (*create)(sts_store_t *self, const sts_token_record_t *record, int max_per_user, char *error,
                                 size_t error_size);
    sts_store_result_t (*get)(sts_store_t *self, const char *id, sts_arena_t *arena, sts_token_record_t *out,
                              char *error, size_t error_size);
    /**
     * Up to limit records with id > after ("" for the start), in id order (keyset paging), filtered by filter.
     * *more says whether another page exists.
     */
    sts_store_result_t (*list)(sts_store_t *self, const sts_store_filter_t *filter, const char *after, int limit,
                               sts_arena_t *arena, sts_token_record_t **out, size_t *count, int *more, char *error,
                               size_t error_size);
    /** Sets enabled and/or expiration_time (NULL leaves it alone); the new record is written to out. */
    sts_store_result_t (*update)(sts_store_t *self, const char *id, const int *enabled, const int64_t *expiration_time,
                                 sts_arena_t *arena, sts_token_record_t *out, char *error, size_t error_size);
    sts_store_result_t (*remove)(sts_store_t *self, const char *id, char *error, size_t error_size);
    /** Records the last use of a token (best effort, for metadata only). */
    sts_store_result_t (*touch)(sts_store_t *self, const char *id, int64_t last_used_time);
    /** Number of tokens stored, or -1 on error. */
    long long (*count)(sts_store_t *self);
    void (*destroy)(sts_store_t *self);
};

#endif
