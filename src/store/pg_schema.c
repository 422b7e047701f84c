/* The PostgreSQL store's schema: migrations applied in order under an advisory lock, the version kept in a table. */
#include <stdio.h>
#include <stdlib.h>
#include "store/pg_internal.h"

/*
 * Each entry moves the schema from version i to i + 1. Keys that are paged through compare byte for byte
 * (COLLATE "C"), as in SQLite, so page order never depends on the server's locale.
 */
static const char *const migrations[] = {
    "CREATE TABLE access_tokens ("
    " id TEXT COLLATE \"C\" PRIMARY KEY, user_domain INTEGER NOT NULL, user_auth_id TEXT NOT NULL,"
    " user_uid BIGINT, user_gid BIGINT, user_sid TEXT NOT NULL, user_name TEXT NOT NULL, creator TEXT NOT NULL,"
    " creation_time BIGINT NOT NULL, expiration_time BIGINT NOT NULL, last_used_time BIGINT NOT NULL,"
    " enabled INTEGER NOT NULL, hmac BYTEA NOT NULL, creator_domain INTEGER NOT NULL DEFAULT 0,"
    " creator_auth_id TEXT NOT NULL DEFAULT '', role_ceiling TEXT, hmac_key_id TEXT NOT NULL DEFAULT '');"
    "CREATE INDEX access_tokens_by_owner ON access_tokens(user_domain, user_auth_id, user_name, id);"
    "CREATE INDEX access_tokens_by_auth_id ON access_tokens(user_auth_id, id);"
    "CREATE INDEX access_tokens_by_name ON access_tokens(user_name, id);"
    "CREATE TABLE users ("
    " id TEXT COLLATE \"C\" PRIMARY KEY, username TEXT COLLATE \"C\" NOT NULL UNIQUE, password_hash TEXT NOT NULL,"
    " roles TEXT NOT NULL, enabled INTEGER NOT NULL, created_time BIGINT NOT NULL, updated_time BIGINT NOT NULL,"
    " tokens_not_before BIGINT NOT NULL, source TEXT NOT NULL DEFAULT '');"
    "CREATE TABLE clients ("
    " client_id TEXT COLLATE \"C\" PRIMARY KEY, display_name TEXT NOT NULL, allowed_roles TEXT NOT NULL,"
    " max_lifetime_seconds BIGINT NOT NULL, enabled INTEGER NOT NULL, created_time BIGINT NOT NULL,"
    " updated_time BIGINT NOT NULL, secret_hmac BYTEA, grants TEXT NOT NULL DEFAULT 'password,refresh_token');"
    "CREATE TABLE service_keys ("
    " kid TEXT PRIMARY KEY, purpose TEXT NOT NULL, algorithm TEXT NOT NULL, sealed_private BYTEA NOT NULL,"
    " created_time BIGINT NOT NULL, retired_time BIGINT NOT NULL, verify_until BIGINT NOT NULL);"
    /* At most one active key per purpose, whatever replicas rotate at once. */
    "CREATE UNIQUE INDEX service_keys_one_active ON service_keys(purpose) WHERE retired_time = 0;"
    "CREATE TABLE refresh_tokens ("
    " id TEXT PRIMARY KEY, family_id TEXT NOT NULL,"
    " user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE, client_id TEXT NOT NULL,"
    " session_id TEXT NOT NULL, hmac BYTEA NOT NULL, created_time BIGINT NOT NULL, expires_time BIGINT NOT NULL,"
    " family_expires_time BIGINT NOT NULL, used_time BIGINT NOT NULL, revoked INTEGER NOT NULL);"
    "CREATE INDEX refresh_tokens_by_family ON refresh_tokens(family_id);"
    "CREATE INDEX refresh_tokens_by_user ON refresh_tokens(user_id);"
    "CREATE TABLE user_removals (id TEXT COLLATE \"C\" PRIMARY KEY, removed_time BIGINT NOT NULL);"
    "CREATE TABLE denied_tokens (jti TEXT COLLATE \"C\" PRIMARY KEY, expires_time BIGINT NOT NULL);",
    /* The login throttle's counters, shared by the replicas (keys are HMACs: no username or address is stored). */
    "CREATE TABLE login_failures (key TEXT PRIMARY KEY, failures INTEGER NOT NULL, last_ms BIGINT NOT NULL);"
    "CREATE INDEX login_failures_by_time ON login_failures(last_ms);",
};

_Static_assert(sizeof(migrations) / sizeof(migrations[0]) == STS_PG_SCHEMA_VERSION,
               "STS_PG_SCHEMA_VERSION is the number of migrations");

/* The key of the advisory lock the migrations run under: "sts-migr" in ASCII, so no other program's by chance. */
#define MIGRATION_LOCK "8319401050606495602"

/* The version in the table, after creating it at 0 if it is missing; -1 with a message on failure. */
static int current_version(PGconn *conn, char *error, size_t error_size)
{
    if (sts__pg_command(conn,
                        "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL);"
                        "INSERT INTO schema_version SELECT 0 WHERE NOT EXISTS (SELECT 1 FROM schema_version)",
                        NULL, "creating the version table", error, error_size) != 0)
        return -1;
    PGresult *result = sts__pg_exec(conn, "SELECT version FROM schema_version", NULL, "reading the schema version",
                                    error, error_size, NULL);
    if (result == NULL)
        return -1;
    int version = sts_pq.ntuples(result) == 1 ? (int)sts__pg_int(result, 0, 0) : -1;
    sts_pq.clear(result);
    if (version < 0)
        snprintf(error, error_size, "database: the schema_version table does not hold one row");
    return version;
}

int sts__pg_migrate(PGconn *conn, char *error, size_t error_size)
{
    const int latest = (int)(sizeof(migrations) / sizeof(migrations[0]));
    /* Replicas that start at once queue on the lock; each later one finds the work done. */
    if (sts__pg_command(conn, "BEGIN; SELECT pg_advisory_xact_lock(" MIGRATION_LOCK ")", NULL,
                        "locking the schema for migration", error, error_size) != 0)
        return -1;
    int version = current_version(conn, error, error_size);
    if (version > latest) {
        snprintf(error, error_size, "database: schema version %d is newer than this stsd (%d); upgrade stsd", version,
                 latest);
        version = -1;
    }
    for (; version >= 0 && version < latest; version++) {
        sts__pg_params_t params = {0};
        sts__pg_int_param(&params, version + 1);
        if (sts__pg_command(conn, migrations[version], NULL, "migrating the schema", error, error_size) != 0 ||
            sts__pg_command(conn, "UPDATE schema_version SET version = $1", &params, "migrating the schema", error,
                            error_size) != 0)
            version = -2;
    }
    int ok = version >= 0;
    if (sts__pg_finish(conn, ok, STS_STORE_OK, "committing the schema", error, error_size) != STS_STORE_OK)
        ok = 0;
    return ok ? 0 : -1;
}
