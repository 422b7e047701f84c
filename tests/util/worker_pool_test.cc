#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>

extern "C" {
#include "util/worker_pool.h"
}

namespace
{

std::atomic<int> done{0};
std::atomic<int> started{0};

void count(void *)
{
    done++;
}

void slow(void *arg)
{
    auto *gate = static_cast<std::atomic<bool> *>(arg);
    started++;
    while (!gate->load())
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    done++;
}

TEST(WorkerPool, RunsEveryJobAndDrainsOnDestroy)
{
    done = 0;
    sts_worker_pool_t *pool = sts_worker_pool_create(4, 1000);
    ASSERT_NE(pool, nullptr);
    for (int i = 0; i < 1000; i++)
        ASSERT_EQ(sts_worker_pool_submit(pool, count, nullptr), 0);
    sts_worker_pool_destroy(pool);
    EXPECT_EQ(done.load(), 1000);
}

TEST(WorkerPool, QueueIsBounded)
{
    done = 0;
    started = 0;
    std::atomic<bool> gate{false};
    sts_worker_pool_t *pool = sts_worker_pool_create(1, 2);
    ASSERT_EQ(sts_worker_pool_submit(pool, slow, &gate), 0);
    while (started.load() != 1)
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    /* One running; two may wait; the fourth is refused. */
    EXPECT_EQ(sts_worker_pool_submit(pool, slow, &gate), 0);
    EXPECT_EQ(sts_worker_pool_submit(pool, slow, &gate), 0);
    EXPECT_EQ(sts_worker_pool_submit(pool, slow, &gate), -1);
    EXPECT_EQ(sts_worker_pool_busy(pool), 3u);
    EXPECT_EQ(sts_worker_pool_queued(pool), 2u);
    gate = true;
    sts_worker_pool_destroy(pool);
    EXPECT_EQ(done.load(), 3);
}

} // namespace
