#include <gtest/gtest.h>

#include <cstdio>
#include <mutex>
#include <ctime>
#include <fstream>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <string>
#include <sys/stat.h>
#include <unistd.h>
#include <vector>

extern "C" {
#include "crypto/secret_file.h"
#include "crypto/tls_credentials.h"
#include "crypto/tls_watcher.h"
}

namespace
{

struct Issued {
    X509 *certificate;
    EVP_PKEY *key;
};

EVP_PKEY *new_key()
{
    return EVP_EC_gen("P-256");
}

/* A certificate for cn, valid from now for days, signed by issuer (self-signed when issuer is null). */
Issued issue(const char *cn, long serial, int days, const Issued *issuer, bool ca = false)
{
    Issued out{X509_new(), new_key()};
    X509_set_version(out.certificate, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(out.certificate), serial);
    X509_gmtime_adj(X509_getm_notBefore(out.certificate), -3600);
    X509_gmtime_adj(X509_getm_notAfter(out.certificate), static_cast<long>(days) * 86400);
    X509_NAME *name = X509_get_subject_name(out.certificate);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8, reinterpret_cast<const unsigned char *>(cn), -1, -1, 0);
    X509_set_issuer_name(out.certificate, issuer != nullptr ? X509_get_subject_name(issuer->certificate) : name);
    X509_set_pubkey(out.certificate, out.key);
    if (ca) {
        X509_EXTENSION *extension = X509V3_EXT_conf_nid(nullptr, nullptr, NID_basic_constraints, "critical,CA:TRUE");
        X509_add_ext(out.certificate, extension, -1);
        X509_EXTENSION_free(extension);
    }
    X509_sign(out.certificate, issuer != nullptr ? issuer->key : out.key, EVP_sha256());
    return out;
}

void release(Issued &issued)
{
    X509_free(issued.certificate);
    EVP_PKEY_free(issued.key);
}

std::string pem(X509 *certificate)
{
    BIO *bio = BIO_new(BIO_s_mem());
    PEM_write_bio_X509(bio, certificate);
    char *data = nullptr;
    long len = BIO_get_mem_data(bio, &data);
    std::string text(data, static_cast<size_t>(len));
    BIO_free(bio);
    return text;
}

std::string pem(EVP_PKEY *key, const char *pass_phrase = nullptr)
{
    BIO *bio = BIO_new(BIO_s_mem());
    PEM_write_bio_PrivateKey(bio, key, pass_phrase != nullptr ? EVP_aes_256_cbc() : nullptr, nullptr, 0, nullptr,
                             const_cast<char *>(pass_phrase));
    char *data = nullptr;
    long len = BIO_get_mem_data(bio, &data);
    std::string text(data, static_cast<size_t>(len));
    BIO_free(bio);
    return text;
}

class TlsCredentials : public ::testing::Test
{
  protected:
    std::string dir;
    Issued ca{}, server{}, intermediate{};
    char error[512] = "";

    void SetUp() override
    {
        char tmpl[] = "/tmp/sts-tls-test-XXXXXX";
        ASSERT_NE(mkdtemp(tmpl), nullptr);
        dir = tmpl;
        ca = issue("test CA", 1, 3650, nullptr, true);
        intermediate = issue("test intermediate", 2, 3650, &ca, true);
        server = issue("localhost", 0x0abc, 365, &intermediate);
        write("server.pem", pem(server.certificate) + pem(intermediate.certificate));
        write("server.key", pem(server.key));
        write("ca.pem", pem(ca.certificate));
    }
    void TearDown() override
    {
        release(ca);
        release(intermediate);
        release(server);
        std::string command = "rm -rf '" + dir + "'";
        ASSERT_EQ(system(command.c_str()), 0);
    }
    std::string path(const char *name) const
    {
        return dir + "/" + name;
    }
    /* Written beside and renamed over, as an operator (or Kubernetes) replaces files; keys mode 0600. */
    void write(const char *name, const std::string &text, mode_t mode = 0600)
    {
        std::string tmp = path(name) + ".tmp";
        std::ofstream(tmp, std::ios::binary | std::ios::trunc) << text;
        chmod(tmp.c_str(), mode);
        ASSERT_EQ(rename(tmp.c_str(), path(name).c_str()), 0);
    }
    sts_tls_credentials_t *load(const char *key_file = "server.key", const char *ca_file = nullptr)
    {
        std::string certificate = path("server.pem"), key = path(key_file), client_ca = ca_file ? path(ca_file) : "";
        sts_tls_files_t files = {certificate.c_str(), key.c_str(), ca_file ? client_ca.c_str() : nullptr};
        return sts_tls_credentials_load(&files, error, sizeof(error));
    }
};

TEST_F(TlsCredentials, LoadsAChainAndItsKey)
{
    sts_tls_credentials_t *credentials = load("server.key", "ca.pem");
    ASSERT_NE(credentials, nullptr) << error;
    EXPECT_EQ(X509_cmp(sts_tls_credentials_certificate(credentials), server.certificate), 0);
    ASSERT_EQ(sk_X509_num(sts_tls_credentials_chain(credentials)), 1);
    EXPECT_EQ(X509_cmp(sk_X509_value(sts_tls_credentials_chain(credentials), 0), intermediate.certificate), 0);
    EXPECT_EQ(EVP_PKEY_eq(sts_tls_credentials_key(credentials), server.key), 1);
    EXPECT_EQ(std::string(sts_tls_credentials_certificate_pem(credentials)),
              pem(server.certificate) + pem(intermediate.certificate));
    EXPECT_EQ(std::string(sts_tls_credentials_key_pem(credentials)).rfind("-----BEGIN PRIVATE KEY-----\n", 0), 0u);
    EXPECT_EQ(std::string(sts_tls_credentials_client_ca_pem(credentials)), pem(ca.certificate));
    EXPECT_STREQ(sts_tls_credentials_describe(credentials), "subject CN=localhost, serial 0ABC");
    EXPECT_NEAR(static_cast<double>(sts_tls_credentials_not_after(credentials)),
                static_cast<double>(time(nullptr) + 365L * 86400), 5);
    sts_tls_credentials_t *second = sts_tls_credentials_ref(credentials);
    sts_tls_credentials_unref(credentials);
    EXPECT_STREQ(sts_tls_credentials_describe(second), "subject CN=localhost, serial 0ABC"); /* still held */
    sts_tls_credentials_unref(second);
    sts_tls_credentials_unref(nullptr);
}

TEST_F(TlsCredentials, RefusesWhatCannotServe)
{
    Issued stray = issue("localhost", 9, 30, &ca);
    write("stray.key", pem(stray.key));
    write("encrypted.key", pem(server.key, "secret pass phrase"));
    write("shared.key", pem(server.key), 0640);
    write("empty.key", "");
    write("garbage.pem", "hello\n");
    std::string key_file = path("server.key");
    struct Case {
        const char *certificate, *key, *ca;
        std::string message;
    } cases[] = {
        {"server.pem", "stray.key", nullptr,
         "the private key in " + path("stray.key") + " does not match the certificate in " + path("server.pem")},
        {"server.pem", "encrypted.key", nullptr,
         "the TLS key file " + path("encrypted.key") + " must hold an unencrypted PEM private key"},
        {"server.pem", "empty.key", nullptr,
         "the TLS key file " + path("empty.key") + " must hold an unencrypted PEM private key"},
        {"server.pem", "shared.key", nullptr,
         "the TLS key file " + path("shared.key") + " must be private to the service user (owned by uid " +
             std::to_string(geteuid()) + " or root, mode 0600 or 0400; it is uid " + std::to_string(geteuid()) +
             ", mode 0640); chmod 600 it, or set secret_files_allow_shared=true"},
        {"garbage.pem", "server.key", nullptr,
         "the TLS certificate file " + path("garbage.pem") +
             " must hold PEM certificates: the server's first, then any intermediates"},
        {"server.key", "server.key", nullptr,
         "the TLS certificate file " + path("server.key") +
             " must hold PEM certificates: the server's first, then any intermediates"},
        {"missing.pem", "server.key", nullptr,
         "cannot read the TLS certificate file " + path("missing.pem") + ": No such file or directory"},
        {"server.pem", ".", nullptr, "the TLS key file " + path(".") + " is not a regular file"},
        {"server.pem", "server.key", "garbage.pem",
         "the TLS client CA file " + path("garbage.pem") + " must hold PEM certificates"},
    };
    for (const auto &c : cases) {
        std::string certificate = path(c.certificate), key = path(c.key), client_ca = c.ca ? path(c.ca) : "";
        sts_tls_files_t files = {certificate.c_str(), key.c_str(), c.ca ? client_ca.c_str() : nullptr};
        error[0] = '\0';
        EXPECT_EQ(sts_tls_credentials_load(&files, error, sizeof(error)), nullptr) << c.message;
        EXPECT_EQ(std::string(error), c.message);
        EXPECT_EQ(std::string(error).find("PRIVATE KEY"), std::string::npos);
    }
    /* The same shared key is accepted when the override for every secret file says so. */
    sts_secret_files_allow_shared(1);
    sts_tls_credentials_t *allowed = load("shared.key");
    sts_secret_files_allow_shared(0);
    EXPECT_NE(allowed, nullptr) << error;
    sts_tls_credentials_unref(allowed);
    release(stray);
}

TEST_F(TlsCredentials, KeyFileIsASecretFile)
{
    /* An RSA-4096 key is about 3.3 KB of PEM, far beyond one secret value: it is still read whole. */
    Issued big = issue("localhost", 0x4096, 365, &intermediate);
    EVP_PKEY_free(big.key);
    big.key = EVP_RSA_gen(4096);
    ASSERT_NE(big.key, nullptr);
    X509_set_pubkey(big.certificate, big.key);
    X509_sign(big.certificate, intermediate.key, EVP_sha256());
    std::string key_pem = pem(big.key);
    ASSERT_GT(key_pem.size(), 3000u);
    write("server.pem", pem(big.certificate));
    write("server.key", key_pem);
    sts_tls_credentials_t *credentials = load();
    ASSERT_NE(credentials, nullptr) << error;
    EXPECT_EQ(EVP_PKEY_eq(sts_tls_credentials_key(credentials), big.key), 1);
    sts_tls_credentials_unref(credentials);

    write("huge.key", key_pem + std::string(STS_TLS_MAX_FILE_BYTES, '\n'));
    EXPECT_EQ(load("huge.key"), nullptr);
    EXPECT_EQ(std::string(error), "the TLS key file " + path("huge.key") + " is larger than 1048576 bytes");

    /* Private to the service user means its owner too, as for every other secret file. */
    if (geteuid() == 0) {
        ASSERT_EQ(chown(path("server.key").c_str(), 65534, 65534), 0);
        EXPECT_EQ(load(), nullptr);
        EXPECT_NE(std::string(error).find("the TLS key file " + path("server.key") + " must be private"),
                  std::string::npos)
            << error;
        EXPECT_NE(std::string(error).find("it is uid 65534, mode 0600"), std::string::npos) << error;
        sts_secret_files_allow_shared(1);
        credentials = load();
        sts_secret_files_allow_shared(0);
        EXPECT_NE(credentials, nullptr) << error;
        sts_tls_credentials_unref(credentials);
    }
    release(big);
}

TEST_F(TlsCredentials, ExpiryNotice)
{
    sts_tls_credentials_t *credentials = load();
    ASSERT_NE(credentials, nullptr) << error;
    int64_t not_after = sts_tls_credentials_not_after(credentials);
    char notice[512];
    EXPECT_EQ(sts_tls_credentials_expiry_notice(credentials, not_after - 31L * 86400, 30, notice, sizeof(notice)), 0);
    EXPECT_STREQ(notice, "");
    EXPECT_EQ(sts_tls_credentials_expiry_notice(credentials, not_after - 30L * 86400, 30, notice, sizeof(notice)), 1);
    std::string text = notice;
    EXPECT_EQ(text.rfind("the TLS certificate (subject CN=localhost, serial 0ABC) expires at ", 0), 0u) << text;
    EXPECT_EQ(text.substr(text.size() - 15), "Z, please renew");
    EXPECT_EQ(sts_tls_credentials_expiry_notice(credentials, not_after - 1, 0, notice, sizeof(notice)), 0);
    EXPECT_EQ(sts_tls_credentials_expiry_notice(credentials, not_after, 0, notice, sizeof(notice)), 1);
    EXPECT_NE(std::string(notice).find(") expired at "), std::string::npos) << notice;
    sts_tls_credentials_unref(credentials);
}

TEST_F(TlsCredentials, SourceReloadsChangedFilesAndKeepsTheOldSetOnErrors)
{
    std::string certificate = path("server.pem"), key = path("server.key");
    sts_tls_files_t files = {certificate.c_str(), key.c_str(), nullptr};
    sts_tls_source_t *source = sts_tls_source_create(&files, error, sizeof(error));
    ASSERT_NE(source, nullptr) << error;
    EXPECT_EQ(sts_tls_source_has_client_ca(source), 0);
    EXPECT_EQ(sts_tls_source_generation(source), 0u);
    EXPECT_EQ(sts_tls_source_refresh(source), 0); /* nothing changed */

    sts_tls_credentials_t *held = sts_tls_source_current(source, nullptr);
    Issued renewed = issue("localhost", 0x77, 365, &ca);
    write("server.key", pem(renewed.key));
    write("server.pem", pem(renewed.certificate));
    EXPECT_EQ(sts_tls_source_refresh(source), 1);
    uint64_t generation = 0;
    sts_tls_credentials_t *current = sts_tls_source_current(source, &generation);
    EXPECT_EQ(generation, 1u);
    EXPECT_STREQ(sts_tls_credentials_describe(current), "subject CN=localhost, serial 77");
    EXPECT_STREQ(sts_tls_credentials_describe(held), "subject CN=localhost, serial 0ABC"); /* a handshake's ref */
    sts_tls_credentials_unref(held);
    sts_tls_credentials_unref(current);

    write("server.key", pem(server.key)); /* the old key under the new certificate */
    EXPECT_EQ(sts_tls_source_refresh(source), -1);
    EXPECT_EQ(sts_tls_source_refresh(source), 0); /* the same bad files are not tried again */
    EXPECT_EQ(sts_tls_source_generation(source), 1u);
    current = sts_tls_source_current(source, nullptr);
    EXPECT_STREQ(sts_tls_credentials_describe(current), "subject CN=localhost, serial 77");
    sts_tls_credentials_unref(current);

    write("server.key", pem(renewed.key), 0644); /* right key, but readable by others */
    EXPECT_EQ(sts_tls_source_refresh(source), -1);
    chmod(key.c_str(), 0600); /* a mode change counts as a change */
    EXPECT_EQ(sts_tls_source_refresh(source), 1);
    EXPECT_EQ(sts_tls_source_generation(source), 2u);

    unlink(certificate.c_str());
    EXPECT_EQ(sts_tls_source_refresh(source), -1);
    current = sts_tls_source_current(source, nullptr);
    EXPECT_STREQ(sts_tls_credentials_describe(current), "subject CN=localhost, serial 77");
    sts_tls_credentials_unref(current);
    sts_tls_source_destroy(source);
    release(renewed);
}

TEST_F(TlsCredentials, SourceCreateFailsWithTheLoadError)
{
    std::string certificate = path("server.pem"), key = path("missing.key");
    sts_tls_files_t files = {certificate.c_str(), key.c_str(), nullptr};
    EXPECT_EQ(sts_tls_source_create(&files, error, sizeof(error)), nullptr);
    EXPECT_EQ(std::string(error), "cannot read the TLS key file " + key + ": No such file or directory");
}

struct Notices {
    std::mutex lock;
    std::vector<std::string> seen;
    size_t count()
    {
        std::lock_guard<std::mutex> guard(lock);
        return seen.size();
    }
};

void record_notice(void *data, const char *notice)
{
    auto *notices = static_cast<Notices *>(data);
    std::lock_guard<std::mutex> guard(notices->lock);
    notices->seen.push_back(notice != nullptr ? notice : "(none)");
}

TEST_F(TlsCredentials, WatcherReportsExpiryChangesOnly)
{
    Issued soon = issue("localhost", 0x55, 2, &ca);
    write("server.key", pem(soon.key));
    write("server.pem", pem(soon.certificate));
    std::string certificate = path("server.pem"), key = path("server.key");
    sts_tls_files_t files = {certificate.c_str(), key.c_str(), nullptr};
    sts_tls_source_t *source = sts_tls_source_create(&files, error, sizeof(error));
    ASSERT_NE(source, nullptr) << error;
    Notices notices;
    sts_tls_watcher_t *watcher = sts_tls_watcher_start(source, 1, 30, record_notice, &notices);
    ASSERT_NE(watcher, nullptr);
    ASSERT_EQ(notices.count(), 1u); /* before start returns */
    EXPECT_NE(notices.seen[0].find("serial 55) expires at "), std::string::npos) << notices.seen[0];
    write("server.key", pem(server.key)); /* renewed: a year */
    write("server.pem", pem(server.certificate));
    for (int i = 0; i < 50 && notices.count() < 2; i++)
        usleep(100 * 1000);
    usleep(1200 * 1000); /* another check: no repeat */
    sts_tls_watcher_stop(watcher);
    ASSERT_EQ(notices.seen.size(), 2u); /* the thread is joined */
    EXPECT_EQ(notices.seen[1], "(none)");
    EXPECT_EQ(sts_tls_source_generation(source), 1u);
    sts_tls_source_destroy(source);
    release(soon);
}

} // namespace
