/* One current, immutable, reference-counted object that readers borrow while a writer replaces it (RCU-like). */
#ifndef STS_UTIL_REF_SLOT_H
#define STS_UTIL_REF_SLOT_H
#include <pthread.h>

/** Embedded first in the objects a slot holds. */
typedef struct sts_ref_s {
    int refs;
    void (*free)(struct sts_ref_s *ref); /**< frees the object once nobody holds it */
} sts_ref_t;

typedef struct {
    pthread_mutex_t lock; /* guards current and every held object's refs */
    sts_ref_t *current;   /* NULL until the first publish */
} sts_ref_slot_t;

/** An empty slot. */
void sts_ref_slot_init(sts_ref_slot_t *slot);

/** Drops the slot's own reference to the current object and frees the lock; borrowers must be done. */
void sts_ref_slot_dispose(sts_ref_slot_t *slot);

/** Makes ref (with refs 1, its creator's, which passes to the slot) current; the old one goes once released. */
void sts_ref_slot_publish(sts_ref_slot_t *slot, sts_ref_t *ref);

/** Borrows the current object (NULL when none was published). Thread-safe; pair with release. */
sts_ref_t *sts_ref_slot_acquire(sts_ref_slot_t *slot);

/** Returns a borrowed object (NULL is ignored). Thread-safe. */
void sts_ref_slot_release(sts_ref_slot_t *slot, sts_ref_t *ref);

#endif
