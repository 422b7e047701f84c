#include "auth/jwks_source.h"
#include <arpa/inet.h>
#include "dynload/curl.h"
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include "crypto/secret_file.h"
#include "util/buf.h"
#include "util/log.h"
#include "util/text.h"
#include "util/ticker.h"
#include "util/timefmt.h"

struct sts_jwks_source_s {
    pthread_rwlock_t keys_lock; /* readers verify under it; the refresher swaps the set under the write lock */
    sts_jwk_set_t *keys;
    sts_jwk_set_t *fixed; /* file and PEM keys, merged into every fetched set */
    char *url, *ca_file;
    char *shown_url; /* url without user information: the one for logs and messages */
    int refresh_seconds, min_refetch_seconds, max_age_seconds;
    _Atomic uint64_t generation;
    int64_t last_success_ns; /* CLOCK_MONOTONIC of the last fetch that gave keys; used by the refresher only */
    sts_ticker_t *refresher; /* NULL without a URL, or if its thread could not start */
    pthread_mutex_t fetch_lock;
    int64_t last_fetch_ns; /* CLOCK_MONOTONIC, guarded by fetch_lock */
    int files_forced;      /* a reload asked for the files to be read even if unchanged; guarded by fetch_lock */
    /* The JWKS file and PEM files: checked by their own ticker, which alone reads and writes what follows. */
    char **files;               /* files[0] the JWKS file or NULL, then the PEM files */
    size_t file_count;          /* 1 + PEM files, 0 without any file */
    sts_file_stamp_t *stamps;   /* as last loaded or tried */
    sts_ticker_t *file_watcher; /* NULL without files */
    pthread_mutex_t fixed_lock; /* orders the watcher's swap of fixed against the refresher's merge */
};

static size_t on_body(char *data, size_t size, size_t count, void *user)
{
    return sts_buf_append(user, data, size * count) == 0 ? size * count : 0;
}

/* GETs the JWKS and parses it; 0 and *out, or -1 with a message. */
static int fetch(const sts_jwks_source_t *source, sts_jwk_set_t **out, char *error, size_t error_size)
{
    CURL *curl = sts_curl.easy_init();
    sts_buf_t body;
    sts_buf_init(&body, STS_JWKS_MAX_BYTES);
    char curl_error[CURL_ERROR_SIZE] = "";
    sts_curl.easy_setopt(curl, CURLOPT_URL, source->url);
    sts_curl.easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    sts_curl.easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, 2000L);
    sts_curl.easy_setopt(curl, CURLOPT_TIMEOUT_MS, 10000L);
    sts_curl.easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
    sts_curl.easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_body);
    sts_curl.easy_setopt(curl, CURLOPT_WRITEDATA, &body);
    sts_curl.easy_setopt(curl, CURLOPT_ERRORBUFFER, curl_error);
    if (source->ca_file != NULL)
        sts_curl.easy_setopt(curl, CURLOPT_CAINFO, source->ca_file);
    CURLcode rc = sts_curl.easy_perform(curl);
    long status = 0;
    sts_curl.easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
    sts_curl.easy_cleanup(curl);
    int result = -1;
    if (rc != CURLE_OK)
        snprintf(error, error_size, "cannot fetch the JWKS from %s: %s", source->shown_url,
                 curl_error[0] ? curl_error : sts_curl.easy_strerror(rc));
    else if (status != 200)
        snprintf(error, error_size, "fetching the JWKS from %s gave HTTP %ld", source->shown_url, status);
    else
        result = sts_jwk_set_parse(body.data, body.len, out, error, error_size);
    sts_buf_dispose(&body);
    return result;
}

/* The fetched keys plus the fixed ones, as one new set. */
static sts_jwk_set_t *merge(sts_jwk_set_t *fetched, const sts_jwk_set_t *fixed)
{
    size_t extra = fixed != NULL ? fixed->count : 0;
    sts_jwk_t *grown = realloc(fetched->keys, (fetched->count + extra + 1) * sizeof(sts_jwk_t));
    if (grown == NULL)
        sts_log_fatal("out of memory");
    fetched->keys = grown;
    for (size_t i = 0; i < extra; i++) {
        sts_jwk_t copy = fixed->keys[i];
        copy.kid = sts_strdup(copy.kid);
        EVP_PKEY_up_ref(copy.key);
        fetched->keys[fetched->count++] = copy;
    }
    return fetched;
}

/* Makes set the current keys and frees the old ones (never the fixed set, which lives as long as the source). */
static void swap_keys(sts_jwks_source_t *source, sts_jwk_set_t *set)
{
    pthread_rwlock_wrlock(&source->keys_lock);
    sts_jwk_set_t *old = source->keys;
    source->keys = set;
    atomic_fetch_add(&source->generation, 1);
    pthread_rwlock_unlock(&source->keys_lock);
    if (old != source->fixed && old != set)
        sts_jwk_set_free(old);
}

static void refresh(sts_jwks_source_t *source)
{
    char error[512];
    sts_jwk_set_t *fetched = NULL;
    int64_t now = sts_time_monotonic_ns();
    pthread_mutex_lock(&source->fetch_lock);
    source->last_fetch_ns = now;
    pthread_mutex_unlock(&source->fetch_lock);
    if (fetch(source, &fetched, error, sizeof(error)) == 0) {
        source->last_success_ns = now;
        size_t count = fetched->count;
        pthread_mutex_lock(&source->fixed_lock);
        swap_keys(source, merge(fetched, source->fixed));
        pthread_mutex_unlock(&source->fixed_lock);
        sts_log_info("loaded %zu JWT keys from %s", count, source->shown_url);
        return;
    }
    int64_t age_s = (now - source->last_success_ns) / 1000000000;
    if (source->max_age_seconds > 0 && source->keys != source->fixed && age_s >= source->max_age_seconds) {
        pthread_mutex_lock(&source->fixed_lock);
        swap_keys(source, source->fixed);
        pthread_mutex_unlock(&source->fixed_lock);
        sts_log_error("%s; the keys fetched %lld s ago are older than jwt_jwks_max_age_seconds (%d) and are dropped: "
                      "tokens they signed are refused until a fetch succeeds",
                      error, (long long)age_s, source->max_age_seconds);
        return;
    }
    sts_log_warn("%s; keeping the keys we have", error);
}

static void run_refresh(void *arg)
{
    refresh(arg);
}

/* The JWKS file (NULL for none) and the PEM files as one new set; NULL in *out when there are none. */
static int load_files(const char *jwks_file, const char *const *pem_files, size_t pem_file_count, sts_jwk_set_t **out,
                      char *error, size_t error_size)
{
    sts_jwk_set_t *fixed = NULL;
    if (jwks_file != NULL) {
        FILE *file = fopen(jwks_file, "rb");
        char *text = malloc(STS_JWKS_MAX_BYTES + 1);
        if (text == NULL)
            sts_log_fatal("out of memory");
        size_t len = file != NULL ? fread(text, 1, STS_JWKS_MAX_BYTES + 1, file) : 0;
        if (file == NULL)
            snprintf(error, error_size, "cannot open the JWKS file %s: %s", jwks_file, strerror(errno));
        else
            fclose(file);
        int rc = file == NULL ? -1 : sts_jwk_set_parse(text, len, &fixed, error, error_size);
        free(text);
        if (rc != 0)
            return -1;
    }
    for (size_t i = 0; i < pem_file_count; i++) {
        if (sts_jwk_set_add_pem(&fixed, pem_files[i], error, error_size) != 0) {
            sts_jwk_set_free(fixed);
            return -1;
        }
    }
    *out = fixed;
    return 0;
}

/* Makes fresh the file keys: the current keys too when they are only those, else merged at the next fetch. */
static void replace_fixed(sts_jwks_source_t *source, sts_jwk_set_t *fresh)
{
    pthread_mutex_lock(&source->fixed_lock);
    sts_jwk_set_t *old = source->fixed;
    pthread_rwlock_wrlock(&source->keys_lock);
    source->fixed = fresh;
    if (source->keys == old) {
        source->keys = fresh;
        atomic_fetch_add(&source->generation, 1);
    }
    pthread_rwlock_unlock(&source->keys_lock);
    pthread_mutex_unlock(&source->fixed_lock);
    /* No verification borrows it any more (they borrow under the read lock), and merges copied what they took. */
    sts_jwk_set_free(old);
    if (source->refresher != NULL)
        sts_ticker_poke(source->refresher);
}

/* One look at the files: loaded again when one changed (or force), kept as they are when the new ones are bad. */
static void check_files(sts_jwks_source_t *source, int force)
{
    int changed = force;
    for (size_t i = 0; i < source->file_count; i++) {
        if (source->files[i] == NULL)
            continue;
        sts_file_stamp_t now;
        sts_secret_file_stamp(source->files[i], &now);
        changed |= !sts_secret_file_stamp_equal(&now, &source->stamps[i]);
        source->stamps[i] = now;
    }
    if (!changed)
        return;
    char error[512];
    sts_jwk_set_t *fresh = NULL;
    if (load_files(source->files[0], (const char *const *)source->files + 1, source->file_count - 1, &fresh, error,
                   sizeof(error)) != 0) {
        sts_log_error("JWT key files: %s; the keys loaded before stay in use", error);
        return;
    }
    size_t count = fresh != NULL ? fresh->count : 0;
    replace_fixed(source, fresh);
    sts_log_info("JWT key files: loaded %zu keys", count);
}

static void run_check_files(void *arg)
{
    sts_jwks_source_t *source = arg;
    pthread_mutex_lock(&source->fetch_lock);
    int force = source->files_forced;
    source->files_forced = 0;
    pthread_mutex_unlock(&source->fetch_lock);
    check_files(source, force);
}

static int loopback_host(const char *host)
{
    struct in_addr v4;
    if (inet_pton(AF_INET, host, &v4) == 1)
        return (ntohl(v4.s_addr) >> 24) == 127;
    return strcasecmp(host, "localhost") == 0 || strcmp(host, "[::1]") == 0;
}

int sts_jwks_url_check(const char *url, char *error, size_t error_size)
{
    if (sts_dynload_require(&sts_curl_library, error, error_size) != 0)
        return -1;
    /* curl's own parser, so the host judged here is the host curl will connect to (userinfo, IPv4 forms, ...). */
    CURLU *parsed = sts_curl.url();
    char *scheme = NULL, *host = NULL;
    if (parsed == NULL)
        sts_log_fatal("out of memory");
    int ok = sts_curl.url_set(parsed, CURLUPART_URL, url, 0) == CURLUE_OK &&
             sts_curl.url_get(parsed, CURLUPART_SCHEME, &scheme, 0) == CURLUE_OK &&
             sts_curl.url_get(parsed, CURLUPART_HOST, &host, 0) == CURLUE_OK;
    int rc = -1;
    if (!ok)
        snprintf(error, error_size, "jwt_jwks_url is not a valid http(s) URL");
    else if (strcmp(scheme, "https") == 0 || (strcmp(scheme, "http") == 0 && loopback_host(host)))
        rc = 0;
    else if (strcmp(scheme, "http") == 0)
        snprintf(error, error_size,
                 "jwt_jwks_url must use https: plain http is allowed only to a loopback host (127.0.0.0/8, [::1], "
                 "localhost), not to '%.128s'",
                 host);
    else
        snprintf(error, error_size, "jwt_jwks_url must be an https URL, not %.16s", scheme);
    sts_curl.free(scheme);
    sts_curl.free(host);
    sts_curl.url_cleanup(parsed);
    return rc;
}

sts_jwks_source_t *sts_jwks_source_create(const sts_jwks_settings_t *settings, char *error, size_t error_size)
{
    if (settings->jwks_url != NULL && sts_jwks_url_check(settings->jwks_url, error, error_size) != 0)
        return NULL;
    sts_jwk_set_t *fixed = NULL;
    if (load_files(settings->jwks_file, settings->pem_files, settings->pem_file_count, &fixed, error, error_size) != 0)
        return NULL;
    sts_jwks_source_t *source = calloc(1, sizeof(*source));
    if (source == NULL)
        sts_log_fatal("out of memory");
    pthread_rwlock_init(&source->keys_lock, NULL);
    pthread_mutex_init(&source->fetch_lock, NULL);
    pthread_mutex_init(&source->fixed_lock, NULL);
    source->fixed = fixed;
    source->keys = fixed;
    source->refresh_seconds = settings->refresh_seconds;
    source->min_refetch_seconds = settings->min_refetch_seconds;
    source->max_age_seconds = settings->max_age_seconds;
    if (settings->jwks_url != NULL) {
        source->url = sts_strdup(settings->jwks_url);
        source->shown_url = sts_strdup(settings->jwks_url); /* redacting never lengthens it */
        sts_url_redact(settings->jwks_url, source->shown_url, strlen(source->shown_url) + 1);
        source->ca_file = sts_strdup(settings->ca_file);
        refresh(source);
        source->refresher = sts_ticker_start((int64_t)source->refresh_seconds * 1000, 0, run_refresh, source);
    }
    if (settings->jwks_file != NULL || settings->pem_file_count > 0) {
        source->file_count = 1 + settings->pem_file_count;
        source->files = calloc(source->file_count, sizeof(char *));
        source->stamps = calloc(source->file_count, sizeof(sts_file_stamp_t));
        if (source->files == NULL || source->stamps == NULL)
            sts_log_fatal("out of memory");
        source->files[0] = settings->jwks_file != NULL ? sts_strdup(settings->jwks_file) : NULL;
        for (size_t i = 0; i < settings->pem_file_count; i++)
            source->files[1 + i] = sts_strdup(settings->pem_files[i]);
        /* Stamped after loading: a change between the two is seen at the first check (one extra load at most). */
        for (size_t i = 0; i < source->file_count; i++) {
            if (source->files[i] != NULL)
                sts_secret_file_stamp(source->files[i], &source->stamps[i]);
        }
        int interval_ms = settings->file_check_ms > 0 ? settings->file_check_ms : STS_JWKS_FILE_CHECK_MS;
        source->file_watcher = sts_ticker_start(interval_ms, 0, run_check_files, source);
    }
    return source;
}

const sts_jwk_set_t *sts_jwks_source_acquire(sts_jwks_source_t *source)
{
    pthread_rwlock_rdlock(&source->keys_lock);
    return source->keys;
}

void sts_jwks_source_release(sts_jwks_source_t *source)
{
    pthread_rwlock_unlock(&source->keys_lock);
}

void sts_jwks_source_request_refresh(sts_jwks_source_t *source)
{
    if (source->refresher == NULL)
        return;
    pthread_mutex_lock(&source->fetch_lock);
    int due = sts_time_monotonic_ns() - source->last_fetch_ns >= (int64_t)source->min_refetch_seconds * 1000000000;
    pthread_mutex_unlock(&source->fetch_lock);
    /* Pokes that arrive before the fetch starts make one fetch. */
    if (due)
        sts_ticker_poke(source->refresher);
}

void sts_jwks_source_replace(sts_jwks_source_t *source, sts_jwk_set_t *set)
{
    swap_keys(source, set);
}

uint64_t sts_jwks_source_generation(const sts_jwks_source_t *source)
{
    return atomic_load(&source->generation);
}

int sts_jwks_source_has_kid(sts_jwks_source_t *source, const char *kid)
{
    int found = 0;
    pthread_rwlock_rdlock(&source->keys_lock);
    for (size_t i = 0; source->keys != NULL && i < source->keys->count && !found; i++)
        found = source->keys->keys[i].kid != NULL && strcmp(source->keys->keys[i].kid, kid) == 0;
    pthread_rwlock_unlock(&source->keys_lock);
    return found;
}

void sts_jwks_source_reload_files(sts_jwks_source_t *source)
{
    if (source->file_watcher == NULL)
        return;
    pthread_mutex_lock(&source->fetch_lock);
    source->files_forced = 1;
    pthread_mutex_unlock(&source->fetch_lock);
    sts_ticker_poke(source->file_watcher);
}

void sts_jwks_source_destroy(sts_jwks_source_t *source)
{
    sts_ticker_stop(source->file_watcher);
    sts_ticker_stop(source->refresher);
    if (source->keys != source->fixed)
        sts_jwk_set_free(source->keys);
    sts_jwk_set_free(source->fixed);
    pthread_rwlock_destroy(&source->keys_lock);
    pthread_mutex_destroy(&source->fetch_lock);
    pthread_mutex_destroy(&source->fixed_lock);
    for (size_t i = 0; i < source->file_count; i++)
        free(source->files[i]);
    free(source->files);
    free(source->stamps);
    free(source->url);
    free(source->shown_url);
    free(source->ca_file);
    free(source);
}
