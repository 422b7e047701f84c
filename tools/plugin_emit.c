/* The method table generator: walks the descriptors protoc hands over and prints C tables. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plugin.h"
#include "sts/v1/options.pb-c.h"
#include "util/log.h"

enum { HTTP_OPTION = 50001, POLICY_OPTION = 50002 };

static int is_generated(const plugin_context_t *ctx, const char *file_name)
{
    for (size_t i = 0; i < ctx->request->n_file_to_generate; i++) {
        if (strcmp(ctx->request->file_to_generate[i], file_name) == 0)
            return 1;
    }
    return 0;
}

static void add_messages(plugin_context_t *ctx, const char *full_prefix, const char *symbol_prefix, size_t count,
                         Google__Protobuf__DescriptorProto **protos, int generate)
{
    for (size_t i = 0; i < count; i++) {
        const Google__Protobuf__DescriptorProto *proto = protos[i];
        if (ctx->message_count == ctx->message_capacity) {
            ctx->message_capacity = ctx->message_capacity == 0 ? 64 : ctx->message_capacity * 2;
            ctx->messages = realloc(ctx->messages, ctx->message_capacity * sizeof(plugin_message_t));
            if (ctx->messages == NULL)
                sts_log_fatal("out of memory");
        }
        plugin_message_t *entry = &ctx->messages[ctx->message_count++];
        char lower[256];
        plugin_camel_to_lower(proto->name, lower, sizeof(lower));
        snprintf(entry->full_name, sizeof(entry->full_name), "%s.%s", full_prefix, proto->name);
        snprintf(entry->symbol, sizeof(entry->symbol), "%s%s%s", symbol_prefix, symbol_prefix[0] ? "__" : "", lower);
        entry->proto = proto;
        entry->generate = generate && !(proto->options != NULL && proto->options->map_entry);
        char full[512], symbol[512];
        snprintf(full, sizeof(full), "%s", entry->full_name);
        snprintf(symbol, sizeof(symbol), "%s", entry->symbol);
        add_messages(ctx, full, symbol, proto->n_nested_type, proto->nested_type, generate);
    }
}

static void collect_messages(plugin_context_t *ctx)
{
    for (size_t f = 0; f < ctx->request->n_proto_file; f++) {
        const Google__Protobuf__FileDescriptorProto *file = ctx->request->proto_file[f];
        char full[256], symbol[256];
        const char *package = file->package != NULL ? file->package : "";
        snprintf(full, sizeof(full), "%s%s", package[0] ? "." : "", package);
        size_t o = 0;
        for (const char *p = package; *p != '\0' && o + 3 < sizeof(symbol); p++) {
            if (*p == '.') {
                symbol[o++] = '_';
                symbol[o++] = '_';
            } else {
                symbol[o++] = (*p >= 'A' && *p <= 'Z') ? (char)(*p - 'A' + 'a') : *p;
            }
        }
        symbol[o] = '\0';
        add_messages(ctx, full, symbol, file->n_message_type, file->message_type, is_generated(ctx, file->name));
    }
}

const plugin_message_t *plugin_find_message(const plugin_context_t *ctx, const char *full_name)
{
    for (size_t i = 0; i < ctx->message_count; i++) {
        if (strcmp(ctx->messages[i].full_name, full_name) == 0)
            return &ctx->messages[i];
    }
    return NULL;
}

const Google__Protobuf__FieldDescriptorProto *plugin_find_field(const Google__Protobuf__DescriptorProto *message,
                                                                const char *name, size_t len)
{
    for (size_t i = 0; i < message->n_field; i++) {
        if (strlen(message->field[i]->name) == len && strncmp(message->field[i]->name, name, len) == 0)
            return message->field[i];
    }
    return NULL;
}

int plugin_fail(plugin_context_t *ctx, const char *where, const char *fmt, const char *detail)
{
    char message[512];
    snprintf(message, sizeof(message), fmt, detail);
    snprintf(ctx->output->error, sizeof(ctx->output->error), "%s: %s", where, message);
    return -1;
}

static int safe_literal(const char *text)
{
    for (const char *p = text; *p != '\0'; p++) {
        if (*p == '"' || *p == '\\' || (unsigned char)*p < 0x20 || (unsigned char)*p >= 0x7f)
            return 0;
    }
    return 1;
}

static int check_template(plugin_context_t *ctx, const char *where, const char *template,
                          const Google__Protobuf__DescriptorProto *request)
{
    if (template[0] != '/' || !safe_literal(template))
        return plugin_fail(ctx, where, "path template '%s' must start with '/' and be printable ASCII", template);
    for (const char *p = template; *p != '\0'; p++) {
        if (*p == '}')
            return plugin_fail(ctx, where, "path template '%s' has an unbalanced '}'", template);
        if (*p != '{')
            continue;
        const char *close = strchr(p, '}');
        if (close == NULL || p[-1] != '/' || (close[1] != '/' && close[1] != '\0'))
            return plugin_fail(ctx, where, "path template '%s' has a '{' that does not span a whole segment", template);
        if (close == p + 1)
            return plugin_fail(ctx, where, "path template '%s' has an empty capture", template);
        if (plugin_find_field(request, p + 1, (size_t)(close - p - 1)) == NULL)
            return plugin_fail(ctx, where, "path template '%s' captures a field the request message does not have",
                               template);
        p = close;
    }
    return 0;
}

static int check_body(plugin_context_t *ctx, const char *where, const char *body,
                      const Google__Protobuf__DescriptorProto *request)
{
    if (body[0] == '\0' || strcmp(body, "*") == 0)
        return 0;
    const Google__Protobuf__FieldDescriptorProto *field = plugin_find_field(request, body, strlen(body));
    if (field == NULL || field->type != GOOGLE__PROTOBUF__FIELD_DESCRIPTOR_PROTO__TYPE__TYPE_MESSAGE ||
        field->label == GOOGLE__PROTOBUF__FIELD_DESCRIPTOR_PROTO__LABEL__LABEL_REPEATED)
        return plugin_fail(ctx, where, "body '%s' must be \"\", \"*\" or a singular message field of the request",
                           body);
    return 0;
}

static const char *rule_verb(const Sts__V1__HttpRule *rule, const char **path)
{
    switch (rule->pattern_case) {
    case STS__V1__HTTP_RULE__PATTERN_GET:
        *path = rule->get;
        return "STS_HTTP_GET";
    case STS__V1__HTTP_RULE__PATTERN_PUT:
        *path = rule->put;
        return "STS_HTTP_PUT";
    case STS__V1__HTTP_RULE__PATTERN_POST:
        *path = rule->post;
        return "STS_HTTP_POST";
    case STS__V1__HTTP_RULE__PATTERN_DELETE:
        *path = rule->delete_;
        return "STS_HTTP_DELETE";
    case STS__V1__HTTP_RULE__PATTERN_PATCH:
        *path = rule->patch;
        return "STS_HTTP_PATCH";
    default:
        return NULL;
    }
}

static int emit_binding(plugin_context_t *ctx, const char *where, const Sts__V1__HttpRule *rule,
                        const plugin_message_t *request, const plugin_message_t *response)
{
    const char *path = NULL;
    const char *verb = rule_verb(rule, &path);
    if (verb == NULL)
        return plugin_fail(ctx, where, "%san HTTP binding has no verb (get, put, post, delete or patch)", "");
    if (check_template(ctx, where, path, request->proto) != 0 || check_body(ctx, where, rule->body, request->proto))
        return -1;
    if (rule->response_body[0] != '\0' &&
        plugin_find_field(response->proto, rule->response_body, strlen(rule->response_body)) == NULL)
        return plugin_fail(ctx, where, "response_body '%s' is not a field of the response", rule->response_body);
    int oauth2 = strcmp(rule->error_style, "oauth2") == 0;
    if (!oauth2 && rule->error_style[0] != '\0')
        return plugin_fail(ctx, where, "error_style '%s' is not \"\" or \"oauth2\"", rule->error_style);
    if (rule->form_body && strcmp(rule->body, "*") != 0)
        return plugin_fail(ctx, where, "%sform_body needs body: \"*\"", "");
    if (rule->max_age_seconds < 0)
        return plugin_fail(ctx, where, "%smax_age_seconds is negative", "");
    plugin_printf(&ctx->output->source, "    {%s, \"%s\", \"%s\", \"%s\", %d, %d, %s, %d},\n", verb, path, rule->body,
                  rule->response_body, rule->success_status != 0 ? rule->success_status : 200, rule->form_body ? 1 : 0,
                  oauth2 ? "STS_ERROR_STYLE_OAUTH2" : "STS_ERROR_STYLE_STANDARD", rule->max_age_seconds);
    return 0;
}

typedef struct {
    char handler[320];
    char where[256];
    const plugin_message_t *request;
    const plugin_message_t *response;
    Sts__V1__HttpRule *http;
    Sts__V1__MethodPolicy *own_policy;   /* the method's own option, freed here */
    const Sts__V1__MethodPolicy *policy; /* own_policy, or the one a foreign_method option set */
} method_info_t;

/* Finds the method's policy: its own option, or a foreign_method override; never both. */
static int resolve_policy(plugin_context_t *ctx, const Google__Protobuf__FileDescriptorProto *file,
                          const Google__Protobuf__ServiceDescriptorProto *service,
                          const Google__Protobuf__MethodDescriptorProto *method, method_info_t *info)
{
    const ProtobufCMessage *options = method->options != NULL ? &method->options->base : NULL;
    info->own_policy = (Sts__V1__MethodPolicy *)plugin_option_message(options, POLICY_OPTION,
                                                                      &sts__v1__method_policy__descriptor, NULL);
    const char *package = file->package != NULL ? file->package : "";
    char full_name[400];
    snprintf(full_name, sizeof(full_name), "%s%s%s/%s", package, package[0] ? "." : "", service->name, method->name);
    const char *origin = NULL;
    const Sts__V1__MethodPolicy *foreign = plugin_overrides_take(ctx->overrides, full_name, &origin);
    info->policy = info->own_policy != NULL ? info->own_policy : foreign;
    if (foreign != NULL && info->own_policy != NULL)
        return plugin_fail(ctx, info->where, "has its own policy, and foreign_method in %s sets another; keep one",
                           origin);
    return 0;
}

/* The row's STS_METHOD_* flags: the policy's, and the proto's streaming kinds. */
static void method_flags(const Sts__V1__MethodPolicy *policy, const Google__Protobuf__MethodDescriptorProto *method,
                         char *flags, size_t size)
{
    const char *names[] = {policy != NULL && policy->blocking ? "STS_METHOD_BLOCKING" : NULL,
                           policy != NULL && policy->public_ ? "STS_METHOD_PUBLIC" : NULL,
                           policy != NULL && policy->issuer_bound ? "STS_METHOD_ISSUER_BOUND" : NULL,
                           policy != NULL && policy->hashes_passwords ? "STS_METHOD_HASHES_PASSWORDS" : NULL,
                           method->client_streaming ? "STS_METHOD_CLIENT_STREAMING" : NULL,
                           method->server_streaming ? "STS_METHOD_SERVER_STREAMING" : NULL,
                           policy != NULL && policy->adapter_served ? "STS_METHOD_ADAPTER_SERVED" : NULL};
    size_t used = 0;
    flags[0] = '\0';
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        if (names[i] != NULL && used < size)
            used += (size_t)snprintf(flags + used, size - used, "%s%s", used > 0 ? " | " : "", names[i]);
    }
    if (used == 0)
        snprintf(flags, size, "0");
}

/* Streaming rows are gRPC-only and event-driven: no HTTP binding, never on a worker pool. */
static int check_streaming(plugin_context_t *ctx, const method_info_t *info,
                           const Google__Protobuf__MethodDescriptorProto *method)
{
    int streaming = method->client_streaming || method->server_streaming;
    const Sts__V1__MethodPolicy *policy = info->policy;
    if (!streaming) {
        if (policy != NULL && policy->adapter_served)
            return plugin_fail(ctx, info->where, "%sadapter_served is for streaming methods only", "");
        return 0;
    }
    if (info->http != NULL)
        return plugin_fail(ctx, info->where, "%sis streaming: REST cannot serve it, so it takes no HTTP binding", "");
    if (policy != NULL && (policy->blocking || policy->issuer_bound || policy->hashes_passwords))
        return plugin_fail(ctx, info->where, "%sis streaming: stream handlers run on events and cannot be blocking",
                           "");
    return 0;
}

static int emit_method(plugin_context_t *ctx, const Google__Protobuf__FileDescriptorProto *file,
                       const Google__Protobuf__ServiceDescriptorProto *service,
                       const Google__Protobuf__MethodDescriptorProto *method, sts_buf_t *rows)
{
    method_info_t info = {0};
    char service_lower[128], method_lower[128];
    plugin_camel_to_lower(service->name, service_lower, sizeof(service_lower));
    plugin_camel_to_lower(method->name, method_lower, sizeof(method_lower));
    snprintf(info.handler, sizeof(info.handler), "sts_handle_%s_%s", service_lower, method_lower);
    snprintf(info.where, sizeof(info.where), "%s: %s.%s", file->name, service->name, method->name);
    info.request = plugin_find_message(ctx, method->input_type);
    info.response = plugin_find_message(ctx, method->output_type);
    if (info.request == NULL || info.response == NULL)
        return plugin_fail(ctx, info.where, "%sunknown request or response type", "");
    info.http = (Sts__V1__HttpRule *)plugin_option_message(method->options != NULL ? &method->options->base : NULL,
                                                           HTTP_OPTION, &sts__v1__http_rule__descriptor, NULL);
    int rc = resolve_policy(ctx, file, service, method, &info);
    if (rc == 0) {
        unsigned char *visited = calloc(ctx->message_count, 1);
        if (visited == NULL)
            sts_log_fatal("out of memory");
        rc = plugin_check_page_cursors(ctx, info.where, info.response, info.request, visited);
        free(visited);
    }
    size_t binding_count = 0;
    if (rc == 0 && info.http != NULL) {
        plugin_printf(&ctx->output->source, "static const sts_http_binding_t http_%s_%s[] = {\n", service_lower,
                      method_lower);
        rc = emit_binding(ctx, info.where, info.http, info.request, info.response);
        for (size_t i = 0; rc == 0 && i < info.http->n_additional_bindings; i++)
            rc = emit_binding(ctx, info.where, info.http->additional_bindings[i], info.request, info.response);
        binding_count = 1 + info.http->n_additional_bindings;
        plugin_printf(&ctx->output->source, "};\n\n");
    }
    const char *role = info.policy != NULL ? info.policy->required_role : "";
    if (rc == 0 && !safe_literal(role))
        rc = plugin_fail(ctx, info.where, "required_role '%s' must be printable ASCII", role);
    if (rc == 0)
        rc = check_streaming(ctx, &info, method);
    if (rc == 0) {
        char http_name[400] = "NULL";
        if (binding_count > 0)
            snprintf(http_name, sizeof(http_name), "http_%s_%s", service_lower, method_lower);
        char flags[256];
        method_flags(info.policy, method, flags, sizeof(flags));
        char role_literal[300] = "NULL";
        if (role[0] != '\0')
            snprintf(role_literal, sizeof(role_literal), "\"%s\"", role);
        /* A streaming row runs a stream handler (core/stream.h), named like the unary ones with sts_stream_. */
        int streaming = method->client_streaming || method->server_streaming;
        int adapter_served = info.policy != NULL && info.policy->adapter_served;
        char stream_name[400] = "NULL", handler_name[400] = "NULL";
        if (streaming && !adapter_served)
            snprintf(stream_name, sizeof(stream_name), "&sts_stream_%s_%s", service_lower, method_lower);
        if (!streaming)
            snprintf(handler_name, sizeof(handler_name), "%s", info.handler);
        const char *package = file->package != NULL ? file->package : "";
        plugin_printf(rows,
                      "    {\"/%s%s%s/%s\", \"%s%s%s\", \"%s\",\n"
                      "     &%s__descriptor, &%s__descriptor,\n"
                      "     %s, %s, %zu, %s, %s, %s},\n",
                      package, package[0] ? "." : "", service->name, method->name, package, package[0] ? "." : "",
                      service->name, method->name, info.request->symbol, info.response->symbol, handler_name, http_name,
                      binding_count, flags, role_literal, stream_name);
        if (!streaming)
            plugin_printf(&ctx->output->header,
                          "sts_status_t %s(sts_call_t *call, const ProtobufCMessage *request, ProtobufCMessage "
                          "*response);\n",
                          info.handler);
        else if (!adapter_served)
            plugin_printf(&ctx->output->header, "extern const sts_stream_handler_t %s;\n", stream_name + 1);
    }
    if (info.http != NULL)
        protobuf_c_message_free_unpacked(&info.http->base, NULL);
    if (info.own_policy != NULL)
        protobuf_c_message_free_unpacked(&info.own_policy->base, NULL);
    return rc;
}

static void emit_prologue(plugin_context_t *ctx, const char *out)
{
    sts_buf_t *header = &ctx->output->header;
    plugin_printf(header, "/* Generated by protoc-gen-sts from");
    plugin_printf(&ctx->output->source, "/* Generated by protoc-gen-sts from");
    for (size_t i = 0; i < ctx->request->n_file_to_generate; i++) {
        plugin_printf(header, " %s", ctx->request->file_to_generate[i]);
        plugin_printf(&ctx->output->source, " %s", ctx->request->file_to_generate[i]);
    }
    plugin_printf(header, ". DO NOT EDIT. */\n");
    plugin_printf(&ctx->output->source, ". DO NOT EDIT. */\n#include \"%s.h\"\n\n", out);
    char guard[160];
    size_t o = 0;
    for (const char *p = out; *p != '\0' && o + 1 < sizeof(guard); p++)
        guard[o++] = (*p >= 'a' && *p <= 'z') ? (char)(*p - 'a' + 'A') : ((*p >= 'A' && *p <= 'Z') ? *p : '_');
    guard[o] = '\0';
    plugin_printf(header, "#ifndef STS_GEN_%s_H\n#define STS_GEN_%s_H\n\n#include \"core/method.h\"\n", guard, guard);
    for (size_t i = 0; i < ctx->request->n_file_to_generate; i++) {
        const char *name = ctx->request->file_to_generate[i];
        size_t len = strlen(name);
        if (len > 6 && strcmp(name + len - 6, ".proto") == 0)
            len -= 6;
        plugin_printf(header, "#include \"%.*s.pb-c.h\"\n", (int)len, name);
    }
}

int plugin_generate(const Google__Protobuf__Compiler__CodeGeneratorRequest *request, const char *table, const char *out,
                    plugin_output_t *output)
{
    plugin_context_t ctx = {.request = request, .output = output};
    if (plugin_overrides_collect(request, &ctx.overrides, output->error, sizeof(output->error)) != 0) {
        plugin_overrides_free(ctx.overrides);
        return -1;
    }
    collect_messages(&ctx);
    emit_prologue(&ctx, out);
    plugin_printf(&output->header, "\n/** Every RPC of the files above, with HTTP bindings and JSON names. */\n");
    plugin_printf(&output->header, "extern const sts_method_table_t %s;\n\n", table);
    sts_buf_t rows, entries;
    sts_buf_init(&rows, 16 * 1024 * 1024);
    sts_buf_init(&entries, 16 * 1024 * 1024);
    int rc = 0;
    size_t method_count = 0;
    for (size_t f = 0; rc == 0 && f < request->n_proto_file; f++) {
        const Google__Protobuf__FileDescriptorProto *file = request->proto_file[f];
        if (!is_generated(&ctx, file->name))
            continue;
        for (size_t s = 0; rc == 0 && s < file->n_service; s++) {
            const Google__Protobuf__ServiceDescriptorProto *service = file->service[s];
            for (size_t m = 0; rc == 0 && m < service->n_method; m++) {
                const Google__Protobuf__MethodDescriptorProto *method = service->method[m];
                rc = emit_method(&ctx, file, service, method, &rows);
                method_count++;
            }
        }
    }
    if (rc == 0)
        rc = plugin_overrides_check_applied(ctx.overrides, output->error, sizeof(output->error));
    size_t message_count = 0;
    if (rc == 0)
        rc = plugin_emit_json_names(&ctx, &entries, &message_count);
    if (rc == 0)
        rc = plugin_emit_descriptors(request, table, out, output);
    if (rc == 0) {
        sts_buf_append(&rows, "", 1);
        sts_buf_append(&entries, "", 1);
        plugin_printf(&output->source, "\nstatic const sts_method_t methods[] = {\n%s};\n\n",
                      method_count > 0 ? rows.data : "    {0}\n");
        plugin_printf(&output->source, "static const sts_json_message_t messages[] = {\n%s};\n\n",
                      message_count > 0 ? entries.data : "    {0}\n");
        plugin_printf(&output->source, "const sts_method_table_t %s = {methods, %zu, messages, %zu, %s_files, %zu};\n",
                      table, method_count, message_count, table, request->n_proto_file);
        plugin_printf(&output->header, "\n#endif\n");
    }
    sts_buf_dispose(&rows);
    sts_buf_dispose(&entries);
    plugin_overrides_free(ctx.overrides);
    free(ctx.messages);
    return rc;
}
