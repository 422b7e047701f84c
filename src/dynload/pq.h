/* libpq, the PostgreSQL client, for the PostgreSQL store; loaded when such a store is opened. */
#ifndef STS_DYNLOAD_PQ_H
#define STS_DYNLOAD_PQ_H
#include <libpq-fe.h>
#include "dynload/dynload.h"

#define STS_PQ_FUNCTIONS(X)                                                                                            \
    X(PQ, clear)                                                                                                       \
    X(PQ, cmdTuples)                                                                                                   \
    X(PQ, connectdbParams)                                                                                             \
    X(PQ, consumeInput)                                                                                                \
    X(PQ, errorMessage)                                                                                                \
    X(PQ, exec)                                                                                                        \
    X(PQ, execParams)                                                                                                  \
    X(PQ, finish)                                                                                                      \
    X(PQ, freemem)                                                                                                     \
    X(PQ, getisnull)                                                                                                   \
    X(PQ, getlength)                                                                                                   \
    X(PQ, getvalue)                                                                                                    \
    X(PQ, host)                                                                                                        \
    X(PQ, notifies)                                                                                                    \
    X(PQ, ntuples)                                                                                                     \
    X(PQ, port)                                                                                                        \
    X(PQ, resultErrorField)                                                                                            \
    X(PQ, resultStatus)                                                                                                \
    X(PQ, socket)                                                                                                      \
    X(PQ, status)                                                                                                      \
    X(PQ, transactionStatus)

/** The libpq functions stsd calls: sts_pq.exec is PQexec, and so on. */
typedef struct {
    STS_PQ_FUNCTIONS(STS_DYNLOAD_MEMBER)
} sts_pq_t;

/** Filled when sts_pq_library is loaded (sts_dynload_require); read-only after. */
extern sts_pq_t sts_pq;

/** libpq, for sts_dynload_require: call it before the first use of sts_pq. */
extern sts_dynload_library_t sts_pq_library;

#endif
