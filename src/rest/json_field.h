/* Field-level helpers shared by the JSON decoder, encoder and URL parameter decoding; not an interface. */
#ifndef STS_REST_JSON_FIELD_H
#define STS_REST_JSON_FIELD_H
#include <protobuf-c/protobuf-c.h>
#include <stddef.h>
#include "core/method.h"
#include "rest/json.h"
#include "util/arena.h"

/** How a scalar value arrived: a bare JSON number, true/false, a JSON string, or URL text. */
typedef enum { STS_JSON_NUMBER, STS_JSON_BOOL, STS_JSON_STRING, STS_JSON_TEXT } sts_json_token_t;

/** The JSON name of descriptor->fields[index]: the generated one, else lowerCamelCase of the proto name. */
const char *sts__json_field_name(const sts_method_table_t *table, const ProtobufCMessageDescriptor *descriptor,
                                 unsigned index, sts_arena_t *arena);

/** The field whose JSON name or proto name is name; NULL if none. */
const ProtobufCFieldDescriptor *sts__json_find_field(const sts_method_table_t *table,
                                                     const ProtobufCMessageDescriptor *descriptor, const char *name,
                                                     size_t name_len);

/**
 * Storage for one more value of field in msg: for a repeated field a new element at the end (growing the array
 * in arena), else the field itself, marking it present (has_ flag or oneof case). Returns NULL with *error set
 * when another member of the same oneof is already set.
 */
void *sts__json_field_slot(ProtobufCMessage *msg, const ProtobufCFieldDescriptor *field, sts_arena_t *arena,
                           const char **error);

/** Bytes one element of field takes in its C array (for a repeated field) or struct slot. */
size_t sts__json_element_size(const ProtobufCFieldDescriptor *field);

/** A new initialised message of the given type in arena. */
ProtobufCMessage *sts__json_new_message(const ProtobufCMessageDescriptor *descriptor, sts_arena_t *arena);

/**
 * Parses text (not NUL-terminated) as a value of field's scalar type into slot. Returns NULL, or an error phrase
 * such as "must be an integer from 0 to 4294967295" for the caller to prefix with the field name.
 */
const char *sts__json_parse_scalar(const ProtobufCFieldDescriptor *field, sts_json_token_t token, const char *text,
                                   size_t len, void *slot, sts_arena_t *arena);

/**
 * The URI of the page that starts at cursor, for the request link describes, whose field request_field (a proto
 * name) takes the cursor; see sts_json_encode_response. An empty cursor, or a field the request type lacks, gives
 * cursor itself. The result lives in arena.
 */
const char *sts__rest_page_link(const sts_method_table_t *table, const sts_json_page_link_t *link,
                                const char *request_field, const char *cursor, sts_arena_t *arena);

#endif
