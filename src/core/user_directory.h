/*
 * A source of users outside the store (an LDAP directory): it checks a username and password and says which roles
 * the user has. Core knows only this interface; src/directory/ implements it, so core never sees ldap.h.
 */
#ifndef STS_CORE_USER_DIRECTORY_H
#define STS_CORE_USER_DIRECTORY_H
#include <stddef.h>
#include "util/arena.h"

typedef enum {
    STS_DIRECTORY_OK,             /**< the password is right; out is filled */
    STS_DIRECTORY_UNKNOWN_USER,   /**< the directory has no such user (or more than one match) */
    STS_DIRECTORY_WRONG_PASSWORD, /**< the user exists and the password is wrong or empty */
    STS_DIRECTORY_UNAVAILABLE,    /**< the directory could not answer: unreachable, TLS failed, timed out */
} sts_directory_result_t;

/** What a directory says about a user it authenticated; strings live in the arena given to authenticate. */
typedef struct {
    /**
     * The user's name as the directory spells it (its username attribute), which may differ from what was typed
     * (case, or another of its values): the one name sts knows the entry by. Set on OK, and on WRONG_PASSWORD when
     * the directory found the entry; NULL otherwise.
     */
    const char *username;
    const char *dn;           /**< the user's entry (for logs) */
    const char *const *roles; /**< the sts roles the user's groups map to, without duplicates */
    size_t role_count;
} sts_directory_user_t;

typedef struct sts_user_directory_s sts_user_directory_t;

/** A user source, made by its module (sts_ldap_directory_create) and owned by whoever made it. */
struct sts_user_directory_s {
    /** For messages and logs, e.g. the directory's URL; never holds a secret. */
    const char *name;
    /**
     * Checks username and password. An empty password is WRONG_PASSWORD without asking the directory (an LDAP
     * "unauthenticated bind" would succeed). On OK *out is filled (arena). On UNAVAILABLE error says why, naming
     * the directory; error never contains the password or any service credential. Blocks on the network (within
     * the directory's timeouts): call it on a worker thread. Thread-safe.
     */
    sts_directory_result_t (*authenticate)(sts_user_directory_t *self, const char *username, const char *password,
                                           sts_arena_t *arena, sts_directory_user_t *out, char *error,
                                           size_t error_size);
    /** Frees the directory (and wipes its secrets). Not while a call may still use it. */
    void (*destroy)(sts_user_directory_t *self);
};

/** One place logins look users up in, in the order of user_sources. */
typedef struct {
    const char *name;                /**< "local" or "ldap" */
    sts_user_directory_t *directory; /**< NULL: the store's own users (with their password hashes) */
} sts_user_source_t;

/** The most user sources a service has (local and ldap). */
#define STS_USER_SOURCES_MAX 4

/** The source name of shadow users: store records of users the directory authenticates, with no password hash. */
#define STS_USER_SOURCE_LDAP "ldap"

#endif
