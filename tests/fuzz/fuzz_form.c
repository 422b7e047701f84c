/*
 * Form bodies (application/x-www-form-urlencoded) of the methods whose bindings take them (the OAuth 2.0
 * endpoints): percent-encoding, '+', empty values, repeated and unknown names, too many fields. The first byte picks
 * the binding.
 */
#include <stdint.h>
#include <stdlib.h>
#include "core/service.h"
#include "rest/request.h"
#include "rest/router.h"
#include "sts_methods.h"

static sts_service_t service;
static sts_route_match_t forms[64];
static size_t form_count;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    sts_service_defaults(&service, &sts_gen_method_table);
    const sts_method_table_t *table = &sts_gen_method_table;
    for (size_t m = 0; m < table->method_count; m++) {
        for (size_t b = 0; b < table->methods[m].http_count && form_count < 64; b++) {
            if (table->methods[m].http[b].form_body)
                forms[form_count++] =
                    (sts_route_match_t){.method = &table->methods[m], .binding = &table->methods[m].http[b]};
        }
    }
    if (form_count == 0)
        abort();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    const sts_route_match_t *match = &forms[data[0] % form_count];
    sts_call_t call;
    sts_call_init(&call, &service, match->method);
    sts_rest_input_t input = {.body = (const char *)data + 1, .body_len = size - 1, .form = 1};
    (void)sts_rest_decode_request(&call, match, &input);
    sts_call_dispose(&call);
    return 0;
}
