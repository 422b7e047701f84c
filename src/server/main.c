/* stsd: wires configuration, issuer, core and both adapters together, then waits for a stop signal. */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>

#include "core/service.h"
#include "grpc/adapter.h"
#include "aws/http.h"
#include "rest/server.h"
#include "crypto/tls_credentials.h"
#include "crypto/tls_watcher.h"
#include "server/admin_token.h"
#include "server/audit_log.h"
#include "server/auth_setup.h"
#include "server/config.h"
#include "server/issuer_setup.h"
#include "server/cli.h"
#include "server/login_setup.h"
#include "server/preflight.h"
#include "server/store_setup.h"
#include "server/store_sync.h"
#include "server/version.h"
#include "sts_methods.h"
#include "util/log.h"
#include "util/ticker.h"
#include "util/timefmt.h"

typedef struct {
    sts_grpc_server_t *server;
    int drain_ms;
} grpc_stop_t;

/* What the upstream watchdog needs: the upstream pool (NULL when the issuer does not block) and a once flag. */
typedef struct {
    sts_worker_pool_t *upstream;
    atomic_int aborted;
} watchdog_t;

/*
 * The upstream watchdog, run by a ticker one drain budget after the drain starts: calls still waiting on the
 * upstream are cut short so stsd exits in time. Stopping the ticker first (the drain ended) means it never runs;
 * when it runs with no upstream call in flight (a slow REST or gRPC client held the drain), it says nothing.
 */
static void abort_upstream(void *arg)
{
    watchdog_t *watchdog = arg;
    size_t running = watchdog->upstream != NULL ? sts_worker_pool_busy(watchdog->upstream) : 0;
    if (running == 0 || atomic_exchange(&watchdog->aborted, 1))
        return;
    sts_log_warn("%zu upstream calls still running at the end of the drain; aborting them", running);
    sts_aws_http_abort_all();
}

static void *stop_grpc(void *arg)
{
    grpc_stop_t *stop = arg;
    sts_grpc_server_shutdown(stop->server, stop->drain_ms);
    return NULL;
}

/* The host part of "HOST:PORT", for the startup lines tests and operators read. */
static void log_listening(const char *protocol, const char *listen, int port)
{
    const char *colon = strrchr(listen, ':');
    int host_len = colon != NULL ? (int)(colon - listen) : (int)strlen(listen);
    sts_log_info("%s listening on %.*s:%d", protocol, host_len, listen, port);
}

/* Says how both listeners are protected (configuration validation already warned about allowed plain text). */
static void log_transport(const sts_config_t *config)
{
    if (config->tls_cert_file != NULL)
        sts_log_info("tls: REST serves HTTPS (HTTP/1.1 and HTTP/2), gRPC serves TLS%s",
                     config->grpc_client_ca_file != NULL ? " and requires client certificates" : "");
}

/* The store, keys and admin token live there: a directory stsd cannot write (a read-only mount) is said as such. */
static int make_data_dir(const char *path)
{
    if (mkdir(path, 0700) != 0 && errno != EEXIST) {
        sts_log_error("cannot create the data directory %s: %s", path, strerror(errno));
        return -1;
    }
    if (access(path, W_OK) != 0) {
        sts_log_error("cannot write in the data directory %s: %s", path, strerror(errno));
        return -1;
    }
    return 0;
}

/* Everything the service needs besides the adapters, released in reverse order by dispose_runtime. */
typedef struct {
    sts_store_t *store;
    sts_key_setup_t keys;
    int keys_started;
    sts_issuer_t *issuer;
    sts_worker_pool_t *pools[STS_WORK_CLASSES];
    sts_readiness_t readiness;
    sts_readiness_checker_t *checker;
    sts_auth_setup_t auth;
    sts_login_setup_t login;
    int login_started;
    sts_tls_source_t *tls; /* NULL: both listeners serve plain text */
    sts_tls_watcher_t *tls_watcher;
    sts_audit_log_t *audit; /* NULL without audit_log */
    sts_store_sync_t sync;  /* what other replicas' changes reach, through the store's watch */
} runtime_t;

static void set_tls_notice(void *readiness, const char *notice)
{
    sts_readiness_set_notice(readiness, notice);
}

/* The certificate both listeners serve, and the thread that reloads it and watches its expiry. */
static int start_tls(runtime_t *runtime, const sts_config_t *config, char *error, size_t error_size)
{
    if (config->tls_cert_file == NULL)
        return 0;
    sts_tls_files_t files = {
        .certificate_file = config->tls_cert_file,
        .key_file = config->tls_key_file,
        .client_ca_file = config->grpc_client_ca_file,
    };
    runtime->tls = sts_tls_source_create(&files, error, error_size);
    if (runtime->tls == NULL)
        return -1;
    runtime->tls_watcher = sts_tls_watcher_start(runtime->tls, config->tls_reload_seconds,
                                                 config->tls_expiry_warning_days, set_tls_notice, &runtime->readiness);
    if (runtime->tls_watcher == NULL) {
        snprintf(error, error_size, "cannot start the TLS reload thread");
        return -1;
    }
    return 0;
}

static int start_runtime(runtime_t *runtime, const sts_config_t *config, char *error, size_t error_size)
{
    memset(runtime, 0, sizeof(*runtime));
    sts_readiness_init(&runtime->readiness);
    if (config->audit_log != NULL &&
        (runtime->audit = sts_audit_log_open(config->audit_log, strcmp(config->audit_log_mode, "batch") == 0, error,
                                             error_size)) == NULL)
        return -1;
    runtime->store = sts_server_open_store(config, error, error_size);
    if (runtime->store == NULL)
        return -1;
    runtime->keys_started = 1;
    if (sts_key_setup_start(&runtime->keys, config, runtime->store, error, error_size) != 0)
        return -1;
    if (strstr(config->auth, "access-token") != NULL &&
        sts_server_bootstrap_admin_token(runtime->store, runtime->keys.token_keys, config->data_dir,
                                         config->max_access_token_lifetime * 1000000LL, error, error_size) != 0)
        return -1;
    runtime->login_started = 1;
    if (sts_login_setup_start(&runtime->login, config, runtime->store, &runtime->keys, error, error_size) != 0 ||
        start_tls(runtime, config, error, error_size) != 0)
        return -1;
    runtime->issuer = sts_server_create_issuer(config, runtime->keys.session_keys, error, error_size);
    if (runtime->issuer == NULL)
        return -1;
    /* Store and upstream calls never run on event-loop or completion-queue threads; each class has its own queue. */
    const struct {
        sts_work_class_t class;
        int threads, queue;
    } pools[] = {{STS_WORK_LOOKUP, config->lookup_worker_threads, config->lookup_worker_queue},
                 {STS_WORK_STORE, config->store_worker_threads, config->store_worker_queue},
                 {STS_WORK_PASSWORD, config->password_worker_threads, config->password_worker_queue},
                 {STS_WORK_UPSTREAM, config->worker_threads, config->worker_queue}};
    for (size_t i = 0; i < sizeof(pools) / sizeof(pools[0]); i++) {
        if (pools[i].class == STS_WORK_UPSTREAM && !runtime->issuer->blocking)
            continue;
        runtime->pools[pools[i].class] = sts_worker_pool_create(pools[i].threads, (size_t)pools[i].queue);
        if (runtime->pools[pools[i].class] == NULL) {
            snprintf(error, error_size, "cannot start %d worker threads", pools[i].threads);
            return -1;
        }
    }
    if (runtime->issuer->check != NULL) {
        runtime->checker =
            sts_readiness_checker_start(runtime->issuer, &runtime->readiness, config->readiness_interval_seconds);
        if (runtime->checker == NULL) {
            snprintf(error, error_size, "cannot start the readiness thread");
            return -1;
        }
    }
    return 0;
}

/* Call after both adapters have stopped: queued blocking calls finish first, then the issuer goes. */
static void dispose_runtime(runtime_t *runtime)
{
    if (runtime->store != NULL && runtime->store->unwatch != NULL)
        runtime->store->unwatch(runtime->store); /* before what its changes reach is freed */
    sts_auth_setup_dispose(&runtime->auth);
    if (runtime->checker != NULL)
        sts_readiness_checker_stop(runtime->checker);
    for (int i = 0; i < STS_WORK_CLASSES; i++) {
        if (runtime->pools[i] != NULL)
            sts_worker_pool_destroy(runtime->pools[i]);
    }
    if (runtime->issuer != NULL)
        runtime->issuer->destroy(runtime->issuer);
    if (runtime->login_started)
        sts_login_setup_dispose(&runtime->login);
    if (runtime->keys_started)
        sts_key_setup_dispose(&runtime->keys);
    if (runtime->store != NULL)
        runtime->store->destroy(runtime->store);
    sts_tls_watcher_stop(runtime->tls_watcher);
    sts_tls_source_destroy(runtime->tls);
    sts_readiness_dispose(&runtime->readiness);
    sts_audit_log_close(runtime->audit);
}

static void build_service(sts_service_t *service, const sts_config_t *config, runtime_t *runtime)
{
    sts_service_defaults(service, &sts_gen_method_table);
    service->issuer = runtime->issuer;
    memcpy(service->pools, runtime->pools, sizeof(service->pools));
    service->store = runtime->store;
    service->token_keys = runtime->keys.token_keys;
    service->max_tokens_per_user = config->max_tokens_per_user;
    service->max_access_token_lifetime_us = config->max_access_token_lifetime * 1000000LL;
    service->self_service_tokens = strcmp(config->self_service_tokens, "true") == 0;
    /* Without an upstream check it stays ready, but still carries notices such as the certificate's expiry. */
    service->readiness = &runtime->readiness;
    service->audit = runtime->audit != NULL ? sts_audit_log_sink(runtime->audit) : NULL;
    service->login = &runtime->login.settings;
    service->endpoint_url = config->endpoint_url;
    service->default_duration_seconds = config->default_duration_seconds;
    service->max_duration_seconds = config->max_duration_seconds;
    service->min_duration_seconds = config->min_duration_seconds;
}

/*
 * Every connection is a descriptor: the soft open-file limit (often 1024) is raised to the hard one, as servers do, and
 * a max_connections the limit cannot hold is said at start rather than found under load.
 */
static void raise_file_limit(const sts_config_t *config)
{
    struct rlimit limit;
    if (getrlimit(RLIMIT_NOFILE, &limit) != 0)
        return;
    if (limit.rlim_cur < limit.rlim_max) {
        limit.rlim_cur = limit.rlim_max;
        setrlimit(RLIMIT_NOFILE, &limit);
        getrlimit(RLIMIT_NOFILE, &limit);
    }
    /* The listeners, store, gRPC and log need some descriptors of their own. */
    if (limit.rlim_cur != RLIM_INFINITY && (rlim_t)config->max_connections + 256 > limit.rlim_cur)
        sts_log_warn("the open-file limit (%llu) is below max_connections (%d) plus what stsd needs besides; new "
                     "connections will fail at accept before max_connections is reached: raise the limit "
                     "(LimitNOFILE=) or lower max_connections",
                     (unsigned long long)limit.rlim_cur, config->max_connections);
}

/*
 * The reloads run on the threads that own them (the TLS watcher, the JWT key-file watcher), so a reload never races
 * their own checks; each logs what it loaded or why it kept what it had. Logs go to standard error, which needs no
 * reopening; keys in the store are read again every minute anyway.
 */
static void reload(const sts_config_t *config, runtime_t *runtime)
{
    int tls = runtime->tls_watcher != NULL;
    if (tls)
        sts_tls_watcher_poke(runtime->tls_watcher);
    int jwt = sts_auth_setup_reload(&runtime->auth);
    if (tls)
        sts_log_info("received SIGHUP: reloading the TLS files (%s)", config->tls_cert_file);
    if (jwt)
        sts_log_info("received SIGHUP: reloading the JWT key files");
    char error[512];
    if (runtime->audit != NULL && sts_audit_log_reopen(runtime->audit, error, sizeof(error)) != 0)
        sts_log_error("received SIGHUP: %s; the audit log stays on the file it had", error);
    else if (runtime->audit != NULL)
        sts_log_info("received SIGHUP: reopened the audit log %s", config->audit_log);
    if (!tls && !jwt && runtime->audit == NULL)
        sts_log_info("received SIGHUP: nothing to reload (no TLS files, no JWT key files, no audit log); stsd keeps "
                     "running");
}

static int serve(const sts_config_t *config, sigset_t *stop_signals)
{
    char error[512];
    raise_file_limit(config);
    if (make_data_dir(config->data_dir) != 0)
        return 1;
    runtime_t runtime;
    if (start_runtime(&runtime, config, error, sizeof(error)) != 0) {
        sts_log_error("%s", error);
        dispose_runtime(&runtime);
        return 1;
    }
    sts_service_t service;
    build_service(&service, config, &runtime);
    int auth_started =
        sts_auth_setup_start(&runtime.auth, config, &service, runtime.login.own_jwt, error, sizeof(error)) == 0;
    runtime.sync = (sts_store_sync_t){runtime.auth.access_token, &runtime.login, &runtime.keys};
    if (!auth_started || sts_store_sync_start(runtime.store, &runtime.sync, error, sizeof(error)) != 0) {
        sts_log_error("%s", error);
        dispose_runtime(&runtime);
        return 1;
    }
    int rc = 1;
    sts_grpc_server_t *grpc = NULL;
    sts_rest_server_t *metrics = NULL;
    sts_rest_limits_t rest_limits = {
        .max_body_bytes = (size_t)config->max_body_bytes,
        .max_connections = config->max_connections,
        .header_timeout_ms = config->header_timeout_ms,
        .idle_timeout_ms = config->idle_timeout_ms,
        .max_header_count = config->max_header_count,
        .max_header_bytes = config->max_header_bytes,
        .max_request_line_bytes = config->max_request_line_bytes,
    };
    sts_grpc_limits_t grpc_limits = {
        .max_message_bytes = (size_t)config->max_message_bytes,
        .max_concurrent_streams = config->grpc_max_concurrent_streams,
        .min_ping_interval_ms = config->grpc_min_ping_interval_ms,
        .max_ping_strikes = config->grpc_max_ping_strikes,
        .max_connection_age_ms = config->grpc_max_connection_age_ms,
        .max_connection_age_grace_ms = config->grpc_max_connection_age_grace_ms,
    };
    sts_rest_server_t *rest = sts_rest_server_create(
        &service, config->metrics_listen != NULL ? STS_REST_SERVE_API : STS_REST_SERVE_ALL, config->rest_listen,
        config->rest_threads, &rest_limits, runtime.tls, error, sizeof(error));
    if (rest == NULL) {
        sts_log_error("%s", error);
        goto out;
    }
    /* Scrapes get a thread of their own, so a busy API never delays them and they never take an API thread. */
    if (config->metrics_listen != NULL &&
        (metrics = sts_rest_server_create(&service, STS_REST_SERVE_METRICS, config->metrics_listen, 1, &rest_limits,
                                          runtime.tls, error, sizeof(error))) == NULL) {
        sts_log_error("metrics_listen: %s", error);
        goto out;
    }
    grpc = sts_grpc_server_create(&service, config->grpc_listen, config->grpc_threads, &grpc_limits, runtime.tls, error,
                                  sizeof(error));
    if (grpc == NULL) {
        sts_log_error("%s", error);
        goto out;
    }
    if (sts_rest_server_start(rest) != 0 || sts_grpc_server_start(grpc) != 0 ||
        (metrics != NULL && sts_rest_server_start(metrics) != 0))
        goto out;
    log_listening("rest", config->rest_listen, sts_rest_server_port(rest));
    log_listening("grpc", config->grpc_listen, sts_grpc_server_port(grpc));
    if (metrics != NULL)
        log_listening("metrics", config->metrics_listen, sts_rest_server_port(metrics));
    log_transport(config);
    sts_log_info("ready");
    int signal_number = 0;
    /* SIGHUP (what init systems and log rotation send) reloads what can be reloaded; it never stops stsd. */
    while (sigwait(stop_signals, &signal_number) == 0 && signal_number == SIGHUP)
        reload(config, &runtime);
    sts_log_info("received %s, draining in-flight calls", signal_number == SIGINT ? "SIGINT" : "SIGTERM");
    /* Both adapters drain at once so the whole stop fits in one timeout. */
    grpc_stop_t stop = {grpc, config->shutdown_timeout_seconds * 1000 - 500};
    watchdog_t upstream_watch = {.upstream = runtime.pools[STS_WORK_UPSTREAM]};
    sts_ticker_t *watchdog = sts_ticker_start(stop.drain_ms, 0, abort_upstream, &upstream_watch);
    pthread_t grpc_stopper;
    int stopping_grpc = pthread_create(&grpc_stopper, NULL, stop_grpc, &stop) == 0;
    if (!stopping_grpc)
        stop_grpc(&stop);
    sts_rest_server_shutdown(rest, stop.drain_ms);
    if (metrics != NULL)
        sts_rest_server_shutdown(metrics, 0);
    if (stopping_grpc)
        pthread_join(grpc_stopper, NULL);
    sts_ticker_stop(watchdog);
    sts_log_flush(); /* the last requests' lines come before the last line */
    sts_log_info("stopped");
    rc = 0;
out:
    if (grpc != NULL)
        sts_grpc_server_destroy(grpc);
    if (rest != NULL)
        sts_rest_server_destroy(rest);
    if (metrics != NULL)
        sts_rest_server_destroy(metrics);
    dispose_runtime(&runtime);
    return rc;
}

int main(int argc, char **argv)
{
    /* h2o writes with writev: a peer that resets would otherwise kill the process. */
    signal(SIGPIPE, SIG_IGN);
    /* Blocked before any thread exists, so only sigwait below ever sees them. */
    sigset_t stop_signals;
    sigemptyset(&stop_signals);
    sigaddset(&stop_signals, SIGINT);
    sigaddset(&stop_signals, SIGTERM);
    sigaddset(&stop_signals, SIGHUP);
    pthread_sigmask(SIG_BLOCK, &stop_signals, NULL);

    /* stsd user …, stsd client …, stsd keys …: administration on the data directory, without the network. */
    int cli = sts_cli_run(argc, argv);
    if (cli >= 0)
        return cli;
    sts_config_t config;
    sts_config_init(&config);
    char error[512];
    if (sts_config_load(&config, argc, argv, NULL, error, sizeof(error)) != 0) {
        fprintf(stderr, "stsd: %s\n", error);
        fprintf(stderr, "Try 'stsd --help'.\n");
        sts_config_dispose(&config);
        return 2;
    }
    int rc = 0;
    switch (config.action) {
    case STS_CONFIG_HELP:
        sts_config_print_help(stdout);
        break;
    case STS_CONFIG_VERSION:
        sts_server_print_version(stdout);
        break;
    case STS_CONFIG_CHECK:
        sts_server_apply_secret_file_policy(&config);
        if (sts_server_preflight(&config, error, sizeof(error)) != 0) {
            fprintf(stderr, "stsd: %s\n", error);
            rc = 2;
            break;
        }
        sts_config_print(&config, stdout);
        fprintf(stderr, "stsd: configuration is valid\n");
        break;
    case STS_CONFIG_RUN: {
        sts_log_level_t level = STS_LOG_INFO;
        sts_log_parse_level(config.log_level, &level);
        sts_log_set_level(level);
        sts_log_format_t format = STS_LOG_TEXT;
        sts_log_parse_format(config.log_format, &format);
        sts_log_set_format(format);
        sts_server_apply_secret_file_policy(&config);
        /* Configuration errors (exit 2) are all found here, before the data directory is touched. */
        if (sts_server_preflight(&config, error, sizeof(error)) != 0) {
            sts_log_error("%s", error);
            rc = 2;
            break;
        }
        rc = serve(&config, &stop_signals);
        sts_log_flush();
        sts_aws_http_global_cleanup();
        break;
    }
    }
    sts_config_dispose(&config);
    return rc;
}
