/* GET /openapi.json: the OpenAPI document the plugin generated from the proto (gen/openapi.json), compiled in. */
#include "rest/reply.h"
#include "rest/server_internal.h"
#include "sts_openapi.h"

int sts__rest_serve_openapi(h2o_req_t *req)
{
    if (!h2o_memis(req->path_normalized.base, req->path_normalized.len, H2O_STRLIT("/openapi.json")) ||
        !h2o_memis(req->method.base, req->method.len, H2O_STRLIT("GET")))
        return 0;
    sts__rest_facts_t *facts = sts__rest_facts(req);
    facts->route_verb = "GET";
    facts->route_path = "/openapi.json";
    /* The document is a constant: no copy, and nothing in it is secret, so no credentials are asked for. */
    sts_rest_send_json(req, 200, sts_gen_openapi_json, sts_gen_openapi_json_len);
    return 1;
}
