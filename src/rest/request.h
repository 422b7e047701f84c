/* Turning an HTTP request (body, query, path captures) into the RPC's request message. */
#ifndef STS_REST_REQUEST_H
#define STS_REST_REQUEST_H

#include <stddef.h>

#include "core/call.h"
#include "rest/router.h"

/** Most query parameters one request may carry, and most fields of a form body. */
#define STS_REST_MAX_QUERY_PARAMS 32
#define STS_REST_MAX_FORM_FIELDS  64

/** The parts of an HTTP request the transcoder reads; pointers stay owned by the caller. */
typedef struct {
    const char *body;
    size_t body_len;
    const char *query; /**< after the '?', or NULL */
    size_t query_len;
    int form; /**< the body is application/x-www-form-urlencoded (its Content-Type says so) */
} sts_rest_input_t;

/**
 * Builds call->method's request message in the call arena from the body (per the binding's body field: JSON, or a
 * form when input->form, the binding allows forms and the body is not a JSON object; a form's unknown names are
 * ignored and none may repeat), the path
 * captures and the query parameters, in that order, so the query wins over the body for the same field. A field the
 * path template binds comes from the path alone: naming it in the query (by JSON or proto name) or as a key of a "*"
 * body is an error. Capture values are used as they are: match->captures must come from an already percent-decoded
 * path (h2o's path_normalized); query names and values are decoded here.
 * Returns the message, or NULL with an INVALID_ARGUMENT message recorded on the call naming the field.
 */
ProtobufCMessage *sts_rest_decode_request(sts_call_t *call, const sts_route_match_t *match,
                                          const sts_rest_input_t *input);

/**
 * Decodes %XX escapes (and '+' as a space when plus_is_space) from in into out, which needs len bytes.
 * Returns the decoded length, or -1 on a truncated or non-hex escape.
 */
long sts_rest_percent_decode(const char *in, size_t len, char *out, int plus_is_space);

#endif
