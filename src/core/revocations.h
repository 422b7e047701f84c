/*
 * A time per subject, in memory: a user's "tokens not before", or the time since which a client's tokens are valid.
 * The check of the service's own tokens reads it on every call, so a change voids live tokens on every thread at once.
 */
#ifndef STS_CORE_REVOCATIONS_H
#define STS_CORE_REVOCATIONS_H
#include <stdint.h>

/** Longest key held (a user id or a client id), in bytes; longer keys are never found. */
#define STS_REVOCATIONS_KEY_MAX 128

typedef struct sts_revocations_s sts_revocations_t;

/** An empty map. */
sts_revocations_t *sts_revocations_create(void);

/** Sets key's time (microseconds since the epoch), replacing any. Thread-safe. */
void sts_revocations_put(sts_revocations_t *revocations, const char *key, int64_t time_us);

/** 1 and *time_us when key is held, else 0. Thread-safe; takes only a read lock. */
int sts_revocations_get(sts_revocations_t *revocations, const char *key, int64_t *time_us);

/** Forgets key. Thread-safe. */
void sts_revocations_remove(sts_revocations_t *revocations, const char *key);

/** How many puts and removes the map has seen: a rebuild that started at another count must not be swapped in. */
uint64_t sts_revocations_changes(sts_revocations_t *revocations);

/**
 * Gives revocations the entries of fresh (a map just built from the store) and fresh the old ones, unless the map
 * changed since sts_revocations_changes returned changes (a put the store read may have missed). Returns 1 when
 * swapped. Thread-safe.
 */
int sts_revocations_swap(sts_revocations_t *revocations, sts_revocations_t *fresh, uint64_t changes);

void sts_revocations_destroy(sts_revocations_t *revocations);

#endif
