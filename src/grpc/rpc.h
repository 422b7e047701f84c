/* One gRPC call from request to reply; internal to the gRPC adapter. */
#ifndef STS_GRPC_RPC_H
#define STS_GRPC_RPC_H
#include <grpc/grpc.h>
#include <stdatomic.h>
#include "core/method.h"
#include "core/service.h"

/**
 * Every tag posted on a worker's queue starts with this: the queue thread calls on_event(tag, ok) for each completed
 * batch or request, whatever kind of call (unary or stream) posted it.
 */
typedef struct sts__grpc_tag_s {
    void (*on_event)(struct sts__grpc_tag_s *tag, int ok);
} sts__grpc_tag_t;

typedef struct sts__grpc_streams_s sts__grpc_streams_t;

/** What each completion-queue thread shares with the calls it serves. */
typedef struct {
    grpc_server *server;
    grpc_completion_queue *cq;
    const sts_service_t *service;
    /** Registered-method handles, parallel to service->methods->methods. */
    void *const *registered;
    /** Set once shutdown begins: completed requests are no longer replaced. */
    const atomic_int *stopping;
    /** Calls whose reply was sent, and calls cancelled before it could be (client gone, or cut off at shutdown). */
    atomic_ulong *replied;
    atomic_ulong *cancelled;
    /** Calls handed to the worker pool and not yet replied to; shutdown waits for it to reach 0. */
    atomic_int *pending;
    /** Requests posted and not yet completed, and calls received whose reply has not completed: shutdown knows
     * no call is left once both are 0 (a call gRPC matched before it stopped is still a completed request). */
    atomic_int *armed;
    atomic_int *in_flight;
    /** 1 when TLS requires and verifies client certificates: their subject then reaches the core. */
    int verified_client_certificates;
    /** The server's open streams (grpc/stream.h), shared by every worker. */
    sts__grpc_streams_t *streams;
    /** The reflection index (grpc/reflection.h) handed to adapter-served rows; shared, immutable. */
    const void *reflection;
} sts__grpc_worker_t;

typedef struct sts__grpc_rpc_s sts__grpc_rpc_t;

/**
 * Posts a request for the next call of table row method_index (or, with -1, of any unregistered method, which is
 * answered UNIMPLEMENTED). Its tag completes on worker->cq. Returns 0, or -1 if gRPC refused it.
 */
int sts__grpc_rpc_request(const sts__grpc_worker_t *worker, long method_index);

/**
 * Handles a completed tag from worker->cq: a new call (served inline, then replied to) or a finished reply (freed).
 * ok is the event's success flag; a request that completes with ok 0 (shutdown) is freed.
 */
void sts__grpc_rpc_on_event(sts__grpc_rpc_t *rpc, int ok);

/** Runs a completed tag of any kind. */
static inline void sts__grpc_tag_complete(void *tag, int ok)
{
    ((sts__grpc_tag_t *)tag)->on_event(tag, ok);
}

#endif
