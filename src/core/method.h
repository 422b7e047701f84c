/* The method table: one row per RPC, generated from the proto by tools/protoc-gen-sts. */
#ifndef STS_CORE_METHOD_H
#define STS_CORE_METHOD_H

#include <protobuf-c/protobuf-c.h>
#include <stddef.h>
#include <stdint.h>

#include "core/status.h"

typedef struct sts_call_s sts_call_t;
typedef struct sts_stream_handler_s sts_stream_handler_t;

/** HTTP verbs a binding can use. */
typedef enum { STS_HTTP_GET, STS_HTTP_PUT, STS_HTTP_POST, STS_HTTP_DELETE, STS_HTTP_PATCH } sts_http_verb_t;

/** How a REST binding renders errors. */
typedef enum {
    STS_ERROR_STYLE_STANDARD, /**< {"code","status","message"} */
    STS_ERROR_STYLE_OAUTH2,   /**< RFC 6749 5.2: {"error","error_description"}, error from the call's reason */
} sts_error_style_t;

/** One REST binding of an RPC (the main one or an additional_binding). */
typedef struct {
    sts_http_verb_t verb;
    /** Path template: literal segments and "{field}" captures, e.g. "/v1/auth/access-tokens/{id}". */
    const char *path_template;
    /** "*" decodes the whole JSON body into the request; "" means the request takes no body; else a field name. */
    const char *body_field;
    /** "" sends the whole response; else the field of the response sent as the body. */
    const char *response_body;
    /** HTTP status on success (200 unless the contract fixes another, e.g. 201). */
    int success_status;
    /** Nonzero: the body may be application/x-www-form-urlencoded too (unknown names ignored, none repeated). */
    int form_body;
    sts_error_style_t error_style;
    /** Seconds a successful answer may be cached (Cache-Control: public, max-age); 0: no Cache-Control. */
    int max_age_seconds;
} sts_http_binding_t;

/**
 * A handler: reads request, fills response (already initialised, allocated in the call arena), returns a status.
 * On failure it sets a message with sts_call_fail. Handlers never see the wire protocol.
 */
typedef sts_status_t (*sts_handler_fn)(sts_call_t *call, const ProtobufCMessage *request, ProtobufCMessage *response);

enum {
    /** The handler blocks (upstream I/O, database writes, password hashing): run it on the worker pool. */
    STS_METHOD_BLOCKING = 1u << 0,
    /** No authentication (health checks). */
    STS_METHOD_PUBLIC = 1u << 1,
    /** With BLOCKING: blocks only when the configured issuer does (the local issuer never does). */
    STS_METHOD_ISSUER_BOUND = 1u << 2,
    /** With BLOCKING: the handler may run argon2id, so it runs on the password pool, which bounds hashes at once. */
    STS_METHOD_HASHES_PASSWORDS = 1u << 3,
    /** The client sends a stream of messages (the proto's client_streaming). */
    STS_METHOD_CLIENT_STREAMING = 1u << 4,
    /** The server answers with a stream of messages (the proto's server_streaming). */
    STS_METHOD_SERVER_STREAMING = 1u << 5,
    /**
     * Served by the gRPC adapter itself (server reflection): the row has neither handler nor stream, and REST and
     * the in-process tools never run it.
     */
    STS_METHOD_ADAPTER_SERVED = 1u << 6,
};

/** Rows with either streaming flag run a stream handler (core/stream.h) instead of a unary handler. */
#define STS_METHOD_STREAMING (STS_METHOD_CLIENT_STREAMING | STS_METHOD_SERVER_STREAMING)

/** One RPC. Rows are immutable and live for the whole process. */
typedef struct {
    const char *grpc_path; /**< "/sts.v1.TokenService/IssueToken" */
    const char *service;   /**< "sts.v1.TokenService" */
    const char *name;      /**< "IssueToken" */
    const ProtobufCMessageDescriptor *request;
    const ProtobufCMessageDescriptor *response;
    sts_handler_fn handler;         /**< unary rows; NULL for streaming and adapter-served rows */
    const sts_http_binding_t *http; /**< may be NULL when http_count is 0; always NULL for streaming rows */
    size_t http_count;
    unsigned flags;            /**< STS_METHOD_* */
    const char *required_role; /**< NULL when any authenticated caller may call */
    /** Streaming rows (not adapter-served): what runs the stream; NULL otherwise. */
    const sts_stream_handler_t *stream;
} sts_method_t;

/** What the proto's field options say about one field, for the adapters that render it (none of them core's). */
typedef struct {
    /**
     * Non-NULL: the field (a string in a response) holds a page cursor, the value the request field of this proto
     * name takes for the next page; empty on the last page. gRPC sends it as it is; REST renders it as the URI of the
     * next page. From the page_cursor_for option.
     */
    const char *page_cursor_for;
} sts_field_annotation_t;

/** JSON names of one message's fields, parallel to descriptor->fields (which protobuf-c sorts by number). */
typedef struct {
    const ProtobufCMessageDescriptor *descriptor;
    const char *const *json_names;
    /** Parallel to descriptor->fields like json_names; NULL when no field of the message has an annotation. */
    const sts_field_annotation_t *annotations;
} sts_json_message_t;

/** One .proto file as a serialized FileDescriptorProto (without source info), for gRPC server reflection. */
typedef struct {
    const char *name; /**< "sts/v1/token.proto", as imports name it */
    const uint8_t *bytes;
    size_t size;
} sts_descriptor_file_t;

/** Everything generated from one protoc run. */
typedef struct {
    const sts_method_t *methods;
    size_t method_count;
    const sts_json_message_t *messages;
    size_t message_count;
    /** Every file of the run and every file they import, dependencies before the files that import them. */
    const sts_descriptor_file_t *files;
    size_t file_count;
} sts_method_table_t;

/** Finds the row whose grpc_path equals path exactly; NULL if none. Thread-safe. */
const sts_method_t *sts_method_find_grpc(const sts_method_table_t *table, const char *path, size_t path_len);

/**
 * The JSON names for a message, or NULL when the table has no entry for it (callers then derive lowerCamelCase
 * names from the proto field names, as protoc does). Thread-safe.
 */
const char *const *sts_method_json_names(const sts_method_table_t *table, const ProtobufCMessageDescriptor *descriptor);

/**
 * The annotations of a message's fields (parallel to descriptor->fields), or NULL when the table has no entry for it
 * or none of its fields is annotated. Thread-safe.
 */
const sts_field_annotation_t *sts_method_field_annotations(const sts_method_table_t *table,
                                                           const ProtobufCMessageDescriptor *descriptor);

/** True if any row belongs to the given fully-qualified service name. */
int sts_method_table_has_service(const sts_method_table_t *table, const char *service);

#endif
