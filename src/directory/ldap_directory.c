/* LDAP logins: search-then-bind or direct bind, groups to roles, one connection per call. */
#include "directory/ldap_directory.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "directory/ldap_internal.h"
#include "directory/ldap_text.h"
#include "util/ldap_filter.h"
#include "util/log.h"

/* Most groups looked at per login: a bound on the work one user's memberships can cause. */
#define GROUPS_MAX 500
/* Longest DN or filter built from a username or user DN. */
#define REQUEST_TEXT_MAX 2048

static int simple_bind(LDAP *ld, const char *dn, const char *password, size_t len)
{
    struct berval credentials = {len, (char *)password};
    return sts_ldap.sasl_bind_s(ld, dn, LDAP_SASL_SIMPLE, &credentials, NULL, NULL, NULL);
}

/* The answers to a user's bind that mean "not this password" rather than "the directory cannot answer". */
static int refused_credentials(int rc)
{
    return rc == LDAP_INVALID_CREDENTIALS || rc == LDAP_INAPPROPRIATE_AUTH || rc == LDAP_UNWILLING_TO_PERFORM;
}

/* The first value of attribute in entry, into the arena; NULL when it has none. */
static const char *first_value(LDAP *ld, LDAPMessage *entry, const char *attribute, sts_arena_t *arena)
{
    struct berval **values = sts_ldap.get_values_len(ld, entry, attribute);
    const char *value = NULL;
    if (values != NULL && values[0] != NULL)
        value = sts_arena_strndup(arena, values[0]->bv_val, values[0]->bv_len);
    sts_ldap.value_free_len(values);
    return value;
}

/*
 * The user's DN and name (the first value of ldap_username_attribute) by search-then-bind's search, into the arena;
 * UNKNOWN_USER unless exactly one entry matches.
 */
static sts_directory_result_t find_user(const ldap_directory_t *d, LDAP *ld, const char *username, sts_arena_t *arena,
                                        const char **dn, const char **name, char *error, size_t error_size)
{
    int rc = simple_bind(ld, d->bind_dn, d->bind_password, d->bind_password_len);
    if (rc != LDAP_SUCCESS) {
        char doing[300];
        snprintf(doing, sizeof(doing), "the service account %.200s (ldap_bind_dn) cannot bind", d->bind_dn);
        sts__ldap_describe(ld, rc, doing, error, error_size);
        return STS_DIRECTORY_UNAVAILABLE;
    }
    char escaped[STS_LDAP_FILTER_ESCAPE_MAX(256)], filter[REQUEST_TEXT_MAX];
    size_t len = strlen(username);
    if (len > 256 || sts_ldap_filter_escape(username, len, escaped, sizeof(escaped)) >= sizeof(escaped) ||
        sts_ldap_template_fill(d->user_filter, escaped, filter, sizeof(filter)) >= sizeof(filter))
        return STS_DIRECTORY_UNKNOWN_USER;
    char *attributes[] = {d->username_attribute, NULL};
    struct timeval timeout = {d->timeout_ms / 1000, (d->timeout_ms % 1000) * 1000};
    LDAPMessage *result = NULL;
    /* Size limit 2: one entry is the user, a second means the filter is ambiguous. */
    rc = sts_ldap.search_ext_s(ld, d->base_dn, LDAP_SCOPE_SUBTREE, filter, attributes, 0, NULL, NULL, &timeout, 2,
                               &result);
    sts_directory_result_t verdict = STS_DIRECTORY_UNKNOWN_USER;
    int entries = result != NULL ? sts_ldap.count_entries(ld, result) : 0;
    if (rc != LDAP_SUCCESS && rc != LDAP_SIZELIMIT_EXCEEDED) {
        sts__ldap_describe(ld, rc, "the search for the user failed", error, error_size);
        verdict = STS_DIRECTORY_UNAVAILABLE;
    } else if (entries == 1) {
        char *found = sts_ldap.get_dn(ld, sts_ldap.first_entry(ld, result));
        if (found != NULL) {
            *dn = sts_arena_strdup(arena, found);
            *name = first_value(ld, sts_ldap.first_entry(ld, result), d->username_attribute, arena);
            verdict = STS_DIRECTORY_OK;
        }
        sts_ldap.memfree(found);
    } else if (entries > 1) {
        sts_log_warn("logins: ldap_user_filter matches more than one entry of %s for user %s; refused", d->url,
                     username);
    }
    sts_ldap.msgfree(result);
    return verdict;
}

/* The roles of the groups the user (dn) belongs to, into out (arena). */
static sts_directory_result_t find_roles(const ldap_directory_t *d, LDAP *ld, const char *dn, sts_arena_t *arena,
                                         sts_directory_user_t *out, char *error, size_t error_size)
{
    if (d->group_base_dn == NULL || d->role_map.count == 0)
        return STS_DIRECTORY_OK;
    size_t len = strlen(dn);
    char *escaped = sts_arena_alloc(arena, STS_LDAP_FILTER_ESCAPE_MAX(len));
    sts_ldap_filter_escape(dn, len, escaped, STS_LDAP_FILTER_ESCAPE_MAX(len));
    char filter[REQUEST_TEXT_MAX];
    if (sts_ldap_template_fill(d->group_filter, escaped, filter, sizeof(filter)) >= sizeof(filter)) {
        snprintf(error, error_size, "the group filter for %.100s is too long", dn);
        return STS_DIRECTORY_UNAVAILABLE;
    }
    char *attributes[] = {"cn", NULL};
    struct timeval timeout = {d->timeout_ms / 1000, (d->timeout_ms % 1000) * 1000};
    LDAPMessage *result = NULL;
    int rc = sts_ldap.search_ext_s(ld, d->group_base_dn, LDAP_SCOPE_SUBTREE, filter, attributes, 0, NULL, NULL,
                                   &timeout, GROUPS_MAX, &result);
    if (rc != LDAP_SUCCESS && rc != LDAP_SIZELIMIT_EXCEEDED) {
        sts__ldap_describe(ld, rc, "the search for the user's groups failed", error, error_size);
        sts_ldap.msgfree(result);
        return STS_DIRECTORY_UNAVAILABLE;
    }
    const char **roles = sts_arena_alloc(arena, STS_LDAP_ROLES_MAX * sizeof(*roles));
    size_t count = 0;
    for (LDAPMessage *entry = sts_ldap.first_entry(ld, result); entry != NULL; entry = sts_ldap.next_entry(ld, entry)) {
        char *group_dn = sts_ldap.get_dn(ld, entry);
        struct berval **cn = sts_ldap.get_values_len(ld, entry, "cn");
        char *group_cn = NULL;
        if (cn != NULL && cn[0] != NULL)
            group_cn = sts_arena_strndup(arena, cn[0]->bv_val, cn[0]->bv_len);
        if (group_dn != NULL)
            sts_ldap_role_map_apply(&d->role_map, group_dn, group_cn, roles, &count, STS_LDAP_ROLES_MAX);
        sts_ldap.value_free_len(cn);
        sts_ldap.memfree(group_dn);
    }
    sts_ldap.msgfree(result);
    for (size_t i = 0; i < count; i++)
        roles[i] = sts_arena_strdup(arena, roles[i]); /* the map's strings: out lives in the arena only */
    out->roles = roles;
    out->role_count = count;
    return STS_DIRECTORY_OK;
}

/* Direct bind's user name: the first value of ldap_username_attribute in the user's own entry, read as the user. */
static sts_directory_result_t read_name(const ldap_directory_t *d, LDAP *ld, const char *dn, sts_arena_t *arena,
                                        const char **name, char *error, size_t error_size)
{
    char *attributes[] = {d->username_attribute, NULL};
    struct timeval timeout = {d->timeout_ms / 1000, (d->timeout_ms % 1000) * 1000};
    LDAPMessage *result = NULL;
    int rc = sts_ldap.search_ext_s(ld, dn, LDAP_SCOPE_BASE, "(objectClass=*)", attributes, 0, NULL, NULL, &timeout, 1,
                                   &result);
    if (rc == LDAP_SUCCESS && sts_ldap.first_entry(ld, result) != NULL)
        *name = first_value(ld, sts_ldap.first_entry(ld, result), d->username_attribute, arena);
    else
        sts__ldap_describe(ld, rc, "cannot read the user's own entry", error, error_size);
    sts_ldap.msgfree(result);
    return rc == LDAP_SUCCESS ? STS_DIRECTORY_OK : STS_DIRECTORY_UNAVAILABLE;
}

static sts_directory_result_t authenticate_on(const ldap_directory_t *d, LDAP *ld, const char *username,
                                              const char *password, sts_arena_t *arena, sts_directory_user_t *out,
                                              char *error, size_t error_size)
{
    const char *dn = NULL, *name = NULL;
    sts_directory_result_t result = STS_DIRECTORY_OK;
    if (d->user_dn_template == NULL) {
        if ((result = find_user(d, ld, username, arena, &dn, &name, error, error_size)) != STS_DIRECTORY_OK)
            return result;
        out->username = name; /* known before the password check: lockout counts against the right user */
        /* As the service account, which may read groups where users cannot. */
        if ((result = find_roles(d, ld, dn, arena, out, error, error_size)) != STS_DIRECTORY_OK)
            return result;
    } else {
        char escaped[STS_LDAP_DN_ESCAPE_MAX(256)], built[REQUEST_TEXT_MAX];
        size_t len = strlen(username);
        if (len > 256 || sts_ldap_dn_escape(username, len, escaped, sizeof(escaped)) >= sizeof(escaped) ||
            sts_ldap_template_fill(d->user_dn_template, escaped, built, sizeof(built)) >= sizeof(built))
            return STS_DIRECTORY_UNKNOWN_USER;
        dn = sts_arena_strdup(arena, built);
    }
    int rc = simple_bind(ld, dn, password, strlen(password));
    if (refused_credentials(rc))
        return STS_DIRECTORY_WRONG_PASSWORD; /* with a DN template, also a user that does not exist */
    if (rc != LDAP_SUCCESS) {
        sts__ldap_describe(ld, rc, "the user's bind failed", error, error_size);
        return STS_DIRECTORY_UNAVAILABLE;
    }
    if (d->user_dn_template != NULL &&
        ((result = read_name(d, ld, dn, arena, &name, error, error_size)) != STS_DIRECTORY_OK ||
         (result = find_roles(d, ld, dn, arena, out, error, error_size)) != STS_DIRECTORY_OK))
        return result;
    if (name == NULL) {
        snprintf(error, error_size, "the user's entry %.200s has no %.64s (ldap_username_attribute)", dn,
                 d->username_attribute);
        return STS_DIRECTORY_UNAVAILABLE;
    }
    out->dn = dn;
    out->username = name;
    return STS_DIRECTORY_OK;
}

static sts_directory_result_t authenticate_user(sts_user_directory_t *self, const char *username, const char *password,
                                                sts_arena_t *arena, sts_directory_user_t *out, char *error,
                                                size_t error_size)
{
    const ldap_directory_t *d = (const ldap_directory_t *)self;
    memset(out, 0, sizeof(*out));
    /* A simple bind with a DN and an empty password is an "unauthenticated bind" (RFC 4513 5.1.2): it may succeed. */
    if (password == NULL || password[0] == '\0')
        return STS_DIRECTORY_WRONG_PASSWORD;
    LDAP *ld = NULL;
    sts_directory_result_t result = sts__ldap_open(d, &ld, error, error_size);
    if (result == STS_DIRECTORY_OK) {
        result = authenticate_on(d, ld, username, password, arena, out, error, error_size);
        sts_ldap.unbind_ext_s(ld, NULL, NULL);
    }
    return result;
}

static void destroy_directory(sts_user_directory_t *self)
{
    ldap_directory_t *d = (ldap_directory_t *)self;
    if (d->bind_password != NULL)
        explicit_bzero(d->bind_password, d->bind_password_len);
    char *strings[] = {d->url,          d->bind_dn,           d->bind_password, d->base_dn,
                       d->user_filter,  d->user_dn_template,  d->ca_file,       d->group_base_dn,
                       d->group_filter, d->username_attribute};
    for (size_t i = 0; i < sizeof(strings) / sizeof(strings[0]); i++)
        free(strings[i]);
    sts_ldap_role_map_dispose(&d->role_map);
    sts_socket_deadlines_destroy(d->deadlines);
    free(d);
}

static char *copy(const char *text)
{
    if (text == NULL)
        return NULL;
    char *out = strdup(text);
    if (out == NULL)
        sts_log_fatal("out of memory");
    return out;
}

int sts_ldap_settings_check(const sts_ldap_settings_t *s, char *error, size_t error_size)
{
    if (s->url == NULL || (strncmp(s->url, "ldap://", 7) != 0 && strncmp(s->url, "ldaps://", 8) != 0)) {
        snprintf(error, error_size, "ldap_url must be an ldap:// or ldaps:// URL, got '%.100s'",
                 s->url != NULL ? s->url : "");
        return -1;
    }
    if ((s->bind_dn == NULL) == (s->user_dn_template == NULL)) {
        snprintf(error, error_size,
                 "LDAP users need either ldap_bind_dn (with ldap_bind_password_file and ldap_base_dn: search, then "
                 "bind) or ldap_user_dn_template (direct bind), and not both");
        return -1;
    }
    if (s->bind_dn != NULL && (s->bind_password == NULL || s->base_dn == NULL)) {
        snprintf(error, error_size, "ldap_bind_dn needs ldap_bind_password_file and ldap_base_dn");
        return -1;
    }
    if (s->bind_dn != NULL && sts_ldap_template_check(s->user_filter, "ldap_user_filter", error, error_size) != 0)
        return -1;
    if (s->user_dn_template != NULL &&
        sts_ldap_template_check(s->user_dn_template, "ldap_user_dn_template", error, error_size) != 0)
        return -1;
    if (sts_ldap_template_check(s->group_filter, "ldap_group_filter", error, error_size) != 0)
        return -1;
    if (s->role_map[0] != '\0' && s->group_base_dn == NULL) {
        snprintf(error, error_size, "ldap_role_map needs ldap_group_base_dn, where the groups are searched");
        return -1;
    }
    sts_ldap_role_map_t map;
    if (sts_ldap_role_map_parse(s->role_map, &map, error, error_size) != 0)
        return -1;
    sts_ldap_role_map_dispose(&map);
    return 0;
}

int sts_ldap_directory_create(const sts_ldap_settings_t *settings, sts_user_directory_t **out, char *error,
                              size_t error_size)
{
    if (sts_ldap_settings_check(settings, error, error_size) != 0 ||
        sts_dynload_require(&sts_ldap_library, error, error_size) != 0)
        return -1;
    ldap_directory_t *d = calloc(1, sizeof(*d));
    if (d == NULL)
        sts_log_fatal("out of memory");
    if (sts_ldap_role_map_parse(settings->role_map, &d->role_map, error, error_size) != 0) {
        free(d);
        return -1;
    }
    d->url = copy(settings->url);
    d->bind_dn = copy(settings->bind_dn);
    d->bind_password = copy(settings->bind_password);
    d->bind_password_len = d->bind_password != NULL ? strlen(d->bind_password) : 0;
    d->base_dn = copy(settings->base_dn);
    d->user_filter = copy(settings->user_filter);
    d->user_dn_template = copy(settings->user_dn_template);
    d->ca_file = copy(settings->ca_file);
    d->group_base_dn = copy(settings->group_base_dn);
    d->group_filter = copy(settings->group_filter);
    d->username_attribute = copy(settings->username_attribute != NULL ? settings->username_attribute : "uid");
    d->starttls = settings->starttls;
    d->timeout_ms = settings->timeout_ms;
    d->deadlines = sts_socket_deadlines_create();
    d->on_connect =
        (ldap_conncb){.lc_add = sts__ldap_socket_connected, .lc_del = sts__ldap_socket_closing, .lc_arg = d};
    d->base.name = d->url;
    d->base.authenticate = authenticate_user;
    d->base.destroy = destroy_directory;
    *out = &d->base;
    return 0;
}
