/* What `stsd --version` prints: the version and what the binary was built with. */
#ifndef STS_SERVER_VERSION_H
#define STS_SERVER_VERSION_H
#include <stdio.h>

/**
 * Writes "stsd VERSION" on the first line, then one "NAME: VALUE" line each for the compiler, the build type, the
 * sanitizers, and the versions of h2o, gRPC core, OpenSSL, SQLite and libyaml (built with, and the one loaded when
 * it differs). Thread-safe.
 */
void sts_server_print_version(FILE *out);

#endif
