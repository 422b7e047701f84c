#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <regex>
#include <set>
#include <string>
#include <thread>
#include <unistd.h>
#include <vector>

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

/* Request lines are gathered per thread and written in batches: every one arrives, whole, once. */
TEST(Log, GatheredRequestLinesAllArriveWhole)
{
    const int threads = 4, lines = 2000; /* about 300 KB a thread: more than each buffer holds */
    std::string out = captured_stderr([] {
        std::vector<std::thread> pool;
        for (int t = 0; t < threads; t++)
            pool.emplace_back([t] {
                for (int i = 0; i < lines; i++) {
                    std::string id = "t" + std::to_string(t) + "-" + std::to_string(i);
                    sts_log_request_t r = {id.c_str(),   "rest",   "sts.v1.TokenService/IssueToken",
                                           "PUT /token", "admin",  "127.0.0.1",
                                           201,          1000 + i, 366};
                    sts_log_request(&r);
                }
            });
        for (auto &thread : pool)
            thread.join();
        sts_log_flush();
    });
    std::regex whole("\\d{4}-\\d\\d-\\d\\dT[0-9:.]+\\+00:00 info request id=t\\d-\\d+ protocol=rest "
                     "method=sts.v1.TokenService/IssueToken route=PUT /token principal=admin peer=127.0.0.1 "
                     "status=201 latency_us=\\d+ bytes=366");
    std::set<std::string> ids;
    size_t start = 0, count = 0;
    for (size_t end; (end = out.find('\n', start)) != std::string::npos; start = end + 1, count++) {
        std::string line = out.substr(start, end - start);
        ASSERT_TRUE(std::regex_match(line, whole)) << line;
        ids.insert(line.substr(line.find("id=") + 3, line.find(' ', line.find("id=")) - line.find("id=") - 3));
    }
    EXPECT_EQ(start, out.size()); /* nothing after the last newline */
    EXPECT_EQ(count, static_cast<size_t>(threads * lines));
    EXPECT_EQ(ids.size(), static_cast<size_t>(threads * lines));
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
