/*
 * Streaming calls over gRPC core, driven by events. A stream keeps one batch of each kind outstanding at most:
 * initial metadata, RECV_CLOSE_ON_SERVER (the call's end: status sent, client gone, deadline, shutdown), one message
 * read, one message sent, the status. `ops` counts those and any trip to a worker pool; the thread that brings it to 0
 * frees the stream. Messages are in stream_io.c. Every callback into the handler runs with the stream's lock held,
 * which is how they never run at once; threads other than the queue's (sts_stream_wake, shutdown) only ever try the
 * lock, leaving a flag the holder acts on before it lets go, so they never wait on a stream.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/dispatch.h"
#include "core/service.h"
#include "grpc/reflection.h"
#include "grpc/stream_internal.h"
#include "util/log.h"
#include "util/timefmt.h"

static void on_op(sts__grpc_tag_t *tag, int ok);

static void *arena_alloc(void *data, size_t size)
{
    return sts_arena_alloc(data, size);
}

static void arena_free(void *data, void *pointer)
{
    (void)data, (void)pointer; /* the whole arena goes after each message */
}

/* ---- the list of open streams ---- */

void sts__grpc_streams_init(sts__grpc_streams_t *streams)
{
    pthread_mutex_init(&streams->lock, NULL);
    streams->head = NULL;
    streams->stopping = 0;
}

void sts__grpc_streams_dispose(sts__grpc_streams_t *streams)
{
    pthread_mutex_destroy(&streams->lock);
}

/* ---- sending and finishing, with the lock held ---- */

/* ---- what other threads ask for: delivered by whoever holds the lock ---- */

static void deliver(sts__grpc_stream_t *s)
{
    if (atomic_exchange(&s->shutdown_pending, 0)) {
        s->stopping = 1;
        if (!s->finished && s->sending)
            /* The client may have stopped reading: a status queued behind the message would never leave. */
            grpc_call_cancel_with_status(s->call, GRPC_STATUS_UNAVAILABLE, "the server is shutting down", NULL);
        else if (!s->finished && s->opened && s->handler->on_shutdown != NULL)
            s->handler->on_shutdown(&s->base);
        else if (!s->finished && (s->opened || s->want_read))
            sts__grpc_stream_finish_locked(s, STS_STATUS_UNAVAILABLE, "the server is shutting down");
        /* else admission is on a worker pool, and open_handler sees stopping */
    }
    if (atomic_exchange(&s->woken, 0) && s->opened && !s->finished && s->handler->on_wake != NULL)
        s->handler->on_wake(&s->base);
}

/* Lets go of the lock, first acting on what other threads asked for while it was held; their flag may land just
 * after the last look, when they have already failed to take the lock, so look again once it is free. */
static void unlock_stream(sts__grpc_stream_t *s)
{
    for (;;) {
        deliver(s);
        pthread_mutex_unlock(&s->lock);
        if ((atomic_load(&s->woken) == 0 && atomic_load(&s->shutdown_pending) == 0) ||
            pthread_mutex_trylock(&s->lock) != 0)
            return;
    }
}

static void stream_wake(sts_stream_t *base)
{
    sts__grpc_stream_t *s = (sts__grpc_stream_t *)base;
    atomic_store(&s->woken, 1);
    if (pthread_mutex_trylock(&s->lock) == 0)
        unlock_stream(s);
}

static const sts_stream_ops_t grpc_stream_ops = {sts__grpc_stream_send, sts__grpc_stream_finish, stream_wake};

void sts__grpc_streams_shutdown(sts__grpc_streams_t *streams)
{
    pthread_mutex_lock(&streams->lock);
    streams->stopping = 1;
    for (sts__grpc_stream_t *s = streams->head; s != NULL; s = s->next) {
        atomic_store(&s->shutdown_pending, 1);
        if (pthread_mutex_trylock(&s->lock) == 0)
            unlock_stream(s);
    }
    pthread_mutex_unlock(&streams->lock);
}

/* ---- reading ---- */

/* ---- admission, the end of the call, and freeing ---- */

static void admit_on_worker(void *arg);

static void admit_and_open(sts__grpc_stream_t *s)
{
    sts_status_t status = sts_dispatch_admit(&s->context);
    if (status == STS_STATUS_OK && s->context.wants != STS_WORK_INLINE) {
        s->ops++; /* the trip to the pool holds the stream */
        atomic_fetch_add(s->worker->pending, 1);
        if (sts_worker_pool_submit(sts_dispatch_pool(&s->context), admit_on_worker, s) == 0)
            return;
        s->ops--;
        atomic_fetch_sub(s->worker->pending, 1);
        status = sts_dispatch_refuse(&s->context);
    }
    if (status != STS_STATUS_OK) {
        sts__grpc_stream_finish_locked(s, status, sts_call_error_message(&s->context, status));
        return;
    }
    if (s->handler == NULL || s->handler->open == NULL) {
        char message[300];
        snprintf(message, sizeof(message), "%s is not served by this server", s->method->grpc_path + 1);
        sts__grpc_stream_finish_locked(s, STS_STATUS_UNIMPLEMENTED, message);
        return;
    }
    if (s->method->flags & STS_METHOD_CLIENT_STREAMING)
        sts__grpc_stream_open_handler(s, NULL);
    else
        s->want_read = 1; /* open once the one request message is here */
    sts__grpc_stream_read_next(s);
}

static void close_stream(sts__grpc_stream_t *s)
{
    const sts__grpc_worker_t *worker = s->worker;
    sts__grpc_streams_t *streams = worker->streams;
    /* Off the list first: once this returns, shutdown no longer touches the stream. */
    pthread_mutex_lock(&streams->lock);
    if (s->prev != NULL)
        s->prev->next = s->next;
    else
        streams->head = s->next;
    if (s->next != NULL)
        s->next->prev = s->prev;
    pthread_mutex_unlock(&streams->lock);
    if (s->handler != NULL && s->handler->on_closed != NULL)
        s->handler->on_closed(&s->base, s->base.data, !s->status_sent || s->client_cancelled);
    atomic_fetch_add(s->status_sent && !s->client_cancelled ? worker->replied : worker->cancelled, 1);
    sts_call_dispose(&s->context);
    sts_arena_dispose(&s->message_arena);
    grpc_slice_unref(s->status_details);
    grpc_call_unref(s->call);
    pthread_mutex_destroy(&s->lock);
    free(s);
    atomic_fetch_sub(worker->in_flight, 1);
}

/* Runs after the handler's callbacks of one event: the stream is freed once nothing holds it any more. */
static void settle(sts__grpc_stream_t *s)
{
    sts__grpc_stream_read_next(s);
    int done = s->ops == 0;
    unlock_stream(s);
    if (done)
        close_stream(s);
}

static void admit_on_worker(void *arg)
{
    sts__grpc_stream_t *s = arg;
    atomic_int *pending = s->worker->pending;
    pthread_mutex_lock(&s->lock);
    s->ops--;
    sts_call_move(&s->context);
    if (!s->finished)
        admit_and_open(s);
    settle(s);
    atomic_fetch_sub(pending, 1);
}

static void on_op(sts__grpc_tag_t *tag, int ok)
{
    op_tag_t *op = (op_tag_t *)tag;
    sts__grpc_stream_t *s = op->stream;
    pthread_mutex_lock(&s->lock);
    s->ops--;
    switch (op->kind) {
    case OP_CLOSE:
        /* The call is over. If the handler had not finished, the client went away or the deadline passed. */
        if (!s->finished) {
            s->finished = 1;
            /* The client's clock started before ours (the header's transit), so its deadline fires a moment
             * earlier: a call cut off within DEADLINE_SLACK_NS of ours is taken as expired, not cancelled. */
            int expired =
                s->context.deadline_ns != 0 && sts_time_monotonic_ns() >= s->context.deadline_ns - DEADLINE_SLACK_NS;
            sts__grpc_stream_log(s, expired ? STS_STATUS_DEADLINE_EXCEEDED : STS_STATUS_CANCELLED);
        }
        break;
    case OP_RECV:
        s->receiving = 0;
        sts__grpc_stream_received(s, ok);
        break;
    case OP_SEND:
        s->sending = 0;
        grpc_byte_buffer_destroy(s->send_buffer);
        s->send_buffer = NULL;
        if (ok && !s->finished && s->handler->on_sent != NULL)
            s->handler->on_sent(&s->base);
        break;
    default:
        break;
    }
    settle(s);
}

sts__grpc_stream_t *sts__grpc_stream_create(const sts__grpc_worker_t *worker, long method_index, grpc_call *call,
                                            const char *request_id, int64_t started_ns)
{
    sts__grpc_stream_t *s = calloc(1, sizeof(*s));
    if (s == NULL)
        sts_log_fatal("out of memory");
    atomic_fetch_add(worker->in_flight, 1);
    s->worker = worker;
    s->method_index = method_index;
    s->method = &worker->service->methods->methods[method_index];
    s->handler =
        (s->method->flags & STS_METHOD_ADAPTER_SERVED) ? sts__grpc_reflection_handler(s->method) : s->method->stream;
    s->call = call;
    s->started_ns = started_ns;
    snprintf(s->request_id, sizeof(s->request_id), "%s", request_id);
    s->base.ops = &grpc_stream_ops;
    s->base.call = &s->context;
    s->base.context = (s->method->flags & STS_METHOD_ADAPTER_SERVED) ? worker->reflection : NULL;
    for (int k = 0; k < OP_KINDS; k++)
        s->tags[k] = (op_tag_t){{on_op}, s, (op_kind_t)k};
    pthread_mutex_init(&s->lock, NULL);
    s->status_details = grpc_empty_slice();
    sts_arena_init(&s->message_arena);
    s->message_allocator = (ProtobufCAllocator){arena_alloc, arena_free, &s->message_arena};
    sts_call_init(&s->context, worker->service, s->method);
    s->context.request_id = s->request_id;
    return s;
}

sts_call_t *sts__grpc_stream_context(sts__grpc_stream_t *stream)
{
    return &stream->context;
}

void sts__grpc_stream_start(sts__grpc_stream_t *s)
{
    sts__grpc_streams_t *streams = s->worker->streams;
    pthread_mutex_lock(&streams->lock);
    s->next = streams->head;
    if (s->next != NULL)
        s->next->prev = s;
    streams->head = s;
    if (streams->stopping)
        atomic_store(&s->shutdown_pending, 1);
    pthread_mutex_unlock(&streams->lock);

    pthread_mutex_lock(&s->lock);
    grpc_op ops[1];
    memset(ops, 0, sizeof(ops));
    s->id_metadata.key = grpc_slice_from_static_string("x-request-id");
    s->id_metadata.value = grpc_slice_from_static_buffer(s->request_id, strlen(s->request_id));
    ops[0].op = GRPC_OP_SEND_INITIAL_METADATA;
    ops[0].data.send_initial_metadata.count = 1;
    ops[0].data.send_initial_metadata.metadata = &s->id_metadata;
    sts__grpc_stream_start_batch(s, OP_METADATA, ops, 1);
    memset(ops, 0, sizeof(ops));
    ops[0].op = GRPC_OP_RECV_CLOSE_ON_SERVER;
    ops[0].data.recv_close_on_server.cancelled = &s->client_cancelled;
    if (sts__grpc_stream_start_batch(s, OP_CLOSE, ops, 1) != 0) {
        /* Without it the end of the call would go unseen: end it now. */
        s->finished = 1;
        sts__grpc_stream_log(s, STS_STATUS_INTERNAL);
        grpc_call_cancel(s->call, NULL);
    } else {
        admit_and_open(s);
    }
    settle(s);
}
