#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <sys/stat.h>
#include <unistd.h>
#include <vector>

extern "C" {
#include "crypto/secret_file.h"
#include "grpc/adapter.h"
#include "rest/server.h"
#include "server/config.h"
#include "server/issuer_setup.h"
}

namespace
{

class ConfigTest : public ::testing::Test
{
  protected:
    sts_config_t config;
    char error[512];
    std::string dir;

    void SetUp() override
    {
        char tmpl[] = "/tmp/sts-config-test-XXXXXX";
        ASSERT_NE(mkdtemp(tmpl), nullptr);
        dir = tmpl;
        sts_config_init(&config);
        error[0] = '\0';
    }
    void TearDown() override
    {
        sts_config_dispose(&config);
        std::remove((dir + "/stsd.yaml").c_str());
        rmdir(dir.c_str());
    }
    std::string write_yaml(const std::string &text)
    {
        std::string path = dir + "/stsd.yaml";
        std::ofstream(path) << text;
        return path;
    }
    /* What --check-config would print. */
    std::string print()
    {
        char *text = nullptr;
        size_t size = 0;
        FILE *out = open_memstream(&text, &size);
        sts_config_print(&config, out);
        fclose(out);
        std::string printed(text, size);
        free(text);
        return printed;
    }
    int load(std::vector<std::string> args, std::vector<std::string> env = {})
    {
        args.insert(args.begin(), "stsd");
        std::vector<char *> argv;
        for (auto &a : args)
            argv.push_back(a.data());
        argv.push_back(nullptr);
        std::vector<char *> envp;
        for (auto &e : env)
            envp.push_back(e.data());
        envp.push_back(nullptr);
        return sts_config_load(&config, static_cast<int>(args.size()), argv.data(), envp.data(), error, sizeof(error));
    }
};

TEST_F(ConfigTest, EmbeddedDefaults)
{
    ASSERT_EQ(load({}), 0) << error;
    EXPECT_EQ(config.action, STS_CONFIG_RUN);
    EXPECT_STREQ(config.rest_listen, "127.0.0.1:9090");
    EXPECT_STREQ(config.grpc_listen, "127.0.0.1:50051");
    EXPECT_STREQ(config.data_dir, "/var/lib/sts");
    EXPECT_EQ(config.rest_threads, 2);
    EXPECT_EQ(config.grpc_threads, 1);
    EXPECT_STREQ(config.endpoint_url, "");
    EXPECT_STREQ(config.issuer, "local");
    EXPECT_EQ(config.session_key_file, nullptr);
    EXPECT_EQ(config.default_duration_seconds, 3600);
    EXPECT_EQ(config.max_duration_seconds, 43200);
    EXPECT_EQ(config.max_body_bytes, 65536);
    EXPECT_STREQ(config.auth, "access-token"); /* unset: authentication is still required */
    EXPECT_EQ(config.auth_defaulted, 1);
    EXPECT_EQ(config.shutdown_timeout_seconds, 5);
}

TEST_F(ConfigTest, FlagsBeatEnvironmentWhichBeatsTheFile)
{
    std::string path = write_yaml("rest_threads: 3\ngrpc_threads: 4\nendpoint_url: http://file\n");
    ASSERT_EQ(load({"--config", path, "--rest-threads", "5", "--data-dir=/tmp/x"},
                   {"STS_REST_THREADS=6", "STS_GRPC_THREADS=7", "STS_AUTH=none", "OTHER=1"}),
              0)
        << error;
    EXPECT_EQ(config.rest_threads, 5);
    EXPECT_EQ(config.grpc_threads, 7);
    EXPECT_STREQ(config.endpoint_url, "http://file");
    EXPECT_STREQ(config.data_dir, "/tmp/x");
    EXPECT_STREQ(config.auth, "none");
}

TEST_F(ConfigTest, ConfigFileFromEnvironment)
{
    std::string path = write_yaml("# comment\nmax_duration_seconds: 7200\ndefault_duration_seconds: 900\n");
    ASSERT_EQ(load({}, {"STS_CONFIG=" + path}), 0) << error;
    EXPECT_EQ(config.max_duration_seconds, 7200);
    EXPECT_EQ(config.default_duration_seconds, 900);
    EXPECT_STREQ(config.config_file, path.c_str());
}

TEST_F(ConfigTest, BadValuesNameTheirSource)
{
    EXPECT_EQ(load({}, {"STS_REST_THREADS=abc"}), -1);
    EXPECT_STREQ(error, "STS_REST_THREADS: expected an integer from 1 to 64, got 'abc'");
    EXPECT_EQ(load({"--grpc-threads", "0"}), -1);
    EXPECT_STREQ(error, "--grpc-threads: expected an integer from 1 to 64, got '0'");
    EXPECT_EQ(load({"--rest-listen", "localhost"}), -1);
    EXPECT_STREQ(error, "--rest-listen: expected HOST:PORT with a port from 0 to 65535, got 'localhost'");
    EXPECT_EQ(load({"--grpc-listen", "127.0.0.1:70000"}), -1);
    EXPECT_EQ(load({}, {"STS_AUTH=oauth"}), -1);
    EXPECT_STREQ(error, "STS_AUTH: expected 'none' (trust a gateway in front) or a list of authenticators: "
                        "access-token, jwt, got 'oauth'");
    EXPECT_EQ(load({}, {"STS_AUTH=jwt,none"}), -1);
    EXPECT_EQ(load({"--max-duration-seconds", "100"}), -1);
    EXPECT_EQ(load({"--log-level", "loud"}), -1);
    EXPECT_STREQ(error, "--log-level: expected one of debug, info, warn, error, got 'loud'");
}

TEST_F(ConfigTest, UnknownOrIncompleteFlags)
{
    EXPECT_EQ(load({"--rest-listn", "x"}), -1);
    EXPECT_STREQ(error, "unknown option '--rest-listn'");
    EXPECT_EQ(load({"stray"}), -1);
    EXPECT_STREQ(error, "unknown option 'stray'");
    EXPECT_EQ(load({"--data-dir"}), -1);
    EXPECT_STREQ(error, "option '--data-dir' needs a value");
}

TEST_F(ConfigTest, YamlErrorsNameFileAndLine)
{
    std::string path = write_yaml("rest_threads: 2\nrest_threds: 3\n");
    EXPECT_EQ(load({"--config", path}), -1);
    EXPECT_EQ(std::string(error), path + ":2: unknown key 'rest_threds'");
    write_yaml("rest_threads: 2\nrest_threads: 3\n");
    EXPECT_EQ(load({"--config", path}), -1);
    EXPECT_EQ(std::string(error), path + ":2: key 'rest_threads' appears more than once");
    write_yaml("rest_threads:\n  - 1\n");
    EXPECT_EQ(load({"--config", path}), -1);
    EXPECT_EQ(std::string(error), path + ":1: 'rest_threads' must be a single value");
    write_yaml("rest_threads: [1\n");
    EXPECT_EQ(load({"--config", path}), -1);
    EXPECT_EQ(std::string(error).rfind(path + ":", 0), 0u) << error;
    write_yaml("- a\n- b\n");
    EXPECT_EQ(load({"--config", path}), -1);
    EXPECT_EQ(std::string(error), path + ":1: expected a mapping of key: value");
    write_yaml("grpc_threads: many\n");
    EXPECT_EQ(load({"--config", path}), -1);
    EXPECT_EQ(std::string(error), path + ":1: grpc_threads: expected an integer from 1 to 64, got 'many'");
    EXPECT_EQ(load({"--config", dir + "/missing.yaml"}), -1);
    EXPECT_NE(std::string(error).find("cannot open the configuration file"), std::string::npos) << error;
    write_yaml("");
    EXPECT_EQ(load({"--config", path}), 0) << error;
}

TEST_F(ConfigTest, RadosConfigFillsWhatIsNotSet)
{
    std::string rados = write_yaml("int_endpoint_url: http://rgw-int:8080\next_endpoint_url: https://s3.example\n"
                                   "arn: arn:aws:iam:::role/r\nsomething_else: [1, 2]\n");
    ASSERT_EQ(load({"--issuer", "sts", "--creds-path", "/tmp"}, {"STS_RADOS_CONFIG_PATH=" + rados}), 0) << error;
    EXPECT_STREQ(config.sts_endpoint_url, "http://rgw-int:8080");
    EXPECT_STREQ(config.endpoint_url, "https://s3.example");
    EXPECT_STREQ(config.role_arn, "arn:aws:iam:::role/r");
    sts_config_dispose(&config);
    sts_config_init(&config);
    ASSERT_EQ(load({"--issuer", "sts", "--creds-path", "/tmp", "--role-arn", "arn:aws:iam:::role/mine",
                    "--endpoint-url", "https://mine"},
                   {"STS_RADOS_CONFIG_PATH=" + rados}),
              0)
        << error;
    EXPECT_STREQ(config.role_arn, "arn:aws:iam:::role/mine");
    EXPECT_STREQ(config.endpoint_url, "https://mine");
    EXPECT_STREQ(config.sts_endpoint_url, "http://rgw-int:8080");
}

TEST_F(ConfigTest, StsIssuerNeedsEndpointAndCredentials)
{
    EXPECT_EQ(load({"--issuer", "sts", "--creds-path", "/tmp"}), -1);
    EXPECT_STREQ(error, "issuer sts needs sts_endpoint_url (or int_endpoint_url in the rados config)");
    sts_config_dispose(&config);
    sts_config_init(&config);
    EXPECT_EQ(load({"--issuer", "sts", "--sts-endpoint-url", "http://x"}), -1);
    EXPECT_STREQ(error, "issuer sts needs creds_path, a directory with access_key and secret_key");
    EXPECT_EQ(load({}, {"STS_ISSUER=aws"}), -1);
    EXPECT_STREQ(error, "STS_ISSUER: expected 'local', 'sts' or 'rgw-native', got 'aws'");
    EXPECT_EQ(load({"--sts-action", "AssumeRoleWithSAML"}), -1);
    EXPECT_EQ(load({"--insecure-skip-tls-verify", "yes"}), -1);
    EXPECT_EQ(load({"--rados-config-path", dir + "/missing.yaml"}), -1);
    EXPECT_NE(std::string(error).find("missing.yaml"), std::string::npos) << error;
}

TEST_F(ConfigTest, RgwNativeIssuerNeedsKeyUserAndRole)
{
    EXPECT_EQ(load({"--issuer", "rgw-native", "--rgw-user", "u"}), -1);
    EXPECT_STREQ(error, "issuer rgw-native needs rgw_sts_key_file and rgw_user");
    sts_config_dispose(&config);
    sts_config_init(&config);
    EXPECT_EQ(load({"--issuer", "rgw-native", "--rgw-user", "u", "--rgw-sts-key-file", "/k", "--role-arn",
                    "arn:aws:iam:::role/r"}),
              -1);
    EXPECT_NE(std::string(error).find("needs rgw_role_id, or role_arn, sts_endpoint_url and creds_path"),
              std::string::npos)
        << error;
    sts_config_dispose(&config);
    sts_config_init(&config);
    ASSERT_EQ(load({"--issuer", "rgw-native", "--rgw-user", "u"},
                   {"STS_RGW_STS_KEY_FILE=/k", "STS_RGW_ROLE_ID=6d2dd10e-1b85-4cd4-b541-7cca28661136"}),
              0)
        << error;
    EXPECT_STREQ(config.rgw_sts_key_file, "/k");
    EXPECT_STREQ(config.rgw_sts_key_file_allow_shared, "false");
    EXPECT_EQ(load({"--rgw-sts-key-file-allow-shared", "yes"}), -1);
}

TEST_F(ConfigTest, AuthenticationSafeDefaults)
{
    ASSERT_EQ(load({"--rest-listen", "0.0.0.0:9090", "--allow-plaintext", "true"}), 0) << error;
    EXPECT_STREQ(config.auth, "access-token");
    sts_config_dispose(&config);
    sts_config_init(&config);
    ASSERT_EQ(
        load({"--grpc-listen", "[::]:50051"}, {"STS_JWT_JWKS_FILE=/etc/sts/jwks.json", "STS_JWT_ISSUER=https://kc",
                                               "STS_JWT_AUDIENCE=sts", "STS_ALLOW_PLAINTEXT=true"}),
        0)
        << error;
    EXPECT_STREQ(config.auth, "access-token,jwt");
    sts_config_dispose(&config);
    sts_config_init(&config);
    ASSERT_EQ(load({}, {"STS_AUTH=none"}), 0) << error;
    EXPECT_EQ(config.auth_defaulted, 0);
    sts_config_dispose(&config);
    sts_config_init(&config);
    EXPECT_EQ(load({}, {"STS_AUTH=jwt"}), -1);
    EXPECT_STREQ(error, "STS_AUTH=jwt needs keys: jwt_jwks_file, jwt_jwks_url or jwt_public_keys");
    sts_config_dispose(&config);
    sts_config_init(&config);
    EXPECT_EQ(load({}, {"STS_AUTH=access-token,jwt", "STS_JWT_PUBLIC_KEYS=/k.pem", "STS_JWT_ISSUER=https://kc",
                        "STS_JWT_AUDIENCE=sts"}),
              0)
        << error;
    EXPECT_EQ(load({}, {"STS_AUTH=none,jwt"}), -1);
}

TEST_F(ConfigTest, JwtIssuerAndAudienceAreRequiredWithJwtKeys)
{
    const std::string issuer_missing =
        "jwt_issuer is required with JWT keys (jwt_jwks_file, jwt_jwks_url or jwt_public_keys): list the accepted iss "
        "values, or set it to '*' to accept any issuer (not recommended)";
    const std::string audience_missing =
        "jwt_audience is required with JWT keys (jwt_jwks_file, jwt_jwks_url or jwt_public_keys): list the accepted "
        "aud values, or set it to '*' to accept any audience (not recommended)";
    struct {
        std::vector<std::string> env;
        std::string error;
    } cases[] = {
        /* Every key source, with STS_AUTH unset (jwt joins the chain) and set. */
        {{"STS_JWT_JWKS_FILE=/j.json"}, issuer_missing},
        {{"STS_JWT_PUBLIC_KEYS=/k.pem", "STS_JWT_AUDIENCE=sts"}, issuer_missing},
        {{"STS_JWT_JWKS_URL=https://kc/certs", "STS_JWT_ISSUER=https://kc"}, audience_missing},
        {{"STS_AUTH=jwt", "STS_JWT_JWKS_FILE=/j.json", "STS_JWT_ISSUER=https://kc"}, audience_missing},
        {{"STS_AUTH=access-token,jwt", "STS_JWT_PUBLIC_KEYS=/k.pem", "STS_JWT_AUDIENCE=sts"}, issuer_missing},
        /* '*' is the whole opt-out or nothing. */
        {{"STS_JWT_JWKS_FILE=/j.json", "STS_JWT_ISSUER=*,https://kc", "STS_JWT_AUDIENCE=sts"},
         "jwt_issuer: '*' (accept any issuer) cannot be combined with other values"},
        {{"STS_JWT_JWKS_FILE=/j.json", "STS_JWT_ISSUER=https://kc", "STS_JWT_AUDIENCE=sts, *"},
         "jwt_audience: '*' (accept any audience) cannot be combined with other values"},
        {{"STS_JWT_JWKS_FILE=/j.json", "STS_JWT_ISSUER= , ", "STS_JWT_AUDIENCE=sts"}, "jwt_issuer lists no issuer"},
    };
    for (auto &c : cases) {
        sts_config_dispose(&config);
        sts_config_init(&config);
        EXPECT_EQ(load({}, c.env), -1) << c.env[0];
        EXPECT_EQ(std::string(error), c.error) << c.env[0];
    }
    /* Flags and the YAML file count like the environment. */
    sts_config_dispose(&config);
    sts_config_init(&config);
    EXPECT_EQ(load({"--jwt-public-keys", "/k.pem", "--jwt-issuer", "https://kc"}), -1);
    EXPECT_EQ(std::string(error), audience_missing);
    sts_config_dispose(&config);
    sts_config_init(&config);
    std::string path = write_yaml("jwt_jwks_file: /j.json\njwt_audience: sts\n");
    EXPECT_EQ(load({"--config", path}), -1);
    EXPECT_EQ(std::string(error), issuer_missing);
}

TEST_F(ConfigTest, JwtWildcardIsAnExplicitOptOut)
{
    for (std::vector<std::string> env :
         {std::vector<std::string>{"STS_JWT_JWKS_FILE=/j.json", "STS_JWT_ISSUER=*", "STS_JWT_AUDIENCE=*"},
          std::vector<std::string>{"STS_JWT_JWKS_FILE=/j.json", "STS_JWT_ISSUER= * ", "STS_JWT_AUDIENCE=sts,api"},
          std::vector<std::string>{"STS_JWT_JWKS_FILE=/j.json", "STS_JWT_ISSUER=https://a,https://b",
                                   "STS_JWT_AUDIENCE=*"}}) {
        sts_config_dispose(&config);
        sts_config_init(&config);
        EXPECT_EQ(load({}, env), 0) << env[1] << ": " << error;
    }
}

/* Keys that would never be used make an operator believe JWTs are checked: refused, whatever the key source. */
TEST_F(ConfigTest, JwtKeysWithoutJwtInAuthAreRefused)
{
    const struct {
        std::vector<std::string> env;
        const char *expected;
    } cases[] = {
        {{"STS_AUTH=access-token", "STS_JWT_JWKS_FILE=/j.json"},
         "JWT keys are configured (jwt_jwks_file) but auth (access-token) does not list jwt: add jwt to auth (e.g. "
         "access-token,jwt) or remove the JWT key settings"},
        {{"STS_AUTH=none", "STS_JWT_PUBLIC_KEYS=/k.pem", "STS_JWT_ISSUER=https://kc", "STS_JWT_AUDIENCE=sts"},
         "JWT keys are configured (jwt_public_keys) but auth (none) does not list jwt: add jwt to auth (e.g. "
         "access-token,jwt) or remove the JWT key settings"},
        {{"STS_AUTH=access-token", "STS_JWT_JWKS_URL=https://kc.example/certs"},
         "JWT keys are configured (jwt_jwks_url) but auth (access-token) does not list jwt: add jwt to auth (e.g. "
         "access-token,jwt) or remove the JWT key settings"},
    };
    for (const auto &c : cases) {
        sts_config_dispose(&config);
        sts_config_init(&config);
        EXPECT_EQ(load({}, c.env), -1) << c.env[1];
        EXPECT_STREQ(error, c.expected);
    }
    /* With jwt listed, or auth left to its default, the same keys are used. */
    for (const char *auth : {"STS_AUTH=jwt", "STS_AUTH=access-token,jwt", "STS_OTHER=1"}) {
        sts_config_dispose(&config);
        sts_config_init(&config);
        EXPECT_EQ(load({}, {auth, "STS_JWT_JWKS_FILE=/j.json", "STS_JWT_ISSUER=https://kc", "STS_JWT_AUDIENCE=sts"}), 0)
            << auth << ": " << error;
    }
}

TEST_F(ConfigTest, JwksUrlMustUseHttpsUnlessLoopback)
{
    for (const char *url : {"http://kc.example/certs", "http://10.1.2.3:8080/certs", "http://[2001:db8::1]/certs",
                            "http://127.0.0.1@kc.example/certs", "ftp://127.0.0.1/certs"}) {
        sts_config_dispose(&config);
        sts_config_init(&config);
        EXPECT_EQ(load({"--jwt-jwks-url", url, "--jwt-issuer", "https://kc", "--jwt-audience", "sts"}), -1) << url;
        EXPECT_EQ(std::string(error).rfind("jwt_jwks_url must ", 0), 0u) << url << ": " << error;
    }
    sts_config_dispose(&config);
    sts_config_init(&config);
    EXPECT_EQ(
        load({}, {"STS_JWT_JWKS_URL=http://kc.example/certs", "STS_JWT_ISSUER=https://kc", "STS_JWT_AUDIENCE=sts"}),
        -1);
    EXPECT_STREQ(error, "jwt_jwks_url must use https: plain http is allowed only to a loopback host (127.0.0.0/8, "
                        "[::1], localhost), not to 'kc.example'");
    for (const char *url : {"https://kc.example/certs", "http://127.0.0.1:8080/certs", "http://localhost:8080/certs",
                            "http://[::1]:8080/certs"}) {
        sts_config_dispose(&config);
        sts_config_init(&config);
        EXPECT_EQ(load({"--jwt-jwks-url", url, "--jwt-issuer", "https://kc", "--jwt-audience", "sts"}), 0)
            << url << ": " << error;
    }
}

TEST_F(ConfigTest, AuditLogIsOffUntilAPathIsGiven)
{
    ASSERT_EQ(load({}), 0) << error;
    EXPECT_EQ(config.audit_log, nullptr);
    ASSERT_EQ(load({"--audit-log", "/var/log/sts/audit.jsonl"}), 0) << error;
    EXPECT_STREQ(config.audit_log, "/var/log/sts/audit.jsonl");
    EXPECT_EQ(load({}, {"STS_AUDIT_LOG="}), -1);
}

TEST_F(ConfigTest, AuditLogModeIsSyncUnlessBatchIsAsked)
{
    ASSERT_EQ(load({}), 0) << error;
    EXPECT_STREQ(config.audit_log_mode, "sync");
    ASSERT_EQ(load({"--audit-log-mode", "batch"}), 0) << error;
    EXPECT_STREQ(config.audit_log_mode, "batch");
    for (const char *bad : {"Batch", "async", "", "sync "}) {
        EXPECT_EQ(load({"--audit-log-mode", bad}), -1) << bad;
        EXPECT_NE(std::string(error).find("'sync' or 'batch'"), std::string::npos) << error;
    }
}

TEST_F(ConfigTest, MetricsShareTheRestListenerUntilTheirOwnIsGiven)
{
    ASSERT_EQ(load({}), 0) << error;
    EXPECT_EQ(config.metrics_listen, nullptr);
    ASSERT_EQ(load({"--metrics-listen", "127.0.0.1:9100"}), 0) << error;
    EXPECT_STREQ(config.metrics_listen, "127.0.0.1:9100");
    EXPECT_EQ(load({}, {"STS_METRICS_LISTEN=9100"}), -1);
    EXPECT_STREQ(error, "STS_METRICS_LISTEN: expected HOST:PORT with a port from 0 to 65535, got '9100'");
}

TEST_F(ConfigTest, ADatabaseUrlIsPostgresAndNeedsASharedKeyEncryptionKey)
{
    ASSERT_EQ(load({}), 0) << error;
    EXPECT_EQ(config.database_url, nullptr);
    EXPECT_EQ(config.database_statement_timeout_ms, 5000);
    auto fresh = [this](std::vector<std::string> args) {
        sts_config_dispose(&config);
        sts_config_init(&config);
        return load(std::move(args));
    };
    EXPECT_EQ(fresh({"--database-url", "mysql://db/sts"}), -1);
    EXPECT_STREQ(error, "--database-url: expected a PostgreSQL URL, postgres://USER@HOST:PORT/DATABASE, got "
                        "'mysql://db/sts'");
    EXPECT_EQ(fresh({"--database-url", "postgres://sts@db/sts"}), -1);
    EXPECT_EQ(std::string(error).rfind("database_url needs key_encryption_key_file: every replica must seal", 0), 0u)
        << error;
    ASSERT_EQ(fresh({"--database-url", "postgresql://sts@db/sts", "--key-encryption-key-file", "/etc/sts/kek"}), 0)
        << error;
    EXPECT_STREQ(config.database_url, "postgresql://sts@db/sts");
    EXPECT_EQ(fresh({"--database-password-file", "/etc/sts/db-password"}), -1);
    EXPECT_STREQ(error, "database_password_file is set but database_url is not");
}

TEST_F(ConfigTest, LogFormatIsTextOrJson)
{
    ASSERT_EQ(load({}), 0) << error;
    EXPECT_STREQ(config.log_format, "text");
    ASSERT_EQ(load({}, {"STS_LOG_FORMAT=json"}), 0) << error;
    EXPECT_STREQ(config.log_format, "json");
    EXPECT_EQ(load({"--log-format", "JSON"}), -1);
    EXPECT_STREQ(error, "--log-format: expected text or json, got 'JSON'");
}

TEST_F(ConfigTest, JwksKeysHaveAMaximumAgeByDefault)
{
    ASSERT_EQ(load({}), 0) << error;
    EXPECT_EQ(config.jwt_jwks_max_age_seconds, 86400);
    ASSERT_EQ(load({"--jwt-jwks-max-age-seconds", "0"}), 0) << error; /* kept however old */
    EXPECT_EQ(config.jwt_jwks_max_age_seconds, 0);
    ASSERT_EQ(load({}, {"STS_JWT_JWKS_MAX_AGE_SECONDS=600"}), 0) << error;
    EXPECT_EQ(config.jwt_jwks_max_age_seconds, 600);
    EXPECT_EQ(load({"--jwt-jwks-max-age-seconds", "-1"}), -1);
    EXPECT_STREQ(error, "--jwt-jwks-max-age-seconds: expected an integer from 0 to 2592000, got '-1'");
    EXPECT_EQ(load({"--jwt-jwks-max-age-seconds", "2592001"}), -1);
}

TEST_F(ConfigTest, TlsOptionsAndDefaults)
{
    ASSERT_EQ(load({}), 0) << error;
    EXPECT_EQ(config.tls_cert_file, nullptr);
    EXPECT_EQ(config.tls_key_file, nullptr);
    EXPECT_EQ(config.grpc_client_ca_file, nullptr);
    EXPECT_EQ(config.client_cert_roles, nullptr);
    EXPECT_STREQ(config.allow_plaintext, "false");
    EXPECT_EQ(config.tls_expiry_warning_days, 30);
    EXPECT_EQ(config.tls_reload_seconds, 10);
    sts_config_dispose(&config);
    sts_config_init(&config);
    std::string yaml = write_yaml("tls_cert_file: /etc/sts/tls.crt\n"
                                  "grpc_client_ca_file: /etc/sts/clients.pem\n"
                                  "client_cert_roles: cn:backup=admin|ops, cn:reader=viewer\n"
                                  "tls_expiry_warning_days: 0\n");
    ASSERT_EQ(load({"--config", yaml, "--tls-key-file", "/etc/sts/tls.key", "--tls-reload-seconds", "1"}), 0) << error;
    EXPECT_STREQ(config.tls_cert_file, "/etc/sts/tls.crt");
    EXPECT_STREQ(config.tls_key_file, "/etc/sts/tls.key");
    EXPECT_STREQ(config.grpc_client_ca_file, "/etc/sts/clients.pem");
    EXPECT_STREQ(config.client_cert_roles, "cn:backup=admin|ops, cn:reader=viewer");
    EXPECT_EQ(config.tls_expiry_warning_days, 0);
    EXPECT_EQ(config.tls_reload_seconds, 1);
    EXPECT_EQ(load({"--tls-reload-seconds", "0"}), -1);
    EXPECT_STREQ(error, "--tls-reload-seconds: expected an integer from 1 to 3600, got '0'");
    EXPECT_EQ(load({"--tls-expiry-warning-days", "-1"}), -1);
    EXPECT_EQ(load({"--allow-plaintext", "yes"}), -1);
    EXPECT_STREQ(error, "--allow-plaintext: expected 'true' or 'false', got 'yes'");
    /* The key file follows secret_files_allow_shared like every secret file; it has no override of its own. */
    EXPECT_EQ(load({"--tls-key-file-allow-shared", "true"}), -1);
    EXPECT_STREQ(error, "unknown option '--tls-key-file-allow-shared'");
    std::string old = write_yaml("tls_key_file_allow_shared: true\n");
    EXPECT_EQ(load({"--config", old}), -1);
    EXPECT_EQ(std::string(error), old + ":1: unknown key 'tls_key_file_allow_shared'");
    EXPECT_EQ(load({"--tls-cert-file", ""}), -1);
}

TEST_F(ConfigTest, TlsSettingsThatOnlyWorkTogether)
{
    EXPECT_EQ(load({"--tls-cert-file", "/c.pem"}), -1);
    EXPECT_STREQ(error, "tls_cert_file and tls_key_file go together: set both (TLS on both listeners) or neither");
    sts_config_dispose(&config);
    sts_config_init(&config);
    EXPECT_EQ(load({}, {"STS_TLS_KEY_FILE=/k.pem"}), -1);
    EXPECT_STREQ(error, "tls_cert_file and tls_key_file go together: set both (TLS on both listeners) or neither");
    sts_config_dispose(&config);
    sts_config_init(&config);
    EXPECT_EQ(load({"--grpc-client-ca-file", "/ca.pem"}), -1);
    EXPECT_STREQ(error,
                 "grpc_client_ca_file (client certificates on gRPC) needs TLS: set tls_cert_file and tls_key_file too");
    sts_config_dispose(&config);
    sts_config_init(&config);
    EXPECT_EQ(load({"--tls-cert-file", "/c.pem", "--tls-key-file", "/k.pem", "--client-cert-roles", "cn:a=admin"}), -1);
    EXPECT_STREQ(error,
                 "client_cert_roles needs grpc_client_ca_file: only verified client certificates are given roles");
}

TEST_F(ConfigTest, ClientCertRolesSyntax)
{
    const char *valid[] = {"cn:svc=admin", "cn:svc=admin|ops,cn:other=viewer", " cn:a b=admin , cn:x=y,",
                           "cn:name=with=equals=admin"};
    for (const char *value : valid) {
        sts_config_dispose(&config);
        sts_config_init(&config);
        EXPECT_EQ(load({"--tls-cert-file", "/c.pem", "--tls-key-file", "/k.pem", "--grpc-client-ca-file", "/ca.pem",
                        "--client-cert-roles", value}),
                  0)
            << value << ": " << error;
    }
    const char *invalid[] = {"",          "svc=admin",      "cn:=admin", "cn:svc=",        "cn:svc=a||b", "cn:svc=|a",
                             "cn:svc=a|", "user:svc=admin", "cn:svc",    "cn:a=b,,cn:c=d", "CN:svc=admin"};
    for (const char *value : invalid) {
        EXPECT_EQ(load({"--client-cert-roles", value}), -1) << value;
        EXPECT_EQ(std::string(error),
                  std::string("--client-cert-roles: expected comma-separated cn:NAME=role|role grants, got '") + value +
                      "'");
    }
}

TEST_F(ConfigTest, PlaintextOnlyOnLoopbackUnlessAllowed)
{
    const char *loopback[] = {"127.0.0.1:0", "127.8.9.10:9090", "localhost:1",
                              "LOCALHOST:1", "[::1]:50051",     "[::ffff:127.0.0.1]:1"};
    for (const char *listen : loopback) {
        EXPECT_EQ(sts_config_listen_is_loopback(listen), 1) << listen;
        EXPECT_EQ(load({"--rest-listen", listen, "--grpc-listen", listen}), 0) << listen << ": " << error;
    }
    const char *exposed[] = {"0.0.0.0:9090",       "[::]:50051",
                             "10.0.0.1:1",         "192.168.1.1:9090",
                             "128.0.0.1:1",        "[::2]:1",
                             "example.com:1",      "localhost.example.com:1",
                             "127.0.0.1.nip.io:1", "[::ffff:10.0.0.1]:1"};
    for (const char *listen : exposed) {
        EXPECT_EQ(sts_config_listen_is_loopback(listen), 0) << listen;
        sts_config_dispose(&config);
        sts_config_init(&config);
        EXPECT_EQ(load({"--rest-listen", listen}), -1) << listen;
        EXPECT_EQ(std::string(error), std::string("rest_listen ") + listen +
                                          " is not a loopback address and TLS is not configured: set tls_cert_file and "
                                          "tls_key_file, or allow_plaintext: true to send tokens and keys in clear "
                                          "text anyway");
        sts_config_dispose(&config);
        sts_config_init(&config);
        EXPECT_EQ(load({"--grpc-listen", listen}), -1) << listen;
        EXPECT_EQ(std::string(error).rfind(std::string("grpc_listen ") + listen + " is not a loopback address", 0), 0u)
            << error;
        sts_config_dispose(&config);
        sts_config_init(&config);
        EXPECT_EQ(load({"--rest-listen", listen, "--grpc-listen", listen}, {"STS_ALLOW_PLAINTEXT=true"}), 0) << error;
        sts_config_dispose(&config);
        sts_config_init(&config);
        EXPECT_EQ(load({"--rest-listen", listen, "--grpc-listen", listen, "--tls-cert-file", "/c.pem", "--tls-key-file",
                        "/k.pem"}),
                  0)
            << error;
    }
}

TEST_F(ConfigTest, CrossFieldValidation)
{
    EXPECT_EQ(load({"--max-duration-seconds", "1000", "--default-duration-seconds", "3600"}), -1);
    EXPECT_STREQ(error, "default_duration_seconds (3600) must not exceed max_duration_seconds (1000)");
}

TEST_F(ConfigTest, Actions)
{
    ASSERT_EQ(load({"--help"}), 0);
    EXPECT_EQ(config.action, STS_CONFIG_HELP);
    sts_config_dispose(&config);
    sts_config_init(&config);
    ASSERT_EQ(load({"--version", "--rest-threads", "bad"}), 0);
    EXPECT_EQ(config.action, STS_CONFIG_VERSION);
    sts_config_dispose(&config);
    sts_config_init(&config);
    ASSERT_EQ(load({"--check-config"}), 0);
    EXPECT_EQ(config.action, STS_CONFIG_CHECK);
}

TEST_F(ConfigTest, PrintsEffectiveConfigurationAsYaml)
{
    ASSERT_EQ(load({"--endpoint-url", "http://s3:\"x\""}), 0) << error;
    std::string printed = print();
    EXPECT_NE(printed.find("rest_listen: \"127.0.0.1:9090\"\n"), std::string::npos) << printed;
    EXPECT_NE(printed.find("rest_threads: 2\n"), std::string::npos) << printed;
    EXPECT_NE(printed.find("endpoint_url: \"http://s3:\\\"x\\\"\"\n"), std::string::npos) << printed;
    EXPECT_NE(printed.find("# session_key_file: (unset)\n"), std::string::npos) << printed;
}

TEST_F(ConfigTest, PrintedUrlsLeaveOutUserAndPassword)
{
    ASSERT_EQ(load({"--issuer", "sts", "--sts-endpoint-url", "https://user:hunter2@rgw.example:8443/", "--creds-path",
                    "/conf/creds", "--role-arn", "arn:aws:iam:::role/r"}),
              0)
        << error;
    std::string printed = print();
    EXPECT_NE(printed.find("sts_endpoint_url: \"https://rgw.example:8443/\"\n"), std::string::npos) << printed;
    EXPECT_EQ(printed.find("hunter2"), std::string::npos) << printed;
}

/* Whether a file that others may read is accepted now, by the secret-file reader itself. */
bool shared_file_accepted(const std::string &dir)
{
    std::string path = dir + "/shared.key";
    std::ofstream(path) << "s3cr3t\n";
    chmod(path.c_str(), 0644);
    char value[STS_SECRET_FILE_MAX], error[512];
    int rc = sts_secret_file_read(path.c_str(), nullptr, value, nullptr, error, sizeof(error));
    std::remove(path.c_str());
    return rc == 0;
}

TEST_F(ConfigTest, SecretFilesAllowSharedAndItsDeprecatedAlias)
{
    ASSERT_EQ(load({}), 0) << error;
    EXPECT_STREQ(config.secret_files_allow_shared, "false");
    sts_server_apply_secret_file_policy(&config);
    EXPECT_FALSE(shared_file_accepted(dir));
    sts_config_dispose(&config);
    sts_config_init(&config);
    ASSERT_EQ(load({}, {"STS_SECRET_FILES_ALLOW_SHARED=true"}), 0) << error;
    EXPECT_STREQ(config.secret_files_allow_shared, "true");
    sts_server_apply_secret_file_policy(&config);
    EXPECT_TRUE(shared_file_accepted(dir));
    sts_config_dispose(&config);
    sts_config_init(&config);
    ASSERT_EQ(load({"--rgw-sts-key-file-allow-shared", "true"}), 0) << error; /* the old name keeps working */
    sts_server_apply_secret_file_policy(&config);
    EXPECT_TRUE(shared_file_accepted(dir));
    sts_config_dispose(&config);
    sts_config_init(&config);
    ASSERT_EQ(load({"--config", write_yaml("secret_files_allow_shared: false\n")}), 0) << error;
    sts_server_apply_secret_file_policy(&config);
    EXPECT_FALSE(shared_file_accepted(dir));
    EXPECT_EQ(load({"--secret-files-allow-shared", "yes"}), -1);
    EXPECT_STREQ(error, "--secret-files-allow-shared: expected 'true' or 'false', got 'yes'");
}

} // namespace

namespace
{

TEST_F(ConfigTest, IssuingAndAdministeringHaveTheirOwnRoles)
{
    ASSERT_EQ(load({}), 0) << error;
    EXPECT_STREQ(config.admin_roles, "admin");
    EXPECT_STREQ(config.issuer_roles, "admin");
    EXPECT_EQ(config.issuer_roles_defaulted, 0);
    sts_config_dispose(&config);
    sts_config_init(&config);
    ASSERT_EQ(load({"--admin-roles", "ops", "--issuer-roles", "s3"}), 0) << error;
    EXPECT_STREQ(config.issuer_roles, "s3");
    EXPECT_EQ(config.issuer_roles_defaulted, 0);
    /* Only admin_roles set: it keeps meaning both, as before, and the server warns. */
    sts_config_dispose(&config);
    sts_config_init(&config);
    ASSERT_EQ(load({}, {"STS_ADMIN_ROLES=ops,root"}), 0) << error;
    EXPECT_STREQ(config.issuer_roles, "ops,root");
    EXPECT_EQ(config.issuer_roles_defaulted, 1);
}

TEST_F(ConfigTest, TokenLifetimesTakeUnits)
{
    ASSERT_EQ(load({}), 0) << error;
    EXPECT_EQ(config.max_access_token_lifetime, 90L * 86400);
    EXPECT_STREQ(config.self_service_tokens, "true");
    const std::pair<const char *, long> good[] = {
        {"12h", 43200}, {"30m", 1800}, {"45s", 45}, {"7200", 7200}, {"3650d", 3650L * 86400}};
    for (const auto &[text, seconds] : good) {
        sts_config_dispose(&config);
        sts_config_init(&config);
        ASSERT_EQ(load({"--max-access-token-lifetime", text}), 0) << text << ": " << error;
        EXPECT_EQ(config.max_access_token_lifetime, seconds) << text;
    }
    for (const char *bad : {"0", "0d", "3651d", "90x", "d", "-5m", "1.5h", "99999999999999999999d", ""}) {
        sts_config_dispose(&config);
        sts_config_init(&config);
        EXPECT_EQ(load({}, {std::string("STS_MAX_ACCESS_TOKEN_LIFETIME=") + bad}), -1) << bad;
        EXPECT_EQ(std::string(error).rfind("STS_MAX_ACCESS_TOKEN_LIFETIME: expected a duration from 1s to "
                                           "315360000s (a number with s, m, h or d), got '",
                                           0),
                  0u)
            << error;
    }
    sts_config_dispose(&config);
    sts_config_init(&config);
    EXPECT_EQ(load({"--self-service-tokens", "no"}), -1);
    EXPECT_STREQ(error, "--self-service-tokens: expected 'true' or 'false', got 'no'");
}

/* The connection and request limits: safe defaults, the same the adapters fall back to, and bounded values. */
TEST_F(ConfigTest, LimitDefaultsMatchTheAdaptersAndAreBounded)
{
    ASSERT_EQ(load({}), 0) << error;
    sts_rest_limits_t rest;
    sts_rest_limits_defaults(&rest);
    EXPECT_EQ(config.max_connections, 16384);
    EXPECT_EQ(config.max_connections, rest.max_connections);
    EXPECT_EQ(config.header_timeout_ms, 10000);
    EXPECT_EQ(config.header_timeout_ms, rest.header_timeout_ms);
    EXPECT_EQ(config.idle_timeout_ms, 60000);
    EXPECT_EQ(config.idle_timeout_ms, rest.idle_timeout_ms);
    EXPECT_EQ(config.max_header_count, 64);
    EXPECT_EQ(config.max_header_count, rest.max_header_count);
    EXPECT_EQ(config.max_header_bytes, 8192);
    EXPECT_EQ(config.max_header_bytes, rest.max_header_bytes);
    EXPECT_EQ(config.max_request_line_bytes, 8192);
    EXPECT_EQ(config.max_request_line_bytes, rest.max_request_line_bytes);
    EXPECT_EQ(static_cast<size_t>(config.max_body_bytes), rest.max_body_bytes);
    sts_grpc_limits_t grpc;
    sts_grpc_limits_defaults(&grpc);
    EXPECT_EQ(config.grpc_max_concurrent_streams, 100);
    EXPECT_EQ(config.grpc_max_concurrent_streams, grpc.max_concurrent_streams);
    EXPECT_EQ(config.grpc_min_ping_interval_ms, 300000);
    EXPECT_EQ(config.grpc_min_ping_interval_ms, grpc.min_ping_interval_ms);
    EXPECT_EQ(config.grpc_max_ping_strikes, 2);
    EXPECT_EQ(config.grpc_max_ping_strikes, grpc.max_ping_strikes);
    EXPECT_EQ(config.grpc_max_connection_age_ms, 1800000);
    EXPECT_EQ(config.grpc_max_connection_age_ms, grpc.max_connection_age_ms);
    EXPECT_EQ(config.grpc_max_connection_age_grace_ms, 30000);
    EXPECT_EQ(config.grpc_max_connection_age_grace_ms, grpc.max_connection_age_grace_ms);
    EXPECT_EQ(static_cast<size_t>(config.max_message_bytes), grpc.max_message_bytes);

    sts_config_dispose(&config);
    sts_config_init(&config);
    std::string path = write_yaml("max_connections: 100\nheader_timeout_ms: 2500\ngrpc_max_ping_strikes: 0\n");
    ASSERT_EQ(load({"--config", path, "--max-header-count", "20", "--grpc-max-connection-age-ms", "0"},
                   {"STS_IDLE_TIMEOUT_MS=1500", "STS_MAX_REQUEST_LINE_BYTES=1000"}),
              0)
        << error;
    EXPECT_EQ(config.max_connections, 100);
    EXPECT_EQ(config.header_timeout_ms, 2500);
    EXPECT_EQ(config.grpc_max_ping_strikes, 0);
    EXPECT_EQ(config.max_header_count, 20);
    EXPECT_EQ(config.grpc_max_connection_age_ms, 0);
    EXPECT_EQ(config.idle_timeout_ms, 1500);
    EXPECT_EQ(config.max_request_line_bytes, 1000);
    EXPECT_NE(print().find("max_connections: 100\n"), std::string::npos);

    /* Out of range: h2o cannot count more than 100 headers, a zero timeout would close every connection. */
    EXPECT_EQ(load({"--max-header-count", "101"}), -1);
    EXPECT_STREQ(error, "--max-header-count: expected an integer from 1 to 100, got '101'");
    EXPECT_EQ(load({"--max-connections", "0"}), -1);
    EXPECT_STREQ(error, "--max-connections: expected an integer from 1 to 1000000, got '0'");
    EXPECT_EQ(load({}, {"STS_HEADER_TIMEOUT_MS=0"}), -1);
    EXPECT_STREQ(error, "STS_HEADER_TIMEOUT_MS: expected an integer from 100 to 600000, got '0'");
    EXPECT_EQ(load({"--max-header-bytes", "65537"}), -1);
    EXPECT_EQ(load({"--max-request-line-bytes", "63"}), -1);
    EXPECT_EQ(load({"--idle-timeout-ms", "99"}), -1);
    EXPECT_EQ(load({"--grpc-max-concurrent-streams", "0"}), -1);
    EXPECT_EQ(load({"--grpc-min-ping-interval-ms", "99"}), -1);
    EXPECT_EQ(load({"--grpc-max-ping-strikes", "-1"}), -1);
    EXPECT_EQ(load({"--grpc-max-connection-age-ms", "-1"}), -1);
    EXPECT_EQ(load({"--grpc-max-connection-age-grace-ms", "x"}), -1);
}

TEST_F(ConfigTest, EachClassOfBlockingWorkHasItsOwnPool)
{
    ASSERT_EQ(load({"--store-worker-threads", "3", "--lookup-worker-queue", "9"}), 0) << error;
    EXPECT_EQ(config.store_worker_threads, 3);
    EXPECT_EQ(config.store_worker_queue, 1024);
    EXPECT_EQ(config.lookup_worker_threads, 2);
    EXPECT_EQ(config.lookup_worker_queue, 9);
    EXPECT_EQ(config.worker_threads, 16);
}

/* The login options: OWASP's argon2id parameters, EFA's one-hour tokens, ES256, and a derived issuer URL. */
TEST_F(ConfigTest, LoginDefaultsAndTheirChecks)
{
    ASSERT_EQ(load({}), 0) << error;
    EXPECT_EQ(config.password_hash_memory_kib, 19456);
    EXPECT_EQ(config.password_hash_iterations, 2);
    EXPECT_EQ(config.password_hash_parallelism, 1);
    EXPECT_EQ(config.password_worker_threads, 2);
    EXPECT_EQ(config.access_token_lifetime, 3600);
    EXPECT_EQ(config.refresh_token_lifetime, 86400);
    EXPECT_EQ(config.refresh_family_lifetime, 7 * 86400);
    EXPECT_EQ(config.refresh_reuse_grace, 0);
    EXPECT_EQ(config.client_max_lifetime, 30 * 86400);
    EXPECT_EQ(config.signing_key_rotation, 30 * 86400);
    EXPECT_STREQ(config.signing_algorithm, "ES256");
    EXPECT_STREQ(config.token_audience, "sts");
    EXPECT_STREQ(config.issuer_url, "http://127.0.0.1:9090");
    EXPECT_STREQ(config.login_notice, "");
    EXPECT_EQ(config.login_free_failures, 5);
    EXPECT_EQ(config.login_throttle_delay, 1);
    EXPECT_EQ(config.login_throttle_max_delay, 900);
    EXPECT_EQ(config.login_lockout_failures, 100);

    sts_config_dispose(&config);
    sts_config_init(&config);
    ASSERT_EQ(
        load({"--issuer-url", "https://sts.example", "--signing-algorithm", "EdDSA", "--refresh-reuse-grace", "10s"},
             {"STS_PASSWORD_HASH_MEMORY_KIB=7168", "STS_PASSWORD_HASH_ITERATIONS=5"}),
        0)
        << error;
    EXPECT_STREQ(config.issuer_url, "https://sts.example");
    EXPECT_STREQ(config.signing_algorithm, "EdDSA");
    EXPECT_EQ(config.refresh_reuse_grace, 10);
    EXPECT_EQ(config.password_hash_memory_kib, 7168);

    const std::vector<std::pair<std::vector<std::string>, std::string>> refused = {
        {{"--signing-algorithm", "HS256"}, "'ES256', 'EdDSA' or 'RS256'"},
        {{"--signing-algorithm", "es256"}, "'ES256', 'EdDSA' or 'RS256'"},
        {{"--password-hash-memory-kib", "4"}, "password-hash-memory-kib"},
        {{"--password-hash-parallelism", "4", "--password-hash-memory-kib", "16"}, "password_hash_memory_kib"},
        {{"--refresh-token-lifetime", "8d"}, "refresh_token_lifetime (691200s) must not exceed"},
        {{"--login-throttle-delay", "1h", "--login-throttle-max-delay", "1m"}, "login_throttle_delay"},
        {{"--refresh-reuse-grace", "10m"}, "refresh-reuse-grace"},
        {{"--access-token-lifetime", "2d"}, "access-token-lifetime"},
    };
    for (const auto &[args, expected] : refused) {
        sts_config_dispose(&config);
        sts_config_init(&config);
        EXPECT_EQ(load(args), -1) << args[0];
        EXPECT_NE(std::string(error).find(expected), std::string::npos) << error;
    }
}

/* With TLS the derived issuer URL is https. */
TEST_F(ConfigTest, IssuerUrlFollowsTheRestListener)
{
    ASSERT_EQ(load({"--rest-listen", "127.0.0.1:8443", "--tls-cert-file", "/x.crt", "--tls-key-file", "/x.key"}), 0)
        << error;
    EXPECT_STREQ(config.issuer_url, "https://127.0.0.1:8443");
}

/* Users from LDAP: defaults, the YAML of the README's example, and every refusal naming its option. */
TEST_F(ConfigTest, LdapUserSources)
{
    ASSERT_EQ(load({}), 0) << error;
    EXPECT_STREQ(config.user_sources, "local");
    EXPECT_EQ(config.ldap_url, nullptr);
    EXPECT_STREQ(config.ldap_user_filter, "(uid=%s)");
    EXPECT_STREQ(config.ldap_group_filter, "(member=%s)");
    EXPECT_STREQ(config.ldap_starttls, "true");
    EXPECT_STREQ(config.ldap_role_map, "");
    EXPECT_STREQ(config.ldap_username_attribute, "uid");
    EXPECT_EQ(config.ldap_timeout, 5);

    sts_config_dispose(&config);
    sts_config_init(&config);
    std::string path = write_yaml("user_sources: ldap,local\n"
                                  "ldap_url: ldaps://ldap.example.org\n"
                                  "ldap_bind_dn: cn=sts,ou=services,dc=example,dc=org\n"
                                  "ldap_bind_password_file: /etc/sts/ldap.password\n"
                                  "ldap_base_dn: ou=people,dc=example,dc=org\n"
                                  "ldap_ca_file: /etc/sts/ldap-ca.pem\n"
                                  "ldap_group_base_dn: ou=groups,dc=example,dc=org\n"
                                  "ldap_role_map: \"admins=admin; cn=s3,ou=groups,dc=example,dc=org=issuer|viewer\"\n"
                                  "ldap_timeout: 3s\n");
    ASSERT_EQ(load({"--config", path}), 0) << error;
    EXPECT_STREQ(config.user_sources, "ldap,local");
    EXPECT_STREQ(config.ldap_role_map, "admins=admin; cn=s3,ou=groups,dc=example,dc=org=issuer|viewer");
    EXPECT_EQ(config.ldap_timeout, 3);
    EXPECT_NE(print().find("ldap_bind_password_file: \"/etc/sts/ldap.password\""), std::string::npos);

    const std::vector<std::string> ldap = {"--user-sources",
                                           "local,ldap",
                                           "--ldap-url",
                                           "ldap://127.0.0.1:389",
                                           "--ldap-user-dn-template",
                                           "uid=%s,ou=people,dc=example"};
    sts_config_dispose(&config);
    sts_config_init(&config);
    ASSERT_EQ(load(ldap), 0) << error << " (direct bind)";

    const std::vector<std::pair<std::vector<std::string>, std::string>> refused = {
        {{"--user-sources", "ldap,ldap"}, "--user-sources: expected a list of user sources, each once: local, ldap"},
        {{"--user-sources", "kerberos"}, "--user-sources: expected a list of user sources"},
        {{"--user-sources", ""}, "--user-sources: expected a list of user sources"},
        {{"--user-sources", "local,"}, "--user-sources: expected a list of user sources"},
        {{"--user-sources", "ldap"}, "user_sources lists ldap: set ldap_url"},
        {{"--user-sources", "ldap", "--ldap-url", "http://x"}, "ldap_url must be an ldap:// or ldaps:// URL"},
        {{"--user-sources", "ldap", "--ldap-url", "ldap://x"}, "either ldap_bind_dn"},
        {{"--user-sources", "ldap", "--ldap-url", "ldap://x", "--ldap-bind-dn", "cn=s"},
         "ldap_bind_dn needs ldap_bind_password_file and ldap_base_dn"},
        {{"--user-sources", "ldap", "--ldap-url", "ldap://x", "--ldap-user-dn-template", "uid=alice"},
         "ldap_user_dn_template must hold %s"},
        {{"--user-sources", "ldap", "--ldap-url", "ldap://x", "--ldap-user-dn-template", "uid=%s",
          "--ldap-group-filter", "(member=x)"},
         "ldap_group_filter must hold %s"},
        {{"--user-sources", "ldap", "--ldap-url", "ldap://x", "--ldap-user-dn-template", "uid=%s", "--ldap-role-map",
          "admins=admin"},
         "ldap_role_map needs ldap_group_base_dn"},
        {{"--ldap-role-map", "admins"},
         "--ldap-role-map: expected GROUP=role|role grants separated by ';' ('admins' "
         "is not GROUP=role|role)"},
        {{"--ldap-role-map", "admins=bad role"}, "--ldap-role-map: expected GROUP=role|role grants"},
        {{"--ldap-starttls", "yes"}, "--ldap-starttls: expected 'true' or 'false'"},
        {{"--ldap-timeout", "0"}, "--ldap-timeout: expected a duration from 1s to 300s"},
    };
    for (const auto &[args, expected] : refused) {
        sts_config_dispose(&config);
        sts_config_init(&config);
        EXPECT_EQ(load(args), -1) << args[0] << " " << args[1];
        EXPECT_NE(std::string(error).find(expected), std::string::npos) << error;
    }
}

} // namespace
