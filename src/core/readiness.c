#include "core/readiness.h"
#include <stdio.h>

void sts_readiness_init(sts_readiness_t *readiness)
{
    pthread_mutex_init(&readiness->lock, NULL);
    readiness->ready = 1;
    snprintf(readiness->message, sizeof(readiness->message), "ok");
    readiness->notice[0] = '\0';
}

void sts_readiness_dispose(sts_readiness_t *readiness)
{
    pthread_mutex_destroy(&readiness->lock);
}

void sts_readiness_set(sts_readiness_t *readiness, int ready, const char *message)
{
    pthread_mutex_lock(&readiness->lock);
    readiness->ready = ready;
    snprintf(readiness->message, sizeof(readiness->message), "%s", message);
    pthread_mutex_unlock(&readiness->lock);
}

int sts_readiness_get(sts_readiness_t *readiness, char *message, size_t message_size)
{
    pthread_mutex_lock(&readiness->lock);
    int ready = readiness->ready;
    snprintf(message, message_size, "%s", readiness->message);
    pthread_mutex_unlock(&readiness->lock);
    return ready;
}

void sts_readiness_set_notice(sts_readiness_t *readiness, const char *notice)
{
    pthread_mutex_lock(&readiness->lock);
    snprintf(readiness->notice, sizeof(readiness->notice), "%s", notice != NULL ? notice : "");
    pthread_mutex_unlock(&readiness->lock);
}

int sts_readiness_get_notice(sts_readiness_t *readiness, char *notice, size_t notice_size)
{
    pthread_mutex_lock(&readiness->lock);
    snprintf(notice, notice_size, "%s", readiness->notice);
    pthread_mutex_unlock(&readiness->lock);
    return notice[0] != '\0';
}
