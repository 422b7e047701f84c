#include "server/store_setup.h"
#include <openssl/crypto.h>
#include <stdio.h>
#include "crypto/secret_file.h"
#include "store/pg_store.h"
#include "store/sqlite_store.h"

void sts_server_store_name(const sts_config_t *config, char *out, size_t size)
{
    if (config->database_url != NULL)
        sts_pg_url_redact(config->database_url, out, size);
    else
        snprintf(out, size, "%s/sts.db", config->data_dir);
}

sts_store_t *sts_server_open_store(const sts_config_t *config, char *error, size_t error_size)
{
    if (config->database_url == NULL) {
        char path[4096];
        sts_server_store_name(config, path, sizeof(path));
        return sts_sqlite_store_open(path, error, error_size);
    }
    char password[STS_SECRET_FILE_MAX] = "";
    if (config->database_password_file != NULL &&
        sts_secret_file_read(config->database_password_file, "the database password file", password, NULL, error,
                             error_size) != 0)
        return NULL;
    sts_pg_settings_t settings = {.url = config->database_url,
                                  .password = config->database_password_file != NULL ? password : NULL,
                                  .statement_timeout_ms = config->database_statement_timeout_ms};
    sts_store_t *store = sts_pg_store_open(&settings, error, error_size);
    OPENSSL_cleanse(password, sizeof(password));
    return store;
}
