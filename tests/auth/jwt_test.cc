#include <gtest/gtest.h>

#include <climits>
#include <cstring>
#include <ctime>
#include <string>
#include <vector>

#include "auth/jwt_signer.h"

extern "C" {
#include "auth/jwks_source.h"
#include "auth/jwt.h"
#include "auth/jwt_authenticator.h"
}

namespace
{

using jwt_test::jwk;
using jwt_test::make_key;
using jwt_test::sign;

const long long now = 1790000000; /* a fixed "now" keeps the time edges exact */

class Jwt : public ::testing::Test
{
  protected:
    static EVP_PKEY *rsa, *p256, *p384, *ed25519, *other_rsa;
    sts_jwk_set_t *keys = nullptr;
    const char *issuers[2] = {"https://kc.example/realms/shasta", "https://other"};
    const char *audiences[1] = {"sts"};
    const char *role_paths[2] = {"realm_access.roles", "resource_access.<audience>.roles"};
    sts_jwt_rules_t rules{issuers, 2, audiences, 1, 60, "preferred_username", role_paths, 2, 0, 0};
    sts_jwt_identity_t identity{};
    char why[256] = "";

    static void SetUpTestSuite()
    {
        rsa = make_key("RSA");
        other_rsa = make_key("RSA");
        p256 = make_key("P-256");
        p384 = make_key("P-384");
        ed25519 = make_key("Ed25519");
    }
    static void TearDownTestSuite()
    {
        for (EVP_PKEY *key : {rsa, other_rsa, p256, p384, ed25519})
            EVP_PKEY_free(key);
    }
    void SetUp() override
    {
        load("{\"keys\":[" + jwk(rsa, "rsa") + "," + jwk(p256, "p256") + "," + jwk(p384, "p384") + "," +
             jwk(ed25519, "ed") + "]}");
    }
    void TearDown() override
    {
        sts_jwt_identity_dispose(&identity);
        sts_jwk_set_free(keys);
    }
    void load(const std::string &jwks)
    {
        sts_jwk_set_free(keys);
        keys = nullptr;
        char error[256];
        ASSERT_EQ(sts_jwk_set_parse(jwks.data(), jwks.size(), &keys, error, sizeof(error)), 0) << error;
    }
    static std::string claims(long long exp = now + 300, const std::string &extra = "")
    {
        return "{\"iss\":\"https://kc.example/realms/shasta\",\"aud\":[\"account\",\"sts\"],\"sub\":\"u-123\","
               "\"preferred_username\":\"alice\",\"exp\":" +
               std::to_string(exp) + ",\"iat\":" + std::to_string(now - 10) +
               ",\"realm_access\":{\"roles\":[\"admin\",\"offline_access\"]},"
               "\"resource_access\":{\"sts\":{\"roles\":[\"issuer\"]},\"other\":{\"roles\":[\"x\"]}}" +
               extra + "}";
    }
    static std::string header(const std::string &alg, const std::string &kid)
    {
        return "{\"alg\":\"" + alg + "\",\"typ\":\"JWT\"" + (kid.empty() ? "" : ",\"kid\":\"" + kid + "\"") + "}";
    }
    sts_jwt_result_t verify(const std::string &token)
    {
        sts_jwt_identity_dispose(&identity);
        why[0] = '\0';
        return sts_jwt_verify(keys, &rules, token.data(), token.size(), now, &identity, why, sizeof(why));
    }
};

EVP_PKEY *Jwt::rsa, *Jwt::p256, *Jwt::p384, *Jwt::ed25519, *Jwt::other_rsa;

TEST_F(Jwt, EveryAlgorithmVerifiesAndRejectsTampering)
{
    struct {
        const char *alg, *kid;
        EVP_PKEY *key;
    } cases[] = {{"RS256", "rsa", rsa},   {"RS384", "rsa", rsa},   {"RS512", "rsa", rsa},   {"PS256", "rsa", rsa},
                 {"ES256", "p256", p256}, {"ES384", "p384", p384}, {"EdDSA", "ed", ed25519}};
    for (const auto &c : cases) {
        std::string token = sign(c.alg, c.key, header(c.alg, c.kid), claims());
        EXPECT_EQ(verify(token), STS_JWT_OK) << c.alg << ": " << why;
        std::string forged = sign(c.alg, c.key, header(c.alg, c.kid), claims(now + 300, ",\"x\":1"));
        std::string spliced = token.substr(0, token.find('.')) +
                              forged.substr(forged.find('.'), forged.rfind('.') - forged.find('.')) +
                              token.substr(token.rfind('.'));
        EXPECT_EQ(verify(spliced), STS_JWT_BAD_SIGNATURE) << c.alg;
        EXPECT_STREQ(why, "bad signature");
    }
}

TEST_F(Jwt, IdentityComesFromConfiguredClaims)
{
    ASSERT_EQ(verify(sign("RS256", rsa, header("RS256", "rsa"), claims())), STS_JWT_OK) << why;
    EXPECT_STREQ(identity.subject, "u-123");
    EXPECT_STREQ(identity.issuer, "https://kc.example/realms/shasta");
    EXPECT_STREQ(identity.username, "alice");
    ASSERT_EQ(identity.role_count, 3u);
    EXPECT_STREQ(identity.roles[0], "admin");
    EXPECT_STREQ(identity.roles[1], "offline_access");
    EXPECT_STREQ(identity.roles[2], "issuer");
    EXPECT_EQ(identity.expires_at, now + 300);
    EXPECT_STREQ(identity.client_id, "") << "absent";
    rules.username_claim = "email"; /* absent: the subject stands in */
    ASSERT_EQ(verify(sign("RS256", rsa, header("RS256", "rsa"), claims())), STS_JWT_OK) << why;
    EXPECT_STREQ(identity.username, "u-123");
    /* client_id (RFC 9068) is passed on for the check of the service's own tokens; a non-string is absent. */
    ASSERT_EQ(verify(sign("RS256", rsa, header("RS256", "rsa"), claims(now + 300, ",\"client_id\":\"xco\""))),
              STS_JWT_OK)
        << why;
    EXPECT_STREQ(identity.client_id, "xco");
    ASSERT_EQ(verify(sign("RS256", rsa, header("RS256", "rsa"), claims(now + 300, ",\"client_id\":7"))), STS_JWT_OK)
        << why;
    EXPECT_STREQ(identity.client_id, "");
}

TEST_F(Jwt, AlgorithmConfusionIsRefused)
{
    EXPECT_EQ(verify(jwt_test::b64url("{\"alg\":\"none\"}") + "." + jwt_test::b64url(claims()) + "."),
              STS_JWT_BAD_ALGORITHM);
    EXPECT_STREQ(why, "algorithm 'none' is not accepted");
    EXPECT_EQ(verify(jwt_test::b64url(header("HS256", "rsa")) + "." + jwt_test::b64url(claims()) + ".c2ln"),
              STS_JWT_BAD_ALGORITHM);
    EXPECT_STREQ(why, "algorithm 'HS256' is not accepted");
    /* An EC signature presented under the RSA key's kid. */
    EXPECT_EQ(verify(sign("ES256", p256, header("ES256", "rsa"), claims())), STS_JWT_BAD_ALGORITHM);
    EXPECT_STREQ(why, "algorithm ES256 is not allowed for key id 'rsa'");
    /* A key that names its algorithm accepts only that one. */
    load("{\"keys\":[" + jwk(rsa, "rsa", ",\"alg\":\"PS256\"") + "]}");
    EXPECT_EQ(verify(sign("RS256", rsa, header("RS256", "rsa"), claims())), STS_JWT_BAD_ALGORITHM);
    EXPECT_EQ(verify(sign("PS256", rsa, header("PS256", "rsa"), claims())), STS_JWT_OK) << why;
}

TEST_F(Jwt, KeyRotation)
{
    std::string token = sign("RS256", other_rsa, header("RS256", "rsa-2"), claims());
    EXPECT_EQ(verify(token), STS_JWT_UNKNOWN_KID);
    EXPECT_STREQ(why, "unknown key id 'rsa-2'");
    load("{\"keys\":[" + jwk(rsa, "rsa") + "," + jwk(other_rsa, "rsa-2") + "]}");
    EXPECT_EQ(verify(token), STS_JWT_OK) << why;
    load("{\"keys\":[" + jwk(other_rsa, "rsa-2") + "]}");
    EXPECT_EQ(verify(sign("RS256", rsa, header("RS256", "rsa"), claims())), STS_JWT_UNKNOWN_KID);
}

/* The chain asks which authenticator's keys sign a token by its header; the answer is remembered per thread for the
 * last header, and must follow the key set as it changes and never carry over to another authenticator. */
TEST_F(Jwt, WhoseKeySignsATokenFollowsTheKeySet)
{
    sts_jwks_settings_t settings{};
    char error[256] = "";
    sts_jwks_source_t *mine = sts_jwks_source_create(&settings, error, sizeof(error));
    sts_jwks_source_t *theirs = sts_jwks_source_create(&settings, error, sizeof(error));
    ASSERT_NE(mine, nullptr) << error;
    ASSERT_NE(theirs, nullptr) << error;
    auto set = [](const std::string &jwks) {
        sts_jwk_set_t *parsed = nullptr;
        char why_not[256];
        EXPECT_EQ(sts_jwk_set_parse(jwks.data(), jwks.size(), &parsed, why_not, sizeof(why_not)), 0) << why_not;
        return parsed;
    };
    sts_jwks_source_replace(mine, set("{\"keys\":[" + jwk(rsa, "mine-1") + "]}"));
    sts_jwks_source_replace(theirs, set("{\"keys\":[" + jwk(other_rsa, "theirs") + "]}"));
    sts_jwt_authenticator_t *own = sts_jwt_authenticator_create(&rules, mine);
    sts_jwt_authenticator_t *other = sts_jwt_authenticator_create(&rules, theirs);
    std::string token = sign("RS256", rsa, header("RS256", "mine-1"), claims());
    for (int again = 0; again < 2; again++) { /* the second time from the memo */
        EXPECT_TRUE(sts_jwt_authenticator_has_key_for(own, token.data(), token.size()));
        EXPECT_FALSE(sts_jwt_authenticator_has_key_for(other, token.data(), token.size()));
    }
    EXPECT_TRUE(sts_jwt_authenticator_has_key_for(own, token.data(), token.size())); /* the memo is own's now */
    sts_jwks_source_replace(mine, set("{\"keys\":[" + jwk(rsa, "mine-2") + "]}"));   /* rotated: mine-1 is gone */
    EXPECT_FALSE(sts_jwt_authenticator_has_key_for(own, token.data(), token.size()));
    std::string rotated = sign("RS256", rsa, header("RS256", "mine-2"), claims());
    EXPECT_TRUE(sts_jwt_authenticator_has_key_for(own, rotated.data(), rotated.size()));
    EXPECT_FALSE(sts_jwt_authenticator_has_key_for(own, "not-a-jwt", 9));
    sts_jwt_authenticator_destroy(own);
    sts_jwt_authenticator_destroy(other);
    sts_jwks_source_destroy(mine);
    sts_jwks_source_destroy(theirs);
}

TEST_F(Jwt, TimeEdgesWithLeeway)
{
    auto at = [&](const std::string &extra, long long exp = now + 300) {
        return verify(sign("ES256", p256, header("ES256", "p256"), claims(exp, extra)));
    };
    EXPECT_EQ(at("", now - 60), STS_JWT_OK) << why;
    EXPECT_EQ(at("", now - 61), STS_JWT_EXPIRED);
    EXPECT_STREQ(why, "expired at 2026-09-21T14:12:19Z");
    EXPECT_EQ(at(",\"nbf\":" + std::to_string(now + 60)), STS_JWT_OK) << why;
    EXPECT_EQ(at(",\"nbf\":" + std::to_string(now + 61)), STS_JWT_NOT_YET_VALID);
    EXPECT_STREQ(why, "not yet valid: not before 2026-09-21T14:14:21Z");
    rules.leeway_seconds = 0;
    EXPECT_EQ(at("", now - 1), STS_JWT_EXPIRED);
    std::string no_exp = "{\"sub\":\"x\",\"aud\":\"sts\",\"iss\":\"https://other\"}";
    EXPECT_EQ(verify(sign("ES256", p256, header("ES256", "p256"), no_exp)), STS_JWT_MALFORMED);
    EXPECT_STREQ(why, "malformed: the token has no numeric exp claim");
}

TEST_F(Jwt, IssuerAndAudience)
{
    std::string wrong_iss = "{\"iss\":\"https://evil\",\"aud\":\"sts\",\"exp\":" + std::to_string(now + 60) + "}";
    EXPECT_EQ(verify(sign("EdDSA", ed25519, header("EdDSA", "ed"), wrong_iss)), STS_JWT_WRONG_ISSUER);
    EXPECT_STREQ(why, "wrong issuer 'https://evil'");
    std::string wrong_aud =
        "{\"iss\":\"https://other\",\"aud\":[\"a\",\"b\"],\"exp\":" + std::to_string(now + 60) + "}";
    EXPECT_EQ(verify(sign("EdDSA", ed25519, header("EdDSA", "ed"), wrong_aud)), STS_JWT_WRONG_AUDIENCE);
    std::string string_aud = "{\"iss\":\"https://other\",\"aud\":\"sts\",\"exp\":" + std::to_string(now + 60) + "}";
    EXPECT_EQ(verify(sign("EdDSA", ed25519, header("EdDSA", "ed"), string_aud)), STS_JWT_OK) << why;
    /* No accepted values is not "any": without the explicit opt-out every token is refused. */
    rules.issuer_count = 0;
    rules.audience_count = 0;
    EXPECT_EQ(verify(sign("EdDSA", ed25519, header("EdDSA", "ed"), string_aud)), STS_JWT_WRONG_ISSUER);
    rules.any_issuer = 1;
    EXPECT_EQ(verify(sign("EdDSA", ed25519, header("EdDSA", "ed"), wrong_iss)), STS_JWT_WRONG_AUDIENCE);
    rules.any_audience = 1;
    EXPECT_EQ(verify(sign("EdDSA", ed25519, header("EdDSA", "ed"), wrong_iss)), STS_JWT_OK) << why;
    EXPECT_STREQ(identity.issuer, "https://evil");
    std::string anonymous = "{\"sub\":\"s\",\"exp\":" + std::to_string(now + 60) + "}";
    EXPECT_EQ(verify(sign("EdDSA", ed25519, header("EdDSA", "ed"), anonymous)), STS_JWT_OK) << why;
    EXPECT_STREQ(identity.issuer, "");
}

TEST_F(Jwt, TypeHeaderMustNameAJwt)
{
    auto with_typ = [&](const std::string &typ) {
        return verify(sign("RS256", rsa, "{\"alg\":\"RS256\",\"kid\":\"rsa\"" + typ + "}", claims()));
    };
    for (const char *accepted :
         {"", ",\"typ\":\"JWT\"", ",\"typ\":\"jwt\"", ",\"typ\":\"at+jwt\"", ",\"typ\":\"AT+JWT\"",
          ",\"typ\":\"application/at+jwt\"", ",\"typ\":\"Application/JWT\""})
        EXPECT_EQ(with_typ(accepted), STS_JWT_OK) << accepted << ": " << why;
    struct {
        const char *typ, *why;
    } refused[] = {
        {",\"typ\":\"JOSE+JSON\"", "typ 'JOSE+JSON' is not accepted: expected JWT or at+jwt"},
        {",\"typ\":\"JOSE\"", "typ 'JOSE' is not accepted: expected JWT or at+jwt"},
        {",\"typ\":\"foo\"", "typ 'foo' is not accepted: expected JWT or at+jwt"},
        {",\"typ\":\"\"", "typ '' is not accepted: expected JWT or at+jwt"},
        {",\"typ\":\"application/\"", "typ 'application/' is not accepted: expected JWT or at+jwt"},
        {",\"typ\":\"application/application/jwt\"",
         "typ 'application/application/jwt' is not accepted: expected JWT or at+jwt"},
        {",\"typ\":\"JWT \"", "typ 'JWT ' is not accepted: expected JWT or at+jwt"},
        {",\"typ\":\"logout+jwt\"", "typ 'logout+jwt' is not accepted: expected JWT or at+jwt"},
        /* Control characters and quotes in the echoed value would forge log lines or break the header. */
        {",\"typ\":\"a\\n'b\"", "typ 'a??b' is not accepted: expected JWT or at+jwt"},
        {",\"typ\":1", "typ is not a string: expected JWT or at+jwt"},
        {",\"typ\":[\"JWT\"]", "typ is not a string: expected JWT or at+jwt"},
    };
    for (const auto &c : refused) {
        EXPECT_EQ(with_typ(c.typ), STS_JWT_BAD_TYPE) << c.typ;
        EXPECT_STREQ(why, c.why);
    }
}

TEST_F(Jwt, TokensWithoutKidAreTriedAgainstFewKeysOnly)
{
    auto kidless = [&](const char *alg, EVP_PKEY *key) {
        return verify(sign(alg, key, "{\"alg\":\"" + std::string(alg) + "\",\"typ\":\"JWT\"}", claims()));
    };
    load("{\"keys\":[" + jwk(rsa, "only") + "]}");
    EXPECT_EQ(kidless("RS256", rsa), STS_JWT_OK) << why;
    /* Four RSA keys: the limit; the signing key is the last one tried. */
    std::vector<EVP_PKEY *> extra;
    for (int i = 0; i < 4; i++)
        extra.push_back(make_key("RSA"));
    std::string four = jwk(extra[0], "x0") + "," + jwk(extra[1], "x1") + "," + jwk(extra[2], "x2");
    load("{\"keys\":[" + four + "," + jwk(rsa, "rsa") + "]}");
    EXPECT_EQ(kidless("RS256", rsa), STS_JWT_OK) << why;
    EXPECT_EQ(kidless("RS256", other_rsa), STS_JWT_BAD_SIGNATURE);
    /* Five could verify: refused before any signature check, even the right one. */
    load("{\"keys\":[" + four + "," + jwk(extra[3], "x3") + "," + jwk(rsa, "rsa") + "," + jwk(p256, "p256") + "]}");
    EXPECT_EQ(kidless("RS256", rsa), STS_JWT_KID_REQUIRED);
    EXPECT_STREQ(why, "the token has no kid and 5 keys could verify it; the issuer must send kid");
    /* Only keys of the token's algorithm count, and a kid picks its key among many. */
    EXPECT_EQ(kidless("ES256", p256), STS_JWT_OK) << why;
    EXPECT_EQ(verify(sign("RS256", rsa, header("RS256", "rsa"), claims())), STS_JWT_OK) << why;
    for (EVP_PKEY *key : extra)
        EVP_PKEY_free(key);
}

TEST_F(Jwt, NumericDatesAreRangeChecked)
{
    auto with = [&](const std::string &exp, const std::string &extra = "") {
        std::string payload = "{\"iss\":\"https://other\",\"aud\":\"sts\",\"sub\":\"s\",\"exp\":" + exp + extra + "}";
        return verify(sign("ES256", p256, header("ES256", "p256"), payload));
    };
    const std::string later = std::to_string(now + 300);
    const std::string range = "is out of range (seconds since 1970, up to year 9999)";
    /* Values that would overflow exp + leeway, or a double to integer conversion. */
    for (const char *exp : {"9223372036854775807", "9223372036854775808", "1e300", "1e400", "-1e300", "-5",
                            "253402300800", "-9223372036854775808"}) {
        EXPECT_EQ(with(exp), STS_JWT_MALFORMED) << exp;
        EXPECT_EQ(std::string(why), std::string("malformed: the exp claim ") + exp + " " + range);
    }
    EXPECT_EQ(with("\"" + later + "\""), STS_JWT_MALFORMED);
    EXPECT_STREQ(why, "malformed: the exp claim is not a number");
    EXPECT_EQ(with("253402300799"), STS_JWT_OK) << why;
    EXPECT_EQ(identity.expires_at, 253402300799LL);
    /* Fractional NumericDates (RFC 7519 allows them) round towards the stricter side. */
    EXPECT_EQ(with(later + ".75"), STS_JWT_OK) << why;
    EXPECT_EQ(identity.expires_at, now + 300);
    EXPECT_EQ(with(std::to_string(now - 60) + ".5"), STS_JWT_OK) << why;
    EXPECT_EQ(with(std::to_string(now - 61) + ".9"), STS_JWT_EXPIRED);
    EXPECT_EQ(with(later, ",\"nbf\":" + std::to_string(now + 60)), STS_JWT_OK) << why;
    EXPECT_EQ(with(later, ",\"nbf\":" + std::to_string(now + 60) + ".25"), STS_JWT_NOT_YET_VALID);
    EXPECT_EQ(with(later, ",\"iat\":" + std::to_string(now + 60) + ".25"), STS_JWT_NOT_YET_VALID);
    EXPECT_EQ(with(later, ",\"iat\":" + std::to_string(now) + ".5"), STS_JWT_OK) << why;
    for (const char *claim : {"nbf", "iat"}) {
        for (const char *value : {"9223372036854775807", "1e300", "-1", "-0.5", "1e400"}) {
            EXPECT_EQ(with(later, std::string(",\"") + claim + "\":" + value), STS_JWT_MALFORMED) << claim << value;
            EXPECT_EQ(std::string(why), std::string("malformed: the ") + claim + " claim " + value + " " + range);
        }
        EXPECT_EQ(with(later, std::string(",\"") + claim + "\":\"0\""), STS_JWT_MALFORMED) << claim;
        EXPECT_EQ(std::string(why), std::string("malformed: the ") + claim + " claim is not a number");
    }
    /* A huge leeway does not wrap around either. */
    rules.leeway_seconds = LONG_MAX;
    EXPECT_EQ(with("0", ",\"nbf\":253402300799"), STS_JWT_OK) << why;
}

TEST_F(Jwt, MalformedTokens)
{
    std::string good = sign("RS256", rsa, header("RS256", "rsa"), claims());
    for (const std::string &bad :
         {std::string("abc"), std::string("a.b"), good + ".x", std::string("!!!.") + good.substr(good.find('.') + 1),
          jwt_test::b64url("not json") + good.substr(good.find('.')),
          jwt_test::b64url("[1]") + good.substr(good.find('.')), good.substr(0, good.rfind('.')) + ".***"}) {
        EXPECT_EQ(verify(bad), STS_JWT_MALFORMED) << bad;
        EXPECT_EQ(std::string(why).rfind("malformed", 0), 0u) << why;
        EXPECT_EQ(std::string(why).find(bad), std::string::npos);
    }
    std::string huge =
        sign("RS256", rsa, header("RS256", "rsa"), claims(now + 300, ",\"pad\":\"" + std::string(9000, 'x') + "\""));
    EXPECT_EQ(verify(huge), STS_JWT_MALFORMED);
    EXPECT_STREQ(why, "malformed: the token is longer than 8192 characters");
}

TEST(Jwks, RefusesWeakOrMismatchedKeys)
{
    sts_jwk_set_t *set = nullptr;
    char error[256];
    EVP_PKEY *small = make_key("RSA", 1024);
    std::string weak = "{\"keys\":[" + jwk(small, "s") + "]}";
    EXPECT_EQ(sts_jwk_set_parse(weak.data(), weak.size(), &set, error, sizeof(error)), -1);
    EXPECT_STREQ(error, "JWKS key 0 (kid s): RSA keys shorter than 2048 bits are refused");
    EVP_PKEY *ec = make_key("P-256");
    std::string mismatch = "{\"keys\":[" + jwk(ec, "e", ",\"alg\":\"RS256\"") + "]}";
    EXPECT_EQ(sts_jwk_set_parse(mismatch.data(), mismatch.size(), &set, error, sizeof(error)), -1);
    std::string skipped = "{\"keys\":[{\"kty\":\"oct\",\"k\":\"c2VjcmV0\"}," + jwk(ec, "enc", ",\"use\":\"enc\"") +
                          "," + jwk(ec, "sig") + "]}";
    ASSERT_EQ(sts_jwk_set_parse(skipped.data(), skipped.size(), &set, error, sizeof(error)), 0) << error;
    EXPECT_EQ(set->count, 1u);
    EXPECT_STREQ(set->keys[0].kid, "sig");
    sts_jwk_set_free(set);
    for (const char *bad : {"", "[]", "{\"keys\":{}}", "{\"keys\":[{\"kid\":\"x\"}]}"})
        EXPECT_EQ(sts_jwk_set_parse(bad, strlen(bad), &set, error, sizeof(error)), -1) << bad;
    EVP_PKEY_free(small);
    EVP_PKEY_free(ec);
}

} // namespace
