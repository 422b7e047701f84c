#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <map>
#include <random>
#include <string>
#include <thread>
#include <vector>

extern "C" {
#include "core/revocations.h"
}

namespace
{

class Revocations : public ::testing::Test
{
  protected:
    sts_revocations_t *map = sts_revocations_create();
    void TearDown() override
    {
        sts_revocations_destroy(map);
    }
    bool get(const std::string &key, int64_t *time_us = nullptr)
    {
        int64_t scratch = -12345;
        return sts_revocations_get(map, key.c_str(), time_us != nullptr ? time_us : &scratch) == 1;
    }
    int64_t time_of(const std::string &key)
    {
        int64_t t = -1;
        EXPECT_TRUE(get(key, &t)) << key;
        return t;
    }
};

TEST_F(Revocations, PutGetReplaceAndRemove)
{
    int64_t t = 77;
    EXPECT_FALSE(get("alice", &t));
    EXPECT_EQ(t, 77) << "a miss leaves the output alone";
    sts_revocations_put(map, "alice", 1000);
    sts_revocations_put(map, "bob", 2000);
    EXPECT_EQ(time_of("alice"), 1000);
    EXPECT_EQ(time_of("bob"), 2000);
    /* A put replaces, in either direction (the store keeps tokens_not_before from moving back). */
    sts_revocations_put(map, "alice", 5000);
    EXPECT_EQ(time_of("alice"), 5000);
    sts_revocations_put(map, "alice", 3000);
    EXPECT_EQ(time_of("alice"), 3000);
    sts_revocations_remove(map, "alice");
    EXPECT_FALSE(get("alice"));
    EXPECT_EQ(time_of("bob"), 2000);
    sts_revocations_remove(map, "alice"); /* twice: nothing happens */
    sts_revocations_remove(map, "nobody");
    EXPECT_EQ(time_of("bob"), 2000);
    /* Keys compare whole: no prefix, no suffix, case matters. */
    EXPECT_FALSE(get("bo"));
    EXPECT_FALSE(get("bobby"));
    EXPECT_FALSE(get("Bob"));
    EXPECT_FALSE(get(""));
    sts_revocations_put(map, "", 9);
    EXPECT_EQ(time_of(""), 9);
    EXPECT_EQ(time_of("bob"), 2000);
}

/* A rebuilt map replaces the live one whole, unless the live one changed meanwhile (a put the rebuild may miss). */
TEST_F(Revocations, SwapTakesARebuildOnlyWhenNothingChangedMeanwhile)
{
    sts_revocations_put(map, "old", 100);
    sts_revocations_t *fresh = sts_revocations_create();
    sts_revocations_put(fresh, "new", 200);
    uint64_t changes = sts_revocations_changes(map);
    sts_revocations_put(map, "late", 300); /* made while the rebuild read the store */
    EXPECT_EQ(sts_revocations_swap(map, fresh, changes), 0);
    EXPECT_EQ(time_of("late"), 300);
    EXPECT_FALSE(get("new"));
    changes = sts_revocations_changes(map);
    EXPECT_EQ(sts_revocations_swap(map, fresh, changes), 1);
    EXPECT_EQ(time_of("new"), 200);
    EXPECT_FALSE(get("old"));
    EXPECT_FALSE(get("late"));
    /* Still sorted and usable afterwards. */
    sts_revocations_put(map, "a", 400);
    sts_revocations_put(map, "z", 500);
    EXPECT_EQ(time_of("a"), 400);
    EXPECT_EQ(time_of("z"), 500);
    EXPECT_EQ(time_of("new"), 200);
    sts_revocations_destroy(fresh);
}

TEST_F(Revocations, KeysLongerThanTheMaximumAreIgnored)
{
    std::string longest(STS_REVOCATIONS_KEY_MAX, 'k');
    std::string too_long(STS_REVOCATIONS_KEY_MAX + 1, 'k');
    sts_revocations_put(map, longest.c_str(), 1);
    EXPECT_EQ(time_of(longest), 1);
    sts_revocations_put(map, too_long.c_str(), 2);
    EXPECT_FALSE(get(too_long));
    EXPECT_EQ(time_of(longest), 1) << "the over-long key must not land on its truncation";
    /* Not stored under a truncation either when the truncation is absent. */
    sts_revocations_remove(map, longest.c_str());
    sts_revocations_put(map, too_long.c_str(), 3);
    EXPECT_FALSE(get(longest));
    EXPECT_FALSE(get(too_long));
    std::string huge(100000, 'x');
    sts_revocations_put(map, huge.c_str(), 4);
    EXPECT_FALSE(get(huge));
    sts_revocations_remove(map, huge.c_str());
}

TEST_F(Revocations, ManyKeysInRandomOrderStaySortedAndFindable)
{
    std::mt19937 random(12345);
    std::vector<std::string> keys;
    for (int i = 0; i < 3000; i++) {
        char key[40];
        snprintf(key, sizeof(key), "%08x-%d", static_cast<unsigned>(random()), i);
        keys.push_back(key);
    }
    std::map<std::string, int64_t> expected;
    std::shuffle(keys.begin(), keys.end(), random);
    for (size_t i = 0; i < keys.size(); i++) {
        sts_revocations_put(map, keys[i].c_str(), static_cast<int64_t>(i));
        expected[keys[i]] = static_cast<int64_t>(i);
    }
    /* Remove a random third and re-put another third with new times. */
    std::shuffle(keys.begin(), keys.end(), random);
    for (size_t i = 0; i < keys.size() / 3; i++) {
        sts_revocations_remove(map, keys[i].c_str());
        expected.erase(keys[i]);
    }
    for (size_t i = keys.size() / 3; i < 2 * keys.size() / 3; i++) {
        sts_revocations_put(map, keys[i].c_str(), 1000000 + static_cast<int64_t>(i));
        expected[keys[i]] = 1000000 + static_cast<int64_t>(i);
    }
    for (const auto &key : keys) {
        auto it = expected.find(key);
        int64_t t = -1;
        bool found = get(key, &t);
        ASSERT_EQ(found, it != expected.end()) << key;
        if (found) {
            ASSERT_EQ(t, it->second) << key;
        }
    }
}

TEST_F(Revocations, ReadersAndWritersOnManyThreads)
{
    std::atomic<bool> stop{false};
    std::atomic<long> misses{0};
    sts_revocations_put(map, "steady", 42);
    std::vector<std::thread> threads;
    for (int t = 0; t < 3; t++) {
        threads.emplace_back([&, t] {
            for (int i = 0; i < 2000; i++) {
                std::string key = "w" + std::to_string(t) + "-" + std::to_string(i);
                sts_revocations_put(map, key.c_str(), i);
                if (i % 3 == 0)
                    sts_revocations_remove(map, key.c_str());
            }
        });
    }
    threads.emplace_back([&] {
        while (!stop) {
            int64_t time_us = 0;
            if (!sts_revocations_get(map, "steady", &time_us) || time_us != 42)
                misses++;
        }
    });
    for (int t = 0; t < 3; t++)
        threads[t].join();
    stop = true;
    threads.back().join();
    EXPECT_EQ(misses, 0);
    for (int t = 0; t < 3; t++) {
        for (int i = 0; i < 2000; i++) {
            std::string key = "w" + std::to_string(t) + "-" + std::to_string(i);
            ASSERT_EQ(get(key), i % 3 != 0) << key;
        }
    }
}

} // namespace
