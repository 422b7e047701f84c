#include "core/readiness.h"
#include <stdio.h>

void sts_readiness_init(sts_readiness_t *readiness)
{
    pthread_mutex_init(&readiness->lock, NULL);
    readiness->ready = 1;
    snprintf(readiness->message, sizeof(readiness->message), "ok");
    readiness->notice[0] = '\0';
    readiness->watchers = NULL;
}

void sts_readiness_dispose(sts_readiness_t *readiness)
{
    pthread_mutex_destroy(&readiness->lock);
}

void sts_readiness_set(sts_readiness_t *readiness, int ready, const char *message)
{
    pthread_mutex_lock(&readiness->lock);
    int flipped = !readiness->ready != !ready;
    readiness->ready = ready;
    snprintf(readiness->message, sizeof(readiness->message), "%s", message);
    for (sts_readiness_watcher_t *watcher = readiness->watchers; flipped && watcher != NULL; watcher = watcher->next)
        watcher->changed(watcher->arg);
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

void sts_readiness_watch(sts_readiness_t *readiness, sts_readiness_watcher_t *watcher)
{
    pthread_mutex_lock(&readiness->lock);
    watcher->next = readiness->watchers;
    readiness->watchers = watcher;
    pthread_mutex_unlock(&readiness->lock);
}

void sts_readiness_unwatch(sts_readiness_t *readiness, sts_readiness_watcher_t *watcher)
{
    pthread_mutex_lock(&readiness->lock);
    for (sts_readiness_watcher_t **link = &readiness->watchers; *link != NULL; link = &(*link)->next) {
        if (*link == watcher) {
            *link = watcher->next;
            break;
        }
    }
    pthread_mutex_unlock(&readiness->lock);
}
