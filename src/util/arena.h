/* Request-scoped bump allocator. */
#ifndef STS_UTIL_ARENA_H
#define STS_UTIL_ARENA_H

#include <stddef.h>

typedef struct sts_arena_block_s sts_arena_block_t;

/**
 * A bump allocator for memory that lives exactly as long as one call.
 * Lifecycle: sts_arena_init, any number of sts_arena_alloc, sts_arena_dispose (frees everything at once).
 * Not thread-safe: one call, one thread at a time. Out of memory aborts the process.
 */
typedef struct {
    sts_arena_block_t *head;
    sts_arena_block_t *current; /**< the block cursor points into */
    char *cursor;
    char *limit;
    size_t allocated;
} sts_arena_t;

/** Prepares an empty arena; allocates nothing until first use. */
void sts_arena_init(sts_arena_t *arena);

/**
 * Wipes the bytes the arena handed out (they may have held secrets) and frees every block. The arena may be
 * initialised again afterwards.
 */
void sts_arena_dispose(sts_arena_t *arena);

/** Returns size bytes aligned for any type, valid until dispose. size 0 returns a unique valid pointer. */
void *sts_arena_alloc(sts_arena_t *arena, size_t size);

/** Like sts_arena_alloc, zero-filled. */
void *sts_arena_calloc(sts_arena_t *arena, size_t size);

/** Copies len bytes of src into the arena and NUL-terminates the copy. */
char *sts_arena_strndup(sts_arena_t *arena, const char *src, size_t len);

/** Copies a NUL-terminated string into the arena. */
char *sts_arena_strdup(sts_arena_t *arena, const char *src);

/** printf into the arena; the result is NUL-terminated. */
char *sts_arena_printf(sts_arena_t *arena, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/** Total bytes handed out since init (for limits and tests). */
size_t sts_arena_bytes_used(const sts_arena_t *arena);

#endif
