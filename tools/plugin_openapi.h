/* protoc-gen-sts's OpenAPI emitter: declarations shared by its files (tools/plugin_openapi*.c). */
#ifndef STS_TOOLS_PLUGIN_OPENAPI_H
#define STS_TOOLS_PLUGIN_OPENAPI_H

#include "plugin.h"

/** A pretty-printing JSON writer over a buffer: two-space indent, keys in the order written. Single-threaded. */
typedef struct {
    sts_buf_t *out;
    int depth;
    int first[64]; /**< per depth: nothing written in the open container yet */
} oa_writer_t;

/** Opens an object ('{') or array ('['), as the member key of the open object, or as an array element (key NULL). */
void oa_open(oa_writer_t *w, const char *key, char bracket);

/** Closes the innermost container with '}' or ']'. */
void oa_close(oa_writer_t *w, char bracket);

/** Writes a string member (or element when key is NULL), escaped as JSON requires. */
void oa_string(oa_writer_t *w, const char *key, const char *value);

/** Writes an integer member (or element). */
void oa_integer(oa_writer_t *w, const char *key, long long value);

/** Writes true or false. */
void oa_bool(oa_writer_t *w, const char *key, int value);

/** Writes {"$ref": "#/components/<section>/<name>"} as a member (or element). */
void oa_ref(oa_writer_t *w, const char *key, const char *section, const char *name);

/**
 * Appends to source a C file that defines symbol as the NUL-terminated text of document (and symbol_len as its
 * length), one string literal per line so that the generated file stays readable and diffable.
 */
void oa_emit_c_string(sts_buf_t *source, const char *header_name, const char *symbol, const sts_buf_t *document);

/** Which way a message travels; a message used both ways gets two schemas. */
enum { OA_REQUEST = 1, OA_RESPONSE = 2 };

/** A message or enum protoc handed over, with where it is declared (for its comment). */
typedef struct {
    char full_name[512];                              /**< ".pkg.Outer.Inner", as type references write it */
    char name[256];                                   /**< "Outer.Inner": the component name, relative to the package */
    const Google__Protobuf__DescriptorProto *message; /**< NULL for an enum */
    const Google__Protobuf__EnumDescriptorProto *enumeration; /**< NULL for a message */
    const Google__Protobuf__FileDescriptorProto *file;
    int32_t path[16]; /**< SourceCodeInfo path of the declaration */
    size_t path_len;
    unsigned used; /**< OA_REQUEST | OA_RESPONSE: the directions the document uses it in */
} oa_type_t;

/** One run of the OpenAPI emitter. Single-threaded. */
typedef struct {
    const Google__Protobuf__Compiler__CodeGeneratorRequest *request;
    oa_type_t *types;
    size_t type_count;
    size_t type_capacity;
    plugin_output_t *output;
} oa_context_t;

/** Records every message and enum of the request (all files, nested ones included) in c->types. */
void oa_collect_types(oa_context_t *c);

/** The type whose full name (".pkg.Name") is given; NULL if none. */
oa_type_t *oa_find_type(oa_context_t *c, const char *full_name);

/** Marks type, and every type its fields reach, as used in direction. */
void oa_mark(oa_context_t *c, oa_type_t *type, unsigned direction);

/** The leading comment at path in file, rejoined into one line, in out ("" when there is none). */
void oa_comment(const Google__Protobuf__FileDescriptorProto *file, const int32_t *path, size_t path_len, char *out,
                size_t out_size);

/** The component name of type's schema for direction. */
void oa_component_name(const oa_type_t *type, unsigned direction, char *out, size_t out_size);

/** Writes the schema of owner's field at index (its description included) as member key. */
void oa_field_schema(oa_context_t *c, oa_writer_t *w, const char *key, const oa_type_t *owner, size_t index,
                     unsigned direction);

/**
 * Writes an object schema for a message as member key (NULL: as an element): properties by JSON name, leaving out
 * the fields whose proto names are in excluded; for responses also which members are always present and that no
 * other member occurs.
 */
void oa_object_schema(oa_context_t *c, oa_writer_t *w, const char *key, const oa_type_t *type, unsigned direction,
                      const char *const *excluded, size_t excluded_count);

/** Writes the component schemas of every type marked used. */
void oa_emit_type_schemas(oa_context_t *c, oa_writer_t *w);

/** Writes the document's "components": schemas (error shapes and every used type), responses, security schemes. */
void oa_emit_components(oa_context_t *c, oa_writer_t *w);

/**
 * Generates the OpenAPI 3.1 document of every HTTP binding in request->file_to_generate into output->document
 * (named document_name), and its C embedding into output->header/source (<base>.h, <base>.c). Returns 0, or -1 with
 * output->error set.
 */
int plugin_openapi_generate(const Google__Protobuf__Compiler__CodeGeneratorRequest *request, const char *base,
                            plugin_output_t *output);

#endif
