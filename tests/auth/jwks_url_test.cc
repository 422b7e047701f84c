#include <gtest/gtest.h>

#include <string>

extern "C" {
#include "auth/jwks_source.h"
}

namespace
{

std::string refusal(const char *url)
{
    char error[256] = "";
    return sts_jwks_url_check(url, error, sizeof(error)) == 0 ? "" : error;
}

TEST(JwksUrl, HttpsAnywhereAndHttpOnlyToLoopback)
{
    for (const char *ok :
         {"https://kc.example/realms/shasta/protocol/openid-connect/certs", "HTTPS://KC.EXAMPLE:8443/certs",
          "http://127.0.0.1:8080/certs", "http://127.9.8.7/certs", "http://localhost/certs", "http://LocalHost:1/certs",
          "http://[::1]:8080/certs", "http://2130706433/certs", "http://127.1/certs"})
        EXPECT_EQ(refusal(ok), "") << ok;
}

TEST(JwksUrl, PlainHttpToAnyOtherHostIsRefusedNamingTheOption)
{
    const std::string why = "jwt_jwks_url must use https: plain http is allowed only to a loopback host "
                            "(127.0.0.0/8, [::1], localhost), not to '";
    struct {
        const char *url, *host;
    } cases[] = {
        {"http://kc.example/certs", "kc.example"},
        {"HTTP://kc.example/certs", "kc.example"},
        {"http://128.0.0.1/certs", "128.0.0.1"},
        {"http://10.0.0.1:8080/certs", "10.0.0.1"},
        {"http://[::2]/certs", "[::2]"},
        {"http://[::ffff:10.0.0.1]/certs", "[::ffff:10.0.0.1]"},
        {"http://localhost.evil.example/certs", "localhost.evil.example"},
        {"http://127.0.0.1.evil.example/certs", "127.0.0.1.evil.example"},
        /* userinfo that looks like a loopback host: curl connects to the real host after '@'. */
        {"http://127.0.0.1@kc.example/certs", "kc.example"},
        {"http://user:secret@kc.example/certs", "kc.example"},
    };
    for (const auto &c : cases) {
        std::string got = refusal(c.url);
        EXPECT_EQ(got, why + c.host + "'") << c.url;
        EXPECT_EQ(got.find("secret"), std::string::npos);
    }
    EXPECT_EQ(refusal("ftp://127.0.0.1/certs"), "jwt_jwks_url must be an https URL, not ftp");
    EXPECT_EQ(refusal("file:///etc/jwks.json"), "jwt_jwks_url is not a valid http(s) URL");
    EXPECT_EQ(refusal("kc.example/certs"), "jwt_jwks_url is not a valid http(s) URL");
    EXPECT_EQ(refusal("nonsense://x"), "jwt_jwks_url is not a valid http(s) URL");
}

TEST(JwksUrl, SourceRefusesAnInsecureUrlToo)
{
    sts_jwks_settings_t settings{};
    settings.jwks_url = "http://kc.example/certs";
    settings.refresh_seconds = 300;
    settings.min_refetch_seconds = 10;
    char error[256] = "";
    EXPECT_EQ(sts_jwks_source_create(&settings, error, sizeof(error)), nullptr);
    EXPECT_EQ(std::string(error).rfind("jwt_jwks_url must use https", 0), 0u) << error;
}

} // namespace
