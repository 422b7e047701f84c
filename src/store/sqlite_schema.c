/* The SQLite store's schema: migrations applied in order, the version kept in a table. */
#include <stdio.h>
#include "store/sqlite_internal.h"
#include "store/sqlite_store.h"

/* Each entry moves the schema from version i to i + 1; applied in one transaction with the version bump. */
static const char *const migrations[] = {
    "CREATE TABLE access_tokens ("
    " id TEXT PRIMARY KEY, user_key TEXT NOT NULL, user_domain INTEGER NOT NULL, user_auth_id TEXT NOT NULL,"
    " user_uid INTEGER, user_gid INTEGER, user_sid TEXT NOT NULL, user_name TEXT NOT NULL, creator TEXT NOT NULL,"
    " creation_time INTEGER NOT NULL, expiration_time INTEGER NOT NULL, last_used_time INTEGER NOT NULL,"
    " enabled INTEGER NOT NULL, hmac BLOB NOT NULL) WITHOUT ROWID;"
    "CREATE INDEX access_tokens_by_user ON access_tokens(user_key, id);"
    "CREATE INDEX access_tokens_by_name ON access_tokens(user_name, id);",
    /*
     * Ownership is the whole identity, and a token carries at most its creator's roles. Tokens made under the rules
     * before this version cannot say who could grant what, so they carry no roles (role_ceiling ''), except the one
     * stsd made for itself at first start.
     */
    "DROP INDEX access_tokens_by_user;"
    "ALTER TABLE access_tokens DROP COLUMN user_key;"
    "CREATE INDEX access_tokens_by_owner ON access_tokens(user_domain, user_auth_id, user_name, id);"
    "CREATE INDEX access_tokens_by_auth_id ON access_tokens(user_auth_id, id);"
    "ALTER TABLE access_tokens ADD COLUMN creator_domain INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE access_tokens ADD COLUMN creator_auth_id TEXT NOT NULL DEFAULT '';"
    "ALTER TABLE access_tokens ADD COLUMN role_ceiling TEXT;"
    "UPDATE access_tokens SET role_ceiling = '' WHERE NOT (creator = 'stsd' AND user_domain = 0 AND"
    " user_auth_id = '' AND user_name = 'admin');",
    /*
     * Logins: users, registered clients, the service's signing keys and refresh tokens. Usernames compare byte for
     * byte ("Alice" and "alice" are two users); the core decides which usernames are valid.
     */
    "CREATE TABLE users ("
    " id TEXT PRIMARY KEY, username TEXT NOT NULL UNIQUE, password_hash TEXT NOT NULL, roles TEXT NOT NULL,"
    " enabled INTEGER NOT NULL, created_time INTEGER NOT NULL, updated_time INTEGER NOT NULL,"
    " tokens_not_before INTEGER NOT NULL) WITHOUT ROWID;"
    "CREATE TABLE clients ("
    " client_id TEXT PRIMARY KEY, display_name TEXT NOT NULL, allowed_roles TEXT NOT NULL,"
    " max_lifetime_seconds INTEGER NOT NULL, enabled INTEGER NOT NULL, created_time INTEGER NOT NULL,"
    " updated_time INTEGER NOT NULL, secret_hmac BLOB, grants TEXT NOT NULL DEFAULT 'password,refresh_token')"
    " WITHOUT ROWID;"
    "CREATE TABLE service_keys ("
    " kid TEXT PRIMARY KEY, purpose TEXT NOT NULL, algorithm TEXT NOT NULL, sealed_private BLOB NOT NULL,"
    " created_time INTEGER NOT NULL, retired_time INTEGER NOT NULL, verify_until INTEGER NOT NULL) WITHOUT ROWID;"
    "ALTER TABLE access_tokens ADD COLUMN hmac_key_id TEXT NOT NULL DEFAULT '';"
    "CREATE TABLE refresh_tokens ("
    " id TEXT PRIMARY KEY, family_id TEXT NOT NULL,"
    " user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE, client_id TEXT NOT NULL,"
    " session_id TEXT NOT NULL, hmac BLOB NOT NULL, created_time INTEGER NOT NULL, expires_time INTEGER NOT NULL,"
    " family_expires_time INTEGER NOT NULL, used_time INTEGER NOT NULL, revoked INTEGER NOT NULL) WITHOUT ROWID;"
    "CREATE INDEX refresh_tokens_by_family ON refresh_tokens(family_id);"
    "CREATE INDEX refresh_tokens_by_user ON refresh_tokens(user_id);",
    /* Deleted users, so that their access tokens stay void after a restart (user_remove). */
    "CREATE TABLE user_removals (id TEXT PRIMARY KEY, removed_time INTEGER NOT NULL) WITHOUT ROWID;",
    /* Revoked access JWTs (RFC 7009), until they expire. */
    "CREATE TABLE denied_tokens (jti TEXT PRIMARY KEY, expires_time INTEGER NOT NULL) WITHOUT ROWID;",
    /* Where a user comes from: '' for the store's own, 'ldap' for the shadow record of a directory user. */
    "ALTER TABLE users ADD COLUMN source TEXT NOT NULL DEFAULT '';",
};

_Static_assert(sizeof(migrations) / sizeof(migrations[0]) == STS_SQLITE_SCHEMA_VERSION,
               "STS_SQLITE_SCHEMA_VERSION is the number of migrations");

static int schema_version(sqlite3 *db)
{
    sqlite3_stmt *stmt = NULL;
    int version = -1;
    if (sqlite3_prepare_v2(db, "SELECT version FROM schema_version", -1, &stmt, NULL) == SQLITE_OK &&
        sqlite3_step(stmt) == SQLITE_ROW)
        version = sqlite3_column_int(stmt, 0);
    sqlite3_finalize(stmt);
    return version;
}

int sts__sqlite_migrate(sqlite3 *db, char *error, size_t error_size)
{
    const int latest = (int)(sizeof(migrations) / sizeof(migrations[0]));
    if (sqlite3_exec(db, "BEGIN IMMEDIATE; CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL);", NULL,
                     NULL, NULL) != SQLITE_OK) {
        sts__sqlite_fail(db, "creating the version table", error, error_size);
        return -1;
    }
    int version = schema_version(db);
    if (version < 0) {
        sqlite3_exec(db, "INSERT INTO schema_version VALUES (0)", NULL, NULL, NULL);
        version = 0;
    }
    if (version > latest) {
        snprintf(error, error_size, "database: schema version %d is newer than this stsd (%d); upgrade stsd", version,
                 latest);
        sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
        return -1;
    }
    for (; version < latest; version++) {
        char bump[64];
        snprintf(bump, sizeof(bump), "UPDATE schema_version SET version = %d", version + 1);
        if (sqlite3_exec(db, migrations[version], NULL, NULL, NULL) != SQLITE_OK ||
            sqlite3_exec(db, bump, NULL, NULL, NULL) != SQLITE_OK) {
            sts__sqlite_fail(db, "migrating the schema", error, error_size);
            sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
            return -1;
        }
    }
    if (sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
        sts__sqlite_fail(db, "committing the schema", error, error_size);
        return -1;
    }
    return 0;
}
