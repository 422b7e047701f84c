#include <gtest/gtest.h>

#include <cstring>
#include <string>

extern "C" {
#include "rest/json.h"
#include "sts_test_methods.h"
}

namespace
{

/* Page cursors (PageInfo.next is annotated page_cursor_for "after", whose JSON name is "startAfter"). */
class PageLink : public ::testing::Test
{
  protected:
    sts_arena_t arena;
    Sts__Test__V1__Page page = STS__TEST__V1__PAGE__INIT;
    Sts__Test__V1__PageInfo info = STS__TEST__V1__PAGE_INFO__INIT;

    void SetUp() override
    {
        sts_arena_init(&arena);
        page.info = &info;
        info.note = const_cast<char *>("left alone");
    }
    void TearDown() override
    {
        sts_arena_dispose(&arena);
    }
    /* The JSON of page answering a GET of path?query (query NULL: none), or of no request at all (path NULL). */
    std::string encode(const char *cursor, const char *path, const char *query)
    {
        info.next = const_cast<char *>(cursor);
        sts_json_page_link_t link = {&sts__test__v1__list_request__descriptor, path, path ? strlen(path) : 0, query,
                                     query ? strlen(query) : 0};
        sts_buf_t buf;
        sts_buf_init(&buf, 1 << 16);
        const char *error = nullptr;
        int rc = sts_json_encode_response(&sts_test_table, &page.base, path ? &link : nullptr, &buf, &arena, &error);
        std::string out = rc == 0 ? std::string(buf.data, buf.len) : std::string("ERROR: ") + error;
        sts_buf_dispose(&buf);
        return out;
    }
    static std::string expect(const std::string &next)
    {
        return R"({"items":[],"info":{"next":")" + next + R"(","note":"left alone"}})";
    }
};

TEST_F(PageLink, CursorBecomesTheUriOfTheNextPage)
{
    EXPECT_EQ(encode("c1", "/v1/items", nullptr), expect("/v1/items?startAfter=c1"));
    EXPECT_EQ(encode("c1", "/v1/groups/g/items", "limit=2"), expect("/v1/groups/g/items?limit=2&startAfter=c1"));
}

TEST_F(PageLink, TheCursorParameterIsReplacedWhateverNameItCameUnder)
{
    /* In place of the first occurrence, by JSON or proto name or percent-encoded; later ones dropped. */
    EXPECT_EQ(encode("c2", "/v1/items", "startAfter=c1&limit=2"), expect("/v1/items?startAfter=c2&limit=2"));
    EXPECT_EQ(encode("c2", "/v1/items", "limit=2&after=c1&groupId=x"),
              expect("/v1/items?limit=2&startAfter=c2&groupId=x"));
    EXPECT_EQ(encode("c2", "/v1/items", "%61fter=c0&limit=2&startAfter=c1"), expect("/v1/items?startAfter=c2&limit=2"));
    /* Other parameters stay exactly as sent, encoding included; empty pairs go. */
    EXPECT_EQ(encode("c2", "/v1/items", "groupId=a%20b+c&&limit=2&"),
              expect("/v1/items?groupId=a%20b+c&limit=2&startAfter=c2"));
}

TEST_F(PageLink, CursorIsPercentEncoded)
{
    EXPECT_EQ(encode("a b&c=d/é", "/v1/items", nullptr), expect("/v1/items?startAfter=a%20b%26c%3Dd%2F%C3%A9"));
    EXPECT_EQ(encode("A-z_0.9~", "/v1/items", nullptr), expect("/v1/items?startAfter=A-z_0.9~"));
}

TEST_F(PageLink, EmptyCursorStaysEmpty)
{
    EXPECT_EQ(encode("", "/v1/items", "limit=2"), expect(""));
}

TEST_F(PageLink, WithoutARequestTheCursorIsWrittenAsItIs)
{
    /* What sts_json_encode does, and what gRPC clients see in the protobuf. */
    EXPECT_EQ(encode("c1", nullptr, nullptr), expect("c1"));
}

TEST_F(PageLink, OnlyAnnotatedFieldsAreRendered)
{
    /* note is a plain string next to the cursor: a link context changes nothing else in the message. */
    info.note = const_cast<char *>("/v1/items?x");
    info.next = const_cast<char *>("");
    EXPECT_EQ(encode("", "/v1/items", "limit=1"), R"({"items":[],"info":{"next":"","note":"/v1/items?x"}})");
}

} // namespace
