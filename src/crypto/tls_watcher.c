#include "crypto/tls_watcher.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util/log.h"
#include "util/ticker.h"
#include "util/timefmt.h"

/* The expiry warning repeats in the log at most this often. */
#define WARNING_PERIOD_NS (86400LL * 1000000000)

struct sts_tls_watcher_s {
    sts_tls_source_t *source;
    int warning_days;
    sts_tls_notice_fn on_notice;
    void *data;
    char notice[1024]; /* the last notice given to on_notice; "" for none */
    int64_t warned_at; /* CLOCK_MONOTONIC ns of the last logged warning; 0: never */
    sts_ticker_t *ticker;
};

static void check_expiry(sts_tls_watcher_t *watcher)
{
    sts_tls_credentials_t *credentials = sts_tls_source_current(watcher->source, NULL);
    char notice[sizeof(watcher->notice)];
    int expiring = sts_tls_credentials_expiry_notice(credentials, (int64_t)time(NULL), watcher->warning_days, notice,
                                                     sizeof(notice));
    sts_tls_credentials_unref(credentials);
    int64_t now = sts_time_monotonic_ns();
    if (expiring && (watcher->warned_at == 0 || now - watcher->warned_at >= WARNING_PERIOD_NS)) {
        sts_log_warn("tls: %s", notice);
        watcher->warned_at = now;
    }
    if (strcmp(notice, watcher->notice) != 0) {
        memcpy(watcher->notice, notice, sizeof(notice));
        watcher->on_notice(watcher->data, expiring ? notice : NULL);
    }
}

static void tick(void *arg)
{
    sts_tls_watcher_t *watcher = arg;
    sts_tls_source_refresh(watcher->source);
    check_expiry(watcher);
}

sts_tls_watcher_t *sts_tls_watcher_start(sts_tls_source_t *source, int interval_seconds, int warning_days,
                                         sts_tls_notice_fn on_notice, void *data)
{
    sts_tls_watcher_t *watcher = calloc(1, sizeof(*watcher));
    if (watcher == NULL)
        sts_log_fatal("out of memory");
    watcher->source = source;
    watcher->warning_days = warning_days;
    watcher->on_notice = on_notice;
    watcher->data = data;
    check_expiry(watcher);
    watcher->ticker = sts_ticker_start((int64_t)interval_seconds * 1000, 0, tick, watcher);
    if (watcher->ticker == NULL) {
        free(watcher);
        return NULL;
    }
    return watcher;
}

void sts_tls_watcher_poke(sts_tls_watcher_t *watcher)
{
    if (watcher != NULL)
        sts_ticker_poke(watcher->ticker);
}

void sts_tls_watcher_stop(sts_tls_watcher_t *watcher)
{
    if (watcher == NULL)
        return;
    sts_ticker_stop(watcher->ticker);
    free(watcher);
}
