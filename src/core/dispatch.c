#include "core/dispatch.h"

#include <stdio.h>
#include <string.h>

#include "core/service.h"
#include "util/timefmt.h"

/* The configured roles that satisfy a required role: "admin" and "issuer" name lists, anything else itself. */
static sts_role_list_t accepted_roles(const sts_service_t *service, const char **role)
{
    const sts_role_list_t *list = strcmp(*role, "admin") == 0    ? &service->admin_roles
                                  : strcmp(*role, "issuer") == 0 ? &service->issuer_roles
                                                                 : NULL;
    if (list != NULL && list->count > 0)
        return *list;
    return (sts_role_list_t){role, 1};
}

/* Authentication and per-method policy run here, once, for both protocols. */
static sts_status_t check_policy(sts_call_t *call)
{
    const sts_service_t *service = call->service;
    if ((call->method->flags & STS_METHOD_PUBLIC) || service->authenticate == NULL)
        return STS_STATUS_OK;
    sts_status_t status = service->authenticate(service->authenticate_data, call);
    if (status != STS_STATUS_OK || call->wants != STS_WORK_INLINE)
        return status;
    const char *role = call->method->required_role;
    if (role == NULL || sts_call_has_role(call, role))
        return STS_STATUS_OK;
    sts_role_list_t accepted = accepted_roles(service, &role);
    char wanted[256] = "";
    size_t used = 0;
    for (size_t j = 0; j < accepted.count && used < sizeof(wanted); j++)
        used +=
            (size_t)snprintf(wanted + used, sizeof(wanted) - used, "%s'%s'", j > 0 ? " or " : "", accepted.names[j]);
    return sts_call_fail(call, STS_STATUS_PERMISSION_DENIED, "this call requires the role %s; %s has %s", wanted,
                         call->principal.name != NULL ? call->principal.name : "the caller",
                         call->principal.role_count > 0 ? "other roles" : "no roles");
}

int sts_call_has_role(const sts_call_t *call, const char *role)
{
    const sts_service_t *service = call->service;
    if (service->authenticate == NULL)
        return 1; /* STS_AUTH=none: the gateway in front decided */
    sts_role_list_t accepted = accepted_roles(service, &role);
    for (size_t i = 0; i < call->principal.role_count; i++) {
        for (size_t j = 0; j < accepted.count; j++) {
            if (strcmp(call->principal.roles[i], accepted.names[j]) == 0)
                return 1;
        }
    }
    return 0;
}

sts_work_class_t sts_dispatch_class(const sts_service_t *service, const sts_method_t *method)
{
    if (!(method->flags & STS_METHOD_BLOCKING))
        return STS_WORK_INLINE;
    if (method->flags & STS_METHOD_HASHES_PASSWORDS)
        return STS_WORK_PASSWORD;
    if (!(method->flags & STS_METHOD_ISSUER_BOUND))
        return STS_WORK_STORE;
    return service->issuer != NULL && service->issuer->blocking ? STS_WORK_UPSTREAM : STS_WORK_INLINE;
}

/* Every refusal of a caller, by authentication, policy or a handler's own rule, is in the audit trail with why. */
static sts_status_t audited(sts_call_t *call, sts_status_t status)
{
    if (status == STS_STATUS_UNAUTHENTICATED || status == STS_STATUS_PERMISSION_DENIED)
        STS_AUDIT(call, "call.denied", {"status", sts_status_name(status)},
                  {"reason", sts_call_error_message(call, status)});
    return status;
}

static sts_status_t admit(sts_call_t *call)
{
    if (call->deadline_ns != 0 && sts_time_monotonic_ns() >= call->deadline_ns)
        return sts_call_fail(call, STS_STATUS_DEADLINE_EXCEEDED, "the caller's deadline ran out before %s started",
                             call->method->name);
    if (!call->admitted) {
        sts_status_t status = check_policy(call);
        if (status != STS_STATUS_OK || call->wants != STS_WORK_INLINE)
            return status;
        call->admitted = 1;
    }
    return STS_STATUS_OK;
}

sts_status_t sts_dispatch_admit(sts_call_t *call)
{
    return audited(call, admit(call));
}

static sts_status_t dispatch(sts_call_t *call, const ProtobufCMessage *request, ProtobufCMessage **response)
{
    *response = NULL;
    sts_status_t admitted = admit(call);
    if (admitted != STS_STATUS_OK || !call->admitted)
        return admitted;
    sts_work_class_t class = sts_dispatch_class(call->service, call->method);
    if (class != STS_WORK_INLINE && class != call->runs_on && call->service->pools[class] != NULL) {
        call->wants = class;
        return STS_STATUS_OK;
    }
    if (call->method->handler == NULL) /* a streaming row reached a unary path: only its adapter can serve it */
        return sts_call_fail(call, STS_STATUS_UNIMPLEMENTED, "%s is a streaming method", call->method->name);
    ProtobufCMessage *out = sts_call_new_message(call, call->method->response);
    sts_status_t status = call->method->handler(call, request, out);
    if (status == STS_STATUS_OK)
        *response = out;
    return status;
}

sts_status_t sts_dispatch(sts_call_t *call, const ProtobufCMessage *request, ProtobufCMessage **response)
{
    return audited(call, dispatch(call, request, response));
}

sts_worker_pool_t *sts_dispatch_pool(const sts_call_t *call)
{
    return call->wants != STS_WORK_INLINE ? call->service->pools[call->wants] : NULL;
}

sts_status_t sts_dispatch_refuse(sts_call_t *call)
{
    static const char *const queue_option[STS_WORK_CLASSES] = {
        [STS_WORK_LOOKUP] = "lookup_worker_queue",
        [STS_WORK_STORE] = "store_worker_queue",
        [STS_WORK_UPSTREAM] = "worker_queue",
        [STS_WORK_PASSWORD] = "password_worker_queue",
    };
    const char *option =
        call->wants > STS_WORK_INLINE && call->wants < STS_WORK_CLASSES ? queue_option[call->wants] : "worker queue";
    call->wants = STS_WORK_INLINE;
    call->retry_after_seconds = STS_OVERLOAD_RETRY_AFTER_SECONDS;
    return sts_call_fail(call, STS_STATUS_RESOURCE_EXHAUSTED,
                         "the server is overloaded: too many calls are waiting for a worker (%s is full); retry in "
                         "%d s",
                         option, STS_OVERLOAD_RETRY_AFTER_SECONDS);
}
