#include "issuer/upstream_issuer.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "aws/client.h"
#include "aws/session_name.h"
#include "aws/sigv4.h"
#include "util/log.h"
#include "util/text.h"

typedef struct {
    sts_issuer_t base;
    sts_aws_client_t client;
    int assume_role;
    char *role_arn;
} upstream_issuer_t;

static int build_form(const upstream_issuer_t *issuer, const char *session_name, int32_t duration, const char *policy,
                      sts_buf_t *form)
{
    int rc = sts_buf_append_str(form, issuer->assume_role ? "Action=AssumeRole" : "Action=GetSessionToken");
    rc |= sts_buf_append_str(form, "&Version=2011-06-15");
    char number[32];
    snprintf(number, sizeof(number), "&DurationSeconds=%d", (int)duration);
    rc |= sts_buf_append_str(form, number);
    if (issuer->assume_role) {
        rc |= sts_buf_append_str(form, "&RoleArn=") | sts_aws_sigv4_uri_encode(form, issuer->role_arn);
        rc |= sts_buf_append_str(form, "&RoleSessionName=") | sts_aws_sigv4_uri_encode(form, session_name);
        if (policy != NULL)
            rc |= sts_buf_append_str(form, "&Policy=") | sts_aws_sigv4_uri_encode(form, policy);
    }
    return rc | sts_buf_append(form, "", 1); /* NUL-terminated for curl */
}

/* What one call to the upstream gave: a status for the caller and, unless OK, a message. */
typedef struct {
    sts_status_t status;
    sts_aws_reply_t reply;
    char message[768]; /* names the endpoint without user information; the peer's text in it is made safe */
} upstream_result_t;

static void explain_http_error(const upstream_issuer_t *issuer, long http_status, const sts_aws_response_t *r,
                               upstream_result_t *out)
{
    /* The response parser already cut these to a bounded length and replaced their control characters. */
    const char *code = r->error_code != NULL && r->error_code[0] != '\0' ? r->error_code : "no error code";
    const char *detail = r->error_message != NULL && r->error_message[0] != '\0' ? r->error_message : "";
    const char *url = issuer->client.shown_url;
    if (http_status == 404 && issuer->assume_role) {
        out->status = STS_STATUS_FAILED_PRECONDITION;
        snprintf(out->message, sizeof(out->message), "role %s not found at %s (404 %s)", issuer->role_arn, url, code);
    } else if (http_status == 401 || http_status == 403) {
        out->status = STS_STATUS_FAILED_PRECONDITION;
        snprintf(out->message, sizeof(out->message),
                 "the STS at %s rejected our access key (%ld %s%s%s): check the configured access_key and secret_key "
                 "and that the user may call %s",
                 url, http_status, code, detail[0] ? ": " : "", detail,
                 issuer->assume_role ? "AssumeRole" : "GetSessionToken");
    } else if (http_status >= 400 && http_status < 500) {
        out->status = STS_STATUS_INVALID_ARGUMENT;
        snprintf(out->message, sizeof(out->message), "the STS at %s refused the request (%ld %s%s%s)", url, http_status,
                 code, detail[0] ? ": " : "", detail);
    } else {
        out->status = STS_STATUS_UNAVAILABLE;
        snprintf(out->message, sizeof(out->message), "the STS at %s failed (%ld %s)", url, http_status, code);
    }
}

/* One call to the upstream; a failed exchange or an HTTP error becomes a status and a message. */
static void call_upstream(upstream_issuer_t *issuer, const char *form, const char *request_id, int64_t deadline_ns,
                          sts_arena_t *arena, upstream_result_t *out)
{
    sts_aws_client_call(&issuer->client, "sts", form, request_id, deadline_ns, arena, &out->reply);
    out->status = STS_STATUS_OK;
    out->message[0] = '\0';
    if (out->reply.outcome != STS_AWS_ANSWERED) {
        out->status = out->reply.outcome == STS_AWS_DEADLINE ? STS_STATUS_DEADLINE_EXCEEDED : STS_STATUS_UNAVAILABLE;
        snprintf(out->message, sizeof(out->message), "%s", out->reply.message);
    } else if (out->reply.http_status != 200) {
        explain_http_error(issuer, out->reply.http_status, &out->reply.response, out);
    }
}

static sts_status_t issue(sts_issuer_t *self, sts_call_t *call, const sts_issue_params_t *params,
                          sts_issued_credentials_t *out)
{
    upstream_issuer_t *issuer = (upstream_issuer_t *)self;
    char session_name[STS_AWS_SESSION_NAME_MAX];
    sts_aws_session_name(params->subject, session_name);
    sts_buf_t form;
    sts_buf_init(&form, 16 * 1024);
    if (build_form(issuer, session_name, params->duration_seconds, params->policy, &form) != 0) {
        sts_buf_dispose(&form);
        return sts_call_fail(call, STS_STATUS_INVALID_ARGUMENT, "the request to the STS would be too large");
    }
    upstream_result_t *result = sts_arena_calloc(&call->arena, sizeof(*result));
    call_upstream(issuer, form.data, call->request_id, call->deadline_ns, &call->arena, result);
    sts_buf_dispose(&form);
    if (result->status != STS_STATUS_OK)
        return sts_call_fail(call, result->status, "%s", result->message);
    const sts_aws_response_t *r = &result->reply.response;
    if (r->access_key_id == NULL || r->secret_access_key == NULL || r->session_token == NULL || r->expiration == NULL ||
        sts_time_parse_rfc3339(r->expiration, strlen(r->expiration), &out->expiration) != 0)
        return sts_call_fail(call, STS_STATUS_UNAVAILABLE,
                             "the STS at %s answered 200 without complete credentials (or with an unreadable "
                             "Expiration)",
                             issuer->client.shown_url);
    out->access_key_id = r->access_key_id;
    out->secret_access_key = r->secret_access_key;
    out->session_token = r->session_token;
    return STS_STATUS_OK;
}

static sts_status_t check(sts_issuer_t *self, char *message, size_t message_size)
{
    upstream_issuer_t *issuer = (upstream_issuer_t *)self;
    sts_arena_t arena;
    sts_arena_init(&arena);
    sts_buf_t form;
    sts_buf_init(&form, 4096);
    build_form(issuer, "stsd-readiness-check", 900, NULL, &form);
    upstream_result_t *result = sts_arena_calloc(&arena, sizeof(*result));
    call_upstream(issuer, form.data, NULL, 0, &arena, result);
    sts_buf_dispose(&form);
    if (result->status == STS_STATUS_OK && result->reply.response.access_key_id == NULL) {
        result->status = STS_STATUS_UNAVAILABLE;
        snprintf(result->message, sizeof(result->message), "the STS at %s answered without credentials",
                 issuer->client.shown_url);
    }
    snprintf(message, message_size, "%s", result->status == STS_STATUS_OK ? "ok" : result->message);
    sts_status_t status = result->status;
    sts_arena_dispose(&arena);
    return status;
}

static void destroy(sts_issuer_t *self)
{
    upstream_issuer_t *issuer = (upstream_issuer_t *)self;
    sts_aws_client_dispose(&issuer->client);
    free(issuer->role_arn);
    free(issuer);
}

sts_issuer_t *sts_upstream_issuer_create(const sts_upstream_settings_t *settings, char *error, size_t error_size)
{
    int assume_role = strcmp(settings->action, "AssumeRole") == 0;
    if (!assume_role && strcmp(settings->action, "GetSessionToken") != 0) {
        snprintf(error, error_size, "sts_action must be AssumeRole or GetSessionToken, got '%.64s'", settings->action);
        return NULL;
    }
    if (assume_role && (settings->role_arn == NULL || settings->role_arn[0] == '\0')) {
        snprintf(error, error_size, "the sts issuer with AssumeRole needs role_arn (or arn in the rados config)");
        return NULL;
    }
    upstream_issuer_t *issuer = calloc(1, sizeof(*issuer));
    if (issuer == NULL)
        sts_log_fatal("out of memory");
    if (sts_aws_client_init(&issuer->client, &settings->connection, error, error_size) != 0) {
        free(issuer);
        return NULL;
    }
    issuer->assume_role = assume_role;
    issuer->role_arn = sts_strdup(settings->role_arn);
    issuer->base.name = "sts";
    issuer->base.blocking = 1;
    issuer->base.issue = issue;
    issuer->base.check = check;
    issuer->base.destroy = destroy;
    return &issuer->base;
}
