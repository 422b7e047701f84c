#include "server/cli.h"
#include <errno.h>
#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>
#include "core/call.h"
#include "core/service.h"
#include "crypto/password.h"
#include "server/admin_token.h"
#include "server/config.h"
#include "server/issuer_setup.h"
#include "server/login_setup.h"
#include "server/store_setup.h"
#include "sts/v1/users.pb-c.h"
#include "sts_methods.h"
#include "util/log.h"
#include "util/timefmt.h"

/* What a command says besides stsd's own flags. */
typedef struct {
    const char *noun, *verb, *name;
    const char *roles, *display_name, *max_lifetime, *token_name;
    int disabled, secret;
} command_t;

static int usage(void)
{
    fprintf(stderr, "usage: stsd user add NAME [--roles R1,R2] [--disabled]   (password on standard input)\n"
                    "       stsd user passwd NAME                             (password on standard input)\n"
                    "       stsd user list\n"
                    "       stsd client add ID [--display-name TEXT] [--roles R1,R2] [--max-lifetime SECONDS]\n"
                    "                          [--secret]  (a confidential client; prints its secret once)\n"
                    "       stsd client list\n"
                    "       stsd keys rotate | stsd keys list\n"
                    "       stsd admin-token create [--name NAME] [--roles R1,R2]\n"
                    "                          (break-glass: a new access token for the LOCAL user NAME, default\n"
                    "                          admin, printed once on standard output)\n"
                    "  with any stsd option, e.g. --data-dir DIR or --config FILE\n");
    return 2;
}

/* Splits argv into the command and stsd's own arguments (rest[0] is argv[0]). */
static int parse(int argc, char **argv, command_t *command, char **rest, int *rest_count)
{
    memset(command, 0, sizeof(*command));
    command->noun = argv[1];
    rest[(*rest_count)++] = argv[0];
    for (int i = 2; i < argc; i++) {
        const char **value = strcmp(argv[i], "--roles") == 0          ? &command->roles
                             : strcmp(argv[i], "--display-name") == 0 ? &command->display_name
                             : strcmp(argv[i], "--max-lifetime") == 0 ? &command->max_lifetime
                             : strcmp(argv[i], "--name") == 0         ? &command->token_name
                                                                      : NULL;
        if (value != NULL) {
            if (i + 1 >= argc)
                return -1;
            *value = argv[++i];
        } else if (strcmp(argv[i], "--disabled") == 0) {
            command->disabled = 1;
        } else if (strcmp(argv[i], "--secret") == 0) {
            command->secret = 1;
        } else if (strncmp(argv[i], "--", 2) == 0) {
            rest[(*rest_count)++] = argv[i];
            if (strchr(argv[i], '=') == NULL && i + 1 < argc)
                rest[(*rest_count)++] = argv[++i];
        } else if (command->verb == NULL) {
            command->verb = argv[i];
        } else if (command->name == NULL) {
            command->name = argv[i];
        } else {
            return -1;
        }
    }
    return command->verb != NULL ? 0 : -1;
}

/* One line from standard input, without echo on a terminal; the trailing newline is dropped. */
static int read_password(const char *prompt, char *out, size_t out_size)
{
    int tty = isatty(STDIN_FILENO);
    struct termios saved, quiet;
    if (tty) {
        fprintf(stderr, "%s", prompt);
        tcgetattr(STDIN_FILENO, &saved);
        quiet = saved;
        quiet.c_lflag &= ~(tcflag_t)ECHO;
        tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
    }
    char *line = fgets(out, (int)out_size, stdin);
    if (tty) {
        tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved);
        fprintf(stderr, "\n");
    }
    if (line == NULL)
        return -1;
    size_t len = strlen(out);
    if (len > 0 && out[len - 1] != '\n' && !feof(stdin))
        return -1; /* longer than the buffer */
    while (len > 0 && (out[len - 1] == '\n' || out[len - 1] == '\r'))
        out[--len] = '\0';
    return 0;
}

/* Runs one method in process as an admin, as the network API would; prints the failure. */
static int invoke(sts_service_t *service, const char *path, ProtobufCMessage *request, ProtobufCMessage **response,
                  sts_call_t *call)
{
    const sts_method_t *method = sts_method_find_grpc(service->methods, path, strlen(path));
    static const char *const roles[] = {"admin"};
    sts_call_init(call, service, method);
    call->principal = (sts_principal_t){1, STS__V1__IDENTITY_DOMAIN__LOCAL, "", "stsd", roles, 1};
    *response = sts_call_new_message(call, method->response);
    sts_status_t status = method->handler(call, request, *response);
    if (status != STS_STATUS_OK) {
        fprintf(stderr, "stsd: %s\n", sts_call_error_message(call, status));
        return 1;
    }
    return 0;
}

static void print_user(const Sts__V1__User *user)
{
    printf("%s %s roles=", user->id, user->username);
    for (size_t i = 0; i < user->n_roles; i++)
        printf("%s%s", i > 0 ? "," : "", user->roles[i]);
    printf(" %s source=%s\n", user->enabled ? "enabled" : "disabled", user->source);
}

static char **split_roles(sts_call_t *call, const char *roles, size_t *count)
{
    *count = 0;
    if (roles == NULL || roles[0] == '\0')
        return NULL;
    char **out = sts_arena_alloc(&call->arena, (strlen(roles) + 1) * sizeof(char *));
    char *copy = sts_arena_strdup(&call->arena, roles), *save = NULL;
    for (char *role = strtok_r(copy, ",", &save); role != NULL; role = strtok_r(NULL, ",", &save))
        out[(*count)++] = role;
    return out;
}

static int user_command(sts_service_t *service, const command_t *command, sts_call_t *scratch)
{
    ProtobufCMessage *response = NULL;
    sts_call_t call;
    int rc = 1;
    if (strcmp(command->verb, "list") == 0) {
        Sts__V1__ListUsersRequest request = STS__V1__LIST_USERS_REQUEST__INIT;
        for (int more = 1; more;) {
            if (invoke(service, "/sts.v1.UserService/ListUsers", &request.base, &response, &call) != 0) {
                sts_call_dispose(&call);
                return 1;
            }
            const Sts__V1__ListUsersResponse *page = (const Sts__V1__ListUsersResponse *)response;
            for (size_t i = 0; i < page->n_entries; i++)
                print_user(page->entries[i]);
            more = page->paging->next[0] != '\0';
            request.after = sts_arena_strdup(&scratch->arena, page->paging->next);
            sts_call_dispose(&call);
        }
        return 0;
    }
    if (command->name == NULL || (strcmp(command->verb, "add") != 0 && strcmp(command->verb, "passwd") != 0))
        return usage();
    char password[STS_PASSWORD_MAX_BYTES + 2];
    if (read_password("Password: ", password, sizeof(password)) != 0) {
        fprintf(stderr, "stsd: no password on standard input (one line, at most %d bytes)\n", STS_PASSWORD_MAX_BYTES);
        return 1;
    }
    if (strcmp(command->verb, "add") == 0) {
        Sts__V1__CreateUserRequest request = STS__V1__CREATE_USER_REQUEST__INIT;
        request.username = (char *)command->name;
        request.password = password;
        request.roles = split_roles(scratch, command->roles, &request.n_roles);
        request.enabled_value_case = STS__V1__CREATE_USER_REQUEST__ENABLED_VALUE_ENABLED;
        request.enabled = !command->disabled;
        rc = invoke(service, "/sts.v1.UserService/CreateUser", &request.base, &response, &call);
    } else {
        sts_user_record_t user;
        char error[256];
        sts_store_result_t found =
            service->store->user_get(service->store, NULL, command->name, &scratch->arena, &user, error, sizeof(error));
        if (found != STS_STORE_OK) {
            fprintf(stderr, "stsd: %s\n", found == STS_STORE_NOT_FOUND ? "no such user" : error);
            OPENSSL_cleanse(password, sizeof(password));
            return 1;
        }
        Sts__V1__SetPasswordRequest request = STS__V1__SET_PASSWORD_REQUEST__INIT;
        request.id = user.id;
        request.password = password;
        rc = invoke(service, "/sts.v1.UserService/SetPassword", &request.base, &response, &call);
    }
    OPENSSL_cleanse(password, sizeof(password));
    if (rc == 0)
        print_user((const Sts__V1__User *)response);
    sts_call_dispose(&call);
    return rc;
}

static void print_client(const Sts__V1__Client *client)
{
    printf("%s \"%s\" roles=", client->client_id, client->display_name);
    for (size_t i = 0; i < client->n_allowed_roles; i++)
        printf("%s%s", i > 0 ? "," : "", client->allowed_roles[i]);
    printf(" max_lifetime=%ds %s %s\n", client->max_lifetime_seconds, client->confidential ? "confidential" : "public",
           client->enabled ? "enabled" : "disabled");
    if (client->secret_value_case == STS__V1__CLIENT__SECRET_VALUE_CLIENT_SECRET)
        printf("client secret (shown once, keep it): %s\n", client->client_secret);
}

static int client_command(sts_service_t *service, const command_t *command, sts_call_t *scratch)
{
    ProtobufCMessage *response = NULL;
    sts_call_t call;
    int rc = 1;
    if (strcmp(command->verb, "list") == 0) {
        Sts__V1__ListClientsRequest request = STS__V1__LIST_CLIENTS_REQUEST__INIT;
        for (int more = 1; more;) {
            if (invoke(service, "/sts.v1.ClientService/ListClients", &request.base, &response, &call) != 0) {
                sts_call_dispose(&call);
                return 1;
            }
            const Sts__V1__ListClientsResponse *page = (const Sts__V1__ListClientsResponse *)response;
            for (size_t i = 0; i < page->n_entries; i++)
                print_client(page->entries[i]);
            more = page->paging->next[0] != '\0';
            request.after = sts_arena_strdup(&scratch->arena, page->paging->next);
            sts_call_dispose(&call);
        }
        return 0;
    }
    if (strcmp(command->verb, "add") != 0 || command->name == NULL)
        return usage();
    Sts__V1__CreateClientRequest request = STS__V1__CREATE_CLIENT_REQUEST__INIT;
    request.client_id = (char *)command->name;
    request.display_name = (char *)(command->display_name != NULL ? command->display_name : "");
    request.allowed_roles = split_roles(scratch, command->roles, &request.n_allowed_roles);
    request.confidential = command->secret;
    if (command->max_lifetime != NULL) {
        char *end = NULL;
        long seconds = strtol(command->max_lifetime, &end, 10);
        if (*end != '\0' || seconds < 1 || seconds > INT32_MAX) {
            fprintf(stderr, "stsd: --max-lifetime takes a number of seconds\n");
            return 2;
        }
        request.max_lifetime_value_case = STS__V1__CREATE_CLIENT_REQUEST__MAX_LIFETIME_VALUE_MAX_LIFETIME_SECONDS;
        request.max_lifetime_seconds = (int32_t)seconds;
    }
    rc = invoke(service, "/sts.v1.ClientService/CreateClient", &request.base, &response, &call);
    if (rc == 0)
        print_client((const Sts__V1__Client *)response);
    sts_call_dispose(&call);
    return rc;
}

static void print_key(const Sts__V1__SigningKey *key)
{
    printf("%s %s created %s%s%s\n", key->kid, key->algorithm, key->created_time,
           key->retired_case == STS__V1__SIGNING_KEY__RETIRED_RETIRED_TIME ? " retired " : " active",
           key->retired_case == STS__V1__SIGNING_KEY__RETIRED_RETIRED_TIME ? key->retired_time : "");
}

static int keys_command(sts_service_t *service, const command_t *command)
{
    ProtobufCMessage *response = NULL;
    sts_call_t call;
    int rc = 2;
    if (strcmp(command->verb, "rotate") == 0) {
        Sts__V1__RotateSigningKeyRequest request = STS__V1__ROTATE_SIGNING_KEY_REQUEST__INIT;
        if ((rc = invoke(service, "/sts.v1.SigningKeyService/RotateSigningKey", &request.base, &response, &call)) == 0)
            print_key((const Sts__V1__SigningKey *)response);
    } else if (strcmp(command->verb, "list") == 0) {
        Sts__V1__ListSigningKeysRequest request = STS__V1__LIST_SIGNING_KEYS_REQUEST__INIT;
        if ((rc = invoke(service, "/sts.v1.SigningKeyService/ListSigningKeys", &request.base, &response, &call)) == 0) {
            const Sts__V1__ListSigningKeysResponse *list = (const Sts__V1__ListSigningKeysResponse *)response;
            for (size_t i = 0; i < list->n_entries; i++)
                print_key(list->entries[i]);
        }
    } else {
        return usage();
    }
    sts_call_dispose(&call);
    return rc;
}

/* Whether access_token_roles grants name anything, so a token that would carry no role is said before it is used. */
static int granted(const char *grants, const char *name)
{
    size_t len = strlen(name);
    for (const char *p = grants; *p != '\0'; p += strcspn(p, ",") + (p[strcspn(p, ",")] == ',')) {
        p += strspn(p, " \t");
        if (strncmp(p, "domain:LOCAL=", 13) == 0 ||
            (strncmp(p, "user:", 5) == 0 && strncmp(p + 5, name, len) == 0 && p[5 + len] == '='))
            return 1;
    }
    return 0;
}

/*
 * Break-glass: every admin token is lost (admin.token is only written once), stsd may be stopped, and only the data
 * directory is at hand. The token goes to standard output alone so that it can be piped into a file.
 */
static int admin_token_command(const command_t *command, const sts_config_t *config, sts_store_t *store,
                               sts_key_setup_t *keys)
{
    if (strcmp(command->verb, "create") != 0 || command->name != NULL)
        return usage();
    const char *name = command->token_name != NULL ? command->token_name : "admin";
    if (name[0] == '\0' || strlen(name) > 256) {
        fprintf(stderr, "stsd: --name takes a user name of 1 to 256 bytes\n");
        return 2;
    }
    const char *ceiling = command->roles != NULL && command->roles[0] != '\0' ? command->roles : NULL;
    char token[STS_ACCESS_TOKEN_CHARS + 1], error[512];
    sts_token_record_t record;
    if (sts_server_mint_admin_token(store, keys->token_keys, name, ceiling,
                                    config->max_access_token_lifetime * 1000000LL, token, &record, error,
                                    sizeof(error)) != 0) {
        fprintf(stderr, "stsd: cannot create the access token: %s\n", error);
        return 1;
    }
    printf("%s\n", token);
    fflush(stdout);
    OPENSSL_cleanse(token, sizeof(token));
    char until[STS_TIME_ISO_MAX];
    sts_time_format_rfc3339(record.expiration_time, 0, until, sizeof(until));
    fprintf(stderr, "stsd: created access token %s for the LOCAL user %s, expiring at %s%s%s\n", record.id, name, until,
            ceiling != NULL ? ", roles at most " : "", ceiling != NULL ? ceiling : "");
    if (strstr(config->auth, "access-token") == NULL)
        fprintf(stderr,
                "stsd: warning: auth (%s) does not accept access tokens: this token works only once auth "
                "lists access-token\n",
                config->auth);
    if (!granted(config->access_token_roles, name))
        fprintf(stderr,
                "stsd: warning: access_token_roles (%s) grants %s no role: the token authenticates but "
                "may do nothing; add user:%s=admin\n",
                config->access_token_roles, name, name);
    return 0;
}

static int run(const command_t *command, const sts_config_t *config)
{
    char error[512];
    if (mkdir(config->data_dir, 0700) != 0 && errno != EEXIST) {
        fprintf(stderr, "stsd: cannot create the data directory %s: %s\n", config->data_dir, strerror(errno));
        return 1;
    }
    sts_store_t *store = sts_server_open_store(config, error, sizeof(error));
    if (store == NULL) {
        fprintf(stderr, "stsd: %s\n", error);
        return 1;
    }
    sts_key_setup_t keys;
    sts_login_setup_t login;
    int rc = 1, keys_started = sts_key_setup_start(&keys, config, store, error, sizeof(error)) == 0;
    int login_started = keys_started && sts_login_setup_start(&login, config, store, &keys, error, sizeof(error)) == 0;
    if (!login_started) {
        fprintf(stderr, "stsd: %s\n", error);
    } else {
        sts_service_t service;
        sts_service_defaults(&service, &sts_gen_method_table);
        service.store = store;
        service.login = &login.settings;
        sts_call_t scratch; /* holds what outlives one call: paging cursors, split roles */
        sts_call_init(&scratch, &service, NULL);
        if (strcmp(command->noun, "user") == 0)
            rc = user_command(&service, command, &scratch);
        else if (strcmp(command->noun, "client") == 0)
            rc = client_command(&service, command, &scratch);
        else if (strcmp(command->noun, "admin-token") == 0)
            rc = admin_token_command(command, config, store, &keys);
        else
            rc = keys_command(&service, command);
        sts_call_dispose(&scratch);
    }
    if (login_started)
        sts_login_setup_dispose(&login);
    if (keys_started)
        sts_key_setup_dispose(&keys);
    store->destroy(store);
    return rc;
}

int sts_cli_run(int argc, char **argv)
{
    if (argc < 2 || (strcmp(argv[1], "user") != 0 && strcmp(argv[1], "client") != 0 && strcmp(argv[1], "keys") != 0 &&
                     strcmp(argv[1], "admin-token") != 0))
        return -1;
    command_t command;
    char **rest = calloc((size_t)argc + 1, sizeof(char *));
    int rest_count = 0;
    if (rest == NULL)
        sts_log_fatal("out of memory");
    if (parse(argc, argv, &command, rest, &rest_count) != 0) {
        free(rest);
        return usage();
    }
    sts_config_t config;
    sts_config_init(&config);
    char error[512];
    int rc = 2;
    if (sts_config_load(&config, rest_count, rest, NULL, error, sizeof(error)) != 0)
        fprintf(stderr, "stsd: %s\n", error);
    else if (config.action != STS_CONFIG_RUN)
        rc = usage();
    else {
        sts_log_set_level(STS_LOG_WARN);
        sts_server_apply_secret_file_policy(&config);
        rc = run(&command, &config);
    }
    sts_config_dispose(&config);
    free(rest);
    return rc;
}
