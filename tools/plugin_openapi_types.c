/* The OpenAPI emitter's schemas: the messages and enums that REST requests and responses carry, by JSON name. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plugin_openapi.h"
#include "util/log.h"

enum { PAGE_CURSOR_OPTION = 50004 };

enum { MAX_PATH = 16 };

/* a, then sep and b when b is given, into out; names longer than the buffers are refused rather than cut. */
static void join(char *out, size_t size, const char *a, const char *sep, const char *b)
{
    int n = snprintf(out, size, "%s%s%s", a, b != NULL ? sep : "", b != NULL ? b : "");
    if (n < 0 || (size_t)n >= size)
        sts_log_fatal("type name too long for the OpenAPI emitter: %s%s%s", a, sep, b != NULL ? b : "");
}

static oa_type_t *add_type(oa_context_t *c, const Google__Protobuf__FileDescriptorProto *file, const char *full_name,
                           const char *name, const int32_t *path, size_t path_len)
{
    if (c->type_count == c->type_capacity) {
        c->type_capacity = c->type_capacity == 0 ? 64 : c->type_capacity * 2;
        c->types = realloc(c->types, c->type_capacity * sizeof(*c->types));
        if (c->types == NULL)
            sts_log_fatal("out of memory");
    }
    oa_type_t *type = &c->types[c->type_count++];
    memset(type, 0, sizeof(*type));
    type->file = file;
    join(type->full_name, sizeof(type->full_name), full_name, "", NULL);
    join(type->name, sizeof(type->name), name, "", NULL);
    memcpy(type->path, path, path_len * sizeof(*path));
    type->path_len = path_len;
    return type;
}

/* prefix: ".pkg.Outer", name_prefix: "Outer" (component names are relative to the package), path: the location. */
static void add_messages(oa_context_t *c, const Google__Protobuf__FileDescriptorProto *file, const char *prefix,
                         const char *name_prefix, const int32_t *parent, size_t parent_len, size_t count,
                         Google__Protobuf__DescriptorProto **messages)
{
    if (parent_len + 3 > MAX_PATH)
        sts_log_fatal("messages nested too deeply for the OpenAPI emitter");
    for (size_t i = 0; i < count; i++) {
        const Google__Protobuf__DescriptorProto *proto = messages[i];
        char full[sizeof(((oa_type_t *)0)->full_name)], name[sizeof(((oa_type_t *)0)->name)];
        join(full, sizeof(full), prefix, ".", proto->name);
        join(name, sizeof(name), name_prefix, name_prefix[0] ? "." : "", proto->name);
        int32_t path[MAX_PATH];
        memcpy(path, parent, parent_len * sizeof(*path));
        path[parent_len] = (int32_t)i;
        add_type(c, file, full, name, path, parent_len + 1)->message = proto;
        for (size_t e = 0; e < proto->n_enum_type; e++) {
            char enum_full[sizeof(full)], enum_name[sizeof(name)];
            join(enum_full, sizeof(enum_full), full, ".", proto->enum_type[e]->name);
            join(enum_name, sizeof(enum_name), name, ".", proto->enum_type[e]->name);
            path[parent_len + 1] = 4;
            path[parent_len + 2] = (int32_t)e;
            add_type(c, file, enum_full, enum_name, path, parent_len + 3)->enumeration = proto->enum_type[e];
        }
        path[parent_len + 1] = 3;
        add_messages(c, file, full, name, path, parent_len + 2, proto->n_nested_type, proto->nested_type);
    }
}

void oa_collect_types(oa_context_t *c)
{
    for (size_t f = 0; f < c->request->n_proto_file; f++) {
        const Google__Protobuf__FileDescriptorProto *file = c->request->proto_file[f];
        const char *package = file->package != NULL ? file->package : "";
        char prefix[sizeof(((oa_type_t *)0)->full_name)];
        join(prefix, sizeof(prefix), package[0] ? "." : "", "", package);
        int32_t path[1] = {4};
        add_messages(c, file, prefix, "", path, 1, file->n_message_type, file->message_type);
        for (size_t e = 0; e < file->n_enum_type; e++) {
            char full[sizeof(prefix)];
            join(full, sizeof(full), prefix, ".", file->enum_type[e]->name);
            int32_t enum_path[2] = {5, (int32_t)e};
            add_type(c, file, full, file->enum_type[e]->name, enum_path, 2)->enumeration = file->enum_type[e];
        }
    }
}

oa_type_t *oa_find_type(oa_context_t *c, const char *full_name)
{
    for (size_t i = 0; i < c->type_count; i++) {
        if (strcmp(c->types[i].full_name, full_name) == 0)
            return &c->types[i];
    }
    return NULL;
}

void oa_comment(const Google__Protobuf__FileDescriptorProto *file, const int32_t *path, size_t path_len, char *out,
                size_t out_size)
{
    out[0] = '\0';
    if (file->source_code_info == NULL)
        return;
    for (size_t i = 0; i < file->source_code_info->n_location; i++) {
        const Google__Protobuf__SourceCodeInfo__Location *location = file->source_code_info->location[i];
        if (location->n_path != path_len || memcmp(location->path, path, path_len * sizeof(*path)) != 0 ||
            location->leading_comments == NULL)
            continue;
        /* Proto comments are wrapped at the source's width: rejoin them into one paragraph. */
        size_t o = 0;
        int space = 0;
        for (const char *p = location->leading_comments; *p != '\0' && o + 2 < out_size; p++) {
            if (*p == ' ' || *p == '\n' || *p == '\t') {
                space = o > 0;
                continue;
            }
            if (space)
                out[o++] = ' ';
            space = 0;
            out[o++] = *p;
        }
        out[o] = '\0';
        return;
    }
}

/* "Input" names the request form of a message that responses carry too: requests leave every field optional. */
void oa_component_name(const oa_type_t *type, unsigned direction, char *out, size_t out_size)
{
    int split = type->message != NULL && (type->used & OA_REQUEST) && (type->used & OA_RESPONSE);
    snprintf(out, out_size, "%s%s", type->name, split && direction == OA_REQUEST ? "Input" : "");
}

void oa_mark(oa_context_t *c, oa_type_t *type, unsigned direction)
{
    if (type->used & direction)
        return;
    type->used |= direction;
    if (type->message == NULL)
        return;
    for (size_t i = 0; i < type->message->n_field; i++) {
        const Google__Protobuf__FieldDescriptorProto *field = type->message->field[i];
        if (field->type_name == NULL)
            continue;
        oa_type_t *target = oa_find_type(c, field->type_name);
        if (target == NULL)
            sts_log_fatal("field %s refers to unknown type %s", field->name, field->type_name);
        oa_mark(c, target, direction);
    }
}

static void integer64(oa_writer_t *w, unsigned direction, const char *pattern)
{
    if (direction == OA_REQUEST) {
        oa_open(w, "type", '[');
        oa_string(w, NULL, "string");
        oa_string(w, NULL, "integer");
        oa_close(w, ']');
    } else {
        oa_string(w, "type", "string");
    }
    oa_string(w, "pattern", pattern);
}

/* One value of a field, as the REST adapter's JSON encoder writes it (src/rest/json_encode.c). */
static void value_schema(oa_context_t *c, oa_writer_t *w, const Google__Protobuf__FieldDescriptorProto *field,
                         unsigned direction)
{
    switch (field->type) {
    case GOOGLE__PROTOBUF__FIELD_DESCRIPTOR_PROTO__TYPE__TYPE_INT32:
    case GOOGLE__PROTOBUF__FIELD_DESCRIPTOR_PROTO__TYPE__TYPE_SINT32:
    case GOOGLE__PROTOBUF__FIELD_DESCRIPTOR_PROTO__TYPE__TYPE_SFIXED32:
        oa_string(w, "type", "integer");
        oa_string(w, "format", "int32");
        break;
    case GOOGLE__PROTOBUF__FIELD_DESCRIPTOR_PROTO__TYPE__TYPE_UINT32:
    case GOOGLE__PROTOBUF__FIELD_DESCRIPTOR_PROTO__TYPE__TYPE_FIXED32:
        oa_string(w, "type", "integer");
        oa_integer(w, "minimum", 0);
        oa_integer(w, "maximum", 4294967295LL);
        break;
    case GOOGLE__PROTOBUF__FIELD_DESCRIPTOR_PROTO__TYPE__TYPE_INT64:
    case GOOGLE__PROTOBUF__FIELD_DESCRIPTOR_PROTO__TYPE__TYPE_SINT64:
    case GOOGLE__PROTOBUF__FIELD_DESCRIPTOR_PROTO__TYPE__TYPE_SFIXED64:
        /* proto3 JSON: 64-bit integers travel as decimal strings (JavaScript numbers lose precision past 2^53);
         * the decoder takes numbers too. */
        integer64(w, direction, "^-?[0-9]+$");
        oa_string(w, "format", "int64");
        break;
    case GOOGLE__PROTOBUF__FIELD_DESCRIPTOR_PROTO__TYPE__TYPE_UINT64:
    case GOOGLE__PROTOBUF__FIELD_DESCRIPTOR_PROTO__TYPE__TYPE_FIXED64:
        integer64(w, direction, "^[0-9]+$");
        break;
    case GOOGLE__PROTOBUF__FIELD_DESCRIPTOR_PROTO__TYPE__TYPE_FLOAT:
    case GOOGLE__PROTOBUF__FIELD_DESCRIPTOR_PROTO__TYPE__TYPE_DOUBLE:
        /* Non-finite values are the strings proto3 JSON names. */
        oa_open(w, "oneOf", '[');
        oa_open(w, NULL, '{');
        oa_string(w, "type", "number");
        oa_close(w, '}');
        oa_open(w, NULL, '{');
        oa_string(w, "type", "string");
        oa_open(w, "enum", '[');
        oa_string(w, NULL, "NaN");
        oa_string(w, NULL, "Infinity");
        oa_string(w, NULL, "-Infinity");
        oa_close(w, ']');
        oa_close(w, '}');
        oa_close(w, ']');
        break;
    case GOOGLE__PROTOBUF__FIELD_DESCRIPTOR_PROTO__TYPE__TYPE_BOOL:
        oa_string(w, "type", "boolean");
        break;
    case GOOGLE__PROTOBUF__FIELD_DESCRIPTOR_PROTO__TYPE__TYPE_BYTES:
        oa_string(w, "type", "string");
        oa_string(w, "contentEncoding", "base64");
        break;
    case GOOGLE__PROTOBUF__FIELD_DESCRIPTOR_PROTO__TYPE__TYPE_ENUM:
    case GOOGLE__PROTOBUF__FIELD_DESCRIPTOR_PROTO__TYPE__TYPE_MESSAGE: {
        char name[300];
        oa_component_name(oa_find_type(c, field->type_name), direction, name, sizeof(name));
        char target[400];
        snprintf(target, sizeof(target), "#/components/schemas/%s", name);
        oa_string(w, "$ref", target);
        break;
    }
    default:
        oa_string(w, "type", "string");
        break;
    }
}

void oa_field_schema(oa_context_t *c, oa_writer_t *w, const char *key, const oa_type_t *owner, size_t index,
                     unsigned direction)
{
    const Google__Protobuf__FieldDescriptorProto *field = owner->message->field[index];
    char description[2048];
    int32_t path[20];
    memcpy(path, owner->path, owner->path_len * sizeof(*path));
    path[owner->path_len] = 2;
    path[owner->path_len + 1] = (int32_t)index;
    oa_comment(owner->file, path, owner->path_len + 2, description, sizeof(description));
    char cursor[128];
    int is_cursor = plugin_option_string(field->options != NULL ? &field->options->base : NULL, PAGE_CURSOR_OPTION,
                                         cursor, sizeof(cursor)) == 1;
    oa_open(w, key, '{');
    if (is_cursor && direction == OA_RESPONSE) {
        /* The REST adapter turns a page cursor into a link (src/rest/page_link.c). */
        snprintf(description, sizeof(description),
                 "The URI of the next page: this request's path and query with `%s` set to the cursor; empty on the "
                 "last page.",
                 cursor);
        oa_string(w, "type", "string");
        oa_string(w, "format", "uri-reference");
    } else if (field->label == GOOGLE__PROTOBUF__FIELD_DESCRIPTOR_PROTO__LABEL__LABEL_REPEATED) {
        oa_string(w, "type", "array");
        oa_open(w, "items", '{');
        value_schema(c, w, field, direction);
        oa_close(w, '}');
    } else {
        value_schema(c, w, field, direction);
    }
    if (description[0] != '\0')
        oa_string(w, "description", description);
    oa_close(w, '}');
}

/* What json_encode.c always writes: repeated fields (as arrays) and singular scalars outside a oneof. */
static int always_present(const Google__Protobuf__FieldDescriptorProto *field)
{
    if (field->label == GOOGLE__PROTOBUF__FIELD_DESCRIPTOR_PROTO__LABEL__LABEL_REPEATED)
        return 1;
    return !field->has_oneof_index && field->type != GOOGLE__PROTOBUF__FIELD_DESCRIPTOR_PROTO__TYPE__TYPE_MESSAGE;
}

static int is_excluded(const char *name, const char *const *excluded, size_t excluded_count)
{
    for (size_t i = 0; i < excluded_count; i++) {
        if (strcmp(name, excluded[i]) == 0)
            return 1;
    }
    return 0;
}

void oa_object_schema(oa_context_t *c, oa_writer_t *w, const char *key, const oa_type_t *type, unsigned direction,
                      const char *const *excluded, size_t excluded_count)
{
    char description[2048];
    oa_comment(type->file, type->path, type->path_len, description, sizeof(description));
    oa_open(w, key, '{');
    oa_string(w, "type", "object");
    if (description[0] != '\0')
        oa_string(w, "description", description);
    oa_open(w, "properties", '{');
    for (size_t i = 0; i < type->message->n_field; i++) {
        if (!is_excluded(type->message->field[i]->name, excluded, excluded_count))
            oa_field_schema(c, w, type->message->field[i]->json_name, type, i, direction);
    }
    oa_close(w, '}');
    if (direction == OA_RESPONSE) {
        int any = 0;
        for (size_t i = 0; i < type->message->n_field; i++)
            any |= always_present(type->message->field[i]);
        if (any) {
            oa_open(w, "required", '[');
            for (size_t i = 0; i < type->message->n_field; i++) {
                if (always_present(type->message->field[i]))
                    oa_string(w, NULL, type->message->field[i]->json_name);
            }
            oa_close(w, ']');
        }
        oa_bool(w, "additionalProperties", 0);
    }
    oa_close(w, '}');
}

static void enum_schema(oa_writer_t *w, const oa_type_t *type)
{
    char description[2048];
    oa_comment(type->file, type->path, type->path_len, description, sizeof(description));
    oa_open(w, type->name, '{');
    oa_string(w, "type", "string");
    if (description[0] != '\0')
        oa_string(w, "description", description);
    oa_open(w, "enum", '[');
    for (size_t i = 0; i < type->enumeration->n_value; i++)
        oa_string(w, NULL, type->enumeration->value[i]->name);
    oa_close(w, ']');
    oa_close(w, '}');
}

void oa_emit_type_schemas(oa_context_t *c, oa_writer_t *w)
{
    for (size_t i = 0; i < c->type_count; i++) {
        const oa_type_t *type = &c->types[i];
        if (type->used == 0)
            continue;
        if (type->enumeration != NULL) {
            enum_schema(w, type);
            continue;
        }
        char name[300];
        if (type->used & OA_RESPONSE) {
            oa_component_name(type, OA_RESPONSE, name, sizeof(name));
            oa_object_schema(c, w, name, type, OA_RESPONSE, NULL, 0);
        }
        if (type->used & OA_REQUEST) {
            oa_component_name(type, OA_REQUEST, name, sizeof(name));
            oa_object_schema(c, w, name, type, OA_REQUEST, NULL, 0);
        }
    }
}
