#include "rest/listener.h"

#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static int split_host_port(const char *listen, char *host, size_t host_size, char *port, size_t port_size)
{
    const char *colon = strrchr(listen, ':');
    if (colon == NULL || colon == listen)
        return -1;
    const char *host_start = listen;
    size_t host_len = (size_t)(colon - listen);
    if (host_start[0] == '[' && host_len >= 2 && host_start[host_len - 1] == ']') {
        host_start++;
        host_len -= 2;
    }
    if (host_len >= host_size || strlen(colon + 1) >= port_size || colon[1] == '\0')
        return -1;
    memcpy(host, host_start, host_len);
    host[host_len] = '\0';
    snprintf(port, port_size, "%s", colon + 1);
    return 0;
}

static int open_socket(const struct addrinfo *ai, int reuseport, int port, int *out_port)
{
    int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
    if (fd < 0)
        return -1;
    int on = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
    if (reuseport)
        setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &on, sizeof(on));
    struct sockaddr_storage addr;
    memcpy(&addr, ai->ai_addr, ai->ai_addrlen);
    if (port >= 0) {
        /* IPv4 and IPv6 keep the port at the same offset. */
        ((struct sockaddr_in *)&addr)->sin_port = htons((uint16_t)port);
    }
    if (bind(fd, (struct sockaddr *)&addr, ai->ai_addrlen) != 0 || (reuseport && listen(fd, SOMAXCONN) != 0)) {
        int saved = errno;
        close(fd);
        errno = saved;
        return -1;
    }
    socklen_t len = sizeof(addr);
    getsockname(fd, (struct sockaddr *)&addr, &len);
    *out_port = ntohs(((struct sockaddr_in *)&addr)->sin_port);
    return fd;
}

int sts_rest_listen(const char *listen, int count, int *fds, int *port, char *error, size_t error_size)
{
    char host[256], service[16];
    if (split_host_port(listen, host, sizeof(host), service, sizeof(service)) != 0) {
        snprintf(error, error_size, "cannot listen for REST on '%s': expected HOST:PORT", listen);
        return -1;
    }
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM, .ai_flags = AI_NUMERICSERV};
    struct addrinfo *ai = NULL;
    int rc = getaddrinfo(host, service, &hints, &ai);
    if (rc != 0) {
        snprintf(error, error_size, "cannot listen for REST on %s: %s", listen, gai_strerror(rc));
        return -1;
    }
    /* SO_REUSEPORT would let a second process share the port silently; a plain bind first detects that. */
    int bound_port = -1;
    int probe = open_socket(ai, 0, -1, &bound_port);
    if (probe < 0) {
        snprintf(error, error_size, "cannot listen for REST on %s: %s", listen, strerror(errno));
        freeaddrinfo(ai);
        return -1;
    }
    close(probe);
    int opened = 0;
    for (; opened < count; opened++) {
        fds[opened] = open_socket(ai, 1, bound_port, port);
        if (fds[opened] < 0) {
            snprintf(error, error_size, "cannot listen for REST on %s: %s", listen, strerror(errno));
            while (opened-- > 0)
                close(fds[opened]);
            freeaddrinfo(ai);
            return -1;
        }
    }
    freeaddrinfo(ai);
    return 0;
}
