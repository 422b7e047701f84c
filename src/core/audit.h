/* The audit trail: who did what, from where, for every credential, change, login and denial (never a secret). */
#ifndef STS_CORE_AUDIT_H
#define STS_CORE_AUDIT_H
#include <stddef.h>
#include "core/call.h"

/** One member of an audit record; a NULL value is left out. Values must never be secrets. */
typedef struct {
    const char *name;
    const char *value;
} sts_audit_field_t;

/** Where records go (the server's audit log). record must be thread-safe and must not fail the call. */
typedef struct {
    void (*record)(void *data, const char *event, const sts_call_t *call, const sts_audit_field_t *fields,
                   size_t count);
    void *data;
} sts_audit_sink_t;

/**
 * Records event ("credential.issued", "access_token.created", "call.denied", …) for call, whose caller, client
 * address and request id the sink adds, with fields. Nothing when the service has no audit sink. Thread-safe.
 */
void sts_audit(const sts_call_t *call, const char *event, const sts_audit_field_t *fields, size_t count);

/** sts_audit with the fields given inline: STS_AUDIT(call, "event", {"name", value}, …). */
#define STS_AUDIT(call, event, ...)                                                                                    \
    do {                                                                                                               \
        const sts_audit_field_t sts_audit_fields_[] = {__VA_ARGS__};                                                   \
        sts_audit((call), (event), sts_audit_fields_, sizeof(sts_audit_fields_) / sizeof(sts_audit_fields_[0]));       \
    } while (0)

#endif
