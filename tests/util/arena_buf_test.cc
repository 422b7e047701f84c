#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <string>

extern "C" {
#include "util/arena.h"
#include "util/buf.h"
}

namespace
{

TEST(Arena, ManyAllocationsStayAlignedAndDistinct)
{
    sts_arena_t arena;
    sts_arena_init(&arena);
    char *previous = nullptr;
    size_t total = 0;
    for (size_t i = 1; i < 2000; i++) {
        char *p = static_cast<char *>(sts_arena_alloc(&arena, i % 97 + 1));
        ASSERT_NE(p, nullptr);
        EXPECT_EQ(reinterpret_cast<uintptr_t>(p) % alignof(max_align_t), 0u);
        memset(p, 0xab, i % 97 + 1); /* ASan catches any overlap or overrun */
        EXPECT_NE(p, previous);
        previous = p;
        total += i % 97 + 1;
    }
    EXPECT_GE(sts_arena_bytes_used(&arena), total);
    sts_arena_dispose(&arena);
}

TEST(Arena, LargeAllocationsAndZeroing)
{
    sts_arena_t arena;
    sts_arena_init(&arena);
    char *big = static_cast<char *>(sts_arena_calloc(&arena, 1 << 20));
    for (size_t i = 0; i < (1u << 20); i += 4096)
        ASSERT_EQ(big[i], 0);
    big[(1 << 20) - 1] = 1;
    EXPECT_NE(sts_arena_alloc(&arena, 0), nullptr);
    EXPECT_NE(sts_arena_alloc(&arena, 0), sts_arena_alloc(&arena, 0));
    sts_arena_dispose(&arena);
    sts_arena_init(&arena); /* reusable after dispose */
    EXPECT_EQ(sts_arena_bytes_used(&arena), 0u);
    EXPECT_NE(sts_arena_alloc(&arena, 16), nullptr);
    sts_arena_dispose(&arena);
}

TEST(Arena, SmallAndLargeBlocksInterleavedDisposeCleanly)
{
    /* Dispose wipes what each block handed out; ASan reports any wipe beyond a block. */
    sts_arena_t arena;
    sts_arena_init(&arena);
    for (int round = 0; round < 50; round++) {
        memset(sts_arena_alloc(&arena, 100), 0x5a, 100);
        memset(sts_arena_alloc(&arena, 3000), 0x5a, 3000); /* a block of its own */
        memset(sts_arena_alloc(&arena, 900), 0x5a, 900);
    }
    sts_arena_dispose(&arena);
    sts_arena_init(&arena);
    memset(sts_arena_alloc(&arena, 5000), 0x5a, 5000); /* a large block first, with no small block yet */
    sts_arena_dispose(&arena);
}

TEST(Buf, GrowingKeepsTheContent)
{
    sts_buf_t buf;
    sts_buf_init(&buf, 1 << 16);
    std::string expected;
    for (int i = 0; i < 2000; i++) {
        std::string piece = std::to_string(i) + ",";
        ASSERT_EQ(sts_buf_append_str(&buf, piece.c_str()), 0);
        expected += piece;
    }
    EXPECT_EQ(std::string(buf.data, buf.len), expected);
    sts_buf_reset(&buf);
    EXPECT_EQ(sts_buf_append_str(&buf, "x"), 0);
    sts_buf_dispose(&buf);
    EXPECT_EQ(buf.data, nullptr);
    sts_buf_dispose(&buf); /* disposing twice is harmless */
}

TEST(Arena, StringHelpers)
{
    sts_arena_t arena;
    sts_arena_init(&arena);
    EXPECT_STREQ(sts_arena_strndup(&arena, "abcdef", 3), "abc");
    EXPECT_STREQ(sts_arena_strdup(&arena, "xyz"), "xyz");
    EXPECT_STREQ(sts_arena_printf(&arena, "%s-%d", "n", 42), "n-42");
    std::string long_text(10000, 'q');
    EXPECT_EQ(std::string(sts_arena_printf(&arena, "%s!", long_text.c_str())), long_text + "!");
    sts_arena_dispose(&arena);
}

TEST(Buf, GrowsUpToItsMaximumOnly)
{
    sts_buf_t buf;
    sts_buf_init(&buf, 10);
    EXPECT_EQ(sts_buf_append_str(&buf, "hello"), 0);
    EXPECT_EQ(sts_buf_append(&buf, "world", 5), 0);
    EXPECT_EQ(std::string(buf.data, buf.len), "helloworld");
    EXPECT_EQ(sts_buf_append(&buf, "!", 1), -1);
    EXPECT_EQ(std::string(buf.data, buf.len), "helloworld"); /* unchanged on refusal */
    sts_buf_reset(&buf);
    EXPECT_EQ(buf.len, 0u);
    EXPECT_EQ(sts_buf_append_str(&buf, "0123456789"), 0);
    EXPECT_EQ(sts_buf_append_str(&buf, ""), 0);
    sts_buf_dispose(&buf);
}

} // namespace
