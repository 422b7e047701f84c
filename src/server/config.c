#include "server/config.h"
#include <arpa/inet.h>
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include "auth/jwks_source.h"
#include <strings.h>
#include "server/config_options.h"
#include "util/log.h"
#include "util/text.h"

extern char **environ;

void sts_config_init(sts_config_t *config)
{
    memset(config, 0, sizeof(*config));
    char error[256];
    for (const sts_option_t *option = sts_options; option->key != NULL; option++) {
        if (option->default_value != NULL &&
            sts_option_set(config, option, option->default_value, "default", error, sizeof(error)) != 0)
            sts_log_fatal("bad built-in default: %s", error);
    }
}

void sts_config_dispose(sts_config_t *config)
{
    for (const sts_option_t *option = sts_options; option->key != NULL; option++) {
        if (option->type == STS_OPTION_STRING) {
            char **field = (char **)((char *)config + option->offset);
            free(*field);
            *field = NULL;
        }
    }
}

/* "rest_listen" → "STS_REST_LISTEN" or "--rest-listen". */
static void spell(const char *key, const char *prefix, int upper, char dash, char *out, size_t out_size)
{
    size_t n = (size_t)snprintf(out, out_size, "%s", prefix);
    for (const char *p = key; *p != '\0' && n + 1 < out_size; p++)
        out[n++] = *p == '_' ? dash : (char)(upper ? toupper((unsigned char)*p) : *p);
    out[n] = '\0';
}

static const sts_option_t *find_flag(const char *name, size_t len)
{
    char flag[64];
    for (const sts_option_t *option = sts_options; option->key != NULL; option++) {
        spell(option->key, "--", 0, '-', flag, sizeof(flag));
        if (strlen(flag) == len && memcmp(flag, name, len) == 0)
            return option;
    }
    return NULL;
}

/*
 * Walks the flags. With apply 0 it only validates their shape and finds the action and --config; with apply 1 it
 * sets every option (after the file and environment were read, so flags win).
 */
static int walk_flags(sts_config_t *config, int argc, char **argv, int apply, char *error, size_t error_size)
{
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0) {
            config->action = STS_CONFIG_HELP;
            continue;
        }
        if (strcmp(arg, "--version") == 0) {
            config->action = STS_CONFIG_VERSION;
            continue;
        }
        if (strcmp(arg, "--check-config") == 0) {
            if (config->action == STS_CONFIG_RUN)
                config->action = STS_CONFIG_CHECK;
            continue;
        }
        const char *equals = strchr(arg, '=');
        size_t name_len = equals != NULL ? (size_t)(equals - arg) : strlen(arg);
        const sts_option_t *option = strncmp(arg, "--", 2) == 0 ? find_flag(arg, name_len) : NULL;
        if (option == NULL) {
            snprintf(error, error_size, "unknown option '%.64s'", arg);
            return -1;
        }
        const char *value = equals != NULL ? equals + 1 : (i + 1 < argc ? argv[++i] : NULL);
        if (value == NULL) {
            snprintf(error, error_size, "option '%.64s' needs a value", arg);
            return -1;
        }
        char source[80];
        snprintf(source, sizeof(source), "%.*s", (int)name_len, arg);
        int wanted = apply || option->offset == offsetof(sts_config_t, config_file);
        if (wanted && sts_option_set(config, option, value, source, error, error_size) != 0)
            return -1;
    }
    return 0;
}

static int apply_environment(sts_config_t *config, char **envp, char *error, size_t error_size)
{
    char name[80];
    for (const sts_option_t *option = sts_options; option->key != NULL; option++) {
        spell(option->key, "STS_", 1, '_', name, sizeof(name));
        size_t len = strlen(name);
        for (char **entry = envp; *entry != NULL; entry++) {
            if (strncmp(*entry, name, len) == 0 && (*entry)[len] == '=' &&
                sts_option_set(config, option, *entry + len + 1, name, error, error_size) != 0)
                return -1;
        }
    }
    return 0;
}

/* STS_AUTH unset: authentication is still required: access tokens, plus JWTs when JWT keys are configured. */
static void choose_auth(sts_config_t *config)
{
    if (config->auth != NULL)
        return;
    int jwt = config->jwt_jwks_file != NULL || config->jwt_jwks_url != NULL || config->jwt_public_keys != NULL;
    config->auth = strdup(jwt ? "access-token,jwt" : "access-token");
    if (config->auth == NULL)
        sts_log_fatal("out of memory");
    config->auth_defaulted = 1;
}

/*
 * issuer_roles unset: "admin" by default. A configuration that set only admin_roles meant it for issuing too (the
 * single role list of earlier versions), so it keeps that meaning; the server warns about it once.
 */
static void choose_issuer_roles(sts_config_t *config)
{
    if (config->issuer_roles != NULL)
        return;
    config->issuer_roles_defaulted = strcmp(config->admin_roles, "admin") != 0;
    config->issuer_roles = strdup(config->issuer_roles_defaulted ? config->admin_roles : "admin");
    if (config->issuer_roles == NULL)
        sts_log_fatal("out of memory");
}

/* A comma-separated list of accepted values: 1 for exactly "*", 0 for real values, -1 (with error) otherwise. */
static int accept_list(const char *option, const char *text, const char *what, char *error, size_t error_size)
{
    size_t items = 0, stars = 0;
    for (const char *p = text; *p != '\0';) {
        p += strspn(p, " \t,");
        size_t len = strcspn(p, ",");
        while (len > 0 && (p[len - 1] == ' ' || p[len - 1] == '\t'))
            len--;
        if (len > 0) {
            items++;
            stars += len == 1 && *p == '*';
        }
        p += strcspn(p, ",");
    }
    if (items == 0) {
        snprintf(error, error_size, "%s lists no %s", option, what);
        return -1;
    }
    if (stars > 0 && items > 1) {
        snprintf(error, error_size, "%s: '*' (accept any %s) cannot be combined with other values", option, what);
        return -1;
    }
    return stars > 0;
}

/*
 * JWTs from another issuer are only as safe as the issuer and audience checks: both must be configured, and
 * accepting any value takes an explicit '*' (warned about at startup). Keys must not travel in clear text.
 */
static int validate_jwt(const sts_config_t *config, char *error, size_t error_size)
{
    if (config->jwt_jwks_url != NULL && sts_jwks_url_check(config->jwt_jwks_url, error, error_size) != 0)
        return -1;
    if (strstr(config->auth, "jwt") == NULL)
        return 0;
    const struct {
        const char *option, *value, *what, *claim;
    } lists[] = {
        {"jwt_issuer", config->jwt_issuer, "issuer", "iss"},
        {"jwt_audience", config->jwt_audience, "audience", "aud"},
    };
    for (size_t i = 0; i < sizeof(lists) / sizeof(lists[0]); i++) {
        if (lists[i].value == NULL) {
            snprintf(error, error_size,
                     "%s is required with JWT keys (jwt_jwks_file, jwt_jwks_url or jwt_public_keys): list the "
                     "accepted %s values, or set it to '*' to accept any %s (not recommended)",
                     lists[i].option, lists[i].claim, lists[i].what);
            return -1;
        }
        if (accept_list(lists[i].option, lists[i].value, lists[i].what, error, error_size) < 0)
            return -1;
    }
    return 0;
}

int sts_config_listen_is_loopback(const char *listen)
{
    const char *colon = strrchr(listen, ':');
    size_t len = colon != NULL ? (size_t)(colon - listen) : strlen(listen);
    if (len >= 2 && listen[0] == '[' && listen[len - 1] == ']') {
        listen++;
        len -= 2;
    }
    char host[64];
    if (len == 0 || len >= sizeof(host))
        return 0;
    memcpy(host, listen, len);
    host[len] = '\0';
    if (strcasecmp(host, "localhost") == 0)
        return 1;
    struct in_addr v4;
    struct in6_addr v6;
    if (inet_pton(AF_INET, host, &v4) == 1)
        return (ntohl(v4.s_addr) >> 24) == 127;
    if (inet_pton(AF_INET6, host, &v6) == 1)
        return IN6_IS_ADDR_LOOPBACK(&v6) || (IN6_IS_ADDR_V4MAPPED(&v6) && v6.s6_addr[12] == 127);
    return 0;
}

/* TLS settings that only make sense together, and the refusal to serve plain text beyond this host. */
static int validate_tls(const sts_config_t *config, char *error, size_t error_size)
{
    int tls = config->tls_cert_file != NULL;
    if (tls != (config->tls_key_file != NULL)) {
        snprintf(error, error_size,
                 "tls_cert_file and tls_key_file go together: set both (TLS on both listeners) or "
                 "neither");
        return -1;
    }
    if (config->grpc_client_ca_file != NULL && !tls) {
        snprintf(error, error_size,
                 "grpc_client_ca_file (client certificates on gRPC) needs TLS: set tls_cert_file and "
                 "tls_key_file too");
        return -1;
    }
    if (config->client_cert_roles != NULL && config->grpc_client_ca_file == NULL) {
        snprintf(error, error_size,
                 "client_cert_roles needs grpc_client_ca_file: only verified client certificates are "
                 "given roles");
        return -1;
    }
    if (tls)
        return 0;
    const char *names[] = {"rest_listen", "grpc_listen"};
    const char *values[] = {config->rest_listen, config->grpc_listen};
    for (int i = 0; i < 2; i++) {
        if (sts_config_listen_is_loopback(values[i]))
            continue;
        if (strcmp(config->allow_plaintext, "true") != 0) {
            snprintf(error, error_size,
                     "%s %.200s is not a loopback address and TLS is not configured: set tls_cert_file and "
                     "tls_key_file, or allow_plaintext: true to send tokens and keys in clear text anyway",
                     names[i], values[i]);
            return -1;
        }
        sts_log_warn("%s %s will serve plain text beyond this host (allow_plaintext: true): tokens, passwords and "
                     "secret keys cross the network unencrypted",
                     names[i], values[i]);
    }
    return 0;
}

static int validate(sts_config_t *config, char *error, size_t error_size)
{
    choose_auth(config);
    choose_issuer_roles(config);
    if (validate_tls(config, error, error_size) != 0)
        return -1;
    if (strstr(config->auth, "jwt") != NULL && config->jwt_jwks_file == NULL && config->jwt_jwks_url == NULL &&
        config->jwt_public_keys == NULL) {
        snprintf(error, error_size, "STS_AUTH=jwt needs keys: jwt_jwks_file, jwt_jwks_url or jwt_public_keys");
        return -1;
    }
    if (validate_jwt(config, error, error_size) != 0)
        return -1;
    if (config->min_duration_seconds > config->default_duration_seconds) {
        snprintf(error, error_size, "min_duration_seconds (%d) must not exceed default_duration_seconds (%d)",
                 config->min_duration_seconds, config->default_duration_seconds);
        return -1;
    }
    if (config->rados_config_path != NULL && sts_config_load_rados(config, error, error_size) != 0)
        return -1;
    if (strcmp(config->issuer, "rgw-native") == 0) {
        if (config->rgw_sts_key_file == NULL || config->rgw_user == NULL) {
            snprintf(error, error_size, "issuer rgw-native needs rgw_sts_key_file and rgw_user");
            return -1;
        }
        if (config->rgw_role_id == NULL &&
            (config->role_arn == NULL || config->sts_endpoint_url == NULL || config->creds_path == NULL)) {
            snprintf(error, error_size,
                     "issuer rgw-native needs rgw_role_id, or role_arn, sts_endpoint_url and creds_path (or a rados "
                     "config) to look the role up");
            return -1;
        }
    }
    if (strcmp(config->issuer, "sts") == 0) {
        if (config->sts_endpoint_url == NULL) {
            snprintf(error, error_size, "issuer sts needs sts_endpoint_url (or int_endpoint_url in the rados config)");
            return -1;
        }
        if (config->creds_path == NULL) {
            snprintf(error, error_size, "issuer sts needs creds_path, a directory with access_key and secret_key");
            return -1;
        }
    }
    if (config->default_duration_seconds > config->max_duration_seconds) {
        snprintf(error, error_size, "default_duration_seconds (%d) must not exceed max_duration_seconds (%d)",
                 config->default_duration_seconds, config->max_duration_seconds);
        return -1;
    }
    return 0;
}

int sts_config_load(sts_config_t *config, int argc, char **argv, char **envp, char *error, size_t error_size)
{
    if (envp == NULL)
        envp = environ;
    /* The file comes first and everything else overrides it, so find it (flag, else variable) before reading. */
    if (walk_flags(config, argc, argv, 0, error, error_size) != 0)
        return -1;
    if (config->config_file == NULL) {
        const char *from_env = NULL;
        for (char **entry = envp; *entry != NULL; entry++) {
            if (strncmp(*entry, "STS_CONFIG=", 11) == 0)
                from_env = *entry + 11;
        }
        if (from_env != NULL &&
            sts_option_set(config, sts_option_find("config", 6), from_env, "STS_CONFIG", error, error_size) != 0)
            return -1;
    }
    if (config->action == STS_CONFIG_HELP || config->action == STS_CONFIG_VERSION)
        return 0;
    if (config->config_file != NULL && sts_config_load_yaml(config, config->config_file, error, error_size) != 0)
        return -1;
    if (apply_environment(config, envp, error, error_size) != 0)
        return -1;
    if (walk_flags(config, argc, argv, 1, error, error_size) != 0)
        return -1;
    return validate(config, error, error_size);
}

void sts_config_print_help(FILE *out)
{
    fprintf(out, "Usage: stsd [OPTION]...\n"
                 "Issues short-lived credentials over REST (h2o) and gRPC.\n\n"
                 "  -h, --help          show this help and exit\n"
                 "      --version       show the version and exit\n"
                 "      --check-config  validate the configuration, print it as YAML and exit\n\n"
                 "Every option below is also an environment variable and a YAML key (flags win over variables,\n"
                 "variables over the file):\n\n");
    char flag[64];
    char variable[64];
    for (const sts_option_t *option = sts_options; option->key != NULL; option++) {
        spell(option->key, "--", 0, '-', flag, sizeof(flag));
        spell(option->key, "STS_", 1, '_', variable, sizeof(variable));
        fprintf(out, "  %s VALUE\n      %s (%s%s%s; default: %s)\n", flag, option->help, variable,
                option->in_yaml ? ", YAML " : "", option->in_yaml ? option->key : "",
                option->default_value == NULL      ? "unset"
                : option->default_value[0] == '\0' ? "empty"
                                                   : option->default_value);
    }
}

static void print_string(FILE *out, const char *value)
{
    fputc('"', out);
    for (const char *p = value; *p != '\0'; p++) {
        if (*p == '"' || *p == '\\')
            fputc('\\', out);
        fputc(*p, out);
    }
    fputc('"', out);
}

void sts_config_print(const sts_config_t *config, FILE *out)
{
    for (const sts_option_t *option = sts_options; option->key != NULL; option++) {
        const char *field = (const char *)config + option->offset;
        if (option->type == STS_OPTION_INT) {
            fprintf(out, "%s: %d\n", option->key, *(const int *)field);
        } else if (option->type == STS_OPTION_LONG || option->type == STS_OPTION_SECONDS) {
            fprintf(out, "%s: %ld\n", option->key, *(const long *)field);
        } else if (*(char *const *)field != NULL) {
            fprintf(out, "%s%s: ", option->in_yaml ? "" : "# ", option->key);
            /* A URL may carry a user and password; they are not shown (the redacted text is never longer). */
            char *shown = sts_strdup(*(char *const *)field);
            print_string(out, sts_url_redact(*(char *const *)field, shown, strlen(shown) + 1));
            free(shown);
            fputc('\n', out);
        } else {
            fprintf(out, "# %s: (unset)\n", option->key);
        }
    }
}
