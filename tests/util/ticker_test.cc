#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>

extern "C" {
#include "util/ticker.h"
}

namespace
{

using Clock = std::chrono::steady_clock;

struct Counter {
    std::atomic<int> runs{0};
    std::atomic<int> inside{0}, overlapped{0};
    int sleep_ms = 0;
};

void count(void *arg)
{
    Counter *counter = static_cast<Counter *>(arg);
    if (counter->inside.fetch_add(1) != 0)
        counter->overlapped++;
    if (counter->sleep_ms > 0)
        std::this_thread::sleep_for(std::chrono::milliseconds(counter->sleep_ms));
    counter->runs++;
    counter->inside--;
}

/* Waits up to a second for runs to reach at least n. */
bool reaches(const Counter &counter, int n)
{
    auto until = Clock::now() + std::chrono::seconds(1);
    while (counter.runs.load() < n && Clock::now() < until)
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
    return counter.runs.load() >= n;
}

TEST(Ticker, RunsFirstAndThenEveryInterval)
{
    Counter counter;
    sts_ticker_t *ticker = sts_ticker_start(20, 1, count, &counter);
    ASSERT_NE(ticker, nullptr);
    EXPECT_TRUE(reaches(counter, 4));
    sts_ticker_stop(ticker);
    int after_stop = counter.runs.load();
    std::this_thread::sleep_for(std::chrono::milliseconds(60));
    EXPECT_EQ(counter.runs.load(), after_stop) << "no run after stop";
    EXPECT_EQ(counter.overlapped.load(), 0);
}

TEST(Ticker, WithoutRunFirstTheFirstRunWaitsOneInterval)
{
    Counter counter;
    sts_ticker_t *ticker = sts_ticker_start(3600 * 1000, 0, count, &counter);
    ASSERT_NE(ticker, nullptr);
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    EXPECT_EQ(counter.runs.load(), 0);
    auto start = Clock::now();
    sts_ticker_stop(ticker); /* an hour's wait is cut short */
    EXPECT_LT(Clock::now() - start, std::chrono::milliseconds(500));
    EXPECT_EQ(counter.runs.load(), 0);
}

TEST(Ticker, PokeRunsAtOnceAndPokesDuringARunMakeOneMore)
{
    Counter counter;
    counter.sleep_ms = 100;
    sts_ticker_t *ticker = sts_ticker_start(3600 * 1000, 0, count, &counter);
    ASSERT_NE(ticker, nullptr);
    sts_ticker_poke(ticker);
    auto until = Clock::now() + std::chrono::seconds(1);
    while (counter.inside.load() == 0 && Clock::now() < until)
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    ASSERT_EQ(counter.inside.load(), 1) << "the poke did not start a run";
    for (int i = 0; i < 5; i++)
        sts_ticker_poke(ticker); /* during the run: one more run after it */
    EXPECT_TRUE(reaches(counter, 2));
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
    EXPECT_EQ(counter.runs.load(), 2);
    sts_ticker_stop(ticker);
    EXPECT_EQ(counter.overlapped.load(), 0);
}

TEST(Ticker, StopWaitsForTheRunInProgress)
{
    Counter counter;
    counter.sleep_ms = 150;
    sts_ticker_t *ticker = sts_ticker_start(3600 * 1000, 1, count, &counter);
    ASSERT_NE(ticker, nullptr);
    auto until = Clock::now() + std::chrono::seconds(1);
    while (counter.inside.load() == 0 && Clock::now() < until)
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    sts_ticker_stop(ticker);
    EXPECT_EQ(counter.runs.load(), 1);
    EXPECT_EQ(counter.inside.load(), 0);
    sts_ticker_stop(nullptr);
}

} // namespace
