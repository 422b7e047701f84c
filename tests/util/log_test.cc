#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <regex>
#include <string>
#include <unistd.h>

extern "C" {
#include "util/log.h"
}

namespace
{

/* Runs log_something with stderr sent to a temporary file and returns what it wrote. */
template <typename F> std::string captured_stderr(F log_something)
{
    FILE *file = tmpfile();
    int saved = dup(STDERR_FILENO);
    dup2(fileno(file), STDERR_FILENO);
    log_something();
    dup2(saved, STDERR_FILENO);
    close(saved);
    std::string text;
    rewind(file);
    char chunk[4096];
    size_t n;
    while ((n = fread(chunk, 1, sizeof(chunk), file)) > 0)
        text.append(chunk, n);
    fclose(file);
    return text;
}

TEST(Log, OneLineWithTimeAndLevel)
{
    std::string out = captured_stderr([] { sts_log_info("issued %s to %s", "ASIAREAL", "alice"); });
    EXPECT_TRUE(std::regex_match(out, std::regex("\\d{4}-\\d\\d-\\d\\dT[0-9:.]+\\+00:00 info issued ASIAREAL to "
                                                 "alice\n")))
        << out;
}

TEST(Log, ControlCharactersInValuesCannotForgeALine)
{
    const char *name = "alice\n2026-01-01T00:00:00.000000+00:00 info issued ASIAFORGED to admin";
    std::string out = captured_stderr([name] { sts_log_info("created access token for %s", name); });
    EXPECT_EQ(std::count(out.begin(), out.end(), '\n'), 1) << out;
    EXPECT_NE(out.find("for alice\\n2026-01-01T00:00:00.000000+00:00 info issued ASIAFORGED to admin\n"),
              std::string::npos)
        << out;
}

TEST(Log, EveryControlByteIsEscaped)
{
    std::string value;
    for (int c = 1; c < 0x20; c++)
        value += static_cast<char>(c);
    value += '\x7f';
    value += "caf\xc3\xa9"; /* UTF-8 stays as it is */
    std::string out = captured_stderr([&value] { sts_log_warn("[%s]", value.c_str()); });
    EXPECT_NE(out.find("[\\x01\\x02\\x03\\x04\\x05\\x06\\x07\\x08\\t\\n\\x0b\\x0c\\r\\x0e\\x0f\\x10\\x11\\x12\\x13\\x14"
                       "\\x15\\x16\\x17\\x18\\x19\\x1a\\x1b\\x1c\\x1d\\x1e\\x1f\\x7fcaf\xc3\xa9]\n"),
              std::string::npos)
        << out;
    for (char c : out.substr(0, out.size() - 1))
        EXPECT_FALSE((c >= 0 && c < 0x20) || c == 0x7f) << out;
}

TEST(Log, LongMessagesAreCutWithoutSplittingAnEscape)
{
    std::string value(3000, '\n');
    std::string out = captured_stderr([&value] { sts_log_error("%s", value.c_str()); });
    ASSERT_FALSE(out.empty());
    EXPECT_EQ(std::count(out.begin(), out.end(), '\n'), 1);
    EXPECT_EQ(out.back(), '\n');
    std::string body = out.substr(out.find(" error ") + 7);
    body.pop_back();
    EXPECT_EQ(body.size() % 2, 0u) << "an escape was split";
    EXPECT_EQ(body.find_first_not_of("\\n"), std::string::npos);
}

TEST(Log, LevelFilter)
{
    sts_log_set_level(STS_LOG_WARN);
    std::string out = captured_stderr([] {
        sts_log_info("hidden");
        sts_log_warn("shown");
    });
    sts_log_set_level(STS_LOG_INFO);
    EXPECT_EQ(out.find("hidden"), std::string::npos);
    EXPECT_NE(out.find("warn shown"), std::string::npos);
}

} // namespace
