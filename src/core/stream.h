/* Streaming calls, wire-agnostic: what a streaming handler sees of its call, and what it answers to. */
#ifndef STS_CORE_STREAM_H
#define STS_CORE_STREAM_H

#include <protobuf-c/protobuf-c.h>
#include <stddef.h>

#include "core/call.h"
#include "core/status.h"

/**
 * One streaming call (rows with STS_METHOD_CLIENT_STREAMING and/or STS_METHOD_SERVER_STREAMING). The adapter owns
 * it; the handler only gets callbacks and answers through the functions below.
 *
 * Lifecycle, in libuv's style:
 * - The adapter admits the call through the shared dispatch step (authentication and policy, as for unary rows),
 *   then calls handler->open once. For a server-streaming row whose client sends one message, request is that
 *   message; for client or bidirectional streaming, request is NULL and every message comes through on_message.
 * - After open, the handler gets on_message (one message, or end of input with message NULL), on_sent (the last
 *   sts_stream_send was handed to the transport: another may be sent), on_wake (someone called sts_stream_wake) and
 *   on_shutdown (the server is stopping: finish soon; NULL means the adapter finishes with UNAVAILABLE).
 * - The stream ends when the handler calls sts_stream_finish, the client cancels, the deadline passes or the
 *   server cuts it off at shutdown. Whatever the reason, on_closed is the last callback, exactly once, even if open
 *   was never called (then the handler's data is NULL): free the handler's state there.
 *
 * Threads: the callbacks of one stream never run at once; they run on the adapter's threads, on the thread calling
 * sts_stream_wake, or on the thread stopping the server. Everything the handler keeps in its data is therefore
 * only touched from callbacks. sts_stream_send, sts_stream_finish, sts_stream_set_data and sts_stream_data may be
 * called only from inside a callback of the same stream (open to on_shutdown, not on_closed); sts_stream_wake from any
 * thread, as long as the caller knows the stream is not closed yet (it unregisters whatever calls wake in on_closed).
 *
 * Flow control: at most one message is being sent at a time (sts_stream_send fails while one is), and the adapter
 * reads the client's next message only once the handler has returned from on_message and no send is outstanding,
 * so a client that stops reading stops its own requests too. The adapter enforces handler->max_messages.
 *
 * Memory: open's request and a message passed to on_message live until the callback returns; sts_stream_send
 * copies what it sends.
 * sts_stream_call's call (principal, deadline, arena) lives as long as the stream; its arena is for what lives as
 * long as the stream, not per message.
 */
typedef struct sts_stream_s sts_stream_t;

/** What a streaming row runs; rows point at one static instance. */
typedef struct sts_stream_handler_s {
    /** Starts the stream; return OK to keep it open, or a failure (with sts_call_fail) to finish it at once. */
    sts_status_t (*open)(sts_stream_t *stream, const ProtobufCMessage *request);
    /** A message from the client, or NULL at the end of input (the client half-closed). May be NULL for
     * server-streaming rows. */
    void (*on_message)(sts_stream_t *stream, const ProtobufCMessage *message);
    /** The previous send went out; may be NULL. */
    void (*on_sent)(sts_stream_t *stream);
    /** sts_stream_wake was called (coalesced: several wakes may give one call); may be NULL. */
    void (*on_wake)(sts_stream_t *stream);
    /** The server is stopping: finish now or soon. NULL: the adapter finishes with UNAVAILABLE. */
    void (*on_shutdown)(sts_stream_t *stream);
    /** Last callback: free the handler's state (data, NULL if open never ran or set none). cancelled is nonzero when
     * the stream ended without a status sent by the handler (client gone, deadline, shutdown). */
    void (*on_closed)(sts_stream_t *stream, void *data, int cancelled);
    /** Most messages a client may send on one stream; beyond it the stream ends with RESOURCE_EXHAUSTED. 0: 1. */
    size_t max_messages;
} sts_stream_handler_t;

/** What an adapter implements behind sts_stream_t; only adapters use it. */
typedef struct {
    int (*send)(sts_stream_t *stream, const ProtobufCMessage *message);
    void (*finish)(sts_stream_t *stream, sts_status_t status, const char *message);
    void (*wake)(sts_stream_t *stream);
} sts_stream_ops_t;

/** The part of a stream core knows; adapters embed it first in their own stream state. */
struct sts_stream_s {
    const sts_stream_ops_t *ops;
    sts_call_t *call;
    void *data;
    /** For rows the adapter serves itself (STS_METHOD_ADAPTER_SERVED): the adapter's own state for the handler
     * (e.g. the reflection index), read-only and outliving the stream; NULL for core's handlers. */
    const void *context;
};

/**
 * Queues message (of the row's response type, or one with the same wire format) to the client: packs a copy.
 * Returns 0, or -1 when a send is still outstanding (wait for on_sent) or the stream is finished or closing.
 * Callbacks only.
 */
int sts_stream_send(sts_stream_t *stream, const ProtobufCMessage *message);

/** Ends the stream with status and message (NULL: the status's default), after any send outstanding. Only the
 * first call counts. Callbacks only. */
void sts_stream_finish(sts_stream_t *stream, sts_status_t status, const char *message);

/** Asks for an on_wake callback soon, on this or another thread. Never blocks. Any thread (see above). */
void sts_stream_wake(sts_stream_t *stream);

/** The call: principal, deadline, method, service, arena. Callbacks only. */
sts_call_t *sts_stream_call(sts_stream_t *stream);

/** The handler's own pointer (NULL until set). Callbacks only. */
void *sts_stream_data(sts_stream_t *stream);
void sts_stream_set_data(sts_stream_t *stream, void *data);

#endif
