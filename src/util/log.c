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

/*
 * Copies message into out with every control character written as an escape, so that a value a caller chose (a
 * name with a newline in it) can never end this line and start a forged one. Stops before an escape that would not
 * fit. Returns the length written.
 */
static size_t escape_controls(const char *message, size_t len, char *out, size_t room)
{
    static const char digits[] = "0123456789abcdef";
    size_t n = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)message[i];
        char escaped[4];
        size_t width = 1;
        escaped[0] = (char)c;
        if (c == '\n' || c == '\r' || c == '\t') {
            escaped[0] = '\\';
            escaped[1] = c == '\n' ? 'n' : c == '\r' ? 'r' : 't';
            width = 2;
        } else if (c < 0x20 || c == 0x7f) {
            escaped[0] = '\\';
            escaped[1] = 'x';
            escaped[2] = digits[c >> 4];
            escaped[3] = digits[c & 15];
            width = 4;
        }
        if (room - n < width)
            break;
        memcpy(out + n, escaped, width);
        n += width;
    }
    return n;
}

static void vlog(sts_log_level_t level, const char *fmt, va_list args)
{
    char message[2048];
    char line[4096];
    char stamp[STS_TIME_ISO_MAX];
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    sts_time_format_iso_micro(sts_time_from_timespec(&now), stamp, sizeof(stamp));
    int head = snprintf(line, sizeof(line), "%s %s ", stamp, level_names[level]);
    int body = vsnprintf(message, sizeof(message), fmt, args);
    size_t body_len = body < 0 ? 0 : (size_t)body < sizeof(message) ? (size_t)body : sizeof(message) - 1;
    /* One byte stays free for the newline. */
    size_t len = (size_t)head + escape_controls(message, body_len, line + head, sizeof(line) - (size_t)head - 1);
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
