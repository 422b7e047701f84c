#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yajl/yajl_gen.h>
#include "rest/json.h"
#include "rest/json_field.h"
#include "util/base64.h"

typedef struct {
    const sts_method_table_t *table;
    sts_arena_t *arena;
    sts_buf_t *out;
    yajl_gen gen;
    int overflow;
    const char *field_name;           /* the field being written, for error messages */
    const sts_json_page_link_t *link; /* NULL: page cursors are written as they are */
} encoder_t;

static void sink(void *ctx, const char *text, size_t len)
{
    encoder_t *e = ctx;
    if (!e->overflow && sts_buf_append(e->out, text, len) != 0)
        e->overflow = 1;
}

static yajl_gen_status encode_message(encoder_t *e, const ProtobufCMessage *msg);

static yajl_gen_status encode_text(encoder_t *e, const char *text)
{
    return yajl_gen_string(e->gen, (const unsigned char *)text, strlen(text));
}

static yajl_gen_status encode_floating(encoder_t *e, double value, int digits)
{
    if (isnan(value))
        return encode_text(e, "NaN");
    if (isinf(value))
        return encode_text(e, value < 0 ? "-Infinity" : "Infinity");
    /* The shortest text that reads back as the same value, so 0.1 stays 0.1. */
    char text[40];
    int n = 0;
    for (int precision = digits - 2; precision <= digits; precision++) {
        n = snprintf(text, sizeof(text), "%.*g", precision, value);
        double back = strtod(text, NULL);
        if (digits < 17 ? (float)back == (float)value : back == value)
            break;
    }
    return yajl_gen_number(e->gen, text, (size_t)n);
}

static yajl_gen_status encode_bytes(encoder_t *e, const ProtobufCBinaryData *bytes)
{
    size_t size = sts_base64_encoded_len(bytes->len, STS_BASE64_STD) + 1;
    char *text = sts_arena_alloc(e->arena, size);
    long n = sts_base64_encode(bytes->data, bytes->len, text, size, STS_BASE64_STD);
    return yajl_gen_string(e->gen, (const unsigned char *)text, (size_t)(n < 0 ? 0 : n));
}

static yajl_gen_status encode_enum(encoder_t *e, const ProtobufCFieldDescriptor *field, int value)
{
    const ProtobufCEnumValue *named = protobuf_c_enum_descriptor_get_value(field->descriptor, value);
    return named != NULL ? encode_text(e, named->name) : yajl_gen_integer(e->gen, value);
}

static yajl_gen_status encode_value(encoder_t *e, const ProtobufCFieldDescriptor *field, const void *slot)
{
    char text[24];
    switch (field->type) {
    case PROTOBUF_C_TYPE_INT32:
    case PROTOBUF_C_TYPE_SINT32:
    case PROTOBUF_C_TYPE_SFIXED32:
        return yajl_gen_integer(e->gen, *(const int32_t *)slot);
    case PROTOBUF_C_TYPE_UINT32:
    case PROTOBUF_C_TYPE_FIXED32:
        return yajl_gen_integer(e->gen, *(const uint32_t *)slot);
    case PROTOBUF_C_TYPE_INT64:
    case PROTOBUF_C_TYPE_SINT64:
    case PROTOBUF_C_TYPE_SFIXED64:
        snprintf(text, sizeof(text), "%" PRId64, *(const int64_t *)slot);
        return encode_text(e, text);
    case PROTOBUF_C_TYPE_UINT64:
    case PROTOBUF_C_TYPE_FIXED64:
        snprintf(text, sizeof(text), "%" PRIu64, *(const uint64_t *)slot);
        return encode_text(e, text);
    case PROTOBUF_C_TYPE_FLOAT:
        return encode_floating(e, *(const float *)slot, 9);
    case PROTOBUF_C_TYPE_DOUBLE:
        return encode_floating(e, *(const double *)slot, 17);
    case PROTOBUF_C_TYPE_BOOL:
        return yajl_gen_bool(e->gen, *(const protobuf_c_boolean *)slot != 0);
    case PROTOBUF_C_TYPE_ENUM:
        return encode_enum(e, field, *(const int *)slot);
    case PROTOBUF_C_TYPE_STRING: {
        const char *value = *(const char *const *)slot;
        return encode_text(e, value != NULL ? value : "");
    }
    case PROTOBUF_C_TYPE_BYTES:
        return encode_bytes(e, slot);
    case PROTOBUF_C_TYPE_MESSAGE: {
        const ProtobufCMessage *value = *(const ProtobufCMessage *const *)slot;
        return value != NULL ? encode_message(e, value) : yajl_gen_null(e->gen);
    }
    }
    return yajl_gen_invalid_string;
}

/* False for fields that proto3 JSON leaves out: unset sub-messages, absent optionals, unchosen oneof members. */
static int is_present(const ProtobufCMessage *msg, const ProtobufCFieldDescriptor *field)
{
    const char *base = (const char *)msg;
    if (field->label == PROTOBUF_C_LABEL_REPEATED)
        return 1;
    if (field->flags & PROTOBUF_C_FIELD_FLAG_ONEOF)
        return *(const uint32_t *)(base + field->quantifier_offset) == field->id;
    if (field->type == PROTOBUF_C_TYPE_MESSAGE)
        return *(const void *const *)(base + field->offset) != NULL;
    if (field->label == PROTOBUF_C_LABEL_OPTIONAL && field->type != PROTOBUF_C_TYPE_STRING)
        return *(const protobuf_c_boolean *)(base + field->quantifier_offset) != 0;
    return 1;
}

static yajl_gen_status encode_field(encoder_t *e, const ProtobufCMessage *msg, unsigned index)
{
    const ProtobufCFieldDescriptor *field = &msg->descriptor->fields[index];
    const char *slot = (const char *)msg + field->offset;
    const sts_field_annotation_t *annotations = sts_method_field_annotations(e->table, msg->descriptor);
    if (e->link != NULL && annotations != NULL && annotations[index].page_cursor_for != NULL &&
        field->type == PROTOBUF_C_TYPE_STRING && field->label != PROTOBUF_C_LABEL_REPEATED) {
        const char *cursor = *(const char *const *)slot;
        return encode_text(e, sts__rest_page_link(e->table, e->link, annotations[index].page_cursor_for,
                                                  cursor != NULL ? cursor : "", e->arena));
    }
    if (field->label != PROTOBUF_C_LABEL_REPEATED)
        return encode_value(e, field, slot);
    size_t count = *(const size_t *)((const char *)msg + field->quantifier_offset);
    const char *array = *(const char *const *)slot;
    size_t size = sts__json_element_size(field);
    yajl_gen_status status = yajl_gen_array_open(e->gen);
    for (size_t i = 0; i < count && status == yajl_gen_status_ok; i++)
        status = encode_value(e, field, array + i * size);
    return status == yajl_gen_status_ok ? yajl_gen_array_close(e->gen) : status;
}

static yajl_gen_status encode_message(encoder_t *e, const ProtobufCMessage *msg)
{
    const ProtobufCMessageDescriptor *descriptor = msg->descriptor;
    yajl_gen_status status = yajl_gen_map_open(e->gen);
    for (unsigned i = 0; i < descriptor->n_fields && status == yajl_gen_status_ok; i++) {
        const ProtobufCFieldDescriptor *field = &descriptor->fields[i];
        if (!is_present(msg, field))
            continue;
        e->field_name = sts__json_field_name(e->table, descriptor, i, e->arena);
        status = encode_text(e, e->field_name);
        if (status == yajl_gen_status_ok)
            status = encode_field(e, msg, i);
    }
    return status == yajl_gen_status_ok ? yajl_gen_map_close(e->gen) : status;
}

int sts_json_encode(const sts_method_table_t *table, const ProtobufCMessage *msg, sts_buf_t *out, sts_arena_t *arena,
                    const char **error)
{
    return sts_json_encode_response(table, msg, NULL, out, arena, error);
}

int sts_json_encode_response(const sts_method_table_t *table, const ProtobufCMessage *msg,
                             const sts_json_page_link_t *link, sts_buf_t *out, sts_arena_t *arena, const char **error)
{
    encoder_t e = {.table = table, .arena = arena, .out = out, .link = link};
    e.gen = yajl_gen_alloc(NULL);
    yajl_gen_config(e.gen, yajl_gen_print_callback, sink, &e);
    yajl_gen_config(e.gen, yajl_gen_validate_utf8, 1);
    yajl_gen_status status = encode_message(&e, msg);
    yajl_gen_free(e.gen);
    if (e.overflow) {
        *error = sts_arena_printf(arena, "the JSON is larger than the limit of %zu bytes", out->max);
        return -1;
    }
    if (status != yajl_gen_status_ok) {
        *error = sts_arena_printf(arena, "%s is not valid UTF-8", e.field_name != NULL ? e.field_name : "a string");
        return -1;
    }
    return 0;
}
