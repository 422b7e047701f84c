#include "rest/router.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/log.h"

typedef struct {
    const char *text; /* literal text, or the capture's field name */
    size_t len;
    int is_capture;
} segment_t;

typedef struct {
    const sts_method_t *method;
    const sts_http_binding_t *binding;
    size_t segment_count;
    segment_t segments[STS_ROUTER_MAX_SEGMENTS];
} route_t;

struct sts_router_s {
    size_t route_count;
    route_t routes[];
};

static const char *const verb_names[] = {"GET", "PUT", "POST", "DELETE", "PATCH"};

const char *sts_http_verb_name(sts_http_verb_t verb)
{
    return verb_names[verb];
}

/* Splits "/a/b/c" into segments; returns the count, or -1 if there are too many or the path is not absolute. */
static int split_path(const char *path, size_t len, segment_t *segments)
{
    if (len == 0 || path[0] != '/')
        return -1;
    int count = 0;
    size_t start = 1;
    for (size_t i = 1; i <= len; i++) {
        if (i == len || path[i] == '/') {
            if (count == STS_ROUTER_MAX_SEGMENTS)
                return -1;
            segments[count++] = (segment_t){path + start, i - start, 0};
            start = i + 1;
        }
    }
    return count;
}

static int parse_template(route_t *route, char *error, size_t error_size)
{
    const char *template = route->binding->path_template;
    int count = split_path(template, strlen(template), route->segments);
    if (count < 0) {
        snprintf(error, error_size, "path template '%s' must be absolute with at most %d segments", template,
                 STS_ROUTER_MAX_SEGMENTS);
        return -1;
    }
    int captures = 0;
    for (int i = 0; i < count; i++) {
        segment_t *segment = &route->segments[i];
        if (segment->len >= 2 && segment->text[0] == '{' && segment->text[segment->len - 1] == '}') {
            segment->text++;
            segment->len -= 2;
            segment->is_capture = 1;
            if (++captures > STS_ROUTER_MAX_CAPTURES) {
                snprintf(error, error_size, "path template '%s' has more than %d captures", template,
                         STS_ROUTER_MAX_CAPTURES);
                return -1;
            }
        }
    }
    route->segment_count = (size_t)count;
    return 0;
}

static int same_shape(const route_t *a, const route_t *b)
{
    if (a->segment_count != b->segment_count || a->binding->verb != b->binding->verb)
        return 0;
    for (size_t i = 0; i < a->segment_count; i++) {
        const segment_t *x = &a->segments[i], *y = &b->segments[i];
        if (x->is_capture != y->is_capture)
            return 0;
        if (!x->is_capture && (x->len != y->len || memcmp(x->text, y->text, x->len) != 0))
            return 0;
    }
    return 1;
}

sts_router_t *sts_router_create(const sts_method_table_t *table, char *error, size_t error_size)
{
    size_t total = 0;
    for (size_t i = 0; i < table->method_count; i++)
        total += table->methods[i].http_count;
    sts_router_t *router = calloc(1, sizeof(*router) + total * sizeof(route_t));
    if (router == NULL)
        sts_log_fatal("out of memory building the router");
    for (size_t i = 0; i < table->method_count; i++) {
        const sts_method_t *method = &table->methods[i];
        for (size_t b = 0; b < method->http_count; b++) {
            route_t *route = &router->routes[router->route_count];
            route->method = method;
            route->binding = &method->http[b];
            if (parse_template(route, error, error_size) != 0)
                goto fail;
            for (size_t other = 0; other < router->route_count; other++) {
                if (same_shape(route, &router->routes[other])) {
                    snprintf(error, error_size, "%s %s of %s collides with %s of %s", verb_names[route->binding->verb],
                             route->binding->path_template, method->grpc_path,
                             router->routes[other].binding->path_template, router->routes[other].method->grpc_path);
                    goto fail;
                }
            }
            router->route_count++;
        }
    }
    return router;
fail:
    free(router);
    return NULL;
}

void sts_router_destroy(sts_router_t *router)
{
    free(router);
}

/* Returns the number of literal segments matched (for precedence), or -1 if the route does not match. */
static int match_route(const route_t *route, const segment_t *path, size_t count, sts_route_match_t *match)
{
    if (route->segment_count != count)
        return -1;
    int literals = 0;
    match->capture_count = 0;
    for (size_t i = 0; i < count; i++) {
        const segment_t *want = &route->segments[i];
        if (want->is_capture) {
            if (path[i].len == 0)
                return -1;
            match->captures[match->capture_count++] =
                (sts_route_capture_t){want->text, want->len, path[i].text, path[i].len};
        } else if (want->len == path[i].len && memcmp(want->text, path[i].text, want->len) == 0) {
            literals++;
        } else {
            return -1;
        }
    }
    return literals;
}

static void append_allow(char *allow, size_t allow_size, unsigned *seen, sts_http_verb_t verb)
{
    if (*seen & (1u << verb))
        return;
    *seen |= 1u << verb;
    size_t used = strlen(allow);
    snprintf(allow + used, allow_size - used, "%s%s", used == 0 ? "" : ", ", verb_names[verb]);
}

sts_route_result_t sts_router_match(const sts_router_t *router, const char *verb, size_t verb_len, const char *path,
                                    size_t path_len, sts_route_match_t *match, char *allow, size_t allow_size)
{
    segment_t segments[STS_ROUTER_MAX_SEGMENTS];
    int count = split_path(path, path_len, segments);
    if (allow_size > 0)
        allow[0] = '\0';
    if (count < 0)
        return STS_ROUTE_NOT_FOUND;
    int best = -1;
    unsigned seen = 0;
    sts_route_match_t candidate;
    for (size_t i = 0; i < router->route_count; i++) {
        const route_t *route = &router->routes[i];
        int literals = match_route(route, segments, (size_t)count, &candidate);
        if (literals < 0)
            continue;
        const char *name = verb_names[route->binding->verb];
        if (strlen(name) != verb_len || memcmp(name, verb, verb_len) != 0) {
            append_allow(allow, allow_size, &seen, route->binding->verb);
            continue;
        }
        if (literals > best) {
            best = literals;
            candidate.method = route->method;
            candidate.binding = route->binding;
            *match = candidate;
        }
    }
    if (best >= 0)
        return STS_ROUTE_FOUND;
    return seen != 0 ? STS_ROUTE_BAD_METHOD : STS_ROUTE_NOT_FOUND;
}
