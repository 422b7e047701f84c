#include "grpc/rpc.h"
#include <grpc/byte_buffer_reader.h>
#include <grpc/support/alloc.h>
#include <grpc/support/time.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "core/call.h"
#include "core/dispatch.h"
#include "core/metrics.h"
#include "core/request_id.h"
#include "grpc/stream.h"
#include "grpc/tls.h"
#include "util/log.h"
#include "util/timefmt.h"

typedef enum { RPC_WAITING, RPC_REPLYING } rpc_state_t;

struct sts__grpc_rpc_s {
    sts__grpc_tag_t tag; /* first: the queue thread finds on_event through it */
    const sts__grpc_worker_t *worker;
    long method_index; /* -1: a catcher for unregistered methods */
    rpc_state_t state;
    grpc_call *call;
    gpr_timespec deadline;
    grpc_byte_buffer *payload;
    grpc_metadata_array metadata;
    grpc_call_details details; /* catchers only */
    grpc_byte_buffer *response;
    grpc_slice status_details;
    int cancelled;
    int armed, in_flight;    /* counted in the worker's armed and in_flight */
    int retry_after_seconds; /* > 0: sent as retry-after trailing metadata, as REST sends Retry-After */
    grpc_metadata trailer;
    char retry_after[16];
    sts_call_t context; /* the core call, while it runs */
    ProtobufCMessage *request;
    /* For the answer's metadata and the request log, which outlive the core call. */
    char request_id[STS_REQUEST_ID_MAX + 1];
    grpc_metadata id_metadata;
    int64_t started_ns;
    char principal[256];
    char peer[64];
};

static void on_tag(sts__grpc_tag_t *tag, int ok)
{
    sts__grpc_rpc_on_event((sts__grpc_rpc_t *)tag, ok);
}

static int is_streaming(const sts__grpc_worker_t *worker, long method_index)
{
    return method_index >= 0 && (worker->service->methods->methods[method_index].flags & STS_METHOD_STREAMING);
}

int sts__grpc_rpc_request(const sts__grpc_worker_t *worker, long method_index)
{
    sts__grpc_rpc_t *rpc = calloc(1, sizeof(*rpc));
    if (rpc == NULL)
        sts_log_fatal("out of memory");
    rpc->tag.on_event = on_tag;
    rpc->worker = worker;
    rpc->method_index = method_index;
    rpc->status_details = grpc_empty_slice();
    grpc_metadata_array_init(&rpc->metadata);
    grpc_call_error rc;
    /* Counted before posting: with several queue threads the call may complete on another one at once. */
    rpc->armed = 1;
    atomic_fetch_add(worker->armed, 1);
    if (method_index < 0) {
        grpc_call_details_init(&rpc->details);
        rc = grpc_server_request_call(worker->server, &rpc->call, &rpc->details, &rpc->metadata, worker->cq, worker->cq,
                                      rpc);
    } else {
        /* Streaming rows are registered without a payload: their messages are read one by one. */
        rc = grpc_server_request_registered_call(
            worker->server, worker->registered[method_index], &rpc->call, &rpc->deadline, &rpc->metadata,
            is_streaming(worker, method_index) ? NULL : &rpc->payload, worker->cq, worker->cq, rpc);
    }
    if (rc == GRPC_CALL_OK)
        return 0;
    /* Never posted: nothing will complete it. */
    rpc->armed = 0;
    atomic_fetch_sub(worker->armed, 1);
    sts__grpc_rpc_on_event(rpc, 0);
    return -1;
}

static void rpc_free(sts__grpc_rpc_t *rpc)
{
    if (rpc->in_flight)
        atomic_fetch_sub(rpc->worker->in_flight, 1);
    if (rpc->call != NULL)
        grpc_call_unref(rpc->call);
    if (rpc->payload != NULL)
        grpc_byte_buffer_destroy(rpc->payload);
    if (rpc->response != NULL)
        grpc_byte_buffer_destroy(rpc->response);
    grpc_metadata_array_destroy(&rpc->metadata);
    if (rpc->method_index < 0)
        grpc_call_details_destroy(&rpc->details);
    grpc_slice_unref(rpc->status_details);
    free(rpc);
}

/* The client's address without scheme or port ("ipv4:127.0.0.1:5000" gives "127.0.0.1"); NULL when unknown. */
static const char *peer_address(sts_call_t *call, grpc_call *grpc)
{
    char *peer = grpc_call_get_peer(grpc);
    const char *address = NULL;
    if (peer != NULL) {
        const char *start = strchr(peer, ':');
        start = start != NULL ? start + 1 : peer;
        const char *end = strrchr(start, ':');
        size_t len = end != NULL ? (size_t)(end - start) : strlen(start);
        if (len >= 2 && start[0] == '[' && start[len - 1] == ']') {
            start++;
            len -= 2;
        }
        address = sts_arena_strndup(&call->arena, start, len);
        gpr_free(peer);
    }
    return address;
}

static const char *find_metadata(sts_call_t *call, const grpc_metadata_array *metadata, const char *key)
{
    for (size_t i = 0; i < metadata->count; i++) {
        const grpc_metadata *entry = &metadata->metadata[i];
        if (grpc_slice_str_cmp(entry->key, key) == 0)
            return sts_arena_strndup(&call->arena, (const char *)GRPC_SLICE_START_PTR(entry->value),
                                     GRPC_SLICE_LENGTH(entry->value));
    }
    return NULL;
}

/* gRPC keeps its own monotonic epoch, so carry the time left over rather than the absolute deadline. */
/* Beyond this the caller's deadline cannot matter, and adding it to now in nanoseconds could overflow int64. */
#define FAR_DEADLINE_SECONDS (100LL * 366 * 24 * 3600)

/* The call's deadline on our monotonic clock, 0 for none; one already past maps to now, so it counts as expired. */
static int64_t deadline_ns(gpr_timespec deadline)
{
    if (gpr_time_cmp(deadline, gpr_inf_future(deadline.clock_type)) == 0)
        return 0;
    gpr_timespec left = gpr_time_sub(deadline, gpr_now(deadline.clock_type));
    if (left.tv_sec >= FAR_DEADLINE_SECONDS)
        return 0;
    int64_t now = sts_time_monotonic_ns();
    if (left.tv_sec < 0)
        return now > 0 ? now : 1;
    return now + left.tv_sec * 1000000000 + left.tv_nsec;
}

static ProtobufCMessage *read_request(sts__grpc_rpc_t *rpc, sts_call_t *call)
{
    if (rpc->payload == NULL)
        return sts_call_unpack(call, call->method->request, NULL, 0);
    grpc_byte_buffer_reader reader;
    if (!grpc_byte_buffer_reader_init(&reader, rpc->payload)) {
        sts_call_fail(call, STS_STATUS_INVALID_ARGUMENT, "cannot decompress the request message");
        return NULL;
    }
    grpc_slice slice = grpc_byte_buffer_reader_readall(&reader);
    grpc_byte_buffer_reader_destroy(&reader);
    ProtobufCMessage *request =
        sts_call_unpack(call, call->method->request, GRPC_SLICE_START_PTR(slice), GRPC_SLICE_LENGTH(slice));
    grpc_slice_unref(slice);
    return request;
}

static grpc_byte_buffer *pack_response(sts_call_t *call, const ProtobufCMessage *response)
{
    size_t size = protobuf_c_message_get_packed_size(response);
    uint8_t *bytes = sts_arena_alloc(&call->arena, size);
    protobuf_c_message_pack(response, bytes);
    grpc_slice slice = grpc_slice_from_copied_buffer((const char *)bytes, size);
    grpc_byte_buffer *buffer = grpc_raw_byte_buffer_create(&slice, 1);
    grpc_slice_unref(slice);
    return buffer;
}

/* Keeps what the request log needs of the core call before it is disposed. */
static void remember_caller(sts__grpc_rpc_t *rpc, const sts_call_t *call)
{
    snprintf(rpc->principal, sizeof(rpc->principal), "%s", call->principal.name != NULL ? call->principal.name : "");
    snprintf(rpc->peer, sizeof(rpc->peer), "%s", call->peer != NULL ? call->peer : "");
}

static void log_request(const sts__grpc_rpc_t *rpc, sts_status_t status)
{
    const char *path =
        rpc->method_index >= 0 ? rpc->worker->service->methods->methods[rpc->method_index].grpc_path : NULL;
    sts_log_request_t line = {.request_id = rpc->request_id,
                              .protocol = "grpc",
                              .method = path != NULL ? path + 1 : NULL,
                              .route = path,
                              .principal = rpc->principal,
                              .peer = rpc->peer,
                              .status = (int)status,
                              .latency_us = (sts_time_monotonic_ns() - rpc->started_ns) / 1000,
                              .bytes = rpc->response != NULL ? grpc_byte_buffer_length(rpc->response) : 0};
    sts_log_request(&line);
    sts_metrics_count_request(STS_METRICS_GRPC, rpc->method_index, (int)status, line.latency_us);
}

/* Sends metadata (the request id), the response (if any) and the status in one batch; the batch's tag is rpc. */
static void reply(sts__grpc_rpc_t *rpc, sts_status_t status, const char *message)
{
    log_request(rpc, status);
    grpc_op ops[4];
    memset(ops, 0, sizeof(ops));
    size_t n = 0;
    rpc->id_metadata.key = grpc_slice_from_static_string("x-request-id");
    rpc->id_metadata.value = grpc_slice_from_static_buffer(rpc->request_id, strlen(rpc->request_id));
    ops[n].data.send_initial_metadata.count = 1;
    ops[n].data.send_initial_metadata.metadata = &rpc->id_metadata;
    ops[n++].op = GRPC_OP_SEND_INITIAL_METADATA;
    if (rpc->response != NULL) {
        ops[n].op = GRPC_OP_SEND_MESSAGE;
        ops[n++].data.send_message.send_message = rpc->response;
    }
    if (message != NULL)
        rpc->status_details = grpc_slice_from_copied_string(message);
    ops[n].op = GRPC_OP_SEND_STATUS_FROM_SERVER;
    if (rpc->retry_after_seconds > 0) {
        int len = snprintf(rpc->retry_after, sizeof(rpc->retry_after), "%d", rpc->retry_after_seconds);
        rpc->trailer.key = grpc_slice_from_static_string("retry-after");
        rpc->trailer.value = grpc_slice_from_static_buffer(rpc->retry_after, (size_t)len);
        ops[n].data.send_status_from_server.trailing_metadata_count = 1;
        ops[n].data.send_status_from_server.trailing_metadata = &rpc->trailer;
    }
    ops[n].data.send_status_from_server.status = (grpc_status_code)status;
    ops[n++].data.send_status_from_server.status_details = message != NULL ? &rpc->status_details : NULL;
    ops[n].op = GRPC_OP_RECV_CLOSE_ON_SERVER;
    ops[n++].data.recv_close_on_server.cancelled = &rpc->cancelled;
    rpc->state = RPC_REPLYING;
    grpc_call_error rc = grpc_call_start_batch(rpc->call, ops, n, rpc, NULL);
    if (rc != GRPC_CALL_OK) {
        sts_log_error("grpc: cannot reply (call error %d)", (int)rc);
        rpc_free(rpc);
    }
}

/* Dispatches, then replies (returning 0), unless the call must move to a worker pool first (returning 1). Runs on the
 * completion-queue thread or on a worker; the reply may free rpc at once on another thread, so nothing of the call may
 * be touched after it. */
static int run(sts__grpc_rpc_t *rpc)
{
    sts_call_t *call = &rpc->context;
    ProtobufCMessage *response = NULL;
    sts_status_t status = sts_dispatch(call, rpc->request, &response);
    if (call->wants != STS_WORK_INLINE)
        return 1;
    char message[1024] = "";
    if (status == STS_STATUS_OK)
        rpc->response = pack_response(call, response);
    else
        snprintf(message, sizeof(message), "%s", sts_call_error_message(call, status));
    if (status != STS_STATUS_OK)
        rpc->retry_after_seconds = call->retry_after_seconds;
    if (sts_status_http(status) >= 500)
        sts_log_warn("%s failed: %s: %s", call->method->grpc_path, sts_status_name(status), message);
    remember_caller(rpc, call);
    sts_call_dispose(call);
    reply(rpc, status, status == STS_STATUS_OK ? NULL : message);
    return 0;
}

/* A worker queue is full: refused at once, never queued, with the hint REST gives in Retry-After. */
static void refuse(sts__grpc_rpc_t *rpc)
{
    char message[256];
    sts_status_t status = sts_dispatch_refuse(&rpc->context);
    snprintf(message, sizeof(message), "%s", sts_call_error_message(&rpc->context, status));
    rpc->retry_after_seconds = rpc->context.retry_after_seconds;
    remember_caller(rpc, &rpc->context);
    sts_call_dispose(&rpc->context);
    reply(rpc, status, message);
}

static void run_on_worker(void *arg)
{
    sts__grpc_rpc_t *rpc = arg;
    atomic_int *pending = rpc->worker->pending;
    sts_call_move(&rpc->context);
    if (run(rpc) != 0) {
        /* A lookup done, the handler may need another class of worker still: the call hops there. */
        if (sts_worker_pool_submit(sts_dispatch_pool(&rpc->context), run_on_worker, rpc) == 0)
            return;
        refuse(rpc);
    }
    atomic_fetch_sub(pending, 1);
}

/* The client's x-request-id when sane, else a new one. */
static void choose_request_id(sts__grpc_rpc_t *rpc)
{
    const grpc_slice *incoming = NULL;
    for (size_t i = 0; i < rpc->metadata.count && incoming == NULL; i++) {
        if (grpc_slice_str_cmp(rpc->metadata.metadata[i].key, "x-request-id") == 0)
            incoming = &rpc->metadata.metadata[i].value;
    }
    sts_request_id_choose(incoming != NULL ? (const char *)GRPC_SLICE_START_PTR(*incoming) : NULL,
                          incoming != NULL ? GRPC_SLICE_LENGTH(*incoming) : 0, rpc->request_id);
}

/* The request's context as both kinds of call need it. */
static void prepare_call(sts__grpc_rpc_t *rpc, sts_call_t *call)
{
    call->authorization = find_metadata(call, &rpc->metadata, "authorization");
    call->peer = peer_address(call, rpc->call);
    if (rpc->worker->verified_client_certificates)
        call->client_certificate_subject = sts__grpc_tls_peer_subject(rpc->call, &call->arena);
    call->deadline_ns = deadline_ns(rpc->deadline);
}

/* A streaming row's call moves to a stream (grpc/stream.h), which counts itself in flight before this rpc stops. */
static void serve_stream(sts__grpc_rpc_t *rpc)
{
    sts__grpc_stream_t *stream =
        sts__grpc_stream_create(rpc->worker, rpc->method_index, rpc->call, rpc->request_id, rpc->started_ns);
    sts_call_t *call = sts__grpc_stream_context(stream);
    prepare_call(rpc, call);
    rpc->call = NULL;
    rpc_free(rpc);
    sts__grpc_stream_start(stream);
}

static void serve(sts__grpc_rpc_t *rpc)
{
    const sts__grpc_worker_t *worker = rpc->worker;
    char message[256];
    rpc->started_ns = sts_time_monotonic_ns();
    choose_request_id(rpc);
    if (rpc->method_index < 0) {
        size_t len = GRPC_SLICE_LENGTH(rpc->details.method);
        snprintf(message, sizeof(message), "unknown method %.*s", (int)(len > 200 ? 200 : len),
                 (const char *)GRPC_SLICE_START_PTR(rpc->details.method));
        reply(rpc, STS_STATUS_UNIMPLEMENTED, message);
        return;
    }
    if (is_streaming(worker, rpc->method_index)) {
        serve_stream(rpc);
        return;
    }
    const sts_service_t *service = worker->service;
    sts_call_t *call = &rpc->context;
    sts_call_init(call, service, &service->methods->methods[rpc->method_index]);
    prepare_call(rpc, call);
    call->request_id = rpc->request_id;
    rpc->request = read_request(rpc, call);
    if (rpc->request == NULL) {
        snprintf(message, sizeof(message), "%s", sts_call_error_message(call, STS_STATUS_INVALID_ARGUMENT));
        remember_caller(rpc, call);
        sts_call_dispose(call);
        reply(rpc, STS_STATUS_INVALID_ARGUMENT, message);
        return;
    }
    if (run(rpc) == 0)
        return;
    atomic_fetch_add(worker->pending, 1);
    if (sts_worker_pool_submit(sts_dispatch_pool(call), run_on_worker, rpc) != 0) {
        atomic_fetch_sub(worker->pending, 1);
        refuse(rpc);
    }
}

void sts__grpc_rpc_on_event(sts__grpc_rpc_t *rpc, int ok)
{
    if (rpc->state == RPC_WAITING && rpc->armed) {
        rpc->armed = 0;
        /* Counted in flight before it stops counting as armed, so shutdown never sees both at 0 in between. */
        if (ok) {
            rpc->in_flight = 1;
            atomic_fetch_add(rpc->worker->in_flight, 1);
        }
        atomic_fetch_sub(rpc->worker->armed, 1);
    }
    if (rpc->state == RPC_REPLYING) {
        atomic_fetch_add(ok && !rpc->cancelled ? rpc->worker->replied : rpc->worker->cancelled, 1);
        rpc_free(rpc);
        return;
    }
    if (!ok) {
        rpc_free(rpc);
        return;
    }
    const sts__grpc_worker_t *worker = rpc->worker;
    /* Replace this request first, so the method is never without a waiting request while this call runs. */
    if (!atomic_load(worker->stopping))
        sts__grpc_rpc_request(worker, rpc->method_index);
    serve(rpc);
}
