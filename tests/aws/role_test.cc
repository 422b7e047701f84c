#include <gtest/gtest.h>

extern "C" {
#include "aws/role.h"
}

namespace
{

TEST(Role, NameFromArn)
{
    char name[64];
    ASSERT_EQ(sts_aws_role_name("arn:aws:iam:::role/sts-s3-access", name, sizeof(name)), 0);
    EXPECT_STREQ(name, "sts-s3-access");
    ASSERT_EQ(sts_aws_role_name("arn:aws:iam::tenant1:role/path/to/reader", name, sizeof(name)), 0);
    EXPECT_STREQ(name, "reader");
    for (const char *bad : {"", "sts-s3-access", "arn:aws:iam:::user/bob", "arn:aws:iam:::role/", "arn:aws:s3:::b"})
        EXPECT_EQ(sts_aws_role_name(bad, name, sizeof(name)), -1) << bad;
}

} // namespace
