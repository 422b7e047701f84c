#include <gtest/gtest.h>

#include <string>

extern "C" {
#include "aws/sigv4.h"
}

namespace
{

const char *const example_key_id = "AKIDEXAMPLE";
const char *const example_secret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";

struct Signed {
    std::string authorization, canonical_request, string_to_sign;
};

Signed sign(const sts_aws_sigv4_request_t &request)
{
    sts_buf_t canonical, to_sign;
    sts_buf_init(&canonical, 1 << 16);
    sts_buf_init(&to_sign, 1 << 16);
    sts_aws_sigv4_trace_t trace = {&canonical, &to_sign};
    char authorization[512];
    Signed out;
    EXPECT_EQ(sts_aws_sigv4_authorization(&request, example_key_id, example_secret, authorization,
                                          sizeof(authorization), &trace),
              0);
    out.authorization = authorization;
    out.canonical_request.assign(canonical.data, canonical.len);
    out.string_to_sign.assign(to_sign.data, to_sign.len);
    sts_buf_dispose(&canonical);
    sts_buf_dispose(&to_sign);
    return out;
}

/* The "get-vanilla" case of the AWS SigV4 test suite. */
TEST(SigV4, GetVanilla)
{
    sts_aws_sigv4_header_t headers[] = {{"x-amz-date", "20150830T123600Z"}, {"host", "example.amazonaws.com"}};
    sts_aws_sigv4_request_t request = {"GET", "/", "", headers, 2, "", 0, "20150830T123600Z", "us-east-1", "service"};
    Signed s = sign(request);
    EXPECT_EQ(s.canonical_request, "GET\n/\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\n"
                                   "host;x-amz-date\n"
                                   "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    EXPECT_EQ(s.string_to_sign, "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/aws4_request\n"
                                "bb579772317eb040ac9ed261061d46c1f17a8133879d6129b6e1c25292927e63");
    EXPECT_EQ(s.authorization, "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, "
                               "SignedHeaders=host;x-amz-date, "
                               "Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31");
}

/* The IAM ListUsers example from the AWS "complete signing process" documentation. */
TEST(SigV4, IamListUsersExample)
{
    sts_aws_sigv4_header_t headers[] = {{"content-type", "application/x-www-form-urlencoded; charset=utf-8"},
                                        {"host", "iam.amazonaws.com"},
                                        {"x-amz-date", "20150830T123600Z"}};
    sts_aws_sigv4_request_t request = {
        "GET", "/", "Action=ListUsers&Version=2010-05-08", headers, 3, "", 0, "20150830T123600Z", "us-east-1", "iam"};
    Signed s = sign(request);
    EXPECT_EQ(s.string_to_sign, "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/iam/aws4_request\n"
                                "f536975d06c0309214f805bb90ccff089219ecd68b2577efef23edd43b7e1a59");
    EXPECT_EQ(s.authorization, "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/iam/aws4_request, "
                               "SignedHeaders=content-type;host;x-amz-date, "
                               "Signature=5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7");
}

TEST(SigV4, HeaderValuesAreTrimmedAndSecretNeverPrinted)
{
    sts_aws_sigv4_header_t headers[] = {
        {"host", "  example.amazonaws.com  "}, {"my-header", "a   b  c"}, {"x-amz-date", "20150830T123600Z"}};
    sts_aws_sigv4_request_t request = {"POST", "", "", headers, 3, "Action=x", 8, "20150830T123600Z", "r", "sts"};
    Signed s = sign(request);
    EXPECT_NE(s.canonical_request.find("POST\n/\n\nhost:example.amazonaws.com\nmy-header:a b c\n"), std::string::npos)
        << s.canonical_request;
    EXPECT_EQ(s.authorization.find(example_secret), std::string::npos);
    EXPECT_EQ(s.canonical_request.find(example_secret), std::string::npos);
    char small[20];
    EXPECT_EQ(sts_aws_sigv4_authorization(&request, example_key_id, example_secret, small, sizeof(small), nullptr), -1);
}

TEST(SigV4, UriEncoding)
{
    sts_buf_t out;
    sts_buf_init(&out, 256);
    ASSERT_EQ(sts_aws_sigv4_uri_encode(&out, "arn:aws:iam:::role/S3 Access+~ü"), 0);
    EXPECT_EQ(std::string(out.data, out.len), "arn%3Aaws%3Aiam%3A%3A%3Arole%2FS3%20Access%2B~%C3%BC");
    sts_buf_dispose(&out);
    char date[17];
    sts_aws_sigv4_amz_date(1440938160, date);
    EXPECT_STREQ(date, "20150830T123600Z");
}

} // namespace
