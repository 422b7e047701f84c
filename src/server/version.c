#include "server/version.h"
#include <grpc/grpc.h>
#include <h2o/version.h>
#include <openssl/crypto.h>
#include <openssl/opensslv.h>
#include <sqlite3.h>
#include <string.h>
#include <yaml.h>
#include "dynload/curl.h"
#include "dynload/ldap.h"
#include "dynload/pq.h"

#ifndef STS_BUILD_TYPE
#define STS_BUILD_TYPE "unknown"
#endif
#ifndef STS_BUILD_GRPC
#define STS_BUILD_GRPC "unknown"
#endif
#ifndef STS_BUILD_LIBYAML
#define STS_BUILD_LIBYAML "unknown"
#endif
#ifndef STS_BUILD_SANITIZERS
#define STS_BUILD_SANITIZERS "none"
#endif

/* Shared libraries can be upgraded under a binary: the loaded version is shown when it is not the built one. */
static void print_library(FILE *out, const char *name, const char *built, const char *loaded)
{
    if (loaded == NULL || strcmp(built, loaded) == 0)
        fprintf(out, "%s: %s\n", name, built);
    else
        fprintf(out, "%s: %s (loaded: %s)\n", name, built, loaded);
}

void sts_server_print_version(FILE *out)
{
    fprintf(out, "stsd %s\n", STS_VERSION);
#if defined(__clang__)
    fprintf(out, "compiler: clang %s\n", __clang_version__);
#elif defined(__GNUC__)
    fprintf(out, "compiler: gcc %s\n", __VERSION__);
#else
    fprintf(out, "compiler: unknown\n");
#endif
    fprintf(out, "build type: %s\n", STS_BUILD_TYPE[0] != '\0' ? STS_BUILD_TYPE : "unset");
    fprintf(out, "sanitizers: %s\n", STS_BUILD_SANITIZERS);
    print_library(out, "h2o", H2O_VERSION, NULL);
    /* gRPC core and libyaml have no version macro: the build records what pkg-config found. */
    print_library(out, "grpc core", STS_BUILD_GRPC, grpc_version_string());
    print_library(out, "openssl", OPENSSL_VERSION_TEXT, OpenSSL_version(OPENSSL_VERSION));
    print_library(out, "sqlite", SQLITE_VERSION, sqlite3_libversion());
    print_library(out, "libyaml", STS_BUILD_LIBYAML, yaml_get_version_string());
    /* Packagers need these too (deploy/container/build.sh reads this line): ldd cannot see them. */
    fprintf(out, "loaded when configured: %s %s %s\n", sts_curl_library.soname, sts_pq_library.soname,
            sts_ldap_library.soname);
}
