#include "issuer/rgw_native_issuer.h"
#include <openssl/crypto.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yajl/yajl_tree.h>
#include "aws/role.h"
#include "aws/session_name.h"
#include "crypto/random.h"
#include "crypto/secret_file.h"
#include "issuer/rgw_token.h"
#include "util/log.h"
#include "util/text.h"

/* RGW's own AssumeRole mints 20 upper-case alphanumerics and a 40-character secret. */
enum { ACCESS_KEY_ID_LENGTH = 20, SECRET_LENGTH = 40, ROLE_PROBLEM_MAX = 768 };
/* AWS's limit for a session policy; it also keeps the token well inside an HTTP header. */
enum { POLICY_MAX = 2048 };
static const char access_key_alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
static const char secret_alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* What issue reads under the lock: copied out whole, so issuing never holds the lock while it works. */
typedef struct {
    uint8_t key[STS_RGW_KEY_BYTES];
    char role_id[STS_AWS_ROLE_ID_MAX]; /* "" while unknown or after the role went missing */
    int32_t role_max_seconds;          /* the role's MaxSessionDuration, 0 when unknown */
    char problem[ROLE_PROBLEM_MAX];    /* why role_id is "", for the caller */
    sts_status_t problem_status;
} snapshot_t;

typedef struct {
    sts_issuer_t base;
    pthread_mutex_t lock;
    sts_secret_file_t key_file; /* guarded by lock, with current */
    snapshot_t current;
    char *user_tenant, *user_id, *role_arn, *configured_role_id;
    int32_t max_duration_seconds;
    int has_client;
    sts_aws_client_t client;
} rgw_native_issuer_t;

/* Takes the key from the file's value; RGW uses its first 16 bytes and refuses shorter keys. */
static int take_key(rgw_native_issuer_t *issuer, char *error, size_t error_size)
{
    if (strlen(issuer->key_file.value) < STS_RGW_KEY_BYTES) {
        snprintf(error, error_size, "%s must hold RGW's rgw sts key, at least %d characters", issuer->key_file.path,
                 STS_RGW_KEY_BYTES);
        return -1;
    }
    memcpy(issuer->current.key, issuer->key_file.value, STS_RGW_KEY_BYTES);
    return 0;
}

/* Picks up a rotated key file; called with the lock held. A refused key leaves the current one in place. */
static void refresh_key(rgw_native_issuer_t *issuer)
{
    char error[512];
    if (sts_secret_file_refresh(&issuer->key_file) && take_key(issuer, error, sizeof(error)) != 0)
        sts_log_warn("%s; keeping the previous key", error);
}

static void take_snapshot(rgw_native_issuer_t *issuer, snapshot_t *out)
{
    pthread_mutex_lock(&issuer->lock);
    *out = issuer->current;
    pthread_mutex_unlock(&issuer->lock);
}

static int is_json_object(const char *text)
{
    yajl_val value = yajl_tree_parse(text, NULL, 0);
    int ok = value != NULL && YAJL_IS_OBJECT(value);
    yajl_tree_free(value);
    return ok;
}

static char *random_text(sts_arena_t *arena, size_t length, const char *alphabet, size_t alphabet_length)
{
    char *text = sts_arena_alloc(arena, length + 1);
    sts_random_chars(text, length, alphabet, alphabet_length);
    text[length] = '\0';
    return text;
}

static char *rgw_time(sts_arena_t *arena, sts_time_us_t t)
{
    char *text = sts_arena_alloc(arena, STS_TIME_ISO_MAX);
    return sts_time_format_rfc3339(t, 9, text, STS_TIME_ISO_MAX) > 0 ? text : NULL;
}

static sts_status_t issue(sts_issuer_t *self, sts_call_t *call, const sts_issue_params_t *params,
                          sts_issued_credentials_t *out)
{
    rgw_native_issuer_t *issuer = (rgw_native_issuer_t *)self;
    /* RGW would drop an unreadable policy and grant the whole role; refuse it as RGW's AssumeRole does. */
    if (params->policy != NULL && strlen(params->policy) > POLICY_MAX)
        return sts_call_fail(call, STS_STATUS_INVALID_ARGUMENT, "Policy is longer than %d characters", POLICY_MAX);
    if (params->policy != NULL && !is_json_object(params->policy))
        return sts_call_fail(call, STS_STATUS_INVALID_ARGUMENT, "Policy must be a JSON object (an IAM policy)");
    snapshot_t *state = sts_arena_alloc(&call->arena, sizeof(*state));
    take_snapshot(issuer, state);
    if (state->role_id[0] == '\0') {
        OPENSSL_cleanse(state->key, sizeof(state->key));
        return sts_call_fail(call, state->problem_status, "%s", state->problem);
    }
    /* RGW enforces no lifetime on these tokens: the cap here is the only one. */
    int32_t seconds = params->duration_seconds;
    if (seconds > issuer->max_duration_seconds)
        seconds = issuer->max_duration_seconds;
    if (state->role_max_seconds > 0 && seconds > state->role_max_seconds)
        seconds = state->role_max_seconds;
    sts_time_us_t issued_at = sts_time_now();
    out->expiration = issued_at + (sts_time_us_t)seconds * 1000000;
    char session_name[STS_AWS_SESSION_NAME_MAX];
    sts_aws_session_name(params->subject, session_name);
    sts_rgw_token_fields_t fields = {
        .access_key_id =
            random_text(&call->arena, ACCESS_KEY_ID_LENGTH, access_key_alphabet, sizeof(access_key_alphabet) - 1),
        .secret_access_key = random_text(&call->arena, SECRET_LENGTH, secret_alphabet, sizeof(secret_alphabet) - 1),
        .expiration = rgw_time(&call->arena, out->expiration),
        .policy = params->policy != NULL ? params->policy : "",
        .role_id = state->role_id,
        .user_tenant = issuer->user_tenant,
        .user_id = issuer->user_id,
        .user_ns = "",
        .acct_name = "",
        .acct_type = 4,
        .role_session = session_name,
        .issued_at = rgw_time(&call->arena, issued_at),
    };
    out->session_token = fields.expiration != NULL && fields.issued_at != NULL
                             ? sts_rgw_token_seal(state->key, &fields, &call->arena)
                             : NULL;
    OPENSSL_cleanse(state->key, sizeof(state->key));
    if (out->session_token == NULL)
        return sts_call_fail(call, STS_STATUS_INTERNAL, "cannot build the RGW session token");
    out->access_key_id = fields.access_key_id;
    out->secret_access_key = fields.secret_access_key;
    return STS_STATUS_OK;
}

/* Applies a GetRole answer. A failed lookup keeps a known id: minting needs no RGW, and the id is still right. */
static void apply_role(rgw_native_issuer_t *issuer, const sts_aws_role_t *role)
{
    snapshot_t *state = &issuer->current;
    if (role->state == STS_AWS_ROLE_FOUND && issuer->configured_role_id != NULL &&
        strcmp(role->id, issuer->configured_role_id) != 0) {
        snprintf(state->problem, sizeof(state->problem),
                 "role %s has id %s at RGW, not the configured rgw_role_id %s; no credentials are issued for it",
                 issuer->role_arn, role->id, issuer->configured_role_id);
        state->problem_status = STS_STATUS_FAILED_PRECONDITION;
        state->role_id[0] = '\0';
    } else if (role->state == STS_AWS_ROLE_FOUND) {
        memcpy(state->role_id, role->id, sizeof(state->role_id));
        state->role_max_seconds = role->max_session_seconds;
    } else if (role->state == STS_AWS_ROLE_MISSING) {
        snprintf(state->problem, sizeof(state->problem), "%.700s; no credentials are issued for it", role->message);
        state->problem_status = STS_STATUS_FAILED_PRECONDITION;
        state->role_id[0] = '\0';
    } else if (state->role_id[0] == '\0') {
        snprintf(state->problem, sizeof(state->problem), "%s", role->message);
        state->problem_status = STS_STATUS_UNAVAILABLE;
    }
}

/* The background half: the key file's rotation and the role's GetRole, so issuing itself never does I/O. */
static sts_status_t check(sts_issuer_t *self, char *message, size_t message_size)
{
    rgw_native_issuer_t *issuer = (rgw_native_issuer_t *)self;
    sts_aws_role_t role = {.state = STS_AWS_ROLE_FOUND};
    if (issuer->has_client)
        sts_aws_role_get(&issuer->client, issuer->role_arn, &role);
    pthread_mutex_lock(&issuer->lock);
    refresh_key(issuer);
    if (issuer->has_client)
        apply_role(issuer, &role);
    int ready = role.state != STS_AWS_ROLE_UNKNOWN && issuer->current.role_id[0] != '\0';
    snprintf(message, message_size, "%s",
             ready                                ? "ok"
             : role.state == STS_AWS_ROLE_UNKNOWN ? role.message
                                                  : issuer->current.problem);
    pthread_mutex_unlock(&issuer->lock);
    return ready ? STS_STATUS_OK : STS_STATUS_UNAVAILABLE;
}

static void destroy(sts_issuer_t *self)
{
    rgw_native_issuer_t *issuer = (rgw_native_issuer_t *)self;
    if (issuer->has_client)
        sts_aws_client_dispose(&issuer->client);
    sts_secret_file_dispose(&issuer->key_file);
    OPENSSL_cleanse(&issuer->current, sizeof(issuer->current));
    pthread_mutex_destroy(&issuer->lock);
    free(issuer->user_tenant);
    free(issuer->user_id);
    free(issuer->role_arn);
    free(issuer->configured_role_id);
    free(issuer);
}

static int check_settings(const sts_rgw_native_settings_t *settings, char *error, size_t error_size)
{
    const char *id = settings->role_id;
    if (settings->user == NULL || settings->user[0] == '\0')
        snprintf(error, error_size, "the rgw-native issuer needs rgw_user, the RGW user its sessions act for");
    else if ((id == NULL || id[0] == '\0') && settings->connection == NULL)
        snprintf(error, error_size,
                 "the rgw-native issuer needs rgw_role_id, or role_arn with sts_endpoint_url and creds_path to look "
                 "the role up");
    else if (settings->connection != NULL && settings->role_arn == NULL)
        snprintf(error, error_size, "the rgw-native issuer needs role_arn to look the role up");
    else if (id != NULL && strlen(id) >= STS_AWS_ROLE_ID_MAX)
        snprintf(error, error_size, "rgw_role_id is longer than %d characters", STS_AWS_ROLE_ID_MAX - 1);
    else
        return 0;
    return -1;
}

sts_issuer_t *sts_rgw_native_issuer_create(const sts_rgw_native_settings_t *settings, char *error, size_t error_size)
{
    if (check_settings(settings, error, error_size) != 0)
        return NULL;
    rgw_native_issuer_t *issuer = calloc(1, sizeof(*issuer));
    if (issuer == NULL)
        sts_log_fatal("out of memory");
    int opened = sts_secret_file_open(&issuer->key_file, settings->key_file, error, error_size);
    if (opened == STS_SECRET_FILE_NOT_PRIVATE)
        snprintf(error + strlen(error), error_size - strlen(error), " (it holds a root-equivalent RGW secret)");
    if (opened != 0) {
        free(issuer);
        return NULL;
    }
    issuer->has_client = settings->connection != NULL;
    if (take_key(issuer, error, error_size) != 0 ||
        (issuer->has_client && sts_aws_client_init(&issuer->client, settings->connection, error, error_size) != 0)) {
        sts_secret_file_dispose(&issuer->key_file);
        OPENSSL_cleanse(&issuer->current, sizeof(issuer->current));
        free(issuer);
        return NULL;
    }
    pthread_mutex_init(&issuer->lock, NULL);
    const char *dollar = strchr(settings->user, '$');
    issuer->user_tenant = sts_strndup(settings->user, dollar != NULL ? (size_t)(dollar - settings->user) : 0);
    issuer->user_id = sts_strdup(dollar != NULL ? dollar + 1 : settings->user);
    issuer->role_arn = sts_strdup(settings->role_arn);
    issuer->max_duration_seconds = settings->max_duration_seconds;
    snapshot_t *state = &issuer->current;
    state->problem_status = STS_STATUS_UNAVAILABLE;
    if (settings->role_id != NULL && settings->role_id[0] != '\0') {
        issuer->configured_role_id = sts_strdup(settings->role_id);
        memcpy(state->role_id, settings->role_id, strlen(settings->role_id) + 1);
    } else {
        snprintf(state->problem, sizeof(state->problem), "the id of role %s has not been looked up yet",
                 settings->role_arn);
    }
    issuer->base.name = "rgw-native";
    issuer->base.issue = issue;
    issuer->base.check = check;
    issuer->base.destroy = destroy;
    return &issuer->base;
}
