#include <gtest/gtest.h>

#include <atomic>
#include <cmath>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

extern "C" {
#include "dynload/curl.h"
#include "dynload/dynload.h"
#include "dynload/ldap.h"
#include "dynload/pq.h"
}

namespace
{

typedef double (*unary_fn)(double);

struct MathTable {
    unary_fn cos;
    unary_fn sqrt;
};

std::atomic<int> loads{0};

void count_load(void)
{
    loads++;
}

sts_dynload_library_t library(const char *soname, const sts_dynload_symbol_t *symbols, size_t count, MathTable *table)
{
    sts_dynload_library_t library;
    memset(&library, 0, sizeof(library));
    library.soname = soname;
    library.what = "the maths library";
    library.symbols = symbols;
    library.count = count;
    library.table = table;
    library.table_size = sizeof(*table);
    library.on_load = count_load;
    pthread_mutex_init(&library.lock, nullptr);
    return library;
}

const sts_dynload_symbol_t math_symbols[] = {{"cos", offsetof(MathTable, cos)}, {"sqrt", offsetof(MathTable, sqrt)}};

/* Every member of a table is a function pointer; none may be left NULL by a successful load. */
template <typename Table> void expect_all_resolved(const Table &table)
{
    const size_t count = sizeof(Table) / sizeof(void *);
    static_assert(sizeof(Table) % sizeof(void *) == 0, "a table holds only pointers");
    for (size_t i = 0; i < count; i++) {
        void *member = nullptr;
        memcpy(&member, reinterpret_cast<const char *>(&table) + i * sizeof(void *), sizeof(member));
        EXPECT_NE(member, nullptr) << "member " << i;
    }
}

TEST(Dynload, ResolvesEveryFunctionAndRunsOnLoadOnce)
{
    MathTable table{};
    sts_dynload_library_t lib = library("libm.so.6", math_symbols, 2, &table);
    char error[256] = "";
    loads = 0;
    ASSERT_EQ(sts_dynload_require(&lib, error, sizeof(error)), 0) << error;
    ASSERT_NE(table.cos, nullptr);
    EXPECT_EQ(table.cos(0.0), 1.0);
    EXPECT_EQ(table.sqrt(49.0), 7.0);
    EXPECT_EQ(sts_dynload_require(&lib, error, sizeof(error)), 0);
    EXPECT_EQ(loads.load(), 1);
}

TEST(Dynload, ConcurrentCallersLoadOnce)
{
    MathTable table{};
    sts_dynload_library_t lib = library("libm.so.6", math_symbols, 2, &table);
    loads = 0;
    std::atomic<int> failures{0};
    std::vector<std::thread> threads;
    for (int i = 0; i < 8; i++)
        threads.emplace_back([&] {
            char error[256] = "";
            if (sts_dynload_require(&lib, error, sizeof(error)) != 0 || table.sqrt(4.0) != 2.0)
                failures++;
        });
    for (auto &thread : threads)
        thread.join();
    EXPECT_EQ(failures.load(), 0);
    EXPECT_EQ(loads.load(), 1);
}

TEST(Dynload, AMissingLibraryIsNamedAndTriedAgainLater)
{
    MathTable table{};
    sts_dynload_library_t lib = library("libsts-no-such-library.so.7", math_symbols, 2, &table);
    char error[256] = "";
    loads = 0;
    EXPECT_EQ(sts_dynload_require(&lib, error, sizeof(error)), -1);
    EXPECT_NE(strstr(error, "the maths library could not be loaded"), nullptr) << error;
    EXPECT_NE(strstr(error, "libsts-no-such-library.so.7"), nullptr) << error;
    EXPECT_EQ(table.cos, nullptr);
    EXPECT_EQ(loads.load(), 0);
    error[0] = '\0';
    EXPECT_EQ(sts_dynload_require(&lib, error, sizeof(error)), -1);
    EXPECT_NE(strstr(error, "libsts-no-such-library.so.7"), nullptr) << "the second call must try again: " << error;
}

TEST(Dynload, AMissingFunctionIsNamedAndLeavesTheTableEmpty)
{
    const sts_dynload_symbol_t symbols[] = {{"cos", offsetof(MathTable, cos)},
                                            {"sts_no_such_function", offsetof(MathTable, sqrt)}};
    MathTable table{};
    sts_dynload_library_t lib = library("libm.so.6", symbols, 2, &table);
    char error[256] = "";
    loads = 0;
    EXPECT_EQ(sts_dynload_require(&lib, error, sizeof(error)), -1);
    EXPECT_STREQ(error, "the maths library (libm.so.6) lacks the function sts_no_such_function");
    EXPECT_EQ(table.cos, nullptr) << "a half-filled table must not be left behind";
    EXPECT_EQ(loads.load(), 0);
}

TEST(Dynload, ErrorsAreCutToTheirBuffer)
{
    MathTable table{};
    sts_dynload_library_t lib = library("libsts-no-such-library.so.7", math_symbols, 2, &table);
    char error[16];
    memset(error, 'x', sizeof(error));
    EXPECT_EQ(sts_dynload_require(&lib, error, sizeof(error)), -1);
    EXPECT_EQ(strlen(error), sizeof(error) - 1);
}

TEST(Dynload, TheRealTablesResolveEveryFunction)
{
    char error[256] = "";
    ASSERT_EQ(sts_dynload_require(&sts_pq_library, error, sizeof(error)), 0) << error;
    expect_all_resolved(sts_pq);
    EXPECT_EQ(sts_pq.resultStatus(nullptr), PGRES_FATAL_ERROR);
    ASSERT_EQ(sts_dynload_require(&sts_ldap_library, error, sizeof(error)), 0) << error;
    expect_all_resolved(sts_ldap);
    EXPECT_STREQ(sts_ldap.err2string(LDAP_SUCCESS), "Success");
    EXPECT_FALSE(sts_dynload_loaded(&sts_curl_library));
    ASSERT_EQ(sts_dynload_require(&sts_curl_library, error, sizeof(error)), 0) << error;
    EXPECT_TRUE(sts_dynload_loaded(&sts_curl_library));
    expect_all_resolved(sts_curl);
    CURLU *url = sts_curl.url();
    char *host = nullptr;
    ASSERT_EQ(sts_curl.url_set(url, CURLUPART_URL, "https://idp.example:8443/keys", 0), CURLUE_OK);
    ASSERT_EQ(sts_curl.url_get(url, CURLUPART_HOST, &host, 0), CURLUE_OK);
    EXPECT_STREQ(host, "idp.example");
    sts_curl.free(host);
    sts_curl.url_cleanup(url);
    sts_curl.global_cleanup();
}

} // namespace
