#include "rest/json_field.h"
#include <errno.h>
#include <float.h>
#include <inttypes.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "util/base64.h"

/* Longest numeric text worth parsing; anything longer cannot be in range for any field type. */
#define MAX_NUMBER_TEXT 64

static int is_lower_camel_of(const char *proto_name, const char *name, size_t len)
{
    size_t j = 0;
    int upper_next = 0;
    for (const char *p = proto_name; *p != '\0'; p++) {
        if (*p == '_') {
            upper_next = 1;
            continue;
        }
        char c = upper_next && *p >= 'a' && *p <= 'z' ? (char)(*p - 'a' + 'A') : *p;
        upper_next = 0;
        if (j >= len || name[j] != c)
            return 0;
        j++;
    }
    return j == len;
}

const char *sts__json_field_name(const sts_method_table_t *table, const ProtobufCMessageDescriptor *descriptor,
                                 unsigned index, sts_arena_t *arena)
{
    const char *const *names = sts_method_json_names(table, descriptor);
    if (names != NULL)
        return names[index];
    const char *proto_name = descriptor->fields[index].name;
    char *out = sts_arena_alloc(arena, strlen(proto_name) + 1);
    size_t j = 0;
    int upper_next = 0;
    for (const char *p = proto_name; *p != '\0'; p++) {
        if (*p == '_') {
            upper_next = 1;
            continue;
        }
        out[j++] = upper_next && *p >= 'a' && *p <= 'z' ? (char)(*p - 'a' + 'A') : *p;
        upper_next = 0;
    }
    out[j] = '\0';
    return out;
}

const ProtobufCFieldDescriptor *sts__json_find_field(const sts_method_table_t *table,
                                                     const ProtobufCMessageDescriptor *descriptor, const char *name,
                                                     size_t name_len)
{
    const char *const *names = sts_method_json_names(table, descriptor);
    for (unsigned i = 0; i < descriptor->n_fields; i++) {
        const ProtobufCFieldDescriptor *field = &descriptor->fields[i];
        int json_match = names != NULL ? strlen(names[i]) == name_len && memcmp(names[i], name, name_len) == 0
                                       : is_lower_camel_of(field->name, name, name_len);
        if (json_match || (strlen(field->name) == name_len && memcmp(field->name, name, name_len) == 0))
            return field;
    }
    return NULL;
}

size_t sts__json_element_size(const ProtobufCFieldDescriptor *field)
{
    switch (field->type) {
    case PROTOBUF_C_TYPE_INT32:
    case PROTOBUF_C_TYPE_SINT32:
    case PROTOBUF_C_TYPE_SFIXED32:
    case PROTOBUF_C_TYPE_UINT32:
    case PROTOBUF_C_TYPE_FIXED32:
        return sizeof(int32_t);
    case PROTOBUF_C_TYPE_INT64:
    case PROTOBUF_C_TYPE_SINT64:
    case PROTOBUF_C_TYPE_SFIXED64:
    case PROTOBUF_C_TYPE_UINT64:
    case PROTOBUF_C_TYPE_FIXED64:
        return sizeof(int64_t);
    case PROTOBUF_C_TYPE_FLOAT:
        return sizeof(float);
    case PROTOBUF_C_TYPE_DOUBLE:
        return sizeof(double);
    case PROTOBUF_C_TYPE_BOOL:
        return sizeof(protobuf_c_boolean);
    case PROTOBUF_C_TYPE_ENUM:
        return sizeof(int);
    case PROTOBUF_C_TYPE_STRING:
        return sizeof(char *);
    case PROTOBUF_C_TYPE_BYTES:
        return sizeof(ProtobufCBinaryData);
    case PROTOBUF_C_TYPE_MESSAGE:
        return sizeof(ProtobufCMessage *);
    }
    return sizeof(void *);
}

void *sts__json_field_slot(ProtobufCMessage *msg, const ProtobufCFieldDescriptor *field, sts_arena_t *arena,
                           const char **error)
{
    char *base = (char *)msg;
    if (field->label == PROTOBUF_C_LABEL_REPEATED) {
        size_t *count = (size_t *)(base + field->quantifier_offset);
        char **array = (char **)(base + field->offset);
        size_t size = sts__json_element_size(field);
        size_t n = *count;
        /* Capacity is implicit: 4, 8, 16, ... so growth happens exactly when n reaches a power of two. */
        if (n == 0 || (n >= 4 && (n & (n - 1)) == 0)) {
            char *grown = sts_arena_calloc(arena, size * (n == 0 ? 4 : 2 * n));
            if (n > 0)
                memcpy(grown, *array, size * n);
            *array = grown;
        }
        *count = n + 1;
        return *array + size * n;
    }
    if (field->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) {
        uint32_t *chosen = (uint32_t *)(base + field->quantifier_offset);
        if (*chosen != 0 && *chosen != field->id) {
            *error = "is a oneof member, but another member of that oneof is already set";
            return NULL;
        }
        *chosen = field->id;
    } else if (field->label == PROTOBUF_C_LABEL_OPTIONAL && field->type != PROTOBUF_C_TYPE_STRING &&
               field->type != PROTOBUF_C_TYPE_MESSAGE) {
        *(protobuf_c_boolean *)(base + field->quantifier_offset) = 1;
    }
    return base + field->offset;
}

ProtobufCMessage *sts__json_new_message(const ProtobufCMessageDescriptor *descriptor, sts_arena_t *arena)
{
    ProtobufCMessage *message = sts_arena_alloc(arena, descriptor->sizeof_message);
    protobuf_c_message_init(descriptor, message);
    return message;
}

static int valid_utf8(const unsigned char *s, size_t len)
{
    size_t i = 0;
    while (i < len) {
        unsigned char c = s[i];
        size_t extra;
        uint32_t cp;
        if (c < 0x80) {
            i++;
            continue;
        } else if (c >= 0xc2 && c <= 0xdf) {
            extra = 1;
            cp = c & 0x1f;
        } else if (c >= 0xe0 && c <= 0xef) {
            extra = 2;
            cp = c & 0x0f;
        } else if (c >= 0xf0 && c <= 0xf4) {
            extra = 3;
            cp = c & 0x07;
        } else {
            return 0;
        }
        if (i + extra >= len)
            return 0;
        for (size_t k = 1; k <= extra; k++) {
            if ((s[i + k] & 0xc0) != 0x80)
                return 0;
            cp = cp << 6 | (s[i + k] & 0x3f);
        }
        int overlong_or_surrogate = extra == 2 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff));
        if (overlong_or_surrogate || (extra == 3 && (cp < 0x10000 || cp > 0x10ffff)))
            return 0;
        i += extra + 1;
    }
    return 1;
}

/* Copies numeric text into a NUL-terminated buffer; 0 if it is too long to be a number of any field type. */
static int copy_number(const char *text, size_t len, char out[MAX_NUMBER_TEXT + 1])
{
    if (len == 0 || len > MAX_NUMBER_TEXT)
        return 0;
    memcpy(out, text, len);
    out[len] = '\0';
    return 1;
}

static int is_integer_text(const char *text, size_t len, int allow_minus)
{
    size_t i = allow_minus && len > 0 && text[0] == '-' ? 1 : 0;
    if (i == len)
        return 0;
    for (; i < len; i++) {
        if (text[i] < '0' || text[i] > '9')
            return 0;
    }
    return 1;
}

static const char *parse_signed(const char *text, size_t len, int64_t min, int64_t max, int64_t *out,
                                sts_arena_t *arena)
{
    char buf[MAX_NUMBER_TEXT + 1];
    const char *expected = sts_arena_printf(arena, "must be an integer from %" PRId64 " to %" PRId64, min, max);
    if (!is_integer_text(text, len, 1))
        return expected;
    if (!copy_number(text, len, buf))
        return expected;
    errno = 0;
    long long value = strtoll(buf, NULL, 10);
    if (errno != 0 || value < min || value > max)
        return expected;
    *out = value;
    return NULL;
}

static const char *parse_unsigned(const char *text, size_t len, uint64_t max, uint64_t *out, sts_arena_t *arena)
{
    char buf[MAX_NUMBER_TEXT + 1];
    const char *expected = sts_arena_printf(arena, "must be an integer from 0 to %" PRIu64, max);
    if (!is_integer_text(text, len, 0) || !copy_number(text, len, buf))
        return expected;
    errno = 0;
    unsigned long long value = strtoull(buf, NULL, 10);
    if (errno != 0 || value > max)
        return expected;
    *out = value;
    return NULL;
}

static const char *parse_floating(sts_json_token_t token, const char *text, size_t len, double max, double *out)
{
    static const char expected[] = "must be a number (or \"NaN\", \"Infinity\", \"-Infinity\")";
    char buf[MAX_NUMBER_TEXT + 1];
    if (token == STS_JSON_BOOL || !copy_number(text, len, buf))
        return expected;
    if (token != STS_JSON_NUMBER) {
        if (strcmp(buf, "NaN") == 0) {
            *out = NAN;
            return NULL;
        }
        if (strcmp(buf, "Infinity") == 0 || strcmp(buf, "-Infinity") == 0) {
            *out = buf[0] == '-' ? -INFINITY : INFINITY;
            return NULL;
        }
    }
    char *end = NULL;
    errno = 0;
    double value = strtod(buf, &end);
    if (end == buf || *end != '\0')
        return expected;
    if ((errno == ERANGE && fabs(value) > 1.0) || fabs(value) > max)
        return "is out of range";
    if (isnan(value) || isinf(value))
        return expected;
    *out = value;
    return NULL;
}

static const char *parse_enum(const ProtobufCFieldDescriptor *field, sts_json_token_t token, const char *text,
                              size_t len, int *out, sts_arena_t *arena)
{
    const ProtobufCEnumDescriptor *descriptor = field->descriptor;
    if (token == STS_JSON_NUMBER) {
        int64_t number;
        const char *error = parse_signed(text, len, INT32_MIN, INT32_MAX, &number, arena);
        *out = (int)number;
        return error;
    }
    if (token != STS_JSON_BOOL) {
        for (unsigned i = 0; i < descriptor->n_values; i++) {
            const char *name = descriptor->values[i].name;
            if (strlen(name) == len && memcmp(name, text, len) == 0) {
                *out = descriptor->values[i].value;
                return NULL;
            }
        }
        if (token == STS_JSON_TEXT && is_integer_text(text, len, 1))
            return parse_enum(field, STS_JSON_NUMBER, text, len, out, arena);
    }
    char *names = sts_arena_printf(arena, "must be one of");
    for (unsigned i = 0; i < descriptor->n_values; i++)
        names = sts_arena_printf(arena, "%s%s %s", names, i == 0 ? "" : ",", descriptor->values[i].name);
    return names;
}

static const char *parse_bytes(const char *text, size_t len, ProtobufCBinaryData *out, sts_arena_t *arena)
{
    uint8_t *data = sts_arena_alloc(arena, sts_base64_decoded_max(len) + 1);
    long n = sts_base64_decode(text, len, data, sts_base64_decoded_max(len) + 1, STS_BASE64_STD);
    if (n < 0) {
        size_t unpadded = len;
        while (unpadded > 0 && text[unpadded - 1] == '=')
            unpadded--;
        n = sts_base64_decode(text, unpadded, data, sts_base64_decoded_max(len) + 1, STS_BASE64_URL_RAW);
    }
    if (n < 0)
        return "must be base64";
    out->data = data;
    out->len = (size_t)n;
    return NULL;
}

static const char *parse_integer_field(const ProtobufCFieldDescriptor *field, const char *text, size_t len, void *slot,
                                       sts_arena_t *arena)
{
    int64_t s;
    uint64_t u;
    const char *error = NULL;
    switch (field->type) {
    case PROTOBUF_C_TYPE_INT32:
    case PROTOBUF_C_TYPE_SINT32:
    case PROTOBUF_C_TYPE_SFIXED32:
        if ((error = parse_signed(text, len, INT32_MIN, INT32_MAX, &s, arena)) == NULL)
            *(int32_t *)slot = (int32_t)s;
        break;
    case PROTOBUF_C_TYPE_INT64:
    case PROTOBUF_C_TYPE_SINT64:
    case PROTOBUF_C_TYPE_SFIXED64:
        if ((error = parse_signed(text, len, INT64_MIN, INT64_MAX, &s, arena)) == NULL)
            *(int64_t *)slot = s;
        break;
    case PROTOBUF_C_TYPE_UINT32:
    case PROTOBUF_C_TYPE_FIXED32:
        if ((error = parse_unsigned(text, len, UINT32_MAX, &u, arena)) == NULL)
            *(uint32_t *)slot = (uint32_t)u;
        break;
    default:
        if ((error = parse_unsigned(text, len, UINT64_MAX, &u, arena)) == NULL)
            *(uint64_t *)slot = u;
        break;
    }
    return error;
}

const char *sts__json_parse_scalar(const ProtobufCFieldDescriptor *field, sts_json_token_t token, const char *text,
                                   size_t len, void *slot, sts_arena_t *arena)
{
    double d = 0;
    const char *error = NULL;
    switch (field->type) {
    case PROTOBUF_C_TYPE_FLOAT:
        if ((error = parse_floating(token, text, len, FLT_MAX, &d)) == NULL)
            *(float *)slot = (float)d;
        return error;
    case PROTOBUF_C_TYPE_DOUBLE:
        if ((error = parse_floating(token, text, len, DBL_MAX, &d)) == NULL)
            *(double *)slot = d;
        return error;
    case PROTOBUF_C_TYPE_BOOL:
        if (token != STS_JSON_STRING && len == 4 && memcmp(text, "true", 4) == 0)
            *(protobuf_c_boolean *)slot = 1;
        else if (token != STS_JSON_STRING && len == 5 && memcmp(text, "false", 5) == 0)
            *(protobuf_c_boolean *)slot = 0;
        else
            return "must be true or false";
        return NULL;
    case PROTOBUF_C_TYPE_ENUM:
        return parse_enum(field, token, text, len, (int *)slot, arena);
    case PROTOBUF_C_TYPE_STRING:
        if (token == STS_JSON_NUMBER || token == STS_JSON_BOOL)
            return "must be a string";
        if (!valid_utf8((const unsigned char *)text, len))
            return "is not valid UTF-8";
        if (memchr(text, '\0', len) != NULL)
            return "must not contain a NUL character";
        *(char **)slot = sts_arena_strndup(arena, text, len);
        return NULL;
    case PROTOBUF_C_TYPE_BYTES:
        if (token == STS_JSON_NUMBER || token == STS_JSON_BOOL)
            return "must be a base64 string";
        return parse_bytes(text, len, (ProtobufCBinaryData *)slot, arena);
    case PROTOBUF_C_TYPE_MESSAGE:
        return "must be a JSON object";
    default:
        if (token == STS_JSON_BOOL)
            return parse_integer_field(field, "", 0, slot, arena);
        return parse_integer_field(field, text, len, slot, arena);
    }
}
