/* The shared dispatch step both adapters run (Redis's processCommand). */
#ifndef STS_CORE_DISPATCH_H
#define STS_CORE_DISPATCH_H

#include "core/call.h"
#include "core/service.h"

/**
 * The class of work a method's handler is: INLINE, PASSWORD for those that hash passwords, STORE for other blocking
 * methods, and for issuer-bound ones UPSTREAM when the configured issuer blocks (INLINE otherwise). Thread-safe.
 */
sts_work_class_t sts_dispatch_class(const sts_service_t *service, const sts_method_t *method);

/**
 * True when the caller holds role. "admin" and "issuer" mean any of service->admin_roles or issuer_roles when
 * those are configured. Without authentication (STS_AUTH=none) every caller holds every role: the gateway in front
 * decided. Thread-safe.
 */
int sts_call_has_role(const sts_call_t *call, const char *role);

/**
 * Runs call->method on request as far as it can on the current thread (call->runs_on): checks the deadline, runs
 * the authenticator and per-method policy once, allocates and initialises the response in the call arena, and
 * calls the handler. When a step must run on another class of thread, it sets call->wants and returns with
 * *response NULL; the adapter calls sts_call_move, then sts_dispatch again on that class's pool (and may have to do
 * so twice: a lookup, then the store). Otherwise, on success *response is set; on failure the returned status and
 * sts_call_error_message say why. Thread-safe; blocks only on the pool of a blocking class.
 */
sts_status_t sts_dispatch(sts_call_t *call, const ProtobufCMessage *request, ProtobufCMessage **response);

/**
 * The admission part of sts_dispatch, for streaming rows: checks the deadline and runs the authenticator and the
 * per-method policy once (audited like sts_dispatch). Returns OK once admitted; when a lookup must run on another class
 * of thread it sets call->wants and returns OK without admitting (call->admitted stays 0): the adapter moves the call
 * (sts_call_move) and calls it again there. Thread-safe.
 */
sts_status_t sts_dispatch_admit(sts_call_t *call);

/** The pool call->wants names, or NULL when the call needs no move. */
sts_worker_pool_t *sts_dispatch_pool(const sts_call_t *call);

/** Seconds a caller refused for a full worker queue is told to wait (Retry-After, retry-after metadata). */
#define STS_OVERLOAD_RETRY_AFTER_SECONDS 1

/**
 * The pool for call->wants refused the call (its queue is full, or it is stopping): fails the call with
 * RESOURCE_EXHAUSTED naming the queue's option, sets call->retry_after_seconds and call->wants back to INLINE,
 * and returns the status. The adapter replies at once. Thread-safe.
 */
sts_status_t sts_dispatch_refuse(sts_call_t *call);

#endif
