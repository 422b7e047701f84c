/* The messages of a gRPC stream: reading one at a time, sending one at a time, and the status. */
#include <grpc/byte_buffer_reader.h>
#include <stdio.h>
#include <string.h>

#include "core/metrics.h"
#include "grpc/stream_internal.h"
#include "util/log.h"
#include "util/timefmt.h"

int sts__grpc_stream_start_batch(sts__grpc_stream_t *s, op_kind_t kind, const grpc_op *ops, size_t count)
{
    grpc_call_error rc = grpc_call_start_batch(s->call, ops, count, &s->tags[kind], NULL);
    if (rc != GRPC_CALL_OK) {
        sts_log_error("grpc: cannot start a batch on a %s stream (call error %d)", s->method->grpc_path, (int)rc);
        return -1;
    }
    s->ops++;
    return 0;
}

void sts__grpc_stream_log(sts__grpc_stream_t *s, sts_status_t status)
{
    sts_log_request_t line = {.request_id = s->request_id,
                              .protocol = "grpc",
                              .method = s->method->grpc_path + 1,
                              .route = s->method->grpc_path,
                              .principal = s->context.principal.name != NULL ? s->context.principal.name : "",
                              .peer = s->context.peer != NULL ? s->context.peer : "",
                              .status = (int)status,
                              .latency_us = (sts_time_monotonic_ns() - s->started_ns) / 1000,
                              .bytes = s->bytes_sent};
    sts_log_request(&line);
    sts_metrics_count_request(STS_METRICS_GRPC, s->method_index, (int)status, line.latency_us);
}

void sts__grpc_stream_finish_locked(sts__grpc_stream_t *s, sts_status_t status, const char *message)
{
    if (s->finished)
        return;
    s->finished = 1;
    s->status_sent = 1;
    sts__grpc_stream_log(s, status);
    if (status != STS_STATUS_OK)
        s->status_details = grpc_slice_from_copied_string(message != NULL ? message : sts_status_message(status));
    grpc_op op;
    memset(&op, 0, sizeof(op));
    op.op = GRPC_OP_SEND_STATUS_FROM_SERVER;
    op.data.send_status_from_server.status = (grpc_status_code)status;
    op.data.send_status_from_server.status_details = status != STS_STATUS_OK ? &s->status_details : NULL;
    if (sts__grpc_stream_start_batch(s, OP_STATUS, &op, 1) != 0)
        grpc_call_cancel(s->call, NULL);
}

int sts__grpc_stream_send(sts_stream_t *base, const ProtobufCMessage *message)
{
    sts__grpc_stream_t *s = (sts__grpc_stream_t *)base;
    if (s->finished || s->sending)
        return -1;
    size_t size = protobuf_c_message_get_packed_size(message);
    grpc_slice slice = grpc_slice_malloc(size);
    protobuf_c_message_pack(message, GRPC_SLICE_START_PTR(slice));
    grpc_byte_buffer *buffer = grpc_raw_byte_buffer_create(&slice, 1);
    grpc_slice_unref(slice);
    grpc_op op;
    memset(&op, 0, sizeof(op));
    op.op = GRPC_OP_SEND_MESSAGE;
    op.data.send_message.send_message = buffer;
    if (sts__grpc_stream_start_batch(s, OP_SEND, &op, 1) != 0) {
        grpc_byte_buffer_destroy(buffer);
        return -1;
    }
    s->send_buffer = buffer;
    s->sending = 1;
    s->bytes_sent += size;
    return 0;
}

void sts__grpc_stream_finish(sts_stream_t *base, sts_status_t status, const char *message)
{
    sts__grpc_stream_finish_locked((sts__grpc_stream_t *)base, status, message);
}

void sts__grpc_stream_read_next(sts__grpc_stream_t *s)
{
    /* One response at a time: a client that stops reading stops having its requests read too. */
    if (!s->want_read || s->receiving || s->sending || s->finished || s->input_done)
        return;
    grpc_op op;
    memset(&op, 0, sizeof(op));
    op.op = GRPC_OP_RECV_MESSAGE;
    op.data.recv_message.recv_message = &s->recv_buffer;
    if (sts__grpc_stream_start_batch(s, OP_RECV, &op, 1) == 0)
        s->receiving = 1;
    else
        sts__grpc_stream_finish_locked(s, STS_STATUS_INTERNAL, "cannot read the next message");
}

void sts__grpc_stream_open_handler(sts__grpc_stream_t *s, const ProtobufCMessage *request)
{
    s->opened = 1;
    s->want_read = (s->method->flags & STS_METHOD_CLIENT_STREAMING) != 0;
    if (s->stopping) {
        sts__grpc_stream_finish_locked(s, STS_STATUS_UNAVAILABLE, "the server is shutting down");
        return;
    }
    sts_status_t status = s->handler->open(&s->base, request);
    if (status != STS_STATUS_OK)
        sts__grpc_stream_finish_locked(s, status, sts_call_error_message(&s->context, status));
}

static ProtobufCMessage *unpack(sts__grpc_stream_t *s, grpc_byte_buffer *buffer)
{
    grpc_byte_buffer_reader reader;
    if (!grpc_byte_buffer_reader_init(&reader, buffer))
        return NULL;
    grpc_slice slice = grpc_byte_buffer_reader_readall(&reader);
    grpc_byte_buffer_reader_destroy(&reader);
    ProtobufCMessage *message = protobuf_c_message_unpack(s->method->request, &s->message_allocator,
                                                          GRPC_SLICE_LENGTH(slice), GRPC_SLICE_START_PTR(slice));
    grpc_slice_unref(slice);
    return message;
}

void sts__grpc_stream_received(sts__grpc_stream_t *s, int ok)
{
    grpc_byte_buffer *buffer = s->recv_buffer;
    s->recv_buffer = NULL;
    if (!ok || s->finished) {
        if (buffer != NULL)
            grpc_byte_buffer_destroy(buffer);
        return;
    }
    if (buffer == NULL) {
        s->input_done = 1;
        if (!s->opened)
            sts__grpc_stream_finish_locked(s, STS_STATUS_INVALID_ARGUMENT, "the call ended before its request message");
        else if (s->handler->on_message != NULL)
            s->handler->on_message(&s->base, NULL);
        return;
    }
    size_t max = s->handler->max_messages > 0 ? s->handler->max_messages : 1;
    if (++s->received > max) {
        grpc_byte_buffer_destroy(buffer);
        char message[200];
        snprintf(message, sizeof(message), "a %s stream takes at most %zu messages; open another stream",
                 s->method->name, max);
        sts__grpc_stream_finish_locked(s, STS_STATUS_RESOURCE_EXHAUSTED, message);
        return;
    }
    ProtobufCMessage *request = unpack(s, buffer);
    grpc_byte_buffer_destroy(buffer);
    if (request == NULL) {
        char message[300];
        snprintf(message, sizeof(message), "message %zu is not a valid %s", s->received, s->method->request->name);
        sts__grpc_stream_finish_locked(s, STS_STATUS_INVALID_ARGUMENT, message);
    } else if (!s->opened) {
        sts__grpc_stream_open_handler(s, request);
    } else if (s->handler->on_message != NULL) {
        s->handler->on_message(&s->base, request);
    }
    sts_arena_dispose(&s->message_arena);
    sts_arena_init(&s->message_arena);
}
