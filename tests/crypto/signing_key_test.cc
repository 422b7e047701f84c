#include <gtest/gtest.h>
#include <openssl/core_names.h>
#include <openssl/decoder.h>
#include <openssl/encoder.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <yajl/yajl_tree.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <ctime>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "auth/jwt_signer.h"

extern "C" {
#include "auth/jwk.h"
#include "auth/jwt.h"
#include "crypto/aead.h"
#include "crypto/random.h"
#include "crypto/signing_key.h"
#include "util/base64.h"
#include "util/buf.h"
}

namespace
{

using jwt_test::b64url;

std::string b64url_decode(const std::string &text)
{
    std::string out(sts_base64_decoded_max(text.size()), '\0');
    long len = sts_base64_decode(text.data(), text.size(), reinterpret_cast<uint8_t *>(out.data()), out.size(),
                                 STS_BASE64_URL_RAW);
    EXPECT_GE(len, 0) << text;
    out.resize(len < 0 ? 0 : static_cast<size_t>(len));
    return out;
}

std::vector<std::string> split(const std::string &token)
{
    std::vector<std::string> parts;
    size_t start = 0, dot;
    while ((dot = token.find('.', start)) != std::string::npos) {
        parts.push_back(token.substr(start, dot - start));
        start = dot + 1;
    }
    parts.push_back(token.substr(start));
    return parts;
}

/* An owned buffer with a maximum, appended to by the code under test. */
struct Buf {
    sts_buf_t buf;
    explicit Buf(size_t max = 1 << 16)
    {
        sts_buf_init(&buf, max);
    }
    ~Buf()
    {
        sts_buf_dispose(&buf);
    }
    std::string str() const
    {
        return std::string(buf.data == nullptr ? "" : buf.data, buf.len);
    }
};

struct KeyDeleter {
    void operator()(sts_signing_key_t *key) const
    {
        sts_signing_key_free(key);
    }
};
using Key = std::unique_ptr<sts_signing_key_t, KeyDeleter>;

Key generate(sts_signing_alg_t alg)
{
    char error[256] = "";
    sts_signing_key_t *key = sts_signing_key_generate(alg, error, sizeof(error));
    EXPECT_NE(key, nullptr) << error;
    return Key(key);
}

std::string public_jwk(const sts_signing_key_t *key)
{
    Buf out;
    EXPECT_EQ(sts_signing_key_public_jwk(key, &out.buf), 0);
    return out.str();
}

std::string jwks(const std::vector<const sts_signing_key_t *> &keys)
{
    std::string doc = "{\"keys\":[";
    for (size_t i = 0; i < keys.size(); i++)
        doc += (i ? "," : "") + public_jwk(keys[i]);
    return doc + "]}";
}

std::string claims(long long now, const std::string &jti = "j1")
{
    return "{\"iss\":\"https://sts.test\",\"sub\":\"u1\",\"aud\":\"sts\",\"exp\":" + std::to_string(now + 60) +
           ",\"iat\":" + std::to_string(now) + ",\"jti\":\"" + jti + "\"}";
}

std::string sign(const sts_signing_key_t *key, const std::string &payload, const char *typ = "at+jwt")
{
    Buf out;
    EXPECT_EQ(sts_signing_key_sign(key, typ, payload.data(), payload.size(), &out.buf), 0);
    return out.str();
}

/* Verifies token with the project's own verifier against a key set parsed from the JWKS document. */
sts_jwt_result_t verify(const std::string &jwks_doc, const std::string &token, std::string *why_out = nullptr,
                        std::string *subject = nullptr)
{
    sts_jwk_set_t *set = nullptr;
    char error[256] = "";
    EXPECT_EQ(sts_jwk_set_parse(jwks_doc.data(), jwks_doc.size(), &set, error, sizeof(error)), 0) << error;
    if (set == nullptr)
        return STS_JWT_MALFORMED;
    EXPECT_GT(set->count, 0u) << "the JWKS parser skipped every key of " << jwks_doc;
    const char *issuers[] = {"https://sts.test"};
    const char *audiences[] = {"sts"};
    sts_jwt_rules_t rules{issuers, 1, audiences, 1, 60, "preferred_username", nullptr, 0, 0, 0};
    sts_jwt_identity_t identity{};
    char why[256] = "";
    sts_jwt_result_t result =
        sts_jwt_verify(set, &rules, token.data(), token.size(), time(nullptr), &identity, why, sizeof(why));
    if (why_out != nullptr)
        *why_out = why;
    if (subject != nullptr && result == STS_JWT_OK)
        *subject = identity.subject;
    sts_jwt_identity_dispose(&identity);
    sts_jwk_set_free(set);
    return result;
}

/* The members of a flat JSON object of strings, in document order; fails the test when it is anything else. */
std::vector<std::pair<std::string, std::string>> object_members(const std::string &json)
{
    char error[128] = "";
    yajl_val tree = yajl_tree_parse(json.c_str(), error, sizeof(error));
    std::vector<std::pair<std::string, std::string>> members;
    EXPECT_TRUE(tree != nullptr && YAJL_IS_OBJECT(tree)) << json << ": " << error;
    if (tree != nullptr && YAJL_IS_OBJECT(tree)) {
        for (size_t i = 0; i < tree->u.object.len; i++) {
            yajl_val value = tree->u.object.values[i];
            EXPECT_TRUE(YAJL_IS_STRING(value)) << tree->u.object.keys[i];
            members.emplace_back(tree->u.object.keys[i], YAJL_IS_STRING(value) ? YAJL_GET_STRING(value) : "");
        }
    }
    yajl_tree_free(tree);
    return members;
}

std::string member(const std::vector<std::pair<std::string, std::string>> &members, const std::string &name)
{
    for (const auto &m : members) {
        if (m.first == name)
            return m.second;
    }
    return "";
}

/* RFC 7638 computed here from the exported JWK, with OpenSSL's SHA-256: independent of the code under test. */
std::string thumbprint_of_jwk(const std::string &jwk)
{
    auto m = object_members(jwk);
    std::string canonical;
    if (member(m, "kty") == "RSA")
        canonical = "{\"e\":\"" + member(m, "e") + "\",\"kty\":\"RSA\",\"n\":\"" + member(m, "n") + "\"}";
    else if (member(m, "kty") == "EC")
        canonical = "{\"crv\":\"" + member(m, "crv") + "\",\"kty\":\"EC\",\"x\":\"" + member(m, "x") + "\",\"y\":\"" +
                    member(m, "y") + "\"}";
    else
        canonical = "{\"crv\":\"" + member(m, "crv") + "\",\"kty\":\"OKP\",\"x\":\"" + member(m, "x") + "\"}";
    unsigned char digest[32];
    unsigned int len = 0;
    EXPECT_EQ(EVP_Digest(canonical.data(), canonical.size(), digest, &len, EVP_sha256(), nullptr), 1);
    return b64url(digest, len);
}

class SigningKey : public ::testing::TestWithParam<sts_signing_alg_t>
{
  protected:
    long long now = time(nullptr);
    sts_signing_alg_t alg = GetParam();
    const char *name = sts_signing_alg_name(GetParam());
};

std::string alg_test_name(const ::testing::TestParamInfo<sts_signing_alg_t> &info)
{
    return sts_signing_alg_name(info.param);
}

INSTANTIATE_TEST_SUITE_P(signing_key, SigningKey,
                         ::testing::Values(STS_SIGNING_ES256, STS_SIGNING_EDDSA, STS_SIGNING_RS256), alg_test_name);

TEST_P(SigningKey, SignedTokenVerifiesWithTheProjectsVerifierAndExportedJwks)
{
    Key key = generate(alg);
    ASSERT_TRUE(key);
    EXPECT_EQ(sts_signing_key_alg(key.get()), alg);
    std::string token = sign(key.get(), claims(now));
    std::string why, subject;
    EXPECT_EQ(verify(jwks({key.get()}), token, &why, &subject), STS_JWT_OK) << why;
    EXPECT_EQ(subject, "u1");
}

TEST_P(SigningKey, HeaderHasExactlyAlgTypKid)
{
    Key key = generate(alg);
    ASSERT_TRUE(key);
    auto parts = split(sign(key.get(), claims(now)));
    ASSERT_EQ(parts.size(), 3u);
    EXPECT_EQ(b64url_decode(parts[0]), std::string("{\"alg\":\"") + name + "\",\"typ\":\"at+jwt\",\"kid\":\"" +
                                           sts_signing_key_kid(key.get()) + "\"}");
    EXPECT_EQ(b64url_decode(parts[1]), claims(now));
    /* JWS signature sizes: raw R||S for ES256 (not DER), 64 bytes for Ed25519, the modulus size for RSA 2048. */
    EXPECT_EQ(b64url_decode(parts[2]).size(), alg == STS_SIGNING_RS256 ? 256u : 64u);
    /* typ is taken from the argument. */
    parts = split(sign(key.get(), "{}", "JWT"));
    EXPECT_NE(b64url_decode(parts[0]).find("\"typ\":\"JWT\""), std::string::npos);
}

TEST_P(SigningKey, KidIsTheRfc7638ThumbprintOfThePublicJwk)
{
    Key key = generate(alg);
    ASSERT_TRUE(key);
    std::string kid = sts_signing_key_kid(key.get());
    ASSERT_EQ(kid.size(), static_cast<size_t>(STS_SIGNING_KID_CHARS));
    EXPECT_EQ(kid.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"),
              std::string::npos);
    std::string jwk = public_jwk(key.get());
    EXPECT_EQ(thumbprint_of_jwk(jwk), kid) << jwk;
    Key other = generate(alg);
    ASSERT_TRUE(other);
    EXPECT_NE(std::string(sts_signing_key_kid(other.get())), kid);
}

TEST_P(SigningKey, PublicJwkHasTheMembersInOrderAndNoPrivatePart)
{
    Key key = generate(alg);
    ASSERT_TRUE(key);
    auto m = object_members(public_jwk(key.get()));
    std::vector<std::string> names;
    for (const auto &pair : m)
        names.push_back(pair.first);
    std::vector<std::string> expected;
    if (alg == STS_SIGNING_ES256)
        expected = {"kty", "crv", "x", "y", "kid", "alg", "use"};
    else if (alg == STS_SIGNING_EDDSA)
        expected = {"kty", "crv", "x", "kid", "alg", "use"};
    else
        expected = {"kty", "n", "e", "kid", "alg", "use"};
    EXPECT_EQ(names, expected);
    EXPECT_EQ(member(m, "kty"), alg == STS_SIGNING_ES256 ? "EC" : alg == STS_SIGNING_EDDSA ? "OKP" : "RSA");
    EXPECT_EQ(member(m, "alg"), name);
    EXPECT_EQ(member(m, "use"), "sig");
    EXPECT_EQ(member(m, "kid"), sts_signing_key_kid(key.get()));
    if (alg == STS_SIGNING_ES256) {
        EXPECT_EQ(member(m, "crv"), "P-256");
        /* Fixed-length coordinates: 32 bytes each even when the leading byte is zero. */
        EXPECT_EQ(b64url_decode(member(m, "x")).size(), 32u);
        EXPECT_EQ(b64url_decode(member(m, "y")).size(), 32u);
    } else if (alg == STS_SIGNING_EDDSA) {
        EXPECT_EQ(member(m, "crv"), "Ed25519");
        EXPECT_EQ(b64url_decode(member(m, "x")).size(), 32u);
    } else {
        EXPECT_EQ(b64url_decode(member(m, "n")).size(), 256u);
        EXPECT_EQ(member(m, "e"), "AQAB");
    }
}

TEST(SigningKeyJwk, Es256CoordinatesKeepTheirLeadingZeroBytes)
{
    /* About one P-256 key in 128 has a coordinate below 2^248; JWA wants it written as 32 bytes all the same. */
    int seen = 0;
    for (int i = 0; i < 2000 && seen < 2; i++) {
        Key key = generate(STS_SIGNING_ES256);
        ASSERT_TRUE(key);
        auto m = object_members(public_jwk(key.get()));
        std::string x = b64url_decode(member(m, "x")), y = b64url_decode(member(m, "y"));
        ASSERT_EQ(x.size(), 32u);
        ASSERT_EQ(y.size(), 32u);
        if (x[0] != 0 && y[0] != 0)
            continue;
        seen++;
        std::string why;
        EXPECT_EQ(verify(jwks({key.get()}), sign(key.get(), claims(time(nullptr))), &why), STS_JWT_OK) << why;
        EXPECT_EQ(thumbprint_of_jwk(public_jwk(key.get())), sts_signing_key_kid(key.get()));
    }
    EXPECT_EQ(seen, 2) << "no key with a leading zero coordinate came up";
}

TEST_P(SigningKey, RotationOldTokensStillVerifyNewOnesCarryTheNewKid)
{
    Key old_key = generate(alg), new_key = generate(alg);
    ASSERT_TRUE(old_key && new_key);
    std::string old_token = sign(old_key.get(), claims(now));
    std::string new_token = sign(new_key.get(), claims(now));
    std::string both = jwks({new_key.get(), old_key.get()});
    std::string why;
    EXPECT_EQ(verify(both, old_token, &why), STS_JWT_OK) << why;
    EXPECT_EQ(verify(both, new_token, &why), STS_JWT_OK) << why;
    EXPECT_NE(b64url_decode(split(new_token)[0]).find(sts_signing_key_kid(new_key.get())), std::string::npos);
    EXPECT_EQ(b64url_decode(split(new_token)[0]).find(sts_signing_key_kid(old_key.get())), std::string::npos);
    /* Once the old key leaves the set, its tokens no longer verify. */
    EXPECT_EQ(verify(jwks({new_key.get()}), old_token, &why), STS_JWT_UNKNOWN_KID) << why;
    EXPECT_EQ(verify(jwks({new_key.get()}), new_token, &why), STS_JWT_OK) << why;
}

TEST_P(SigningKey, TamperedTokensFail)
{
    Key key = generate(alg), other = generate(alg);
    ASSERT_TRUE(key && other);
    std::string doc = jwks({key.get()});
    auto parts = split(sign(key.get(), claims(now)));
    ASSERT_EQ(parts.size(), 3u);
    std::string why;

    std::string altered_claims = claims(now);
    altered_claims.replace(altered_claims.find("\"u1\""), 4, "\"u2\"");
    EXPECT_EQ(verify(doc, parts[0] + "." + b64url(altered_claims) + "." + parts[2], &why), STS_JWT_BAD_SIGNATURE)
        << why;

    std::string signature = b64url_decode(parts[2]);
    signature[signature.size() / 2] ^= 0x01;
    EXPECT_EQ(verify(doc, parts[0] + "." + parts[1] + "." + b64url(signature), &why), STS_JWT_BAD_SIGNATURE) << why;

    /* Another key's signature under this key's header. */
    auto foreign = split(sign(other.get(), claims(now)));
    EXPECT_EQ(verify(doc, parts[0] + "." + parts[1] + "." + foreign[2], &why), STS_JWT_BAD_SIGNATURE) << why;
}

TEST_P(SigningKey, SignRefusesBadTypAndAFullBufferLeavingItUnchanged)
{
    Key key = generate(alg);
    ASSERT_TRUE(key);
    for (const char *typ : {"at\"+jwt", "a\\b", "", "line\nbreak", static_cast<const char *>(nullptr)}) {
        Buf out;
        sts_buf_append_str(&out.buf, "before");
        EXPECT_EQ(sts_signing_key_sign(key.get(), typ, "{}", 2, &out.buf), -1) << (typ ? typ : "NULL");
        EXPECT_EQ(out.str(), "before");
    }
    /* Room for the header and payload but not the signature. */
    Buf small(120);
    sts_buf_append_str(&small.buf, "before");
    EXPECT_EQ(sts_signing_key_sign(key.get(), "at+jwt", "{}", 2, &small.buf), -1);
    EXPECT_EQ(small.str(), "before");
    Buf tiny(20);
    EXPECT_EQ(sts_signing_key_public_jwk(key.get(), &tiny.buf), -1);
    EXPECT_EQ(tiny.buf.len, 0u);
}

TEST_P(SigningKey, SignsOnManyThreadsAtOnce)
{
    Key key = generate(alg);
    ASSERT_TRUE(key);
    const int threads = 4, per_thread = alg == STS_SIGNING_RS256 ? 5 : 25;
    std::vector<std::vector<std::string>> tokens(threads);
    std::vector<std::thread> workers;
    for (int t = 0; t < threads; t++) {
        workers.emplace_back([&, t] {
            for (int i = 0; i < per_thread; i++)
                tokens[t].push_back(sign(key.get(), claims(now, std::to_string(t) + "-" + std::to_string(i))));
        });
    }
    for (auto &worker : workers)
        worker.join();
    std::string doc = jwks({key.get()});
    for (const auto &list : tokens) {
        ASSERT_EQ(list.size(), static_cast<size_t>(per_thread));
        for (const auto &token : list) {
            std::string why;
            EXPECT_EQ(verify(doc, token, &why), STS_JWT_OK) << why;
        }
    }
}

/* Not an assertion: the cost of one signature, printed for the record (meaningful in a Release build). */
TEST_P(SigningKey, PrintsTheCostOfOneSignature)
{
    Key key = generate(alg);
    ASSERT_TRUE(key);
    std::string payload = claims(now);
    const int rounds = alg == STS_SIGNING_RS256 ? 50 : 500;
    Buf out;
    auto start = std::chrono::steady_clock::now();
    for (int i = 0; i < rounds; i++) {
        sts_buf_reset(&out.buf);
        ASSERT_EQ(sts_signing_key_sign(key.get(), "at+jwt", payload.data(), payload.size(), &out.buf), 0);
    }
    double us = std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - start).count() / rounds;
    printf("[ cost     ] %s: %.1f us per signature (%d rounds)\n", name, us, rounds);
}

/* Sealing. */

class SealedKey : public SigningKey
{
  protected:
    sts_aead_t *kek = nullptr, *other_kek = nullptr;
    Key key;
    std::vector<uint8_t> sealed;
    char error[256] = "";

    void SetUp() override
    {
        uint8_t bytes[STS_AEAD_KEY_BYTES];
        sts_random_bytes(bytes, sizeof(bytes));
        kek = sts_aead_create(bytes);
        sts_random_bytes(bytes, sizeof(bytes));
        other_kek = sts_aead_create(bytes);
        ASSERT_TRUE(kek && other_kek);
        key = generate(alg);
        ASSERT_TRUE(key);
        sealed = seal(key.get());
    }
    void TearDown() override
    {
        sts_aead_destroy(kek);
        sts_aead_destroy(other_kek);
    }
    std::vector<uint8_t> seal(const sts_signing_key_t *which)
    {
        Buf out;
        EXPECT_EQ(sts_signing_key_seal(which, kek, &out.buf), 0);
        return std::vector<uint8_t>(out.buf.data, out.buf.data + out.buf.len);
    }
    Key unseal(const std::vector<uint8_t> &blob, sts_signing_alg_t as_alg, const char *kid,
               const sts_aead_t *with = nullptr)
    {
        error[0] = '\0';
        return Key(
            sts_signing_key_unseal(as_alg, kid, blob.data(), blob.size(), with ? with : kek, error, sizeof(error)));
    }
    /* Fails the test unless unsealing is refused with a message containing expected. */
    void expect_refused(const std::vector<uint8_t> &blob, sts_signing_alg_t as_alg, const char *kid,
                        const std::string &expected, const sts_aead_t *with = nullptr)
    {
        Key opened = unseal(blob, as_alg, kid, with);
        EXPECT_FALSE(opened);
        EXPECT_NE(std::string(error).find(expected), std::string::npos) << "message: " << error;
    }
    static std::string aad(const char *kid)
    {
        return std::string("sts-signing-key-v1:") + kid;
    }
    /* What a holder of the KEK could write: der sealed under the additional data of kid. */
    std::vector<uint8_t> craft(const std::string &der, const char *kid)
    {
        std::vector<uint8_t> blob(STS_AEAD_NONCE_BYTES + der.size() + STS_AEAD_TAG_BYTES);
        sts_random_bytes(blob.data(), STS_AEAD_NONCE_BYTES);
        std::string data = aad(kid);
        EXPECT_EQ(sts_aead_seal(kek, blob.data(), reinterpret_cast<const uint8_t *>(data.data()), data.size(),
                                reinterpret_cast<const uint8_t *>(der.data()), der.size(),
                                blob.data() + STS_AEAD_NONCE_BYTES),
                  0);
        return blob;
    }
    /* Opens a sealed key by hand, following the documented layout: nonce || ciphertext || tag, aad prefix + kid. */
    std::string open_by_hand(const std::vector<uint8_t> &blob, const char *kid)
    {
        if (blob.size() < STS_AEAD_NONCE_BYTES + STS_AEAD_TAG_BYTES)
            return "";
        std::string der(blob.size() - STS_AEAD_NONCE_BYTES - STS_AEAD_TAG_BYTES, '\0');
        std::string data = aad(kid);
        if (sts_aead_open(kek, blob.data(), reinterpret_cast<const uint8_t *>(data.data()), data.size(),
                          blob.data() + STS_AEAD_NONCE_BYTES, blob.size() - STS_AEAD_NONCE_BYTES,
                          reinterpret_cast<uint8_t *>(der.data())) != 0)
            return "";
        return der;
    }
};

INSTANTIATE_TEST_SUITE_P(signing_key, SealedKey,
                         ::testing::Values(STS_SIGNING_ES256, STS_SIGNING_EDDSA, STS_SIGNING_RS256), alg_test_name);

TEST_P(SealedKey, RoundTripGivesTheSameKeyThatStillSigns)
{
    const char *kid = sts_signing_key_kid(key.get());
    Key opened = unseal(sealed, alg, kid);
    ASSERT_TRUE(opened) << error;
    EXPECT_STREQ(sts_signing_key_kid(opened.get()), kid);
    EXPECT_EQ(sts_signing_key_alg(opened.get()), alg);
    EXPECT_EQ(public_jwk(opened.get()), public_jwk(key.get()));
    std::string why;
    /* Tokens of the unsealed key verify against the JWKS published for the original. */
    EXPECT_EQ(verify(jwks({key.get()}), sign(opened.get(), claims(now)), &why), STS_JWT_OK) << why;
    /* The sealed blob is usable again (unsealing does not consume it), and a new seal uses a new nonce. */
    Key again = unseal(sealed, alg, kid);
    EXPECT_TRUE(again) << error;
    std::vector<uint8_t> resealed = seal(key.get());
    EXPECT_NE(std::vector<uint8_t>(resealed.begin(), resealed.begin() + STS_AEAD_NONCE_BYTES),
              std::vector<uint8_t>(sealed.begin(), sealed.begin() + STS_AEAD_NONCE_BYTES));
}

TEST_P(SealedKey, LayoutIsNonceCiphertextTagOverPkcs8Der)
{
    const char *kid = sts_signing_key_kid(key.get());
    std::string der = open_by_hand(sealed, kid);
    ASSERT_FALSE(der.empty()) << "the blob does not open as nonce || ciphertext || tag under aad " << aad(kid);
    /* The plaintext is a PKCS#8 PrivateKeyInfo that OpenSSL reads back as the same key. */
    EVP_PKEY *pkey = nullptr;
    OSSL_DECODER_CTX *decoder =
        OSSL_DECODER_CTX_new_for_pkey(&pkey, "DER", "PrivateKeyInfo", nullptr, EVP_PKEY_KEYPAIR, nullptr, nullptr);
    const unsigned char *p = reinterpret_cast<const unsigned char *>(der.data());
    size_t left = der.size();
    EXPECT_EQ(OSSL_DECODER_from_data(decoder, &p, &left), 1);
    OSSL_DECODER_CTX_free(decoder);
    ASSERT_NE(pkey, nullptr);
    char thumbprint[STS_SIGNING_KID_CHARS + 1];
    EXPECT_EQ(sts_signing_thumbprint(pkey, thumbprint), 0);
    EXPECT_STREQ(thumbprint, kid);
    EVP_PKEY_free(pkey);
    /* Without the kid as additional data it does not open. */
    EXPECT_TRUE(open_by_hand(sealed, "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA").empty());
}

TEST_P(SealedKey, WrongKekIsRefused)
{
    expect_refused(sealed, alg, sts_signing_key_kid(key.get()), "does not open", other_kek);
}

TEST_P(SealedKey, AnyFlippedByteIsRefused)
{
    /* First nonce byte, first ciphertext byte, a middle byte, last tag byte. */
    for (size_t at : {size_t{0}, size_t{STS_AEAD_NONCE_BYTES}, sealed.size() / 2, sealed.size() - 1}) {
        std::vector<uint8_t> altered = sealed;
        altered[at] ^= 0x01;
        expect_refused(altered, alg, sts_signing_key_kid(key.get()), "does not open");
    }
}

TEST_P(SealedKey, AnotherKidIsRefused)
{
    Key other = generate(alg);
    ASSERT_TRUE(other);
    expect_refused(sealed, alg, sts_signing_key_kid(other.get()), "does not open");
    expect_refused(sealed, alg, "short", "kid must be 43 base64url characters");
    std::string bad_char = sts_signing_key_kid(key.get());
    bad_char[5] = '.';
    expect_refused(sealed, alg, bad_char.c_str(), "kid must be 43 base64url characters");
    expect_refused(sealed, alg, nullptr, "kid must be 43 base64url characters");
}

TEST_P(SealedKey, AnotherAlgIsRefused)
{
    for (sts_signing_alg_t as : {STS_SIGNING_ES256, STS_SIGNING_EDDSA, STS_SIGNING_RS256}) {
        if (as == alg)
            continue;
        expect_refused(sealed, as, sts_signing_key_kid(key.get()),
                       std::string("is an ") + name + " key, expected an " + sts_signing_alg_name(as) + " key");
    }
    expect_refused(sealed, static_cast<sts_signing_alg_t>(7), sts_signing_key_kid(key.get()),
                   "unknown signing algorithm 7");
}

TEST_P(SealedKey, TruncatedAndOversizedBlobsAreRefused)
{
    const char *kid = sts_signing_key_kid(key.get());
    expect_refused(std::vector<uint8_t>(sealed.begin(), sealed.end() - 1), alg, kid, "does not open");
    expect_refused(std::vector<uint8_t>(sealed.begin(), sealed.begin() + STS_AEAD_NONCE_BYTES + STS_AEAD_TAG_BYTES),
                   alg, kid, "is truncated (28 bytes)");
    expect_refused(std::vector<uint8_t>(), alg, kid, "is truncated (0 bytes)");
    std::vector<uint8_t> oversized = sealed;
    oversized.resize(STS_SIGNING_SEALED_MAX_BYTES + 1);
    expect_refused(oversized, alg, kid, "is 16385 bytes, more than the 16384 allowed");
}

TEST_P(SealedKey, ARecordOpeningUnderTheKekMustStillMatchItsKid)
{
    /* Only a holder of the KEK can write these; unseal still checks what they contain. */
    Key other = generate(alg);
    ASSERT_TRUE(other);
    std::string other_der = open_by_hand(seal(other.get()), sts_signing_key_kid(other.get()));
    ASSERT_FALSE(other_der.empty());
    expect_refused(craft(other_der, sts_signing_key_kid(key.get())), alg, sts_signing_key_kid(key.get()),
                   "has another thumbprint than its kid");
    expect_refused(craft("not a private key", sts_signing_key_kid(key.get())), alg, sts_signing_key_kid(key.get()),
                   "does not hold a PKCS#8 private key");
    /* A PKCS#8 key of a type we do not sign with. */
    EVP_PKEY *p384 = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-384");
    ASSERT_NE(p384, nullptr);
    OSSL_ENCODER_CTX *encoder = OSSL_ENCODER_CTX_new_for_pkey(p384, EVP_PKEY_KEYPAIR, "DER", "PrivateKeyInfo", nullptr);
    unsigned char *der = nullptr;
    size_t der_len = 0;
    EXPECT_EQ(OSSL_ENCODER_to_data(encoder, &der, &der_len), 1);
    OSSL_ENCODER_CTX_free(encoder);
    EVP_PKEY_free(p384);
    expect_refused(craft(std::string(reinterpret_cast<char *>(der), der_len), sts_signing_key_kid(key.get())), alg,
                   sts_signing_key_kid(key.get()), "is of an unsupported type");
    OPENSSL_free(der);
}

TEST_P(SealedKey, SealRefusesAFullBufferLeavingItUnchanged)
{
    Buf small(40);
    sts_buf_append_str(&small.buf, "before");
    EXPECT_EQ(sts_signing_key_seal(key.get(), kek, &small.buf), -1);
    EXPECT_EQ(small.str(), "before");
}

/* Without parameters. */

TEST(SigningKeyThumbprint, Rfc7638Section3_1Example)
{
    const std::string n = "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_"
                          "BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-"
                          "65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-"
                          "bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw";
    std::string n_bytes = b64url_decode(n), e_bytes = b64url_decode("AQAB");
    BIGNUM *bn_n = BN_bin2bn(reinterpret_cast<const unsigned char *>(n_bytes.data()), (int)n_bytes.size(), nullptr);
    BIGNUM *bn_e = BN_bin2bn(reinterpret_cast<const unsigned char *>(e_bytes.data()), (int)e_bytes.size(), nullptr);
    OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
    OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, bn_n);
    OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, bn_e);
    OSSL_PARAM *params = OSSL_PARAM_BLD_to_param(bld);
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(nullptr, "RSA", nullptr);
    EVP_PKEY *pkey = nullptr;
    ASSERT_EQ(EVP_PKEY_fromdata_init(ctx), 1);
    ASSERT_EQ(EVP_PKEY_fromdata(ctx, &pkey, EVP_PKEY_PUBLIC_KEY, params), 1);
    char kid[STS_SIGNING_KID_CHARS + 1];
    EXPECT_EQ(sts_signing_thumbprint(pkey, kid), 0);
    EXPECT_STREQ(kid, "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs");
    EVP_PKEY_free(pkey);
    EVP_PKEY_CTX_free(ctx);
    OSSL_PARAM_free(params);
    OSSL_PARAM_BLD_free(bld);
    BN_free(bn_n);
    BN_free(bn_e);
}

TEST(SigningKeyThumbprint, OtherKeyTypesAreRefused)
{
    char kid[STS_SIGNING_KID_CHARS + 1];
    for (EVP_PKEY *pkey : {EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-384"),
                           EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<size_t>(1024)),
                           EVP_PKEY_Q_keygen(nullptr, nullptr, "X25519")}) {
        ASSERT_NE(pkey, nullptr);
        EXPECT_EQ(sts_signing_thumbprint(pkey, kid), -1);
        EVP_PKEY_free(pkey);
    }
    EXPECT_EQ(sts_signing_thumbprint(nullptr, kid), -1);
}

TEST(SigningKeyAlg, NamesRoundTripExactly)
{
    for (sts_signing_alg_t alg : {STS_SIGNING_ES256, STS_SIGNING_EDDSA, STS_SIGNING_RS256})
        EXPECT_EQ(sts_signing_alg_from_name(sts_signing_alg_name(alg)), static_cast<int>(alg));
    EXPECT_STREQ(sts_signing_alg_name(STS_SIGNING_ES256), "ES256");
    EXPECT_STREQ(sts_signing_alg_name(STS_SIGNING_EDDSA), "EdDSA");
    EXPECT_STREQ(sts_signing_alg_name(STS_SIGNING_RS256), "RS256");
    for (const char *name : {"es256", "EDDSA", "HS256", "none", "", "ES256 ", "PS256"})
        EXPECT_EQ(sts_signing_alg_from_name(name), -1) << name;
    EXPECT_EQ(sts_signing_alg_from_name(nullptr), -1);
}

TEST(SigningKeyGenerate, UnknownAlgorithmIsRefusedWithAMessage)
{
    char error[128] = "";
    EXPECT_EQ(sts_signing_key_generate(static_cast<sts_signing_alg_t>(9), error, sizeof(error)), nullptr);
    EXPECT_STREQ(error, "unknown signing algorithm 9");
}

} // namespace
