#include "core/call.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static void *arena_alloc(void *data, size_t size)
{
    return sts_arena_alloc(data, size);
}

static void arena_free(void *data, void *pointer)
{
    /* The arena frees everything at once in sts_call_dispose. */
    (void)data;
    (void)pointer;
}

void sts_call_init(sts_call_t *call, const sts_service_t *service, const sts_method_t *method)
{
    memset(call, 0, sizeof(*call));
    call->service = service;
    call->method = method;
    sts_arena_init(&call->arena);
    call->allocator.alloc = arena_alloc;
    call->allocator.free = arena_free;
    call->allocator.allocator_data = &call->arena;
}

void sts_call_move(sts_call_t *call)
{
    call->runs_on = call->wants;
    call->wants = STS_WORK_INLINE;
    call->error_message = NULL;
    call->error_reason = NULL;
}

int sts_principal_is(const sts_principal_t *principal, int domain, const char *auth_id, const char *name)
{
    return principal->authenticated && principal->domain == domain && principal->auth_id != NULL &&
           principal->name != NULL && strcmp(principal->auth_id, auth_id) == 0 && strcmp(principal->name, name) == 0;
}

void sts_call_dispose(sts_call_t *call)
{
    sts_arena_dispose(&call->arena);
}

static void record(sts_call_t *call, const char *fmt, va_list args)
{
    va_list again;
    va_copy(again, args);
    int len = vsnprintf(NULL, 0, fmt, args);
    if (len >= 0) {
        char *message = sts_arena_alloc(&call->arena, (size_t)len + 1);
        vsnprintf(message, (size_t)len + 1, fmt, again);
        call->error_message = message;
    }
    va_end(again);
}

sts_status_t sts_call_fail(sts_call_t *call, sts_status_t status, const char *fmt, ...)
{
    va_list args;
    va_start(args, fmt);
    record(call, fmt, args);
    va_end(args);
    return status;
}

sts_status_t sts_call_fail_reason(sts_call_t *call, sts_status_t status, const char *reason, const char *fmt, ...)
{
    va_list args;
    va_start(args, fmt);
    record(call, fmt, args);
    va_end(args);
    call->error_reason = reason;
    return status;
}

const char *sts_call_error_message(const sts_call_t *call, sts_status_t status)
{
    return call->error_message != NULL ? call->error_message : sts_status_message(status);
}

ProtobufCMessage *sts_call_new_message(sts_call_t *call, const ProtobufCMessageDescriptor *descriptor)
{
    ProtobufCMessage *message = sts_arena_alloc(&call->arena, descriptor->sizeof_message);
    descriptor->message_init(message);
    return message;
}

ProtobufCMessage *sts_call_unpack(sts_call_t *call, const ProtobufCMessageDescriptor *descriptor, const uint8_t *data,
                                  size_t len)
{
    ProtobufCMessage *message = protobuf_c_message_unpack(descriptor, &call->allocator, len, data);
    if (message == NULL)
        sts_call_fail(call, STS_STATUS_INVALID_ARGUMENT, "the request is not a valid %s message", descriptor->name);
    return message;
}
