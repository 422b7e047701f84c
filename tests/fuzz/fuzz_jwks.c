/* JWKS documents, as a JWKS URL or file serves them: RSA, EC and OKP keys, skipped and refused members. */
#include <stdint.h>
#include "auth/jwk.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    sts_jwk_set_t *set = NULL;
    char error[256];
    if (sts_jwk_set_parse((const char *)data, size, &set, error, sizeof(error)) == 0)
        sts_jwk_set_free(set);
    return 0;
}
