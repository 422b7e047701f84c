#include "core/readiness.h"
#include <stdio.h>

void sts_readiness_init(sts_readiness_t *readiness)
{
    pthread_mutex_init(&readiness->lock, NULL);
    readiness->ready = 1;
    snprintf(readiness->message, sizeof(readiness->message), "ok");
    readiness->notice[0] = '\0';
    pthread_mutex_init(&readiness->watchers_lock, NULL);
    readiness->watchers = NULL;
}

void sts_readiness_dispose(sts_readiness_t *readiness)
{
    pthread_mutex_destroy(&readiness->lock);
    pthread_mutex_destroy(&readiness->watchers_lock);
}

void sts_readiness_set(sts_readiness_t *readiness, int ready, const char *message)
{
    /* The watchers' lock spans the change, so watchers hear flips in the order they happened. */
    pthread_mutex_lock(&readiness->watchers_lock);
    pthread_mutex_lock(&readiness->lock);
    int flipped = !readiness->ready != !ready;
    readiness->ready = ready;
    snprintf(readiness->message, sizeof(readiness->message), "%s", message);
    pthread_mutex_unlock(&readiness->lock);
    for (sts_readiness_watcher_t *watcher = readiness->watchers; flipped && watcher != NULL; watcher = watcher->next)
        watcher->changed(watcher->arg);
    pthread_mutex_unlock(&readiness->watchers_lock);
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
    pthread_mutex_lock(&readiness->watchers_lock);
    watcher->next = readiness->watchers;
    readiness->watchers = watcher;
    pthread_mutex_unlock(&readiness->watchers_lock);
}

void sts_readiness_unwatch(sts_readiness_t *readiness, sts_readiness_watcher_t *watcher)
{
    pthread_mutex_lock(&readiness->watchers_lock);
    for (sts_readiness_watcher_t **link = &readiness->watchers; *link != NULL; link = &(*link)->next) {
        if (*link == watcher) {
            *link = watcher->next;
            break;
        }
    }
    pthread_mutex_unlock(&readiness->watchers_lock);
}
