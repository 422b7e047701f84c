#include <gtest/gtest.h>

#include <string>

extern "C" {
#include "rest/router.h"
}

namespace
{

sts_status_t unused_handler(sts_call_t *, const ProtobufCMessage *, ProtobufCMessage *)
{
    return STS_STATUS_OK;
}

const sts_http_binding_t token_bindings[] = {
    {STS_HTTP_PUT, "/token", "*", "", 201, 0, STS_ERROR_STYLE_STANDARD, 0},
    {STS_HTTP_PUT, "/apis/sts/token", "*", "", 201, 0, STS_ERROR_STYLE_STANDARD, 0},
};
const sts_http_binding_t health_bindings[] = {
    {STS_HTTP_GET, "/healthz", "", "", 200, 0, STS_ERROR_STYLE_STANDARD, 0},
};
const sts_http_binding_t list_bindings[] = {
    {STS_HTTP_GET, "/v1/auth/access-tokens/", "", "", 200, 0, STS_ERROR_STYLE_STANDARD, 0},
    {STS_HTTP_POST, "/v1/auth/access-tokens/", "*", "", 200, 0, STS_ERROR_STYLE_STANDARD, 0},
};
const sts_http_binding_t item_bindings[] = {
    {STS_HTTP_GET, "/v1/auth/access-tokens/{id}", "", "", 200, 0, STS_ERROR_STYLE_STANDARD, 0},
    {STS_HTTP_DELETE, "/v1/auth/access-tokens/{id}", "", "", 200, 0, STS_ERROR_STYLE_STANDARD, 0},
};
const sts_http_binding_t literal_bindings[] = {
    {STS_HTTP_GET, "/v1/auth/access-tokens/self", "", "", 200, 0, STS_ERROR_STYLE_STANDARD, 0},
};
const sts_http_binding_t nested_bindings[] = {
    {STS_HTTP_PATCH, "/v1/users/{user}/tokens/{id}", "item", "", 200, 0, STS_ERROR_STYLE_STANDARD, 0},
};

const sts_method_t methods[] = {
    {"/t.S/Issue", "t.S", "Issue", nullptr, nullptr, unused_handler, token_bindings, 2, 0, nullptr, nullptr},
    {"/t.S/Health", "t.S", "Health", nullptr, nullptr, unused_handler, health_bindings, 1, 0, nullptr, nullptr},
    {"/t.S/List", "t.S", "List", nullptr, nullptr, unused_handler, list_bindings, 2, 0, nullptr, nullptr},
    {"/t.S/Item", "t.S", "Item", nullptr, nullptr, unused_handler, item_bindings, 2, 0, nullptr, nullptr},
    {"/t.S/Self", "t.S", "Self", nullptr, nullptr, unused_handler, literal_bindings, 1, 0, nullptr, nullptr},
    {"/t.S/Nested", "t.S", "Nested", nullptr, nullptr, unused_handler, nested_bindings, 1, 0, nullptr, nullptr},
    {"/t.S/NoHttp", "t.S", "NoHttp", nullptr, nullptr, unused_handler, nullptr, 0, 0, nullptr, nullptr},
};
const sts_method_table_t table = {methods, sizeof(methods) / sizeof(methods[0]), nullptr, 0, nullptr, 0};

class RouterTest : public ::testing::Test
{
  protected:
    void SetUp() override
    {
        char error[256] = "";
        router = sts_router_create(&table, error, sizeof(error));
        ASSERT_NE(router, nullptr) << error;
    }
    void TearDown() override
    {
        sts_router_destroy(router);
    }
    sts_route_result_t match(const std::string &verb, const std::string &path)
    {
        allow[0] = 'x';
        /* Captures point into the path, so it must outlive the result. */
        last_path = path;
        return sts_router_match(router, verb.data(), verb.size(), last_path.data(), last_path.size(), &result, allow,
                                sizeof(allow));
    }
    std::string last_path;
    std::string capture(size_t i)
    {
        return std::string(result.captures[i].value, result.captures[i].value_len);
    }
    std::string capture_field(size_t i)
    {
        return std::string(result.captures[i].field, result.captures[i].field_len);
    }
    sts_router_t *router = nullptr;
    sts_route_match_t result{};
    char allow[64];
};

TEST_F(RouterTest, ExactPathsAndAdditionalBindings)
{
    ASSERT_EQ(match("PUT", "/token"), STS_ROUTE_FOUND);
    EXPECT_EQ(result.method, &methods[0]);
    EXPECT_EQ(result.binding, &token_bindings[0]);
    ASSERT_EQ(match("PUT", "/apis/sts/token"), STS_ROUTE_FOUND);
    EXPECT_EQ(result.binding, &token_bindings[1]);
    EXPECT_EQ(result.capture_count, 0u);
    ASSERT_EQ(match("GET", "/healthz"), STS_ROUTE_FOUND);
    EXPECT_EQ(result.method, &methods[1]);
}

TEST_F(RouterTest, UnknownPathsAre404)
{
    EXPECT_EQ(match("PUT", "/tokens"), STS_ROUTE_NOT_FOUND);
    EXPECT_EQ(match("PUT", "/token/"), STS_ROUTE_NOT_FOUND);
    EXPECT_EQ(match("PUT", "/"), STS_ROUTE_NOT_FOUND);
    EXPECT_EQ(match("PUT", ""), STS_ROUTE_NOT_FOUND);
    EXPECT_EQ(match("PUT", "token"), STS_ROUTE_NOT_FOUND);
    EXPECT_EQ(match("PUT", "/apis/sts"), STS_ROUTE_NOT_FOUND);
    EXPECT_EQ(match("GET", "/a/b/c/d/e/f/g/h/i/j/k/l/m/n/o/p/q/r/s"), STS_ROUTE_NOT_FOUND);
    EXPECT_EQ(allow[0], '\0');
}

TEST_F(RouterTest, WrongMethodIs405WithAllow)
{
    ASSERT_EQ(match("DELETE", "/token"), STS_ROUTE_BAD_METHOD);
    EXPECT_STREQ(allow, "PUT");
    ASSERT_EQ(match("POST", "/healthz"), STS_ROUTE_BAD_METHOD);
    EXPECT_STREQ(allow, "GET");
    ASSERT_EQ(match("PUT", "/v1/auth/access-tokens/"), STS_ROUTE_BAD_METHOD);
    EXPECT_STREQ(allow, "GET, POST");
    ASSERT_EQ(match("PATCH", "/v1/auth/access-tokens/abc"), STS_ROUTE_BAD_METHOD);
    EXPECT_STREQ(allow, "GET, DELETE");
}

TEST_F(RouterTest, VerbsAreCaseSensitive)
{
    EXPECT_EQ(match("put", "/token"), STS_ROUTE_BAD_METHOD);
    EXPECT_EQ(match("PUTX", "/token"), STS_ROUTE_BAD_METHOD);
}

TEST_F(RouterTest, TemplatesCaptureSegments)
{
    ASSERT_EQ(match("GET", "/v1/auth/access-tokens/abc123"), STS_ROUTE_FOUND);
    EXPECT_EQ(result.method, &methods[3]);
    ASSERT_EQ(result.capture_count, 1u);
    EXPECT_EQ(capture_field(0), "id");
    EXPECT_EQ(capture(0), "abc123");
    ASSERT_EQ(match("DELETE", "/v1/auth/access-tokens/x%2Fy"), STS_ROUTE_FOUND);
    EXPECT_EQ(capture(0), "x%2Fy");
    ASSERT_EQ(match("PATCH", "/v1/users/alice/tokens/7"), STS_ROUTE_FOUND);
    ASSERT_EQ(result.capture_count, 2u);
    EXPECT_EQ(capture_field(0), "user");
    EXPECT_EQ(capture(0), "alice");
    EXPECT_EQ(capture_field(1), "id");
    EXPECT_EQ(capture(1), "7");
}

TEST_F(RouterTest, EmptyCaptureDoesNotMatch)
{
    EXPECT_EQ(match("GET", "/v1/users//tokens/7"), STS_ROUTE_NOT_FOUND);
}

TEST_F(RouterTest, LiteralSegmentsWinOverCaptures)
{
    ASSERT_EQ(match("GET", "/v1/auth/access-tokens/self"), STS_ROUTE_FOUND);
    EXPECT_EQ(result.method, &methods[4]);
    EXPECT_EQ(result.capture_count, 0u);
}

TEST(RouterCreate, RejectsCollidingBindings)
{
    const sts_http_binding_t a[] = {{STS_HTTP_GET, "/x/{id}", "", "", 200, 0, STS_ERROR_STYLE_STANDARD, 0}};
    const sts_http_binding_t b[] = {{STS_HTTP_GET, "/x/{name}", "", "", 200, 0, STS_ERROR_STYLE_STANDARD, 0}};
    const sts_method_t rows[] = {
        {"/t.S/A", "t.S", "A", nullptr, nullptr, unused_handler, a, 1, 0, nullptr, nullptr},
        {"/t.S/B", "t.S", "B", nullptr, nullptr, unused_handler, b, 1, 0, nullptr, nullptr},
    };
    const sts_method_table_t colliding = {rows, 2, nullptr, 0, nullptr, 0};
    char error[256] = "";
    EXPECT_EQ(sts_router_create(&colliding, error, sizeof(error)), nullptr);
    EXPECT_NE(std::string(error).find("collides"), std::string::npos) << error;
}

TEST(RouterCreate, RejectsRelativeTemplates)
{
    const sts_http_binding_t a[] = {{STS_HTTP_GET, "x", "", "", 200, 0, STS_ERROR_STYLE_STANDARD, 0}};
    const sts_method_t rows[] = {{"/t.S/A", "t.S", "A", nullptr, nullptr, unused_handler, a, 1, 0, nullptr, nullptr}};
    const sts_method_table_t bad = {rows, 1, nullptr, 0, nullptr, 0};
    char error[256] = "";
    EXPECT_EQ(sts_router_create(&bad, error, sizeof(error)), nullptr);
    EXPECT_NE(std::string(error).find("must be absolute"), std::string::npos) << error;
}

TEST(HttpVerb, Names)
{
    EXPECT_STREQ(sts_http_verb_name(STS_HTTP_GET), "GET");
    EXPECT_STREQ(sts_http_verb_name(STS_HTTP_PUT), "PUT");
    EXPECT_STREQ(sts_http_verb_name(STS_HTTP_POST), "POST");
    EXPECT_STREQ(sts_http_verb_name(STS_HTTP_DELETE), "DELETE");
    EXPECT_STREQ(sts_http_verb_name(STS_HTTP_PATCH), "PATCH");
}

} // namespace
