#include "dynload/ldap.h"

sts_ldap_t sts_ldap;

#define SYMBOL(prefix, name) STS_DYNLOAD_SYMBOL(sts_ldap_t, prefix, name)
static const sts_dynload_symbol_t symbols[] = {STS_LDAP_FUNCTIONS(SYMBOL)};
sts_dynload_library_t sts_ldap_library =
    STS_DYNLOAD_LIBRARY(STS_LDAP_SONAME, "libldap (the OpenLDAP client)", symbols, sts_ldap, NULL);
