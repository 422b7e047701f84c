/* The REST router: built once from the method table, matches verb + path to an RPC binding. */
#ifndef STS_REST_ROUTER_H
#define STS_REST_ROUTER_H

#include <stddef.h>

#include "core/method.h"

/** Most `{field}` captures one path template may hold. */
#define STS_ROUTER_MAX_CAPTURES 4

/** Most segments a path template or a request path may have. */
#define STS_ROUTER_MAX_SEGMENTS 16

typedef struct sts_router_s sts_router_t;

/** A path capture: the template's field name and the request's segment (pointers into the template and path). */
typedef struct {
    const char *field;
    size_t field_len;
    const char *value;
    size_t value_len;
} sts_route_capture_t;

typedef struct {
    const sts_method_t *method;
    const sts_http_binding_t *binding;
    size_t capture_count;
    sts_route_capture_t captures[STS_ROUTER_MAX_CAPTURES];
} sts_route_match_t;

typedef enum {
    STS_ROUTE_FOUND,
    STS_ROUTE_NOT_FOUND,  /**< no template matches the path: 404 */
    STS_ROUTE_BAD_METHOD, /**< the path exists for other verbs: 405 with Allow */
} sts_route_result_t;

/**
 * Builds a router from every HTTP binding in table. Returns NULL with a message in error when a template is
 * malformed, has too many segments or captures, or two bindings collide (same verb, same shape).
 * The table must outlive the router. Destroy with sts_router_destroy.
 */
sts_router_t *sts_router_create(const sts_method_table_t *table, char *error, size_t error_size);

/** Frees the router. */
void sts_router_destroy(sts_router_t *router);

/**
 * Matches a request. verb is the HTTP method as sent ("PUT"); path excludes the query string. Literal segments
 * win over captures. On STS_ROUTE_BAD_METHOD, allow receives the allowed verbs ("GET, PUT"), NUL-terminated.
 * Thread-safe (the router is immutable).
 */
sts_route_result_t sts_router_match(const sts_router_t *router, const char *verb, size_t verb_len, const char *path,
                                    size_t path_len, sts_route_match_t *match, char *allow, size_t allow_size);

/** The verb's name, e.g. "PUT". */
const char *sts_http_verb_name(sts_http_verb_t verb);

#endif
