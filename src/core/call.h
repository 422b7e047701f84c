/* The call context every handler receives, whatever the wire protocol. */
#ifndef STS_CORE_CALL_H
#define STS_CORE_CALL_H

#include <protobuf-c/protobuf-c.h>
#include <stdint.h>

#include "core/method.h"
#include "core/status.h"
#include "util/arena.h"

typedef struct sts_service_s sts_service_t;

/**
 * Who is calling: what authentication established, and nothing a request body said. Filled by the authenticator
 * chain in dispatch; all strings live in the call arena. The identity is the Qumulo shape's (domain, auth_id, name),
 * and ownership always compares all three (sts_principal_is).
 */
typedef struct {
    int authenticated;   /**< 0: anonymous (STS_AUTH=none or a public method) */
    int domain;          /**< sts.v1.IdentityDomain: LOCAL for access-token users, JWT, X509 */
    const char *auth_id; /**< stable id within the domain ("" when the identity has none); NULL when anonymous */
    const char *name;    /**< display name for logs and RoleSessionName; NULL when anonymous */
    const char *const *roles;
    size_t role_count;
} sts_principal_t;

/** Where a step of a call runs: inline on the adapter's thread, or on the worker pool of one class of work. */
typedef enum {
    STS_WORK_INLINE = 0,
    /** Authenticator cache misses (store reads): their own queue, so a flood of unknown tokens starves nothing. */
    STS_WORK_LOOKUP,
    /** Handlers that read and write the store. */
    STS_WORK_STORE,
    /** Handlers that wait on an upstream (STS, IAM): slow, so kept apart from everything else. */
    STS_WORK_UPSTREAM,
    /**
     * Handlers that hash passwords (argon2id: memory-hard, tens of milliseconds): their own threads, whose number
     * bounds the hashes running at once and so their memory.
     */
    STS_WORK_PASSWORD,
    STS_WORK_CLASSES
} sts_work_class_t;

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
    /** The caller's IP address without port ("127.0.0.1", "::1"), set by the adapter; NULL when unknown. */
    const char *peer;
    /** The request's id (core/request_id.h), set by the adapter; sent on upstream calls. NULL when none. */
    const char *request_id;
    /** Set by a handler refusing with RESOURCE_EXHAUSTED for a while: REST sends it as Retry-After. 0: none. */
    int retry_after_seconds;
    /** Message set by sts_call_fail; NULL until then. Never contains a secret. */
    const char *error_message;
    /**
     * A machine-readable reason for the failure that a wire contract names, such as OAuth 2.0's "invalid_grant" (a
     * static string, set by sts_call_fail_reason); NULL when none. Adapters whose error style has such codes send it.
     */
    const char *error_reason;
    /** The class of thread the call runs on now; set by the adapter (STS_WORK_INLINE on loop and CQ threads). */
    sts_work_class_t runs_on;
    /**
     * Set by dispatch when the next step must run elsewhere (an authenticator's cache miss needs the store, or the
     * handler blocks). The adapter then calls sts_call_move and runs sts_dispatch again on that class's pool;
     * authentication is not repeated.
     */
    sts_work_class_t wants;
    /** Set once authentication and the method's policy have passed. */
    int admitted;
    sts_arena_t arena;
    /** protobuf-c allocator drawing from the arena (free is a no-op). */
    ProtobufCAllocator allocator;
};

/** Prepares a call for method on service. Does not allocate until the arena is used. */
void sts_call_init(sts_call_t *call, const sts_service_t *service, const sts_method_t *method);

/** Records that the call now runs on the class it wanted, clearing the request and any message of the last step. */
void sts_call_move(sts_call_t *call);

/** True when the principal is exactly this identity: domain, auth_id and name all equal. */
int sts_principal_is(const sts_principal_t *principal, int domain, const char *auth_id, const char *name);

/** Frees everything the call allocated. */
void sts_call_dispose(sts_call_t *call);

/** Records a failure message (printf-style, into the arena) and returns status, for `return sts_call_fail(...)`. */
sts_status_t sts_call_fail(sts_call_t *call, sts_status_t status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/** sts_call_fail that also records reason (a static string) as call->error_reason. */
sts_status_t sts_call_fail_reason(sts_call_t *call, sts_status_t status, const char *reason, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

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
