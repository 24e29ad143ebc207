// Against a real loopback server (events/test_http_server.hpp): port 0, waits on conditions with deadlines.
#include "wagate/events/http_poster.hpp"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <set>
#include <stdexcept>

#include "wagate/core/test_wait.hpp"
#include "wagate/events/test_http_server.hpp"

namespace wagate::events {
namespace {

using namespace std::chrono_literals;

// Collects answers from the poster's thread.
class Results {
 public:
  std::function<void(PostResult)> Callback() {
    return [this](PostResult result) {
      std::lock_guard lock(mu_);
      results_.push_back(std::move(result));
      cv_.notify_all();
    };
  }
  // Waits (up to 10 s) for `n` answers and returns all so far.
  std::vector<PostResult> WaitFor(size_t n) {
    std::unique_lock lock(mu_);
    cv_.wait_for(lock, 10s, [&] { return results_.size() >= n; });
    return results_;
  }
  PostResult WaitForOne() {
    std::vector<PostResult> all = WaitFor(1);
    EXPECT_EQ(all.size(), 1u);
    return all.empty() ? PostResult{} : all.front();
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<PostResult> results_;
};

PosterSettings LoopbackAllowed() {
  PosterSettings settings;
  settings.targets.allow_private = true;  // the test server is on 127.0.0.1
  return settings;
}

PostRequest To(const std::string& url, std::string body = R"({"event":"message.sent"})") {
  PostRequest request;
  request.url = url;
  request.body = std::move(body);
  return request;
}

TEST(HttpPoster, PostsTheBodyAndHeadersAndReportsTheAnswer) {
  TestHttpServer server([](const TestHttpRequest&) { return TestHttpServer::Response(200, R"({"ok":true})"); });
  Results results;
  HttpPoster poster(LoopbackAllowed());
  PostRequest request = To(server.Url());
  request.headers = {{"webhook-id", "msg_1"}, {"webhook-signature", "v1,abc"}, {"X-Empty", ""}};
  poster.Post(request, results.Callback());

  PostResult result = results.WaitForOne();
  EXPECT_EQ(result.status, 200);
  EXPECT_EQ(result.error_class, "");
  EXPECT_EQ(result.body, R"({"ok":true})");
  EXPECT_FALSE(result.retry_after_s.has_value());
  EXPECT_GE(result.latency_ms, 0);

  std::vector<TestHttpRequest> got = server.Requests();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_TRUE(got[0].head.starts_with("POST /hook HTTP/1.1\r\n")) << got[0].head;
  EXPECT_EQ(got[0].body, R"({"event":"message.sent"})");
  EXPECT_EQ(got[0].Header("content-type"), "application/json");
  EXPECT_EQ(got[0].Header("user-agent"), "wagate");
  EXPECT_EQ(got[0].Header("webhook-id"), "msg_1");
  EXPECT_EQ(got[0].Header("webhook-signature"), "v1,abc");
  EXPECT_EQ(got[0].Header("x-empty"), "");
  EXPECT_FALSE(got[0].Header("expect").has_value());
  EXPECT_TRUE(core::Eventually([&] { return poster.InFlight() == 0; }));
}

TEST(HttpPoster, AGivenContentTypeIsKept) {
  TestHttpServer server([](const TestHttpRequest&) { return TestHttpServer::Response(204); });
  Results results;
  HttpPoster poster(LoopbackAllowed());
  PostRequest request = To(server.Url(), std::string(5000, 'x'));  // large enough for curl to want 100-continue
  request.headers = {{"Content-Type", "text/plain"}};
  poster.Post(request, results.Callback());
  EXPECT_EQ(results.WaitForOne().status, 204);
  std::vector<TestHttpRequest> got = server.Requests();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].Header("content-type"), "text/plain");
  EXPECT_EQ(got[0].head.find("application/json"), std::string::npos);
  EXPECT_EQ(got[0].body.size(), 5000u);
}

TEST(HttpPoster, KeepsOnlyTheFirstBytesOfALongAnswer) {
  TestHttpServer server([](const TestHttpRequest&) { return TestHttpServer::Response(200, std::string(1000, 'a')); });
  Results results;
  PosterSettings settings = LoopbackAllowed();
  settings.max_body_bytes = 10;
  HttpPoster poster(settings);
  poster.Post(To(server.Url()), results.Callback());
  PostResult result = results.WaitForOne();
  EXPECT_EQ(result.status, 200);
  EXPECT_EQ(result.body, std::string(10, 'a'));
}

TEST(HttpPoster, ReportsRetryAfterInSecondsOrAsADate) {
  TestHttpServer server([](const TestHttpRequest& request) {
    if (request.body == "seconds") return TestHttpServer::Response(503, "busy", "Retry-After: 120\r\n");
    return TestHttpServer::Response(429, "",
                                    "Date: Wed, 21 Oct 2015 07:28:00 GMT\r\n"
                                    "Retry-After: Wed, 21 Oct 2015 07:30:00 GMT\r\n");
  });
  Results results;
  HttpPoster poster(LoopbackAllowed());
  poster.Post(To(server.Url(), "seconds"), results.Callback());
  std::vector<PostResult> got = results.WaitFor(1);
  poster.Post(To(server.Url(), "date"), results.Callback());
  got = results.WaitFor(2);
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0].status, 503);
  EXPECT_EQ(got[0].error_class, "");  // an HTTP answer, whatever its status
  EXPECT_EQ(got[0].body, "busy");
  EXPECT_EQ(got[0].retry_after_s, 120);
  EXPECT_EQ(got[1].status, 429);
  EXPECT_EQ(got[1].retry_after_s, 120);  // relative to the answer's own Date
}

TEST(HttpPoster, NeverFollowsARedirect) {
  TestHttpServer server([](const TestHttpRequest&) {
    return TestHttpServer::Response(302, "", "Location: http://169.254.169.254/latest/meta-data/\r\n");
  });
  Results results;
  HttpPoster poster(LoopbackAllowed());
  poster.Post(To(server.Url()), results.Callback());
  PostResult result = results.WaitForOne();
  EXPECT_EQ(result.status, 302);
  EXPECT_EQ(result.error_class, "");
  EXPECT_EQ(server.Requests().size(), 1u);
}

TEST(HttpPoster, ReusesItsConnection) {
  TestHttpServer server([](const TestHttpRequest&) { return TestHttpServer::Response(200, "ok"); });
  Results results;
  HttpPoster poster(LoopbackAllowed());
  for (size_t i = 1; i <= 3; ++i) {
    poster.Post(To(server.Url()), results.Callback());
    ASSERT_EQ(results.WaitFor(i).size(), i);
  }
  EXPECT_EQ(server.Accepts(), 1u);
  std::vector<TestHttpRequest> got = server.Requests();
  ASSERT_EQ(got.size(), 3u);
  EXPECT_EQ(got[2].connection, 0u);
  EXPECT_FALSE(got[0].Header("connection").has_value());  // no "Connection: close"
}

TEST(HttpPoster, RunsManyRequestsAtOnce) {
  TestHttpServer server([](const TestHttpRequest& request) { return TestHttpServer::Response(200, request.body); });
  Results results;
  HttpPoster poster(LoopbackAllowed());
  constexpr size_t kRequests = 20;
  for (size_t i = 0; i < kRequests; ++i) poster.Post(To(server.Url(), std::to_string(i)), results.Callback());
  std::vector<PostResult> got = results.WaitFor(kRequests);
  ASSERT_EQ(got.size(), kRequests);
  std::set<std::string> bodies;
  for (const PostResult& result : got) {
    EXPECT_EQ(result.status, 200);
    bodies.insert(result.body);
  }
  EXPECT_EQ(bodies.size(), kRequests);
  EXPECT_TRUE(core::Eventually([&] { return poster.InFlight() == 0; }));
}

TEST(HttpPoster, TimesOutAQuietServer) {
  TestHttpServer server([](const TestHttpRequest&) { return std::nullopt; });
  Results results;
  HttpPoster poster(LoopbackAllowed());
  PostRequest request = To(server.Url());
  request.timeout_ms = 200;
  poster.Post(request, results.Callback());
  PostResult result = results.WaitForOne();
  EXPECT_EQ(result.status, 0);
  EXPECT_EQ(result.error_class, "timeout");
  EXPECT_FALSE(result.error_message.empty());
  EXPECT_GE(result.latency_ms, 190);
}

TEST(HttpPoster, ARefusedConnectionIsAConnectError) {
  // A socket bound but not listening: its port refuses connections and stays ours meanwhile.
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  ASSERT_EQ(::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len), 0);
  Results results;
  HttpPoster poster(LoopbackAllowed());
  poster.Post(To("http://127.0.0.1:" + std::to_string(ntohs(addr.sin_port)) + "/hook"), results.Callback());
  PostResult result = results.WaitForOne();
  ::close(fd);
  EXPECT_EQ(result.status, 0);
  EXPECT_EQ(result.error_class, "connect");
  EXPECT_NE(result.error_message.find("127.0.0.1"), std::string::npos) << result.error_message;
}

TEST(HttpPoster, AHostThatDoesNotResolveIsADnsError) {
  Results results;
  HttpPoster poster(LoopbackAllowed());
  poster.Post(To("http://x..y/hook"), results.Callback());  // refused by the resolver without a query
  PostResult result = results.WaitForOne();
  EXPECT_EQ(result.status, 0);
  EXPECT_EQ(result.error_class, "dns");
}

TEST(HttpPoster, RefusesToConnectToAForbiddenAddress) {
  TestHttpServer server([](const TestHttpRequest&) { return TestHttpServer::Response(200); });
  Results results;
  HttpPoster poster(PosterSettings{});  // private targets not allowed
  poster.Post(To(server.Url()), results.Callback());
  poster.Post(To("http://localhost:" + std::to_string(server.port()) + "/hook"), results.Callback());
  std::vector<PostResult> got = results.WaitFor(2);
  ASSERT_EQ(got.size(), 2u);
  for (const PostResult& result : got) {
    EXPECT_EQ(result.status, 0);
    EXPECT_EQ(result.error_class, "forbidden_target");
    EXPECT_NE(result.error_message.find("events.allow_private_targets"), std::string::npos);
  }
  EXPECT_EQ(server.Accepts(), 0u);
}

TEST(HttpPoster, RefusesOtherSchemesAndHeaderInjection) {
  TestHttpServer server([](const TestHttpRequest&) { return TestHttpServer::Response(200); });
  Results results;
  HttpPoster poster(LoopbackAllowed());
  poster.Post(To("file:///etc/passwd"), results.Callback());
  PostRequest smuggled = To(server.Url());
  smuggled.headers = {{"X-A", "1\r\nX-Injected: 1"}};
  poster.Post(smuggled, results.Callback());
  PostRequest bad_name = To(server.Url());
  bad_name.headers = {{"X A", "1"}};
  poster.Post(bad_name, results.Callback());
  std::vector<PostResult> got = results.WaitFor(3);
  ASSERT_EQ(got.size(), 3u);
  for (const PostResult& result : got) {
    EXPECT_EQ(result.status, 0);
    EXPECT_EQ(result.error_class, "invalid_request") << result.error_message;
  }
  EXPECT_EQ(server.Accepts(), 0u);
}

TEST(HttpPoster, StopAnswersEveryPendingRequest) {
  TestHttpServer server([](const TestHttpRequest&) { return std::nullopt; });
  Results results;
  HttpPoster poster(LoopbackAllowed());
  constexpr size_t kRunning = 3;
  for (size_t i = 0; i < kRunning; ++i) poster.Post(To(server.Url()), results.Callback());
  ASSERT_TRUE(server.WaitForRequests(kRunning));      // these are on the wire, unanswered
  poster.Post(To(server.Url()), results.Callback());  // maybe still queued
  poster.Stop();
  EXPECT_EQ(poster.InFlight(), 0u);
  std::vector<PostResult> got = results.WaitFor(kRunning + 1);
  ASSERT_EQ(got.size(), kRunning + 1);
  for (const PostResult& result : got) {
    EXPECT_EQ(result.error_class, "io");
    EXPECT_EQ(result.error_message, "stopped");
  }
  // After Stop: answered at once, on the calling thread.
  poster.Post(To(server.Url()), results.Callback());
  got = results.WaitFor(kRunning + 2);
  ASSERT_EQ(got.size(), kRunning + 2);
  EXPECT_EQ(got.back().error_message, "stopped");
  poster.Stop();  // idempotent
}

TEST(HttpPoster, ADoneThatThrowsDoesNotStopThePoster) {
  TestHttpServer server([](const TestHttpRequest&) { return TestHttpServer::Response(200); });
  Results results;
  HttpPoster poster(LoopbackAllowed());
  poster.Post(To(server.Url()), [](const PostResult&) { throw std::runtime_error("boom"); });
  poster.Post(To(server.Url()), results.Callback());
  EXPECT_EQ(results.WaitForOne().status, 200);
}

TEST(HttpPoster, ParsesRetryAfter) {
  constexpr int64_t kNow = 1445412480;  // Wed, 21 Oct 2015 07:28:00 GMT
  EXPECT_EQ(ParseRetryAfter("120", kNow), 120);
  EXPECT_EQ(ParseRetryAfter(" 0 ", kNow), 0);
  EXPECT_EQ(ParseRetryAfter("Wed, 21 Oct 2015 07:30:00 GMT", kNow), 120);
  EXPECT_EQ(ParseRetryAfter("Wednesday, 21-Oct-15 07:30:00 GMT", kNow), 120);  // RFC 850
  EXPECT_EQ(ParseRetryAfter("Wed Oct 21 07:30:00 2015", kNow), 120);           // asctime
  EXPECT_EQ(ParseRetryAfter("Wed, 21 Oct 2015 07:00:00 GMT", kNow), 0);        // in the past
  EXPECT_EQ(ParseRetryAfter("99999999999999999999999", kNow), 1'000'000'000);
  EXPECT_FALSE(ParseRetryAfter("", kNow).has_value());
  EXPECT_FALSE(ParseRetryAfter("-5", kNow).has_value());
  EXPECT_FALSE(ParseRetryAfter("1.5", kNow).has_value());
  EXPECT_FALSE(ParseRetryAfter("soon", kNow).has_value());
  EXPECT_FALSE(ParseRetryAfter("12:00", kNow).has_value());
}

TEST(HttpPoster, ClassifiesCurlErrors) {
  EXPECT_EQ(ErrorClassOf(CURLE_OK), "");
  EXPECT_EQ(ErrorClassOf(CURLE_OPERATION_TIMEDOUT), "timeout");
  EXPECT_EQ(ErrorClassOf(CURLE_COULDNT_RESOLVE_HOST), "dns");
  EXPECT_EQ(ErrorClassOf(CURLE_COULDNT_CONNECT), "connect");
  EXPECT_EQ(ErrorClassOf(CURLE_PEER_FAILED_VERIFICATION), "tls");
  EXPECT_EQ(ErrorClassOf(CURLE_SSL_CONNECT_ERROR), "tls");
  EXPECT_EQ(ErrorClassOf(CURLE_UNSUPPORTED_PROTOCOL), "invalid_request");
  EXPECT_EQ(ErrorClassOf(CURLE_RECV_ERROR), "io");
  EXPECT_EQ(ErrorClassOf(CURLE_GOT_NOTHING), "io");
}

}  // namespace
}  // namespace wagate::events
