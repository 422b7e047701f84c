#include "core/audit.h"
#include "core/service.h"

void sts_audit(const sts_call_t *call, const char *event, const sts_audit_field_t *fields, size_t count)
{
    const sts_audit_sink_t *sink = call->service != NULL ? call->service->audit : NULL;
    if (sink != NULL && sink->record != NULL)
        sink->record(sink->data, event, call, fields, count);
}
