/* The message half of the table: JSON names and field annotations (page cursors), and their checks. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plugin.h"
#include "util/log.h"

enum { PAGE_CURSOR_OPTION = 50004 };

/* A cursor is only usable if the request of every method whose response carries it has the field it names. */
int plugin_check_page_cursors(plugin_context_t *ctx, const char *where, const plugin_message_t *message,
                              const plugin_message_t *request, unsigned char *visited)
{
    size_t index = (size_t)(message - ctx->messages);
    if (visited[index])
        return 0;
    visited[index] = 1;
    for (size_t i = 0; i < message->proto->n_field; i++) {
        const Google__Protobuf__FieldDescriptorProto *field = message->proto->field[i];
        char target[128];
        if (plugin_option_string(field->options != NULL ? &field->options->base : NULL, PAGE_CURSOR_OPTION, target,
                                 sizeof(target)) == 1) {
            const Google__Protobuf__FieldDescriptorProto *taker =
                plugin_find_field(request->proto, target, strlen(target));
            if (taker == NULL || taker->type != GOOGLE__PROTOBUF__FIELD_DESCRIPTOR_PROTO__TYPE__TYPE_STRING ||
                taker->label == GOOGLE__PROTOBUF__FIELD_DESCRIPTOR_PROTO__LABEL__LABEL_REPEATED)
                return plugin_fail(ctx, where, "page_cursor_for '%s' names no singular string field of the request",
                                   target);
        }
        if (field->type == GOOGLE__PROTOBUF__FIELD_DESCRIPTOR_PROTO__TYPE__TYPE_MESSAGE) {
            const plugin_message_t *nested = plugin_find_message(ctx, field->type_name);
            if (nested != NULL && plugin_check_page_cursors(ctx, where, nested, request, visited) != 0)
                return -1;
        }
    }
    return 0;
}

static int by_number(const void *a, const void *b)
{
    const Google__Protobuf__FieldDescriptorProto *x = *(Google__Protobuf__FieldDescriptorProto *const *)a;
    const Google__Protobuf__FieldDescriptorProto *y = *(Google__Protobuf__FieldDescriptorProto *const *)b;
    return (x->number > y->number) - (x->number < y->number);
}

/* A page cursor is a singular string named after a request field; checked once per message, wherever it is used. */
static int check_cursor_field(plugin_context_t *ctx, const plugin_message_t *entry,
                              const Google__Protobuf__FieldDescriptorProto *field, char *target, size_t target_size)
{
    int found = plugin_option_string(field->options != NULL ? &field->options->base : NULL, PAGE_CURSOR_OPTION, target,
                                     target_size);
    char where[600];
    snprintf(where, sizeof(where), "%s.%s", entry->full_name + 1, field->name);
    if (found < 0)
        return plugin_fail(ctx, where, "%spage_cursor_for is too long or holds a NUL", "");
    if (found == 0)
        return 0;
    int identifier =
        (target[0] >= 'a' && target[0] <= 'z') || (target[0] >= 'A' && target[0] <= 'Z') || target[0] == '_';
    for (const char *p = target; identifier && *p != '\0'; p++)
        identifier = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || *p == '_';
    if (!identifier)
        return plugin_fail(ctx, where, "page_cursor_for '%s' must be the proto name of a request field", target);
    if (field->type != GOOGLE__PROTOBUF__FIELD_DESCRIPTOR_PROTO__TYPE__TYPE_STRING ||
        field->label == GOOGLE__PROTOBUF__FIELD_DESCRIPTOR_PROTO__LABEL__LABEL_REPEATED)
        return plugin_fail(ctx, where, "%shas page_cursor_for but is not a singular string", "");
    return 1;
}

/* The field annotations of one message, parallel to its number-sorted fields; "" when none has one. */
static int emit_annotations(plugin_context_t *ctx, const plugin_message_t *entry,
                            Google__Protobuf__FieldDescriptorProto **fields, char *name, size_t name_size)
{
    sts_buf_t list;
    sts_buf_init(&list, 1024 * 1024);
    int annotated = 0;
    for (size_t i = 0; i < entry->proto->n_field; i++) {
        char target[128];
        int found = check_cursor_field(ctx, entry, fields[i], target, sizeof(target));
        if (found < 0) {
            sts_buf_dispose(&list);
            return -1;
        }
        annotated |= found;
        if (found)
            plugin_printf(&list, "%s{\"%s\"}", i == 0 ? "" : ", ", target);
        else
            plugin_printf(&list, "%s{NULL}", i == 0 ? "" : ", ");
    }
    name[0] = '\0';
    if (annotated) {
        sts_buf_append(&list, "", 1);
        snprintf(name, name_size, "annotations_%s", entry->symbol);
        plugin_printf(&ctx->output->source, "static const sts_field_annotation_t %s[] = {%s};\n", name, list.data);
    }
    sts_buf_dispose(&list);
    return 0;
}

/*
 * protobuf-c orders descriptor->fields by field number, so the names and annotations must follow that order.
 * Returns 0, or -1 with the error set when a field annotation is malformed.
 */
int plugin_emit_json_names(plugin_context_t *ctx, sts_buf_t *entries, size_t *count)
{
    *count = 0;
    for (size_t m = 0; m < ctx->message_count; m++) {
        const plugin_message_t *entry = &ctx->messages[m];
        if (!entry->generate)
            continue;
        (*count)++;
        if (entry->proto->n_field == 0) {
            plugin_printf(entries, "    {&%s__descriptor, NULL, NULL},\n", entry->symbol);
            continue;
        }
        Google__Protobuf__FieldDescriptorProto **fields = malloc(entry->proto->n_field * sizeof(*fields));
        if (fields == NULL)
            sts_log_fatal("out of memory");
        memcpy(fields, entry->proto->field, entry->proto->n_field * sizeof(*fields));
        qsort(fields, entry->proto->n_field, sizeof(*fields), by_number);
        plugin_printf(&ctx->output->source, "static const char *const json_%s[] = {", entry->symbol);
        for (size_t i = 0; i < entry->proto->n_field; i++)
            plugin_printf(&ctx->output->source, "%s\"%s\"", i == 0 ? "" : ", ", fields[i]->json_name);
        plugin_printf(&ctx->output->source, "};\n");
        char annotations[600];
        int rc = emit_annotations(ctx, entry, fields, annotations, sizeof(annotations));
        free(fields);
        if (rc != 0)
            return -1;
        plugin_printf(entries, "    {&%s__descriptor, json_%s, %s},\n", entry->symbol, entry->symbol,
                      annotations[0] != '\0' ? annotations : "NULL");
    }
    return 0;
}
