#include <gtest/gtest.h>

#include <atomic>
#include <cstdint>
#include <string>
#include <thread>
#include <vector>

extern "C" {
#include "core/login_throttle.h"
}

namespace
{

const sts_login_throttle_settings_t defaults = {5, 1000, 900000, 100, 65536};

class Throttle : public ::testing::Test
{
  protected:
    sts_login_throttle_t *throttle = nullptr;
    void make(const sts_login_throttle_settings_t &settings)
    {
        sts_login_throttle_destroy(throttle);
        throttle = sts_login_throttle_create(&settings);
        ASSERT_NE(throttle, nullptr);
    }
    void SetUp() override
    {
        make(defaults);
    }
    void TearDown() override
    {
        sts_login_throttle_destroy(throttle);
    }
    int64_t wait(const char *username, const char *address, int64_t now)
    {
        return sts_login_throttle_wait_ms(throttle, username, address, now);
    }
    int fail(const char *username, const char *address, int64_t now)
    {
        return sts_login_throttle_failure(throttle, username, address, now);
    }
};

TEST(LoginThrottleSipHash, ReferenceVectors)
{
    /* From the SipHash paper's test vectors: key 00..0f, messages 00, 00 01, ... */
    uint8_t key[16], message[16];
    for (int i = 0; i < 16; i++)
        key[i] = message[i] = (uint8_t)i;
    EXPECT_EQ(sts__login_throttle_siphash(key, message, 0), 0x726fdb47dd0e0e31ull);
    EXPECT_EQ(sts__login_throttle_siphash(key, message, 1), 0x74f839c593dc67fdull);
    EXPECT_EQ(sts__login_throttle_siphash(key, message, 8), 0x93f5f5799a932462ull);
    EXPECT_EQ(sts__login_throttle_siphash(key, message, 15), 0xa129ca6149be45e5ull);
}

TEST_F(Throttle, FiveFailuresAreFreeAndTheSixthAttemptWaitsTheBaseDelay)
{
    for (int i = 1; i <= 4; i++) {
        EXPECT_EQ(fail("alice", "10.0.0.1", 1000), i);
        EXPECT_EQ(wait("alice", "10.0.0.1", 1000), 0) << "after " << i << " failures";
    }
    EXPECT_EQ(fail("alice", "10.0.0.1", 1000), 5);
    EXPECT_EQ(wait("alice", "10.0.0.1", 1000), 1000);
    EXPECT_EQ(wait("alice", "10.0.0.1", 1400), 600);
    EXPECT_EQ(wait("alice", "10.0.0.1", 1999), 1);
    EXPECT_EQ(wait("alice", "10.0.0.1", 2000), 0);
    EXPECT_EQ(wait("alice", "10.0.0.1", 1000000), 0);
}

TEST_F(Throttle, DelayDoublesFromTheLastFailureAndIsCapped)
{
    int64_t now = 5000;
    for (int i = 0; i < 5; i++)
        fail("alice", nullptr, now);
    int64_t expected = 1000;
    for (int failures = 5; failures <= 40; failures++) {
        EXPECT_EQ(wait("alice", nullptr, now), expected) << failures << " failures";
        EXPECT_EQ(wait("alice", nullptr, now + expected / 2), expected - expected / 2);
        now += expected + 7;
        EXPECT_EQ(wait("alice", nullptr, now), 0);
        EXPECT_EQ(fail("alice", nullptr, now), failures + 1);
        expected = expected * 2 > 900000 ? 900000 : expected * 2;
    }
    EXPECT_EQ(expected, 900000);
    /* 1000 × 2^9 = 512000 is the last doubling below the cap: the tenth counted failure is capped. */
    make(defaults);
    for (int i = 0; i < 14; i++)
        fail("bob", nullptr, 0);
    EXPECT_EQ(wait("bob", nullptr, 0), 512000);
    fail("bob", nullptr, 0);
    EXPECT_EQ(wait("bob", nullptr, 0), 900000);
}

TEST_F(Throttle, HugeCountsAndDelaysDoNotOverflow)
{
    make({1, 3, INT64_MAX, 100, 16});
    for (int i = 1; i <= 200; i++) {
        fail("alice", nullptr, 0);
        /* 3 × 2^61 still fits in int64_t; 3 × 2^62 does not. */
        int64_t expected = i <= 62 ? int64_t{3} << (i - 1) : INT64_MAX;
        EXPECT_EQ(wait("alice", nullptr, 0), expected) << i << " failures";
    }
    /* Times at the ends of the range. */
    EXPECT_EQ(wait("alice", nullptr, INT64_MAX - 1), 1);
    EXPECT_EQ(wait("alice", nullptr, INT64_MAX), 0);
    fail("bob", nullptr, INT64_MIN);
    EXPECT_EQ(wait("bob", nullptr, INT64_MIN + 1), 2);
    EXPECT_EQ(wait("bob", nullptr, INT64_MAX), 0);
}

TEST_F(Throttle, AClockThatWentBackWaitsNoLongerThanTheDelay)
{
    for (int i = 0; i < 6; i++)
        fail("alice", nullptr, 100000);
    EXPECT_EQ(wait("alice", nullptr, 100000), 2000);
    EXPECT_EQ(wait("alice", nullptr, 0), 2000);
    EXPECT_EQ(wait("alice", nullptr, INT64_MIN), 2000);
}

TEST_F(Throttle, SuccessForgetsTheUsernameAndTheAddress)
{
    for (int i = 0; i < 7; i++)
        fail("alice", "10.0.0.1", 0);
    ASSERT_GT(wait("alice", nullptr, 0), 0);
    ASSERT_GT(wait(nullptr, "10.0.0.1", 0), 0);
    EXPECT_EQ(sts_login_throttle_size(throttle), 2u);
    sts_login_throttle_success(throttle, "alice", "10.0.0.1");
    EXPECT_EQ(wait("alice", "10.0.0.1", 0), 0);
    EXPECT_EQ(sts_login_throttle_size(throttle), 0u);
    EXPECT_EQ(fail("alice", "10.0.0.1", 0), 1);
    /* Forgetting what is not there, or nothing, is harmless. */
    sts_login_throttle_success(throttle, "nobody", "10.9.9.9");
    sts_login_throttle_success(throttle, nullptr, nullptr);
    EXPECT_EQ(sts_login_throttle_size(throttle), 2u);
}

TEST_F(Throttle, AnAddressThatFailedBlocksEveryUsername)
{
    for (int i = 0; i < 5; i++)
        EXPECT_EQ(fail(("user" + std::to_string(i)).c_str(), "192.0.2.7", 0), 1);
    EXPECT_EQ(wait("someone-else", "192.0.2.7", 0), 1000);
    EXPECT_EQ(wait(nullptr, "192.0.2.7", 0), 1000);
    EXPECT_EQ(wait("someone-else", "192.0.2.8", 0), 0);
    EXPECT_EQ(wait("user0", "192.0.2.8", 0), 0);
}

TEST_F(Throttle, AUsernameThatFailedIsBlockedFromEveryAddress)
{
    for (int i = 0; i < 5; i++)
        EXPECT_EQ(fail("alice", ("198.51.100." + std::to_string(i)).c_str(), 0), i + 1);
    EXPECT_EQ(wait("alice", "203.0.113.9", 0), 1000);
    EXPECT_EQ(wait("alice", nullptr, 0), 1000);
    EXPECT_EQ(wait("bob", "203.0.113.9", 0), 0);
    EXPECT_EQ(wait("bob", "198.51.100.0", 0), 0);
}

TEST_F(Throttle, TheLongerOfTheTwoDelaysApplies)
{
    for (int i = 0; i < 7; i++)
        fail("alice", nullptr, 0); /* 4 s */
    for (int i = 0; i < 5; i++)
        fail(nullptr, "10.0.0.1", 0); /* 1 s */
    EXPECT_EQ(wait("alice", "10.0.0.1", 0), 4000);
    EXPECT_EQ(wait(nullptr, "10.0.0.1", 0), 1000);
}

TEST_F(Throttle, UsernamesAndAddressesNeverShareACounter)
{
    for (const char *name : {"10.0.0.1", "a:10.0.0.1", "u:10.0.0.1"})
        for (int i = 0; i < 5; i++)
            fail(name, nullptr, 0);
    EXPECT_EQ(wait(nullptr, "10.0.0.1", 0), 0);
    EXPECT_EQ(wait("10.0.0.1", nullptr, 0), 1000);
    for (int i = 0; i < 6; i++)
        fail(nullptr, "alice", 0);
    EXPECT_EQ(wait("alice", nullptr, 0), 0);
    EXPECT_EQ(wait(nullptr, "alice", 0), 2000);
    /* A failure by address alone does not count towards the username of the same text. */
    EXPECT_EQ(fail("alice", nullptr, 0), 1);
}

TEST_F(Throttle, FailureReturnsTheUsernamesCount)
{
    EXPECT_EQ(fail("alice", "10.0.0.1", 0), 1);
    EXPECT_EQ(fail("alice", "10.0.0.2", 0), 2);
    EXPECT_EQ(fail("bob", "10.0.0.1", 0), 1);
    EXPECT_EQ(fail(nullptr, "10.0.0.1", 0), 0);
    EXPECT_EQ(fail("alice", nullptr, 0), 3);
    for (int i = 4; i <= 150; i++)
        EXPECT_EQ(fail("alice", nullptr, 0), i);
    EXPECT_EQ(fail(nullptr, nullptr, 0), 0);
    EXPECT_EQ(sts_login_throttle_size(throttle), 4u);
}

TEST_F(Throttle, LongKeysAreDistinctAndTakeNoMoreRoom)
{
    std::string long_name(100000, 'x');
    std::string prefix = long_name.substr(0, 512);
    std::string other = long_name;
    other.back() = 'y';
    for (int i = 0; i < 5; i++)
        fail(long_name.c_str(), long_name.c_str(), 0);
    EXPECT_EQ(wait(long_name.c_str(), nullptr, 0), 1000);
    EXPECT_EQ(wait(nullptr, long_name.c_str(), 0), 1000);
    EXPECT_EQ(wait(prefix.c_str(), prefix.c_str(), 0), 0);
    EXPECT_EQ(wait(other.c_str(), other.c_str(), 0), 0);
    EXPECT_EQ(wait("", "", 0), 0);
    for (int i = 0; i < 5; i++)
        fail("", "", 0);
    EXPECT_EQ(wait("", nullptr, 0), 1000);
    EXPECT_EQ(sts_login_throttle_size(throttle), 4u);
}

TEST_F(Throttle, MemoryIsBoundedAndTheMostRecentFailuresAreKept)
{
    const size_t max = 64;
    /* One free failure: any counter held makes its key wait, so waiting shows what is held. */
    make({1, 1000, 900000, 100, max});
    for (size_t i = 0; i < 10 * max; i++) {
        std::string name = "user" + std::to_string(i);
        EXPECT_EQ(fail(name.c_str(), nullptr, (int64_t)i), 1);
        ASSERT_LE(sts_login_throttle_size(throttle), max);
    }
    EXPECT_EQ(sts_login_throttle_size(throttle), max);
    for (size_t i = 0; i < 10 * max; i++) {
        std::string name = "user" + std::to_string(i);
        if (i >= 9 * max)
            EXPECT_GT(wait(name.c_str(), nullptr, (int64_t)i), 0) << name << " should still be counted";
        else
            EXPECT_EQ(wait(name.c_str(), nullptr, (int64_t)i), 0) << name << " should have been forgotten";
    }
    /* Addresses share the same bound. */
    for (size_t i = 0; i < 10 * max; i++)
        fail(nullptr, ("10.1." + std::to_string(i)).c_str(), 0);
    EXPECT_EQ(sts_login_throttle_size(throttle), max);
    EXPECT_GT(wait(nullptr, ("10.1." + std::to_string(10 * max - 1)).c_str(), 0), 0);
}

TEST_F(Throttle, TheLeastRecentlyFailedIsForgottenFirst)
{
    make({1, 1000, 900000, 100, 4});
    for (const char *name : {"k0", "k1", "k2", "k3"})
        fail(name, nullptr, 0);
    EXPECT_EQ(fail("k0", nullptr, 1), 2); /* k0 is now the most recent */
    EXPECT_EQ(wait("k1", nullptr, 0), 1000);
    fail("k4", nullptr, 2);
    EXPECT_EQ(wait("k1", nullptr, 2), 0) << "k1 failed least recently";
    EXPECT_GT(wait("k0", nullptr, 2), 0);
    /* Looking a key up does not make it recent; failing does. */
    EXPECT_GT(wait("k2", nullptr, 2), 0);
    fail("k5", nullptr, 3);
    EXPECT_EQ(wait("k2", nullptr, 3), 0);
    EXPECT_EQ(fail("k0", nullptr, 4), 3);
    /* A forgotten slot is reused before anything is evicted. */
    sts_login_throttle_success(throttle, "k3", nullptr);
    fail("k6", nullptr, 5);
    EXPECT_EQ(sts_login_throttle_size(throttle), 4u);
    for (const char *kept : {"k0", "k4", "k5", "k6"})
        EXPECT_GT(wait(kept, nullptr, 5), 0) << kept;
}

TEST_F(Throttle, ASingleEntryStillWorks)
{
    make({1, 1000, 900000, 100, 1});
    EXPECT_EQ(fail("alice", "10.0.0.1", 0), 1);
    EXPECT_EQ(sts_login_throttle_size(throttle), 1u);
    EXPECT_EQ(wait(nullptr, "10.0.0.1", 0), 1000);
    EXPECT_EQ(wait("alice", nullptr, 0), 0);
}

TEST(LoginThrottle, CreateRefusesSettingsOutOfRange)
{
    for (sts_login_throttle_settings_t bad :
         {sts_login_throttle_settings_t{0, 1000, 900000, 100, 16}, sts_login_throttle_settings_t{5, 0, 900000, 100, 16},
          sts_login_throttle_settings_t{5, 1000, 999, 100, 16}, sts_login_throttle_settings_t{5, 1000, 900000, 0, 16},
          sts_login_throttle_settings_t{5, 1000, 900000, 100, 0},
          sts_login_throttle_settings_t{-1, 1000, 900000, 100, 16}})
        EXPECT_EQ(sts_login_throttle_create(&bad), nullptr);
    EXPECT_EQ(sts_login_throttle_create(nullptr), nullptr);
    sts_login_throttle_destroy(nullptr);
}

TEST_F(Throttle, ConcurrentCallsKeepConsistentCounts)
{
    const int threads_count = 4, rounds = 2000;
    std::vector<std::thread> threads;
    std::atomic<int> highest{0};
    for (int t = 0; t < threads_count; t++)
        threads.emplace_back([&, t] {
            std::string own = "user" + std::to_string(t);
            for (int i = 0; i < rounds; i++) {
                std::string address = "10.2." + std::to_string(t) + "." + std::to_string(i % 8);
                int shared = fail("shared", address.c_str(), i);
                int seen = highest.load();
                while (shared > seen && !highest.compare_exchange_weak(seen, shared)) {
                }
                fail(own.c_str(), nullptr, i);
                wait("shared", address.c_str(), i);
                std::string passing = "passing" + std::to_string(t);
                fail(passing.c_str(), address.c_str(), i);
                sts_login_throttle_success(throttle, passing.c_str(), nullptr);
            }
        });
    for (std::thread &thread : threads)
        thread.join();
    EXPECT_EQ(highest.load(), threads_count * rounds);
    EXPECT_EQ(fail("shared", nullptr, 0), threads_count * rounds + 1);
    for (int t = 0; t < threads_count; t++)
        EXPECT_EQ(fail(("user" + std::to_string(t)).c_str(), nullptr, 0), rounds + 1);
    /* shared, 4 own users, 32 addresses */
    EXPECT_EQ(sts_login_throttle_size(throttle), 1u + threads_count + threads_count * 8u);

    /* With a bound far below the keys in use, churn from every thread keeps to it. */
    make({5, 1000, 900000, 100, 8});
    threads.clear();
    for (int t = 0; t < threads_count; t++)
        threads.emplace_back([&, t] {
            for (int i = 0; i < rounds; i++) {
                std::string name = "churn" + std::to_string(t) + "-" + std::to_string(i % 50);
                fail(name.c_str(), name.c_str(), i);
                if (i % 7 == 0)
                    sts_login_throttle_success(throttle, name.c_str(), nullptr);
                EXPECT_LE(sts_login_throttle_size(throttle), 8u);
            }
        });
    for (std::thread &thread : threads)
        thread.join();
    EXPECT_LE(sts_login_throttle_size(throttle), 8u);
}

TEST_F(Throttle, ConcurrentFailuresOnOneKeyAreAllCounted)
{
    const int threads_count = 4, rounds = 20000;
    std::vector<std::thread> threads;
    for (int t = 0; t < threads_count; t++)
        threads.emplace_back([&] {
            for (int i = 0; i < rounds; i++)
                fail("shared", "10.3.0.1", i);
        });
    for (std::thread &thread : threads)
        thread.join();
    EXPECT_EQ(fail("shared", "10.3.0.1", 0), threads_count * rounds + 1);
    EXPECT_EQ(sts_login_throttle_size(throttle), 2u);
}

} // namespace
