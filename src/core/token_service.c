#include "sts_methods.h"
#include "util/log.h"

#include <string.h>

#include "core/metrics.h"
#include "core/service.h"
#include "sts/v1/access_tokens.pb-c.h"
#include "sts/v1/token.pb-c.h"

static const char *format_time(sts_call_t *call, sts_time_us_t t)
{
    char *out = sts_arena_alloc(&call->arena, STS_TIME_ISO_MAX);
    if (sts_time_format_iso_micro(t, out, STS_TIME_ISO_MAX) < 0)
        out[0] = '\0';
    return out;
}

static sts_status_t check_limits(sts_call_t *call, const Sts__V1__IssueTokenRequest *request, int32_t *duration)
{
    const sts_service_t *service = call->service;
    int given = request->duration_case == STS__V1__ISSUE_TOKEN_REQUEST__DURATION_DURATION_SECONDS;
    *duration = given ? request->duration_seconds : service->default_duration_seconds;
    if (*duration < service->min_duration_seconds || *duration > service->max_duration_seconds)
        return sts_call_fail(call, STS_STATUS_INVALID_ARGUMENT, "DurationSeconds must be from %d to %d seconds, got %d",
                             service->min_duration_seconds, service->max_duration_seconds, request->duration_seconds);
    size_t policy_length = strlen(request->policy);
    if (policy_length > service->max_policy_length)
        return sts_call_fail(call, STS_STATUS_INVALID_ARGUMENT, "Policy must be at most %zu characters, got %zu",
                             service->max_policy_length, policy_length);
    return STS_STATUS_OK;
}

sts_status_t sts_handle_token_service_issue_token(sts_call_t *call, const ProtobufCMessage *request_message,
                                                  ProtobufCMessage *response_message)
{
    const Sts__V1__IssueTokenRequest *request = (const Sts__V1__IssueTokenRequest *)request_message;
    Sts__V1__IssueTokenResponse *response = (Sts__V1__IssueTokenResponse *)response_message;
    int32_t duration;
    sts_status_t status = check_limits(call, request, &duration);
    if (status != STS_STATUS_OK)
        return status;
    sts_issuer_t *issuer = call->service->issuer;
    if (issuer == NULL)
        return sts_call_fail(call, STS_STATUS_UNAVAILABLE, "no credential issuer is configured");
    sts_issue_params_t params = {
        .subject = call->principal.name,
        .duration_seconds = duration,
        .policy = request->policy[0] != '\0' ? request->policy : NULL,
    };
    sts_issued_credentials_t issued;
    status = issuer->issue(issuer, call, &params, &issued);
    if (status != STS_STATUS_OK)
        return status;
    Sts__V1__Credentials *credentials = sts_arena_alloc(&call->arena, sizeof(*credentials));
    sts__v1__credentials__init(credentials);
    credentials->access_key_id = (char *)issued.access_key_id;
    credentials->secret_access_key = (char *)issued.secret_access_key;
    credentials->session_token = (char *)issued.session_token;
    credentials->expiration = (char *)format_time(call, issued.expiration);
    credentials->endpoint_url = (char *)call->service->endpoint_url;
    response->credentials = credentials;
    /* At debug level: the request line and the audit record already say it, and a write per credential is costly. */
    const sts_principal_t *who = &call->principal;
    if (who->authenticated) {
        const ProtobufCEnumValue *domain =
            protobuf_c_enum_descriptor_get_value(&sts__v1__identity_domain__descriptor, who->domain);
        sts_log_debug("issued %s to %s (%s '%s'), expiring %s", issued.access_key_id, who->name,
                      domain != NULL ? domain->name : "?", who->auth_id, credentials->expiration);
    } else {
        sts_log_debug("issued %s to an anonymous caller, expiring %s", issued.access_key_id, credentials->expiration);
    }
    sts_metrics_count_event(strcmp(issuer->name, "sts") == 0          ? STS_METRIC_ISSUED_STS
                            : strcmp(issuer->name, "rgw-native") == 0 ? STS_METRIC_ISSUED_RGW_NATIVE
                                                                      : STS_METRIC_ISSUED_LOCAL);
    STS_AUDIT(call, "credential.issued", {"issuer", issuer->name}, {"access_key_id", issued.access_key_id},
              {"role_session_name", params.subject}, {"expiration", credentials->expiration});
    return STS_STATUS_OK;
}

sts_status_t sts_handle_token_service_health(sts_call_t *call, const ProtobufCMessage *request,
                                             ProtobufCMessage *response_message)
{
    (void)call;
    (void)request;
    ((Sts__V1__HealthResponse *)response_message)->status = "ok";
    return STS_STATUS_OK;
}

sts_status_t sts_handle_token_service_ready(sts_call_t *call, const ProtobufCMessage *request,
                                            ProtobufCMessage *response_message)
{
    (void)request;
    char message[STS_READINESS_MESSAGE_MAX];
    if (call->service->readiness != NULL && !sts_readiness_get(call->service->readiness, message, sizeof(message)))
        return sts_call_fail(call, STS_STATUS_UNAVAILABLE, "not ready: %s", message);
    Sts__V1__ReadyResponse *response = (Sts__V1__ReadyResponse *)response_message;
    response->status = "ok";
    if (call->service->readiness != NULL &&
        sts_readiness_get_notice(call->service->readiness, message, sizeof(message))) {
        response->notice_case = STS__V1__READY_RESPONSE__NOTICE_MESSAGE;
        response->message = sts_arena_strdup(&call->arena, message);
    }
    return STS_STATUS_OK;
}

static const char *verify_message(sts_verify_reason_t reason)
{
    switch (reason) {
    case STS_VERIFY_VALID:
        return "the credentials are valid";
    case STS_VERIFY_TAMPERED:
        return "the session token was altered after it was issued";
    case STS_VERIFY_EXPIRED:
        return "the credentials have expired";
    case STS_VERIFY_FOREIGN_KEY:
        return "the session token was sealed with a key this service does not hold";
    case STS_VERIFY_MALFORMED:
        return "the session token is not in a format this service issues";
    case STS_VERIFY_ACCESS_KEY_MISMATCH:
        return "the session token belongs to a different AccessKeyId";
    }
    return "unknown";
}

sts_status_t sts_handle_token_service_verify_credentials(sts_call_t *call, const ProtobufCMessage *request_message,
                                                         ProtobufCMessage *response_message)
{
    const Sts__V1__VerifyCredentialsRequest *request = (const Sts__V1__VerifyCredentialsRequest *)request_message;
    Sts__V1__VerifyCredentialsResponse *response = (Sts__V1__VerifyCredentialsResponse *)response_message;
    if (request->access_key_id[0] == '\0')
        return sts_call_fail(call, STS_STATUS_INVALID_ARGUMENT, "AccessKeyId is required");
    if (request->session_token[0] == '\0')
        return sts_call_fail(call, STS_STATUS_INVALID_ARGUMENT, "SessionToken is required");
    sts_issuer_t *issuer = call->service->issuer;
    if (issuer == NULL || issuer->verify == NULL)
        return sts_call_fail(call, STS_STATUS_UNIMPLEMENTED, "the configured issuer cannot verify credentials");
    sts_verify_result_t result = {0};
    sts_status_t status = issuer->verify(issuer, call, request->access_key_id, request->session_token, &result);
    if (status != STS_STATUS_OK)
        return status;
    response->valid = result.reason == STS_VERIFY_VALID;
    response->reason = (Sts__V1__VerifyReason)result.reason;
    response->subject = result.subject != NULL ? (char *)result.subject : "";
    response->expiration = result.expiration != 0 ? (char *)format_time(call, result.expiration) : "";
    response->message = (char *)verify_message(result.reason);
    return STS_STATUS_OK;
}
