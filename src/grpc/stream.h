/* Streaming calls over gRPC core: the adapter's side of core/stream.h; internal to the gRPC adapter. */
#ifndef STS_GRPC_STREAM_H
#define STS_GRPC_STREAM_H
#include <grpc/grpc.h>
#include <pthread.h>
#include <stdint.h>

#include "core/call.h"
#include "grpc/rpc.h"

typedef struct sts__grpc_stream_s sts__grpc_stream_t;

/**
 * The server's open streams, so shutdown can end them: each is listed from its start until it is freed. The list's
 * lock is taken before a stream's (and only ever tried, never waited for, on a stream while held).
 */
struct sts__grpc_streams_s {
    pthread_mutex_t lock;
    sts__grpc_stream_t *head;
    int stopping;
};

void sts__grpc_streams_init(sts__grpc_streams_t *streams);

/** Call once every stream is gone (the server's calls have drained). */
void sts__grpc_streams_dispose(sts__grpc_streams_t *streams);

/**
 * The server is stopping: streams started from now on end at once with UNAVAILABLE, and every open one hears it
 * (its handler's on_shutdown, or UNAVAILABLE). A stream with a message still on its way, whose client may have stopped
 * reading, is cancelled with UNAVAILABLE instead, so the stop never waits on a client. Any thread; never blocks on a
 * stream.
 */
void sts__grpc_streams_shutdown(sts__grpc_streams_t *streams);

/**
 * Takes over a new call of the streaming row method_index: call (its reference moves to the stream) on worker's
 * queue, with the request id chosen for it and its arrival time. The stream counts itself in worker->in_flight until
 * it is freed. Fill in the context (authorization, peer, deadline) through sts__grpc_stream_context, then call
 * sts__grpc_stream_start exactly once. Runs on the worker's queue thread.
 */
sts__grpc_stream_t *sts__grpc_stream_create(const sts__grpc_worker_t *worker, long method_index, grpc_call *call,
                                            const char *request_id, int64_t started_ns);

/** The stream's core call context, to fill in before sts__grpc_stream_start. */
sts_call_t *sts__grpc_stream_context(sts__grpc_stream_t *stream);

/**
 * Sends the initial metadata, watches for the call's end, admits the call through the shared dispatch step (on the
 * lookup pool when an authenticator needs it) and opens the row's stream handler, or ends the call with the reason.
 * From here the stream frees itself when the call is over.
 */
void sts__grpc_stream_start(sts__grpc_stream_t *stream);

#endif
