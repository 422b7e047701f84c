#include <string.h>
#include <yajl/yajl_parse.h>
#include "rest/json.h"
#include "rest/json_field.h"

/* One open JSON container: an object being decoded into a message, or an array filling a repeated field. */
typedef struct {
    ProtobufCMessage *message; /* the message that owns the fields (for an array: the repeated field's owner) */
    const ProtobufCFieldDescriptor *field; /* object: the field whose value comes next; array: the repeated field */
    const char *name;                      /* JSON name of field, for error messages */
    unsigned char *seen;                   /* object: one flag per field index, to refuse repeated keys */
    int is_array;
} frame_t;

typedef struct {
    const sts_method_table_t *table;
    sts_arena_t *arena;
    ProtobufCMessage *root;
    unsigned char *root_seen; /* the top-level object's seen flags */
    const char *error;
    int depth;
    frame_t frames[STS_JSON_MAX_DEPTH];
} decoder_t;

/* Dotted JSON names of the fields enclosing the current value, e.g. "Credentials.AccessKeyId"; NULL at the top. */
static const char *current_path(decoder_t *d)
{
    const char *path = NULL;
    for (int i = 0; i < d->depth; i++) {
        const frame_t *frame = &d->frames[i];
        if (frame->is_array || frame->field == NULL)
            continue;
        path = path == NULL ? frame->name : sts_arena_printf(d->arena, "%s.%s", path, frame->name);
    }
    return path;
}

static int fail(decoder_t *d, const char *phrase)
{
    const char *path = current_path(d);
    d->error = path == NULL ? phrase : sts_arena_printf(d->arena, "%s %s", path, phrase);
    return 0;
}

static const char *expected_phrase(const ProtobufCFieldDescriptor *field)
{
    switch (field->type) {
    case PROTOBUF_C_TYPE_STRING:
        return "must be a string";
    case PROTOBUF_C_TYPE_BYTES:
        return "must be a base64 string";
    case PROTOBUF_C_TYPE_BOOL:
        return "must be true or false";
    case PROTOBUF_C_TYPE_ENUM:
        return "must be an enum name";
    case PROTOBUF_C_TYPE_MESSAGE:
        return "must be a JSON object";
    case PROTOBUF_C_TYPE_FLOAT:
    case PROTOBUF_C_TYPE_DOUBLE:
        return "must be a number";
    default:
        return "must be an integer";
    }
}

/* The field the next value belongs to; NULL (after failing) when there is none, e.g. a bare top-level value. */
static const ProtobufCFieldDescriptor *target_field(decoder_t *d)
{
    if (d->depth == 0) {
        fail(d, "the request body must be a JSON object");
        return NULL;
    }
    return d->frames[d->depth - 1].field;
}

static int in_array(const decoder_t *d)
{
    return d->frames[d->depth - 1].is_array;
}

/* Called once a value is complete: the object frame expects a key again. */
static void value_done(decoder_t *d)
{
    if (d->depth > 0 && !d->frames[d->depth - 1].is_array)
        d->frames[d->depth - 1].field = NULL;
}

static int store_scalar(decoder_t *d, sts_json_token_t token, const char *text, size_t len)
{
    const ProtobufCFieldDescriptor *field = target_field(d);
    if (field == NULL)
        return 0;
    if (field->label == PROTOBUF_C_LABEL_REPEATED && !in_array(d))
        return fail(d, "must be a JSON array");
    const char *error = NULL;
    void *slot = sts__json_field_slot(d->frames[d->depth - 1].message, field, d->arena, &error);
    if (slot == NULL)
        return fail(d, error);
    if ((error = sts__json_parse_scalar(field, token, text, len, slot, d->arena)) != NULL)
        return fail(d, error);
    value_done(d);
    return 1;
}

static int on_null(void *ctx)
{
    decoder_t *d = ctx;
    if (target_field(d) == NULL)
        return 0;
    if (in_array(d))
        return fail(d, "must not contain null");
    value_done(d);
    return 1;
}

static int on_boolean(void *ctx, int value)
{
    return store_scalar(ctx, STS_JSON_BOOL, value ? "true" : "false", value ? 4 : 5);
}

static int on_number(void *ctx, const char *text, size_t len)
{
    return store_scalar(ctx, STS_JSON_NUMBER, text, len);
}

static int on_string(void *ctx, const unsigned char *text, size_t len)
{
    return store_scalar(ctx, STS_JSON_STRING, (const char *)text, len);
}

static int push(decoder_t *d, frame_t frame)
{
    if (d->depth == STS_JSON_MAX_DEPTH) {
        fail(d, "is nested too deeply");
        d->error = sts_arena_printf(d->arena, "%s (the limit is %d levels)", d->error, STS_JSON_MAX_DEPTH);
        return 0;
    }
    d->frames[d->depth++] = frame;
    return 1;
}

static int on_start_map(void *ctx)
{
    decoder_t *d = ctx;
    ProtobufCMessage *message = d->root;
    if (d->depth > 0 || d->root == NULL) {
        const ProtobufCFieldDescriptor *field = target_field(d);
        if (field == NULL)
            return 0;
        if (field->type != PROTOBUF_C_TYPE_MESSAGE)
            return fail(d, expected_phrase(field));
        if (field->label == PROTOBUF_C_LABEL_REPEATED && !in_array(d))
            return fail(d, "must be a JSON array");
        const char *error = NULL;
        void *slot = sts__json_field_slot(d->frames[d->depth - 1].message, field, d->arena, &error);
        if (slot == NULL)
            return fail(d, error);
        message = sts__json_new_message(field->descriptor, d->arena);
        *(ProtobufCMessage **)slot = message;
    }
    unsigned char *seen = sts_arena_calloc(d->arena, message->descriptor->n_fields + 1);
    if (d->root != NULL)
        d->root_seen = seen;
    d->root = NULL; /* only the first object is the root */
    return push(d, (frame_t){.message = message, .seen = seen});
}

static int on_map_key(void *ctx, const unsigned char *key, size_t len)
{
    decoder_t *d = ctx;
    frame_t *frame = &d->frames[d->depth - 1];
    const ProtobufCMessageDescriptor *descriptor = frame->message->descriptor;
    const ProtobufCFieldDescriptor *field = sts__json_find_field(d->table, descriptor, (const char *)key, len);
    if (field == NULL) {
        const char *path = current_path(d);
        d->error = sts_arena_printf(d->arena, "unknown field \"%.*s\"%s%s", (int)(len > 64 ? 64 : len),
                                    (const char *)key, path != NULL ? " in " : "", path != NULL ? path : "");
        return 0;
    }
    unsigned index = (unsigned)(field - descriptor->fields);
    frame->field = field;
    frame->name = sts__json_field_name(d->table, descriptor, index, d->arena);
    if (frame->seen[index])
        return fail(d, "appears more than once");
    frame->seen[index] = 1;
    return 1;
}

static int on_end(void *ctx)
{
    decoder_t *d = ctx;
    d->depth--;
    value_done(d);
    return 1;
}

static int on_start_array(void *ctx)
{
    decoder_t *d = ctx;
    const ProtobufCFieldDescriptor *field = target_field(d);
    if (field == NULL)
        return 0;
    if (field->label != PROTOBUF_C_LABEL_REPEATED || in_array(d))
        return fail(d, in_array(d) ? "must not contain arrays" : expected_phrase(field));
    frame_t *owner = &d->frames[d->depth - 1];
    return push(d, (frame_t){.message = owner->message, .field = field, .name = owner->name, .is_array = 1});
}

static const yajl_callbacks callbacks = {
    .yajl_null = on_null,
    .yajl_boolean = on_boolean,
    .yajl_number = on_number,
    .yajl_string = on_string,
    .yajl_start_map = on_start_map,
    .yajl_map_key = on_map_key,
    .yajl_end_map = on_end,
    .yajl_start_array = on_start_array,
    .yajl_end_array = on_end,
};

/* yajl's own message, without its "lexical error: " prefix and trailing newline. */
static const char *syntax_error(yajl_handle parser, sts_arena_t *arena, const char *json, size_t len)
{
    unsigned char *text = yajl_get_error(parser, 0, (const unsigned char *)json, len);
    const char *message = (const char *)text;
    const char *colon = strstr(message, ": ");
    if (colon != NULL)
        message = colon + 2;
    size_t n = strcspn(message, "\n");
    const char *error =
        sts_arena_printf(arena, "malformed JSON at byte %zu: %.*s", yajl_get_bytes_consumed(parser), (int)n, message);
    yajl_free_error(parser, text);
    return error;
}

int sts_json_decode(const sts_method_table_t *table, const char *json, size_t len, ProtobufCMessage *msg,
                    sts_arena_t *arena, const char **error)
{
    return sts_json_decode_fields(table, json, len, msg, NULL, arena, error);
}

int sts_json_decode_fields(const sts_method_table_t *table, const char *json, size_t len, ProtobufCMessage *msg,
                           unsigned char *present, sts_arena_t *arena, const char **error)
{
    decoder_t d = {.table = table, .arena = arena, .root = msg};
    if (present != NULL)
        memset(present, 0, msg->descriptor->n_fields);
    yajl_handle parser = yajl_alloc(&callbacks, NULL, &d);
    yajl_status status = yajl_parse(parser, (const unsigned char *)json, len);
    if (status == yajl_status_ok)
        status = yajl_complete_parse(parser);
    int result = 0;
    if (d.error != NULL) {
        *error = d.error;
        result = -1;
    } else if (status != yajl_status_ok) {
        *error = syntax_error(parser, arena, json, len);
        result = -1;
    } else if (present != NULL && d.root_seen != NULL) {
        memcpy(present, d.root_seen, msg->descriptor->n_fields);
    }
    yajl_free(parser);
    return result;
}

int sts_json_set_field_text(const sts_method_table_t *table, ProtobufCMessage *msg, const char *name, size_t name_len,
                            const char *value, size_t value_len, sts_arena_t *arena, const char **error)
{
    const ProtobufCFieldDescriptor *field = sts__json_find_field(table, msg->descriptor, name, name_len);
    if (field == NULL) {
        *error = sts_arena_printf(arena, "unknown parameter \"%.*s\"", (int)(name_len > 64 ? 64 : name_len), name);
        return -1;
    }
    const char *json_name =
        sts__json_field_name(table, msg->descriptor, (unsigned)(field - msg->descriptor->fields), arena);
    const char *phrase = NULL;
    if (field->type == PROTOBUF_C_TYPE_MESSAGE) {
        phrase = "cannot be set from the URL";
    } else {
        void *slot = sts__json_field_slot(msg, field, arena, &phrase);
        if (slot != NULL)
            phrase = sts__json_parse_scalar(field, STS_JSON_TEXT, value, value_len, slot, arena);
    }
    if (phrase == NULL)
        return 0;
    *error = sts_arena_printf(arena, "%s %s", json_name, phrase);
    return -1;
}
