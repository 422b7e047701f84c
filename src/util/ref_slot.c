#include "util/ref_slot.h"
#include <stddef.h>

void sts_ref_slot_init(sts_ref_slot_t *slot)
{
    pthread_mutex_init(&slot->lock, NULL);
    slot->current = NULL;
}

void sts_ref_slot_dispose(sts_ref_slot_t *slot)
{
    sts_ref_slot_release(slot, slot->current);
    slot->current = NULL;
    pthread_mutex_destroy(&slot->lock);
}

void sts_ref_slot_publish(sts_ref_slot_t *slot, sts_ref_t *ref)
{
    pthread_mutex_lock(&slot->lock);
    sts_ref_t *old = slot->current;
    slot->current = ref;
    pthread_mutex_unlock(&slot->lock);
    sts_ref_slot_release(slot, old);
}

sts_ref_t *sts_ref_slot_acquire(sts_ref_slot_t *slot)
{
    pthread_mutex_lock(&slot->lock);
    sts_ref_t *ref = slot->current;
    if (ref != NULL)
        ref->refs++;
    pthread_mutex_unlock(&slot->lock);
    return ref;
}

void sts_ref_slot_release(sts_ref_slot_t *slot, sts_ref_t *ref)
{
    if (ref == NULL)
        return;
    pthread_mutex_lock(&slot->lock);
    int last = --ref->refs == 0;
    pthread_mutex_unlock(&slot->lock);
    if (last)
        ref->free(ref);
}
