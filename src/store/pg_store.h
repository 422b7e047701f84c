/* The PostgreSQL store: state shared by any number of stsd replicas, through libpq. */
#ifndef STS_STORE_PG_STORE_H
#define STS_STORE_PG_STORE_H
#include <stddef.h>
#include "store/store.h"

/** The schema version this build writes (the PostgreSQL store numbers its migrations on its own). */
#define STS_PG_SCHEMA_VERSION 2

/** How stsd reaches PostgreSQL. */
typedef struct {
    /** A libpq connection URI, "postgres://user@host:port/db?sslmode=verify-full"; sslmode and the rest honoured. */
    const char *url;
    /** The password, or NULL to use the URL's or libpq's own (~/.pgpass, PGPASSWORD). Never logged. */
    const char *password;
    /** Longest a statement may run before the server cancels it (statement_timeout); 0: 5000 ms. */
    int statement_timeout_ms;
    /** Longest a connection attempt may take (libpq's connect_timeout, in whole seconds, at least 2); 0: 5000 ms. */
    int connect_timeout_ms;
} sts_pg_settings_t;

/**
 * Connects (checking the server answers), applies pending migrations under an advisory lock (replicas starting
 * at once apply each exactly once) and returns the store. Each thread that calls the store borrows a connection of
 * its own; a broken one is dropped and a new one made, with a backoff after a failed attempt (100 ms doubling to
 * 5 s) during which calls fail at once. Returns NULL with a message in error (never holding the password).
 */
sts_store_t *sts_pg_store_open(const sts_pg_settings_t *settings, char *error, size_t error_size);

/** Writes url with any password in it replaced by "***" into out (for logs and error messages). */
void sts_pg_url_redact(const char *url, char *out, size_t out_size);

#endif
