/* stsctl login / logout (the EFA login contract) and the use of a stored login by the other commands. */
#include "ctl/login.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "ctl/command.h"
#include "ctl/http.h"
#include "ctl/json.h"
#include "ctl/login_store.h"
#include "util/text.h"

/* Refresh this long before the access token expires, so a call made with it does not fail on the way. */
#define REFRESH_MARGIN_SECONDS 60

static const char login_usage[] =
    "usage: stsctl login [USERNAME] [common flags]\n"
    "Logs in with a username and password (POST /v1/auth/token/access-token). The password is asked for without\n"
    "echo, or read from the first line of standard input when that is not a terminal. The refresh token is kept\n"
    "in <config dir>/" STS_CTL_LOGIN_FILE " (mode 0600); later commands to the same --url without a token use the\n"
    "login's access token and refresh it when it is about to expire.\n";

static const char logout_usage[] =
    "usage: stsctl logout [common flags]\n"
    "Ends the stored login: the server revokes its refresh tokens (POST /v1/auth/token/revoke) and the file is\n"
    "deleted.\n";

/* Reads one line into out (without its newline); echo off when in is a terminal. Returns 0, or -1 on EOF. */
static int read_line(const char *prompt, int hide, char *out, size_t out_size)
{
    int terminal = isatty(STDIN_FILENO);
    struct termios saved, quiet;
    if (terminal) {
        fputs(prompt, stderr);
        fflush(stderr);
        if (hide && tcgetattr(STDIN_FILENO, &saved) == 0) {
            quiet = saved;
            quiet.c_lflag &= ~(tcflag_t)ECHO;
            tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
        } else {
            hide = 0;
        }
    }
    int status = fgets(out, (int)out_size, stdin) != NULL ? 0 : -1;
    if (terminal && hide) {
        tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved);
        fputc('\n', stderr);
    }
    if (status == 0)
        out[strcspn(out, "\r\n")] = '\0';
    return status;
}

/* Stores the pair in a token response (login or refresh) as the login for ctl->url. */
static int store_answer(const sts_ctl_t *ctl, const char *path, const char *username, const sts_buf_t *response,
                        sts_ctl_login_t *login)
{
    yajl_val root = sts_ctl_json_parse(response->data, response->len);
    const char *access = sts_ctl_json_string(root, "access-token", NULL);
    const char *refresh = sts_ctl_json_string(root, "refresh-token", NULL);
    const char *message = sts_ctl_json_string(root, "message", NULL);
    if (access == NULL || refresh == NULL || refresh[0] == '\0') {
        sts_ctl_error("the server at %s answered without an access token and a refresh token", ctl->url);
        yajl_tree_free(root);
        return STS_CTL_EXIT_FAILED;
    }
    if (message != NULL && message[0] != '\0') {
        char clean[512 + STS_TEXT_CLEAN_EXTRA];
        sts_text_clean(message, strlen(message), 512, clean, sizeof(clean));
        sts_ctl_error("the server says: %s", clean);
    }
    sts_ctl_login_dispose(login);
    login->url = sts_strdup(ctl->url);
    login->username = sts_strdup(username);
    login->access_token = sts_strdup(access);
    login->refresh_token = sts_strdup(refresh);
    login->access_expires = sts_ctl_login_jwt_expiry(access);
    yajl_tree_free(root);
    return sts_ctl_login_save(path, login) == 0 ? STS_CTL_EXIT_OK : STS_CTL_EXIT_FAILED;
}

static int refresh(const sts_ctl_t *ctl, const char *path, sts_ctl_login_t *login)
{
    char *quoted = sts_ctl_json_quote(login->refresh_token);
    sts_buf_t body, response;
    sts_buf_init(&body, 2 * STS_CTL_VALUE_MAX);
    sts_buf_append_str(&body, "{\"grant-type\":\"refresh_token\",\"refresh-token\":\"");
    sts_buf_append_str(&body, quoted);
    sts_buf_append(&body, "\"}", 3);
    free(quoted);
    sts_buf_init(&response, STS_CTL_RESPONSE_MAX);
    int status = sts_ctl_http_call(ctl, "POST", "/v1/auth/token/refresh", body.data, NULL, &response);
    sts_buf_dispose(&body);
    if (status == STS_CTL_EXIT_OK) {
        char *username = sts_strdup(login->username);
        status = store_answer(ctl, path, username, &response, login);
        free(username);
    } else {
        sts_ctl_error("the login to %s could not be refreshed: run stsctl login again", ctl->url);
    }
    sts_buf_dispose(&response);
    return status;
}

int sts_ctl_login_use(sts_ctl_t *ctl)
{
    char path[PATH_MAX + 16];
    if (ctl->config_dir[0] == '\0' || sts_ctl_login_path(ctl, STS_CTL_LOGIN_FILE, path, sizeof(path)) != 0)
        return STS_CTL_EXIT_OK;
    sts_ctl_login_t login = {0};
    int found = sts_ctl_login_load(path, &login);
    if (found != 0)
        return found > 0 ? STS_CTL_EXIT_OK : STS_CTL_EXIT_FAILED;
    int status = STS_CTL_EXIT_OK;
    if (strcmp(login.url, ctl->url) != 0) {
        sts_ctl_login_dispose(&login);
        return STS_CTL_EXIT_OK;
    }
    if (login.access_expires - REFRESH_MARGIN_SECONDS <= (int64_t)time(NULL)) {
        int lock = sts_ctl_login_lock(ctl);
        if (lock < 0) {
            sts_ctl_login_dispose(&login);
            return STS_CTL_EXIT_FAILED;
        }
        /* Another stsctl may have refreshed it while this one waited for the lock. */
        sts_ctl_login_dispose(&login);
        found = sts_ctl_login_load(path, &login);
        if (found != 0)
            status = STS_CTL_EXIT_FAILED;
        else if (login.access_expires - REFRESH_MARGIN_SECONDS <= (int64_t)time(NULL))
            status = refresh(ctl, path, &login);
        close(lock);
    }
    if (status == STS_CTL_EXIT_OK) {
        ctl->token = sts_strdup(login.access_token);
        ctl->token_source = STS_CTL_TOKEN_LOGIN;
    }
    sts_ctl_login_dispose(&login);
    return status;
}

int sts_ctl_cmd_login(int argc, char **argv)
{
    sts_ctl_flag_t own[] = {{"username", 1, NULL}};
    sts_ctl_args_t args;
    sts_ctl_t ctl;
    int done = 0;
    int status = sts_ctl_command_begin(login_usage, argc, argv, own, 1, 1, 0, &args, &ctl, &done);
    if (done)
        return status;
    char username[256] = "", password[1024] = "", path[PATH_MAX + 16];
    const char *given = own[0].value ? own[0].value : (args.positional_count ? args.positional[0] : NULL);
    if (sts_ctl_login_path(&ctl, STS_CTL_LOGIN_FILE, path, sizeof(path)) != 0) {
        status = STS_CTL_EXIT_USAGE;
    } else if (given != NULL && strlen(given) >= sizeof(username)) {
        sts_ctl_error("the username is longer than %zu bytes", sizeof(username) - 1);
        status = STS_CTL_EXIT_USAGE;
    } else if (given == NULL && (!isatty(STDIN_FILENO) || read_line("Username: ", 0, username, sizeof(username)))) {
        sts_ctl_error("login needs a username (stsctl login USERNAME)");
        status = STS_CTL_EXIT_USAGE;
    } else if (read_line("Password: ", 1, password, sizeof(password)) != 0 || password[0] == '\0') {
        sts_ctl_error("login needs a password (asked for on a terminal, else the first line of standard input)");
        status = STS_CTL_EXIT_USAGE;
    }
    if (given != NULL)
        snprintf(username, sizeof(username), "%s", given);
    if (status == STS_CTL_EXIT_OK) {
        char *name = sts_ctl_json_quote(username), *secret = sts_ctl_json_quote(password);
        sts_buf_t body, response;
        sts_buf_init(&body, 4096);
        sts_buf_append_str(&body, "{\"username\":\"");
        sts_buf_append_str(&body, name);
        sts_buf_append_str(&body, "\",\"password\":\"");
        sts_buf_append_str(&body, secret);
        sts_buf_append(&body, "\"}", 3);
        memset(secret, 0, strlen(secret));
        free(secret);
        free(name);
        sts_buf_init(&response, STS_CTL_RESPONSE_MAX);
        status = sts_ctl_http_call(&ctl, "POST", "/v1/auth/token/access-token", body.data, NULL, &response);
        sts_buf_dispose(&body);
        sts_ctl_login_t login = {0};
        if (status == STS_CTL_EXIT_OK)
            status = store_answer(&ctl, path, username, &response, &login);
        if (status == STS_CTL_EXIT_OK)
            printf("logged in to %s as %s\n", ctl.url, username);
        sts_ctl_login_dispose(&login);
        sts_buf_dispose(&response);
    }
    memset(password, 0, sizeof(password));
    sts_ctl_dispose(&ctl);
    return status;
}

int sts_ctl_cmd_logout(int argc, char **argv)
{
    sts_ctl_args_t args;
    sts_ctl_t ctl;
    int done = 0;
    int status = sts_ctl_command_begin(logout_usage, argc, argv, NULL, 0, 0, 0, &args, &ctl, &done);
    if (done)
        return status;
    char path[PATH_MAX + 16];
    sts_ctl_login_t login = {0};
    int found = -1;
    if (sts_ctl_login_path(&ctl, STS_CTL_LOGIN_FILE, path, sizeof(path)) == 0)
        found = sts_ctl_login_load(path, &login);
    if (found != 0) {
        if (found > 0)
            sts_ctl_error("not logged in (no %s)", path);
        sts_ctl_dispose(&ctl);
        return STS_CTL_EXIT_FAILED;
    }
    /* The login's own server: the one that issued the refresh token. */
    free(ctl.url);
    ctl.url = sts_strdup(login.url);
    char *quoted = sts_ctl_json_quote(login.refresh_token);
    sts_buf_t body, response;
    sts_buf_init(&body, 2 * STS_CTL_VALUE_MAX);
    sts_buf_append_str(&body, "{\"refresh-token\":\"");
    sts_buf_append_str(&body, quoted);
    sts_buf_append(&body, "\"}", 3);
    free(quoted);
    sts_buf_init(&response, STS_CTL_RESPONSE_MAX);
    status = sts_ctl_http_call(&ctl, "POST", "/v1/auth/token/revoke", body.data, NULL, &response);
    sts_buf_dispose(&body);
    sts_buf_dispose(&response);
    if (status == STS_CTL_EXIT_OK) {
        if (unlink(path) != 0) {
            sts_ctl_error("the server revoked the login but %s could not be deleted", path);
            status = STS_CTL_EXIT_FAILED;
        } else {
            printf("logged out of %s\n", ctl.url);
        }
    } else {
        sts_ctl_error("the login is kept in %s: run stsctl logout again once the server answers", path);
    }
    sts_ctl_login_dispose(&login);
    sts_ctl_dispose(&ctl);
    return status;
}
