#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "crypto/tls_credentials.h"
#include "util/log.h"
#include "util/text.h"

/* What identifies one version of a file; a missing file has present 0. */
typedef struct {
    int present;
    dev_t device;
    ino_t inode;
    off_t size;
    struct timespec modified, changed;
} stamp_t;

enum { FILES = 3 };

struct sts_tls_source_s {
    char *paths[FILES]; /* certificate, key, client CA (NULL when none) */
    int allow_shared_key;
    pthread_mutex_t lock;
    sts_tls_credentials_t *current; /* under lock */
    uint64_t generation;            /* under lock */
    stamp_t attempted[FILES];       /* the files as last loaded or tried; refresh's own */
};

static void take_stamps(const sts_tls_source_t *source, stamp_t *stamps)
{
    memset(stamps, 0, FILES * sizeof(*stamps));
    for (int i = 0; i < FILES; i++) {
        struct stat st;
        /* stat follows symbolic links: a Kubernetes secret volume swaps a link to a new directory. */
        if (source->paths[i] == NULL || stat(source->paths[i], &st) != 0)
            continue;
        stamps[i] = (stamp_t){1, st.st_dev, st.st_ino, st.st_size, st.st_mtim, st.st_ctim};
    }
}

static int same_stamp(const stamp_t *a, const stamp_t *b)
{
    return a->present == b->present && a->device == b->device && a->inode == b->inode && a->size == b->size &&
           a->modified.tv_sec == b->modified.tv_sec && a->modified.tv_nsec == b->modified.tv_nsec &&
           a->changed.tv_sec == b->changed.tv_sec && a->changed.tv_nsec == b->changed.tv_nsec;
}

static sts_tls_credentials_t *load(const sts_tls_source_t *source, char *error, size_t error_size)
{
    sts_tls_files_t files = {source->paths[0], source->paths[1], source->paths[2], source->allow_shared_key};
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
    source->allow_shared_key = files->allow_shared_key;
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
    stamp_t now[FILES];
    take_stamps(source, now);
    int changed = 0;
    for (int i = 0; i < FILES; i++)
        changed |= !same_stamp(&now[i], &source->attempted[i]);
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
