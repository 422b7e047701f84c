/*
 * A REST request as the adapter sees it after h2o parsed it: "VERB /path?query\n" then the body. The router picks
 * the binding (literal segments, {field} captures, 404, 405), then the transcoder builds the request message from
 * the captures, the query string and the body (JSON, or a form when the first byte's low bit says the Content-Type
 * was application/x-www-form-urlencoded).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "core/service.h"
#include "rest/request.h"
#include "rest/router.h"
#include "sts_methods.h"

static sts_service_t service;
static sts_router_t *router;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    char error[256];
    sts_service_defaults(&service, &sts_gen_method_table);
    router = sts_router_create(&sts_gen_method_table, error, sizeof(error));
    if (router == NULL)
        abort();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    int form = data[0] & 1;
    const char *text = (const char *)data + 1, *end = text + size - 1;
    const char *space = memchr(text, ' ', (size_t)(end - text));
    if (space == NULL)
        return 0;
    const char *line_end = memchr(space, '\n', (size_t)(end - space));
    if (line_end == NULL)
        line_end = end;
    const char *path = space + 1;
    const char *question = memchr(path, '?', (size_t)(line_end - path));
    size_t path_len = (size_t)((question != NULL ? question : line_end) - path);
    sts_route_match_t match;
    char allow[128];
    if (sts_router_match(router, text, (size_t)(space - text), path, path_len, &match, allow, sizeof(allow)) !=
        STS_ROUTE_FOUND)
        return 0;
    sts_call_t call;
    sts_call_init(&call, &service, match.method);
    const char *body = line_end < end ? line_end + 1 : end;
    sts_rest_input_t input = {.body = body,
                              .body_len = (size_t)(end - body),
                              .query = question != NULL ? question + 1 : NULL,
                              .query_len = question != NULL ? (size_t)(line_end - question - 1) : 0,
                              .form = form};
    (void)sts_rest_decode_request(&call, &match, &input);
    sts_call_dispose(&call);
    return 0;
}
