#include <gtest/gtest.h>

#include <string>
#include <vector>

extern "C" {
#include "ctl/args.h"
}

namespace
{

struct Parsed {
    int status;
    sts_ctl_args_t args;
    sts_ctl_flag_t common[STS_CTL_COMMON_FLAGS];
    sts_ctl_flag_t own[2];
};

Parsed parse(std::vector<std::string> words, size_t max_positional = 2)
{
    static std::vector<std::string> storage;
    storage = words;
    std::vector<char *> argv;
    for (auto &word : storage)
        argv.push_back(&word[0]);
    Parsed parsed;
    sts_ctl_args_common(parsed.common);
    parsed.own[0] = {"duration", 1, nullptr};
    parsed.own[1] = {"ready", 0, nullptr};
    parsed.status = sts_ctl_args_parse((int)argv.size(), argv.data(), parsed.common, STS_CTL_COMMON_FLAGS, parsed.own,
                                       2, max_positional, &parsed.args);
    return parsed;
}

TEST(CtlArgs, ValuesInBothSpellingsAndSwitches)
{
    Parsed p = parse({"--url", "http://h:1", "--duration=900", "--ready", "list", "--token", "t"});
    ASSERT_EQ(p.status, 0);
    EXPECT_STREQ(p.common[STS_CTL_FLAG_URL].value, "http://h:1");
    EXPECT_STREQ(p.common[STS_CTL_FLAG_TOKEN].value, "t");
    EXPECT_EQ(p.common[STS_CTL_FLAG_CACERT].value, nullptr);
    EXPECT_STREQ(p.own[0].value, "900");
    EXPECT_STREQ(p.own[1].value, "1");
    ASSERT_EQ(p.args.positional_count, 1u);
    EXPECT_STREQ(p.args.positional[0], "list");
}

TEST(CtlArgs, TheLastValueWinsAndDoubleDashEndsFlags)
{
    Parsed p = parse({"--url", "a", "--url=b", "--", "--ready"});
    ASSERT_EQ(p.status, 0);
    EXPECT_STREQ(p.common[STS_CTL_FLAG_URL].value, "b");
    EXPECT_EQ(p.own[1].value, nullptr);
    ASSERT_EQ(p.args.positional_count, 1u);
    EXPECT_STREQ(p.args.positional[0], "--ready");
}

TEST(CtlArgs, Help)
{
    EXPECT_EQ(parse({"-h"}).args.help, 1);
    EXPECT_EQ(parse({"--help"}).args.help, 1);
    EXPECT_EQ(parse({}).args.help, 0);
}

TEST(CtlArgs, Refusals)
{
    EXPECT_EQ(parse({"--nope"}).status, -1);
    EXPECT_EQ(parse({"-x"}).status, -1);
    EXPECT_EQ(parse({"--url"}).status, -1);
    EXPECT_EQ(parse({"--ready=1"}).status, -1);
    EXPECT_EQ(parse({"a", "b", "c"}).status, -1);
    EXPECT_EQ(parse({"a"}, 0).status, -1);
    EXPECT_EQ(parse({"--urlx", "v"}).status, -1);
    EXPECT_EQ(parse({"--ur", "v"}).status, -1);
}

TEST(CtlArgs, Numbers)
{
    long value = 0;
    EXPECT_EQ(sts_ctl_args_number("--n", "900", 1, 1000, &value), 0);
    EXPECT_EQ(value, 900);
    for (const char *bad : {"", "0", "1001", "-5", "+5", " 5", "5 ", "5x", "99999999999999999999999", "0x10"})
        EXPECT_EQ(sts_ctl_args_number("--n", bad, 1, 1000, &value), -1) << bad;
    EXPECT_EQ(value, 900);
}

} // namespace
