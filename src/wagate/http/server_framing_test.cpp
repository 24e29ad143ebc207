// A bounded framing fuzz of the HTTP server: mutated requests over real loopback sockets (run under
// ASan in the sanitizer stage). Whatever arrives, the server answers with a well-formed status line or
// closes, never answers a second request smuggled behind a body it could not frame, and keeps serving.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <random>
#include <string>
#include <vector>

#include "wagate/http/responses.hpp"
#include "wagate/http/server.hpp"

namespace wagate::http {
namespace {

// Sends `data`, half-closes, and reads everything the server says until it closes (2 s at most).
std::string Exchange(uint16_t port, const std::string& data) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(port);
  timeval tv{2, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  std::string out;
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0) {
    (void)::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    ::shutdown(fd, SHUT_WR);
    char buf[4096];
    for (ssize_t n; (n = ::recv(fd, buf, sizeof buf, 0)) > 0;) out.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  return out;
}

size_t CountResponses(const std::string& out) {
  size_t n = 0;
  for (size_t at = out.find("HTTP/1."); at != std::string::npos; at = out.find("HTTP/1.", at + 1)) ++n;
  return n;
}

class ServerFramingTest : public ::testing::Test {
 protected:
  void SetUp() override {
    router_.Add(
        "GET", "/healthz",
        [](Request&, Responder r) {
          r(JsonResponse(200, {{"ok", true}}));
        },
        Execution::kInline);
    router_.Add("POST", "/echo", [](Request& req, Responder r) { r(JsonResponse(200, {{"bytes", req.body.size()}})); });
    ServerSettings settings;
    settings.port = 0;
    settings.max_body_bytes = 4096;
    settings.idle_timeout = std::chrono::seconds(2);
    server_ = std::make_unique<HttpServer>(settings, router_);
    auto bound = server_->Start();
    ASSERT_TRUE(bound.ok());
    port_ = static_cast<uint16_t>(std::stoi(bound->substr(bound->rfind(':') + 1)));
  }
  Router router_;
  std::unique_ptr<HttpServer> server_;
  uint16_t port_ = 0;
};

TEST_F(ServerFramingTest, NonChunkedTransferEncodingIsRefusedAndNothingBehindItIsServed) {
  const std::string smuggled = "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n";
  for (std::string te : {"chunked, identity", "identity", "gzip", "chunked , gzip", "x-chunked",
                         "chunked\r\nTransfer-Encoding: chunked"}) {
    std::string out =
        Exchange(port_, "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: " + te + "\r\n\r\n" + smuggled);
    EXPECT_EQ(out.rfind("HTTP/1.1 400", 0), 0u) << te << ": " << out;
    EXPECT_EQ(CountResponses(out), 1u) << te << ": " << out;
  }
  std::string both =
      "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n0\r\n\r\n";
  EXPECT_EQ(Exchange(port_, both).rfind("HTTP/1.1 400", 0), 0u);
  // exactly `chunked` is fine, and so is a plain length
  std::string chunked = "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n";
  EXPECT_EQ(Exchange(port_, chunked).rfind("HTTP/1.1 200", 0), 0u);
  EXPECT_EQ(Exchange(port_, "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc").rfind("HTTP/1.1 200", 0),
            0u);
}

TEST_F(ServerFramingTest, HostIsRequiredOnHttp11AndHugeHeadersGet431) {
  EXPECT_EQ(Exchange(port_, "GET /healthz HTTP/1.1\r\n\r\n").rfind("HTTP/1.1 400", 0), 0u);
  EXPECT_EQ(Exchange(port_, "GET /healthz HTTP/1.0\r\n\r\n").rfind("HTTP/1.1 200", 0), 0u);
  std::string big = "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(70 * 1024, 'a') + "\r\n\r\n";
  EXPECT_EQ(Exchange(port_, big).rfind("HTTP/1.1 431", 0), 0u);
}

TEST_F(ServerFramingTest, MutatedRequestsNeverCrashOrSmuggle) {
  const std::vector<std::string> seeds = {
      "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello",
      "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
      "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: keep-alive\r\n\r\n",
      "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked, identity\r\nContent-Length: 2\r\n\r\nhi",
  };
  const std::vector<std::string> inserts = {"\r\n",
                                            "\n",
                                            " ",
                                            "\t",
                                            ":",
                                            "0",
                                            "-1",
                                            "chunked",
                                            "identity",
                                            ",",
                                            "Transfer-Encoding: chunked\r\n",
                                            "Content-Length: 99999999999999999999\r\n",
                                            "Content-Length: 3\r\n",
                                            "\r\n\r\n",
                                            "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n",
                                            std::string(1, '\0'),
                                            "\xff",
                                            "ffffffffffffffff\r\n",
                                            ";ext=1"};
  std::mt19937 rng(20261203);
  const int kCases = 3000;  // bounded: about a second on loopback (a few under ASan)
  for (int i = 0; i < kCases; ++i) {
    std::string req = seeds[rng() % seeds.size()];
    int edits = 1 + static_cast<int>(rng() % 4);
    for (int e = 0; e < edits && !req.empty(); ++e) {
      size_t at = rng() % req.size();
      switch (rng() % 4) {
        case 0:
          req.insert(at, inserts[rng() % inserts.size()]);
          break;
        case 1:
          req.erase(at, 1 + rng() % 8);
          break;
        case 2:
          req[at] = static_cast<char>(rng() % 256);
          break;
        case 3:
          req.resize(at);
          break;
      }
    }
    std::string out = Exchange(port_, req);
    if (!out.empty()) {
      ASSERT_EQ(out.rfind("HTTP/1.1 ", 0), 0u) << "case " << i << ": " << out.substr(0, 80);
      int status = std::stoi(out.substr(9, 3));
      ASSERT_TRUE(status == 200 || status == 400 || status == 404 || status == 405 || status == 413 || status == 431)
          << "case " << i << " answered " << status;
    }
  }
  EXPECT_EQ(Exchange(port_, "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").rfind("HTTP/1.1 200", 0),
            0u);
}

}  // namespace
}  // namespace wagate::http
