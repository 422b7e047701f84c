#include "core/dispatch.h"

#include "core/service.h"
#include <stdio.h>
#include <string.h>

#include "util/timefmt.h"

/* Authentication and per-method policy run here, once, for both protocols. */
static sts_status_t check_policy(sts_call_t *call)
{
    const sts_service_t *service = call->service;
    if ((call->method->flags & STS_METHOD_PUBLIC) || service->authenticate == NULL)
        return STS_STATUS_OK;
    sts_status_t status = service->authenticate(service->authenticate_data, call);
    if (status != STS_STATUS_OK)
        return status;
    const char *role = call->method->required_role;
    if (role == NULL || sts_call_has_role(call, role))
        return STS_STATUS_OK;
    int admin_group = strcmp(role, "admin") == 0 && service->admin_role_count > 0;
    const char *const *accepted = admin_group ? service->admin_roles : &role;
    size_t accepted_count = admin_group ? service->admin_role_count : 1;
    char wanted[256] = "";
    size_t used = 0;
    for (size_t j = 0; j < accepted_count && used < sizeof(wanted); j++)
        used += (size_t)snprintf(wanted + used, sizeof(wanted) - used, "%s'%s'", j > 0 ? " or " : "", accepted[j]);
    return sts_call_fail(call, STS_STATUS_PERMISSION_DENIED, "this call requires the role %s; %s has %s", wanted,
                         call->principal.username != NULL ? call->principal.username : "the caller",
                         call->principal.role_count > 0 ? "other roles" : "no roles");
}

int sts_call_has_role(const sts_call_t *call, const char *role)
{
    const sts_service_t *service = call->service;
    if (service->authenticate == NULL)
        return 1; /* STS_AUTH=none: the gateway in front decided */
    int admin_group = strcmp(role, "admin") == 0 && service->admin_role_count > 0;
    const char *const *accepted = admin_group ? service->admin_roles : &role;
    size_t accepted_count = admin_group ? service->admin_role_count : 1;
    for (size_t i = 0; i < call->principal.role_count; i++) {
        for (size_t j = 0; j < accepted_count; j++) {
            if (strcmp(call->principal.roles[i], accepted[j]) == 0)
                return 1;
        }
    }
    return 0;
}

int sts_dispatch_blocks(const sts_service_t *service, const sts_method_t *method)
{
    if (!(method->flags & STS_METHOD_BLOCKING) || service->workers == NULL)
        return 0;
    return !(method->flags & STS_METHOD_ISSUER_BOUND) || (service->issuer != NULL && service->issuer->blocking);
}

sts_status_t sts_dispatch(sts_call_t *call, const ProtobufCMessage *request, ProtobufCMessage **response)
{
    *response = NULL;
    if (call->deadline_ns != 0 && sts_time_monotonic_ns() >= call->deadline_ns)
        return sts_call_fail(call, STS_STATUS_DEADLINE_EXCEEDED, "the caller's deadline ran out before %s started",
                             call->method->name);
    sts_status_t status = check_policy(call);
    if (status != STS_STATUS_OK)
        return status;
    ProtobufCMessage *out = sts_call_new_message(call, call->method->response);
    status = call->method->handler(call, request, out);
    if (status == STS_STATUS_OK)
        *response = out;
    return status;
}
