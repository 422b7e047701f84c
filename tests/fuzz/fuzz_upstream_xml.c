/* The upstream STS and IAM answers (AssumeRole, GetRole, errors) through the expat reader: whatever a peer sends. */
#include <stdint.h>
#include "aws/response.h"
#include "util/arena.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    sts_arena_t arena;
    sts_arena_init(&arena);
    sts_aws_response_t response;
    const char *error = NULL;
    (void)sts_aws_response_parse((const char *)data, size, &response, &arena, &error);
    sts_arena_dispose(&arena);
    return 0;
}
