/* Connections to the directory: TLS set up and verified, timeouts, the handshake deadline. */
#include <stdio.h>
#include <string.h>
#include "directory/ldap_internal.h"

/* Arms the socket's deadline as soon as it is connected (see socket_deadlines.h): the TLS handshake is unbounded. */
int sts__ldap_socket_connected(LDAP *ld, Sockbuf *sb, LDAPURLDesc *srv, struct sockaddr *addr, struct ldap_conncb *ctx)
{
    (void)ld;
    (void)srv;
    (void)addr;
    const ldap_directory_t *d = ctx->lc_arg;
    int fd = -1;
    if (sts_ldap.ber_sockbuf_ctrl(sb, LBER_SB_OPT_GET_FD, &fd) == 1 && fd >= 0)
        sts_socket_deadlines_arm(d->deadlines, fd, d->timeout_ms);
    return 0;
}

/* Called before libldap closes the socket. */
void sts__ldap_socket_closing(LDAP *ld, Sockbuf *sb, struct ldap_conncb *ctx)
{
    (void)ld;
    const ldap_directory_t *d = ctx->lc_arg;
    int fd = -1;
    /* sb is NULL when the handle itself goes (its connection, if any, was announced already). */
    if (sb != NULL && sts_ldap.ber_sockbuf_ctrl(sb, LBER_SB_OPT_GET_FD, &fd) == 1 && fd >= 0)
        sts_socket_deadlines_disarm(d->deadlines, fd);
}

/* What went wrong on ld, for messages: libldap's text and the server's or TLS layer's diagnostic, if any. */
void sts__ldap_describe(LDAP *ld, int rc, const char *doing, char *error, size_t error_size)
{
    char *diagnostic = NULL;
    if (ld != NULL)
        sts_ldap.get_option(ld, LDAP_OPT_DIAGNOSTIC_MESSAGE, &diagnostic);
    /* libldap's TLS layer leaves "(unknown error code)", which says nothing. */
    if (diagnostic != NULL && diagnostic[0] != '\0' && strcmp(diagnostic, "(unknown error code)") != 0)
        snprintf(error, error_size, "%s: %s (%.200s)", doing, sts_ldap.err2string(rc), diagnostic);
    else
        snprintf(error, error_size, "%s: %s", doing, sts_ldap.err2string(rc));
    sts_ldap.memfree(diagnostic);
}

sts_directory_result_t sts__ldap_open(const ldap_directory_t *d, LDAP **out, char *error, size_t error_size)
{
    LDAP *ld = NULL;
    int rc = sts_ldap.initialize(&ld, d->url);
    if (rc != LDAP_SUCCESS) {
        sts__ldap_describe(NULL, rc, "cannot use the URL", error, error_size);
        return STS_DIRECTORY_UNAVAILABLE;
    }
    int version = LDAP_VERSION3, demand = LDAP_OPT_X_TLS_DEMAND, new_context = 0;
    struct timeval timeout = {d->timeout_ms / 1000, (d->timeout_ms % 1000) * 1000};
    sts_ldap.set_option(ld, LDAP_OPT_PROTOCOL_VERSION, &version);
    sts_ldap.set_option(ld, LDAP_OPT_REFERRALS, LDAP_OPT_OFF);
    sts_ldap.set_option(ld, LDAP_OPT_NETWORK_TIMEOUT, &timeout);
    sts_ldap.set_option(ld, LDAP_OPT_TIMEOUT, &timeout);
    sts_ldap.set_option(ld, LDAP_OPT_CONNECT_CB, &d->on_connect);
    /* The connection's own TLS context (NEWCTX), so that neither ldap.conf nor another connection changes it. */
    int tls_ok =
        sts_ldap.set_option(ld, LDAP_OPT_X_TLS_REQUIRE_CERT, &demand) == LDAP_OPT_SUCCESS &&
        (d->ca_file == NULL || sts_ldap.set_option(ld, LDAP_OPT_X_TLS_CACERTFILE, d->ca_file) == LDAP_OPT_SUCCESS) &&
        sts_ldap.set_option(ld, LDAP_OPT_X_TLS_NEWCTX, &new_context) == LDAP_OPT_SUCCESS;
    if (!tls_ok) {
        snprintf(error, error_size, "cannot set up TLS (is ldap_ca_file %s a readable PEM file?)",
                 d->ca_file != NULL ? d->ca_file : "(unset)");
        sts_ldap.unbind_ext_s(ld, NULL, NULL);
        return STS_DIRECTORY_UNAVAILABLE;
    }
    /* Connect now, so that a failure is told as what it is rather than as the first operation's. */
    const char *doing = "cannot connect";
    if (strncmp(d->url, "ldaps://", 8) == 0) {
        doing = "cannot connect, or the TLS handshake failed (is the directory's certificate signed by a CA in "
                "ldap_ca_file?)";
        rc = sts_ldap.connect(ld);
    } else if (d->starttls) {
        rc = sts_ldap.start_tls_s(ld, NULL, NULL);
        doing = rc == LDAP_CONNECT_ERROR ? "StartTLS failed: the directory's certificate is not trusted (is it signed "
                                           "by a CA in ldap_ca_file?) or the TLS handshake failed"
                                         : "StartTLS failed";
    } else {
        rc = sts_ldap.connect(ld);
    }
    /* Connected (and TLS up): from here every operation is bounded by LDAP_OPT_TIMEOUT. */
    int fd = -1;
    if (sts_ldap.get_option(ld, LDAP_OPT_DESC, &fd) == LDAP_OPT_SUCCESS && fd >= 0)
        sts_socket_deadlines_disarm(d->deadlines, fd);
    if (rc != LDAP_SUCCESS) {
        sts__ldap_describe(ld, rc, doing, error, error_size);
        sts_ldap.unbind_ext_s(ld, NULL, NULL);
        return STS_DIRECTORY_UNAVAILABLE;
    }
    *out = ld;
    return STS_DIRECTORY_OK;
}
