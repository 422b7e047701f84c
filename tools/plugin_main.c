/* protoc-gen-sts: reads a CodeGeneratorRequest on stdin, writes the method table as a CodeGeneratorResponse. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plugin.h"
#include "plugin_openapi.h"
#include "util/log.h"

enum { MAX_REQUEST_BYTES = 64 * 1024 * 1024, MAX_OUTPUT_BYTES = 16 * 1024 * 1024 };

void plugin_printf(sts_buf_t *buf, const char *fmt, ...)
{
    char line[4096];
    va_list args;
    va_start(args, fmt);
    int len = vsnprintf(line, sizeof(line), fmt, args);
    va_end(args);
    if (len < 0)
        sts_log_fatal("cannot format generated output");
    char *text = line;
    /* Whole tables are printed at once; they outgrow the line buffer, never the output's maximum. */
    if ((size_t)len >= sizeof(line)) {
        if ((text = malloc((size_t)len + 1)) == NULL)
            sts_log_fatal("out of memory");
        va_start(args, fmt);
        vsnprintf(text, (size_t)len + 1, fmt, args);
        va_end(args);
    }
    int rc = sts_buf_append(buf, text, (size_t)len);
    if (text != line)
        free(text);
    if (rc != 0)
        sts_log_fatal("generated output too large");
}

void plugin_camel_to_lower(const char *name, char *out, size_t out_size)
{
    size_t o = 0;
    int was_upper = 1;
    for (const char *p = name; *p != '\0' && o + 2 < out_size; p++) {
        int is_upper = *p >= 'A' && *p <= 'Z';
        if (is_upper && !was_upper)
            out[o++] = '_';
        out[o++] = is_upper ? (char)(*p - 'A' + 'a') : *p;
        was_upper = is_upper;
    }
    out[o] = '\0';
}

static void parse_parameter(const char *parameter, char *table, size_t table_size, char *out, size_t out_size,
                            char *openapi, size_t openapi_size)
{
    openapi[0] = '\0';
    snprintf(table, table_size, "sts_gen_method_table");
    snprintf(out, out_size, "sts_methods");
    if (parameter == NULL)
        return;
    const char *p = parameter;
    while (*p != '\0') {
        const char *end = strchr(p, ',');
        size_t len = end != NULL ? (size_t)(end - p) : strlen(p);
        if (len > 6 && strncmp(p, "table=", 6) == 0)
            snprintf(table, table_size, "%.*s", (int)(len - 6), p + 6);
        else if (len > 4 && strncmp(p, "out=", 4) == 0)
            snprintf(out, out_size, "%.*s", (int)(len - 4), p + 4);
        else if (len > 8 && strncmp(p, "openapi=", 8) == 0) /* the OpenAPI run: its C files' base name */
            snprintf(openapi, openapi_size, "%.*s", (int)(len - 8), p + 8);
        p += len + (end != NULL);
    }
}

static uint8_t *read_stdin(size_t *len)
{
    sts_buf_t buf;
    sts_buf_init(&buf, MAX_REQUEST_BYTES);
    char chunk[65536];
    size_t n;
    while ((n = fread(chunk, 1, sizeof(chunk), stdin)) > 0) {
        if (sts_buf_append(&buf, chunk, n) != 0)
            sts_log_fatal("CodeGeneratorRequest larger than %d bytes", MAX_REQUEST_BYTES);
    }
    *len = buf.len;
    return (uint8_t *)buf.data;
}

static void write_response(const Google__Protobuf__Compiler__CodeGeneratorResponse *response)
{
    size_t len = google__protobuf__compiler__code_generator_response__get_packed_size(response);
    uint8_t *data = malloc(len + 1);
    if (data == NULL)
        sts_log_fatal("out of memory");
    google__protobuf__compiler__code_generator_response__pack(response, data);
    fwrite(data, 1, len, stdout);
    free(data);
}

int main(void)
{
    size_t len = 0;
    uint8_t *data = read_stdin(&len);
    Google__Protobuf__Compiler__CodeGeneratorRequest *request =
        google__protobuf__compiler__code_generator_request__unpack(NULL, len, data);
    free(data);
    if (request == NULL) {
        fprintf(stderr, "protoc-gen-sts: stdin is not a CodeGeneratorRequest\n");
        return 1;
    }
    char table[128], out[128], openapi[128];
    parse_parameter(request->parameter, table, sizeof(table), out, sizeof(out), openapi, sizeof(openapi));
    plugin_output_t output;
    sts_buf_init(&output.header, MAX_OUTPUT_BYTES);
    sts_buf_init(&output.source, MAX_OUTPUT_BYTES);
    sts_buf_init(&output.document, MAX_OUTPUT_BYTES);
    output.document_name[0] = '\0';
    sts_buf_init(&output.descriptors, MAX_OUTPUT_BYTES);
    output.error[0] = '\0';

    Google__Protobuf__Compiler__CodeGeneratorResponse response =
        GOOGLE__PROTOBUF__COMPILER__CODE_GENERATOR_RESPONSE__INIT;
    Google__Protobuf__Compiler__CodeGeneratorResponse__File files[3] = {
        GOOGLE__PROTOBUF__COMPILER__CODE_GENERATOR_RESPONSE__FILE__INIT,
        GOOGLE__PROTOBUF__COMPILER__CODE_GENERATOR_RESPONSE__FILE__INIT,
        GOOGLE__PROTOBUF__COMPILER__CODE_GENERATOR_RESPONSE__FILE__INIT};
    Google__Protobuf__Compiler__CodeGeneratorResponse__File *file_list[3] = {&files[0], &files[1], &files[2]};
    char header_name[160], source_name[160], descriptors_name[180];
    int rc = openapi[0] != '\0' ? plugin_openapi_generate(request, openapi, &output)
                                : plugin_generate(request, table, out, &output);
    if (openapi[0] != '\0')
        snprintf(out, sizeof(out), "%s", openapi);
    if (rc != 0) {
        response.error = output.error;
    } else {
        sts_buf_append(&output.header, "", 1);
        sts_buf_append(&output.source, "", 1);
        snprintf(header_name, sizeof(header_name), "%s.h", out);
        snprintf(source_name, sizeof(source_name), "%s.c", out);
        files[0].name = header_name;
        files[0].content = output.header.data;
        files[1].name = source_name;
        files[1].content = output.source.data;
        response.n_file = 2;
        response.file = file_list;
        /* The third file: the OpenAPI document of an openapi= run, else the method table's embedded descriptors. */
        if (output.document_name[0] != '\0') {
            sts_buf_append(&output.document, "", 1);
            files[2].name = output.document_name;
            files[2].content = output.document.data;
        } else {
            sts_buf_append(&output.descriptors, "", 1);
            snprintf(descriptors_name, sizeof(descriptors_name), "%s_descriptors.c", out);
            files[2].name = descriptors_name;
            files[2].content = output.descriptors.data;
        }
        response.n_file = 3;
    }
    write_response(&response);
    sts_buf_dispose(&output.header);
    sts_buf_dispose(&output.source);
    sts_buf_dispose(&output.document);
    sts_buf_dispose(&output.descriptors);
    google__protobuf__compiler__code_generator_request__free_unpacked(request, NULL);
    return 0;
}
