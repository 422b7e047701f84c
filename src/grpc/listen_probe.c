#include "grpc/listen_probe.h"
#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int sts__grpc_listen_probe(const char *listen, char *error, size_t error_size)
{
    const char *colon = strrchr(listen, ':');
    char host[256];
    size_t host_len = colon != NULL ? (size_t)(colon - listen) : 0;
    if (colon == NULL || colon[1] == '\0' || host_len >= sizeof(host)) {
        snprintf(error, error_size, "cannot listen for gRPC on %.200s: not HOST:PORT", listen);
        return -1;
    }
    const char *start = listen;
    if (host_len >= 2 && listen[0] == '[' && listen[host_len - 1] == ']') {
        start++;
        host_len -= 2;
    }
    memcpy(host, start, host_len);
    host[host_len] = '\0';
    struct addrinfo hints = {.ai_flags = AI_PASSIVE, .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM};
    struct addrinfo *found = NULL;
    int rc = getaddrinfo(host_len > 0 ? host : NULL, colon + 1, &hints, &found);
    if (rc != 0) {
        snprintf(error, error_size, "cannot listen for gRPC on %.200s: %s", listen, gai_strerror(rc));
        return -1;
    }
    int bound = 0, failure = 0;
    for (struct addrinfo *a = found; a != NULL; a = a->ai_next) {
        int fd = socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol);
        if (fd < 0) {
            /* An address family this host lacks (IPv6 off) is skipped, as gRPC core does. */
            continue;
        }
        int on = 1;
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
        if (bind(fd, a->ai_addr, a->ai_addrlen) == 0)
            bound++;
        else if (failure == 0 || errno == EADDRINUSE)
            failure = errno;
        close(fd);
    }
    freeaddrinfo(found);
    /* In use on one of several addresses is still in use: gRPC core would fail on it. */
    if (failure == EADDRINUSE || failure == EACCES || bound == 0) {
        snprintf(error, error_size, "cannot listen for gRPC on %.200s: %s", listen,
                 failure != 0 ? strerror(failure) : "no usable address");
        return -1;
    }
    return 0;
}
