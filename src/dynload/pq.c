#include "dynload/pq.h"

sts_pq_t sts_pq;

#define SYMBOL(prefix, name) STS_DYNLOAD_SYMBOL(sts_pq_t, prefix, name)
static const sts_dynload_symbol_t symbols[] = {STS_PQ_FUNCTIONS(SYMBOL)};
sts_dynload_library_t sts_pq_library =
    STS_DYNLOAD_LIBRARY(STS_PQ_SONAME, "libpq (the PostgreSQL client)", symbols, sts_pq, NULL);
