/* The reflection index: the embedded FileDescriptorProtos, unpacked once, with their symbols sorted for lookup. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "grpc/reflection.h"
#include "util/log.h"

typedef struct {
    char *name;
    size_t file;
    int is_message;
} symbol_t;

typedef struct {
    char *extendee;
    int32_t number;
    size_t file;
} extension_t;

struct sts__grpc_reflection_s {
    const sts_method_table_t *table;
    Google__Protobuf__FileDescriptorProto **files; /* parallel to table->files; NULL where one did not unpack */
    size_t file_count;
    symbol_t *symbols;
    size_t symbol_count, symbol_capacity;
    extension_t *extensions;
    size_t extension_count, extension_capacity;
};

static void *grow(void *items, size_t *capacity, size_t count, size_t size)
{
    if (count < *capacity)
        return items;
    *capacity = *capacity == 0 ? 64 : *capacity * 2;
    void *more = realloc(items, *capacity * size);
    if (more == NULL)
        sts_log_fatal("out of memory");
    return more;
}

static char *join(const char *scope, const char *name)
{
    size_t len = strlen(scope) + 1 + strlen(name) + 1;
    char *out = malloc(len);
    if (out == NULL)
        sts_log_fatal("out of memory");
    snprintf(out, len, "%s%s%s", scope, scope[0] != '\0' ? "." : "", name);
    return out;
}

static void add_symbol(sts__grpc_reflection_t *r, char *name, size_t file, int is_message)
{
    r->symbols = grow(r->symbols, &r->symbol_capacity, r->symbol_count, sizeof(symbol_t));
    r->symbols[r->symbol_count++] = (symbol_t){name, file, is_message};
}

static void add_extensions(sts__grpc_reflection_t *r, const char *scope, size_t count,
                           Google__Protobuf__FieldDescriptorProto **fields, size_t file)
{
    for (size_t i = 0; i < count; i++) {
        const Google__Protobuf__FieldDescriptorProto *field = fields[i];
        if (field->name == NULL || field->extendee == NULL)
            continue;
        add_symbol(r, join(scope, field->name), file, 0);
        r->extensions = grow(r->extensions, &r->extension_capacity, r->extension_count, sizeof(extension_t));
        /* protoc writes resolved type names with a leading dot. */
        const char *extendee = field->extendee[0] == '.' ? field->extendee + 1 : field->extendee;
        r->extensions[r->extension_count++] = (extension_t){join("", extendee), field->number, file};
    }
}

/* Enum values are scoped like the enum itself, not inside it, as in protobuf's own symbol tables. */
static void add_enums(sts__grpc_reflection_t *r, const char *scope, size_t count,
                      Google__Protobuf__EnumDescriptorProto **enums, size_t file)
{
    for (size_t i = 0; i < count; i++) {
        if (enums[i]->name == NULL)
            continue;
        add_symbol(r, join(scope, enums[i]->name), file, 0);
        for (size_t v = 0; v < enums[i]->n_value; v++) {
            if (enums[i]->value[v]->name != NULL)
                add_symbol(r, join(scope, enums[i]->value[v]->name), file, 0);
        }
    }
}

static void add_messages(sts__grpc_reflection_t *r, const char *scope, size_t count,
                         Google__Protobuf__DescriptorProto **messages, size_t file)
{
    for (size_t i = 0; i < count; i++) {
        const Google__Protobuf__DescriptorProto *message = messages[i];
        if (message->name == NULL)
            continue;
        char *name = join(scope, message->name);
        add_symbol(r, name, file, 1);
        for (size_t f = 0; f < message->n_field; f++) {
            if (message->field[f]->name != NULL)
                add_symbol(r, join(name, message->field[f]->name), file, 0);
        }
        add_messages(r, name, message->n_nested_type, message->nested_type, file);
        add_enums(r, name, message->n_enum_type, message->enum_type, file);
        add_extensions(r, name, message->n_extension, message->extension, file);
    }
}

static void add_file(sts__grpc_reflection_t *r, const Google__Protobuf__FileDescriptorProto *proto, size_t file)
{
    const char *package = proto->package != NULL ? proto->package : "";
    add_messages(r, package, proto->n_message_type, proto->message_type, file);
    add_enums(r, package, proto->n_enum_type, proto->enum_type, file);
    add_extensions(r, package, proto->n_extension, proto->extension, file);
    for (size_t s = 0; s < proto->n_service; s++) {
        const Google__Protobuf__ServiceDescriptorProto *service = proto->service[s];
        if (service->name == NULL)
            continue;
        char *name = join(package, service->name);
        add_symbol(r, name, file, 0);
        for (size_t m = 0; m < service->n_method; m++) {
            if (service->method[m]->name != NULL)
                add_symbol(r, join(name, service->method[m]->name), file, 0);
        }
    }
}

static int compare_symbols(const void *a, const void *b)
{
    return strcmp(((const symbol_t *)a)->name, ((const symbol_t *)b)->name);
}

sts__grpc_reflection_t *sts__grpc_reflection_create(const sts_method_table_t *table)
{
    sts__grpc_reflection_t *r = calloc(1, sizeof(*r));
    if (r == NULL || (r->files = calloc(table->file_count + 1, sizeof(*r->files))) == NULL)
        sts_log_fatal("out of memory");
    r->table = table;
    r->file_count = table->file_count;
    for (size_t f = 0; f < table->file_count; f++) {
        const sts_descriptor_file_t *file = &table->files[f];
        r->files[f] = google__protobuf__file_descriptor_proto__unpack(NULL, file->size, file->bytes);
        if (r->files[f] == NULL) {
            sts_log_error("grpc reflection: the embedded descriptor of %s does not unpack; it is left out", file->name);
            continue;
        }
        add_file(r, r->files[f], f);
    }
    if (r->symbol_count > 0)
        qsort(r->symbols, r->symbol_count, sizeof(symbol_t), compare_symbols);
    return r;
}

void sts__grpc_reflection_destroy(sts__grpc_reflection_t *r)
{
    if (r == NULL)
        return;
    for (size_t f = 0; f < r->file_count; f++) {
        if (r->files[f] != NULL)
            google__protobuf__file_descriptor_proto__free_unpacked(r->files[f], NULL);
    }
    for (size_t i = 0; i < r->symbol_count; i++)
        free(r->symbols[i].name);
    for (size_t i = 0; i < r->extension_count; i++)
        free(r->extensions[i].extendee);
    free(r->symbols);
    free(r->extensions);
    free(r->files);
    free(r);
}

long sts__grpc_reflection_find_file(const sts__grpc_reflection_t *r, const char *name)
{
    for (size_t f = 0; f < r->file_count; f++) {
        if (r->files[f] != NULL && strcmp(r->table->files[f].name, name) == 0)
            return (long)f;
    }
    return -1;
}

static const symbol_t *find_symbol(const sts__grpc_reflection_t *r, const char *name)
{
    symbol_t key = {(char *)name, 0, 0};
    return r->symbol_count > 0 ? bsearch(&key, r->symbols, r->symbol_count, sizeof(symbol_t), compare_symbols) : NULL;
}

long sts__grpc_reflection_find_symbol(const sts__grpc_reflection_t *r, const char *name)
{
    const symbol_t *symbol = find_symbol(r, name);
    return symbol != NULL ? (long)symbol->file : -1;
}

int sts__grpc_reflection_is_message(const sts__grpc_reflection_t *r, const char *name)
{
    const symbol_t *symbol = find_symbol(r, name);
    return symbol != NULL && symbol->is_message;
}

long sts__grpc_reflection_find_extension(const sts__grpc_reflection_t *r, const char *extendee, int32_t number)
{
    for (size_t i = 0; i < r->extension_count; i++) {
        if (r->extensions[i].number == number && strcmp(r->extensions[i].extendee, extendee) == 0)
            return (long)r->extensions[i].file;
    }
    return -1;
}

size_t sts__grpc_reflection_extension_numbers(const sts__grpc_reflection_t *r, const char *extendee, int32_t *numbers,
                                              size_t max)
{
    size_t count = 0;
    for (size_t i = 0; i < r->extension_count; i++) {
        if (strcmp(r->extensions[i].extendee, extendee) != 0)
            continue;
        if (count < max)
            numbers[count] = r->extensions[i].number;
        count++;
    }
    return count;
}

size_t sts__grpc_reflection_closure(const sts__grpc_reflection_t *r, long file, size_t *files, size_t max,
                                    unsigned char *seen)
{
    if (file < 0 || (size_t)file >= r->file_count || seen[file] || r->files[file] == NULL || max == 0)
        return 0;
    seen[file] = 1;
    files[0] = (size_t)file;
    size_t count = 1;
    const Google__Protobuf__FileDescriptorProto *proto = r->files[file];
    for (size_t d = 0; d < proto->n_dependency; d++) {
        long dependency = sts__grpc_reflection_find_file(r, proto->dependency[d]);
        if (dependency >= 0)
            count += sts__grpc_reflection_closure(r, dependency, files + count, max - count, seen);
    }
    return count;
}

size_t sts__grpc_reflection_file_count(const sts__grpc_reflection_t *r)
{
    return r->file_count;
}

const sts_descriptor_file_t *sts__grpc_reflection_file(const sts__grpc_reflection_t *r, size_t file)
{
    return &r->table->files[file];
}

const sts_method_table_t *sts__grpc_reflection_table(const sts__grpc_reflection_t *r)
{
    return r->table;
}
