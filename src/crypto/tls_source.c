#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/secret_file.h"
#include "crypto/tls_credentials.h"
#include "util/log.h"
#include "util/text.h"

enum { FILES = 3 };

struct sts_tls_source_s {
    char *paths[FILES]; /* certificate, key, client CA (NULL when none) */
    pthread_mutex_t lock;
    sts_tls_credentials_t *current;    /* under lock */
    uint64_t generation;               /* under lock */
    sts_file_stamp_t attempted[FILES]; /* the files as last loaded or tried; refresh's own */
};

static void take_stamps(const sts_tls_source_t *source, sts_file_stamp_t *stamps)
{
    memset(stamps, 0, FILES * sizeof(*stamps));
    for (int i = 0; i < FILES; i++) {
        if (source->paths[i] != NULL)
            sts_secret_file_stamp(source->paths[i], &stamps[i]);
    }
}

static sts_tls_credentials_t *load(const sts_tls_source_t *source, char *error, size_t error_size)
{
    sts_tls_files_t files = {source->paths[0], source->paths[1], source->paths[2]};
    return sts_tls_credentials_load(&files, error, error_size);
}

sts_tls_source_t *sts_tls_source_create(const sts_tls_files_t *files, char *error, size_t error_size)
{
    sts_tls_source_t *source = calloc(1, sizeof(*source));
    if (source == NULL)
        sts_log_fatal("out of memory");
    source->paths[0] = sts_strdup(files->certificate_file);
    source->paths[1] = sts_strdup(files->key_file);
    source->paths[2] = sts_strdup(files->client_ca_file);
    pthread_mutex_init(&source->lock, NULL);
    take_stamps(source, source->attempted);
    source->current = load(source, error, error_size);
    if (source->current == NULL) {
        sts_tls_source_destroy(source);
        return NULL;
    }
    sts_log_info("tls: serving the certificate %s", sts_tls_credentials_describe(source->current));
    return source;
}

sts_tls_credentials_t *sts_tls_source_current(sts_tls_source_t *source, uint64_t *generation)
{
    pthread_mutex_lock(&source->lock);
    sts_tls_credentials_t *credentials = sts_tls_credentials_ref(source->current);
    if (generation != NULL)
        *generation = source->generation;
    pthread_mutex_unlock(&source->lock);
    return credentials;
}

uint64_t sts_tls_source_generation(sts_tls_source_t *source)
{
    pthread_mutex_lock(&source->lock);
    uint64_t generation = source->generation;
    pthread_mutex_unlock(&source->lock);
    return generation;
}

int sts_tls_source_has_client_ca(const sts_tls_source_t *source)
{
    return source->paths[2] != NULL;
}

int sts_tls_source_refresh(sts_tls_source_t *source)
{
    sts_file_stamp_t now[FILES];
    take_stamps(source, now);
    int changed = 0;
    for (int i = 0; i < FILES; i++)
        changed |= !sts_secret_file_stamp_equal(&now[i], &source->attempted[i]);
    if (!changed)
        return 0;
    /* Recorded before loading: a file that changes while it is read differs again at the next look. */
    memcpy(source->attempted, now, sizeof(now));
    char error[512];
    sts_tls_credentials_t *loaded = load(source, error, sizeof(error));
    if (loaded == NULL) {
        sts_tls_credentials_t *serving = sts_tls_source_current(source, NULL);
        sts_log_error("tls: not reloading the certificate: %s; still serving %s", error,
                      sts_tls_credentials_describe(serving));
        sts_tls_credentials_unref(serving);
        return -1;
    }
    pthread_mutex_lock(&source->lock);
    sts_tls_credentials_t *old = source->current;
    source->current = loaded;
    source->generation++;
    pthread_mutex_unlock(&source->lock);
    sts_log_info("tls: reloaded; now serving the certificate %s", sts_tls_credentials_describe(loaded));
    sts_tls_credentials_unref(old);
    return 1;
}

void sts_tls_source_destroy(sts_tls_source_t *source)
{
    if (source == NULL)
        return;
    sts_tls_credentials_unref(source->current);
    pthread_mutex_destroy(&source->lock);
    for (int i = 0; i < FILES; i++)
        free(source->paths[i]);
    free(source);
}
