/* The call context every handler receives, whatever the wire protocol. */
#ifndef STS_CORE_CALL_H
#define STS_CORE_CALL_H

#include <protobuf-c/protobuf-c.h>
#include <stdint.h>

#include "core/method.h"
#include "core/status.h"
#include "util/arena.h"

typedef struct sts_service_s sts_service_t;

/** Who is calling. Filled by the authenticator chain in dispatch; all strings live in the call arena. */
typedef struct {
    int authenticated;    /**< 0: anonymous (STS_AUTH=none or a public method) */
    const char *subject;  /**< stable id of the caller, NULL when anonymous */
    const char *username; /**< display name for logs and RoleSessionName, NULL when anonymous */
    const char *const *roles;
    size_t role_count;
} sts_principal_t;

/**
 * One call. Lifecycle: the adapter calls sts_call_init, sets authorization/peer/deadline, runs sts_dispatch,
 * encodes the response, then sts_call_dispose (which frees every arena allocation, messages included).
 * A call is used by one thread at a time; it may move between threads (event loop to worker pool) in between.
 */
struct sts_call_s {
    const sts_service_t *service;
    const sts_method_t *method;
    sts_principal_t principal;
    /** CLOCK_MONOTONIC nanoseconds after which the caller has given up; 0 means none. */
    int64_t deadline_ns;
    /** The raw credential ("Bearer …") from the Authorization header or metadata; NULL if none. Never log it. */
    const char *authorization;
    /**
     * The RFC 2253 subject DN of the caller's TLS client certificate, in the arena, set by the adapter only when the
     * certificate was required and verified against the configured client CA (gRPC mTLS); NULL otherwise.
     */
    const char *client_certificate_subject;
    /** The peer address for logs, or NULL. */
    const char *peer;
    /** Message set by sts_call_fail; NULL until then. Never contains a secret. */
    const char *error_message;
    /** Set by the adapter when the call runs on the worker pool, where blocking (database reads) is allowed. */
    int on_worker;
    /**
     * Set by an authenticator that would have to block (a cache miss needing the database) while on_worker is 0.
     * The adapter then runs the call again from the start on the worker pool (sts_call_retry_on_worker).
     */
    int wants_worker;
    sts_arena_t arena;
    /** protobuf-c allocator drawing from the arena (free is a no-op). */
    ProtobufCAllocator allocator;
};

/** Prepares a call for method on service. Does not allocate until the arena is used. */
void sts_call_init(sts_call_t *call, const sts_service_t *service, const sts_method_t *method);

/** Clears the outcome of a dispatch that asked for the worker pool, so it can run again there. */
void sts_call_retry_on_worker(sts_call_t *call);

/** Frees everything the call allocated. */
void sts_call_dispose(sts_call_t *call);

/** Records a failure message (printf-style, into the arena) and returns status, for `return sts_call_fail(...)`. */
sts_status_t sts_call_fail(sts_call_t *call, sts_status_t status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/** The recorded message, or the status map's default message for status. Never NULL. */
const char *sts_call_error_message(const sts_call_t *call, sts_status_t status);

/** A new, initialised message of the given type in the call arena. */
ProtobufCMessage *sts_call_new_message(sts_call_t *call, const ProtobufCMessageDescriptor *descriptor);

/**
 * Unpacks protobuf bytes into a message in the call arena. On malformed input returns NULL and records an
 * INVALID_ARGUMENT message naming the message type.
 */
ProtobufCMessage *sts_call_unpack(sts_call_t *call, const ProtobufCMessageDescriptor *descriptor, const uint8_t *data,
                                  size_t len);

#endif
