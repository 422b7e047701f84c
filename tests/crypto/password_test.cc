#include <gtest/gtest.h>

#include <argon2.h>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <regex>
#include <string>
#include <thread>
#include <vector>

extern "C" {
#include "crypto/password.h"
}

namespace
{

/* Small parameters keep the tests fast under the sanitizers; one test runs at OWASP's defaults. */
const sts_password_params_t small = {64, 1, 1};

std::string hash_of(const sts_password_params_t &params, const std::string &password)
{
    char out[STS_PASSWORD_HASH_MAX];
    EXPECT_EQ(sts_password_hash(&params, password.data(), password.size(), out, sizeof(out)), 0);
    return out;
}

sts_password_verdict_t verify(const sts_password_params_t &current, const std::string &hash,
                              const std::string &password)
{
    return sts_password_verify(&current, hash.c_str(), password.data(), password.size());
}

bool same(const sts_password_params_t &a, const sts_password_params_t &b)
{
    return a.memory_kib == b.memory_kib && a.iterations == b.iterations && a.parallelism == b.parallelism;
}

std::string params_text(const sts_password_params_t &p)
{
    return "m=" + std::to_string(p.memory_kib) + ",t=" + std::to_string(p.iterations) +
           ",p=" + std::to_string(p.parallelism);
}

/* Runs fn and expects it to have spent exactly one argon2id computation, under expected. */
template <typename Fn> void expect_one_computation(const sts_password_params_t &expected, Fn fn)
{
    sts_password_params_t last;
    uint64_t before = sts_password_computations();
    fn();
    EXPECT_EQ(sts_password_computations() - before, 1u);
    sts_password_last_computation(&last);
    EXPECT_TRUE(same(last, expected)) << "spent " << params_text(last) << ", expected " << params_text(expected);
}

TEST(Password, HashIsThePhcStringLibargon2Writes)
{
    std::string hash = hash_of(small, "correct horse");
    EXPECT_TRUE(
        std::regex_match(hash, std::regex(R"(\$argon2id\$v=19\$m=64,t=1,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43})")))
        << hash;
    /* libargon2's own parser and verifier accept it. */
    EXPECT_EQ(argon2id_verify(hash.c_str(), "correct horse", 13), ARGON2_OK);
    EXPECT_EQ(argon2id_verify(hash.c_str(), "correct horsf", 13), ARGON2_VERIFY_MISMATCH);

    sts_password_params_t other = {1024, 3, 2};
    EXPECT_TRUE(std::regex_match(
        hash_of(other, "x"), std::regex(R"(\$argon2id\$v=19\$m=1024,t=3,p=2\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43})")));
}

TEST(Password, EveryHashHasItsOwnSalt)
{
    std::string a = hash_of(small, "same"), b = hash_of(small, "same");
    EXPECT_NE(a, b);
    EXPECT_NE(a.substr(0, a.rfind('$')), b.substr(0, b.rfind('$')));
}

TEST(Password, RoundTripMatchesAndWrongPasswordsDoNot)
{
    std::string hash = hash_of(small, "correct horse battery staple");
    EXPECT_EQ(verify(small, hash, "correct horse battery staple"), STS_PASSWORD_MATCH);
    for (const char *wrong : {"correct horse battery stapl", "correct horse battery staple ",
                              "Correct horse battery staple", "", "correct horse battery staple\n"})
        EXPECT_EQ(verify(small, hash, wrong), STS_PASSWORD_MISMATCH) << wrong;
}

TEST(Password, BytesAfterANulCount)
{
    std::string with_nul("pass\0word", 9);
    std::string hash = hash_of(small, with_nul);
    EXPECT_EQ(verify(small, hash, with_nul), STS_PASSWORD_MATCH);
    EXPECT_EQ(verify(small, hash, "pass"), STS_PASSWORD_MISMATCH);
}

TEST(Password, EmptyPassword)
{
    std::string empty = hash_of(small, "");
    EXPECT_EQ(verify(small, empty, ""), STS_PASSWORD_MATCH);
    EXPECT_EQ(sts_password_verify(&small, empty.c_str(), nullptr, 0), STS_PASSWORD_MATCH);
    EXPECT_EQ(verify(small, empty, "x"), STS_PASSWORD_MISMATCH);
    EXPECT_EQ(verify(small, hash_of(small, "x"), ""), STS_PASSWORD_MISMATCH);
}

TEST(Password, LongestPasswordIsAcceptedAndLongerIsRefused)
{
    std::string longest(STS_PASSWORD_MAX_BYTES, 'a');
    std::string hash = hash_of(small, longest);
    EXPECT_EQ(verify(small, hash, longest), STS_PASSWORD_MATCH);

    std::string too_long = longest + "a";
    char out[STS_PASSWORD_HASH_MAX] = "unchanged";
    uint64_t before = sts_password_computations();
    EXPECT_EQ(sts_password_hash(&small, too_long.data(), too_long.size(), out, sizeof(out)), -1);
    EXPECT_EQ(sts_password_computations(), before) << "refused before any hashing";
    EXPECT_STREQ(out, "");

    /* Verification refuses it too, at the price of a wrong password, even when its first bytes are right. */
    expect_one_computation(small, [&] { EXPECT_EQ(verify(small, hash, too_long), STS_PASSWORD_MISMATCH); });
    std::string huge(1 << 20, 'a');
    expect_one_computation(small, [&] { EXPECT_EQ(verify(small, hash, huge), STS_PASSWORD_MISMATCH); });
}

TEST(Password, HashRefusesBadArguments)
{
    char out[STS_PASSWORD_HASH_MAX];
    uint64_t before = sts_password_computations();
    sts_password_params_t bad = {64, 0, 1};
    EXPECT_EQ(sts_password_hash(&bad, "x", 1, out, sizeof(out)), -1);
    EXPECT_EQ(sts_password_hash(nullptr, "x", 1, out, sizeof(out)), -1);
    EXPECT_EQ(sts_password_hash(&small, nullptr, 1, out, sizeof(out)), -1);
    /* "$argon2id" "$v=19" "$m=64,t=1,p=1" "$" salt "$" digest: 9 + 5 + 13 + 1 + 22 + 1 + 43 = 94 and a NUL. */
    EXPECT_EQ(sts_password_hash(&small, "x", 1, out, 94), -1);
    EXPECT_EQ(sts_password_computations(), before);
    EXPECT_EQ(sts_password_hash(&small, "x", 1, out, 95), 0);
    EXPECT_EQ(strlen(out), 94u);
}

TEST(Password, ChangedParametersAskForARehash)
{
    std::string hash = hash_of(small, "pw");
    for (sts_password_params_t current :
         {sts_password_params_t{128, 1, 1}, sts_password_params_t{64, 2, 1}, sts_password_params_t{64, 1, 2}}) {
        SCOPED_TRACE(params_text(current));
        /* The check itself runs under the recorded parameters, else it could not match. */
        expect_one_computation(small, [&] { EXPECT_EQ(verify(current, hash, "pw"), STS_PASSWORD_MATCH_REHASH); });
        expect_one_computation(small, [&] { EXPECT_EQ(verify(current, hash, "wrong"), STS_PASSWORD_MISMATCH); });
        std::string renewed = hash_of(current, "pw");
        EXPECT_EQ(verify(current, renewed, "pw"), STS_PASSWORD_MATCH);
        EXPECT_EQ(verify(small, renewed, "pw"), STS_PASSWORD_MATCH_REHASH);
    }
    EXPECT_EQ(verify(small, hash, "pw"), STS_PASSWORD_MATCH);
}

TEST(Password, HashesWithOtherLengthsFromElsewhereVerifyAndAskForARehash)
{
    /* Made by libargon2 directly, as another system would, with salt and digest lengths other than ours. */
    const uint8_t salt[16] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
    struct Lengths {
        size_t salt, digest;
    };
    for (Lengths lengths : {Lengths{8, 32}, Lengths{16, 64}, Lengths{8, 16}}) {
        char encoded[STS_PASSWORD_HASH_MAX];
        SCOPED_TRACE(std::to_string(lengths.salt) + "-byte salt, " + std::to_string(lengths.digest) + "-byte digest");
        ASSERT_EQ(
            argon2id_hash_encoded(1, 64, 1, "pw", 2, salt, lengths.salt, lengths.digest, encoded, sizeof(encoded)),
            ARGON2_OK);
        EXPECT_EQ(verify(small, encoded, "pw"), STS_PASSWORD_MATCH_REHASH);
        EXPECT_EQ(verify(small, encoded, "pW"), STS_PASSWORD_MISMATCH);
    }
    char encoded[STS_PASSWORD_HASH_MAX];
    ASSERT_EQ(argon2id_hash_encoded(1, 64, 1, "pw", 2, salt, 16, 32, encoded, sizeof(encoded)), ARGON2_OK);
    EXPECT_EQ(verify(small, encoded, "pw"), STS_PASSWORD_MATCH);
}

TEST(Password, EveryDigestByteIsCompared)
{
    std::string good = hash_of(small, "pw");
    size_t digest_start = good.rfind('$') + 1;
    ASSERT_EQ(good.size() - digest_start, 43u);
    /* The last character holds only the top two bits of the last byte; its low four bits must stay zero. */
    for (size_t i = digest_start; i < good.size(); i++) {
        std::string changed = good;
        if (i + 1 < good.size())
            changed[i] = good[i] == 'A' ? 'B' : 'A';
        else
            changed[i] = good[i] == 'A' ? 'Q' : 'A';
        SCOPED_TRACE(changed);
        EXPECT_EQ(verify(small, changed, "pw"), STS_PASSWORD_MISMATCH);
    }
    /* So is the salt. */
    std::string changed = good;
    size_t salt_start = good.find('$', 15) + 1;
    changed[salt_start] = good[salt_start] == 'A' ? 'B' : 'A';
    EXPECT_EQ(verify(small, changed, "pw"), STS_PASSWORD_MISMATCH);
}

TEST(Password, MalformedAndForeignHashesAreBadAndCostTheDummy)
{
    std::string good = hash_of(small, "pw");
    size_t params_end = good.find('$', 15);
    std::string salt = good.substr(params_end + 1, 22), digest = good.substr(good.rfind('$') + 1);
    ASSERT_EQ(verify(small, good, "pw"), STS_PASSWORD_MATCH);
    auto with = [&](const std::string &head, const std::string &s, const std::string &d) {
        return head + "$" + s + "$" + d;
    };
    const std::string head = "$argon2id$v=19$m=64,t=1,p=1";
    std::vector<std::string> bad = {
        "",
        "garbage",
        "$argon2i$v=19$m=65536,t=2,p=4$c29tZXNhbHQ$RdescudvJCsgt3ub+b+dWRWJTmaaJObG",
        "$argon2d$v=19$m=64,t=1,p=1$" + salt + "$" + digest,
        "$2y$10$N9qo8uLOickgx2ZMRZoMyeIjZAgcfl7p92ldGxad68LJZdL17lhWy",
        "$scrypt$ln=16,r=8,p=1$aM15713r3Xsvxbi31lqr1Q$nFNh2CVHVjNldFVKDHDlm4CbdRSCdEBsjjJxD+iCs5E",
        "pw",
        good.substr(0, params_end),
        good.substr(0, params_end + 1),
        good.substr(0, params_end + 1 + 22),
        good.substr(0, params_end + 1 + 23),
        good + "$",
        good + "$" + digest,
        "$" + good,
        good.substr(1),
        /* Versions and fields we do not take. */
        with("$argon2id$v=16$m=64,t=1,p=1", salt, digest),
        with("$argon2id$m=64,t=1,p=1", salt, digest),
        with("$argon2id$v=019$m=64,t=1,p=1", salt, digest),
        with("$argon2id$v=19$m=064,t=1,p=1", salt, digest),
        with("$argon2id$v=19$m=64,t=01,p=1", salt, digest),
        with("$argon2id$v=19$m=+64,t=1,p=1", salt, digest),
        with("$argon2id$v=19$m=-64,t=1,p=1", salt, digest),
        with("$argon2id$v=19$t=1,m=64,p=1", salt, digest),
        with("$argon2id$v=19$m=64,t=1", salt, digest),
        with("$argon2id$v=19$m=64,t=1,p=1,keyid=x", salt, digest),
        with("$argon2id$v=19$m=64,t=1,p=1,", salt, digest),
        with("$argon2id$v=19$m=64 ,t=1,p=1", salt, digest),
        with("$ARGON2ID$v=19$m=64,t=1,p=1", salt, digest),
        /* Absurd or impossible costs. */
        with("$argon2id$v=19$m=4194305,t=1,p=1", salt, digest),
        with("$argon2id$v=19$m=4294967296,t=1,p=1", salt, digest),
        with("$argon2id$v=19$m=99999999999999999999,t=1,p=1", salt, digest),
        with("$argon2id$v=19$m=64,t=101,p=1", salt, digest),
        with("$argon2id$v=19$m=64,t=0,p=1", salt, digest),
        with("$argon2id$v=19$m=64,t=1,p=17", salt, digest),
        with("$argon2id$v=19$m=64,t=1,p=0", salt, digest),
        with("$argon2id$v=19$m=64,t=1,p=9", salt, digest),
        with("$argon2id$v=19$m=7,t=1,p=1", salt, digest),
        /* Salt and digest encodings. */
        with(head, salt + "==", digest),
        with(head, salt, digest + "="),
        with(head, salt.substr(0, 21) + "-", digest),
        with(head, salt, digest.substr(0, 42) + "_"),
        with(head, salt.substr(0, 21) + "*", digest),
        with(head, salt, digest.substr(0, 42) + " "),
        with(head, "", digest),
        with(head, salt, ""),
        with(head, "c2FsdHNhbA", digest),             /* 7 bytes */
        with(head, salt, "AAAAAAAAAAAAAAAAAAAA"),     /* 15 bytes */
        with(head, salt, std::string(87, 'A')),       /* 65 bytes */
        with(head, salt.substr(0, 21), digest),       /* 21 characters: no whole number of bytes */
        with(head, salt.substr(0, 21) + "B", digest), /* non-zero trailing bits */
        std::string(STS_PASSWORD_HASH_MAX, 'A'),
        good + std::string(STS_PASSWORD_HASH_MAX, 'A'),
    };
    for (const std::string &hash : bad) {
        SCOPED_TRACE(hash);
        expect_one_computation(small, [&] { EXPECT_EQ(verify(small, hash, "pw"), STS_PASSWORD_BAD_HASH); });
    }
    expect_one_computation(small,
                           [&] { EXPECT_EQ(sts_password_verify(&small, nullptr, "pw", 2), STS_PASSWORD_BAD_HASH); });
    /* The dummy runs under the current parameters, not those of the refused string. */
    sts_password_params_t current = {256, 2, 2};
    expect_one_computation(current, [&] {
        EXPECT_EQ(verify(current, with("$argon2id$v=19$m=4194305,t=100,p=16", salt, digest), "pw"),
                  STS_PASSWORD_BAD_HASH);
    });
}

TEST(Password, NoTruncationOfAHashMatches)
{
    std::string good = hash_of(small, "pw");
    for (size_t len = 0; len < good.size(); len++) {
        std::string cut = good.substr(0, len);
        SCOPED_TRACE(cut);
        expect_one_computation(small, [&] {
            sts_password_verdict_t verdict = verify(small, cut, "pw");
            EXPECT_TRUE(verdict == STS_PASSWORD_BAD_HASH || verdict == STS_PASSWORD_MISMATCH) << verdict;
        });
    }
}

TEST(Password, EveryVerdictCostsExactlyOneComputationUnderTheExpectedParameters)
{
    sts_password_params_t current = {128, 2, 1};
    std::string hash = hash_of(current, "pw");
    expect_one_computation(current, [&] { EXPECT_EQ(verify(current, hash, "pw"), STS_PASSWORD_MATCH); });
    expect_one_computation(current, [&] { EXPECT_EQ(verify(current, hash, "wrong"), STS_PASSWORD_MISMATCH); });
    /* An unknown user: the same work as the wrong password above. */
    expect_one_computation(current, [&] { sts_password_verify_dummy(&current, "wrong", 5); });
    expect_one_computation(current, [&] { sts_password_verify_dummy(&current, nullptr, 0); });
    std::string huge(STS_PASSWORD_MAX_BYTES * 4, 'x');
    expect_one_computation(current, [&] { sts_password_verify_dummy(&current, huge.data(), huge.size()); });
    expect_one_computation(current, [&] {
        char out[STS_PASSWORD_HASH_MAX];
        EXPECT_EQ(sts_password_hash(&current, "pw", 2, out, sizeof(out)), 0);
    });

    /* The dummy follows the configured parameters, whatever they are now. */
    for (sts_password_params_t now :
         {sts_password_params_t{64, 1, 1}, sts_password_params_t{512, 3, 1}, sts_password_params_t{256, 1, 4}})
        expect_one_computation(now, [&] { sts_password_verify_dummy(&now, "pw", 2); });

    /* Parameters that could never run are replaced by the defaults rather than spending nothing. */
    sts_password_params_t broken = {0, 0, 0};
    sts_password_params_t defaults = {STS_PASSWORD_DEFAULT_MEMORY_KIB, STS_PASSWORD_DEFAULT_ITERATIONS,
                                      STS_PASSWORD_DEFAULT_PARALLELISM};
    expect_one_computation(defaults, [&] { sts_password_verify_dummy(&broken, "pw", 2); });
}

TEST(Password, OwaspDefaults)
{
    sts_password_params_t defaults = {STS_PASSWORD_DEFAULT_MEMORY_KIB, STS_PASSWORD_DEFAULT_ITERATIONS,
                                      STS_PASSWORD_DEFAULT_PARALLELISM};
    EXPECT_EQ(sts_password_params_check(&defaults, nullptr, 0), 0);
    std::string hash = hash_of(defaults, "correct horse battery staple");
    EXPECT_EQ(hash.rfind("$argon2id$v=19$m=19456,t=2,p=1$", 0), 0u) << hash;
    auto start = std::chrono::steady_clock::now();
    expect_one_computation(
        defaults, [&] { EXPECT_EQ(verify(defaults, hash, "correct horse battery staple"), STS_PASSWORD_MATCH); });
    double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
    std::printf("one argon2id verification at m=19456,t=2,p=1 took %.1f ms\n", ms);
    expect_one_computation(defaults, [&] { EXPECT_EQ(verify(defaults, hash, "wrong"), STS_PASSWORD_MISMATCH); });
    expect_one_computation(defaults, [&] { sts_password_verify_dummy(&defaults, "pw", 2); });
    /* A hash under Keycloak's default parameters asks for a rehash. */
    sts_password_params_t keycloak = {7168, 5, 1};
    EXPECT_EQ(verify(defaults, hash_of(keycloak, "pw"), "pw"), STS_PASSWORD_MATCH_REHASH);
}

TEST(Password, ParamsCheckNamesTheBadParameter)
{
    char error[256];
    struct Case {
        sts_password_params_t params;
        const char *message;
    } cases[] = {
        {{7, 2, 1}, "password_hash_memory_kib must be between 8 and 4194304"},
        {{4194305, 2, 1}, "password_hash_memory_kib must be between 8 and 4194304"},
        {{31, 2, 4}, "password_hash_memory_kib must be between 32 (8 per password_hash_parallelism) and 4194304"},
        {{19456, 0, 1}, "password_hash_iterations must be between 1 and 100"},
        {{19456, 101, 1}, "password_hash_iterations must be between 1 and 100"},
        {{19456, 2, 0}, "password_hash_parallelism must be between 1 and 16"},
        {{19456, 2, 17}, "password_hash_parallelism must be between 1 and 16"},
    };
    for (const Case &c : cases) {
        error[0] = '\0';
        EXPECT_EQ(sts_password_params_check(&c.params, error, sizeof(error)), -1) << c.message;
        EXPECT_EQ(std::string(error).rfind(c.message, 0), 0u) << error;
    }
    EXPECT_EQ(sts_password_params_check(nullptr, error, sizeof(error)), -1);
    EXPECT_EQ(sts_password_params_check(&cases[0].params, nullptr, 0), -1);
    for (sts_password_params_t ok : {sts_password_params_t{8, 1, 1}, sts_password_params_t{4194304, 100, 16},
                                     sts_password_params_t{128, 1, 16}, sts_password_params_t{19456, 2, 1}})
        EXPECT_EQ(sts_password_params_check(&ok, error, sizeof(error)), 0) << params_text(ok);
}

TEST(Password, ConcurrentVerificationsAreAllCounted)
{
    std::string hash = hash_of(small, "pw");
    std::atomic<int> matches{0}, mismatches{0};
    uint64_t before = sts_password_computations();
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; t++)
        threads.emplace_back([&, t] {
            for (int i = 0; i < 25; i++) {
                if (verify(small, hash, (i + t) % 2 ? "pw" : "no") == STS_PASSWORD_MATCH)
                    matches++;
                else
                    mismatches++;
                sts_password_verify_dummy(&small, "pw", 2);
            }
        });
    for (std::thread &thread : threads)
        thread.join();
    EXPECT_EQ(sts_password_computations() - before, 200u);
    EXPECT_EQ(matches.load(), 50);
    EXPECT_EQ(mismatches.load(), 50);
}

} // namespace
