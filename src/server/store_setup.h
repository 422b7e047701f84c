/* The store the configuration names: SQLite under the data directory, or PostgreSQL at database_url. */
#ifndef STS_SERVER_STORE_SETUP_H
#define STS_SERVER_STORE_SETUP_H
#include <stddef.h>
#include "server/config.h"
#include "store/store.h"

/**
 * Opens the store: PostgreSQL when config->database_url is set (its password from database_password_file, read as a
 * secret file), else SQLite at <data_dir>/sts.db (the directory must exist). Migrations are applied. Returns NULL
 * with a message in error that never holds a password.
 */
sts_store_t *sts_server_open_store(const sts_config_t *config, char *error, size_t error_size);

/** Where the store is, for messages: "<data_dir>/sts.db", or database_url without its password. */
void sts_server_store_name(const sts_config_t *config, char *out, size_t size);

#endif
