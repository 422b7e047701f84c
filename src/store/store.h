/*
 * Durable state behind one interface: access-token records, login users, registered clients, signing keys and
 * refresh tokens. SQLite is the embedded implementation.
 */
#ifndef STS_STORE_STORE_H
#define STS_STORE_STORE_H
#include <stddef.h>
#include <stdint.h>
#include "util/arena.h"

/** Length of an access token id (lower-case hex of 16 random bytes). */
#define STS_TOKEN_ID_CHARS 32

/** Longest key id the store keeps in a record that names its key. */
#define STS_STORE_KEY_ID_MAX 64

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
    /** The id of the key (purpose "token-hmac") hmac was made with; "" for tokens from before key rings. */
    char hmac_key_id[STS_STORE_KEY_ID_MAX + 1];
} sts_token_record_t;

/** Outcomes of store calls. */
typedef enum {
    STS_STORE_OK,
    STS_STORE_NOT_FOUND,
    STS_STORE_LIMIT,    /**< the per-user cap was reached */
    STS_STORE_ERROR,    /**< the database failed; the message says how */
    STS_STORE_EXISTS,   /**< a user or client with that name already exists */
    STS_STORE_REPLAYED, /**< refresh: already used, within the reuse grace; nothing changed */
    STS_STORE_REUSED,   /**< refresh: already used, past the grace; the whole family is now revoked */
} sts_store_result_t;

/** Length of user, refresh-token and family ids (lower-case hex of 16 random bytes), like access-token ids. */
#define STS_STORE_ID_CHARS 32

/** One login user. Times are microseconds since the epoch. */
typedef struct {
    char id[STS_STORE_ID_CHARS + 1]; /**< stable: never changes, never reused */
    const char *username;            /**< unique */
    const char *password_hash;       /**< PHC string ($argon2id$…) */
    const char *roles;               /**< comma-separated, "" for none */
    int enabled;
    int64_t created_time;
    int64_t updated_time;
    /** Access JWTs issued to the user before this time are void (set on disable, password change, delete). */
    int64_t tokens_not_before;
    /**
     * Where the user comes from: "" (or NULL when writing) for the store's own users, who have a password hash; a
     * source name such as "ldap" for a shadow user, the record of a directory user made at their first login, whose
     * password only the directory checks (password_hash is ""). Set at creation, never changed.
     */
    const char *source;
} sts_user_record_t;

/** A deleted user: its id and when it was deleted (microseconds since the epoch). */
typedef struct {
    char id[STS_STORE_ID_CHARS + 1];
    int64_t removed_time;
} sts_user_removal_t;

/** What a user update changes; NULL members are left alone. */
typedef struct {
    const char *password_hash;
    const char *roles;
    const int *enabled;
    /**
     * Nonzero: in the same transaction, set tokens_not_before to now and revoke every refresh family of the user
     * (a password change, a disable). tokens_not_before never moves backwards (a clock stepping back must not
     * revive revoked tokens).
     */
    int revoke_sessions;
    int64_t now; /**< the update time */
} sts_user_change_t;

/** One registered client (a program that asks for tokens: XCO, a CLI). */
typedef struct {
    const char *client_id; /**< unique */
    const char *display_name;
    const char *allowed_roles; /**< comma-separated, "" for none */
    int64_t max_lifetime_seconds;
    int enabled;
    int64_t created_time;
    int64_t updated_time;
    /** Confidential clients: HMAC-SHA256 of their secret (256 random bits, shown once); public ones have none. */
    int has_secret;
    uint8_t secret_hmac[32];
    /** The OAuth 2.0 grants the client may use, comma-separated (public clients: "password,refresh_token"). */
    const char *grants;
} sts_client_record_t;

/** What a client update changes; NULL members are left alone. */
typedef struct {
    const char *display_name;
    const char *allowed_roles;
    const int64_t *max_lifetime_seconds;
    const int *enabled;
    int64_t now;
} sts_client_change_t;

/** The purposes of the service's own keys (sts_key_record_t.purpose). */
#define STS_KEY_PURPOSE_JWS          "jws"
#define STS_KEY_PURPOSE_SESSION_SEAL "session-seal"
#define STS_KEY_PURPOSE_TOKEN_HMAC   "token-hmac"
#define STS_KEY_PURPOSE_REFRESH_HMAC "refresh-hmac"

/**
 * One of the service's own keys. Each purpose is a ring of its own: "jws" signs tokens (kid: the RFC 7638
 * thumbprint), "session-seal" seals the local issuer's session tokens, "token-hmac" hashes access tokens,
 * "refresh-hmac" hashes and derives refresh tokens (one key, never rotated: refresh tokens live days, not months).
 */
typedef struct {
    const char *kid;
    const char *purpose;
    const char *algorithm; /**< ES256, EdDSA, RS256 for jws; A256 for the symmetric ones */
    /** The key (private or secret) sealed with AES-256-GCM under the key-encryption key; opaque to the store. */
    const uint8_t *sealed_private;
    size_t sealed_private_len;
    int64_t created_time;
    int64_t retired_time; /**< 0: the active key (at most one) */
    /** Once retired: when the last token it signed expires; the key may be deleted after it. 0 while active. */
    int64_t verify_until;
} sts_key_record_t;

/** One refresh token; the token itself is never stored, only its HMAC. */
typedef struct {
    char id[STS_STORE_ID_CHARS + 1];
    char family_id[STS_STORE_ID_CHARS + 1]; /**< the login it descends from */
    char user_id[STS_STORE_ID_CHARS + 1];
    const char *client_id;  /**< "" when no client was named */
    const char *session_id; /**< the login session ("sid" in the access tokens) */
    uint8_t hmac[32];
    int64_t created_time;
    int64_t expires_time;        /**< this token's own lifetime */
    int64_t family_expires_time; /**< the family's absolute lifetime */
    int64_t used_time;           /**< 0: not used yet */
    int revoked;                 /**< the family was revoked (logout, reuse, user change) */
} sts_refresh_record_t;

/** A revoked access JWT (RFC 7009): its jti, kept until the token would have expired anyway. */
typedef struct {
    const char *jti;
    int64_t expires_time; /**< the token's exp, microseconds since the epoch */
} sts_denied_token_t;

typedef struct sts_store_s sts_store_t;

/** What another process sharing the store changed (sts_store_t.watch): what caches of it must drop. */
typedef enum {
    STS_STORE_CHANGED_ACCESS_TOKEN,  /**< one access token (key: its id) was changed or deleted */
    STS_STORE_CHANGED_USERS,         /**< a user was disabled, changed or deleted */
    STS_STORE_CHANGED_CLIENTS,       /**< a client was changed or deleted */
    STS_STORE_CHANGED_DENIED_TOKENS, /**< an access JWT was revoked */
    STS_STORE_CHANGED_KEYS,          /**< a key ring was rotated */
    STS_STORE_CHANGED_EVERYTHING,    /**< changes may have been missed (the watch lost its connection): drop all */
} sts_store_change_t;

/** Called for a change; key is the access token's id for STS_STORE_CHANGED_ACCESS_TOKEN, else NULL. */
typedef void (*sts_store_watch_fn)(void *arg, sts_store_change_t change, const char *key);

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

    /* Users. Strings of records handed out live in the caller's arena. */

    /** Inserts a user; STS_STORE_EXISTS when the username is taken. */
    sts_store_result_t (*user_create)(sts_store_t *self, const sts_user_record_t *record, char *error,
                                      size_t error_size);
    /** Finds a user by id (username NULL) or by username (id NULL). */
    sts_store_result_t (*user_get)(sts_store_t *self, const char *id, const char *username, sts_arena_t *arena,
                                   sts_user_record_t *out, char *error, size_t error_size);
    /** Up to limit users with username > after ("" for the start), in username order; *more as for list. */
    sts_store_result_t (*user_list)(sts_store_t *self, const char *after, int limit, sts_arena_t *arena,
                                    sts_user_record_t **out, size_t *count, int *more, char *error, size_t error_size);
    /** Applies change to the user with this id; the new record is written to out (when not NULL). */
    sts_store_result_t (*user_update)(sts_store_t *self, const char *id, const sts_user_change_t *change,
                                      sts_arena_t *arena, sts_user_record_t *out, char *error, size_t error_size);
    /**
     * Deletes the user and every refresh token of theirs and, in the same transaction, records the deletion at now
     * (see user_removals): the access tokens issued to them must stay void after a restart, when nothing else
     * remembers the user. The records are kept (one small row per deleted user).
     */
    sts_store_result_t (*user_remove)(sts_store_t *self, const char *id, int64_t now, char *error, size_t error_size);
    /** Up to limit recorded deletions with id > after ("" for the start), in id order; *more as for list. */
    sts_store_result_t (*user_removals)(sts_store_t *self, const char *after, int limit, sts_arena_t *arena,
                                        sts_user_removal_t **out, size_t *count, int *more, char *error,
                                        size_t error_size);

    /* Registered clients. */

    /** Inserts a client; STS_STORE_EXISTS when the client id is taken. */
    sts_store_result_t (*client_create)(sts_store_t *self, const sts_client_record_t *record, char *error,
                                        size_t error_size);
    sts_store_result_t (*client_get)(sts_store_t *self, const char *client_id, sts_arena_t *arena,
                                     sts_client_record_t *out, char *error, size_t error_size);
    /** Up to limit clients with client_id > after, in client_id order; *more as for list. */
    sts_store_result_t (*client_list)(sts_store_t *self, const char *after, int limit, sts_arena_t *arena,
                                      sts_client_record_t **out, size_t *count, int *more, char *error,
                                      size_t error_size);
    sts_store_result_t (*client_update)(sts_store_t *self, const char *client_id, const sts_client_change_t *change,
                                        sts_arena_t *arena, sts_client_record_t *out, char *error, size_t error_size);
    sts_store_result_t (*client_remove)(sts_store_t *self, const char *client_id, char *error, size_t error_size);

    /* Signing keys. */

    /**
     * Adds key as the active key of its purpose and, in the same transaction, retires the key of that purpose that
     * was active (retired_time = the new key's created_time, verify_until = that plus verify_for_us). key's
     * retired_time and verify_until are ignored (stored as 0). STS_STORE_EXISTS when a key with that kid is stored;
     * nothing changes then.
     */
    sts_store_result_t (*key_add)(sts_store_t *self, const sts_key_record_t *key, int64_t verify_for_us, char *error,
                                  size_t error_size);
    /** Every key of purpose whose verify_until is 0 or later than now, newest first. */
    sts_store_result_t (*key_list)(sts_store_t *self, const char *purpose, int64_t now, sts_arena_t *arena,
                                   sts_key_record_t **out, size_t *count, char *error, size_t error_size);
    /** Deletes retired keys whose verify_until has passed. */
    sts_store_result_t (*key_prune)(sts_store_t *self, int64_t now, char *error, size_t error_size);

    /* Refresh tokens. */

    /** Inserts the first refresh token of a new family (a login). */
    sts_store_result_t (*refresh_create)(sts_store_t *self, const sts_refresh_record_t *record, char *error,
                                         size_t error_size);
    /**
     * The atomic rotation step, in one transaction. Finds the token with this id and hmac, not revoked, not expired
     * at now (its own and its family's lifetime), whose user exists and is enabled; else STS_STORE_NOT_FOUND.
     * - Not used yet: marks it used at now, inserts next (same family), returns OK.
     * - Used at most grace_us ago: changes nothing, returns STS_STORE_REPLAYED.
     * - Used longer ago: revokes the whole family, returns STS_STORE_REUSED.
     * In every case but NOT_FOUND the presented token's record is written to old (strings in arena), so the caller
     * can log the user and family. Two rotations of the same token at once: exactly one gets OK.
     * next supplies id, hmac, created_time and expires_time; the rest (family, user, client, session, the family's
     * lifetime) is copied from the presented token, which the caller cannot know before this call. A grace_us of 0
     * turns the grace off: a second use is always STS_STORE_REUSED.
     */
    sts_store_result_t (*refresh_rotate)(sts_store_t *self, const char *id, const uint8_t hmac[32], int64_t now,
                                         int64_t grace_us, const sts_refresh_record_t *next, sts_arena_t *arena,
                                         sts_refresh_record_t *old, char *error, size_t error_size);
    /** Revokes the family of the token with this id and hmac (logout); NOT_FOUND when none matches. */
    sts_store_result_t (*refresh_revoke)(sts_store_t *self, const char *id, const uint8_t hmac[32], char *error,
                                         size_t error_size);
    /**
     * Finds the refresh token with this id and hmac. With now: only a live one (not revoked, neither lifetime over,
     * not yet used, its user enabled), for introspection. Without: in any state. NOT_FOUND otherwise.
     */
    sts_store_result_t (*refresh_find)(sts_store_t *self, const char *id, const uint8_t hmac[32], const int64_t *now,
                                       sts_arena_t *arena, sts_refresh_record_t *out, char *error, size_t error_size);
    /**
     * Housekeeping: deletes refresh tokens whose own or family lifetime ended more than a day before now. They are
     * already useless (refresh_rotate finds no expired token); the day keeps them for inspection a little longer and
     * tolerates replicas whose clocks differ.
     */
    sts_store_result_t (*refresh_prune)(sts_store_t *self, int64_t now, char *error, size_t error_size);

    /* Revoked access JWTs (a deny list by jti). */

    /** Adds a revoked token; adding a jti again keeps the later expiry. */
    sts_store_result_t (*token_deny)(sts_store_t *self, const sts_denied_token_t *token, char *error,
                                     size_t error_size);
    /** Up to limit denied tokens with jti > after ("" for the start), in jti order; *more as for list. */
    sts_store_result_t (*denied_tokens)(sts_store_t *self, const char *after, int limit, sts_arena_t *arena,
                                        sts_denied_token_t **out, size_t *count, int *more, char *error,
                                        size_t error_size);
    /** Housekeeping: forgets denied tokens that expired before now (they fail on their exp alone). */
    sts_store_result_t (*denied_tokens_prune)(sts_store_t *self, int64_t now, char *error, size_t error_size);
    /*
     * Login-failure counters that every process sharing the store sees (the login throttle's); NULL members in a store
     * one process owns, whose throttle keeps them in memory. key is opaque here: the caller hashes it.
     */

    /** Adds a failure of key at now_ms, atomically; *failures receives the failures in a row, this one included. */
    sts_store_result_t (*login_failure_add)(sts_store_t *self, const char *key, int64_t now_ms, int *failures,
                                            char *error, size_t error_size);
    /** The failures in a row of key and the time of the last; NOT_FOUND (with 0 and 0) when it has none. */
    sts_store_result_t (*login_failure_get)(sts_store_t *self, const char *key, int *failures, int64_t *last_ms,
                                            char *error, size_t error_size);
    /** Forgets key's failures (OK whether or not it had some). */
    sts_store_result_t (*login_failure_clear)(sts_store_t *self, const char *key, char *error, size_t error_size);
    /** Housekeeping: forgets the counters whose last failure is before before_ms. */
    sts_store_result_t (*login_failure_prune)(sts_store_t *self, int64_t before_ms, char *error, size_t error_size);

    /**
     * Optional (NULL for a store one process owns): from a thread of the store's own, calls fn(arg, …) for every
     * change that any process sharing the store makes (this one's included), within about a second of its commit,
     * until unwatch. Changes other than ACCESS_TOKEN come at most once per batch of notifications. After a lost
     * connection the watch reconnects (with backoff) and reports EVERYTHING. Call at most once.
     * Returns 0, or -1 with a message.
     */
    int (*watch)(sts_store_t *self, sts_store_watch_fn fn, void *arg, char *error, size_t error_size);
    /** Stops the watch and joins its thread: fn is not called after it returns. Safe without a watch. */
    void (*unwatch)(sts_store_t *self);
    void (*destroy)(sts_store_t *self);
};

#endif
