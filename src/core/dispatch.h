/* The shared dispatch step both adapters run (Redis's processCommand). */
#ifndef STS_CORE_DISPATCH_H
#define STS_CORE_DISPATCH_H

#include "core/call.h"
#include "core/service.h"

/**
 * True when a call of method must run on service->workers rather than on the adapter's own thread: there is a
 * pool, the method is marked blocking, and, for issuer-bound methods, the issuer does block. Thread-safe.
 */
int sts_dispatch_blocks(const sts_service_t *service, const sts_method_t *method);

/**
 * True when the caller holds role. "admin" means any of service->admin_roles when those are configured. Without
 * authentication (STS_AUTH=none) every caller holds every role: the gateway in front decided. Thread-safe.
 */
int sts_call_has_role(const sts_call_t *call, const char *role);

/**
 * Runs call->method on request: checks the deadline, runs the authenticator and per-method policy, allocates
 * and initialises the response in the call arena, and calls the handler. On success *response is set; on failure
 * the returned status and sts_call_error_message say why. Thread-safe; blocks only if the method is BLOCKING.
 */
sts_status_t sts_dispatch(sts_call_t *call, const ProtobufCMessage *request, ProtobufCMessage **response);

#endif
