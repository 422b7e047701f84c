/* Test-side JWT minting with OpenSSL's signing API (independent of the verifier under test) and JWKS export. */
#ifndef STS_TESTS_AUTH_JWT_SIGNER_H
#define STS_TESTS_AUTH_JWT_SIGNER_H
#include <openssl/core_names.h>
#include <openssl/ecdsa.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <string>
#include <vector>

namespace jwt_test
{

inline std::string b64url(const unsigned char *data, size_t len)
{
    static const char table[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    std::string out;
    size_t i = 0;
    for (; i + 2 < len; i += 3) {
        unsigned v = data[i] << 16 | data[i + 1] << 8 | data[i + 2];
        out += {table[v >> 18], table[(v >> 12) & 63], table[(v >> 6) & 63], table[v & 63]};
    }
    if (len - i == 1) {
        unsigned v = data[i] << 16;
        out += {table[v >> 18], table[(v >> 12) & 63]};
    } else if (len - i == 2) {
        unsigned v = data[i] << 16 | data[i + 1] << 8;
        out += {table[v >> 18], table[(v >> 12) & 63], table[(v >> 6) & 63]};
    }
    return out;
}

inline std::string b64url(const std::string &s)
{
    return b64url(reinterpret_cast<const unsigned char *>(s.data()), s.size());
}

/** A generated key pair: "RSA" (2048 bits unless given), "P-256", "P-384" or "Ed25519". */
inline EVP_PKEY *make_key(const std::string &type, int rsa_bits = 2048)
{
    if (type == "RSA")
        return EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<size_t>(rsa_bits));
    if (type == "Ed25519")
        return EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519");
    return EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", type == "P-256" ? "P-256" : "P-384");
}

inline std::string bn_b64(EVP_PKEY *key, const char *param)
{
    BIGNUM *bn = nullptr;
    EVP_PKEY_get_bn_param(key, param, &bn);
    std::vector<unsigned char> bytes(BN_num_bytes(bn));
    BN_bn2bin(bn, bytes.data());
    BN_free(bn);
    return b64url(bytes.data(), bytes.size());
}

/** The public JWK of key as JSON; extra is spliced in (e.g. ",\"alg\":\"RS256\""). */
inline std::string jwk(EVP_PKEY *key, const std::string &kid, const std::string &extra = "")
{
    std::string json = "{\"kid\":\"" + kid + "\"" + extra;
    if (EVP_PKEY_is_a(key, "RSA")) {
        json += ",\"kty\":\"RSA\",\"n\":\"" + bn_b64(key, OSSL_PKEY_PARAM_RSA_N) + "\",\"e\":\"" +
                bn_b64(key, OSSL_PKEY_PARAM_RSA_E) + "\"}";
    } else if (EVP_PKEY_is_a(key, "ED25519")) {
        unsigned char raw[32];
        size_t len = sizeof(raw);
        EVP_PKEY_get_raw_public_key(key, raw, &len);
        json += ",\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"x\":\"" + b64url(raw, len) + "\"}";
    } else {
        unsigned char point[1 + 2 * 48];
        size_t len = 0;
        EVP_PKEY_get_octet_string_param(key, OSSL_PKEY_PARAM_PUB_KEY, point, sizeof(point), &len);
        size_t c = (len - 1) / 2;
        json += std::string(",\"kty\":\"EC\",\"crv\":\"") + (c == 32 ? "P-256" : "P-384") + "\",\"x\":\"" +
                b64url(point + 1, c) + "\",\"y\":\"" + b64url(point + 1 + c, c) + "\"}";
    }
    return json;
}

/** header.payload.signature, signed with key under the JWS algorithm alg. */
inline std::string sign(const std::string &alg, EVP_PKEY *key, const std::string &header, const std::string &payload)
{
    std::string input = b64url(header) + "." + b64url(payload);
    const EVP_MD *md = alg == "EdDSA"                       ? nullptr
                       : (alg == "RS384" || alg == "ES384") ? EVP_sha384()
                       : alg == "RS512"                     ? EVP_sha512()
                                                            : EVP_sha256();
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    EVP_PKEY_CTX *pctx = nullptr;
    EVP_DigestSignInit(ctx, &pctx, md, nullptr, key);
    if (alg == "PS256") {
        EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING);
        EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST);
    }
    size_t len = 0;
    EVP_DigestSign(ctx, nullptr, &len, reinterpret_cast<const unsigned char *>(input.data()), input.size());
    std::vector<unsigned char> sig(len);
    EVP_DigestSign(ctx, sig.data(), &len, reinterpret_cast<const unsigned char *>(input.data()), input.size());
    EVP_MD_CTX_free(ctx);
    sig.resize(len);
    if (alg == "ES256" || alg == "ES384") {
        size_t c = alg == "ES256" ? 32 : 48;
        const unsigned char *p = sig.data();
        ECDSA_SIG *ecdsa = d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(sig.size()));
        std::vector<unsigned char> raw(2 * c);
        BN_bn2binpad(ECDSA_SIG_get0_r(ecdsa), raw.data(), static_cast<int>(c));
        BN_bn2binpad(ECDSA_SIG_get0_s(ecdsa), raw.data() + c, static_cast<int>(c));
        ECDSA_SIG_free(ecdsa);
        sig = raw;
    }
    return input + "." + b64url(sig.data(), sig.size());
}

} // namespace jwt_test
#endif
