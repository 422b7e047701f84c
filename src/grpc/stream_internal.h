/* The state of one gRPC stream, shared by grpc/stream.c (lifecycle) and grpc/stream_io.c (messages); internal. */
#ifndef STS_GRPC_STREAM_INTERNAL_H
#define STS_GRPC_STREAM_INTERNAL_H
#include <stdatomic.h>

#include "core/request_id.h"
#include "core/stream.h"
#include "grpc/stream.h"
#include "util/arena.h"

#define DEADLINE_SLACK_NS (50 * 1000 * 1000)

typedef enum { OP_METADATA, OP_CLOSE, OP_RECV, OP_SEND, OP_STATUS, OP_KINDS } op_kind_t;

typedef struct {
    sts__grpc_tag_t tag;
    sts__grpc_stream_t *stream;
    op_kind_t kind;
} op_tag_t;

struct sts__grpc_stream_s {
    sts_stream_t base; /* what the handler sees */
    const sts__grpc_worker_t *worker;
    const sts_method_t *method;
    long method_index;
    const sts_stream_handler_t *handler; /* NULL: nothing serves this row here */
    grpc_call *call;
    sts_call_t context;
    op_tag_t tags[OP_KINDS];
    pthread_mutex_t lock;
    atomic_int woken;
    atomic_int shutdown_pending;
    /* The rest is under lock. */
    int ops;
    int opened;      /* handler->open ran */
    int want_read;   /* messages are expected: the request of a server-streaming row, or any once opened */
    int finished;    /* nothing more is sent: the status went out, or the call is over */
    int status_sent; /* by us, rather than the call ending first */
    int stopping;
    int sending, receiving, input_done;
    int client_cancelled; /* written by gRPC at RECV_CLOSE_ON_SERVER */
    size_t received;
    size_t bytes_sent;
    grpc_byte_buffer *recv_buffer;
    grpc_byte_buffer *send_buffer; /* kept until its batch completes, as gRPC asks */
    grpc_slice status_details;
    grpc_metadata id_metadata;
    sts_arena_t message_arena;
    ProtobufCAllocator message_allocator;
    char request_id[STS_REQUEST_ID_MAX + 1];
    int64_t started_ns;
    sts__grpc_stream_t *prev, *next;
};

/* Everything below runs with the stream's lock held. */

/** Starts a batch of one kind, counted in ops; returns 0, or -1 (logged) if gRPC refused it. */
int sts__grpc_stream_start_batch(sts__grpc_stream_t *s, op_kind_t kind, const grpc_op *ops, size_t count);

/** Writes the stream's request line and counts it in the metrics. */
void sts__grpc_stream_log(sts__grpc_stream_t *s, sts_status_t status);

/** Sends the status (once; later calls do nothing) and logs the stream. */
void sts__grpc_stream_finish_locked(sts__grpc_stream_t *s, sts_status_t status, const char *message);

/** core/stream.h's send and finish, for the stream's ops table. */
int sts__grpc_stream_send(sts_stream_t *base, const ProtobufCMessage *message);
void sts__grpc_stream_finish(sts_stream_t *base, sts_status_t status, const char *message);

/** Posts the next read when messages are expected and nothing is being read or sent. */
void sts__grpc_stream_read_next(sts__grpc_stream_t *s);

/** Marks the stream open and runs handler->open (or ends the stream when the server is stopping). */
void sts__grpc_stream_open_handler(sts__grpc_stream_t *s, const ProtobufCMessage *request);

/** A read completed: the first request opens the handler, later ones go to on_message, NULL is the end of input. */
void sts__grpc_stream_received(sts__grpc_stream_t *s, int ok);

#endif
