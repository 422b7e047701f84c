#include <gtest/gtest.h>

#include <regex>
#include <set>
#include <string>
#include <thread>
#include <vector>

extern "C" {
#include "core/request_id.h"
}

namespace
{

std::string choose(const std::string &incoming, bool given = true)
{
    char out[STS_REQUEST_ID_MAX + 1];
    sts_request_id_choose(given ? incoming.data() : nullptr, incoming.size(), out);
    return out;
}

TEST(RequestId, SaneIdsAreKeptAndOthersReplaced)
{
    EXPECT_EQ(choose("trace-1:a/b+c=d@e_f.g"), "trace-1:a/b+c=d@e_f.g");
    EXPECT_EQ(choose(std::string(128, 'x')), std::string(128, 'x'));
    std::regex fresh("[0-9a-f]{32}");
    for (const std::string &insane : {std::string(129, 'x'), std::string("a b"), std::string("a\nb"),
                                      std::string("a\0b", 3), std::string("é"), std::string("")})
        EXPECT_TRUE(std::regex_match(choose(insane), fresh)) << insane;
    EXPECT_TRUE(std::regex_match(choose("", false), fresh));
}

/* New ids never repeat: not within a thread, not across threads (each has its own random half). */
TEST(RequestId, NewIdsAreUniqueAcrossThreads)
{
    std::vector<std::vector<std::string>> made(4);
    std::vector<std::thread> pool;
    for (size_t t = 0; t < made.size(); t++)
        pool.emplace_back([&made, t] {
            for (int i = 0; i < 5000; i++)
                made[t].push_back(choose("", false));
        });
    for (auto &thread : pool)
        thread.join();
    std::set<std::string> all;
    std::set<std::string> prefixes;
    for (const auto &ids : made) {
        all.insert(ids.begin(), ids.end());
        prefixes.insert(ids.front().substr(0, 16));
    }
    EXPECT_EQ(all.size(), 20000u);
    EXPECT_EQ(prefixes.size(), 4u);
}

} // namespace
