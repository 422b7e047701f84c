#include "util/thread_block.h"
#include <stdlib.h>
#include "util/log.h"

void *sts_thread_block(pthread_key_t key, size_t size)
{
    void *block = pthread_getspecific(key);
    if (block == NULL) {
        block = calloc(1, size);
        if (block == NULL || pthread_setspecific(key, block) != 0)
            sts_log_fatal("out of memory");
    }
    return block;
}
