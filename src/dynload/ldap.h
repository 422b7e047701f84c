/* libldap, the OpenLDAP client, for the LDAP user directory; loaded when such a directory is set up. */
#ifndef STS_DYNLOAD_LDAP_H
#define STS_DYNLOAD_LDAP_H
#include <sys/time.h> /* struct timeval, which ldap.h uses without including it under -std=c11 */
#include <ldap.h>
#include "dynload/dynload.h"

#define STS_LDAP_FUNCTIONS(X)                                                                                          \
    X(, ber_sockbuf_ctrl)                                                                                              \
    X(ldap_, connect)                                                                                                  \
    X(ldap_, count_entries)                                                                                            \
    X(ldap_, err2string)                                                                                               \
    X(ldap_, first_entry)                                                                                              \
    X(ldap_, get_dn)                                                                                                   \
    X(ldap_, get_option)                                                                                               \
    X(ldap_, get_values_len)                                                                                           \
    X(ldap_, initialize)                                                                                               \
    X(ldap_, memfree)                                                                                                  \
    X(ldap_, msgfree)                                                                                                  \
    X(ldap_, next_entry)                                                                                               \
    X(ldap_, sasl_bind_s)                                                                                              \
    X(ldap_, search_ext_s)                                                                                             \
    X(ldap_, set_option)                                                                                               \
    X(ldap_, start_tls_s)                                                                                              \
    X(ldap_, unbind_ext_s)                                                                                             \
    X(ldap_, value_free_len)

/** The libldap (and liblber) functions stsd calls: sts_ldap.search_ext_s is ldap_search_ext_s, and so on. */
typedef struct {
    STS_LDAP_FUNCTIONS(STS_DYNLOAD_MEMBER)
} sts_ldap_t;

/** Filled when sts_ldap_library is loaded (sts_dynload_require); read-only after. */
extern sts_ldap_t sts_ldap;

/** libldap, for sts_dynload_require: call it before the first use of sts_ldap. */
extern sts_dynload_library_t sts_ldap_library;

#endif
