#include "util/arena.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/log.h"

struct sts_arena_block_s {
    sts_arena_block_t *next;
    size_t used; /* bytes handed out, wiped on dispose; for the block the cursor is in, set when it is left */
    max_align_t data[];
};

enum { BLOCK_SIZE = 4096 - sizeof(sts_arena_block_t) };

void sts_arena_init(sts_arena_t *arena)
{
    memset(arena, 0, sizeof(*arena));
}

/* Records how much of the block the cursor is in was handed out, before the cursor leaves it or it is freed. */
static void close_current(sts_arena_t *arena)
{
    if (arena->current != NULL)
        arena->current->used = (size_t)(arena->cursor - (char *)arena->current->data);
}

void sts_arena_dispose(sts_arena_t *arena)
{
    close_current(arena);
    sts_arena_block_t *block = arena->head;
    while (block != NULL) {
        sts_arena_block_t *next = block->next;
        /* Arenas hold bearer tokens, issued secret keys and session tokens: nothing of them outlives the call. */
        explicit_bzero(block->data, block->used);
        free(block);
        block = next;
    }
    memset(arena, 0, sizeof(*arena));
}

static sts_arena_block_t *new_block(sts_arena_t *arena, size_t payload)
{
    sts_arena_block_t *block = malloc(sizeof(*block) + payload);
    if (block == NULL)
        sts_log_fatal("out of memory allocating %zu bytes", payload);
    block->next = arena->head;
    block->used = payload;
    arena->head = block;
    return block;
}

void *sts_arena_alloc(sts_arena_t *arena, size_t size)
{
    size_t align = _Alignof(max_align_t);
    size_t rounded = (size + align - 1) & ~(align - 1);
    if (rounded == 0)
        rounded = align;
    if (rounded < size)
        sts_log_fatal("arena allocation of %zu bytes overflows", size);
    arena->allocated += rounded;
    if ((size_t)(arena->limit - arena->cursor) >= rounded && arena->cursor != NULL) {
        void *out = arena->cursor;
        arena->cursor += rounded;
        return out;
    }
    /* Large requests get a block of their own so the current block keeps its free tail. */
    if (rounded > BLOCK_SIZE / 4)
        return new_block(arena, rounded)->data;
    close_current(arena);
    arena->current = new_block(arena, BLOCK_SIZE);
    char *base = (char *)arena->current->data;
    arena->cursor = base + rounded;
    arena->limit = base + BLOCK_SIZE;
    return base;
}

void *sts_arena_calloc(sts_arena_t *arena, size_t size)
{
    void *out = sts_arena_alloc(arena, size);
    memset(out, 0, size);
    return out;
}

char *sts_arena_strndup(sts_arena_t *arena, const char *src, size_t len)
{
    char *out = sts_arena_alloc(arena, len + 1);
    if (len != 0)
        memcpy(out, src, len);
    out[len] = '\0';
    return out;
}

char *sts_arena_strdup(sts_arena_t *arena, const char *src)
{
    return sts_arena_strndup(arena, src, strlen(src));
}

char *sts_arena_printf(sts_arena_t *arena, const char *fmt, ...)
{
    va_list args;
    va_start(args, fmt);
    va_list again;
    va_copy(again, args);
    int len = vsnprintf(NULL, 0, fmt, args);
    va_end(args);
    if (len < 0)
        sts_log_fatal("invalid format string");
    char *out = sts_arena_alloc(arena, (size_t)len + 1);
    vsnprintf(out, (size_t)len + 1, fmt, again);
    va_end(again);
    return out;
}

size_t sts_arena_bytes_used(const sts_arena_t *arena)
{
    return arena->allocated;
}
