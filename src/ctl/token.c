/* stsctl token and stsctl credential-process: PUT /token, printed for people, shells, aws config or the AWS SDKs. */
#include <stdio.h>
#include <string.h>

#include "ctl/command.h"
#include "ctl/http.h"
#include "ctl/json.h"

static const char token_usage[] =
    "usage: stsctl token [--duration SECONDS] [--format json|env|aws-profile] [--profile NAME] [common flags]\n"
    "Gets temporary S3 credentials (PUT /token) and prints them: as the server's JSON (default), as shell\n"
    "'export AWS_...=' lines (env), or as an AWS credentials-file profile named NAME (aws-profile, default\n"
    "'default').\n";

static const char process_usage[] =
    "usage: stsctl credential-process [--duration SECONDS] [common flags]\n"
    "Prints temporary S3 credentials as the AWS SDKs' credential_process JSON. In ~/.aws/config:\n"
    "  credential_process = stsctl credential-process --url https://sts.example:9443 --token-file ~/.sts-token\n";

typedef struct {
    const char *access_key_id, *secret_access_key, *session_token, *expiration, *endpoint_url;
} credentials_t;

/* PUT /token; on success *root holds the answer (free it) and credentials point into it. */
static int fetch(sts_ctl_t *ctl, const char *duration, yajl_val *root, credentials_t *credentials)
{
    char body[64];
    long seconds = 0;
    if (duration != NULL) {
        if (sts_ctl_args_number("--duration", duration, 1, 86400 * 366, &seconds) != 0)
            return STS_CTL_EXIT_USAGE;
        snprintf(body, sizeof(body), "{\"DurationSeconds\":%ld}", seconds);
    }
    sts_buf_t response;
    sts_buf_init(&response, STS_CTL_RESPONSE_MAX);
    int status = sts_ctl_http_call(ctl, "PUT", "/token", duration ? body : NULL, ctl->token, &response);
    *root = NULL;
    if (status == STS_CTL_EXIT_OK) {
        *root = sts_ctl_json_parse(response.data, response.len);
        credentials->access_key_id = sts_ctl_json_string(*root, "Credentials", "AccessKeyId");
        credentials->secret_access_key = sts_ctl_json_string(*root, "Credentials", "SecretAccessKey");
        credentials->session_token = sts_ctl_json_string(*root, "Credentials", "SessionToken");
        credentials->expiration = sts_ctl_json_string(*root, "Credentials", "Expiration");
        credentials->endpoint_url = sts_ctl_json_string(*root, "Credentials", "EndpointURL");
        if (credentials->access_key_id == NULL || credentials->secret_access_key == NULL ||
            credentials->session_token == NULL || credentials->expiration == NULL) {
            sts_ctl_error("PUT %s/token: the answer has no Credentials with AccessKeyId, SecretAccessKey, "
                          "SessionToken and Expiration",
                          ctl->url);
            status = STS_CTL_EXIT_FAILED;
        }
    }
    sts_buf_dispose(&response);
    return status;
}

/* A value in single quotes for POSIX shells: a ' inside becomes '\''. */
static void shell_quoted(const char *text)
{
    fputc('\'', stdout);
    for (const char *p = text; *p; p++) {
        if (*p == '\'')
            fputs("'\\''", stdout);
        else
            fputc(*p, stdout);
    }
    fputc('\'', stdout);
}

static void print_env(const credentials_t *credentials)
{
    const char *names[] = {"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN",
                           "AWS_CREDENTIAL_EXPIRATION", "AWS_ENDPOINT_URL"};
    const char *values[] = {credentials->access_key_id, credentials->secret_access_key, credentials->session_token,
                            credentials->expiration, credentials->endpoint_url};
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        if (values[i] == NULL || values[i][0] == '\0')
            continue;
        printf("export %s=", names[i]);
        shell_quoted(values[i]);
        fputc('\n', stdout);
    }
}

static int print_profile(const credentials_t *credentials, const char *profile)
{
    if (profile[0] == '\0' || strpbrk(profile, "[]\r\n") != NULL) {
        sts_ctl_error("--profile must be a non-empty name without '[', ']' or line breaks");
        return STS_CTL_EXIT_USAGE;
    }
    printf("# expires %s\n[%s]\naws_access_key_id = %s\naws_secret_access_key = %s\naws_session_token = %s\n",
           credentials->expiration, profile, credentials->access_key_id, credentials->secret_access_key,
           credentials->session_token);
    if (credentials->endpoint_url != NULL && credentials->endpoint_url[0] != '\0')
        printf("endpoint_url = %s\n", credentials->endpoint_url);
    return STS_CTL_EXIT_OK;
}

int sts_ctl_cmd_token(int argc, char **argv)
{
    sts_ctl_flag_t own[] = {{"duration", 1, NULL}, {"format", 1, NULL}, {"profile", 1, NULL}};
    sts_ctl_args_t args;
    sts_ctl_t ctl;
    int done = 0;
    int status = sts_ctl_command_begin(token_usage, argc, argv, own, 3, 0, 1, &args, &ctl, &done);
    if (done)
        return status;
    const char *format = own[1].value ? own[1].value : "json";
    if (strcmp(format, "json") != 0 && strcmp(format, "env") != 0 && strcmp(format, "aws-profile") != 0) {
        sts_ctl_error("--format must be json, env or aws-profile");
        sts_ctl_dispose(&ctl);
        return STS_CTL_EXIT_USAGE;
    }
    yajl_val root = NULL;
    credentials_t credentials;
    status = fetch(&ctl, own[0].value, &root, &credentials);
    if (status == STS_CTL_EXIT_OK) {
        if (strcmp(format, "env") == 0) {
            print_env(&credentials);
        } else if (strcmp(format, "aws-profile") == 0) {
            status = print_profile(&credentials, own[2].value ? own[2].value : "default");
        } else {
            sts_ctl_json_print(root, stdout);
        }
    }
    yajl_tree_free(root);
    sts_ctl_dispose(&ctl);
    return status;
}

int sts_ctl_cmd_credential_process(int argc, char **argv)
{
    sts_ctl_flag_t own[] = {{"duration", 1, NULL}};
    sts_ctl_args_t args;
    sts_ctl_t ctl;
    int done = 0;
    int status = sts_ctl_command_begin(process_usage, argc, argv, own, 1, 0, 1, &args, &ctl, &done);
    if (done)
        return status;
    yajl_val root = NULL;
    credentials_t credentials;
    status = fetch(&ctl, own[0].value, &root, &credentials);
    if (status == STS_CTL_EXIT_OK) {
        /* https://docs.aws.amazon.com/sdkref/latest/guide/feature-process-credentials.html: Version 1. */
        yajl_gen gen = sts_ctl_json_gen(0);
        yajl_gen_map_open(gen);
        sts_ctl_json_string_out(gen, "Version");
        yajl_gen_integer(gen, 1);
        sts_ctl_json_string_out(gen, "AccessKeyId");
        sts_ctl_json_string_out(gen, credentials.access_key_id);
        sts_ctl_json_string_out(gen, "SecretAccessKey");
        sts_ctl_json_string_out(gen, credentials.secret_access_key);
        sts_ctl_json_string_out(gen, "SessionToken");
        sts_ctl_json_string_out(gen, credentials.session_token);
        sts_ctl_json_string_out(gen, "Expiration");
        sts_ctl_json_string_out(gen, credentials.expiration);
        yajl_gen_map_close(gen);
        sts_ctl_json_flush(gen, stdout);
        yajl_gen_free(gen);
    }
    yajl_tree_free(root);
    sts_ctl_dispose(&ctl);
    return status;
}
