#include <gtest/gtest.h>

#include <atomic>

extern "C" {
#include "core/readiness.h"
}

namespace
{

struct Counter {
    std::atomic<int> calls{0};
    sts_readiness_t *readiness = nullptr;
    int seen_ready = -1;
};

/* A watcher may read the new state from inside changed (Health/Watch does, through its stream's wake). */
void count(void *arg)
{
    Counter *counter = static_cast<Counter *>(arg);
    char message[STS_READINESS_MESSAGE_MAX];
    counter->seen_ready = sts_readiness_get(counter->readiness, message, sizeof(message));
    counter->calls++;
}

class ReadinessWatch : public ::testing::Test
{
  protected:
    void SetUp() override
    {
        sts_readiness_init(&readiness);
        counter.readiness = &readiness;
        watcher.changed = count;
        watcher.arg = &counter;
    }
    void TearDown() override
    {
        sts_readiness_dispose(&readiness);
    }

    sts_readiness_t readiness;
    Counter counter;
    sts_readiness_watcher_t watcher{};
};

TEST_F(ReadinessWatch, TellsFlipsOnlyAndSeesTheNewState)
{
    sts_readiness_watch(&readiness, &watcher);
    sts_readiness_set(&readiness, 1, "still ok"); /* no flip: ready from the start */
    EXPECT_EQ(counter.calls, 0);
    sts_readiness_set(&readiness, 0, "upstream down");
    EXPECT_EQ(counter.calls, 1);
    EXPECT_EQ(counter.seen_ready, 0);
    sts_readiness_set(&readiness, 0, "still down");
    EXPECT_EQ(counter.calls, 1);
    sts_readiness_set(&readiness, 1, "ok");
    EXPECT_EQ(counter.calls, 2);
    EXPECT_EQ(counter.seen_ready, 1);
    sts_readiness_unwatch(&readiness, &watcher);
}

TEST_F(ReadinessWatch, UnwatchedHearsNothingAndOthersStillDo)
{
    Counter other_counter;
    other_counter.readiness = &readiness;
    sts_readiness_watcher_t other{};
    other.changed = count;
    other.arg = &other_counter;
    sts_readiness_watch(&readiness, &watcher);
    sts_readiness_watch(&readiness, &other);
    sts_readiness_unwatch(&readiness, &watcher);
    sts_readiness_set(&readiness, 0, "down");
    EXPECT_EQ(counter.calls, 0);
    EXPECT_EQ(other_counter.calls, 1);
    sts_readiness_unwatch(&readiness, &other);
    sts_readiness_unwatch(&readiness, &other); /* twice is harmless */
    sts_readiness_set(&readiness, 1, "ok");
    EXPECT_EQ(other_counter.calls, 1);
}

} // namespace
