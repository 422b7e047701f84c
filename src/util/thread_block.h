/* A zeroed block of memory per thread, kept under a pthread key whose destructor frees it when the thread exits. */
#ifndef STS_UTIL_THREAD_BLOCK_H
#define STS_UTIL_THREAD_BLOCK_H
#include <pthread.h>
#include <stddef.h>

/**
 * The calling thread's block under key: made with size zeroed bytes on the thread's first call, the same block on
 * later ones. key must have been created (pthread_key_create, once per process) with a destructor that frees the
 * block. Exits through sts_log_fatal when memory runs out.
 */
void *sts_thread_block(pthread_key_t key, size_t size);

#endif
