/* stsctl access-token: the access-token API (/v1/auth/access-tokens/, the Qumulo contract). */
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl/command.h"
#include "ctl/http.h"
#include "ctl/json.h"

#define BASE "/v1/auth/access-tokens/"

static const char usage[] =
    "usage: stsctl access-token ACTION [ID] [flags] [common flags]\n"
    "Actions:\n"
    "  create [--user NAME] [--domain DOMAIN] [--expiration RFC3339]\n"
    "                       create a token (for yourself without --user; DOMAIN defaults to LOCAL); prints\n"
    "                       {\"id\",\"bearer_token\"}: the bearer token is shown only this once\n"
    "  list [--user NAME] [--limit N]\n"
    "                       every token you may see, all pages (follows paging.next), as one JSON array\n"
    "  get ID               one token's metadata\n"
    "  enable ID, disable ID\n"
    "                       switch a token on or off (at once, on every server)\n"
    "  delete ID            delete a token\n";

/* A path segment or query value from the user, percent-encoded (free with curl_free). */
static char *escaped(const char *text)
{
    char *out = curl_easy_escape(NULL, text, 0);
    if (out == NULL)
        abort();
    return out;
}

static int call_and_print(sts_ctl_t *ctl, const char *method, const char *path, const char *body)
{
    sts_buf_t response;
    sts_buf_init(&response, STS_CTL_RESPONSE_MAX);
    int status = sts_ctl_http_call(ctl, method, path, body, ctl->token, &response);
    if (status == STS_CTL_EXIT_OK && response.len > 0) {
        yajl_val root = sts_ctl_json_parse(response.data, response.len);
        if (root == NULL) {
            sts_ctl_error("%s %s%s: the answer is not JSON", method, ctl->url, path);
            status = STS_CTL_EXIT_FAILED;
        } else {
            sts_ctl_json_print(root, stdout);
            yajl_tree_free(root);
        }
    }
    sts_buf_dispose(&response);
    return status;
}

static int create(sts_ctl_t *ctl, const char *user, const char *domain, const char *expiration)
{
    sts_buf_t body;
    sts_buf_init(&body, 4 * STS_CTL_VALUE_MAX);
    sts_buf_append_str(&body, "{");
    if (user != NULL) {
        char *name = sts_ctl_json_quote(user), *quoted_domain = sts_ctl_json_quote(domain ? domain : "LOCAL");
        sts_buf_append_str(&body, "\"user\":{\"domain\":\"");
        sts_buf_append_str(&body, quoted_domain);
        sts_buf_append_str(&body, "\",\"name\":\"");
        sts_buf_append_str(&body, name);
        sts_buf_append_str(&body, "\"}");
        free(name);
        free(quoted_domain);
    }
    if (expiration != NULL) {
        char *quoted = sts_ctl_json_quote(expiration);
        sts_buf_append_str(&body, user != NULL ? ",\"expiration_time\":\"" : "\"expiration_time\":\"");
        sts_buf_append_str(&body, quoted);
        sts_buf_append_str(&body, "\"");
        free(quoted);
    }
    int status = sts_buf_append(&body, "}", 2); /* with the NUL */
    if (status != 0) {
        sts_ctl_error("--user, --domain or --expiration is too long");
        sts_buf_dispose(&body);
        return STS_CTL_EXIT_USAGE;
    }
    status = call_and_print(ctl, "POST", BASE, body.data);
    sts_buf_dispose(&body);
    return status;
}

/* Follows paging.next (a path and query on the same server) until it is empty; prints every entry in one array. */
static int list(sts_ctl_t *ctl, const char *user, const char *limit)
{
    sts_buf_t path;
    sts_buf_init(&path, STS_CTL_VALUE_MAX);
    sts_buf_append_str(&path, BASE);
    char separator = '?';
    const char *names[] = {"user", "limit"};
    const char *values[] = {user, limit};
    for (int i = 0; i < 2; i++) {
        if (values[i] == NULL)
            continue;
        char *value = escaped(values[i]);
        sts_buf_append(&path, &separator, 1);
        sts_buf_append_str(&path, names[i]);
        sts_buf_append_str(&path, "=");
        if (sts_buf_append_str(&path, value) != 0) {
            curl_free(value);
            sts_buf_dispose(&path);
            sts_ctl_error("--user is too long");
            return STS_CTL_EXIT_USAGE;
        }
        curl_free(value);
        separator = '&';
    }
    sts_buf_append(&path, "", 1);

    yajl_gen gen = sts_ctl_json_gen(1);
    yajl_gen_array_open(gen);
    int status = STS_CTL_EXIT_OK;
    /* A server that never ends its pages must not keep stsctl forever. */
    for (int page = 0; page < 100000; page++) {
        sts_buf_t response;
        sts_buf_init(&response, STS_CTL_RESPONSE_MAX);
        status = sts_ctl_http_call(ctl, "GET", path.data, NULL, ctl->token, &response);
        yajl_val root = status == STS_CTL_EXIT_OK ? sts_ctl_json_parse(response.data, response.len) : NULL;
        sts_buf_dispose(&response);
        if (status != STS_CTL_EXIT_OK)
            break;
        yajl_val entries = sts_ctl_json_member(root, "entries");
        const char *next = sts_ctl_json_string(root, "paging", "next");
        if (entries == NULL || !YAJL_IS_ARRAY(entries) || next == NULL) {
            sts_ctl_error("GET %s%s: the answer has no entries and paging.next", ctl->url, path.data);
            yajl_tree_free(root);
            status = STS_CTL_EXIT_FAILED;
            break;
        }
        for (size_t i = 0; i < entries->u.array.len; i++)
            sts_ctl_json_write(gen, entries->u.array.values[i]);
        int done = next[0] == '\0';
        if (!done && next[0] != '/') {
            sts_ctl_error("GET %s%s: paging.next is not a path on this server", ctl->url, path.data);
            status = STS_CTL_EXIT_FAILED;
            done = 1;
        } else if (!done) {
            sts_buf_reset(&path);
            if (sts_buf_append(&path, next, strlen(next) + 1) != 0) {
                sts_ctl_error("GET %s: paging.next is too long", ctl->url);
                status = STS_CTL_EXIT_FAILED;
                done = 1;
            }
        }
        yajl_tree_free(root);
        if (done)
            break;
    }
    sts_buf_dispose(&path);
    yajl_gen_array_close(gen);
    if (status == STS_CTL_EXIT_OK)
        sts_ctl_json_flush(gen, stdout);
    yajl_gen_free(gen);
    return status;
}

static int on_id(sts_ctl_t *ctl, const char *action, const char *id)
{
    char *segment = escaped(id);
    char path[STS_CTL_VALUE_MAX];
    snprintf(path, sizeof(path), "%s%s", BASE, segment);
    curl_free(segment);
    if (strcmp(action, "get") == 0)
        return call_and_print(ctl, "GET", path, NULL);
    if (strcmp(action, "delete") == 0)
        return call_and_print(ctl, "DELETE", path, NULL);
    return call_and_print(ctl, "PATCH", path,
                          strcmp(action, "enable") == 0 ? "{\"enabled\":true}" : "{\"enabled\":false}");
}

int sts_ctl_cmd_access_token(int argc, char **argv)
{
    enum { USER, DOMAIN, EXPIRATION, LIMIT, OWN };
    sts_ctl_flag_t own[OWN] = {{"user", 1, NULL}, {"domain", 1, NULL}, {"expiration", 1, NULL}, {"limit", 1, NULL}};
    sts_ctl_args_t args;
    sts_ctl_t ctl;
    int done = 0;
    int status = sts_ctl_command_begin(usage, argc, argv, own, OWN, 2, 1, &args, &ctl, &done);
    if (done)
        return status;
    const char *action = args.positional_count > 0 ? args.positional[0] : "";
    int takes_id = strcmp(action, "get") == 0 || strcmp(action, "enable") == 0 || strcmp(action, "disable") == 0 ||
                   strcmp(action, "delete") == 0;
    int known = takes_id || strcmp(action, "create") == 0 || strcmp(action, "list") == 0;
    long limit = 0;
    if (!known) {
        sts_ctl_error("access-token needs an action: create, list, get, enable, disable or delete");
        status = STS_CTL_EXIT_USAGE;
    } else if (takes_id != (args.positional_count == 2)) {
        sts_ctl_error(takes_id ? "access-token %s needs the token's ID" : "access-token %s takes no ID", action);
        status = STS_CTL_EXIT_USAGE;
    } else if ((own[USER].value || own[DOMAIN].value || own[EXPIRATION].value) && strcmp(action, "create") != 0 &&
               !(strcmp(action, "list") == 0 && !own[DOMAIN].value && !own[EXPIRATION].value)) {
        sts_ctl_error("--user, --domain and --expiration are for create (and --user for list)");
        status = STS_CTL_EXIT_USAGE;
    } else if (own[LIMIT].value && (strcmp(action, "list") != 0 ||
                                    sts_ctl_args_number("--limit", own[LIMIT].value, 1, 1000, &limit) != 0)) {
        if (strcmp(action, "list") != 0)
            sts_ctl_error("--limit is for list");
        status = STS_CTL_EXIT_USAGE;
    } else if (own[DOMAIN].value && !own[USER].value) {
        sts_ctl_error("--domain needs --user");
        status = STS_CTL_EXIT_USAGE;
    } else if (strcmp(action, "create") == 0) {
        status = create(&ctl, own[USER].value, own[DOMAIN].value, own[EXPIRATION].value);
    } else if (strcmp(action, "list") == 0) {
        status = list(&ctl, own[USER].value, own[LIMIT].value);
    } else {
        status = on_id(&ctl, action, args.positional[1]);
    }
    sts_ctl_dispose(&ctl);
    return status;
}
