#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <thread>

extern "C" {
#include "util/thread_block.h"
}

namespace
{

std::atomic<int> freed{0};

void free_block(void *block)
{
    freed++;
    free(block);
}

TEST(ThreadBlock, OneZeroedBlockPerThreadFreedWhenTheThreadExits)
{
    pthread_key_t key;
    ASSERT_EQ(pthread_key_create(&key, free_block), 0);
    auto *mine = static_cast<unsigned char *>(sts_thread_block(key, 64));
    for (int i = 0; i < 64; i++)
        ASSERT_EQ(mine[i], 0);
    mine[0] = 7;
    EXPECT_EQ(sts_thread_block(key, 64), mine) << "the same block on the same thread";
    void *other = nullptr;
    std::thread([&] {
        other = sts_thread_block(key, 64);
        EXPECT_EQ(static_cast<unsigned char *>(other)[0], 0);
    }).join();
    EXPECT_NE(other, static_cast<void *>(mine));
    EXPECT_EQ(freed.load(), 1) << "the other thread's block went with it";
    pthread_setspecific(key, nullptr);
    free(mine);
    pthread_key_delete(key);
}

} // namespace
