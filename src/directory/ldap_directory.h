/* An LDAP directory as a user source (core/user_directory.h), through libldap. */
#ifndef STS_DIRECTORY_LDAP_DIRECTORY_H
#define STS_DIRECTORY_LDAP_DIRECTORY_H
#include <stddef.h>
#include "core/user_directory.h"

/** How to reach the directory and find users in it; the strings are copied by sts_ldap_directory_create. */
typedef struct {
    const char *url; /**< ldap://HOST:PORT or ldaps://HOST:PORT */
    /**
     * Search-then-bind: the service account (bind_dn, bind_password) searches base_dn's subtree with user_filter
     * ("(uid=%s)": %s is the username, escaped per RFC 4515); exactly one entry must match. NULL bind_dn: direct bind.
     */
    const char *bind_dn;
    const char *bind_password; /**< wiped from the directory's copy on destroy; never logged */
    const char *base_dn;
    const char *user_filter;
    /**
     * The attribute whose (first) value is the user's name in sts ("uid"; NULL: "uid"): a login as "ALICE" that the
     * directory matches to alice's entry is alice, so one entry is always one sts user.
     */
    const char *username_attribute;
    /** Direct bind: the user's DN, %s being the username escaped per RFC 4514 ("uid=%s,ou=people,dc=example,dc=org").
     */
    const char *user_dn_template;
    int starttls;        /**< for ldap:// URLs: StartTLS before anything else (ldaps:// is TLS from the start) */
    const char *ca_file; /**< CAs that verify the directory's certificate; NULL: the system's */
    /** Groups: searched under group_base_dn (NULL: no roles) with group_filter, %s being the user's DN (escaped). */
    const char *group_base_dn;
    const char *group_filter; /**< "(member=%s)" */
    const char *role_map;     /**< ldap_role_map: GROUP=role|role;… (directory/role_map.h) */
    int timeout_ms;           /**< for connecting and for each operation */
} sts_ldap_settings_t;

/**
 * Checks settings without contacting the directory: the URL's scheme, one way to find users (a service account with
 * its password and base, or a DN template), the templates' %s, the role map. bind_password is only tested for NULL.
 * Returns 0, or -1 with a message in error naming the option.
 */
int sts_ldap_settings_check(const sts_ldap_settings_t *settings, char *error, size_t error_size);

/**
 * Makes a directory from settings (checked here: templates, role map; nothing is contacted yet). Each authenticate
 * opens its own connection (TLS verified against ca_file, certificate required), so calls on many threads never
 * share one. Returns 0 with *out (release it with (*out)->destroy), or -1 with a message naming the option.
 */
int sts_ldap_directory_create(const sts_ldap_settings_t *settings, sts_user_directory_t **out, char *error,
                              size_t error_size);

#endif
