/* gRPC server reflection (grpc.reflection.v1 and v1alpha), answered from the descriptors embedded in gen/. */
#ifndef STS_GRPC_REFLECTION_H
#define STS_GRPC_REFLECTION_H
#include <stddef.h>
#include <stdint.h>

#include "core/method.h"
#include "core/stream.h"
#include "google/protobuf/descriptor.pb-c.h"

/**
 * What reflection answers from: the table's embedded files unpacked, with every symbol and extension they define.
 * Built once per server, immutable afterwards, so any thread may read it. Files that do not unpack are left out (and
 * logged), so asking for them gets NOT_FOUND.
 */
typedef struct sts__grpc_reflection_s sts__grpc_reflection_t;

/** Builds the index of table->files. Never NULL (out of memory is fatal). */
sts__grpc_reflection_t *sts__grpc_reflection_create(const sts_method_table_t *table);

/** Frees the index; NULL is fine. After every stream using it is gone. */
void sts__grpc_reflection_destroy(sts__grpc_reflection_t *reflection);

/** The stream handler of an adapter-served row the reflection serves (either version's ServerReflectionInfo); NULL
 * for any other row. Its streams expect the index as sts_stream_t.context. */
const sts_stream_handler_t *sts__grpc_reflection_handler(const sts_method_t *method);

/** The file named name ("sts/v1/token.proto"); -1 if none. */
long sts__grpc_reflection_find_file(const sts__grpc_reflection_t *reflection, const char *name);

/**
 * The file defining the fully-qualified symbol name, without a leading dot: a service, a method
 * ("pkg.Service.Method"), a message or enum (nested ones too), a field, an enum value or an extension; -1 if none.
 */
long sts__grpc_reflection_find_symbol(const sts__grpc_reflection_t *reflection, const char *name);

/** True when name is a message type some file defines. */
int sts__grpc_reflection_is_message(const sts__grpc_reflection_t *reflection, const char *name);

/** The file defining extension number of message type extendee ("google.protobuf.MethodOptions"); -1 if none. */
long sts__grpc_reflection_find_extension(const sts__grpc_reflection_t *reflection, const char *extendee,
                                         int32_t number);

/** Copies up to max extension numbers of extendee into numbers; returns how many there are in all. */
size_t sts__grpc_reflection_extension_numbers(const sts__grpc_reflection_t *reflection, const char *extendee,
                                              int32_t *numbers, size_t max);

/**
 * Writes file and every file it imports, transitively, each once, the file first, into files (up to max indexes;
 * seen: one zeroed byte per file). Returns how many were written.
 */
size_t sts__grpc_reflection_closure(const sts__grpc_reflection_t *reflection, long file, size_t *files, size_t max,
                                    unsigned char *seen);

/** How many files the index has (the closure's bound). */
size_t sts__grpc_reflection_file_count(const sts__grpc_reflection_t *reflection);

/** The embedded bytes of file (as the table holds them). */
const sts_descriptor_file_t *sts__grpc_reflection_file(const sts__grpc_reflection_t *reflection, size_t file);

/** The table the index was built from (its services are what list_services names). */
const sts_method_table_t *sts__grpc_reflection_table(const sts__grpc_reflection_t *reflection);

#endif
