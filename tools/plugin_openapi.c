/* The OpenAPI 3.1 document of the REST surface: one operation per HTTP binding of every RPC, as the adapter serves
 * it (src/rest/: router, request decoding, JSON encoder, error rendering). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plugin_openapi.h"
#include "util/log.h"

enum { HTTP_OPTION = 50001, POLICY_OPTION = 50002, MAX_CAPTURES = 8 };

typedef struct {
    const Sts__V1__HttpRule *rule;
    const char *verb; /* "get", ... */
    const char *path;
    size_t binding; /* 0: the main binding; else 1 + its index in additional_bindings */
    const Google__Protobuf__FileDescriptorProto *file;
    const Google__Protobuf__ServiceDescriptorProto *service;
    const Google__Protobuf__MethodDescriptorProto *method;
    int32_t method_path[4];
    const Sts__V1__MethodPolicy *policy; /* NULL: none (any authenticated caller) */
    oa_type_t *request;
    oa_type_t *response;             /* the message sent as the body (response_body's type when set) */
    char captures[MAX_CAPTURES][64]; /* proto names of the path's "{field}" captures */
    size_t capture_count;
} oa_op_t;

typedef struct {
    oa_op_t *items;
    size_t count;
    ProtobufCMessage **owned; /* unpacked options, freed at the end */
    size_t owned_count;
} oa_ops_t;

static const char *rule_verb(const Sts__V1__HttpRule *rule, const char **path)
{
    switch (rule->pattern_case) {
    case STS__V1__HTTP_RULE__PATTERN_GET:
        *path = rule->get;
        return "get";
    case STS__V1__HTTP_RULE__PATTERN_PUT:
        *path = rule->put;
        return "put";
    case STS__V1__HTTP_RULE__PATTERN_POST:
        *path = rule->post;
        return "post";
    case STS__V1__HTTP_RULE__PATTERN_DELETE:
        *path = rule->delete_;
        return "delete";
    case STS__V1__HTTP_RULE__PATTERN_PATCH:
        *path = rule->patch;
        return "patch";
    default:
        return NULL;
    }
}

static void own(oa_ops_t *ops, ProtobufCMessage *message)
{
    ProtobufCMessage **grown = realloc(ops->owned, (ops->owned_count + 1) * sizeof(*grown));
    if (grown == NULL)
        sts_log_fatal("out of memory");
    ops->owned = grown;
    ops->owned[ops->owned_count++] = message;
}

static int fail(oa_context_t *c, const oa_op_t *op, const char *what)
{
    snprintf(c->output->error, sizeof(c->output->error), "%s: %s.%s: %s", op->file->name, op->service->name,
             op->method->name, what);
    return -1;
}

/* The proto names of a template's "{field}" captures; the main run (plugin_emit.c) has checked the template. */
static int split_captures(oa_context_t *c, oa_op_t *op)
{
    for (const char *p = strchr(op->path, '{'); p != NULL; p = strchr(p + 1, '{')) {
        const char *close = strchr(p, '}');
        if (close == NULL || (size_t)(close - p) >= sizeof(op->captures[0]) || op->capture_count == MAX_CAPTURES)
            return fail(c, op, "a path template capture is malformed or there are too many");
        snprintf(op->captures[op->capture_count++], sizeof(op->captures[0]), "%.*s", (int)(close - p - 1), p + 1);
    }
    return 0;
}

static int add_op(oa_context_t *c, oa_ops_t *ops, oa_op_t op)
{
    op.verb = rule_verb(op.rule, &op.path);
    if (op.verb == NULL)
        return fail(c, &op, "an HTTP binding has no verb");
    if (split_captures(c, &op) != 0)
        return -1;
    if (op.rule->response_body[0] != '\0') {
        const Google__Protobuf__FieldDescriptorProto *field =
            plugin_find_field(op.response->message, op.rule->response_body, strlen(op.rule->response_body));
        if (field == NULL || field->type_name == NULL)
            return fail(c, &op, "response_body names no message field of the response");
        op.response = oa_find_type(c, field->type_name);
    }
    oa_op_t *grown = realloc(ops->items, (ops->count + 1) * sizeof(*grown));
    if (grown == NULL)
        sts_log_fatal("out of memory");
    ops->items = grown;
    ops->items[ops->count++] = op;
    return 0;
}

static int is_generated(const oa_context_t *c, const char *name)
{
    for (size_t i = 0; i < c->request->n_file_to_generate; i++) {
        if (strcmp(c->request->file_to_generate[i], name) == 0)
            return 1;
    }
    return 0;
}

static int collect_ops(oa_context_t *c, oa_ops_t *ops)
{
    for (size_t f = 0; f < c->request->n_proto_file; f++) {
        const Google__Protobuf__FileDescriptorProto *file = c->request->proto_file[f];
        if (!is_generated(c, file->name))
            continue;
        for (size_t s = 0; s < file->n_service; s++) {
            for (size_t m = 0; m < file->service[s]->n_method; m++) {
                const Google__Protobuf__MethodDescriptorProto *method = file->service[s]->method[m];
                const ProtobufCMessage *options = method->options != NULL ? &method->options->base : NULL;
                Sts__V1__HttpRule *rule = (Sts__V1__HttpRule *)plugin_option_message(
                    options, HTTP_OPTION, &sts__v1__http_rule__descriptor, NULL);
                if (rule == NULL || method->client_streaming || method->server_streaming) {
                    if (rule != NULL)
                        protobuf_c_message_free_unpacked(&rule->base, NULL);
                    continue;
                }
                own(ops, &rule->base);
                Sts__V1__MethodPolicy *policy = (Sts__V1__MethodPolicy *)plugin_option_message(
                    options, POLICY_OPTION, &sts__v1__method_policy__descriptor, NULL);
                if (policy != NULL)
                    own(ops, &policy->base);
                oa_op_t op = {.rule = rule,
                              .file = file,
                              .service = file->service[s],
                              .method = method,
                              .method_path = {6, (int32_t)s, 2, (int32_t)m},
                              .policy = policy,
                              .request = oa_find_type(c, method->input_type),
                              .response = oa_find_type(c, method->output_type)};
                if (op.request == NULL || op.response == NULL)
                    return fail(c, &op, "unknown request or response type");
                if (add_op(c, ops, op) != 0)
                    return -1;
                for (size_t b = 0; b < rule->n_additional_bindings; b++) {
                    op.rule = rule->additional_bindings[b];
                    op.binding = b + 1;
                    op.capture_count = 0;
                    if (add_op(c, ops, op) != 0)
                        return -1;
                }
            }
        }
    }
    return 0;
}

static int is_capture(const oa_op_t *op, const char *name)
{
    for (size_t i = 0; i < op->capture_count; i++) {
        if (strcmp(op->captures[i], name) == 0)
            return 1;
    }
    return 0;
}

/* The types each operation's body and answer reach, so that only those get schemas. */
static void mark_ops(oa_context_t *c, const oa_ops_t *ops)
{
    for (size_t i = 0; i < ops->count; i++) {
        const oa_op_t *op = &ops->items[i];
        if (op->response->message->n_field > 0)
            oa_mark(c, op->response, OA_RESPONSE);
        const Google__Protobuf__DescriptorProto *request = op->request->message;
        const char *body = op->rule->body;
        for (size_t f = 0; f < request->n_field; f++) {
            const Google__Protobuf__FieldDescriptorProto *field = request->field[f];
            if (field->type_name == NULL || is_capture(op, field->name))
                continue;
            /* A body "*" with captures is written inline, so only what its fields reach needs a component. */
            int in_body = strcmp(body, "*") == 0 || strcmp(body, field->name) == 0;
            int in_query = body[0] == '\0' && field->type == GOOGLE__PROTOBUF__FIELD_DESCRIPTOR_PROTO__TYPE__TYPE_ENUM;
            if (in_body || in_query)
                oa_mark(c, oa_find_type(c, field->type_name), OA_REQUEST);
        }
        if (strcmp(body, "*") == 0 && op->capture_count == 0)
            op->request->used |= OA_REQUEST;
    }
}

static void emit_parameters(oa_context_t *c, oa_writer_t *w, const oa_op_t *op)
{
    const Google__Protobuf__DescriptorProto *request = op->request->message;
    int any = op->capture_count > 0;
    for (size_t f = 0; op->rule->body[0] == '\0' && f < request->n_field; f++)
        any |= request->field[f]->type != GOOGLE__PROTOBUF__FIELD_DESCRIPTOR_PROTO__TYPE__TYPE_MESSAGE;
    if (!any)
        return;
    oa_open(w, "parameters", '[');
    for (size_t f = 0; f < request->n_field; f++) {
        const Google__Protobuf__FieldDescriptorProto *field = request->field[f];
        int path = is_capture(op, field->name);
        /* Without a body every other scalar field comes from the query (src/rest/request.c, decode_query). */
        if (!path &&
            (op->rule->body[0] != '\0' || field->type == GOOGLE__PROTOBUF__FIELD_DESCRIPTOR_PROTO__TYPE__TYPE_MESSAGE))
            continue;
        oa_open(w, NULL, '{');
        oa_string(w, "name", path ? field->name : field->json_name);
        oa_string(w, "in", path ? "path" : "query");
        if (path)
            oa_bool(w, "required", 1);
        oa_field_schema(c, w, "schema", op->request, f, OA_REQUEST);
        oa_close(w, '}');
    }
    oa_close(w, ']');
}

static void emit_request_body(oa_context_t *c, oa_writer_t *w, const oa_op_t *op)
{
    const char *body = op->rule->body;
    if (body[0] == '\0')
        return;
    oa_open(w, "requestBody", '{');
    oa_string(w, "description",
              op->rule->form_body
                  ? "JSON, or application/x-www-form-urlencoded as OAuth 2.0 sends it (names the request does not have "
                    "are ignored; none may repeat). Fields may also be given as query parameters."
                  : "Every field is optional to the decoder (proto3); the JSON or the proto name of a field is "
                    "accepted. Fields may also be given as query parameters.");
    oa_open(w, "content", '{');
    const char *types[] = {"application/json", "application/x-www-form-urlencoded"};
    for (size_t t = 0; t < (op->rule->form_body ? 2u : 1u); t++) {
        oa_open(w, types[t], '{');
        char name[300];
        if (strcmp(body, "*") != 0) {
            const Google__Protobuf__FieldDescriptorProto *field =
                plugin_find_field(op->request->message, body, strlen(body));
            oa_component_name(oa_find_type(c, field->type_name), OA_REQUEST, name, sizeof(name));
            oa_ref(w, "schema", "schemas", name);
        } else if (op->capture_count > 0) {
            const char *excluded[MAX_CAPTURES];
            for (size_t i = 0; i < op->capture_count; i++)
                excluded[i] = op->captures[i];
            oa_object_schema(c, w, "schema", op->request, OA_REQUEST, excluded, op->capture_count);
        } else {
            oa_component_name(op->request, OA_REQUEST, name, sizeof(name));
            oa_ref(w, "schema", "schemas", name);
        }
        oa_close(w, '}');
    }
    oa_close(w, '}');
    oa_close(w, '}');
}

static void emit_responses(oa_writer_t *w, const oa_op_t *op)
{
    oa_open(w, "responses", '{');
    char status[16];
    snprintf(status, sizeof(status), "%d", op->rule->success_status != 0 ? op->rule->success_status : 200);
    oa_open(w, status, '{');
    int empty = op->response->message->n_field == 0;
    /* json_encode.c is not asked to write a message without fields: the answer is an empty body (exchange.c). */
    oa_string(w, "description", empty ? "Success; the body is empty." : "Success.");
    if (op->rule->max_age_seconds > 0) {
        char value[64];
        snprintf(value, sizeof(value), "public, max-age=%d", op->rule->max_age_seconds);
        oa_open(w, "headers", '{');
        oa_open(w, "Cache-Control", '{');
        oa_string(w, "description", "How long the answer may be cached.");
        oa_open(w, "schema", '{');
        oa_string(w, "type", "string");
        oa_string(w, "const", value);
        oa_close(w, '}');
        oa_close(w, '}');
        oa_close(w, '}');
    }
    if (!empty) {
        char name[300];
        oa_component_name(op->response, OA_RESPONSE, name, sizeof(name));
        oa_open(w, "content", '{');
        oa_open(w, "application/json", '{');
        oa_ref(w, "schema", "schemas", name);
        oa_close(w, '}');
        oa_close(w, '}');
    }
    oa_close(w, '}');
    if (strcmp(op->rule->error_style, "oauth2") == 0) {
        /* Limits checked before the method runs (src/rest/handler.c, error_filter.c) answer in the standard shape. */
        oa_ref(w, "413", "responses", "Error");
        oa_ref(w, "414", "responses", "Error");
        oa_ref(w, "431", "responses", "Error");
        oa_ref(w, "4XX", "responses", "OAuth2Error");
        oa_ref(w, "5XX", "responses", "OAuth2Error");
    } else {
        oa_ref(w, "4XX", "responses", "Error");
        oa_ref(w, "5XX", "responses", "Error");
    }
    oa_close(w, '}');
}

static void emit_security(oa_writer_t *w, const oa_op_t *op)
{
    oa_open(w, "security", '[');
    if (op->policy == NULL || !op->policy->public_) {
        oa_open(w, NULL, '{');
        oa_open(w, "bearerAuth", '[');
        oa_close(w, ']');
        oa_close(w, '}');
    } else if (strcmp(op->rule->error_style, "oauth2") == 0) {
        /* Public to the policy, but the OAuth handlers may authenticate a client (or take an admin's token). */
        oa_open(w, NULL, '{');
        oa_close(w, '}');
        const char *schemes[] = {"clientBasic", "bearerAuth"};
        for (size_t i = 0; i < 2; i++) {
            oa_open(w, NULL, '{');
            oa_open(w, schemes[i], '[');
            oa_close(w, ']');
            oa_close(w, '}');
        }
    }
    oa_close(w, ']');
}

static void emit_operation(oa_context_t *c, oa_writer_t *w, const oa_op_t *op)
{
    oa_open(w, op->verb, '{');
    char text[3072];
    snprintf(text, sizeof(text), "%s_%s", op->service->name, op->method->name);
    if (op->binding > 0)
        snprintf(text + strlen(text), sizeof(text) - strlen(text), "_%zu", op->binding + 1);
    oa_string(w, "operationId", text);
    snprintf(text, sizeof(text), "%s.%s", op->service->name, op->method->name);
    oa_string(w, "summary", text);
    char comment[2048];
    oa_comment(op->file, op->method_path, 4, comment, sizeof(comment));
    const char *role = op->policy != NULL ? op->policy->required_role : "";
    char requirement[512] = "";
    /* options.proto: "admin" and "issuer" name the configured lists admin_roles and issuer_roles. */
    if (strcmp(role, "admin") == 0 || strcmp(role, "issuer") == 0)
        snprintf(requirement, sizeof(requirement), "The caller needs a role of the configured `%s_roles`.", role);
    else if (role[0] != '\0')
        snprintf(requirement, sizeof(requirement), "The caller needs the role `%s`.", role);
    snprintf(text, sizeof(text), "%s%s%s", comment, comment[0] != '\0' && requirement[0] != '\0' ? " " : "",
             requirement);
    if (text[0] != '\0')
        oa_string(w, "description", text);
    oa_open(w, "tags", '[');
    oa_string(w, NULL, op->service->name);
    oa_close(w, ']');
    const char *package = op->file->package != NULL ? op->file->package : "";
    snprintf(text, sizeof(text), "/%s%s%s/%s", package, package[0] ? "." : "", op->service->name, op->method->name);
    oa_string(w, "x-grpc-method", text);
    if (role[0] != '\0')
        oa_string(w, "x-required-role", role);
    emit_security(w, op);
    emit_parameters(c, w, op);
    emit_request_body(c, w, op);
    emit_responses(w, op);
    oa_close(w, '}');
}

static void emit_paths(oa_context_t *c, oa_writer_t *w, const oa_ops_t *ops)
{
    oa_open(w, "paths", '{');
    for (size_t i = 0; i < ops->count; i++) {
        int seen = 0;
        for (size_t j = 0; j < i; j++)
            seen |= strcmp(ops->items[j].path, ops->items[i].path) == 0;
        if (seen)
            continue;
        oa_open(w, ops->items[i].path, '{');
        for (size_t j = i; j < ops->count; j++) {
            if (strcmp(ops->items[j].path, ops->items[i].path) == 0)
                emit_operation(c, w, &ops->items[j]);
        }
        oa_close(w, '}');
    }
    oa_close(w, '}');
}

static void emit_tags(oa_writer_t *w, const oa_ops_t *ops)
{
    oa_open(w, "tags", '[');
    for (size_t i = 0; i < ops->count; i++) {
        int seen = 0;
        for (size_t j = 0; j < i; j++)
            seen |= ops->items[j].service == ops->items[i].service;
        if (seen)
            continue;
        oa_open(w, NULL, '{');
        oa_string(w, "name", ops->items[i].service->name);
        const Google__Protobuf__FileDescriptorProto *file = ops->items[i].file;
        for (size_t s = 0; s < file->n_service; s++) {
            if (file->service[s] != ops->items[i].service)
                continue;
            char comment[2048];
            int32_t path[2] = {6, (int32_t)s};
            oa_comment(file, path, 2, comment, sizeof(comment));
            /* Our protos introduce their services in the file's opening comment (the one on `syntax`). */
            int32_t syntax_path[1] = {12};
            if (comment[0] == '\0')
                oa_comment(file, syntax_path, 1, comment, sizeof(comment));
            if (comment[0] != '\0')
                oa_string(w, "description", comment);
        }
        oa_close(w, '}');
    }
    oa_close(w, ']');
}

static void emit_document(oa_context_t *c, oa_writer_t *w, const oa_ops_t *ops)
{
    oa_open(w, NULL, '{');
    oa_string(w, "openapi", "3.1.0");
    oa_open(w, "info", '{');
    oa_string(w, "title", "sts");
    oa_string(w, "version", "v1");
    oa_string(w, "description",
              "The REST surface of sts, a token service: temporary S3 credentials (the Cray STS contract), API access "
              "tokens (the Qumulo contract), logins (the EFA/XCO contract), OAuth 2.0 and the admin API. Generated "
              "by protoc-gen-sts from proto/sts/v1/*.proto: every HTTP binding of every RPC is one operation, named "
              "by its gRPC method in x-grpc-method. The REST adapter also answers GET /metrics (Prometheus text "
              "format) and GET /openapi.json (this document) by itself, outside the method table; neither needs "
              "credentials.");
    oa_close(w, '}');
    /* Relative: clients resolve it against where they fetched the document, the server itself. */
    oa_open(w, "servers", '[');
    oa_open(w, NULL, '{');
    oa_string(w, "url", "/");
    oa_close(w, '}');
    oa_close(w, ']');
    emit_tags(w, ops);
    emit_paths(c, w, ops);
    oa_emit_components(c, w);
    oa_close(w, '}');
}

int plugin_openapi_generate(const Google__Protobuf__Compiler__CodeGeneratorRequest *request, const char *base,
                            plugin_output_t *output)
{
    oa_context_t c = {.request = request, .output = output};
    oa_ops_t ops = {0};
    oa_collect_types(&c);
    int rc = collect_ops(&c, &ops);
    if (rc == 0) {
        mark_ops(&c, &ops);
        oa_writer_t w = {.out = &output->document};
        emit_document(&c, &w, &ops);
        snprintf(output->document_name, sizeof(output->document_name), "openapi.json");
        plugin_printf(&output->header,
                      "/* Generated by protoc-gen-sts (openapi=%s). DO NOT EDIT. */\n"
                      "#ifndef STS_GEN_OPENAPI_H\n#define STS_GEN_OPENAPI_H\n\n#include <stddef.h>\n\n"
                      "/** The OpenAPI 3.1 document of the REST surface (gen/openapi.json), NUL-terminated. */\n"
                      "extern const char sts_gen_openapi_json[];\n\n"
                      "/** Its length in bytes, without the NUL. */\n"
                      "extern const size_t sts_gen_openapi_json_len;\n\n#endif\n",
                      base);
        plugin_printf(&output->source, "/* Generated by protoc-gen-sts (openapi=%s) from", base);
        for (size_t i = 0; i < request->n_file_to_generate; i++)
            plugin_printf(&output->source, " %s", request->file_to_generate[i]);
        plugin_printf(&output->source, ". DO NOT EDIT. */\n");
        char header_name[160];
        snprintf(header_name, sizeof(header_name), "%s.h", base);
        oa_emit_c_string(&output->source, header_name, "sts_gen_openapi_json", &output->document);
    }
    for (size_t i = 0; i < ops.owned_count; i++)
        protobuf_c_message_free_unpacked(ops.owned[i], NULL);
    free(ops.owned);
    free(ops.items);
    free(c.types);
    return rc;
}
