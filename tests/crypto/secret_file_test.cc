#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <string>
#include <sys/stat.h>
#include <unistd.h>

extern "C" {
#include "crypto/key_file.h"
#include "crypto/secret_file.h"
}

namespace
{

class SecretFile : public ::testing::Test
{
  protected:
    std::string dir, path;
    char value[STS_SECRET_FILE_MAX];
    char error[512] = "";
    void SetUp() override
    {
        char tmpl[] = "/tmp/sts-secret-file-test-XXXXXX";
        dir = mkdtemp(tmpl);
        path = dir + "/secret";
    }
    void TearDown() override
    {
        sts_secret_files_allow_shared(0);
        for (const char *name : {"/secret", "/link", "/fifo", "/generated.key"})
            std::remove((dir + name).c_str());
        rmdir(dir.c_str());
    }
    void write(const std::string &text, mode_t mode)
    {
        std::ofstream(path, std::ios::trunc) << text;
        chmod(path.c_str(), mode);
    }
    int read(const std::string &file)
    {
        error[0] = '\0';
        return sts_secret_file_read(file.c_str(), "the test secret", value, nullptr, error, sizeof(error));
    }
};

TEST_F(SecretFile, PrivateFileIsReadTrimmed)
{
    for (mode_t mode : {0600, 0400}) {
        write("  s3cr3t value\n\n", mode);
        ASSERT_EQ(read(path), 0) << error;
        EXPECT_STREQ(value, "s3cr3t value");
    }
}

TEST_F(SecretFile, FilesOthersMayReadAreRefusedNamingTheFileNotTheContent)
{
    for (mode_t mode : {0644, 0640, 0604, 0620, 0602, 0610, 0601, 0444}) {
        write("s3cr3t", mode);
        EXPECT_EQ(read(path), STS_SECRET_FILE_NOT_PRIVATE) << std::oct << mode;
        EXPECT_NE(std::string(error).find("the test secret " + path + " must be private"), std::string::npos) << error;
        EXPECT_NE(std::string(error).find("secret_files_allow_shared"), std::string::npos) << error;
        EXPECT_EQ(std::string(error).find("s3cr3t"), std::string::npos) << error;
    }
}

TEST_F(SecretFile, OverrideAcceptsASharedFile)
{
    write("s3cr3t", 0644);
    sts_secret_files_allow_shared(1);
    EXPECT_EQ(read(path), 0) << error;
    EXPECT_STREQ(value, "s3cr3t");
    sts_secret_files_allow_shared(0);
    EXPECT_EQ(read(path), STS_SECRET_FILE_NOT_PRIVATE);
}

TEST_F(SecretFile, FileOwnedByAnotherUserIsRefused)
{
    if (geteuid() != 0)
        GTEST_SKIP() << "needs root to give the file away";
    write("s3cr3t", 0600);
    ASSERT_EQ(chown(path.c_str(), 65534, 65534), 0);
    EXPECT_EQ(read(path), STS_SECRET_FILE_NOT_PRIVATE);
    EXPECT_NE(std::string(error).find("uid 65534"), std::string::npos) << error;
}

TEST_F(SecretFile, SymlinkToAPrivateFileIsRead)
{
    /* Kubernetes mounts Secret keys as symlinks into a timestamped directory. */
    write("s3cr3t", 0600);
    ASSERT_EQ(symlink(path.c_str(), (dir + "/link").c_str()), 0);
    EXPECT_EQ(read(dir + "/link"), 0) << error;
    EXPECT_STREQ(value, "s3cr3t");
}

TEST_F(SecretFile, NotARegularFileIsRefusedWithoutBlocking)
{
    EXPECT_EQ(read(dir), -1);
    EXPECT_NE(std::string(error).find("is not a regular file"), std::string::npos) << error;
    ASSERT_EQ(mkfifo((dir + "/fifo").c_str(), 0600), 0);
    auto start = std::chrono::steady_clock::now();
    EXPECT_EQ(read(dir + "/fifo"), -1);
    EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(2));
    EXPECT_NE(std::string(error).find("is not a regular file"), std::string::npos) << error;
}

TEST_F(SecretFile, EmptyMissingAndOversizedFilesAreErrors)
{
    write(" \n", 0600);
    EXPECT_EQ(read(path), -1);
    EXPECT_NE(std::string(error).find("must hold one value"), std::string::npos) << error;
    write(std::string(STS_SECRET_FILE_MAX, 'k'), 0600);
    EXPECT_EQ(read(path), -1);
    write(std::string(1 << 20, 'k'), 0600); /* a wrong file is not half-read */
    EXPECT_EQ(read(path), -1);
    EXPECT_NE(std::string(error).find("must hold one value"), std::string::npos) << error;
    write(std::string(STS_SECRET_FILE_MAX - 1, 'k'), 0600);
    EXPECT_EQ(read(path), 0) << error;
    EXPECT_EQ(read(dir + "/missing"), -1);
    EXPECT_NE(std::string(error).find(dir + "/missing"), std::string::npos) << error;
}

TEST_F(SecretFile, ReadAllReturnsTheWholeFileUnderTheSameRules)
{
    char *text = nullptr;
    size_t length = 0;
    auto read_all = [&](size_t max_bytes) {
        error[0] = '\0';
        return sts_secret_file_read_all(path.c_str(), "the test key", max_bytes, &text, &length, error, sizeof(error));
    };
    /* Longer than one value, and taken as it is: PEM keeps its line breaks. */
    std::string pem = "-----BEGIN PRIVATE KEY-----\n" + std::string(4000, 'A') + "\n-----END PRIVATE KEY-----\n";
    write(pem, 0600);
    ASSERT_EQ(read_all(pem.size()), 0) << error;
    EXPECT_EQ(std::string(text, length), pem);
    EXPECT_EQ(text[length], '\0');
    sts_secret_file_free(text, length);
    EXPECT_EQ(read_all(pem.size() - 1), -1);
    EXPECT_EQ(std::string(error),
              "the test key " + path + " is larger than " + std::to_string(pem.size() - 1) + " bytes");
    chmod(path.c_str(), 0640);
    EXPECT_EQ(read_all(1 << 20), STS_SECRET_FILE_NOT_PRIVATE);
    EXPECT_NE(std::string(error).find("the test key " + path + " must be private"), std::string::npos) << error;
    EXPECT_EQ(std::string(error).find("AAAA"), std::string::npos) << error;
    sts_secret_files_allow_shared(1);
    ASSERT_EQ(read_all(1 << 20), 0) << error;
    sts_secret_file_free(text, length);
    sts_secret_files_allow_shared(0);
    write("", 0600); /* the caller judges the content */
    ASSERT_EQ(read_all(16), 0) << error;
    EXPECT_EQ(length, 0u);
    sts_secret_file_free(text, length);
    EXPECT_EQ(sts_secret_file_read_all(dir.c_str(), nullptr, 16, &text, &length, error, sizeof(error)), -1);
    EXPECT_EQ(std::string(error), dir + " is not a regular file");
    EXPECT_EQ(text, nullptr);
    sts_secret_file_free(nullptr, 0);
}

TEST_F(SecretFile, RotatingFileRereadsOnlyAcceptableChanges)
{
    write("first", 0600);
    sts_secret_file_t file;
    ASSERT_EQ(sts_secret_file_open(&file, path.c_str(), error, sizeof(error)), 0) << error;
    EXPECT_STREQ(file.value, "first");
    EXPECT_EQ(sts_secret_file_refresh(&file), 0);
    write("second-and-longer", 0644);
    EXPECT_EQ(sts_secret_file_refresh(&file), 0); /* shared now: keeps the last good value */
    EXPECT_STREQ(file.value, "first");
    chmod(path.c_str(), 0600); /* made private again: a chmod alone is noticed */
    EXPECT_EQ(sts_secret_file_refresh(&file), 1);
    EXPECT_STREQ(file.value, "second-and-longer");
    write("third", 0600);
    EXPECT_EQ(sts_secret_file_refresh(&file), 1);
    EXPECT_STREQ(file.value, "third");
    sts_secret_file_dispose(&file);
    write("x", 0666);
    EXPECT_EQ(sts_secret_file_open(&file, path.c_str(), error, sizeof(error)), STS_SECRET_FILE_NOT_PRIVATE);
}

TEST_F(SecretFile, KeyFilesUseTheSameRules)
{
    uint8_t key[STS_AEAD_KEY_BYTES];
    write("00112233445566778899aabbccddeeff00112233445566778899AABBCCDDEEFF\n", 0644);
    EXPECT_EQ(sts_key_file_load(path.c_str(), 0, "the session key file", key, error, sizeof(error)),
              STS_SECRET_FILE_NOT_PRIVATE);
    EXPECT_NE(std::string(error).find("the session key file " + path + " must be private"), std::string::npos) << error;
    chmod(path.c_str(), 0600);
    ASSERT_EQ(sts_key_file_load(path.c_str(), 0, "the session key file", key, error, sizeof(error)), 0) << error;
    EXPECT_EQ(key[1], 0x11);
    EXPECT_EQ(key[31], 0xff);
    std::string generated = dir + "/generated.key";
    ASSERT_EQ(sts_key_file_load(generated.c_str(), 1, "the key", key, error, sizeof(error)), 0) << error;
    struct stat st;
    ASSERT_EQ(stat(generated.c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0600u);
    uint8_t again[STS_AEAD_KEY_BYTES];
    ASSERT_EQ(sts_key_file_load(generated.c_str(), 1, "the key", again, error, sizeof(error)), 0) << error;
    EXPECT_EQ(memcmp(key, again, sizeof(key)), 0);
}

} // namespace
