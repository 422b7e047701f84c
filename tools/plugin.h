/* protoc-gen-sts: shared declarations of the plugin's files. */
#ifndef STS_TOOLS_PLUGIN_H
#define STS_TOOLS_PLUGIN_H

#include "google/protobuf/compiler/plugin.pb-c.h"
#include "util/buf.h"

/** Output of one run: the two generated files, or an error for protoc to print. */
typedef struct {
    sts_buf_t header;
    sts_buf_t source;
    char error[1024];
} plugin_output_t;

/**
 * Generates the method table for every file in request->file_to_generate. table is the exported symbol name and
 * out the base name of the files (used for the include). Returns 0, or -1 with output->error set.
 */
int plugin_generate(const Google__Protobuf__Compiler__CodeGeneratorRequest *request, const char *table, const char *out,
                    plugin_output_t *output);

/** Appends printf-formatted text; aborts if the output would exceed its (generous) maximum. */
void plugin_printf(sts_buf_t *buf, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/** protoc-c's CamelCase to lower_snake rule: "IssueToken" → "issue_token", "EndpointURL" → "endpoint_url". */
void plugin_camel_to_lower(const char *name, char *out, size_t out_size);

#endif
