#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <string>

extern "C" {
#include "rest/json.h"
#include "sts_test_methods.h"
}

namespace
{

class JsonTest : public ::testing::Test
{
  protected:
    sts_arena_t arena;
    Sts__Test__V1__Everything *msg = nullptr;
    const char *error = nullptr;

    void SetUp() override
    {
        sts_arena_init(&arena);
        msg = fresh();
    }
    void TearDown() override
    {
        sts_arena_dispose(&arena);
    }
    Sts__Test__V1__Everything *fresh()
    {
        auto *m = static_cast<Sts__Test__V1__Everything *>(sts_arena_alloc(&arena, sizeof(Sts__Test__V1__Everything)));
        sts__test__v1__everything__init(m);
        return m;
    }
    int decode(const std::string &json, const sts_method_table_t *table = &sts_test_table)
    {
        error = nullptr;
        return sts_json_decode(table, json.data(), json.size(), &msg->base, &arena, &error);
    }
    /* Decodes into a fresh message and returns the error, or "" on success. */
    std::string decode_error(const std::string &json)
    {
        msg = fresh();
        return decode(json) == 0 ? std::string() : std::string(error);
    }
    std::string encode(const ProtobufCMessage *m, const sts_method_table_t *table = &sts_test_table,
                       size_t max = 1 << 20)
    {
        sts_buf_t buf;
        sts_buf_init(&buf, max);
        error = nullptr;
        std::string out = sts_json_encode(table, m, &buf, &arena, &error) == 0 ? std::string(buf.data, buf.len)
                                                                               : std::string("ERROR");
        sts_buf_dispose(&buf);
        return out;
    }
};

TEST_F(JsonTest, DecodesEveryScalarType)
{
    ASSERT_EQ(decode(R"({"i32":-7,"i64":"-9000000000","u32":4000000000,"u64":"18446744073709551615",
        "s32":-2147483648,"s64":-5,"f32":7,"f64":"8","sf32":-9,"sf64":10,"fl":1.5,"db":-2.25e10,
        "flag":true,"text":"héllo","data":"AAEC/w==","color":"COLOR_BLUE"})"),
              0)
        << error;
    EXPECT_EQ(msg->i32, -7);
    EXPECT_EQ(msg->i64, -9000000000LL);
    EXPECT_EQ(msg->u32, 4000000000u);
    EXPECT_EQ(msg->u64, 18446744073709551615ULL);
    EXPECT_EQ(msg->s32, INT32_MIN);
    EXPECT_EQ(msg->s64, -5);
    EXPECT_EQ(msg->f32, 7u);
    EXPECT_EQ(msg->f64, 8u);
    EXPECT_EQ(msg->sf32, -9);
    EXPECT_EQ(msg->sf64, 10);
    EXPECT_FLOAT_EQ(msg->fl, 1.5f);
    EXPECT_DOUBLE_EQ(msg->db, -2.25e10);
    EXPECT_TRUE(msg->flag);
    EXPECT_STREQ(msg->text, "héllo");
    ASSERT_EQ(msg->data.len, 4u);
    EXPECT_EQ(msg->data.data[3], 0xff);
    EXPECT_EQ(msg->color, STS__TEST__V1__COLOR__COLOR_BLUE);
}

TEST_F(JsonTest, AcceptsNumbersAsStringsAndEnumsAsNumbers)
{
    ASSERT_EQ(decode(R"({"i32":"12","u64":42,"color":1,"db":"NaN","fl":"-Infinity","data":"_-8"})"), 0) << error;
    EXPECT_EQ(msg->i32, 12);
    EXPECT_EQ(msg->u64, 42u);
    EXPECT_EQ(msg->color, STS__TEST__V1__COLOR__COLOR_RED);
    EXPECT_TRUE(std::isnan(msg->db));
    EXPECT_TRUE(std::isinf(msg->fl) && msg->fl < 0);
    ASSERT_EQ(msg->data.len, 2u); /* URL-safe base64 without padding */
    EXPECT_EQ(msg->data.data[0], 0xff);
}

TEST_F(JsonTest, DecodesRepeatedAndNestedFields)
{
    std::string numbers;
    for (int i = 0; i < 100; i++)
        numbers += (i ? "," : "") + std::to_string(i);
    ASSERT_EQ(decode(R"({"numbers":[)" + numbers + R"(],"words":["a","b"],"items":[{"name":"x"},{"count":2,
        "child":{"name":"deep"}}],"inner":{"name":"in","child":{"count":3}},"bigs":["1",-2],
        "colors":["COLOR_RED",2],"blobs":["AA==",""]})"),
              0)
        << error;
    ASSERT_EQ(msg->n_numbers, 100u);
    for (int i = 0; i < 100; i++)
        EXPECT_EQ(msg->numbers[i], i);
    ASSERT_EQ(msg->n_words, 2u);
    EXPECT_STREQ(msg->words[1], "b");
    ASSERT_EQ(msg->n_items, 2u);
    EXPECT_STREQ(msg->items[0]->name, "x");
    EXPECT_EQ(msg->items[1]->count, 2);
    EXPECT_STREQ(msg->items[1]->child->name, "deep");
    ASSERT_NE(msg->inner, nullptr);
    EXPECT_STREQ(msg->inner->name, "in");
    EXPECT_EQ(msg->inner->child->count, 3);
    ASSERT_EQ(msg->n_bigs, 2u);
    EXPECT_EQ(msg->bigs[1], -2);
    ASSERT_EQ(msg->n_colors, 2u);
    EXPECT_EQ(msg->colors[1], STS__TEST__V1__COLOR__COLOR_BLUE);
    ASSERT_EQ(msg->n_blobs, 2u);
    EXPECT_EQ(msg->blobs[0].len, 1u);
    EXPECT_EQ(msg->blobs[1].len, 0u);
}

TEST_F(JsonTest, NullLeavesFieldsUnset)
{
    ASSERT_EQ(decode(R"({"inner":null,"text":null,"numbers":null,"i32":null})"), 0) << error;
    EXPECT_EQ(msg->inner, nullptr);
    EXPECT_STREQ(msg->text, "");
    EXPECT_EQ(msg->n_numbers, 0u);
    EXPECT_EQ(decode_error(R"({"numbers":[1,null]})"), "numbers must not contain null");
}

TEST_F(JsonTest, AcceptsJsonNamesAndProtoNames)
{
    ASSERT_EQ(decode(R"({"custom-name":"a","snakeCaseName":"b"})"), 0) << error;
    EXPECT_STREQ(msg->custom_name, "a");
    EXPECT_STREQ(msg->snake_case_name, "b");
    msg = fresh();
    ASSERT_EQ(decode(R"({"custom_name":"c","snake_case_name":"d"})"), 0) << error;
    EXPECT_STREQ(msg->custom_name, "c");
    EXPECT_STREQ(msg->snake_case_name, "d");
    EXPECT_EQ(decode_error(R"({"customName":"x"})"), "unknown field \"customName\"");
}

TEST_F(JsonTest, WithoutGeneratedNamesFallsBackToLowerCamelCase)
{
    const sts_method_table_t empty = {nullptr, 0, nullptr, 0, nullptr, 0};
    ASSERT_EQ(decode(R"({"customName":"a","snakeCaseName":"b"})", &empty), 0) << error;
    EXPECT_STREQ(msg->custom_name, "a");
    std::string json = encode(&msg->base, &empty);
    EXPECT_NE(json.find(R"("customName":"a")"), std::string::npos) << json;
    EXPECT_NE(json.find(R"("snakeCaseName":"b")"), std::string::npos) << json;
}

TEST_F(JsonTest, UnknownAndRepeatedKeysAreErrors)
{
    EXPECT_EQ(decode_error(R"({"nope":1})"), "unknown field \"nope\"");
    EXPECT_EQ(decode_error(R"({"inner":{"nope":1}})"), "unknown field \"nope\" in inner");
    EXPECT_EQ(decode_error(R"({"i32":1,"i32":2})"), "i32 appears more than once");
    EXPECT_EQ(decode_error(R"({"text":"a","text":"a"})"), "text appears more than once");
}

TEST_F(JsonTest, WrongTypesNameTheField)
{
    EXPECT_EQ(decode_error(R"({"i32":"abc"})"), "i32 must be an integer from -2147483648 to 2147483647");
    EXPECT_EQ(decode_error(R"({"i32":1.5})"), "i32 must be an integer from -2147483648 to 2147483647");
    EXPECT_EQ(decode_error(R"({"i32":true})"), "i32 must be an integer from -2147483648 to 2147483647");
    EXPECT_EQ(decode_error(R"({"text":5})"), "text must be a string");
    EXPECT_EQ(decode_error(R"({"text":{}})"), "text must be a string");
    EXPECT_EQ(decode_error(R"({"flag":"true"})"), "flag must be true or false");
    EXPECT_EQ(decode_error(R"({"inner":5})"), "inner must be a JSON object");
    EXPECT_EQ(decode_error(R"({"inner":[]})"), "inner must be a JSON object");
    EXPECT_EQ(decode_error(R"({"numbers":5})"), "numbers must be a JSON array");
    EXPECT_EQ(decode_error(R"({"numbers":[[1]]})"), "numbers must not contain arrays");
    EXPECT_EQ(decode_error(R"({"numbers":[1,"x"]})"), "numbers must be an integer from -2147483648 to 2147483647");
    EXPECT_EQ(decode_error(R"({"items":[{"count":"x"}]})"),
              "items.count must be an integer from -2147483648 to 2147483647");
    EXPECT_EQ(decode_error(R"({"color":"PURPLE"})"), "color must be one of COLOR_UNSPECIFIED, COLOR_RED, COLOR_BLUE");
    EXPECT_EQ(decode_error(R"({"data":"!!!"})"), "data must be base64");
    EXPECT_EQ(decode_error(R"({"db":"fast"})"), "db must be a number (or \"NaN\", \"Infinity\", \"-Infinity\")");
}

TEST_F(JsonTest, HugeNumbersAreOutOfRange)
{
    EXPECT_EQ(decode_error(R"({"i32":2147483648})"), "i32 must be an integer from -2147483648 to 2147483647");
    EXPECT_EQ(decode_error(R"({"u32":-1})"), "u32 must be an integer from 0 to 4294967295");
    EXPECT_EQ(decode_error(R"({"i64":"9223372036854775808"})"),
              "i64 must be an integer from -9223372036854775808 to 9223372036854775807");
    EXPECT_EQ(decode_error(R"({"u64":18446744073709551616})"), "u64 must be an integer from 0 to 18446744073709551615");
    EXPECT_EQ(decode_error(R"({"u32":)" + std::string(1000, '9') + "}"), "u32 must be an integer from 0 to 4294967295");
    EXPECT_EQ(decode_error(R"({"db":1e400})"), "db is out of range");
    EXPECT_EQ(decode_error(R"({"fl":1e39})"), "fl is out of range");
    EXPECT_EQ(decode_error(R"({"i64":"-9223372036854775808"})"), "");
    EXPECT_EQ(msg->i64, INT64_MIN);
}

TEST_F(JsonTest, DepthIsLimited)
{
    auto nested = [](int levels) {
        std::string json = R"({"inner":)";
        for (int i = 0; i < levels; i++)
            json += R"({"child":)";
        json += "{}";
        for (int i = 0; i < levels; i++)
            json += "}";
        return json + "}";
    };
    /* The root, inner and 29 children make 31 objects, within the limit of 32 levels. */
    EXPECT_EQ(decode_error(nested(29)), "");
    std::string deep = decode_error(nested(40));
    EXPECT_NE(deep.find("is nested too deeply (the limit is 32 levels)"), std::string::npos) << deep;
    EXPECT_EQ(deep.rfind("inner.child.child", 0), 0u) << deep;
    EXPECT_NE(decode_error(std::string(100000, '[')).find("must be a JSON object"), std::string::npos);
}

TEST_F(JsonTest, InvalidUtf8AndNulAreRejected)
{
    std::string bad = decode_error("{\"text\":\"a\xff\"}");
    EXPECT_NE(bad.find("malformed JSON at byte"), std::string::npos) << bad;
    EXPECT_NE(bad.find("UTF8"), std::string::npos) << bad;
    EXPECT_NE(decode_error("{\"te\xc3\x28xt\":1}").find("UTF8"), std::string::npos);
    EXPECT_EQ(decode_error(R"({"text":"a\u0000b"})"), "text must not contain a NUL character");
    EXPECT_EQ(decode_error("{\"text\":\"\xf0\x9f\x98\x80\"}"), ""); /* a 4-byte character is fine */
}

TEST_F(JsonTest, MalformedDocumentsAreErrors)
{
    EXPECT_NE(decode_error(R"({"i32":)").find("malformed JSON"), std::string::npos);
    EXPECT_NE(decode_error(R"({} x)").find("malformed JSON"), std::string::npos);
    EXPECT_NE(decode_error(R"({"i32" 1})").find("malformed JSON"), std::string::npos);
    EXPECT_NE(decode_error("{/* comment */}").find("malformed JSON"), std::string::npos);
    EXPECT_EQ(decode_error("[1]"), "the request body must be a JSON object");
    EXPECT_EQ(decode_error("5"), "the request body must be a JSON object");
    EXPECT_EQ(decode_error("\"text\""), "the request body must be a JSON object");
}

TEST_F(JsonTest, OneofTakesOneMember)
{
    ASSERT_EQ(decode(R"({"choiceNumber":5})"), 0) << error;
    EXPECT_EQ(msg->choice_case, STS__TEST__V1__EVERYTHING__CHOICE_CHOICE_NUMBER);
    EXPECT_EQ(msg->choice_number, 5);
    EXPECT_EQ(decode_error(R"({"choiceText":"a","choiceNumber":1})"),
              "choiceNumber is a oneof member, but another member of that oneof is already set");
}

TEST_F(JsonTest, EncodesInFieldOrderWithDefaults)
{
    Sts__Test__V1__Inner inner = STS__TEST__V1__INNER__INIT;
    inner.name = const_cast<char *>("a\"b/");
    inner.count = 1;
    EXPECT_EQ(encode(&inner.base), R"({"name":"a\"b/","count":1})");
    Sts__Test__V1__Inner empty = STS__TEST__V1__INNER__INIT;
    EXPECT_EQ(encode(&empty.base), R"({"name":"","count":0})");
}

TEST_F(JsonTest, EncodesEveryKind)
{
    msg->i64 = -9000000000LL;
    msg->u64 = 18446744073709551615ULL;
    msg->db = NAN;
    msg->fl = 0.5f;
    msg->flag = 1;
    msg->color = STS__TEST__V1__COLOR__COLOR_RED;
    uint8_t bytes[] = {0, 1, 2, 0xff};
    msg->data.data = bytes;
    msg->data.len = sizeof(bytes);
    msg->custom_name = const_cast<char *>("c");
    msg->choice_case = STS__TEST__V1__EVERYTHING__CHOICE_CHOICE_TEXT;
    msg->choice_text = const_cast<char *>("t");
    std::string json = encode(&msg->base);
    for (const char *part : {R"("i64":"-9000000000")", R"("u64":"18446744073709551615")", R"("db":"NaN")",
                             R"("fl":0.5)", R"("flag":true)", R"("color":"COLOR_RED")", R"("data":"AAEC/w==")",
                             R"("custom-name":"c")", R"("choiceText":"t")", R"("numbers":[])", R"("i32":0)"})
        EXPECT_NE(json.find(part), std::string::npos) << part << " in " << json;
    EXPECT_EQ(json.find("choiceNumber"), std::string::npos) << json;
    EXPECT_EQ(json.find("\"inner\""), std::string::npos) << json;
    EXPECT_EQ(json.rfind(R"({"i32":0,"i64":"-9000000000","u32":0,)", 0), 0u) << json;
}

TEST_F(JsonTest, RoundTripsThroughJson)
{
    const std::string json = R"({"i32":-1,"i64":"2","u32":3,"u64":"4","s32":-5,"s64":"-6","f32":7,"f64":"8",)"
                             R"("sf32":-9,"sf64":"10","fl":1.5,"db":0.1,"flag":true,"text":"x","data":"AA==",)"
                             R"("color":"COLOR_BLUE","numbers":[1,2],"words":["w"],"items":[{"name":"i",)"
                             R"("count":1}],"inner":{"name":"n","count":0,"child":{"name":"","count":9}},)"
                             R"("custom-name":"c","choiceNumber":3,"bigs":["-1"],"colors":["COLOR_RED"],)"
                             R"("blobs":["AQ=="],"snakeCaseName":"s"})";
    ASSERT_EQ(decode(json), 0) << error;
    EXPECT_EQ(encode(&msg->base), json);
}

TEST_F(JsonTest, EncodeRespectsTheLimitAndUtf8)
{
    msg->text = const_cast<char *>("some text that will not fit");
    EXPECT_EQ(encode(&msg->base, &sts_test_table, 16), "ERROR");
    EXPECT_STREQ(error, "the JSON is larger than the limit of 16 bytes");
    msg->text = const_cast<char *>("bad \xff byte");
    EXPECT_EQ(encode(&msg->base), "ERROR");
    EXPECT_STREQ(error, "text is not valid UTF-8");
}

TEST_F(JsonTest, EscapesStringsAndKeepsUtf8AsItIs)
{
    msg->text = const_cast<char *>("q\"b\\s/ \b\f\n\r\t\x01\x1f\x7f \xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80");
    std::string json = encode(&msg->base);
    EXPECT_NE(
        json.find("\"text\":\"q\\\"b\\\\s/ \\b\\f\\n\\r\\t\\u0001\\u001f\x7f \xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\""),
        std::string::npos)
        << json;
    /* Overlong, surrogate, past U+10FFFF, cut short, a stray continuation byte, a lead byte at the end. */
    for (const char *bad : {"\xc0\x80", "\xe0\x80\xaf", "\xed\xa0\x80", "\xf4\x90\x80\x80", "\xf5\x80\x80\x80",
                            "x\xe2\x82", "\x80", "ok\xc3"}) {
        msg->text = const_cast<char *>(bad);
        EXPECT_EQ(encode(&msg->base), "ERROR") << bad;
        EXPECT_STREQ(error, "text is not valid UTF-8");
    }
}

/* What the encoder must write for one ASCII byte inside a string. */
static std::string escaped(unsigned char c)
{
    static const char hex[] = "0123456789abcdef";
    switch (c) {
    case '"':
        return "\\\"";
    case '\\':
        return "\\\\";
    case '\b':
        return "\\b";
    case '\f':
        return "\\f";
    case '\n':
        return "\\n";
    case '\r':
        return "\\r";
    case '\t':
        return "\\t";
    }
    if (c < 0x20)
        return std::string("\\u00") + hex[c >> 4] + hex[c & 15];
    return std::string(1, (char)c);
}

TEST_F(JsonTest, EveryByteIsFoundWhereverItStandsInALongString)
{
    // Long strings are scanned eight bytes at a time: each byte that needs an escape, or is not ASCII, must be seen
    // at every offset within and after a word.
    for (size_t at = 0; at < 20; at++) {
        for (int c = 1; c < 0x80; c++) {
            std::string text(24, 'A');
            text[at] = (char)c;
            msg->text = const_cast<char *>(text.c_str());
            std::string expected =
                "\"text\":\"" + text.substr(0, at) + escaped((unsigned char)c) + text.substr(at + 1) + "\"";
            ASSERT_NE(encode(&msg->base).find(expected), std::string::npos) << "byte " << c << " at " << at;
        }
        std::string utf8 = std::string(at, 'A') + "\xc3\xa9" + std::string(20, 'B');
        msg->text = const_cast<char *>(utf8.c_str());
        ASSERT_NE(encode(&msg->base).find("\"" + utf8 + "\""), std::string::npos) << "é at " << at;
        for (const char *bad : {"\xff", "\x80", "\xc0\x80"}) {
            std::string text = std::string(at, 'A') + bad + std::string(20, 'B');
            msg->text = const_cast<char *>(text.c_str());
            ASSERT_EQ(encode(&msg->base), "ERROR") << "invalid UTF-8 at " << at;
        }
    }
}

TEST_F(JsonTest, SetsFieldsFromUrlText)
{
    auto set = [&](const std::string &name, const std::string &value) {
        error = nullptr;
        return sts_json_set_field_text(&sts_test_table, &msg->base, name.data(), name.size(), value.data(),
                                       value.size(), &arena, &error);
    };
    EXPECT_EQ(set("i32", "42"), 0);
    EXPECT_EQ(msg->i32, 42);
    EXPECT_EQ(set("flag", "true"), 0);
    EXPECT_TRUE(msg->flag);
    EXPECT_EQ(set("color", "COLOR_BLUE"), 0);
    EXPECT_EQ(msg->color, STS__TEST__V1__COLOR__COLOR_BLUE);
    EXPECT_EQ(set("color", "1"), 0);
    EXPECT_EQ(msg->color, STS__TEST__V1__COLOR__COLOR_RED);
    EXPECT_EQ(set("words", "a"), 0);
    EXPECT_EQ(set("words", "b"), 0);
    ASSERT_EQ(msg->n_words, 2u);
    EXPECT_STREQ(msg->words[1], "b");
    EXPECT_EQ(set("custom-name", "v"), 0);
    EXPECT_STREQ(msg->custom_name, "v");
    EXPECT_EQ(set("i32", "x"), -1);
    EXPECT_STREQ(error, "i32 must be an integer from -2147483648 to 2147483647");
    EXPECT_EQ(set("inner", "x"), -1);
    EXPECT_STREQ(error, "inner cannot be set from the URL");
    EXPECT_EQ(set("nope", "1"), -1);
    EXPECT_STREQ(error, "unknown parameter \"nope\"");
    EXPECT_EQ(set("text", std::string("a\xff", 2)), -1);
    EXPECT_STREQ(error, "text is not valid UTF-8");
}

} // namespace

namespace
{

TEST(JsonDecodeFields, ReportsTheTopLevelKeysTheDocumentNamed)
{
    sts_arena_t arena;
    sts_arena_init(&arena);
    Sts__Test__V1__ListRequest request = STS__TEST__V1__LIST_REQUEST__INIT;
    const ProtobufCMessageDescriptor *d = &sts__test__v1__list_request__descriptor;
    unsigned char present[8];
    memset(present, 7, sizeof(present));
    const char *error = nullptr;
    const char json[] = R"({"group":null,"limit":0})";
    ASSERT_EQ(sts_json_decode_fields(&sts_test_table, json, strlen(json), &request.base, present, &arena, &error), 0)
        << error;
    for (unsigned i = 0; i < d->n_fields; i++) {
        bool named = std::string(d->fields[i].name) == "group" || std::string(d->fields[i].name) == "limit";
        EXPECT_EQ(present[i], named ? 1 : 0) << d->fields[i].name;
    }
    /* Keys of nested objects are not top-level keys. */
    Sts__Test__V1__Everything everything = STS__TEST__V1__EVERYTHING__INIT;
    unsigned char seen[64];
    const char nested[] = R"({"inner":{"name":"x"}})";
    ASSERT_EQ(sts_json_decode_fields(&sts_test_table, nested, strlen(nested), &everything.base, seen, &arena, &error),
              0);
    for (unsigned i = 0; i < everything.base.descriptor->n_fields; i++)
        EXPECT_EQ(seen[i], std::string(everything.base.descriptor->fields[i].name) == "inner" ? 1 : 0);
    sts_arena_dispose(&arena);
}

} // namespace
