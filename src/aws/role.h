/* Looking up a role's id with IAM GetRole (RGW's IAM API), for tokens that must name the role by id. */
#ifndef STS_AWS_ROLE_H
#define STS_AWS_ROLE_H
#include <stddef.h>
#include <stdint.h>
#include "aws/client.h"

/** Room for a role id (RGW uses UUIDs) and its NUL. */
#define STS_AWS_ROLE_ID_MAX 128

typedef enum {
    STS_AWS_ROLE_FOUND,   /**< id (and max_session_seconds when RGW sent it) are set */
    STS_AWS_ROLE_MISSING, /**< RGW answered NoSuchEntity: the role does not exist, or was deleted */
    STS_AWS_ROLE_UNKNOWN, /**< no usable answer (unreachable, refused, malformed); message says why */
} sts_aws_role_state_t;

typedef struct {
    sts_aws_role_state_t state;
    char id[STS_AWS_ROLE_ID_MAX];
    int32_t max_session_seconds; /**< 0 when not sent */
    char message[768];           /**< for MISSING and UNKNOWN; names the role and endpoint, never a secret */
} sts_aws_role_t;

/**
 * The RoleName of an IAM role ARN ("arn:aws:iam::TENANT:role/PATH/NAME" gives NAME). Returns 0, or -1 when arn
 * is not a role ARN or the name does not fit out.
 */
int sts_aws_role_name(const char *arn, char *out, size_t out_size);

/** Calls GetRole for role_arn's name, signed for service "iam" with the client's keys. Blocking. Thread-safe. */
void sts_aws_role_get(sts_aws_client_t *client, const char *role_arn, sts_aws_role_t *out);

#endif
