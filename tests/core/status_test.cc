#include <gtest/gtest.h>

extern "C" {
#include "core/status.h"
}

namespace
{

TEST(StatusMap, GrpcCodesNamesAndHttpStatuses)
{
    struct {
        sts_status_t status;
        int code;
        const char *name;
        int http;
    } rows[] = {
        {STS_STATUS_OK, 0, "OK", 200},
        {STS_STATUS_INVALID_ARGUMENT, 3, "INVALID_ARGUMENT", 400},
        {STS_STATUS_DEADLINE_EXCEEDED, 4, "DEADLINE_EXCEEDED", 504},
        {STS_STATUS_NOT_FOUND, 5, "NOT_FOUND", 404},
        {STS_STATUS_ALREADY_EXISTS, 6, "ALREADY_EXISTS", 409},
        {STS_STATUS_PERMISSION_DENIED, 7, "PERMISSION_DENIED", 403},
        {STS_STATUS_RESOURCE_EXHAUSTED, 8, "RESOURCE_EXHAUSTED", 429},
        {STS_STATUS_FAILED_PRECONDITION, 9, "FAILED_PRECONDITION", 400},
        {STS_STATUS_UNIMPLEMENTED, 12, "UNIMPLEMENTED", 501},
        {STS_STATUS_INTERNAL, 13, "INTERNAL", 500},
        {STS_STATUS_UNAVAILABLE, 14, "UNAVAILABLE", 503},
        {STS_STATUS_UNAUTHENTICATED, 16, "UNAUTHENTICATED", 401},
    };
    for (const auto &row : rows) {
        EXPECT_EQ(static_cast<int>(row.status), row.code) << row.name;
        EXPECT_STREQ(sts_status_name(row.status), row.name);
        EXPECT_EQ(sts_status_http(row.status), row.http) << row.name;
        EXPECT_NE(sts_status_message(row.status), nullptr);
        EXPECT_STRNE(sts_status_message(row.status), "");
    }
}

TEST(StatusMap, ValuesOutsideTheMap)
{
    EXPECT_STREQ(sts_status_name(static_cast<sts_status_t>(99)), "UNKNOWN");
    EXPECT_EQ(sts_status_http(static_cast<sts_status_t>(99)), 500);
    EXPECT_NE(sts_status_message(static_cast<sts_status_t>(-1)), nullptr);
}

} // namespace
