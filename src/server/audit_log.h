/* The audit log file: one JSON object per line, appended and flushed to disk record by record or in batches. */
#ifndef STS_SERVER_AUDIT_LOG_H
#define STS_SERVER_AUDIT_LOG_H
#include <stddef.h>
#include "core/audit.h"

typedef struct sts_audit_log_s sts_audit_log_t;

/**
 * Opens (creating it 0600 when absent) path for appending. Returns NULL with a message naming the file in error.
 * batch 0 (sync): each record is written with one write(2) and fsync'd before the call goes on. batch 1: records
 * gather in memory (at most 4 MiB; past that a caller waits) and a writer thread of the log's own writes what gathered
 * with one write(2) and one fsync, then the next; a record is on disk one fsync after its call, so a crash of the
 * machine can lose the last few milliseconds, and closing writes everything.
 * Lifecycle: open, records through sts_audit_log_sink from any thread, sts_audit_log_reopen on SIGHUP (rotation),
 * sts_audit_log_close once no call can record any more.
 */
sts_audit_log_t *sts_audit_log_open(const char *path, int batch, char *error, size_t error_size);

/**
 * The sink to put in the service: each record is written whole as one line,
 * {"time","event","request_id","caller":{"domain","auth_id","name"}|null,"client_address","method",<fields>}, synced
 * as sts_audit_log_open says. A failed write is logged (the call is not failed). Thread-safe.
 */
const sts_audit_sink_t *sts_audit_log_sink(sts_audit_log_t *log);

/**
 * Opens the path again (after a rotation moved the file away); on failure the old file stays in use. In batch mode
 * the records gathered before go to the old file. Thread-safe.
 */
int sts_audit_log_reopen(sts_audit_log_t *log, char *error, size_t error_size);

/** Writes what is pending (batch), closes the file and frees; NULL is ignored. */
void sts_audit_log_close(sts_audit_log_t *log);

#endif
