/* Reading our extensions from descriptor options, and the policies set for foreign methods. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plugin.h"
#include "util/log.h"

enum { FOREIGN_METHOD_OPTION = 50003 };

/* A length-delimited unknown field's data starts with its length varint; returns the payload after it. */
static int payload(const ProtobufCMessageUnknownField *field, const uint8_t **data, size_t *len)
{
    if (field->wire_type != PROTOBUF_C_WIRE_TYPE_LENGTH_PREFIXED)
        return -1;
    size_t skip = 0;
    while (skip < field->len && (field->data[skip] & 0x80))
        skip++;
    skip++;
    if (skip > field->len)
        return -1;
    *data = field->data + skip;
    *len = field->len - skip;
    return 0;
}

ProtobufCMessage *plugin_option_message(const ProtobufCMessage *options, uint32_t tag,
                                        const ProtobufCMessageDescriptor *descriptor, unsigned *next)
{
    if (options == NULL)
        return NULL;
    unsigned start = next != NULL ? *next : 0;
    for (unsigned i = start; i < options->n_unknown_fields; i++) {
        const ProtobufCMessageUnknownField *field = &options->unknown_fields[i];
        const uint8_t *data;
        size_t len;
        if (field->tag != tag || payload(field, &data, &len) != 0)
            continue;
        if (next != NULL)
            *next = i + 1;
        return protobuf_c_message_unpack(descriptor, NULL, len, data);
    }
    if (next != NULL)
        *next = options->n_unknown_fields;
    return NULL;
}

int plugin_option_string(const ProtobufCMessage *options, uint32_t tag, char *out, size_t out_size)
{
    if (options == NULL)
        return 0;
    for (unsigned i = 0; i < options->n_unknown_fields; i++) {
        const ProtobufCMessageUnknownField *field = &options->unknown_fields[i];
        const uint8_t *data;
        size_t len;
        if (field->tag != tag || payload(field, &data, &len) != 0)
            continue;
        if (len >= out_size || memchr(data, '\0', len) != NULL)
            return -1;
        memcpy(out, data, len);
        out[len] = '\0';
        return 1;
    }
    return 0;
}

typedef struct {
    Sts__V1__ForeignMethodPolicy *option;
    const char *file; /* the proto file that set it */
    int applied;
} override_t;

struct plugin_overrides_s {
    override_t *items;
    size_t count;
};

/* "pkg.Service/Method": a dotted service name, one '/', a method name, printable ASCII without quotes. */
static int well_formed(const char *method)
{
    const char *slash = strchr(method, '/');
    if (slash == NULL || slash == method || slash[1] == '\0' || strchr(slash + 1, '/') != NULL)
        return 0;
    for (const char *p = method; *p != '\0'; p++) {
        if (*p <= ' ' || *p >= 0x7f || *p == '"' || *p == '\\')
            return 0;
    }
    return 1;
}

static int add_override(plugin_overrides_t *overrides, Sts__V1__ForeignMethodPolicy *option, const char *file,
                        char *error, size_t error_size)
{
    if (!well_formed(option->method)) {
        snprintf(error, error_size,
                 "%s: foreign_method '%.200s' must be a full method name such as "
                 "\"grpc.health.v1.Health/Check\"",
                 file, option->method);
        return -1;
    }
    if (option->policy == NULL) {
        snprintf(error, error_size, "%s: foreign_method '%.200s' sets no policy", file, option->method);
        return -1;
    }
    for (size_t i = 0; i < overrides->count; i++) {
        if (strcmp(overrides->items[i].option->method, option->method) == 0) {
            snprintf(error, error_size, "%s: foreign_method '%.200s' is set twice (also in %s)", file, option->method,
                     overrides->items[i].file);
            return -1;
        }
    }
    override_t *grown = realloc(overrides->items, (overrides->count + 1) * sizeof(*grown));
    if (grown == NULL)
        sts_log_fatal("out of memory");
    overrides->items = grown;
    overrides->items[overrides->count++] = (override_t){.option = option, .file = file};
    return 0;
}

int plugin_overrides_collect(const Google__Protobuf__Compiler__CodeGeneratorRequest *request, plugin_overrides_t **out,
                             char *error, size_t error_size)
{
    plugin_overrides_t *overrides = calloc(1, sizeof(*overrides));
    if (overrides == NULL)
        sts_log_fatal("out of memory");
    *out = overrides;
    for (size_t f = 0; f < request->n_proto_file; f++) {
        const Google__Protobuf__FileDescriptorProto *file = request->proto_file[f];
        int generated = 0;
        for (size_t g = 0; g < request->n_file_to_generate; g++)
            generated |= strcmp(request->file_to_generate[g], file->name) == 0;
        /* Only the files of this run count: an imported file's overrides belong to the run that generates it. */
        if (!generated || file->options == NULL)
            continue;
        unsigned next = 0;
        ProtobufCMessage *option;
        while ((option = plugin_option_message(&file->options->base, FOREIGN_METHOD_OPTION,
                                               &sts__v1__foreign_method_policy__descriptor, &next)) != NULL) {
            if (add_override(overrides, (Sts__V1__ForeignMethodPolicy *)option, file->name, error, error_size) != 0) {
                protobuf_c_message_free_unpacked(option, NULL);
                return -1;
            }
        }
    }
    return 0;
}

const Sts__V1__MethodPolicy *plugin_overrides_take(plugin_overrides_t *overrides, const char *method,
                                                   const char **origin)
{
    for (size_t i = 0; i < overrides->count; i++) {
        if (strcmp(overrides->items[i].option->method, method) == 0) {
            overrides->items[i].applied = 1;
            *origin = overrides->items[i].file;
            return overrides->items[i].option->policy;
        }
    }
    return NULL;
}

int plugin_overrides_check_applied(const plugin_overrides_t *overrides, char *error, size_t error_size)
{
    for (size_t i = 0; i < overrides->count; i++) {
        if (!overrides->items[i].applied) {
            snprintf(error, error_size,
                     "%s: foreign_method '%.200s' names no method of the files generated in this run",
                     overrides->items[i].file, overrides->items[i].option->method);
            return -1;
        }
    }
    return 0;
}

void plugin_overrides_free(plugin_overrides_t *overrides)
{
    if (overrides == NULL)
        return;
    for (size_t i = 0; i < overrides->count; i++)
        protobuf_c_message_free_unpacked(&overrides->items[i].option->base, NULL);
    free(overrides->items);
    free(overrides);
}
