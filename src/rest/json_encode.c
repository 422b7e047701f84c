/*
 * Encoding writes JSON text straight into the output buffer (no generator object, no callback per token): it runs
 * once per REST response, and yajl's generator, which escapes strings byte by byte through a callback, was most of
 * the encoding's time.
 */
#include <inttypes.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "rest/json.h"
#include "rest/json_field.h"
#include "util/base64.h"
#include "util/text.h"

typedef struct {
    const sts_method_table_t *table;
    sts_arena_t *arena;
    sts_buf_t *out;
    int overflow;
    const char *field_name;           /* the field being written, for error messages */
    const sts_json_page_link_t *link; /* NULL: page cursors are written as they are */
} encoder_t;

/* Each writer returns 0, or -1 once the output overflowed (overflow is set) or a string was not UTF-8. */
static int put(encoder_t *e, const char *text, size_t len)
{
    sts_buf_t *out = e->out;
    if (out->data != NULL && len <= out->cap - out->len) { /* most pieces are a byte or a few: no call while they fit */
        memcpy(out->data + out->len, text, len);
        out->len += len;
        return 0;
    }
    if (sts_buf_append(out, text, len) != 0) {
        e->overflow = 1;
        return -1;
    }
    return 0;
}

/* The length of the well-formed UTF-8 sequence (RFC 3629: no overlongs, surrogates or code points past U+10FFFF)
 * that starts at text, or 0. */
static size_t utf8_sequence(const unsigned char *text, size_t len)
{
    unsigned char c = text[0];
    size_t width = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : 2;
    if (c < 0xc2 || c > 0xf4 || len < width)
        return 0;
    for (size_t i = 1; i < width; i++) {
        if ((text[i] & 0xc0) != 0x80)
            return 0;
    }
    unsigned char second = text[1];
    if ((c == 0xe0 && second < 0xa0) || (c == 0xed && second > 0x9f) || (c == 0xf0 && second < 0x90) ||
        (c == 0xf4 && second > 0x8f))
        return 0;
    return width;
}

/* 1 for the bytes a JSON string holds as they are: printable ASCII but the quote and the backslash. */
static unsigned char plain[256];

static void init_plain(void)
{
    for (int c = 0x20; c < 0x80; c++)
        plain[c] = c != '"' && c != '\\';
}

/*
 * How many of the first len bytes of text are plain, counted eight at a time while a whole word is: the long
 * strings of a response (session tokens, secrets) are base64 or ASCII. A word holds a byte that is not plain when
 * one is below 0x20, has its high bit set, or equals the quote or the backslash; the tests below are exact for
 * "any byte", which is all the fast path needs (the byte loop after it finds which).
 */
static size_t plain_words(const unsigned char *text, size_t len)
{
    const uint64_t ones = 0x0101010101010101u, highs = 0x8080808080808080u;
    size_t i = 0;
    for (; len - i >= 8; i += 8) {
        uint64_t word;
        memcpy(&word, text + i, sizeof(word));
        uint64_t quote = word ^ (ones * '"'), backslash = word ^ (ones * '\\');
        uint64_t special =
            ((word - ones * 0x20) & ~word) | ((quote - ones) & ~quote) | ((backslash - ones) & ~backslash) | word;
        if ((special & highs) != 0)
            break;
    }
    return i;
}

/* A JSON string: runs that need no escape are copied whole; UTF-8 is checked and kept as it is. */
static int put_string(encoder_t *e, const char *text, size_t len)
{
    static const char hex[] = "0123456789abcdef";
    const unsigned char *bytes = (const unsigned char *)text;
    if (put(e, "\"", 1) != 0)
        return -1;
    size_t run = 0;
    for (size_t i = 0; i < len;) {
        i += plain_words(bytes + i, len - i);
        while (i < len && plain[bytes[i]])
            i++;
        if (i == len)
            break;
        unsigned char c = bytes[i];
        if (c >= 0x80) {
            size_t width = utf8_sequence(bytes + i, len - i);
            if (width == 0)
                return -1;
            i += width;
            continue;
        }
        if (put(e, text + run, i - run) != 0)
            return -1;
        char escaped[6] = {'\\', (char)c};
        size_t width = 2;
        switch (c) {
        case '"':
        case '\\':
            break;
        case '\b':
            escaped[1] = 'b';
            break;
        case '\f':
            escaped[1] = 'f';
            break;
        case '\n':
            escaped[1] = 'n';
            break;
        case '\r':
            escaped[1] = 'r';
            break;
        case '\t':
            escaped[1] = 't';
            break;
        default:
            memcpy(escaped, "\\u00", 4);
            escaped[4] = hex[c >> 4];
            escaped[5] = hex[c & 15];
            width = 6;
        }
        if (put(e, escaped, width) != 0)
            return -1;
        run = ++i;
    }
    if (put(e, text + run, len - run) != 0)
        return -1;
    return put(e, "\"", 1);
}

static int put_text(encoder_t *e, const char *text)
{
    return put_string(e, text, strlen(text));
}

/* An integer given as its magnitude and sign; quoted for 64-bit fields, as proto3 JSON has them. */
static int put_integer(encoder_t *e, uint64_t magnitude, int negative, int quoted)
{
    char digits[STS_DECIMAL_MAX + 3];
    size_t n = 0;
    if (quoted)
        digits[n++] = '"';
    if (negative)
        digits[n++] = '-';
    n += sts_decimal(magnitude, digits + n);
    if (quoted)
        digits[n++] = '"';
    return put(e, digits, n);
}

static int put_signed(encoder_t *e, int64_t value, int quoted)
{
    /* The magnitude as unsigned: -INT64_MIN does not fit an int64_t. */
    return put_integer(e, value < 0 ? 0 - (uint64_t)value : (uint64_t)value, value < 0, quoted);
}

static int encode_message(encoder_t *e, const ProtobufCMessage *msg);

static int encode_floating(encoder_t *e, double value, int digits)
{
    if (isnan(value))
        return put_text(e, "NaN");
    if (isinf(value))
        return put_text(e, value < 0 ? "-Infinity" : "Infinity");
    /* The shortest text that reads back as the same value, so 0.1 stays 0.1. */
    char text[40];
    int n = 0;
    for (int precision = digits - 2; precision <= digits; precision++) {
        n = snprintf(text, sizeof(text), "%.*g", precision, value);
        double back = strtod(text, NULL);
        if (digits < 17 ? (float)back == (float)value : back == value)
            break;
    }
    return put(e, text, (size_t)n);
}

static int encode_bytes(encoder_t *e, const ProtobufCBinaryData *bytes)
{
    size_t size = sts_base64_encoded_len(bytes->len, STS_BASE64_STD) + 1;
    char *text = sts_arena_alloc(e->arena, size);
    long n = sts_base64_encode(bytes->data, bytes->len, text, size, STS_BASE64_STD);
    return put_string(e, text, (size_t)(n < 0 ? 0 : n));
}

static int encode_enum(encoder_t *e, const ProtobufCFieldDescriptor *field, int value)
{
    const ProtobufCEnumValue *named = protobuf_c_enum_descriptor_get_value(field->descriptor, value);
    return named != NULL ? put_text(e, named->name) : put_signed(e, value, 0);
}

static int encode_value(encoder_t *e, const ProtobufCFieldDescriptor *field, const void *slot)
{
    switch (field->type) {
    case PROTOBUF_C_TYPE_INT32:
    case PROTOBUF_C_TYPE_SINT32:
    case PROTOBUF_C_TYPE_SFIXED32:
        return put_signed(e, *(const int32_t *)slot, 0);
    case PROTOBUF_C_TYPE_UINT32:
    case PROTOBUF_C_TYPE_FIXED32:
        return put_integer(e, *(const uint32_t *)slot, 0, 0);
    case PROTOBUF_C_TYPE_INT64:
    case PROTOBUF_C_TYPE_SINT64:
    case PROTOBUF_C_TYPE_SFIXED64:
        return put_signed(e, *(const int64_t *)slot, 1);
    case PROTOBUF_C_TYPE_UINT64:
    case PROTOBUF_C_TYPE_FIXED64:
        return put_integer(e, *(const uint64_t *)slot, 0, 1);
    case PROTOBUF_C_TYPE_FLOAT:
        return encode_floating(e, *(const float *)slot, 9);
    case PROTOBUF_C_TYPE_DOUBLE:
        return encode_floating(e, *(const double *)slot, 17);
    case PROTOBUF_C_TYPE_BOOL:
        return *(const protobuf_c_boolean *)slot != 0 ? put(e, "true", 4) : put(e, "false", 5);
    case PROTOBUF_C_TYPE_ENUM:
        return encode_enum(e, field, *(const int *)slot);
    case PROTOBUF_C_TYPE_STRING: {
        const char *value = *(const char *const *)slot;
        return put_text(e, value != NULL ? value : "");
    }
    case PROTOBUF_C_TYPE_BYTES:
        return encode_bytes(e, slot);
    case PROTOBUF_C_TYPE_MESSAGE: {
        const ProtobufCMessage *value = *(const ProtobufCMessage *const *)slot;
        return value != NULL ? encode_message(e, value) : put(e, "null", 4);
    }
    }
    return -1;
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

static int encode_field(encoder_t *e, const ProtobufCMessage *msg, unsigned index,
                        const sts_field_annotation_t *annotations)
{
    const ProtobufCFieldDescriptor *field = &msg->descriptor->fields[index];
    const char *slot = (const char *)msg + field->offset;
    if (e->link != NULL && annotations != NULL && annotations[index].page_cursor_for != NULL &&
        field->type == PROTOBUF_C_TYPE_STRING && field->label != PROTOBUF_C_LABEL_REPEATED) {
        const char *cursor = *(const char *const *)slot;
        return put_text(e, sts__rest_page_link(e->table, e->link, annotations[index].page_cursor_for,
                                               cursor != NULL ? cursor : "", e->arena));
    }
    if (field->label != PROTOBUF_C_LABEL_REPEATED)
        return encode_value(e, field, slot);
    size_t count = *(const size_t *)((const char *)msg + field->quantifier_offset);
    const char *array = *(const char *const *)slot;
    size_t size = sts__json_element_size(field);
    if (put(e, "[", 1) != 0)
        return -1;
    for (size_t i = 0; i < count; i++) {
        if ((i > 0 && put(e, ",", 1) != 0) || encode_value(e, field, array + i * size) != 0)
            return -1;
    }
    return put(e, "]", 1);
}

static int encode_message(encoder_t *e, const ProtobufCMessage *msg)
{
    const ProtobufCMessageDescriptor *descriptor = msg->descriptor;
    /* Looked up once per message, not once per field: each lookup scans the table's messages. */
    const sts_field_annotation_t *annotations = sts_method_field_annotations(e->table, descriptor);
    const char *const *names = sts_method_json_names(e->table, descriptor);
    if (put(e, "{", 1) != 0)
        return -1;
    int first = 1;
    for (unsigned i = 0; i < descriptor->n_fields; i++) {
        if (!is_present(msg, &descriptor->fields[i]))
            continue;
        e->field_name = names != NULL ? names[i] : sts__json_field_name(e->table, descriptor, i, e->arena);
        if ((!first && put(e, ",", 1) != 0) || put_text(e, e->field_name) != 0 || put(e, ":", 1) != 0 ||
            encode_field(e, msg, i, annotations) != 0)
            return -1;
        first = 0;
    }
    return put(e, "}", 1);
}

int sts_json_encode(const sts_method_table_t *table, const ProtobufCMessage *msg, sts_buf_t *out, sts_arena_t *arena,
                    const char **error)
{
    return sts_json_encode_response(table, msg, NULL, out, arena, error);
}

int sts_json_encode_response(const sts_method_table_t *table, const ProtobufCMessage *msg,
                             const sts_json_page_link_t *link, sts_buf_t *out, sts_arena_t *arena, const char **error)
{
    static pthread_once_t plain_ready = PTHREAD_ONCE_INIT;
    pthread_once(&plain_ready, init_plain);
    encoder_t e = {.table = table, .arena = arena, .out = out, .link = link};
    if (encode_message(&e, msg) == 0)
        return 0;
    if (e.overflow)
        *error = sts_arena_printf(arena, "the JSON is larger than the limit of %zu bytes", out->max);
    else
        *error = sts_arena_printf(arena, "%s is not valid UTF-8", e.field_name != NULL ? e.field_name : "a string");
    return -1;
}
