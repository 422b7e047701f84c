#include "util/log.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "util/timefmt.h"

static sts_log_level_t min_level = STS_LOG_INFO;
static const char *const level_names[] = {"debug", "info", "warn", "error"};

void sts_log_set_level(sts_log_level_t level)
{
    min_level = level;
}

int sts_log_parse_level(const char *name, sts_log_level_t *out)
{
    for (size_t i = 0; i < sizeof(level_names) / sizeof(level_names[0]); i++) {
        if (strcmp(name, level_names[i]) == 0) {
            *out = (sts_log_level_t)i;
            return 0;
        }
    }
    return -1;
}

static void vlog(sts_log_level_t level, const char *fmt, va_list args)
{
    char line[2048];
    char stamp[STS_TIME_ISO_MAX];
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    sts_time_format_iso_micro(sts_time_from_timespec(&now), stamp, sizeof(stamp));
    int head = snprintf(line, sizeof(line), "%s %s ", stamp, level_names[level]);
    int body = vsnprintf(line + head, sizeof(line) - (size_t)head - 1, fmt, args);
    size_t len = (size_t)head + (body < 0 ? 0 : (size_t)body);
    if (len > sizeof(line) - 2)
        len = sizeof(line) - 2;
    line[len++] = '\n';
    /* One write per line keeps lines from different threads whole. */
    ssize_t ignored = write(STDERR_FILENO, line, len);
    (void)ignored;
}

void sts_log(sts_log_level_t level, const char *fmt, ...)
{
    if (level < min_level)
        return;
    va_list args;
    va_start(args, fmt);
    vlog(level, fmt, args);
    va_end(args);
}

void sts_log_fatal(const char *fmt, ...)
{
    va_list args;
    va_start(args, fmt);
    vlog(STS_LOG_ERROR, fmt, args);
    va_end(args);
    abort();
}
