#include "rest/request.h"

#include <string.h>

#include "core/service.h"
#include "rest/json.h"
#include "rest/json_field.h"
#include "util/text.h"

long sts_rest_percent_decode(const char *in, size_t len, char *out, int plus_is_space)
{
    size_t o = 0;
    for (size_t i = 0; i < len; i++) {
        if (in[i] == '%') {
            int hi = i + 2 < len ? sts_hex_value(in[i + 1]) : -1;
            int lo = i + 2 < len ? sts_hex_value(in[i + 2]) : -1;
            if (hi < 0 || lo < 0)
                return -1;
            out[o++] = (char)(hi << 4 | lo);
            i += 2;
        } else if (in[i] == '+' && plus_is_space) {
            out[o++] = ' ';
        } else {
            out[o++] = in[i];
        }
    }
    return (long)o;
}

/* The request fields the matched path template binds, resolved once per request (at most a few). */
typedef struct {
    const ProtobufCFieldDescriptor *fields[STS_ROUTER_MAX_CAPTURES];
    size_t count;
} bound_t;

/* A field bound in the path may come from nowhere else, or DELETE /x/A?id=B would act on B (as grpc-gateway). */
static int refuse_bound(sts_call_t *call, const ProtobufCMessage *message, const ProtobufCFieldDescriptor *field)
{
    const ProtobufCMessageDescriptor *descriptor = message->descriptor;
    const char *name =
        sts__json_field_name(call->service->methods, descriptor, (unsigned)(field - descriptor->fields), &call->arena);
    sts_call_fail(call, STS_STATUS_INVALID_ARGUMENT,
                  "%s is taken from the path; do not send it in the query or the body", name);
    return -1;
}

static int set_text(sts_call_t *call, ProtobufCMessage *message, const char *name, size_t name_len, const char *value,
                    size_t value_len)
{
    const char *error = NULL;
    if (sts_json_set_field_text(call->service->methods, message, name, name_len, value, value_len, &call->arena,
                                &error) != 0) {
        sts_call_fail(call, STS_STATUS_INVALID_ARGUMENT, "%s", error);
        return -1;
    }
    return 0;
}

static int set_query_parameter(sts_call_t *call, ProtobufCMessage *message, const bound_t *bound, const char *name,
                               size_t name_len, const char *value, size_t value_len)
{
    char *decoded_name = sts_arena_alloc(&call->arena, name_len + 1);
    char *decoded_value = sts_arena_alloc(&call->arena, value_len + 1);
    long n = sts_rest_percent_decode(name, name_len, decoded_name, 1);
    long v = sts_rest_percent_decode(value, value_len, decoded_value, 1);
    if (n < 0 || v < 0) {
        sts_call_fail(call, STS_STATUS_INVALID_ARGUMENT, "malformed percent-encoding in the URL");
        return -1;
    }
    decoded_value[v] = '\0';
    /* Either name of the field (JSON or proto, as sts_json_set_field_text accepts both) counts as the field. */
    const ProtobufCFieldDescriptor *field =
        sts__json_find_field(call->service->methods, message->descriptor, decoded_name, (size_t)n);
    for (size_t i = 0; field != NULL && i < bound->count; i++) {
        if (bound->fields[i] == field)
            return refuse_bound(call, message, field);
    }
    return set_text(call, message, decoded_name, (size_t)n, decoded_value, (size_t)v);
}

static int decode_query(sts_call_t *call, ProtobufCMessage *message, const bound_t *bound, const char *query,
                        size_t len)
{
    size_t params = 0;
    size_t start = 0;
    for (size_t i = 0; i <= len; i++) {
        if (i < len && query[i] != '&')
            continue;
        if (i > start) {
            if (++params > STS_REST_MAX_QUERY_PARAMS) {
                sts_call_fail(call, STS_STATUS_INVALID_ARGUMENT, "more than %d query parameters",
                              STS_REST_MAX_QUERY_PARAMS);
                return -1;
            }
            const char *pair = query + start;
            const char *equals = memchr(pair, '=', i - start);
            size_t name_len = equals != NULL ? (size_t)(equals - pair) : i - start;
            const char *value = equals != NULL ? equals + 1 : pair + name_len;
            size_t value_len = (size_t)(query + i - value);
            if (set_query_parameter(call, message, bound, pair, name_len, value, value_len) != 0)
                return -1;
        }
        start = i + 1;
    }
    return 0;
}

/*
 * One name=value pair of a form body (RFC 6749 3.2, HTML's urlencoded): names the request does not have are ignored,
 * a field named twice (by either of its names) is refused, a path-bound field is refused.
 */
static int set_form_field(sts_call_t *call, ProtobufCMessage *message, const bound_t *bound, unsigned char *seen,
                          const char *pair, size_t len)
{
    const char *equals = memchr(pair, '=', len);
    size_t name_len = equals != NULL ? (size_t)(equals - pair) : len;
    size_t value_len = equals != NULL ? len - name_len - 1 : 0;
    char *name = sts_arena_alloc(&call->arena, name_len + 1);
    char *value = sts_arena_alloc(&call->arena, value_len + 1);
    long n = sts_rest_percent_decode(pair, name_len, name, 1);
    long v = equals != NULL ? sts_rest_percent_decode(equals + 1, value_len, value, 1) : 0;
    if (n < 0 || v < 0) {
        sts_call_fail(call, STS_STATUS_INVALID_ARGUMENT, "malformed percent-encoding in the form body");
        return -1;
    }
    value[v] = '\0';
    const ProtobufCMessageDescriptor *descriptor = message->descriptor;
    const ProtobufCFieldDescriptor *field = sts__json_find_field(call->service->methods, descriptor, name, (size_t)n);
    if (field == NULL)
        return 0;
    for (size_t i = 0; i < bound->count; i++) {
        if (bound->fields[i] == field)
            return refuse_bound(call, message, field);
    }
    if (seen[field - descriptor->fields]++ && field->label != PROTOBUF_C_LABEL_REPEATED) {
        sts_call_fail(call, STS_STATUS_INVALID_ARGUMENT, "%.*s is given more than once", (int)(n > 64 ? 64 : n), name);
        return -1;
    }
    return set_text(call, message, name, (size_t)n, value, (size_t)v);
}

static int decode_form(sts_call_t *call, ProtobufCMessage *message, const bound_t *bound, const char *body, size_t len)
{
    unsigned char *seen = sts_arena_calloc(&call->arena, message->descriptor->n_fields + 1);
    size_t fields = 0, start = 0;
    for (size_t i = 0; i <= len; i++) {
        if (i < len && body[i] != '&')
            continue;
        if (i > start) {
            if (++fields > STS_REST_MAX_FORM_FIELDS) {
                sts_call_fail(call, STS_STATUS_INVALID_ARGUMENT, "more than %d fields in the form body",
                              STS_REST_MAX_FORM_FIELDS);
                return -1;
            }
            if (set_form_field(call, message, bound, seen, body + start, i - start) != 0)
                return -1;
        }
        start = i + 1;
    }
    return 0;
}

static int is_blank(const char *text, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        if (text[i] != ' ' && text[i] != '\t' && text[i] != '\r' && text[i] != '\n')
            return 0;
    }
    return 1;
}

static int decode_json_body(sts_call_t *call, ProtobufCMessage *message, const bound_t *bound, const char *body_field,
                            const char *body, size_t len)
{
    if (body == NULL || is_blank(body, len))
        return 0;
    if (body_field[0] == '\0') {
        sts_call_fail(call, STS_STATUS_INVALID_ARGUMENT, "%s takes no request body", call->method->name);
        return -1;
    }
    ProtobufCMessage *target = message;
    unsigned char *present = NULL;
    if (strcmp(body_field, "*") != 0) {
        /* The plugin guarantees body_field names a message-typed field of the request; path captures are top-level
         * fields, so this body cannot reach them. */
        const ProtobufCFieldDescriptor *field =
            protobuf_c_message_descriptor_get_field_by_name(message->descriptor, body_field);
        target = sts_call_new_message(call, field->descriptor);
        *(ProtobufCMessage **)((char *)message + field->offset) = target;
    } else if (bound->count > 0) {
        present = sts_arena_alloc(&call->arena, message->descriptor->n_fields + 1);
    }
    const char *error = NULL;
    if (sts_json_decode_fields(call->service->methods, body, len, target, present, &call->arena, &error) != 0) {
        sts_call_fail(call, STS_STATUS_INVALID_ARGUMENT, "%s", error);
        return -1;
    }
    for (size_t i = 0; present != NULL && i < bound->count; i++) {
        if (present[bound->fields[i] - message->descriptor->fields])
            return refuse_bound(call, message, bound->fields[i]);
    }
    return 0;
}

/*
 * Path captures arrive already percent-decoded: the router matches h2o's path_normalized, and h2o 2.2.5's
 * h2o_url_normalize_path (lib/common/url.c, rebuild_path) decodes every valid %XX escape of the path (not the query)
 * whenever the path holds a '%' or a "/." (it then also resolves "." and ".." segments, and a decoded %2F separates
 * segments like '/'); an invalid or truncated escape ("%zz", a trailing "%4") stays as it was. Decoding the capture
 * again would turn an id sent as "%2561" (normalised to "%61") into "a", a different resource than the client named.
 */
ProtobufCMessage *sts_rest_decode_request(sts_call_t *call, const sts_route_match_t *match,
                                          const sts_rest_input_t *input)
{
    ProtobufCMessage *message = sts_call_new_message(call, call->method->request);
    bound_t bound = {.count = 0};
    for (size_t i = 0; i < match->capture_count; i++) {
        const sts_route_capture_t *capture = &match->captures[i];
        /* A capture is a proto field name (the plugin checked that the request has it); never NULL. */
        const char *name = sts_arena_strndup(&call->arena, capture->field, capture->field_len);
        bound.fields[bound.count++] = protobuf_c_message_descriptor_get_field_by_name(message->descriptor, name);
    }
    /*
     * curl -d labels every body a form, JSON included, so only bindings that take forms read one, and a body that
     * opens a JSON object stays JSON there too (no form field name starts with '{').
     */
    size_t lead = 0;
    while (lead < input->body_len && strchr(" \t\r\n", input->body[lead]) != NULL && input->body[lead] != '\0')
        lead++;
    int form = input->form && match->binding->form_body && !(lead < input->body_len && input->body[lead] == '{');
    int failed =
        form ? decode_form(call, message, &bound, input->body, input->body_len)
             : decode_json_body(call, message, &bound, match->binding->body_field, input->body, input->body_len);
    if (failed != 0)
        return NULL;
    for (size_t i = 0; i < match->capture_count; i++) {
        const sts_route_capture_t *capture = &match->captures[i];
        if (set_text(call, message, capture->field, capture->field_len, capture->value, capture->value_len) != 0)
            return NULL;
    }
    if (input->query != NULL && decode_query(call, message, &bound, input->query, input->query_len) != 0)
        return NULL;
    return message;
}
