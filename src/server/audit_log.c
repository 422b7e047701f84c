#include "server/audit_log.h"
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <yajl/yajl_gen.h>
#include "core/service.h"
#include "sts/v1/access_tokens.pb-c.h"
#include "util/buf.h"
#include "util/log.h"
#include "util/text.h"
#include "util/timefmt.h"

/* In batch mode, records wait for the writer thread in pending; past this many bytes a caller waits for the disk. */
#define MAX_PENDING_BYTES (4u << 20)

struct sts_audit_log_s {
    pthread_mutex_t lock; /* sync: one record at a time, and the descriptor against a reopen; batch: the fields below */
    int fd;
    char *path;
    sts_audit_sink_t sink;
    int batch;
    pthread_t writer;       /* batch: writes and fsyncs what gathered in pending */
    pthread_cond_t arrived; /* batch: pending gained records, a new file waits, or the log is closing */
    pthread_cond_t written; /* batch: the writer took pending */
    sts_buf_t pending;
    int next_fd;      /* batch: the file a reopen opened, for the records gathered after switch_at; or -1 */
    size_t switch_at; /* batch: how many bytes of pending were gathered before that reopen */
    int closing;
};

static int open_file(const char *path, char *error, size_t error_size)
{
    int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0)
        snprintf(error, error_size, "cannot open the audit log %s: %s", path, strerror(errno));
    return fd;
}

static void put(yajl_gen gen, const char *key, const char *value)
{
    yajl_gen_string(gen, (const unsigned char *)key, strlen(key));
    if (value == NULL)
        yajl_gen_null(gen);
    else
        yajl_gen_string(gen, (const unsigned char *)value, strlen(value));
}

static void put_caller(yajl_gen gen, const sts_principal_t *principal)
{
    yajl_gen_string(gen, (const unsigned char *)"caller", 6);
    if (!principal->authenticated) {
        yajl_gen_null(gen);
        return;
    }
    const ProtobufCEnumValue *domain =
        protobuf_c_enum_descriptor_get_value(&sts__v1__identity_domain__descriptor, principal->domain);
    yajl_gen_map_open(gen);
    put(gen, "domain", domain != NULL ? domain->name : "?");
    put(gen, "auth_id", principal->auth_id);
    put(gen, "name", principal->name);
    yajl_gen_map_close(gen);
}

/* Writes all of len bytes; 0, or -1 with errno. */
static int write_all(int fd, const unsigned char *data, size_t len)
{
    while (len > 0) {
        ssize_t n = write(fd, data, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -1;
        data += n;
        len -= (size_t)n;
    }
    return 0;
}

static void record(void *data, const char *event, const sts_call_t *call, const sts_audit_field_t *fields, size_t count)
{
    sts_audit_log_t *log = data;
    char stamp[STS_TIME_ISO_MAX];
    sts_time_format_iso_micro(sts_time_now(), stamp, sizeof(stamp));
    yajl_gen gen = yajl_gen_alloc(NULL);
    if (gen == NULL)
        sts_log_fatal("out of memory");
    yajl_gen_map_open(gen);
    put(gen, "time", stamp);
    put(gen, "event", event);
    put(gen, "request_id", call->request_id);
    put_caller(gen, &call->principal);
    put(gen, "client_address", call->peer);
    put(gen, "method", call->method != NULL ? call->method->grpc_path + 1 : NULL);
    for (size_t i = 0; i < count; i++) {
        if (fields[i].value != NULL)
            put(gen, fields[i].name, fields[i].value);
    }
    yajl_gen_map_close(gen);
    const unsigned char *text;
    size_t len;
    yajl_gen_get_buf(gen, &text, &len);
    /* yajl leaves invalid UTF-8 out; what remains still ends the record on one line. */
    unsigned char *line = malloc(len + 1);
    if (line == NULL)
        sts_log_fatal("out of memory");
    memcpy(line, text, len);
    line[len] = '\n';
    yajl_gen_free(gen);
    if (log->batch) {
        pthread_mutex_lock(&log->lock);
        while (log->pending.len > 0 && log->pending.len + len + 1 > MAX_PENDING_BYTES)
            pthread_cond_wait(&log->written, &log->lock);
        if (sts_buf_append(&log->pending, line, len + 1) != 0)
            sts_log_fatal("an audit record of %zu bytes does not fit the writer's buffer", len + 1);
        pthread_cond_signal(&log->arrived);
        pthread_mutex_unlock(&log->lock);
        free(line);
        return;
    }
    pthread_mutex_lock(&log->lock);
    int failed = write_all(log->fd, line, len + 1) != 0 || fsync(log->fd) != 0;
    int saved = errno;
    pthread_mutex_unlock(&log->lock);
    free(line);
    if (failed)
        sts_log_error("audit log %s: cannot write a %s record: %s", log->path, event, strerror(saved));
}

/* Writes len bytes of records to fd and syncs them; a failure is logged. */
static void write_synced(sts_audit_log_t *log, int fd, const char *data, size_t len)
{
    if (len > 0 && (write_all(fd, (const unsigned char *)data, len) != 0 || fsync(fd) != 0))
        sts_log_error("audit log %s: cannot write %zu bytes of records: %s", log->path, len, strerror(errno));
}

/* Batch mode's writer: takes everything gathered, writes it with one write and one fsync, and goes again. Only this
 * thread uses fd while it runs. */
static void *write_batches(void *arg)
{
    sts_audit_log_t *log = arg;
    sts_buf_t batch;
    sts_buf_init(&batch, MAX_PENDING_BYTES);
    pthread_mutex_lock(&log->lock);
    for (;;) {
        while (log->pending.len == 0 && log->next_fd < 0 && !log->closing)
            pthread_cond_wait(&log->arrived, &log->lock);
        if (log->pending.len == 0 && log->next_fd < 0)
            break; /* closing, and everything is written */
        sts_buf_t taken = log->pending;
        log->pending = batch;
        batch = taken;
        /* Records gathered before a reopen belong to the old file, those after it to the new one. */
        int next_fd = log->next_fd;
        size_t split = next_fd >= 0 ? log->switch_at : batch.len;
        log->next_fd = -1;
        pthread_cond_broadcast(&log->written);
        pthread_mutex_unlock(&log->lock);
        write_synced(log, log->fd, batch.data, split);
        if (next_fd >= 0) {
            close(log->fd);
            log->fd = next_fd;
            write_synced(log, log->fd, batch.data + split, batch.len - split);
        }
        sts_buf_reset(&batch);
        pthread_mutex_lock(&log->lock);
    }
    pthread_mutex_unlock(&log->lock);
    sts_buf_dispose(&batch);
    return NULL;
}

sts_audit_log_t *sts_audit_log_open(const char *path, int batch, char *error, size_t error_size)
{
    int fd = open_file(path, error, error_size);
    if (fd < 0)
        return NULL;
    sts_audit_log_t *log = calloc(1, sizeof(*log));
    if (log == NULL)
        sts_log_fatal("out of memory");
    pthread_mutex_init(&log->lock, NULL);
    log->fd = fd;
    log->next_fd = -1;
    log->path = sts_strdup(path);
    log->sink = (sts_audit_sink_t){record, log};
    log->batch = batch;
    if (batch) {
        pthread_cond_init(&log->arrived, NULL);
        pthread_cond_init(&log->written, NULL);
        sts_buf_init(&log->pending, MAX_PENDING_BYTES);
        if (pthread_create(&log->writer, NULL, write_batches, log) != 0)
            sts_log_fatal("cannot start the audit log's writer thread");
    }
    return log;
}

const sts_audit_sink_t *sts_audit_log_sink(sts_audit_log_t *log)
{
    return &log->sink;
}

int sts_audit_log_reopen(sts_audit_log_t *log, char *error, size_t error_size)
{
    int fd = open_file(log->path, error, error_size);
    if (fd < 0)
        return -1;
    pthread_mutex_lock(&log->lock);
    if (log->batch) {
        /* The writer switches after the batch it is writing, so records gathered before the reopen go to the old file.
         */
        if (log->next_fd >= 0)
            close(log->next_fd);
        log->next_fd = fd;
        pthread_cond_signal(&log->arrived);
        pthread_mutex_unlock(&log->lock);
        return 0;
    }
    int old = log->fd;
    log->fd = fd;
    pthread_mutex_unlock(&log->lock);
    close(old);
    return 0;
}

void sts_audit_log_close(sts_audit_log_t *log)
{
    if (log == NULL)
        return;
    if (log->batch) {
        pthread_mutex_lock(&log->lock);
        log->closing = 1;
        pthread_cond_signal(&log->arrived);
        pthread_mutex_unlock(&log->lock);
        pthread_join(log->writer, NULL);
        pthread_cond_destroy(&log->arrived);
        pthread_cond_destroy(&log->written);
        sts_buf_dispose(&log->pending);
    }
    close(log->fd);
    pthread_mutex_destroy(&log->lock);
    free(log->path);
    free(log);
}
