/*
 * ServerReflectionInfo, both versions: one answer per request, on the generic streaming path. v1alpha's messages
 * have the same fields and numbers as v1's, so a v1alpha request is re-read as v1 and the v1 answer goes out as it
 * is: the bytes on the wire are what a v1alpha client expects.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/call.h"
#include "grpc/reflection.h"
#include "grpc/reflection/v1/reflection.pb-c.h"
#include "grpc/reflection/v1alpha/reflection.pb-c.h"
#include "util/log.h"

/* Enough for any tool's session (grpcurl asks a handful of questions); a client asking more opens another stream. */
#define MAX_REQUESTS_PER_STREAM 1024
/* Longer than any name a proto can sensibly hold; longer requests are refused before any lookup. */
#define MAX_NAME_BYTES 1024

enum { CODE_INVALID_ARGUMENT = 3, CODE_NOT_FOUND = 5 };

typedef Grpc__Reflection__V1__ServerReflectionRequest request_t;
typedef Grpc__Reflection__V1__ServerReflectionResponse response_t;

static void send_error(sts_stream_t *stream, response_t *response, int code, const char *fmt, const char *name)
{
    char message[MAX_NAME_BYTES + 128];
    snprintf(message, sizeof(message), fmt, name);
    Grpc__Reflection__V1__ErrorResponse error = GRPC__REFLECTION__V1__ERROR_RESPONSE__INIT;
    error.error_code = code;
    error.error_message = message;
    response->message_response_case = GRPC__REFLECTION__V1__SERVER_REFLECTION_RESPONSE__MESSAGE_RESPONSE_ERROR_RESPONSE;
    response->error_response = &error;
    sts_stream_send(stream, &response->base);
}

/* The file and everything it imports, so a client can build a descriptor pool from this one answer. */
static void send_files(sts_stream_t *stream, response_t *response, const sts__grpc_reflection_t *index, long file)
{
    size_t max = sts__grpc_reflection_file_count(index);
    size_t *files = calloc(max + 1, sizeof(size_t));
    unsigned char *seen = calloc(max + 1, 1);
    ProtobufCBinaryData *bytes = calloc(max + 1, sizeof(ProtobufCBinaryData));
    if (files == NULL || seen == NULL || bytes == NULL)
        sts_log_fatal("out of memory");
    size_t count = sts__grpc_reflection_closure(index, file, files, max, seen);
    for (size_t i = 0; i < count; i++) {
        const sts_descriptor_file_t *embedded = sts__grpc_reflection_file(index, files[i]);
        bytes[i] = (ProtobufCBinaryData){embedded->size, (uint8_t *)embedded->bytes};
    }
    Grpc__Reflection__V1__FileDescriptorResponse answer = GRPC__REFLECTION__V1__FILE_DESCRIPTOR_RESPONSE__INIT;
    answer.n_file_descriptor_proto = count;
    answer.file_descriptor_proto = bytes;
    response->message_response_case =
        GRPC__REFLECTION__V1__SERVER_REFLECTION_RESPONSE__MESSAGE_RESPONSE_FILE_DESCRIPTOR_RESPONSE;
    response->file_descriptor_response = &answer;
    sts_stream_send(stream, &response->base);
    free(files);
    free(seen);
    free(bytes);
}

/* Every service the method table serves, each once, in the table's order. */
static void send_services(sts_stream_t *stream, response_t *response, const sts_method_table_t *table)
{
    Grpc__Reflection__V1__ServiceResponse *services = calloc(table->method_count + 1, sizeof(*services));
    Grpc__Reflection__V1__ServiceResponse **list = calloc(table->method_count + 1, sizeof(*list));
    if (services == NULL || list == NULL)
        sts_log_fatal("out of memory");
    size_t count = 0;
    for (size_t m = 0; m < table->method_count; m++) {
        const char *name = table->methods[m].service;
        int seen = 0;
        for (size_t i = 0; i < count && !seen; i++)
            seen = strcmp(services[i].name, name) == 0;
        if (seen)
            continue;
        services[count] = (Grpc__Reflection__V1__ServiceResponse)GRPC__REFLECTION__V1__SERVICE_RESPONSE__INIT;
        services[count].name = (char *)name;
        list[count] = &services[count];
        count++;
    }
    Grpc__Reflection__V1__ListServiceResponse answer = GRPC__REFLECTION__V1__LIST_SERVICE_RESPONSE__INIT;
    answer.n_service = count;
    answer.service = list;
    response->message_response_case =
        GRPC__REFLECTION__V1__SERVER_REFLECTION_RESPONSE__MESSAGE_RESPONSE_LIST_SERVICES_RESPONSE;
    response->list_services_response = &answer;
    sts_stream_send(stream, &response->base);
    free(services);
    free(list);
}

static void send_extension_numbers(sts_stream_t *stream, response_t *response, const sts__grpc_reflection_t *index,
                                   const char *type)
{
    if (!sts__grpc_reflection_is_message(index, type)) {
        send_error(stream, response, CODE_NOT_FOUND, "no message type named '%s'", type);
        return;
    }
    size_t count = sts__grpc_reflection_extension_numbers(index, type, NULL, 0);
    int32_t *numbers = calloc(count + 1, sizeof(int32_t));
    if (numbers == NULL)
        sts_log_fatal("out of memory");
    sts__grpc_reflection_extension_numbers(index, type, numbers, count);
    Grpc__Reflection__V1__ExtensionNumberResponse answer = GRPC__REFLECTION__V1__EXTENSION_NUMBER_RESPONSE__INIT;
    answer.base_type_name = (char *)type;
    answer.n_extension_number = count;
    answer.extension_number = numbers;
    response->message_response_case =
        GRPC__REFLECTION__V1__SERVER_REFLECTION_RESPONSE__MESSAGE_RESPONSE_ALL_EXTENSION_NUMBERS_RESPONSE;
    response->all_extension_numbers_response = &answer;
    sts_stream_send(stream, &response->base);
    free(numbers);
}

/* The name a request asks about, for the length check; NULL for list_services and unset requests. */
static const char *asked_name(const request_t *request)
{
    switch (request->message_request_case) {
    case GRPC__REFLECTION__V1__SERVER_REFLECTION_REQUEST__MESSAGE_REQUEST_FILE_BY_FILENAME:
        return request->file_by_filename;
    case GRPC__REFLECTION__V1__SERVER_REFLECTION_REQUEST__MESSAGE_REQUEST_FILE_CONTAINING_SYMBOL:
        return request->file_containing_symbol;
    case GRPC__REFLECTION__V1__SERVER_REFLECTION_REQUEST__MESSAGE_REQUEST_FILE_CONTAINING_EXTENSION:
        return request->file_containing_extension->containing_type;
    case GRPC__REFLECTION__V1__SERVER_REFLECTION_REQUEST__MESSAGE_REQUEST_ALL_EXTENSION_NUMBERS_OF_TYPE:
        return request->all_extension_numbers_of_type;
    default:
        return NULL;
    }
}

static void answer(sts_stream_t *stream, const sts__grpc_reflection_t *index, request_t *request)
{
    response_t response = GRPC__REFLECTION__V1__SERVER_REFLECTION_RESPONSE__INIT;
    response.valid_host = request->host;
    response.original_request = request;
    const char *name = asked_name(request);
    if (name != NULL && strlen(name) > MAX_NAME_BYTES) {
        send_error(stream, &response, CODE_INVALID_ARGUMENT, "the name asked for is longer than %s bytes", "1024");
        return;
    }
    long file = -1;
    switch (request->message_request_case) {
    case GRPC__REFLECTION__V1__SERVER_REFLECTION_REQUEST__MESSAGE_REQUEST_LIST_SERVICES:
        send_services(stream, &response, sts__grpc_reflection_table(index));
        return;
    case GRPC__REFLECTION__V1__SERVER_REFLECTION_REQUEST__MESSAGE_REQUEST_FILE_BY_FILENAME:
        if ((file = sts__grpc_reflection_find_file(index, name)) < 0)
            send_error(stream, &response, CODE_NOT_FOUND, "no file named '%s'", name);
        break;
    case GRPC__REFLECTION__V1__SERVER_REFLECTION_REQUEST__MESSAGE_REQUEST_FILE_CONTAINING_SYMBOL:
        if ((file = sts__grpc_reflection_find_symbol(index, name)) < 0)
            send_error(stream, &response, CODE_NOT_FOUND, "no symbol named '%s'", name);
        break;
    case GRPC__REFLECTION__V1__SERVER_REFLECTION_REQUEST__MESSAGE_REQUEST_FILE_CONTAINING_EXTENSION:
        file = sts__grpc_reflection_find_extension(index, name, request->file_containing_extension->extension_number);
        if (file < 0)
            send_error(stream, &response, CODE_NOT_FOUND, "no extension of '%s' with that number", name);
        break;
    case GRPC__REFLECTION__V1__SERVER_REFLECTION_REQUEST__MESSAGE_REQUEST_ALL_EXTENSION_NUMBERS_OF_TYPE:
        send_extension_numbers(stream, &response, index, name);
        return;
    default:
        send_error(stream, &response, CODE_INVALID_ARGUMENT, "the request asks nothing%s: set one of its fields", "");
        return;
    }
    if (file >= 0)
        send_files(stream, &response, index, file);
}

static sts_status_t reflection_open(sts_stream_t *stream, const ProtobufCMessage *request)
{
    (void)stream, (void)request;
    return STS_STATUS_OK;
}

static void reflection_message(sts_stream_t *stream, const ProtobufCMessage *message)
{
    if (message == NULL) {
        sts_stream_finish(stream, STS_STATUS_OK, NULL); /* the client is done asking */
        return;
    }
    const sts__grpc_reflection_t *index = stream->context;
    if (message->descriptor == &grpc__reflection__v1__server_reflection_request__descriptor) {
        answer(stream, index, (request_t *)message);
        return;
    }
    size_t size = protobuf_c_message_get_packed_size(message);
    uint8_t *bytes = malloc(size + 1);
    if (bytes == NULL)
        sts_log_fatal("out of memory");
    protobuf_c_message_pack(message, bytes);
    request_t *request = grpc__reflection__v1__server_reflection_request__unpack(NULL, size, bytes);
    free(bytes);
    if (request == NULL) {
        sts_stream_finish(stream, STS_STATUS_INVALID_ARGUMENT, "the request is not a ServerReflectionRequest");
        return;
    }
    answer(stream, index, request);
    grpc__reflection__v1__server_reflection_request__free_unpacked(request, NULL);
}

static const sts_stream_handler_t reflection_handler = {
    .open = reflection_open,
    .on_message = reflection_message,
    .max_messages = MAX_REQUESTS_PER_STREAM,
};

const sts_stream_handler_t *sts__grpc_reflection_handler(const sts_method_t *method)
{
    if (method->request == &grpc__reflection__v1__server_reflection_request__descriptor ||
        method->request == &grpc__reflection__v1alpha__server_reflection_request__descriptor)
        return &reflection_handler;
    return NULL;
}
