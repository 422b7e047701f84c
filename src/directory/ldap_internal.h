/* Inside src/directory: the LDAP directory's state and its connections. */
#ifndef STS_DIRECTORY_LDAP_INTERNAL_H
#define STS_DIRECTORY_LDAP_INTERNAL_H
#include <stddef.h>
#include "core/user_directory.h"
#include "dynload/ldap.h"
#include "directory/role_map.h"
#include "directory/socket_deadlines.h"

/** An LDAP directory (ldap_directory.h); immutable after creation except through its thread-safe deadlines. */
typedef struct {
    sts_user_directory_t base;
    char *url, *bind_dn, *bind_password, *base_dn, *user_filter, *user_dn_template, *ca_file, *group_base_dn,
        *group_filter, *username_attribute;
    size_t bind_password_len;
    int starttls;
    int timeout_ms;
    sts_ldap_role_map_t role_map;
    ldap_conncb on_connect; /**< arms and disarms each connection's handshake deadline */
    sts_socket_deadlines_t *deadlines;
} ldap_directory_t;

/**
 * A new connection to d's directory, connected and, for ldaps:// or StartTLS, with TLS up and the certificate
 * verified, within d's timeout. OK with *out (ldap_unbind_ext_s it), or UNAVAILABLE with error saying what failed.
 * Thread-safe.
 */
sts_directory_result_t sts__ldap_open(const ldap_directory_t *d, LDAP **out, char *error, size_t error_size);

/** Describes a failure of ld (may be NULL) with code rc while doing something, for messages; no secrets. */
void sts__ldap_describe(LDAP *ld, int rc, const char *doing, char *error, size_t error_size);

/** The connection callbacks that arm and disarm each socket's deadline; lc_arg is the directory. */
int sts__ldap_socket_connected(LDAP *ld, Sockbuf *sb, LDAPURLDesc *srv, struct sockaddr *addr, struct ldap_conncb *ctx);
void sts__ldap_socket_closing(LDAP *ld, Sockbuf *sb, struct ldap_conncb *ctx);

#endif
