#include "dynload/curl.h"

sts_curl_t sts_curl;

static void init_globals(void)
{
    sts_curl.global_init(CURL_GLOBAL_DEFAULT);
}

#define SYMBOL(prefix, name) STS_DYNLOAD_SYMBOL(sts_curl_t, prefix, name)
static const sts_dynload_symbol_t symbols[] = {STS_CURL_FUNCTIONS(SYMBOL)};
sts_dynload_library_t sts_curl_library =
    STS_DYNLOAD_LIBRARY(STS_CURL_SONAME, "libcurl", symbols, sts_curl, init_globals);
