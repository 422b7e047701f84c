#include "dynload/dynload.h"
#include <dlfcn.h>
#include <stdio.h>
#include <string.h>

static int open_library(sts_dynload_library_t *library, char *error, size_t error_size)
{
    /* RTLD_NOW: a missing function is reported here, at set-up, rather than as a crash on its first call. */
    void *handle = dlopen(library->soname, RTLD_NOW | RTLD_LOCAL);
    if (handle == NULL) {
        const char *cause = dlerror();
        snprintf(error, error_size, "%s could not be loaded: %s", library->what, cause ? cause : library->soname);
        return -1;
    }
    for (size_t i = 0; i < library->count; i++) {
        void *address = dlsym(handle, library->symbols[i].name);
        if (address == NULL) {
            snprintf(error, error_size, "%s (%s) lacks the function %s", library->what, library->soname,
                     library->symbols[i].name);
            memset(library->table, 0, library->table_size);
            dlclose(handle);
            return -1;
        }
        memcpy((char *)library->table + library->symbols[i].offset, &address, sizeof(address));
    }
    return 0;
}

int sts_dynload_require(sts_dynload_library_t *library, char *error, size_t error_size)
{
    pthread_mutex_lock(&library->lock);
    int rc = 0;
    if (!library->loaded) {
        rc = open_library(library, error, error_size);
        if (rc == 0 && library->on_load != NULL)
            library->on_load();
        library->loaded = rc == 0;
    }
    pthread_mutex_unlock(&library->lock);
    return rc;
}

int sts_dynload_loaded(sts_dynload_library_t *library)
{
    pthread_mutex_lock(&library->lock);
    int loaded = library->loaded;
    pthread_mutex_unlock(&library->lock);
    return loaded;
}
