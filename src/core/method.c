#include "core/method.h"

#include <string.h>

const sts_method_t *sts_method_find_grpc(const sts_method_table_t *table, const char *path, size_t path_len)
{
    for (size_t i = 0; i < table->method_count; i++) {
        const char *candidate = table->methods[i].grpc_path;
        if (strncmp(candidate, path, path_len) == 0 && candidate[path_len] == '\0')
            return &table->methods[i];
    }
    return NULL;
}

static const sts_json_message_t *find_message(const sts_method_table_t *table,
                                              const ProtobufCMessageDescriptor *descriptor)
{
    if (table == NULL)
        return NULL;
    for (size_t i = 0; i < table->message_count; i++) {
        if (table->messages[i].descriptor == descriptor)
            return &table->messages[i];
    }
    return NULL;
}

const char *const *sts_method_json_names(const sts_method_table_t *table, const ProtobufCMessageDescriptor *descriptor)
{
    const sts_json_message_t *message = find_message(table, descriptor);
    return message != NULL ? message->json_names : NULL;
}

const sts_field_annotation_t *sts_method_field_annotations(const sts_method_table_t *table,
                                                           const ProtobufCMessageDescriptor *descriptor)
{
    const sts_json_message_t *message = find_message(table, descriptor);
    return message != NULL ? message->annotations : NULL;
}

int sts_method_table_has_service(const sts_method_table_t *table, const char *service)
{
    for (size_t i = 0; i < table->method_count; i++) {
        if (strcmp(table->methods[i].service, service) == 0)
            return 1;
    }
    return 0;
}
