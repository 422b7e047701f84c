#include <gtest/gtest.h>

#include <cstring>
#include <string>

extern "C" {
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
    ASSERT_EQ(sts_test_table.method_count, 3u);
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

} // namespace
