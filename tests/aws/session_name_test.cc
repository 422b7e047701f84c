#include <gtest/gtest.h>

#include <cstring>
#include <regex>
#include <string>

extern "C" {
#include "aws/session_name.h"
}

namespace
{

TEST(SessionName, SanitisedCallerWithSuffix)
{
    char name[STS_AWS_SESSION_NAME_MAX];
    sts_aws_session_name("alice@example.com", name);
    EXPECT_TRUE(std::regex_match(name, std::regex("alice@example\\.com-[a-z0-9]{6}"))) << name;
    sts_aws_session_name("Bob Smith/ops ü", name);
    EXPECT_TRUE(std::regex_match(name, std::regex("Bob_Smith_ops___-[a-z0-9]{6}"))) << name;
    std::string long_name(200, 'x');
    sts_aws_session_name(long_name.c_str(), name);
    EXPECT_EQ(strlen(name), 64u);
    EXPECT_TRUE(std::regex_match(name, std::regex("x{57}-[a-z0-9]{6}"))) << name;
    char other[STS_AWS_SESSION_NAME_MAX];
    sts_aws_session_name("alice", name);
    sts_aws_session_name("alice", other);
    EXPECT_STRNE(name, other);
}

TEST(SessionName, AnonymousCallers)
{
    char name[STS_AWS_SESSION_NAME_MAX];
    for (const char *caller : {static_cast<const char *>(nullptr), ""}) {
        sts_aws_session_name(caller, name);
        EXPECT_TRUE(std::regex_match(name, std::regex("sts-[a-z0-9]{12}"))) << name;
    }
    sts_aws_session_name("a", name); /* a one-character name still makes at least 2 characters */
    EXPECT_TRUE(std::regex_match(name, std::regex("a-[a-z0-9]{6}"))) << name;
}

} // namespace
