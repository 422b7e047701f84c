/* The one status map: gRPC code, name, HTTP status and default message (libuv's UV_ERRNO_MAP pattern). */
#ifndef STS_CORE_STATUS_H
#define STS_CORE_STATUS_H

/* XX(NAME, gRPC code, HTTP status, default message) */
#define STS_STATUS_MAP(XX)                                                                                             \
    XX(OK, 0, 200, "ok")                                                                                               \
    XX(CANCELLED, 1, 499, "the call was cancelled")                                                                    \
    XX(UNKNOWN, 2, 500, "unknown error")                                                                               \
    XX(INVALID_ARGUMENT, 3, 400, "invalid argument")                                                                   \
    XX(DEADLINE_EXCEEDED, 4, 504, "the deadline ran out before the call completed")                                    \
    XX(NOT_FOUND, 5, 404, "not found")                                                                                 \
    XX(ALREADY_EXISTS, 6, 409, "already exists")                                                                       \
    XX(PERMISSION_DENIED, 7, 403, "permission denied")                                                                 \
    XX(RESOURCE_EXHAUSTED, 8, 429, "a limit was reached")                                                              \
    XX(FAILED_PRECONDITION, 9, 400, "the system is not in a state that allows this call")                              \
    XX(ABORTED, 10, 409, "aborted by a concurrent change")                                                             \
    XX(OUT_OF_RANGE, 11, 400, "out of range")                                                                          \
    XX(UNIMPLEMENTED, 12, 501, "not implemented")                                                                      \
    XX(INTERNAL, 13, 500, "internal error")                                                                            \
    XX(UNAVAILABLE, 14, 503, "the service is unavailable; retry later")                                                \
    XX(DATA_LOSS, 15, 500, "data loss")                                                                                \
    XX(UNAUTHENTICATED, 16, 401, "missing or invalid credentials")

/** A call's outcome. The numbers equal the gRPC status codes. */
typedef enum {
#define STS_STATUS_ENUM(name, code, http, message) STS_STATUS_##name = code,
    STS_STATUS_MAP(STS_STATUS_ENUM)
#undef STS_STATUS_ENUM
} sts_status_t;

/** The gRPC code name, e.g. "INVALID_ARGUMENT"; "UNKNOWN" for a value outside the map. */
const char *sts_status_name(sts_status_t status);

/** The HTTP status the REST adapter sends for it; 500 for a value outside the map. */
int sts_status_http(sts_status_t status);

/** A default human message; never NULL. */
const char *sts_status_message(sts_status_t status);

#endif
