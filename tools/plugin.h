/* protoc-gen-sts: shared declarations of the plugin's files. */
#ifndef STS_TOOLS_PLUGIN_H
#define STS_TOOLS_PLUGIN_H

#include "google/protobuf/compiler/plugin.pb-c.h"
#include "sts/v1/options.pb-c.h"
#include "util/buf.h"

/** Output of one run: the generated files (a document too, when named), or an error for protoc to print. */
typedef struct {
    sts_buf_t header;
    sts_buf_t source;
    sts_buf_t document;
    char document_name[64]; /**< "" when the run writes no document */
    /** The embedded descriptors (<out>_descriptors.c) of a method-table run, written by plugin_emit_descriptors. */
    sts_buf_t descriptors;
    char error[1024];
} plugin_output_t;

/**
 * Generates the method table for every file in request->file_to_generate. table is the exported symbol name and
 * out the base name of the files (used for the include). Returns 0, or -1 with output->error set.
 */
int plugin_generate(const Google__Protobuf__Compiler__CodeGeneratorRequest *request, const char *table, const char *out,
                    plugin_output_t *output);

/**
 * Prints every file of the request (dependencies included, in protoc's order: dependencies first) as a serialized
 * FileDescriptorProto, without source info, to output->descriptors, as the array <table>_files that the method
 * table points at, and declares it in output->header. Returns 0, or -1 with output->error set.
 */
int plugin_emit_descriptors(const Google__Protobuf__Compiler__CodeGeneratorRequest *request, const char *table,
                            const char *out, plugin_output_t *output);

/** A message type protoc handed over, nested ones included. */
typedef struct {
    char full_name[512]; /**< ".pkg.Outer.Inner", as protoc writes type references */
    char symbol[512];    /**< "pkg__outer__inner", protoc-c's prefix for the descriptor */
    const Google__Protobuf__DescriptorProto *proto;
    int generate; /**< defined in a file_to_generate (and not a map entry) */
} plugin_message_t;

/** The policies set for foreign methods (options.proto's foreign_method) in this run. */
typedef struct plugin_overrides_s plugin_overrides_t;

/** One run of the generator: the request, every message it knows, and the output. Single-threaded. */
typedef struct {
    const Google__Protobuf__Compiler__CodeGeneratorRequest *request;
    plugin_message_t *messages;
    size_t message_count;
    size_t message_capacity;
    plugin_overrides_t *overrides;
    plugin_output_t *output;
} plugin_context_t;

/** The message whose full_name (".pkg.Name") is given; NULL if protoc sent none. */
const plugin_message_t *plugin_find_message(const plugin_context_t *ctx, const char *full_name);

/** The field of message named name[0..len) (its proto name); NULL if none. */
const Google__Protobuf__FieldDescriptorProto *plugin_find_field(const Google__Protobuf__DescriptorProto *message,
                                                                const char *name, size_t len);

/** Sets the run's error to "<where>: <fmt with detail>" and returns -1, for `return plugin_fail(...)`. */
int plugin_fail(plugin_context_t *ctx, const char *where, const char *fmt, const char *detail);

/**
 * Checks that every page_cursor_for annotation reachable from the response type names a singular string field of
 * the request (visited: one zeroed byte per message, to stop at cycles). Returns 0, or -1 via plugin_fail.
 */
int plugin_check_page_cursors(plugin_context_t *ctx, const char *where, const plugin_message_t *response,
                              const plugin_message_t *request, unsigned char *visited);

/**
 * Prints the JSON names and field annotations of every generated message to the source, and their rows of the
 * messages[] table to entries; *count receives the number of rows. Returns 0, or -1 via plugin_fail when a field
 * annotation is malformed.
 */
int plugin_emit_json_names(plugin_context_t *ctx, sts_buf_t *entries, size_t *count);

/** Appends printf-formatted text; aborts if the output would exceed its (generous) maximum. */
void plugin_printf(sts_buf_t *buf, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/**
 * The extension `tag` of an options message (MethodOptions, FileOptions, ...), which protobuf-c keeps as unknown
 * fields, unpacked as a message of the given type (free with protobuf_c_message_free_unpacked). For a repeated
 * extension, *next (start at 0) walks the occurrences. Returns NULL when there is no (further) occurrence or it does
 * not unpack.
 */
ProtobufCMessage *plugin_option_message(const ProtobufCMessage *options, uint32_t tag,
                                        const ProtobufCMessageDescriptor *descriptor, unsigned *next);

/**
 * The string extension `tag` of an options message, copied NUL-terminated into out. Returns 1, 0 when absent, or -1
 * when it is longer than out_size - 1 or holds a NUL.
 */
int plugin_option_string(const ProtobufCMessage *options, uint32_t tag, char *out, size_t out_size);

/**
 * Reads every foreign_method option of request's files to generate. Returns 0, or -1 with error set (an empty or
 * malformed method name, or the same method named twice). Free with plugin_overrides_free.
 */
int plugin_overrides_collect(const Google__Protobuf__Compiler__CodeGeneratorRequest *request,
                             plugin_overrides_t **overrides, char *error, size_t error_size);

/**
 * The policy set for the method "pkg.Service/Method", marking it applied; NULL if none. The policy stays owned by
 * overrides. *origin receives the name of the file that set it.
 */
const Sts__V1__MethodPolicy *plugin_overrides_take(plugin_overrides_t *overrides, const char *method,
                                                   const char **origin);

/** Returns 0, or -1 with error set naming an override that matched no generated method. */
int plugin_overrides_check_applied(const plugin_overrides_t *overrides, char *error, size_t error_size);

/** Frees what plugin_overrides_collect allocated; NULL is fine. */
void plugin_overrides_free(plugin_overrides_t *overrides);

/** protoc-c's CamelCase to lower_snake rule: "IssueToken" → "issue_token", "EndpointURL" → "endpoint_url". */
void plugin_camel_to_lower(const char *name, char *out, size_t out_size);

#endif
