#include <gtest/gtest.h>

#include <cstring>
#include <set>
#include <string>

extern "C" {
#include "sts_methods.h"
#include "sts_test_methods.h"
}

namespace
{

const sts_method_t *row(const char *grpc_path)
{
    return sts_method_find_grpc(&sts_test_table, grpc_path, strlen(grpc_path));
}

TEST(PluginOutput, OneRowPerRpcWithPathsAndDescriptors)
{
    /* Get, Put, NoHttp, List, and probe.proto's Check, Other and (streaming) Watch. */
    ASSERT_EQ(sts_test_table.method_count, 7u);
    const sts_method_t *get = row("/sts.test.v1.TestService/Get");
    ASSERT_NE(get, nullptr);
    EXPECT_STREQ(get->service, "sts.test.v1.TestService");
    EXPECT_STREQ(get->name, "Get");
    EXPECT_EQ(get->request, &sts__test__v1__everything__descriptor);
    EXPECT_EQ(get->response, &sts__test__v1__everything__descriptor);
    EXPECT_EQ(get->handler, &sts_handle_test_service_get);
    const sts_method_t *put = row("/sts.test.v1.TestService/Put");
    ASSERT_NE(put, nullptr);
    EXPECT_EQ(put->response, &sts__test__v1__inner__descriptor);
    EXPECT_EQ(row("/sts.test.v1.TestService/Nope"), nullptr);
    EXPECT_TRUE(sts_method_table_has_service(&sts_test_table, "sts.test.v1.TestService"));
    EXPECT_FALSE(sts_method_table_has_service(&sts_test_table, "sts.test.v1.Other"));
}

TEST(PluginOutput, HttpBindingsIncludeAdditionalBindings)
{
    const sts_method_t *get = row("/sts.test.v1.TestService/Get");
    ASSERT_EQ(get->http_count, 2u);
    EXPECT_EQ(get->http[0].verb, STS_HTTP_GET);
    EXPECT_STREQ(get->http[0].path_template, "/v1/things/{text}");
    EXPECT_STREQ(get->http[0].body_field, "");
    EXPECT_STREQ(get->http[0].response_body, "");
    EXPECT_EQ(get->http[0].success_status, 200);
    EXPECT_EQ(get->http[1].verb, STS_HTTP_POST);
    EXPECT_STREQ(get->http[1].path_template, "/v1/things");
    EXPECT_STREQ(get->http[1].body_field, "*");
    EXPECT_EQ(get->http[1].success_status, 201);
    const sts_method_t *put = row("/sts.test.v1.TestService/Put");
    ASSERT_EQ(put->http_count, 1u);
    EXPECT_EQ(put->http[0].verb, STS_HTTP_PUT);
    EXPECT_STREQ(put->http[0].path_template, "/v1/inner/{i32}");
    EXPECT_STREQ(put->http[0].body_field, "inner");
    EXPECT_STREQ(put->http[0].response_body, "child");
    const sts_method_t *none = row("/sts.test.v1.TestService/NoHttp");
    ASSERT_NE(none, nullptr);
    EXPECT_EQ(none->http_count, 0u);
}

TEST(PluginOutput, PolicyFlags)
{
    const sts_method_t *get = row("/sts.test.v1.TestService/Get");
    EXPECT_EQ(get->flags, static_cast<unsigned>(STS_METHOD_PUBLIC));
    EXPECT_EQ(get->required_role, nullptr);
    const sts_method_t *put = row("/sts.test.v1.TestService/Put");
    EXPECT_EQ(put->flags, static_cast<unsigned>(STS_METHOD_BLOCKING | STS_METHOD_ISSUER_BOUND));
    EXPECT_STREQ(put->required_role, "admin");
    EXPECT_EQ(row("/sts.test.v1.TestService/NoHttp")->flags, 0u);
}

TEST(PluginOutput, JsonNamesFollowDescriptorFieldOrder)
{
    const char *const *names = sts_method_json_names(&sts_test_table, &sts__test__v1__everything__descriptor);
    ASSERT_NE(names, nullptr);
    const ProtobufCMessageDescriptor *d = &sts__test__v1__everything__descriptor;
    for (unsigned i = 0; i < d->n_fields; i++) {
        std::string proto_name = d->fields[i].name;
        std::string expected = proto_name == "custom_name"       ? "custom-name"
                               : proto_name == "snake_case_name" ? "snakeCaseName"
                               : proto_name == "choice_text"     ? "choiceText"
                               : proto_name == "choice_number"   ? "choiceNumber"
                                                                 : proto_name;
        EXPECT_EQ(names[i], expected) << "field " << proto_name;
    }
    const char *const *inner = sts_method_json_names(&sts_test_table, &sts__test__v1__inner__descriptor);
    ASSERT_NE(inner, nullptr);
    EXPECT_STREQ(inner[0], "name");
    EXPECT_STREQ(inner[2], "child");
    EXPECT_EQ(sts_method_json_names(&sts_test_table, &sts__test__v1__empty__descriptor), nullptr);
}

TEST(PluginOutput, ForeignMethodTakesThePolicySetForIt)
{
    /* probe.proto has no annotations; probe_policy.proto sets Check's policy from outside it. */
    const sts_method_t *check = row("/sts.test.probe.Probe/Check");
    ASSERT_NE(check, nullptr);
    EXPECT_EQ(check->flags, static_cast<unsigned>(STS_METHOD_PUBLIC | STS_METHOD_BLOCKING));
    EXPECT_STREQ(check->required_role, "prober");
    EXPECT_EQ(check->request, &sts__test__probe__ping__descriptor);
    EXPECT_EQ(check->http_count, 0u);
    const sts_method_t *other = row("/sts.test.probe.Probe/Other");
    ASSERT_NE(other, nullptr);
    EXPECT_EQ(other->flags, 0u);
    EXPECT_EQ(other->required_role, nullptr);
    /* A server-streaming row: gRPC-only (no binding), a stream handler instead of a unary one. */
    const sts_method_t *watch = row("/sts.test.probe.Probe/Watch");
    ASSERT_NE(watch, nullptr);
    EXPECT_EQ(watch->flags, static_cast<unsigned>(STS_METHOD_SERVER_STREAMING));
    EXPECT_EQ(watch->handler, nullptr);
    EXPECT_EQ(watch->stream, &sts_stream_probe_watch);
    EXPECT_EQ(watch->http_count, 0u);
    EXPECT_EQ(other->stream, nullptr);
}

TEST(PluginOutput, ServedTableHasTheStreamingTooling)
{
    const char *watch_path = "/grpc.health.v1.Health/Watch";
    const sts_method_t *watch = sts_method_find_grpc(&sts_gen_method_table, watch_path, strlen(watch_path));
    ASSERT_NE(watch, nullptr);
    EXPECT_EQ(watch->flags, static_cast<unsigned>(STS_METHOD_PUBLIC | STS_METHOD_SERVER_STREAMING));
    EXPECT_EQ(watch->stream, &sts_stream_health_watch);
    for (const char *path : {"/grpc.reflection.v1.ServerReflection/ServerReflectionInfo",
                             "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo"}) {
        const sts_method_t *info = sts_method_find_grpc(&sts_gen_method_table, path, strlen(path));
        ASSERT_NE(info, nullptr) << path;
        EXPECT_EQ(info->flags,
                  static_cast<unsigned>(STS_METHOD_PUBLIC | STS_METHOD_STREAMING | STS_METHOD_ADAPTER_SERVED));
        EXPECT_EQ(info->stream, nullptr);
        EXPECT_EQ(info->handler, nullptr);
        EXPECT_EQ(info->http_count, 0u);
    }
}

TEST(PluginOutput, EmbedsEveryFileDependenciesFirst)
{
    /* The run's three files and what they import (options.proto, descriptor.proto), each once, imports first. */
    ASSERT_GE(sts_test_table.file_count, 5u);
    size_t index_of_descriptor = 0, index_of_options = 0, index_of_everything = 0;
    for (size_t i = 0; i < sts_test_table.file_count; i++) {
        const sts_descriptor_file_t *file = &sts_test_table.files[i];
        ASSERT_GT(file->size, 0u);
        std::string name = file->name;
        if (name == "google/protobuf/descriptor.proto")
            index_of_descriptor = i + 1;
        if (name == "sts/v1/options.proto")
            index_of_options = i + 1;
        if (name == "sts/test/v1/everything.proto")
            index_of_everything = i + 1;
        for (size_t j = 0; j < i; j++)
            EXPECT_STRNE(sts_test_table.files[j].name, file->name);
    }
    ASSERT_NE(index_of_descriptor, 0u);
    ASSERT_NE(index_of_options, 0u);
    ASSERT_NE(index_of_everything, 0u);
    EXPECT_LT(index_of_descriptor, index_of_options);
    EXPECT_LT(index_of_options, index_of_everything);
}

TEST(PluginOutput, PageCursorAnnotationFollowsFieldOrder)
{
    const ProtobufCMessageDescriptor *info = &sts__test__v1__page_info__descriptor;
    const sts_field_annotation_t *annotations = sts_method_field_annotations(&sts_test_table, info);
    ASSERT_NE(annotations, nullptr);
    for (unsigned i = 0; i < info->n_fields; i++) {
        if (std::string(info->fields[i].name) == "next")
            EXPECT_STREQ(annotations[i].page_cursor_for, "after");
        else
            EXPECT_EQ(annotations[i].page_cursor_for, nullptr) << info->fields[i].name;
    }
    /* Messages without annotated fields carry none, whether or not they have JSON names. */
    EXPECT_EQ(sts_method_field_annotations(&sts_test_table, &sts__test__v1__page__descriptor), nullptr);
    EXPECT_EQ(sts_method_field_annotations(&sts_test_table, &sts__test__v1__everything__descriptor), nullptr);
    EXPECT_EQ(sts_method_field_annotations(&sts_test_table, &sts__test__v1__empty__descriptor), nullptr);
    EXPECT_NE(sts_method_json_names(&sts_test_table, info), nullptr);
}

TEST(PluginOutput, ServedTableMarksTheStandardHealthCheckPublic)
{
    /* The real table: proto/sts/v1/foreign_methods.proto makes grpc.health.v1.Health/Check answer without credentials;
     * besides it only the probes and the logins' own entry points (which take a password or a refresh token) do. */
    const char *path = "/grpc.health.v1.Health/Check";
    const sts_method_t *check = sts_method_find_grpc(&sts_gen_method_table, path, strlen(path));
    ASSERT_NE(check, nullptr);
    EXPECT_EQ(check->flags, static_cast<unsigned>(STS_METHOD_PUBLIC));
    EXPECT_EQ(check->required_role, nullptr);
    for (size_t i = 0; i < sts_gen_method_table.method_count; i++) {
        const sts_method_t *method = &sts_gen_method_table.methods[i];
        bool is_public = (method->flags & STS_METHOD_PUBLIC) != 0;
        static const std::set<std::string> open = {
            "/sts.v1.TokenService/Health", "/sts.v1.TokenService/Ready", "/grpc.health.v1.Health/Check",
            "/sts.v1.LoginService/Login", "/sts.v1.LoginService/Refresh", "/sts.v1.LoginService/ClientToken",
            "/sts.v1.LoginService/Revoke", "/sts.v1.LoginService/GetJwks", "/sts.v1.OAuthService/Token",
            "/sts.v1.OAuthService/GetDiscovery", "/sts.v1.OAuthService/Introspect", "/sts.v1.OAuthService/Revoke",
            /* gRPC tooling: health Watch and server reflection, which describes the API and never data */
            "/grpc.health.v1.Health/Watch", "/grpc.reflection.v1.ServerReflection/ServerReflectionInfo",
            "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo"};
        EXPECT_EQ(is_public, open.count(method->grpc_path) == 1) << method->grpc_path;
        /* argon2id runs only on the password pool: every method that may hash says so. */
        static const std::set<std::string> hashing = {"/sts.v1.LoginService/Login", "/sts.v1.LoginService/ClientToken",
                                                      "/sts.v1.UserService/CreateUser",
                                                      "/sts.v1.UserService/SetPassword", "/sts.v1.OAuthService/Token"};
        EXPECT_EQ((method->flags & STS_METHOD_HASHES_PASSWORDS) != 0, hashing.count(method->grpc_path) == 1)
            << method->grpc_path;
    }
    const sts_field_annotation_t *paging =
        sts_method_field_annotations(&sts_gen_method_table, &sts__v1__paging__descriptor);
    ASSERT_NE(paging, nullptr);
    EXPECT_STREQ(paging[0].page_cursor_for, "after");
}

} // namespace
