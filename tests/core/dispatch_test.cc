#include <gtest/gtest.h>

#include <cstring>
#include <string>

extern "C" {
#include "core/dispatch.h"
#include "core/service.h"
#include "sts_methods.h"
}

namespace
{

/* Records what core asks of an issuer, so the tests see exactly what dispatch and the handlers pass on. */
struct RecordingIssuer {
    sts_issuer_t base;
    sts_issue_params_t last;
    int calls;
};

sts_status_t record_issue(sts_issuer_t *self, sts_call_t *call, const sts_issue_params_t *params,
                          sts_issued_credentials_t *out)
{
    auto *issuer = reinterpret_cast<RecordingIssuer *>(self);
    issuer->last = *params;
    issuer->calls++;
    out->access_key_id = sts_arena_strdup(&call->arena, "ASIAAAAAAAAAAAAAAAAA");
    out->secret_access_key = sts_arena_strdup(&call->arena, "secret");
    out->session_token = sts_arena_strdup(&call->arena, "token");
    out->expiration = 1571066143480741LL;
    return STS_STATUS_OK;
}

sts_status_t deny(void *, sts_call_t *call)
{
    return sts_call_fail(call, STS_STATUS_UNAUTHENTICATED, "no credentials");
}

sts_status_t allow_without_roles(void *, sts_call_t *call)
{
    call->principal.authenticated = 1;
    return STS_STATUS_OK;
}

sts_status_t grant_ops(void *, sts_call_t *call)
{
    static const char *const roles[] = {"viewer", "ops"};
    call->principal.authenticated = 1;
    call->principal.name = "carol";
    call->principal.roles = roles;
    call->principal.role_count = 2;
    return STS_STATUS_OK;
}

class Dispatch : public ::testing::Test
{
  protected:
    RecordingIssuer issuer{};
    sts_service_t service;
    sts_call_t call;
    bool call_live = false;

    void SetUp() override
    {
        issuer.base.name = "recording";
        issuer.base.issue = record_issue;
        sts_service_defaults(&service, &sts_gen_method_table);
        service.issuer = &issuer.base;
        service.endpoint_url = "https://s3.test";
    }
    void TearDown() override
    {
        if (call_live)
            sts_call_dispose(&call);
    }
    const sts_method_t *method(const char *path)
    {
        return sts_method_find_grpc(&sts_gen_method_table, path, strlen(path));
    }
    sts_status_t run(const char *path, const ProtobufCMessage *request, ProtobufCMessage **response,
                     const sts_method_t *row = nullptr)
    {
        if (call_live)
            sts_call_dispose(&call);
        sts_call_init(&call, &service, row != nullptr ? row : method(path));
        call_live = true;
        return sts_dispatch(&call, request, response);
    }
    sts_status_t issue(Sts__V1__IssueTokenRequest *request, Sts__V1__IssueTokenResponse **response)
    {
        return run("/sts.v1.TokenService/IssueToken", &request->base, reinterpret_cast<ProtobufCMessage **>(response));
    }
};

TEST_F(Dispatch, IssueTokenUsesTheDefaultLifetime)
{
    Sts__V1__IssueTokenRequest request = STS__V1__ISSUE_TOKEN_REQUEST__INIT;
    Sts__V1__IssueTokenResponse *response = nullptr;
    ASSERT_EQ(issue(&request, &response), STS_STATUS_OK) << call.error_message;
    EXPECT_EQ(issuer.last.duration_seconds, 3600);
    ASSERT_NE(response->credentials, nullptr);
    EXPECT_STREQ(response->credentials->access_key_id, "ASIAAAAAAAAAAAAAAAAA");
    EXPECT_STREQ(response->credentials->endpoint_url, "https://s3.test");
    EXPECT_STREQ(response->credentials->expiration, "2019-10-14T15:15:43.480741+00:00");
}

TEST_F(Dispatch, IssueTokenChecksItsLimits)
{
    Sts__V1__IssueTokenRequest request = STS__V1__ISSUE_TOKEN_REQUEST__INIT;
    Sts__V1__IssueTokenResponse *response = nullptr;
    request.duration_case = STS__V1__ISSUE_TOKEN_REQUEST__DURATION_DURATION_SECONDS;
    for (int bad : {0, 899, 43201, -1}) {
        request.duration_seconds = bad;
        EXPECT_EQ(issue(&request, &response), STS_STATUS_INVALID_ARGUMENT);
        EXPECT_EQ(std::string(sts_call_error_message(&call, STS_STATUS_INVALID_ARGUMENT)),
                  "DurationSeconds must be from 900 to 43200 seconds, got " + std::to_string(bad));
    }
    request.duration_seconds = 900;
    EXPECT_EQ(issue(&request, &response), STS_STATUS_OK);
    EXPECT_EQ(issuer.last.duration_seconds, 900);
    service.max_duration_seconds = 7200;
    request.duration_seconds = 7201;
    EXPECT_EQ(issue(&request, &response), STS_STATUS_INVALID_ARGUMENT);
    request.duration_case = STS__V1__ISSUE_TOKEN_REQUEST__DURATION__NOT_SET;
    std::string policy(2049, 'p');
    request.policy = policy.data();
    EXPECT_EQ(issue(&request, &response), STS_STATUS_INVALID_ARGUMENT);
    EXPECT_NE(std::string(call.error_message).find("Policy"), std::string::npos);
    EXPECT_EQ(issuer.calls, 1);
}

TEST_F(Dispatch, HealthAndStandardHealthCheck)
{
    Sts__V1__HealthRequest health = STS__V1__HEALTH_REQUEST__INIT;
    ProtobufCMessage *response = nullptr;
    ASSERT_EQ(run("/sts.v1.TokenService/Health", &health.base, &response), STS_STATUS_OK);
    EXPECT_STREQ(reinterpret_cast<Sts__V1__HealthResponse *>(response)->status, "ok");
    Grpc__Health__V1__HealthCheckRequest check = GRPC__HEALTH__V1__HEALTH_CHECK_REQUEST__INIT;
    for (const char *name : {"", "sts.v1.TokenService"}) {
        check.service = const_cast<char *>(name);
        ASSERT_EQ(run("/grpc.health.v1.Health/Check", &check.base, &response), STS_STATUS_OK) << name;
        EXPECT_EQ(reinterpret_cast<Grpc__Health__V1__HealthCheckResponse *>(response)->status,
                  GRPC__HEALTH__V1__HEALTH_CHECK_RESPONSE__SERVING_STATUS__SERVING);
    }
    check.service = const_cast<char *>("no.such.Service");
    EXPECT_EQ(run("/grpc.health.v1.Health/Check", &check.base, &response), STS_STATUS_NOT_FOUND);
}

TEST_F(Dispatch, AuthenticationHookGuardsAllButPublicMethods)
{
    service.authenticate = deny;
    Sts__V1__IssueTokenRequest request = STS__V1__ISSUE_TOKEN_REQUEST__INIT;
    Sts__V1__IssueTokenResponse *response = nullptr;
    EXPECT_EQ(issue(&request, &response), STS_STATUS_UNAUTHENTICATED);
    EXPECT_STREQ(call.error_message, "no credentials");
    EXPECT_EQ(issuer.calls, 0);
    Sts__V1__HealthRequest health = STS__V1__HEALTH_REQUEST__INIT;
    ProtobufCMessage *out = nullptr;
    EXPECT_EQ(run("/sts.v1.TokenService/Health", &health.base, &out), STS_STATUS_OK);
}

TEST_F(Dispatch, RequiredRoleIsEnforced)
{
    service.authenticate = allow_without_roles;
    sts_method_t row = *method("/sts.v1.TokenService/IssueToken");
    row.required_role = "admin";
    Sts__V1__IssueTokenRequest request = STS__V1__ISSUE_TOKEN_REQUEST__INIT;
    ProtobufCMessage *response = nullptr;
    EXPECT_EQ(run(nullptr, &request.base, &response, &row), STS_STATUS_PERMISSION_DENIED);
    EXPECT_STREQ(call.error_message, "this call requires the role 'admin'; the caller has no roles");
    /* With admin_roles set, "admin" in the policy means any of those roles. */
    const char *admin_roles[] = {"sts-admin", "ops"};
    service.admin_roles = {admin_roles, 2};
    EXPECT_EQ(run(nullptr, &request.base, &response, &row), STS_STATUS_PERMISSION_DENIED);
    EXPECT_STREQ(call.error_message, "this call requires the role 'sts-admin' or 'ops'; the caller has no roles");
    service.authenticate = grant_ops;
    EXPECT_EQ(run(nullptr, &request.base, &response, &row), STS_STATUS_OK) << call.error_message;
    /* A role that names no list must be held literally. */
    row.required_role = "auditor";
    EXPECT_EQ(run(nullptr, &request.base, &response, &row), STS_STATUS_PERMISSION_DENIED);
    EXPECT_STREQ(call.error_message, "this call requires the role 'auditor'; carol has other roles");
}

/* IssueToken asks for "issuer" in the proto: issuer_roles, not admin_roles, decide. */
TEST_F(Dispatch, IssuingAndAdministeringAreSeparateRoles)
{
    EXPECT_STREQ(method("/sts.v1.TokenService/IssueToken")->required_role, "issuer");
    const char *admins[] = {"ops"}, *issuers[] = {"s3-client"};
    service.admin_roles = {admins, 1};
    service.issuer_roles = {issuers, 1};
    service.authenticate = grant_ops; /* viewer, ops: an admin, but no issuer */
    Sts__V1__IssueTokenRequest request = STS__V1__ISSUE_TOKEN_REQUEST__INIT;
    Sts__V1__IssueTokenResponse *response = nullptr;
    EXPECT_EQ(issue(&request, &response), STS_STATUS_PERMISSION_DENIED);
    EXPECT_STREQ(call.error_message, "this call requires the role 's3-client'; carol has other roles");
    EXPECT_TRUE(sts_call_has_role(&call, "admin"));
    issuers[0] = "viewer";
    EXPECT_EQ(issue(&request, &response), STS_STATUS_OK) << call.error_message;
    EXPECT_STREQ(issuer.last.subject, "carol");
}

int lookups = 0;

/* An authenticator that, like the access-token one on a cache miss, needs the lookup pool first. */
sts_status_t needs_lookup(void *, sts_call_t *call)
{
    lookups++;
    if (call->runs_on == STS_WORK_INLINE) {
        call->wants = STS_WORK_LOOKUP;
        return STS_STATUS_OK;
    }
    return grant_ops(nullptr, call);
}

/* Each step runs where its class says: the lookup on its pool, the store handler on the store's; never twice. */
TEST_F(Dispatch, StepsMoveToTheirPoolsAndAuthenticateOnce)
{
    sts_worker_pool_t *pool = sts_worker_pool_create(1, 4);
    for (sts_worker_pool_t *&each : service.pools)
        each = pool;
    service.pools[STS_WORK_INLINE] = nullptr;
    service.authenticate = needs_lookup;
    lookups = 0;
    Sts__V1__ListAccessTokensRequest list = STS__V1__LIST_ACCESS_TOKENS_REQUEST__INIT;
    ProtobufCMessage *response = nullptr;
    EXPECT_EQ(run("/sts.v1.AccessTokenService/ListAccessTokens", &list.base, &response), STS_STATUS_OK);
    EXPECT_EQ(call.wants, STS_WORK_LOOKUP);
    EXPECT_EQ(sts_dispatch_pool(&call), pool);
    sts_call_move(&call);
    EXPECT_EQ(sts_dispatch(&call, &list.base, &response), STS_STATUS_OK);
    EXPECT_EQ(call.wants, STS_WORK_STORE); /* admitted on the lookup pool; the handler is store work */
    EXPECT_EQ(response, nullptr);
    sts_call_move(&call);
    EXPECT_EQ(sts_dispatch(&call, &list.base, &response), STS_STATUS_UNAVAILABLE); /* the handler ran: no store */
    EXPECT_EQ(call.wants, STS_WORK_INLINE);
    EXPECT_EQ(lookups, 2);
    /* Local issuing never leaves the loop thread; an issuer that blocks sends IssueToken to the upstream pool. */
    service.authenticate = grant_ops;
    const char *issuers[] = {"ops"};
    service.issuer_roles = {issuers, 1};
    Sts__V1__IssueTokenRequest request = STS__V1__ISSUE_TOKEN_REQUEST__INIT;
    EXPECT_EQ(run("/sts.v1.TokenService/IssueToken", &request.base, &response), STS_STATUS_OK);
    EXPECT_NE(response, nullptr);
    issuer.base.blocking = 1;
    EXPECT_EQ(run("/sts.v1.TokenService/IssueToken", &request.base, &response), STS_STATUS_OK);
    EXPECT_EQ(call.wants, STS_WORK_UPSTREAM);
    EXPECT_EQ(issuer.calls, 1);
    sts_worker_pool_destroy(pool);
}

TEST_F(Dispatch, ExpiredDeadlineStopsTheCall)
{
    Sts__V1__IssueTokenRequest request = STS__V1__ISSUE_TOKEN_REQUEST__INIT;
    ProtobufCMessage *response = nullptr;
    sts_call_init(&call, &service, method("/sts.v1.TokenService/IssueToken"));
    call_live = true;
    call.deadline_ns = sts_time_monotonic_ns() - 1;
    EXPECT_EQ(sts_dispatch(&call, &request.base, &response), STS_STATUS_DEADLINE_EXCEEDED);
    EXPECT_EQ(issuer.calls, 0);
}

TEST(MethodTable, FindsRowsByGrpcPath)
{
    const char *path = "/sts.v1.TokenService/IssueToken";
    const sts_method_t *row = sts_method_find_grpc(&sts_gen_method_table, path, strlen(path));
    ASSERT_NE(row, nullptr);
    EXPECT_STREQ(row->name, "IssueToken");
    EXPECT_EQ(row->http_count, 2u);
    EXPECT_STREQ(row->http[1].path_template, "/apis/sts/token");
    EXPECT_EQ(row->http[0].success_status, 201);
    EXPECT_EQ(sts_method_find_grpc(&sts_gen_method_table, "/sts.v1.TokenService/Issue", 26), nullptr);
    EXPECT_TRUE(sts_method_table_has_service(&sts_gen_method_table, "grpc.health.v1.Health"));
}

} // namespace

namespace
{

/* A streaming row has no unary handler: a unary path (REST, stsd's offline tools) that reached one is refused, never
 * crashed; its admission alone runs like any row's. */
TEST_F(Dispatch, StreamingRowsAreNeverRunAsUnary)
{
    Grpc__Health__V1__HealthCheckRequest request = GRPC__HEALTH__V1__HEALTH_CHECK_REQUEST__INIT;
    ProtobufCMessage *response = nullptr;
    EXPECT_EQ(run("/grpc.health.v1.Health/Watch", &request.base, &response), STS_STATUS_UNIMPLEMENTED);
    EXPECT_EQ(response, nullptr);
    EXPECT_NE(std::string(call.error_message).find("streaming"), std::string::npos);
    service.authenticate = deny;
    sts_call_dispose(&call);
    sts_call_init(&call, &service, method("/grpc.health.v1.Health/Watch"));
    EXPECT_EQ(sts_dispatch_admit(&call), STS_STATUS_OK); /* public */
    EXPECT_TRUE(call.admitted);
    sts_call_dispose(&call);
    sts_call_init(&call, &service, method("/sts.v1.TokenService/IssueToken"));
    EXPECT_EQ(sts_dispatch_admit(&call), STS_STATUS_UNAUTHENTICATED);
    EXPECT_FALSE(call.admitted);
}

} // namespace
