/* The audit log file: one JSON object per line, appended and flushed to disk record by record. */
#ifndef STS_SERVER_AUDIT_LOG_H
#define STS_SERVER_AUDIT_LOG_H
#include <stddef.h>
#include "core/audit.h"

typedef struct sts_audit_log_s sts_audit_log_t;

/**
 * Opens (creating it 0600 when absent) path for appending. Returns NULL with a message naming the file in error.
 * Lifecycle: open, records through sts_audit_log_sink from any thread, sts_audit_log_reopen on SIGHUP (rotation),
 * sts_audit_log_close once no call can record any more.
 */
sts_audit_log_t *sts_audit_log_open(const char *path, char *error, size_t error_size);

/**
 * The sink to put in the service: each record is written whole with one write(2) and fsync'd before the call goes
 * on, as {"time","event","request_id","caller":{"domain","auth_id","name"}|null,"client_address","method",<fields>}.
 * A failed write is logged (the call is not failed). Thread-safe.
 */
const sts_audit_sink_t *sts_audit_log_sink(sts_audit_log_t *log);

/** Opens the path again (after a rotation moved the file away); on failure the old file stays in use. Thread-safe. */
int sts_audit_log_reopen(sts_audit_log_t *log, char *error, size_t error_size);

void sts_audit_log_close(sts_audit_log_t *log);

#endif
