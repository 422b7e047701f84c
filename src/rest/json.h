/* The JSON⇄protobuf-c transcoder: proto3 JSON mapping driven by descriptors and the generated JSON names. */
#ifndef STS_REST_JSON_H
#define STS_REST_JSON_H
#include <protobuf-c/protobuf-c.h>
#include <stddef.h>
#include "core/method.h"
#include "util/arena.h"
#include "util/buf.h"

/** Deepest nesting of objects and arrays a JSON document may have. */
#define STS_JSON_MAX_DEPTH 32

/**
 * Decodes a JSON object into msg (already initialised; everything it gains is allocated in arena).
 * Keys may be the field's JSON name or its proto name. Strict: unknown or repeated keys, wrong types,
 * out-of-range numbers, invalid UTF-8, NUL characters and nesting deeper than STS_JSON_MAX_DEPTH are errors.
 * Returns 0, or -1 with *error set (in arena) to a message naming the field and what was wrong.
 * Thread-safe for distinct arenas and messages.
 */
int sts_json_decode(const sts_method_table_t *table, const char *json, size_t len, ProtobufCMessage *msg,
                    sts_arena_t *arena, const char **error);

/**
 * sts_json_decode that also reports which top-level fields the document named: present (NULL, or one byte per
 * field of msg's descriptor, parallel to descriptor->fields) gets 1 for each key of the top-level object, whatever
 * its value (null included). On failure present is unspecified.
 */
int sts_json_decode_fields(const sts_method_table_t *table, const char *json, size_t len, ProtobufCMessage *msg,
                           unsigned char *present, sts_arena_t *arena, const char **error);

/**
 * Sets one field from its text form, as in a URL query parameter or path capture ("3600", "true", an enum
 * name, base64 for bytes). A repeated field gains one element per call. Message fields cannot be set this way.
 * Returns 0, or -1 with *error set as for sts_json_decode.
 */
int sts_json_set_field_text(const sts_method_table_t *table, ProtobufCMessage *msg, const char *name, size_t name_len,
                            const char *value, size_t value_len, sts_arena_t *arena, const char **error);

/**
 * Appends msg as JSON to out: every field in field-number order with defaults included, except unset
 * sub-messages, unset proto2-style optionals and oneof members that are not the chosen one. 64-bit integers are
 * strings, enums are names, bytes are standard base64. Returns 0, or -1 with *error set (in arena) when out
 * would exceed its maximum or a string is not valid UTF-8.
 */
int sts_json_encode(const sts_method_table_t *table, const ProtobufCMessage *msg, sts_buf_t *out, sts_arena_t *arena,
                    const char **error);

/** The REST request a response answers, which page cursors in it are rendered against. Pointers are borrowed. */
typedef struct {
    const ProtobufCMessageDescriptor *request; /**< the RPC's request type, holding the field the cursor fills */
    const char *path;                          /**< the request's path as the client sent it, without the query */
    size_t path_len;
    const char *query; /**< the raw query after the '?', or NULL when there was none */
    size_t query_len;
} sts_json_page_link_t;

/**
 * sts_json_encode for a REST response: a non-empty string field annotated page_cursor_for (sts_field_annotation_t)
 * becomes the URI of the next page: link's path, then its query with every parameter that names the cursor's
 * request field (by JSON or proto name) dropped and "<JSON name>=<percent-encoded cursor>" put in the place of the
 * first one (or at the end). An empty cursor stays "". With link NULL, or a cursor naming a field the request type
 * lacks, cursors are written as they are. Errors as for sts_json_encode.
 */
int sts_json_encode_response(const sts_method_table_t *table, const ProtobufCMessage *msg,
                             const sts_json_page_link_t *link, sts_buf_t *out, sts_arena_t *arena, const char **error);

#endif
