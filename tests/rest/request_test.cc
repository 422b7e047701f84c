#include <gtest/gtest.h>

#include <cstring>
#include <string>

extern "C" {
#include "core/service.h"
#include "rest/request.h"
#include "sts_test_methods.h"
}

namespace
{

long decode(const std::string &in, std::string &out, int plus_is_space)
{
    out.assign(in.size(), '\0');
    long n = sts_rest_percent_decode(in.data(), in.size(), out.data(), plus_is_space);
    if (n >= 0)
        out.resize(static_cast<size_t>(n));
    return n;
}

TEST(PercentDecode, PlainTextIsUnchanged)
{
    std::string out;
    EXPECT_EQ(decode("DurationSeconds", out, 1), 15);
    EXPECT_EQ(out, "DurationSeconds");
    EXPECT_EQ(decode("", out, 1), 0);
}

TEST(PercentDecode, EscapesAndPlus)
{
    std::string out;
    ASSERT_GE(decode("a%20b%2Fc%7e+d", out, 1), 0);
    EXPECT_EQ(out, "a b/c~ d");
    ASSERT_GE(decode("a+b", out, 0), 0);
    EXPECT_EQ(out, "a+b");
    ASSERT_GE(decode("%00x", out, 0), 0);
    EXPECT_EQ(out, std::string("\0x", 2));
}

TEST(PercentDecode, RejectsBadEscapes)
{
    std::string out;
    EXPECT_EQ(decode("%", out, 1), -1);
    EXPECT_EQ(decode("%2", out, 1), -1);
    EXPECT_EQ(decode("abc%", out, 1), -1);
    EXPECT_EQ(decode("%zz", out, 1), -1);
    EXPECT_EQ(decode("%g0", out, 1), -1);
}

} // namespace

namespace
{

/* sts_rest_decode_request on the test proto's table, with routes matched by the real router. */
class DecodeRequest : public ::testing::Test
{
  protected:
    sts_service_t service;
    sts_router_t *router = nullptr;
    sts_call_t call;
    bool call_live = false;

    void SetUp() override
    {
        sts_service_defaults(&service, &sts_test_table);
        char error[256] = "";
        router = sts_router_create(&sts_test_table, error, sizeof(error));
        ASSERT_NE(router, nullptr) << error;
    }
    void TearDown() override
    {
        if (call_live)
            sts_call_dispose(&call);
        sts_router_destroy(router);
    }
    /* path is what h2o's path_normalized holds (already percent-decoded); query and body are raw. */
    ProtobufCMessage *decode(const char *verb, const std::string &path, const char *query, const std::string &body = "",
                             bool form = false)
    {
        if (call_live)
            sts_call_dispose(&call);
        sts_route_match_t match;
        char allow[64];
        EXPECT_EQ(sts_router_match(router, verb, strlen(verb), path.data(), path.size(), &match, allow, sizeof(allow)),
                  STS_ROUTE_FOUND)
            << path;
        sts_call_init(&call, &service, match.method);
        call_live = true;
        sts_rest_input_t input = {body.empty() ? nullptr : body.data(), body.size(), query,
                                  query != nullptr ? strlen(query) : 0, form ? 1 : 0};
        return sts_rest_decode_request(&call, &match, &input);
    }
    std::string failure()
    {
        return call.error_message != nullptr ? call.error_message : "";
    }
};

const char bound_text[] = "text is taken from the path; do not send it in the query or the body";
const char bound_group[] = "groupId is taken from the path; do not send it in the query or the body";

TEST_F(DecodeRequest, PathCaptureFillsTheField)
{
    auto *m = reinterpret_cast<Sts__Test__V1__Everything *>(decode("GET", "/v1/things/abc", "i32=7"));
    ASSERT_NE(m, nullptr) << failure();
    EXPECT_STREQ(m->text, "abc");
    EXPECT_EQ(m->i32, 7);
}

TEST_F(DecodeRequest, QueryCannotOverrideAPathField)
{
    /* DELETE /x/A?id=B must not act on B: the proto name in the query is refused, naming the field. */
    EXPECT_EQ(decode("GET", "/v1/things/abc", "text=other"), nullptr);
    EXPECT_EQ(failure(), bound_text);
    /* Even empty, even after other parameters, even percent-encoded ("%74ext" is "text"). */
    EXPECT_EQ(decode("GET", "/v1/things/abc", "i32=1&text="), nullptr);
    EXPECT_EQ(failure(), bound_text);
    EXPECT_EQ(decode("GET", "/v1/things/abc", "%74ext=other"), nullptr);
    EXPECT_EQ(failure(), bound_text);
    EXPECT_EQ(decode("GET", "/v1/things/abc", "text"), nullptr);
    EXPECT_EQ(failure(), bound_text);
}

TEST_F(DecodeRequest, BothNamesOfABoundFieldAreRefusedInTheQuery)
{
    /* group's JSON name is groupId: either name would set it, so either is refused, and the message uses the JSON
     * name, as the body and the responses do. */
    EXPECT_EQ(decode("GET", "/v1/groups/g1/items", "groupId=g2"), nullptr);
    EXPECT_EQ(failure(), bound_group);
    EXPECT_EQ(decode("GET", "/v1/groups/g1/items", "group=g2"), nullptr);
    EXPECT_EQ(failure(), bound_group);
    /* The same field is free where no template binds it. */
    auto *list = reinterpret_cast<Sts__Test__V1__ListRequest *>(decode("GET", "/v1/items", "groupId=g2&limit=3"));
    ASSERT_NE(list, nullptr) << failure();
    EXPECT_STREQ(list->group, "g2");
    EXPECT_EQ(list->limit, 3);
}

TEST_F(DecodeRequest, BodyCannotSetAPathField)
{
    EXPECT_EQ(decode("POST", "/v1/groups/g1/search", nullptr, R"({"groupId":"g2","limit":2})"), nullptr);
    EXPECT_EQ(failure(), bound_group);
    EXPECT_EQ(decode("POST", "/v1/groups/g1/search", nullptr, R"({"limit":2,"group":"g2"})"), nullptr);
    EXPECT_EQ(failure(), bound_group);
    /* Naming the field at all is refused, even with the path's own value or null. */
    EXPECT_EQ(decode("POST", "/v1/groups/g1/search", nullptr, R"({"groupId":"g1"})"), nullptr);
    EXPECT_EQ(failure(), bound_group);
    EXPECT_EQ(decode("POST", "/v1/groups/g1/search", nullptr, R"({"groupId":null})"), nullptr);
    EXPECT_EQ(failure(), bound_group);
    /* Unbound fields come from the body and the query as before. */
    auto *ok = reinterpret_cast<Sts__Test__V1__ListRequest *>(
        decode("POST", "/v1/groups/g1/search", "startAfter=x", R"({"limit":2,"startAfter":"y"})"));
    ASSERT_NE(ok, nullptr) << failure();
    EXPECT_STREQ(ok->group, "g1");
    EXPECT_EQ(ok->limit, 2);
    EXPECT_STREQ(ok->after, "x"); /* the query still wins over the body for unbound fields */
}

TEST_F(DecodeRequest, CapturesAreNotDecodedASecondTime)
{
    /* A client sending /v1/things/%2561b gets path_normalized /v1/things/%61b from h2o; the capture is "%61b",
     * not "ab" (which would name another resource). */
    auto *m = reinterpret_cast<Sts__Test__V1__Everything *>(decode("GET", "/v1/things/%61b", nullptr));
    ASSERT_NE(m, nullptr) << failure();
    EXPECT_STREQ(m->text, "%61b");
    /* A '%' that is no escape at all is just a character of the id, not a malformed URL. */
    m = reinterpret_cast<Sts__Test__V1__Everything *>(decode("GET", "/v1/things/100%", nullptr));
    ASSERT_NE(m, nullptr) << failure();
    EXPECT_STREQ(m->text, "100%");
    /* Query values are still decoded once. */
    m = reinterpret_cast<Sts__Test__V1__Everything *>(decode("GET", "/v1/things/x", "custom-name=%2561+b"));
    ASSERT_NE(m, nullptr) << failure();
    EXPECT_STREQ(m->custom_name, "%61 b");
}

TEST_F(DecodeRequest, DecodedCaptureIsStillValidated)
{
    /* h2o decodes %00 and invalid UTF-8 into the path; the capture's field checks still apply. */
    EXPECT_EQ(decode("GET", std::string("/v1/things/a\0b", 13), nullptr), nullptr);
    EXPECT_EQ(failure(), "text must not contain a NUL character");
    EXPECT_EQ(decode("GET", "/v1/things/\xff", nullptr), nullptr);
    EXPECT_EQ(failure(), "text is not valid UTF-8");
    EXPECT_EQ(decode("PUT", "/v1/inner/12x", nullptr), nullptr);
    EXPECT_EQ(failure(), "i32 must be an integer from -2147483648 to 2147483647");
}

/* Form bodies (RFC 6749's token requests): names by either name, percent-decoding with '+' as a space, unknown names
 * ignored, nothing given twice, path-bound fields refused, bounded. */
TEST_F(DecodeRequest, FormBodiesMapOntoTheRequest)
{
    auto *list = reinterpret_cast<Sts__Test__V1__ListRequest *>(
        decode("POST", "/v1/groups/g1/search", nullptr, "startAfter=a+b%2Fc%3D&limit=5&scope=openid&client_id=", true));
    ASSERT_NE(list, nullptr) << failure();
    EXPECT_STREQ(list->group, "g1");
    EXPECT_STREQ(list->after, "a b/c=");
    EXPECT_EQ(list->limit, 5);
    list = reinterpret_cast<Sts__Test__V1__ListRequest *>(
        decode("POST", "/v1/groups/g1/search", nullptr, "after=&&limit=7&", true));
    ASSERT_NE(list, nullptr) << failure();
    EXPECT_STREQ(list->after, "");
    EXPECT_EQ(list->limit, 7);

    EXPECT_EQ(decode("POST", "/v1/groups/g1/search", nullptr, "limit=1&limit=2", true), nullptr);
    EXPECT_EQ(failure(), "limit is given more than once");
    EXPECT_EQ(decode("POST", "/v1/groups/g1/search", nullptr, "after=x&startAfter=y", true), nullptr);
    EXPECT_EQ(failure(), "startAfter is given more than once");
    EXPECT_EQ(decode("POST", "/v1/groups/g1/search", nullptr, "groupId=g2", true), nullptr);
    EXPECT_EQ(failure(), bound_group);
    EXPECT_EQ(decode("POST", "/v1/groups/g1/search", nullptr, "limit=%zz", true), nullptr);
    EXPECT_EQ(failure(), "malformed percent-encoding in the form body");
    EXPECT_EQ(decode("POST", "/v1/groups/g1/search", nullptr, "limit=abc", true), nullptr);
    EXPECT_EQ(failure(), "limit must be an integer from -2147483648 to 2147483647");
    std::string many;
    for (int i = 0; i < STS_REST_MAX_FORM_FIELDS + 1; i++)
        many += "x" + std::to_string(i) + "=1&";
    EXPECT_EQ(decode("POST", "/v1/groups/g1/search", nullptr, many, true), nullptr);
    EXPECT_EQ(failure(), "more than 64 fields in the form body");
    /* A binding without form_body reads JSON whatever the Content-Type (curl -d labels JSON a form), and so does one
     * with form_body when the body is a JSON object. */
    auto *thing =
        reinterpret_cast<Sts__Test__V1__Everything *>(decode("POST", "/v1/things", nullptr, R"({"text":"x"})", true));
    ASSERT_NE(thing, nullptr) << failure();
    EXPECT_STREQ(thing->text, "x");
    EXPECT_EQ(decode("POST", "/v1/things", nullptr, "text=x", true), nullptr);
    list = reinterpret_cast<Sts__Test__V1__ListRequest *>(
        decode("POST", "/v1/groups/g1/search", nullptr, R"( {"limit":4})", true));
    ASSERT_NE(list, nullptr) << failure();
    EXPECT_EQ(list->limit, 4);
}

} // namespace
