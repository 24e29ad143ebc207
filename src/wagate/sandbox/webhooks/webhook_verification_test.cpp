// The subscription handshake: its URL and verdicts, and the sender holding deliveries until the endpoint
// passed it, against a tiny loopback receiver (real sockets on port 0, waits on conditions with deadlines).
#include "wagate/sandbox/webhooks/webhook_verification.hpp"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <condition_variable>
#include <functional>
#include <map>
#include <mutex>
#include <thread>

#include "wagate/http/message.hpp"
#include "wagate/sandbox/webhooks/webhook_sender.hpp"

namespace wagate::sandbox {
namespace {

using namespace std::chrono_literals;

struct Request {
  std::string method;
  std::string target;  // path and query, as sent
  std::string body;
  // The query's parameters, decoded.
  std::map<std::string, std::string> Query() const {
    size_t q = target.find('?');
    if (q == std::string::npos) return {};
    std::map<std::string, std::string> out;
    for (auto& [key, value] : http::ParseUrlEncoded(std::string_view(target).substr(q + 1))) out[key] = value;
    return out;
  }
};

struct Answer {
  int status = 200;
  std::string body;
};

// Answers every request with `answer(request)` and keeps them all. One thread per connection: the sender's
// delivery threads keep theirs open while the handshake comes on a fresh one.
class Endpoint {
 public:
  explicit Endpoint(std::function<Answer(const Request&)> answer) : answer_(std::move(answer)) {
    listen_fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || ::listen(listen_fd_, 16) != 0) {
      ADD_FAILURE() << "the test endpoint cannot listen on loopback";
    }
    socklen_t len = sizeof addr;
    ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this] { Serve(); });
  }
  ~Endpoint() {
    ::shutdown(listen_fd_, SHUT_RDWR);
    ::close(listen_fd_);
    thread_.join();
    std::lock_guard lock(conn_mu_);  // the accept loop has ended: no connection is added any more
    for (int fd : conn_fds_) ::shutdown(fd, SHUT_RDWR);
    for (auto& t : conn_threads_) t.join();
    for (int fd : conn_fds_) ::close(fd);
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/webhooks/whatsapp"; }

  // Waits up to 5 s until `done` holds for the requests received so far; returns them.
  std::vector<Request> WaitFor(const std::function<bool(const std::vector<Request>&)>& done) {
    std::unique_lock lock(mu_);
    cv_.wait_for(lock, 5s, [&] { return done(got_); });
    return got_;
  }
  std::vector<Request> Got() {
    std::lock_guard lock(mu_);
    return got_;
  }

 private:
  void Serve() {
    for (;;) {
      int fd = ::accept(listen_fd_, nullptr, nullptr);
      if (fd < 0) return;
      std::lock_guard lock(conn_mu_);
      conn_fds_.push_back(fd);
      conn_threads_.emplace_back([this, fd] { ServeConnection(fd); });
    }
  }

  // Closes nothing: the destructor does, after joining, so a descriptor is never reused under a thread.
  void ServeConnection(int fd) {
    std::string buffer;
    char chunk[4096];
    for (;;) {
      size_t header_end = buffer.find("\r\n\r\n");
      if (header_end != std::string::npos) {
        std::string headers = buffer.substr(0, header_end);
        size_t cl = headers.find("Content-Length: ");
        size_t length = cl == std::string::npos ? 0 : std::stoul(headers.substr(cl + 16));
        if (buffer.size() >= header_end + 4 + length) {
          Request request;
          size_t sp1 = headers.find(' ');
          size_t sp2 = headers.find(' ', sp1 + 1);
          request.method = headers.substr(0, sp1);
          request.target = headers.substr(sp1 + 1, sp2 - sp1 - 1);
          request.body = buffer.substr(header_end + 4, length);
          Answer answer = answer_(request);
          {
            std::lock_guard lock(mu_);
            got_.push_back(request);
          }
          cv_.notify_all();
          buffer.erase(0, header_end + 4 + length);
          std::string reply = "HTTP/1.1 " + std::to_string(answer.status) +
                              " X\r\nContent-Length: " + std::to_string(answer.body.size()) + "\r\n\r\n" + answer.body;
          (void)::send(fd, reply.data(), reply.size(), MSG_NOSIGNAL);  // no SIGPIPE if the client hung up
          continue;
        }
      }
      ssize_t n = ::read(fd, chunk, sizeof chunk);
      if (n <= 0) break;
      buffer.append(chunk, static_cast<size_t>(n));
    }
  }

  std::function<Answer(const Request&)> answer_;
  int listen_fd_ = -1;
  uint16_t port_ = 0;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<Request> got_;
  std::thread thread_;
  std::mutex conn_mu_;
  std::vector<int> conn_fds_;  // closed at destruction
  std::vector<std::thread> conn_threads_;
};

// A gateway that knows `token`: echoes the challenge of a handshake carrying it, 403 otherwise; 200 to POSTs.
std::function<Answer(const Request&)> GatewayWithToken(const std::string& token) {
  return [token](const Request& r) -> Answer {
    if (r.method != "GET") return {200, ""};
    auto q = r.Query();
    if (q["hub.mode"] == "subscribe" && q["hub.verify_token"] == token) return {200, q["hub.challenge"]};
    return {403, "forbidden"};
  };
}

WebhookEvent SentStatus() {
  WebhookEvent e;
  e.phone_number_id = "106540352242922";
  e.wamid = "wamid.V";
  e.peer_wa_id = "16505551234";
  e.timestamp_s = 1;
  e.status = "sent";
  return e;
}

WebhookSenderSettings Settings(const std::string& url, const std::string& token, std::chrono::seconds horizon = 3600s) {
  return WebhookSenderSettings{.url = url,
                               .app_secret = "k",
                               .threads = 2,
                               .horizon = horizon,
                               .request_timeout = 2000ms,
                               .verify_token = token};
}

bool WaitUntil(const std::function<bool()>& done) {
  auto deadline = std::chrono::steady_clock::now() + 5s;
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(1ms);
  }
  return true;
}

size_t Count(const std::vector<Request>& got, const std::string& method) {
  return static_cast<size_t>(
      std::count_if(got.begin(), got.end(), [&](const Request& r) { return r.method == method; }));
}

TEST(SandboxWebhookVerificationTest, UrlCarriesTheThreeHubParameters) {
  EXPECT_EQ(VerificationUrl("http://h/w", "tok", "1234567890"),
            "http://h/w?hub.mode=subscribe&hub.challenge=1234567890&hub.verify_token=tok");
  EXPECT_EQ(VerificationUrl("http://h/w?tenant=a", "tok", "1"),
            "http://h/w?tenant=a&hub.mode=subscribe&hub.challenge=1&hub.verify_token=tok");
  EXPECT_EQ(VerificationUrl("http://h/w?", "tok", "1"),
            "http://h/w?hub.mode=subscribe&hub.challenge=1&hub.verify_token=tok");
  EXPECT_EQ(VerificationUrl("http://h/w#f", "a b&c=d/é", "1"),
            "http://h/w?hub.mode=subscribe&hub.challenge=1&hub.verify_token=a%20b%26c%3Dd%2F%C3%A9#f");
}

TEST(SandboxWebhookVerificationTest, OnlyA200EchoingTheChallengePasses) {
  EXPECT_EQ(JudgeVerificationAnswer(200, "42", "42", ""), std::nullopt);
  EXPECT_EQ(JudgeVerificationAnswer(403, "42", "42", ""), "HTTP 403");
  EXPECT_EQ(JudgeVerificationAnswer(200, "xyz", "42", ""), "answered \"xyz\", expected the challenge");
  EXPECT_EQ(JudgeVerificationAnswer(200, "42\n", "42", ""), "answered \"42\\n\", expected the challenge");
  EXPECT_EQ(JudgeVerificationAnswer(200, std::string(100, 'a'), "42", ""),
            "answered \"" + std::string(64, 'a') + "…\", expected the challenge");
  EXPECT_EQ(JudgeVerificationAnswer(0, "", "42", "Couldn't connect to server"), "Couldn't connect to server");
}

TEST(SandboxWebhookVerificationTest, StatsJson) {
  EXPECT_EQ(VerificationToJson({}),
            nlohmann::json::parse(R"({"state":"not_required","attempts":0,"last_error":null})"));
  EXPECT_EQ(VerificationToJson({VerificationState::kFailed, 3, "HTTP 403"}),
            nlohmann::json::parse(R"({"state":"failed","attempts":3,"last_error":"HTTP 403"})"));
}

TEST(SandboxWebhookVerificationTest, WithoutATokenWebhooksLeaveWithNoHandshake) {
  Endpoint endpoint(GatewayWithToken("tok"));
  WebhookSender sender(Settings(endpoint.url(), ""));
  EXPECT_EQ(sender.verification().state, VerificationState::kNotRequired);
  sender.Start();
  ASSERT_TRUE(sender.Schedule(SentStatus(), std::chrono::steady_clock::now()));
  ASSERT_TRUE(WaitUntil([&] { return sender.stats().delivered == 1; }));
  EXPECT_EQ(Count(endpoint.Got(), "GET"), 0u);
  sender.Stop();
}

TEST(SandboxWebhookVerificationTest, AnEchoingEndpointIsVerifiedFirstThenReceivesWebhooks) {
  Endpoint endpoint(GatewayWithToken("tok"));
  WebhookSender sender(Settings(endpoint.url(), "tok"));
  EXPECT_EQ(sender.verification().state, VerificationState::kPending);
  ASSERT_TRUE(sender.Schedule(SentStatus(), std::chrono::steady_clock::now()));  // queued before the handshake
  sender.Start();
  ASSERT_TRUE(WaitUntil([&] { return sender.stats().delivered == 1; }));
  std::vector<Request> got = endpoint.Got();
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0].method, "GET");
  auto query = got[0].Query();
  EXPECT_EQ(query["hub.mode"], "subscribe");
  EXPECT_EQ(query["hub.verify_token"], "tok");
  EXPECT_EQ(query["hub.challenge"].size(), 10u);
  EXPECT_EQ(query["hub.challenge"].find_first_not_of("0123456789"), std::string::npos);
  EXPECT_EQ(got[1].method, "POST");
  WebhookVerificationStats v = sender.verification();
  EXPECT_EQ(v.state, VerificationState::kVerified);
  EXPECT_EQ(v.attempts, 1u);
  EXPECT_EQ(v.last_error, std::nullopt);
  sender.Stop();
}

TEST(SandboxWebhookVerificationTest, ARefusingEndpointGetsNoPostAndIsAskedAgain) {
  Endpoint endpoint(GatewayWithToken("another token"));
  WebhookSender sender(Settings(endpoint.url(), "tok"));
  sender.Start();
  ASSERT_TRUE(sender.Schedule(SentStatus(), std::chrono::steady_clock::now()));
  std::vector<Request> got = endpoint.WaitFor([](const auto& g) { return Count(g, "GET") >= 3; });
  EXPECT_GE(Count(got, "GET"), 3u) << "retried with the delivery backoff";
  EXPECT_EQ(Count(got, "POST"), 0u);
  ASSERT_TRUE(WaitUntil([&] { return sender.verification().attempts >= 3; }));
  WebhookVerificationStats v = sender.verification();
  EXPECT_EQ(v.state, VerificationState::kFailed);
  EXPECT_EQ(v.last_error, "HTTP 403");
  EXPECT_EQ(sender.stats().pending, 1u);
  EXPECT_EQ(sender.stats().delivered, 0u);
  sender.Stop();
}

TEST(SandboxWebhookVerificationTest, AWrongBodyFailsAndSaysWhatCameBack) {
  Endpoint endpoint([](const Request& r) -> Answer { return {200, r.method == "GET" ? "xyz" : ""}; });
  WebhookSender sender(Settings(endpoint.url(), "tok"));
  sender.Start();
  ASSERT_TRUE(WaitUntil([&] { return sender.verification().attempts >= 1; }));
  EXPECT_EQ(sender.verification().state, VerificationState::kFailed);
  EXPECT_EQ(sender.verification().last_error, "answered \"xyz\", expected the challenge");
  sender.Stop();
}

TEST(SandboxWebhookVerificationTest, ANewTokenOrUrlIsVerifiedAgainAndReleasesTheQueue) {
  Endpoint endpoint(GatewayWithToken("right"));
  WebhookSender sender(Settings(endpoint.url(), "wrong"));
  sender.Start();
  ASSERT_TRUE(sender.Schedule(SentStatus(), std::chrono::steady_clock::now()));
  ASSERT_TRUE(WaitUntil([&] { return sender.verification().attempts >= 1; }));
  EXPECT_EQ(sender.verification().state, VerificationState::kFailed);

  sender.SetTarget(endpoint.url(), "k", "right");
  ASSERT_TRUE(WaitUntil([&] { return sender.stats().delivered == 1; }));
  EXPECT_EQ(sender.verification().state, VerificationState::kVerified);
  EXPECT_EQ(sender.verification().attempts, 1u) << "attempts count for the current URL and token";
  size_t gets = Count(endpoint.Got(), "GET");

  sender.SetTarget(endpoint.url(), "new-secret", "right");  // same URL and token: no new handshake
  ASSERT_TRUE(sender.Schedule(SentStatus(), std::chrono::steady_clock::now()));
  ASSERT_TRUE(WaitUntil([&] { return sender.stats().delivered == 2; }));
  EXPECT_EQ(Count(endpoint.Got(), "GET"), gets);

  sender.SetTarget(endpoint.url() + "?again=1", "k", "right");  // a new URL: verified again, query kept
  std::vector<Request> got = endpoint.WaitFor([&](const auto& g) { return Count(g, "GET") > gets; });
  ASSERT_GT(Count(got, "GET"), gets);
  EXPECT_EQ(got.back().Query()["again"], "1");
  ASSERT_TRUE(WaitUntil([&] { return sender.verification().state == VerificationState::kVerified; }));
  sender.Stop();
}

TEST(SandboxWebhookVerificationTest, EventsWaitingForAFailingHandshakeAgeOutAtTheHorizon) {
  Endpoint endpoint(GatewayWithToken("right"));
  WebhookSender sender(Settings(endpoint.url(), "wrong", 1s));
  sender.Start();
  ASSERT_TRUE(sender.Schedule(SentStatus(), std::chrono::steady_clock::now()));
  ASSERT_TRUE(WaitUntil([&] { return sender.stats().dropped == 1; }));
  EXPECT_EQ(sender.stats().pending, 0u);
  EXPECT_EQ(Count(endpoint.Got(), "POST"), 0u);
  sender.Stop();
}

}  // namespace
}  // namespace wagate::sandbox
