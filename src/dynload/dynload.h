/*
 * Shared libraries that only some configurations need (libcurl, libpq, libldap), loaded when the first module that
 * uses one is set up rather than by the dynamic linker at start: stsd on its defaults maps none of them, nor the
 * thirty libraries they pull in.
 */
#ifndef STS_DYNLOAD_DYNLOAD_H
#define STS_DYNLOAD_DYNLOAD_H
#include <pthread.h>
#include <stddef.h>

/** One function to resolve: its exported name and the offset of its pointer in the library's table. */
typedef struct {
    const char *name;
    size_t offset;
} sts_dynload_symbol_t;

/** A library and the table of its functions that stsd calls; one static instance per library. */
typedef struct {
    const char *soname; /**< what dlopen is given, e.g. "libpq.so.5" */
    const char *what;   /**< for messages, e.g. "libpq (the PostgreSQL client)" */
    const sts_dynload_symbol_t *symbols;
    size_t count;
    void *table; /**< filled once, then only read */
    size_t table_size;
    /** Runs once, right after the table is filled and before anyone else sees it; NULL when there is nothing to do. */
    void (*on_load)(void);
    pthread_mutex_t lock;
    int loaded;
} sts_dynload_library_t;

/**
 * Loads library unless it already is, so that its table may be used. Returns 0, or -1 with error naming the library
 * and the missing file or function (the table then stays zeroed and a later call tries again). A loaded library is
 * never unloaded. Thread-safe.
 */
int sts_dynload_require(sts_dynload_library_t *library, char *error, size_t error_size);

/** Whether library is loaded; for clean-ups at exit that only a loaded library needs. Thread-safe. */
int sts_dynload_loaded(sts_dynload_library_t *library);

/*
 * The tables are built from lists of (prefix, name) pairs: the member is `name` and its type that of the library's
 * own declaration of prefix##name, so a call through the table is type-checked like a direct call.
 */
#define STS_DYNLOAD_MEMBER(prefix, name)       __typeof__(prefix##name) *name;
#define STS_DYNLOAD_SYMBOL(type, prefix, name) {#prefix #name, offsetof(type, name)},
#define STS_DYNLOAD_LIBRARY(soname_, what_, symbols_, table_, on_load_)                                                \
    {                                                                                                                  \
        .soname = soname_, .what = what_, .symbols = symbols_, .count = sizeof(symbols_) / sizeof(symbols_[0]),        \
        .table = &table_, .table_size = sizeof(table_), .on_load = on_load_, .lock = PTHREAD_MUTEX_INITIALIZER,        \
        .loaded = 0                                                                                                    \
    }

#endif
