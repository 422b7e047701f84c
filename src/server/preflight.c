#include "server/preflight.h"
#include <openssl/crypto.h>
#include <stdio.h>
#include <string.h>
#include "auth/client_certificate_authenticator.h"
#include "auth/jwks_source.h"
#include "aws/keys.h"
#include "crypto/key_file.h"
#include "crypto/secret_file.h"
#include "crypto/tls_credentials.h"
#include "issuer/rgw_token.h"
#include "server/auth_setup.h"
#include "server/login_setup.h"

static int check_tls(const sts_config_t *config, char *error, size_t error_size)
{
    if (config->tls_cert_file == NULL)
        return 0;
    sts_tls_files_t files = {
        .certificate_file = config->tls_cert_file,
        .key_file = config->tls_key_file,
        .client_ca_file = config->grpc_client_ca_file,
    };
    sts_tls_credentials_t *credentials = sts_tls_credentials_load(&files, error, error_size);
    if (credentials == NULL)
        return -1;
    sts_tls_credentials_unref(credentials);
    return 0;
}

/* The file and PEM keys load as they will at start; the URL was checked by validation and is fetched at start. */
static int check_jwt_keys(const sts_config_t *config, char *error, size_t error_size)
{
    if (strstr(config->auth, "jwt") == NULL || (config->jwt_jwks_file == NULL && config->jwt_public_keys == NULL))
        return 0;
    sts_name_list_t pem_files;
    sts_name_list_split(config->jwt_public_keys, &pem_files);
    sts_jwks_settings_t keys = {
        .jwks_file = config->jwt_jwks_file,
        .pem_files = (const char *const *)pem_files.items,
        .pem_file_count = pem_files.count,
    };
    sts_jwks_source_t *source = sts_jwks_source_create(&keys, error, error_size);
    sts_name_list_free(&pem_files);
    if (source == NULL)
        return -1;
    sts_jwks_source_destroy(source);
    return 0;
}

static int check_grants(const sts_config_t *config, char *error, size_t error_size)
{
    if (strcmp(config->auth, "none") == 0)
        return 0;
    if (strstr(config->auth, "access-token") != NULL &&
        sts_auth_role_grants_check(config->access_token_roles, error, error_size) != 0)
        return -1;
    if (config->grpc_client_ca_file != NULL) {
        sts_client_certificate_authenticator_t *grants =
            sts_client_certificate_authenticator_create(config->client_cert_roles, error, error_size);
        if (grants == NULL)
            return -1;
        sts_client_certificate_authenticator_destroy(grants);
    }
    return 0;
}

/* The directory is built (nothing contacted) with its real service password, read from its private file. */
static int check_ldap(const sts_config_t *config, char *error, size_t error_size)
{
    if (strstr(config->user_sources, "ldap") == NULL)
        return 0;
    sts_user_directory_t *directory = NULL;
    int rc = sts_login_directory_create(config, &directory, error, error_size);
    if (rc == 0)
        directory->destroy(directory);
    return rc;
}

static int check_secret_files(const sts_config_t *config, char *error, size_t error_size)
{
    int rgw_native = strcmp(config->issuer, "rgw-native") == 0;
    int upstream = strcmp(config->issuer, "sts") == 0 ||
                   (rgw_native && config->role_arn != NULL && config->sts_endpoint_url != NULL);
    if (upstream && config->creds_path != NULL) {
        char access_key_file[4096], secret_key_file[4096];
        snprintf(access_key_file, sizeof(access_key_file), "%s/access_key", config->creds_path);
        snprintf(secret_key_file, sizeof(secret_key_file), "%s/secret_key", config->creds_path);
        sts_aws_keys_t keys;
        if (sts_aws_keys_init(&keys, access_key_file, secret_key_file, error, error_size) != 0)
            return -1;
        sts_aws_keys_dispose(&keys);
    }
    if (rgw_native) {
        sts_secret_file_t key;
        int opened = sts_secret_file_open(&key, config->rgw_sts_key_file, error, error_size);
        if (opened == STS_SECRET_FILE_NOT_PRIVATE)
            snprintf(error + strlen(error), error_size - strlen(error), " (it holds a root-equivalent RGW secret)");
        if (opened != 0)
            return -1;
        size_t length = strlen(key.value);
        sts_secret_file_dispose(&key);
        if (length < STS_RGW_KEY_BYTES) {
            snprintf(error, error_size, "%s must hold RGW's rgw sts key, at least %d characters",
                     config->rgw_sts_key_file, STS_RGW_KEY_BYTES);
            return -1;
        }
    }
    const char *key_files[] = {config->session_key_file, config->key_encryption_key_file};
    const char *names[] = {"the session key file", "the key-encryption key file"};
    for (size_t i = 0; i < sizeof(key_files) / sizeof(key_files[0]); i++) {
        if (key_files[i] == NULL)
            continue;
        uint8_t key[STS_AEAD_KEY_BYTES];
        int rc = sts_key_file_load(key_files[i], 0, names[i], key, error, error_size);
        OPENSSL_cleanse(key, sizeof(key));
        if (rc != 0)
            return -1;
    }
    if (config->database_password_file != NULL) {
        char password[STS_SECRET_FILE_MAX];
        int rc = sts_secret_file_read(config->database_password_file, "the database password file", password, NULL,
                                      error, error_size);
        OPENSSL_cleanse(password, sizeof(password));
        if (rc != 0)
            return -1;
    }
    return 0;
}

int sts_server_preflight(const sts_config_t *config, char *error, size_t error_size)
{
    if (check_tls(config, error, error_size) != 0 || check_jwt_keys(config, error, error_size) != 0 ||
        check_grants(config, error, error_size) != 0 || check_ldap(config, error, error_size) != 0 ||
        check_secret_files(config, error, error_size) != 0)
        return -1;
    return 0;
}
