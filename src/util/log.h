/* Process-wide logging to stderr. */
#ifndef STS_UTIL_LOG_H
#define STS_UTIL_LOG_H

typedef enum { STS_LOG_DEBUG, STS_LOG_INFO, STS_LOG_WARN, STS_LOG_ERROR } sts_log_level_t;

/** Sets the minimum level written. Call before starting threads. */
void sts_log_set_level(sts_log_level_t level);

/** Parses "debug", "info", "warn" or "error"; returns 0 on success, -1 otherwise. */
int sts_log_parse_level(const char *name, sts_log_level_t *out);

/**
 * Writes one line "<UTC time> <level> <message>" to stderr, atomically (one write call). Control characters in the
 * formatted message (bytes below 0x20, and 0x7f) are written as escapes ("\n", "\r", "\t", "\x1b"), so a
 * caller-supplied value cannot end the line and forge another. Messages are cut at 2047 bytes.
 * Thread-safe. Callers must never pass secrets or token strings.
 */
void sts_log(sts_log_level_t level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/** How lines are written: "<time> <level> <message>", or one JSON object per line. */
typedef enum { STS_LOG_TEXT, STS_LOG_JSON } sts_log_format_t;

/** Sets the line format. Call before starting threads. */
void sts_log_set_format(sts_log_format_t format);

/** Parses "text" or "json"; returns 0 on success, -1 otherwise. */
int sts_log_parse_format(const char *name, sts_log_format_t *out);

/** One answered request, for the request log. Strings may be NULL (written as "-"); none may hold a secret. */
typedef struct {
    const char *request_id;
    const char *protocol;  /**< "rest" or "grpc" */
    const char *method;    /**< the RPC, e.g. "sts.v1.TokenService/IssueToken"; NULL when no route matched */
    const char *route;     /**< REST: verb and path template ("PUT /token"); gRPC: the method path */
    const char *principal; /**< the caller's name; NULL when anonymous */
    const char *peer;      /**< the client's address */
    int status;            /**< REST: the HTTP status; gRPC: the status code */
    long long latency_us;
    unsigned long long bytes; /**< the response body's length */
} sts_log_request_t;

/**
 * Logs one request line at info level (text: "request id=… protocol=… method=… route=… principal=… peer=…
 * status=… latency_us=… bytes=…"; JSON: those as members, with "type":"request"), escaped like every line.
 * Request lines are the bulk of the log, so they are not written at once: each thread gathers its own in a buffer
 * (256 KiB), which a flusher thread writes with one write call every 20 ms (or the thread itself when it fills), lines
 * always whole. A request line may therefore follow other lines written after it by up to that much.
 * Thread-safe.
 */
void sts_log_request(const sts_log_request_t *request);

/** Writes every gathered request line now (at exit, before an abort). Thread-safe. */
void sts_log_flush(void);

/** Logs at error level and aborts. For invariants and out-of-memory only. */
void sts_log_fatal(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));

#define sts_log_info(...)  sts_log(STS_LOG_INFO, __VA_ARGS__)
#define sts_log_warn(...)  sts_log(STS_LOG_WARN, __VA_ARGS__)
#define sts_log_error(...) sts_log(STS_LOG_ERROR, __VA_ARGS__)
#define sts_log_debug(...) sts_log(STS_LOG_DEBUG, __VA_ARGS__)

#endif
