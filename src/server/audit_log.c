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
#include "util/log.h"
#include "util/text.h"
#include "util/timefmt.h"

struct sts_audit_log_s {
    pthread_mutex_t lock; /* one record at a time, and the descriptor against a reopen */
    int fd;
    char *path;
    sts_audit_sink_t sink;
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
    pthread_mutex_lock(&log->lock);
    int failed = write_all(log->fd, line, len + 1) != 0 || fsync(log->fd) != 0;
    int saved = errno;
    pthread_mutex_unlock(&log->lock);
    free(line);
    if (failed)
        sts_log_error("audit log %s: cannot write a %s record: %s", log->path, event, strerror(saved));
}

sts_audit_log_t *sts_audit_log_open(const char *path, char *error, size_t error_size)
{
    int fd = open_file(path, error, error_size);
    if (fd < 0)
        return NULL;
    sts_audit_log_t *log = calloc(1, sizeof(*log));
    if (log == NULL)
        sts_log_fatal("out of memory");
    pthread_mutex_init(&log->lock, NULL);
    log->fd = fd;
    log->path = sts_strdup(path);
    log->sink = (sts_audit_sink_t){record, log};
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
    close(log->fd);
    pthread_mutex_destroy(&log->lock);
    free(log->path);
    free(log);
}
