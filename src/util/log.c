#include "util/log.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "util/text.h"
#include "util/ticker.h"
#include "util/timefmt.h"

static sts_log_level_t min_level = STS_LOG_INFO;
static sts_log_format_t line_format = STS_LOG_TEXT;
static const char *const level_names[] = {"debug", "info", "warn", "error"};

void sts_log_set_format(sts_log_format_t format)
{
    line_format = format;
}

int sts_log_parse_format(const char *name, sts_log_format_t *out)
{
    if (strcmp(name, "text") != 0 && strcmp(name, "json") != 0)
        return -1;
    *out = strcmp(name, "json") == 0 ? STS_LOG_JSON : STS_LOG_TEXT;
    return 0;
}

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
 * Copies the run of bytes from text[i] for which needs_escape is false (at most what room - n allows) to out + n.
 * Returns the run's length; *n grows by what was copied, which is less than the run only when out is full.
 */
static size_t copy_run(const char *text, size_t len, size_t i, int (*needs_escape)(unsigned char), char *out, size_t *n,
                       size_t room)
{
    size_t run = 0;
    while (i + run < len && !needs_escape((unsigned char)text[i + run]))
        run++;
    size_t take = run < room - *n ? run : room - *n;
    memcpy(out + *n, text + i, take);
    *n += take;
    return run;
}

static int is_control(unsigned char c)
{
    return c < 0x20 || c == 0x7f;
}

static int needs_json_escape(unsigned char c)
{
    return is_control(c) || c == '"' || c == '\\';
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
        /* Runs without control characters, nearly every line whole, are copied at once. */
        size_t copied = n, run = copy_run(message, len, i, is_control, out, &n, room);
        if (n - copied < run)
            break;
        if (run > 0) {
            i += run - 1;
            continue;
        }
        unsigned char c = (unsigned char)message[i]; /* a control character */
        char escaped[4] = {'\\', 'x', digits[c >> 4], digits[c & 15]};
        size_t width = 4;
        if (c == '\n' || c == '\r' || c == '\t') {
            escaped[1] = c == '\n' ? 'n' : c == '\r' ? 'r' : 't';
            width = 2;
        }
        if (room - n < width)
            break;
        memcpy(out + n, escaped, width);
        n += width;
    }
    return n;
}

/*
 * Copies text into out as the inside of a JSON string: quotes and backslashes escaped, control characters as \u00XX.
 * Stops before an escape that would not fit. Returns the length written.
 */
static size_t escape_json(const char *text, size_t len, char *out, size_t room)
{
    static const char digits[] = "0123456789abcdef";
    size_t n = 0;
    for (size_t i = 0; i < len; i++) {
        /* Runs that need no escape, nearly every value whole, are copied at once. */
        size_t copied = n, run = copy_run(text, len, i, needs_json_escape, out, &n, room);
        if (n - copied < run)
            break;
        if (run > 0) {
            i += run - 1;
            continue;
        }
        unsigned char c = (unsigned char)text[i];
        char escaped[6] = {'\\', (char)c};
        size_t width = 2;
        if (c != '"' && c != '\\') {
            memcpy(escaped, "\\u00", 4);
            escaped[4] = digits[c >> 4];
            escaped[5] = digits[c & 15];
            width = 6;
        }
        if (room - n < width)
            break;
        memcpy(out + n, escaped, width);
        n += width;
    }
    return n;
}

/*
 * Request lines, gathered per thread in one of two buffers. The flusher swaps them under the thread's lock and writes
 * the full one outside it, so a serving thread never waits for a write; a thread whose buffer fills writes it
 * itself. Writes of one thread's lines are ordered by its write_lock, always taken before its lock.
 */
/*
 * The flusher runs every FLUSH_MS, and at once when a buffer passes half full: one thread's lines at 100k requests/s
 * (about 22 MB/s) fill a buffer in 12 ms, and the thread whose buffer fills writes it itself, stalling every request
 * on its connections.
 */
enum { GATHER_BYTES = 256 * 1024, FLUSH_MS = 20 };

typedef struct gathered_s {
    struct gathered_s *next;
    pthread_mutex_t write_lock; /* held while either buffer is written */
    pthread_mutex_t lock;       /* guards which buffer gathers, and its length */
    char *gathering;            /* data[0] or data[1] */
    size_t len;
    char data[2][GATHER_BYTES];
} gathered_t;

static pthread_mutex_t gathered_list_lock = PTHREAD_MUTEX_INITIALIZER;
static gathered_t *gathered_list; /* never freed: a thread's last lines are written after it ends */
static _Thread_local gathered_t *gathered_mine;
static pthread_once_t flusher_started = PTHREAD_ONCE_INIT;
static sts_ticker_t *flusher; /* set once, before any buffer is used; never stopped */

static void write_all(const char *data, size_t len)
{
    /* One write per batch keeps lines whole; stderr is a file or a pipe here, and a short write is not retried. */
    ssize_t ignored = write(STDERR_FILENO, data, len);
    (void)ignored;
}

static void flush_gathered(gathered_t *gathered)
{
    pthread_mutex_lock(&gathered->write_lock);
    pthread_mutex_lock(&gathered->lock);
    char *full = gathered->gathering;
    size_t len = gathered->len;
    gathered->gathering = full == gathered->data[0] ? gathered->data[1] : gathered->data[0];
    gathered->len = 0;
    pthread_mutex_unlock(&gathered->lock);
    if (len > 0)
        write_all(full, len);
    pthread_mutex_unlock(&gathered->write_lock);
}

void sts_log_flush(void)
{
    pthread_mutex_lock(&gathered_list_lock);
    for (gathered_t *gathered = gathered_list; gathered != NULL; gathered = gathered->next)
        flush_gathered(gathered);
    pthread_mutex_unlock(&gathered_list_lock);
}

static void flush_tick(void *unused)
{
    (void)unused;
    sts_log_flush();
}

static void start_flusher(void)
{
    /* Without a flusher, request lines are written at once, like every other line. */
    flusher = sts_ticker_start(FLUSH_MS, 0, flush_tick, NULL);
}

/* Adds line to the calling thread's buffer; 0, or -1 when there is none to add to (the caller writes it). */
static int gather(const char *line, size_t len)
{
    if (gathered_mine == NULL) {
        gathered_t *gathered = calloc(1, sizeof(*gathered));
        if (gathered == NULL)
            return -1;
        pthread_mutex_init(&gathered->write_lock, NULL);
        pthread_mutex_init(&gathered->lock, NULL);
        gathered->gathering = gathered->data[0];
        pthread_mutex_lock(&gathered_list_lock);
        gathered->next = gathered_list;
        gathered_list = gathered;
        pthread_mutex_unlock(&gathered_list_lock);
        gathered_mine = gathered;
    }
    pthread_once(&flusher_started, start_flusher);
    if (flusher == NULL)
        return -1;
    gathered_t *gathered = gathered_mine;
    pthread_mutex_lock(&gathered->lock);
    if (gathered->len + len > GATHER_BYTES) {
        pthread_mutex_unlock(&gathered->lock);
        flush_gathered(gathered); /* this thread fills faster than the flusher empties */
        pthread_mutex_lock(&gathered->lock);
    }
    memcpy(gathered->gathering + gathered->len, line, len);
    size_t before = gathered->len;
    gathered->len += len;
    pthread_mutex_unlock(&gathered->lock);
    if (before < GATHER_BYTES / 2 && before + len >= GATHER_BYTES / 2)
        sts_ticker_poke(flusher);
    return 0;
}

/* Appends len bytes of text to out (used of size bytes); what does not fit is cut. Returns the new length. */
static size_t put_text(char *out, size_t used, size_t size, const char *text, size_t len)
{
    size_t take = used >= size ? 0 : len < size - used ? len : size - used;
    memcpy(out + used, text, take);
    return used + take;
}

/* Writes one whole line: text "<time> <level> <body>", or JSON {"time","level",<members>} (body holds members). */
static void write_line(sts_log_level_t level, const char *body, size_t body_len, int body_is_members, int gathered)
{
    char line[4096];
    char stamp[STS_TIME_ISO_MAX];
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    sts_time_format_iso_micro(sts_time_from_timespec(&now), stamp, sizeof(stamp));
    size_t len;
    const char *level_name = level_names[level];
    /* Two bytes stay free for the closing brace and the newline. */
    if (line_format == STS_LOG_JSON) {
        len = put_text(line, 0, sizeof(line), "{\"time\":\"", 9);
        len = put_text(line, len, sizeof(line), stamp, strlen(stamp));
        len = put_text(line, len, sizeof(line), "\",\"level\":\"", 11);
        len = put_text(line, len, sizeof(line), level_name, strlen(level_name));
        len = body_is_members ? put_text(line, len, sizeof(line), "\",", 2)
                              : put_text(line, len, sizeof(line), "\",\"message\":\"", 13);
        if (body_is_members) {
            size_t take = body_len < sizeof(line) - len - 2 ? body_len : sizeof(line) - len - 2;
            memcpy(line + len, body, take);
            len += take;
        } else {
            len += escape_json(body, body_len, line + len, sizeof(line) - len - 3);
            line[len++] = '"';
        }
        line[len++] = '}';
    } else {
        len = put_text(line, 0, sizeof(line), stamp, strlen(stamp));
        len = put_text(line, len, sizeof(line), " ", 1);
        len = put_text(line, len, sizeof(line), level_name, strlen(level_name));
        len = put_text(line, len, sizeof(line), " ", 1);
        len += escape_controls(body, body_len, line + len, sizeof(line) - len - 1);
    }
    line[len++] = '\n';
    /* One write per line keeps lines from different threads whole. */
    if (!gathered || gather(line, len) != 0)
        write_all(line, len);
}

static void vlog(sts_log_level_t level, const char *fmt, va_list args)
{
    char message[2048];
    int body = vsnprintf(message, sizeof(message), fmt, args);
    size_t body_len = body < 0 ? 0 : (size_t)body < sizeof(message) ? (size_t)body : sizeof(message) - 1;
    write_line(level, message, body_len, 0, 0);
}

/*
 * The request line is built by hand, not with snprintf: it is written once per request, and parsing format strings
 * was a visible share of a request's time.
 */

/* Appends "name":"value" (JSON) or name=value (text, value escaped by write_line) to out. */
static size_t put_field(char *out, size_t used, size_t size, const char *name, const char *value)
{
    const char *shown = value != NULL && value[0] != '\0' ? value : "-";
    if (line_format == STS_LOG_TEXT) {
        used = put_text(out, used, size, " ", 1);
        used = put_text(out, used, size, name, strlen(name));
        used = put_text(out, used, size, "=", 1);
        return put_text(out, used, size, shown, strlen(shown));
    }
    used = put_text(out, used, size, ",\"", 2);
    used = put_text(out, used, size, name, strlen(name));
    used = put_text(out, used, size, "\":\"", 3);
    if (used + 2 >= size)
        return size;
    used += escape_json(shown, strlen(shown), out + used, size - used - 2);
    out[used++] = '"';
    return used;
}

static size_t put_number(char *out, size_t used, size_t size, const char *name, unsigned long long value)
{
    char digits[STS_DECIMAL_MAX];
    size_t digit_count = sts_decimal(value, digits);
    int text = line_format == STS_LOG_TEXT;
    used = put_text(out, used, size, text ? " " : ",\"", text ? 1 : 2);
    used = put_text(out, used, size, name, strlen(name));
    used = put_text(out, used, size, text ? "=" : "\":", text ? 1 : 2);
    return put_text(out, used, size, digits, digit_count);
}

void sts_log_request(const sts_log_request_t *r)
{
    if (STS_LOG_INFO < min_level)
        return;
    char body[2048];
    size_t used = line_format == STS_LOG_TEXT ? put_text(body, 0, sizeof(body), "request", 7)
                                              : put_text(body, 0, sizeof(body), "\"type\":\"request\"", 16);
    used = put_field(body, used, sizeof(body), "id", r->request_id);
    used = put_field(body, used, sizeof(body), "protocol", r->protocol);
    used = put_field(body, used, sizeof(body), "method", r->method);
    used = put_field(body, used, sizeof(body), "route", r->route);
    used = put_field(body, used, sizeof(body), "principal", r->principal);
    used = put_field(body, used, sizeof(body), "peer", r->peer);
    used = put_number(body, used, sizeof(body), "status", (unsigned long long)(r->status < 0 ? 0 : r->status));
    used =
        put_number(body, used, sizeof(body), "latency_us", (unsigned long long)(r->latency_us < 0 ? 0 : r->latency_us));
    used = put_number(body, used, sizeof(body), "bytes", r->bytes);
    write_line(STS_LOG_INFO, body, used < sizeof(body) ? used : sizeof(body) - 1, line_format == STS_LOG_JSON, 1);
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
    sts_log_flush();
    abort();
}
