// Streamed request bodies (Router::AddStreamed) through the real server on loopback sockets: pieces,
// back-pressure, chunked bodies, limits, broken uploads, keep-alive, early answers and shutdown.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cctype>
#include <future>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "wagate/core/test_wait.hpp"
#include "wagate/http/responses.hpp"
#include "wagate/http/server.hpp"

namespace wagate::http {
namespace {

constexpr uint64_t kFnvOffset = 14695981039346656037ull;

uint64_t Fnv(uint64_t hash, std::string_view bytes) {
  for (char c : bytes) hash = (hash ^ static_cast<unsigned char>(c)) * 1099511628211ull;
  return hash;
}

// The body's byte at offset `i`: letters, so a body never reads as an HTTP request by accident.
char PatternByte(size_t i) { return static_cast<char>('a' + (i * 7 + i / 4096) % 26); }

std::string Pattern(size_t from, size_t n) {
  std::string out(n, '\0');
  for (size_t i = 0; i < n; ++i) out[i] = PatternByte(from + i);
  return out;
}

int Connect(uint16_t port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(port);
  timeval tv{10, 0};  // bounds a hang only
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  EXPECT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  return fd;
}

bool SendAll(int fd, std::string_view data) {
  while (!data.empty()) {
    ssize_t n = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    if (n <= 0) return false;
    data.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

std::string ReadUntilClosed(int fd) {
  std::string out;
  char buf[65536];
  for (ssize_t n; (n = ::recv(fd, buf, sizeof buf, 0)) > 0;) out.append(buf, static_cast<size_t>(n));
  return out;
}

struct Reply {
  int status = 0;
  std::string head;  // lower-cased
  std::string body;
};

// Reads one response (the server frames its JSON answers by Content-Length); `pending` keeps the
// bytes read past it.
std::optional<Reply> ReadReply(int fd, std::string* pending) {
  char buf[65536];
  auto more = [&] {
    ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) return false;
    pending->append(buf, static_cast<size_t>(n));
    return true;
  };
  size_t end;
  while ((end = pending->find("\r\n\r\n")) == std::string::npos) {
    if (!more()) return std::nullopt;
  }
  Reply reply;
  reply.head = pending->substr(0, end + 4);
  for (char& c : reply.head) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  reply.status = std::stoi(reply.head.substr(9, 3));
  size_t length = 0;
  if (size_t at = reply.head.find("content-length:"); at != std::string::npos) {
    length = std::stoul(reply.head.substr(at + 15));
  }
  while (pending->size() < end + 4 + length) {
    if (!more()) return std::nullopt;
  }
  reply.body = pending->substr(end + 4, length);
  pending->erase(0, end + 4 + length);
  return reply;
}

size_t CountResponses(const std::string& out) {
  size_t n = 0;
  for (size_t at = out.find("HTTP/1."); at != std::string::npos; at = out.find("HTTP/1.", at + 1)) ++n;
  return n;
}

// What a handler saw of a body.
struct Drained {
  size_t bytes = 0;
  size_t pieces = 0;
  size_t largest = 0;
  uint64_t hash = kFnvOffset;
  std::string error;  // the reader's error code; empty when the body ended
};

Drained Drain(BodyReader& reader, const std::function<void()>& after_first = nullptr) {
  Drained d;
  std::string piece;
  for (;;) {
    auto read = reader.Read(&piece);
    if (!read.ok()) {
      d.error = read.error().code;
      return d;
    }
    if (!*read) return d;
    d.bytes += piece.size();
    d.largest = std::max(d.largest, piece.size());
    d.hash = Fnv(d.hash, piece);
    if (d.pieces++ == 0 && after_first) after_first();
  }
}

Response Answer(const Drained& d) {
  if (!d.error.empty()) return ErrorResponse(400, d.error, "the body broke");
  return JsonResponse(
      200, {{"bytes", d.bytes}, {"pieces", d.pieces}, {"largest", d.largest}, {"hash", std::to_string(d.hash)}});
}

std::string Chunked(const std::vector<std::string>& chunks) {
  std::string out;
  char size[32];
  for (const auto& chunk : chunks) {
    std::snprintf(size, sizeof size, "%zx", chunk.size());
    out += std::string(size) + "\r\n" + chunk + "\r\n";
  }
  return out + "0\r\n\r\n";
}

class ServerStreamTest : public ::testing::Test {
 protected:
  void SetUp() override {
    on_upload_ = [](Request& req, Responder r) { r(Answer(Drain(*req.body_stream))); };
    router_.AddStreamed(
        "POST", "/upload", [this](Request& req, Responder r) { on_upload_(req, std::move(r)); }, 64 << 20);
    router_.AddStreamed(
        "POST", "/small", [this](Request& req, Responder r) { on_upload_(req, std::move(r)); }, 1000);
    router_.AddStreamed(
        "POST", "/guarded", [this](Request& req, Responder r) { on_upload_(req, std::move(r)); }, 0,
        [](const Request&) -> core::Result<std::shared_ptr<void>> {
          return core::Error(core::ErrorKind::kUnauthorized, "unauthorized", "no key");
        });
    router_.Add(
        "GET", "/healthz",
        [](Request&, Responder r) {
          r(JsonResponse(200, {{"ok", true}}));
        },
        Execution::kInline);
    ServerSettings settings;
    settings.port = 0;
    settings.io_threads = 2;
    settings.worker_threads = 2;
    settings.upstream_threads = 4;
    settings.max_body_bytes = 4096;
    settings.idle_timeout = std::chrono::seconds(5);
    server_ = std::make_unique<HttpServer>(settings, router_);
    auto bound = server_->Start();
    ASSERT_TRUE(bound.ok());
    port_ = static_cast<uint16_t>(std::stoi(bound->substr(bound->rfind(':') + 1)));
  }

  // The code of the error the handler's reader ended with, once it did.
  std::string RecordedError(std::future<std::string>& recorded) {
    if (recorded.wait_for(std::chrono::seconds(30)) != std::future_status::ready) return "(never)";
    return recorded.get();
  }

  Router router_;
  std::function<void(Request&, Responder)> on_upload_;
  std::unique_ptr<HttpServer> server_;
  uint16_t port_ = 0;
};

TEST_F(ServerStreamTest, FiftyMegabytesAreReadInPiecesWhileTheServerHoldsLittle) {
  constexpr size_t kSize = 50u << 20;
  // After the first piece the handler waits until the socket had to stop for it, so the test
  // exercises back-pressure rather than a handler that happens to keep up.
  on_upload_ = [this](Request& req, Responder r) {
    EXPECT_TRUE(req.body.empty());
    r(Answer(Drain(*req.body_stream, [this] {
      EXPECT_TRUE(core::Eventually([this] { return server_->StreamedBodies().pauses > 0; }));
    })));
  };
  int fd = Connect(port_);
  ASSERT_TRUE(SendAll(fd, "POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: " + std::to_string(kSize) + "\r\n\r\n"));
  uint64_t hash = kFnvOffset;
  for (size_t at = 0; at < kSize; at += 1 << 20) {
    std::string block = Pattern(at, 1 << 20);
    hash = Fnv(hash, block);
    ASSERT_TRUE(SendAll(fd, block));
  }
  std::string pending;
  auto reply = ReadReply(fd, &pending);
  ::close(fd);
  ASSERT_TRUE(reply);
  ASSERT_EQ(reply->status, 200) << reply->body;
  Json got = Json::parse(reply->body);
  EXPECT_EQ(got["bytes"], kSize);
  EXPECT_EQ(got["hash"], std::to_string(hash));
  EXPECT_LE(got["largest"].get<size_t>(), kBodyPieceBytes);
  EXPECT_GE(got["pieces"].get<size_t>(), kSize / kBodyPieceBytes);
  StreamedBodyStats stats = server_->StreamedBodies();
  EXPECT_GT(stats.pauses, 0u);
  // A piece waiting in the pipe, the piece being filled, and one socket read not yet parsed; and at a
  // pause at least the full piece and some of the waiting one.
  EXPECT_LE(stats.peak_bytes_ahead, 3 * kBodyPieceBytes + 1024);
  EXPECT_GT(stats.peak_bytes_ahead, kBodyPieceBytes);
}

TEST_F(ServerStreamTest, AChunkedBodyIsStreamed) {
  std::vector<std::string> chunks;
  std::string body;
  size_t at = 0;
  for (size_t size : {1, 10, 100, 1000, 70000, 65536, 3, 200000, 65535, 1, 300000}) {
    chunks.push_back(Pattern(at, size));
    body += chunks.back();
    at += size;
  }
  std::string wire = Chunked(chunks);
  wire.insert(wire.find("\r\n"), ";ext=1");  // an extension is allowed and ignored
  int fd = Connect(port_);
  ASSERT_TRUE(SendAll(fd, "POST /upload HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n" + wire));
  std::string pending;
  auto reply = ReadReply(fd, &pending);
  ::close(fd);
  ASSERT_TRUE(reply);
  ASSERT_EQ(reply->status, 200) << reply->body;
  Json got = Json::parse(reply->body);
  EXPECT_EQ(got["bytes"], body.size());
  EXPECT_EQ(got["hash"], std::to_string(Fnv(kFnvOffset, body)));
  EXPECT_LE(got["largest"].get<size_t>(), kBodyPieceBytes);
}

TEST_F(ServerStreamTest, ADeclaredLengthOverTheLimitIsRefusedBeforeTheHandlerRuns) {
  std::atomic<int> calls{0};
  on_upload_ = [&](Request&, Responder r) {
    ++calls;
    r(JsonResponse(200, {}));
  };
  int fd = Connect(port_);
  ASSERT_TRUE(SendAll(fd, "POST /small HTTP/1.1\r\nHost: x\r\nContent-Length: 5000\r\n\r\n"));
  std::string out = ReadUntilClosed(fd);
  ::close(fd);
  EXPECT_EQ(out.rfind("HTTP/1.1 413", 0), 0u) << out;
  EXPECT_NE(out.find("payload_too_large"), std::string::npos);
  EXPECT_NE(out.find("1000 bytes"), std::string::npos);
  EXPECT_EQ(calls.load(), 0);
}

TEST_F(ServerStreamTest, AChunkedBodyOverTheLimitFailsTheReaderAndIsAnswered413) {
  std::promise<std::string> recorded;
  auto future = recorded.get_future();
  on_upload_ = [&](Request& req, Responder r) {
    Drained d = Drain(*req.body_stream);
    recorded.set_value(d.error);
    r(JsonResponse(200, {}));  // too late: the server answered already
  };
  int fd = Connect(port_);
  std::string wire = Chunked({Pattern(0, 500), Pattern(500, 500), Pattern(1000, 500), Pattern(1500, 500)});
  ASSERT_TRUE(SendAll(fd, "POST /small HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n" + wire));
  ::shutdown(fd, SHUT_WR);
  std::string out = ReadUntilClosed(fd);
  ::close(fd);
  EXPECT_EQ(out.rfind("HTTP/1.1 413", 0), 0u) << out;
  EXPECT_EQ(CountResponses(out), 1u) << out;
  EXPECT_EQ(RecordedError(future), "payload_too_large");
}

TEST_F(ServerStreamTest, AClientGoneMidBodyFailsTheReader) {
  std::promise<std::string> recorded;
  auto future = recorded.get_future();
  on_upload_ = [&](Request& req, Responder r) {
    Drained d = Drain(*req.body_stream);
    recorded.set_value(d.error);
    r(Answer(d));
  };
  int fd = Connect(port_);
  ASSERT_TRUE(SendAll(fd, "POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 1000000\r\n\r\n" + Pattern(0, 100000)));
  ::close(fd);
  EXPECT_EQ(RecordedError(future), "body_incomplete");
}

TEST_F(ServerStreamTest, TheConnectionStaysUsableAfterAStreamedRequest) {
  int fd = Connect(port_);
  std::string pending;
  ASSERT_TRUE(SendAll(fd, "POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 300000\r\n\r\n" + Pattern(0, 300000)));
  auto first = ReadReply(fd, &pending);
  ASSERT_TRUE(first);
  EXPECT_EQ(first->status, 200) << first->body;
  EXPECT_EQ(Json::parse(first->body)["bytes"], 300000);
  EXPECT_EQ(first->head.find("connection: close"), std::string::npos);

  ASSERT_TRUE(SendAll(fd, "POST /upload HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n" +
                              Chunked({Pattern(0, 70000), Pattern(70000, 5)})));
  auto second = ReadReply(fd, &pending);
  ASSERT_TRUE(second);
  EXPECT_EQ(second->status, 200) << second->body;
  EXPECT_EQ(Json::parse(second->body)["bytes"], 70005);

  // A body-less request on a streamed route ends at once; then an ordinary one.
  ASSERT_TRUE(SendAll(fd,
                      "POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n"
                      "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"));
  auto third = ReadReply(fd, &pending);
  ASSERT_TRUE(third);
  EXPECT_EQ(Json::parse(third->body)["bytes"], 0);
  auto fourth = ReadReply(fd, &pending);
  ASSERT_TRUE(fourth);
  EXPECT_EQ(fourth->status, 200);
  EXPECT_NE(fourth->body.find("\"ok\":true"), std::string::npos);
  ::close(fd);
}

TEST_F(ServerStreamTest, AnAnswerBeforeTheEndOfTheBodyClosesTheConnectionAfterIt) {
  std::promise<std::string> recorded;
  auto future = recorded.get_future();
  on_upload_ = [&](Request& req, Responder r) {
    r(ErrorResponse(422, "refused", "not this list"));
    recorded.set_value(Drain(*req.body_stream).error);  // pieces already read, then the rest is dropped
  };
  // The body is requests: read as the next request they would be answered.
  std::string body;
  while (body.size() < (1 << 20)) body += "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n";
  int fd = Connect(port_);
  std::thread sender([&] {
    (void)SendAll(fd, "POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 10000000\r\n\r\n" + body);
    ::shutdown(fd, SHUT_WR);
  });
  std::string out = ReadUntilClosed(fd);
  sender.join();
  ::close(fd);
  EXPECT_EQ(out.rfind("HTTP/1.1 422", 0), 0u) << out.substr(0, 200);
  EXPECT_EQ(CountResponses(out), 1u);
  std::string lower = out;
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  EXPECT_NE(lower.find("connection: close"), std::string::npos);
  EXPECT_EQ(RecordedError(future), "body_abandoned");

  int again = Connect(port_);
  std::string pending;
  ASSERT_TRUE(SendAll(again, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"));
  auto reply = ReadReply(again, &pending);
  ::close(again);
  ASSERT_TRUE(reply);
  EXPECT_EQ(reply->status, 200);
}

TEST_F(ServerStreamTest, ARefusedAdmissionAnswersBeforeTheHandlerRuns) {
  std::atomic<int> calls{0};
  on_upload_ = [&](Request&, Responder r) {
    ++calls;
    r(JsonResponse(200, {}));
  };
  int fd = Connect(port_);
  ASSERT_TRUE(SendAll(fd, "POST /guarded HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\n0123456789"));
  std::string out = ReadUntilClosed(fd);
  ::close(fd);
  EXPECT_EQ(out.rfind("HTTP/1.1 401", 0), 0u) << out;
  EXPECT_EQ(calls.load(), 0);
}

TEST_F(ServerStreamTest, StopWakesAHandlerWaitingForTheBody) {
  std::promise<void> reading;
  std::promise<std::string> recorded;
  auto started = reading.get_future();
  auto future = recorded.get_future();
  on_upload_ = [&](Request& req, Responder r) {
    Drained d = Drain(*req.body_stream, [&] { reading.set_value(); });
    recorded.set_value(d.error);
    r(Answer(d));
  };
  int fd = Connect(port_);
  ASSERT_TRUE(SendAll(fd, "POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 1000000\r\n\r\n" + Pattern(0, 1000)));
  ASSERT_EQ(started.wait_for(std::chrono::seconds(30)), std::future_status::ready);
  server_->Stop();  // returns only once the handler has
  ASSERT_EQ(future.wait_for(std::chrono::seconds(0)), std::future_status::ready);
  EXPECT_EQ(future.get(), "server_stopping");
  ::close(fd);
}

TEST(StreamedRouteTest, DispatchWithoutAServerStreamsTheBodyInHand) {
  Router router;
  std::vector<size_t> sizes;
  std::string joined;
  bool body_empty = false;
  router.AddStreamed("POST", "/lists/{id}", [&](Request& req, Responder r) {
    body_empty = req.body.empty();
    std::string piece;
    for (auto read = req.body_stream->Read(&piece); read.ok() && *read; read = req.body_stream->Read(&piece)) {
      sizes.push_back(piece.size());
      joined += piece;
    }
    r(JsonResponse(200, {{"id", req.params["id"]}}));
  });
  Request request;
  request.method = "POST";
  request.path = "/lists/7";
  request.body = Pattern(0, 200000);
  Response answer;
  router.Dispatch(request, Responder([&](Response r) { answer = std::move(r); }));
  EXPECT_EQ(answer.status, 200);
  EXPECT_NE(answer.body.find("\"7\""), std::string::npos);
  EXPECT_TRUE(body_empty);
  EXPECT_EQ(sizes, (std::vector<size_t>{65536, 65536, 65536, 3392}));
  EXPECT_EQ(joined, Pattern(0, 200000));
}

}  // namespace
}  // namespace wagate::http
