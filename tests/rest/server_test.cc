#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <string>
#include <sys/socket.h>
#include <unistd.h>

extern "C" {
#include "core/service.h"
#include "rest/server.h"
#include "sts_test_methods.h"
}

namespace
{

/* One plain HTTP/1.1 request to the server's port; returns the status line ("" when nothing answered). */
std::string status_line(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    timeval timeout{5, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
    std::string reply;
    if (connect(fd, reinterpret_cast<sockaddr *>(&addr), sizeof(addr)) == 0) {
        const char request[] = "GET /no/such/path HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n";
        if (write(fd, request, sizeof(request) - 1) == static_cast<ssize_t>(sizeof(request) - 1)) {
            char buffer[512];
            ssize_t n;
            while ((n = read(fd, buffer, sizeof(buffer))) > 0)
                reply.append(buffer, static_cast<size_t>(n));
        }
    }
    close(fd);
    return reply.substr(0, reply.find("\r\n"));
}

class RestServerTest : public ::testing::Test
{
  protected:
    sts_service_t service;
    char error[256] = "";

    void SetUp() override
    {
        sts_service_defaults(&service, &sts_test_table);
        sts_rest_limits_defaults(&limits);
    }
    sts_rest_limits_t limits;
};

/*
 * Finding 7: a start that fails part-way (or the gRPC listener failing after REST started) used to destroy the
 * server under its running loops. Destroy must stop and join them; under ASan the old code reads freed memory
 * as soon as a loop next looks at its stop flag.
 */
TEST_F(RestServerTest, DestroyWithoutShutdownStopsTheRunningLoops)
{
    sts_rest_server_t *server =
        sts_rest_server_create(&service, STS_REST_SERVE_ALL, "127.0.0.1:0", 2, &limits, nullptr, error, sizeof(error));
    ASSERT_NE(server, nullptr) << error;
    int port = sts_rest_server_port(server);
    ASSERT_EQ(sts_rest_server_start(server), 0);
    EXPECT_EQ(status_line(port), "HTTP/1.1 404 Not Found"); /* the loops are serving */
    sts_rest_server_destroy(server);
    /* Loops look at their stop flag every 50 ms; a loop left running would do so several times in this wait. */
    usleep(300 * 1000);
    EXPECT_EQ(status_line(port), ""); /* nothing listens any more */
}

TEST_F(RestServerTest, DestroyRightAfterStart)
{
    for (int i = 0; i < 5; i++) {
        sts_rest_server_t *server = sts_rest_server_create(&service, STS_REST_SERVE_ALL, "127.0.0.1:0", 3, &limits,
                                                           nullptr, error, sizeof(error));
        ASSERT_NE(server, nullptr) << error;
        ASSERT_EQ(sts_rest_server_start(server), 0);
        sts_rest_server_destroy(server);
    }
    usleep(200 * 1000);
}

TEST_F(RestServerTest, DestroyWithoutStartAndAfterShutdown)
{
    sts_rest_server_t *never_started =
        sts_rest_server_create(&service, STS_REST_SERVE_ALL, "127.0.0.1:0", 2, &limits, nullptr, error, sizeof(error));
    ASSERT_NE(never_started, nullptr) << error;
    sts_rest_server_destroy(never_started);
    sts_rest_server_t *server =
        sts_rest_server_create(&service, STS_REST_SERVE_ALL, "127.0.0.1:0", 2, &limits, nullptr, error, sizeof(error));
    ASSERT_NE(server, nullptr) << error;
    ASSERT_EQ(sts_rest_server_start(server), 0);
    sts_rest_server_shutdown(server, 100);
    sts_rest_server_destroy(server);
}

} // namespace
