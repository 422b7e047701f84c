/* The SQLite store: one database file under the data directory, WAL, migrations in a version table. */
#ifndef STS_STORE_SQLITE_STORE_H
#define STS_STORE_SQLITE_STORE_H
#include <stddef.h>
#include "store/store.h"

/** The schema version this build writes. */
#define STS_SQLITE_SCHEMA_VERSION 6

/**
 * Opens (creating if needed) the database at path, in WAL mode with synchronous=FULL (every write reaches the disk
 * before it returns, so a token handed to a caller survives a crash) and a busy timeout, and applies pending
 * migrations. Each thread gets its own connection. Returns NULL with a message in error.
 */
sts_store_t *sts_sqlite_store_open(const char *path, char *error, size_t error_size);

#endif
