#include <gtest/gtest.h>

#include <string>

extern "C" {
#include "aws/response.h"
}

namespace
{

class StsResponse : public ::testing::Test
{
  protected:
    sts_arena_t arena;
    sts_aws_response_t response;
    const char *error = nullptr;
    void SetUp() override
    {
        sts_arena_init(&arena);
    }
    void TearDown() override
    {
        sts_arena_dispose(&arena);
    }
    int parse(const std::string &xml)
    {
        error = nullptr;
        return sts_aws_response_parse(xml.data(), xml.size(), &response, &arena, &error);
    }
};

TEST_F(StsResponse, RgwAssumeRole)
{
    ASSERT_EQ(parse("<AssumeRoleResponse><AssumeRoleResult><Credentials><AccessKeyId>Nm2wIKrayU2s1L4cAcr</AccessKeyId>"
                    "<Expiration>2026-11-24T23:05:56.159920157Z</Expiration><SecretAccessKey>VBB9</SecretAccessKey>"
                    "<SessionToken>CMid+/==</SessionToken></Credentials><AssumedRoleUser><Arn>arn:aws:sts:::"
                    "assumed-role/r/test1</Arn><AssumeRoleId>c5a3:test1</AssumeRoleId></AssumedRoleUser>"
                    "<PackedPolicySize>0</PackedPolicySize></AssumeRoleResult></AssumeRoleResponse>"),
              0)
        << error;
    EXPECT_STREQ(response.access_key_id, "Nm2wIKrayU2s1L4cAcr");
    EXPECT_STREQ(response.secret_access_key, "VBB9");
    EXPECT_STREQ(response.session_token, "CMid+/==");
    EXPECT_STREQ(response.expiration, "2026-11-24T23:05:56.159920157Z");
    EXPECT_STREQ(response.assumed_role_id, "c5a3:test1");
    EXPECT_STREQ(response.arn, "arn:aws:sts:::assumed-role/r/test1");
    EXPECT_EQ(response.error_code, nullptr);
}

TEST_F(StsResponse, AwsAssumeRoleWithNamespaceAndWhitespace)
{
    ASSERT_EQ(parse("<?xml version=\"1.0\"?>\n<AssumeRoleResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">"
                    "\n  <AssumeRoleResult>\n    <AssumedRoleUser>\n      <AssumedRoleId>AROA:s</AssumedRoleId>\n"
                    "      <Arn>arn:aws:sts::123:assumed-role/demo/s</Arn>\n    </AssumedRoleUser>\n"
                    "    <Credentials>\n      <AccessKeyId>ASIAEXAMPLE</AccessKeyId>\n      <SecretAccessKey>"
                    "wJalr</SecretAccessKey>\n      <SessionToken>AQoD&amp;x</SessionToken>\n      <Expiration>"
                    "2019-11-09T13:34:41Z</Expiration>\n    </Credentials>\n  </AssumeRoleResult>\n"
                    "</AssumeRoleResponse>\n"),
              0)
        << error;
    EXPECT_STREQ(response.assumed_role_id, "AROA:s");
    EXPECT_STREQ(response.session_token, "AQoD&x");
    EXPECT_STREQ(response.expiration, "2019-11-09T13:34:41Z");
}

TEST_F(StsResponse, GetSessionToken)
{
    ASSERT_EQ(parse("<GetSessionTokenResponse><GetSessionTokenResult><Credentials><AccessKeyId>A</AccessKeyId>"
                    "<SecretAccessKey>S</SecretAccessKey><SessionToken>T</SessionToken><Expiration>2026-01-01T00:00:00Z"
                    "</Expiration></Credentials></GetSessionTokenResult></GetSessionTokenResponse>"),
              0);
    EXPECT_STREQ(response.access_key_id, "A");
    EXPECT_EQ(response.assumed_role_id, nullptr);
}

TEST_F(StsResponse, ErrorBodies)
{
    ASSERT_EQ(parse("<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>NoSuchEntity</Code><Message></Message>"
                    "<RequestId>tx1</RequestId></Error>"),
              0);
    EXPECT_STREQ(response.error_code, "NoSuchEntity");
    EXPECT_STREQ(response.error_message, "");
    ASSERT_EQ(parse("<ErrorResponse><Error><Type>Sender</Type><Code>AccessDenied</Code><Message>not authorized"
                    "</Message></Error><RequestId>r</RequestId></ErrorResponse>"),
              0);
    EXPECT_STREQ(response.error_code, "AccessDenied");
    EXPECT_STREQ(response.error_message, "not authorized");
}

TEST_F(StsResponse, MalformedAndHostileXml)
{
    EXPECT_EQ(parse("<Error><Code>x</Error>"), -1);
    EXPECT_NE(std::string(error).find("malformed XML at line 1"), std::string::npos) << error;
    EXPECT_EQ(parse("not xml"), -1);
    EXPECT_EQ(parse("<!DOCTYPE x [<!ENTITY a \"aaaa\">]><Error><Code>&a;</Code></Error>"), -1);
    EXPECT_NE(std::string(error).find("document type declaration"), std::string::npos) << error;
    std::string deep;
    for (int i = 0; i < 40; i++)
        deep += "<a>";
    EXPECT_EQ(parse(deep), -1);
    EXPECT_STREQ(error, "the XML is nested too deeply");
    EXPECT_EQ(parse("<r><Credentials><SessionToken>" + std::string(20000, 'x') + "</SessionToken></Credentials></r>"),
              -1);
    EXPECT_STREQ(error, "an XML element is too long");
    EXPECT_EQ(parse(std::string(70000, ' ')), -1);
}

TEST_F(StsResponse, ErrorTextIsMadeSafeToEcho)
{
    /* A hostile peer's message: line breaks, a tab and DEL (XML allows no other controls), then 10 KiB. */
    std::string message = "denied&#13;&#10;2026-01-01T00:00:00Z info forged\t\x7f[2J" + std::string(10240, 'm');
    ASSERT_EQ(parse("<Error><Code>Bad&#10;Code</Code><Message>" + message + "</Message></Error>"), 0);
    EXPECT_STREQ(response.error_code, "Bad Code");
    std::string got = response.error_message;
    EXPECT_LE(got.size(), static_cast<size_t>(STS_AWS_ERROR_TEXT_MAX + 3));
    EXPECT_EQ(got.substr(0, 47), "denied  2026-01-01T00:00:00Z info forged  [2Jmm");
    EXPECT_EQ(got.substr(got.size() - 3), "...");
    for (char c : got)
        EXPECT_FALSE((c >= 0 && c < 0x20) || c == 0x7f) << got;
}

} // namespace
