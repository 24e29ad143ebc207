// Delivery against a tiny loopback receiver: real sockets on port 0, waits on conditions with deadlines.
#include "wagate/sandbox/webhooks/webhook_sender.hpp"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>

#include "wagate/security/crypto.hpp"

namespace wagate::sandbox {
namespace {

using namespace std::chrono_literals;

// Answers each POST with the next status from `statuses` (then 200) and keeps what it received.
class Receiver {
 public:
  explicit Receiver(std::deque<int> statuses) : statuses_(std::move(statuses)) {
    listen_fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || ::listen(listen_fd_, 16) != 0) {
      ADD_FAILURE() << "the test receiver cannot listen on loopback";
    }
    socklen_t len = sizeof addr;
    ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this] { Serve(); });
  }
  ~Receiver() {
    ::shutdown(listen_fd_, SHUT_RDWR);
    ::close(listen_fd_);
    thread_.join();
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/webhooks/whatsapp"; }

  struct Got {
    std::string headers;
    std::string body;
  };
  // Waits up to 5 s for `n` requests.
  std::vector<Got> WaitFor(size_t n) {
    std::unique_lock lock(mu_);
    cv_.wait_for(lock, 5s, [&] { return got_.size() >= n; });
    return got_;
  }

 private:
  void Serve() {
    for (;;) {
      int fd = ::accept(listen_fd_, nullptr, nullptr);
      if (fd < 0) return;
      std::string buffer;
      char chunk[4096];
      for (;;) {
        size_t header_end = buffer.find("\r\n\r\n");
        if (header_end != std::string::npos) {
          std::string headers = buffer.substr(0, header_end);
          size_t cl = headers.find("Content-Length: ");
          size_t length = cl == std::string::npos ? 0 : std::stoul(headers.substr(cl + 16));
          if (buffer.size() >= header_end + 4 + length) {
            int status = 200;
            {
              std::lock_guard lock(mu_);
              got_.push_back({headers, buffer.substr(header_end + 4, length)});
              if (!statuses_.empty()) {
                status = statuses_.front();
                statuses_.pop_front();
              }
            }
            cv_.notify_all();
            buffer.erase(0, header_end + 4 + length);
            std::string reply = "HTTP/1.1 " + std::to_string(status) + " X\r\nContent-Length: 0\r\n\r\n";
            (void)::send(fd, reply.data(), reply.size(), MSG_NOSIGNAL);  // no SIGPIPE if the client hung up
            continue;
          }
        }
        ssize_t n = ::read(fd, chunk, sizeof chunk);
        if (n <= 0) break;
        buffer.append(chunk, static_cast<size_t>(n));
      }
      ::close(fd);
    }
  }

  int listen_fd_ = -1;
  uint16_t port_ = 0;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<int> statuses_;
  std::vector<Got> got_;
  std::thread thread_;
};

WebhookEvent SentStatus() {
  WebhookEvent e;
  e.phone_number_id = "106540352242922";
  e.wamid = "wamid.T";
  e.peer_wa_id = "16505551234";
  e.timestamp_s = 1;
  e.status = "sent";
  e.text = "ü";  // unused by statuses; non-ASCII must not break anything
  return e;
}

bool WaitUntil(const std::function<bool()>& done) {
  auto deadline = std::chrono::steady_clock::now() + 5s;
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::yield();
  }
  return true;
}

TEST(SandboxWebhookSenderTest, PostsSignedAsciiBody) {
  Receiver receiver({});
  WebhookSender sender(WebhookSenderSettings{receiver.url(), "s3cret", 2, 1, 3600s, 100, 2000ms, ""});
  sender.Start();
  ASSERT_TRUE(sender.Schedule(SentStatus(), std::chrono::steady_clock::now()));
  auto got = receiver.WaitFor(1);
  ASSERT_EQ(got.size(), 1u);
  std::string expected = "X-Hub-Signature-256: sha256=" + security::HmacSha256Hex("s3cret", got[0].body);
  EXPECT_NE(got[0].headers.find(expected), std::string::npos) << got[0].headers;
  EXPECT_EQ(nlohmann::json::parse(got[0].body)["entry"][0]["changes"][0]["value"]["statuses"][0]["id"], "wamid.T");
  EXPECT_TRUE(WaitUntil([&] { return sender.stats().delivered == 1; }));
  sender.Stop();
}

TEST(SandboxWebhookSenderTest, RetriesUntilTheEndpointAnswers200) {
  Receiver receiver({500, 503});
  WebhookSender sender(WebhookSenderSettings{receiver.url(), "k", 1, 1, 3600s, 100, 2000ms, ""});
  sender.Start();
  sender.Schedule(SentStatus(), std::chrono::steady_clock::now());
  auto got = receiver.WaitFor(3);
  ASSERT_EQ(got.size(), 3u);
  EXPECT_EQ(got[0].body, got[2].body);
  EXPECT_TRUE(WaitUntil([&] { return sender.stats().delivered == 1; }));
  WebhookSenderStats stats = sender.stats();
  EXPECT_EQ(stats.failed_attempts, 2u);
  EXPECT_EQ(stats.pending, 0u);
  sender.Stop();
}

TEST(SandboxWebhookSenderTest, StatusesOfOneMessageLeaveInOrderEvenAcrossARetry) {
  // The first POST (sent) fails: delivered and read, already due, wait for it instead of overtaking.
  Receiver receiver({500});
  WebhookSender sender(WebhookSenderSettings{receiver.url(), "k", 1, 1, 3600s, 100, 2000ms, ""});
  auto now = std::chrono::steady_clock::now();
  for (const char* status : {"sent", "delivered", "read"}) {
    WebhookEvent e = SentStatus();
    e.status = status;
    ASSERT_TRUE(sender.Schedule(e, now));
  }
  WebhookEvent other = SentStatus();  // another message is not held back by this one
  other.wamid = "wamid.U";
  ASSERT_TRUE(sender.Schedule(other, now));
  sender.Start();
  auto got = receiver.WaitFor(5);
  ASSERT_EQ(got.size(), 5u);
  std::vector<std::string> order;
  for (const auto& g : got) {
    nlohmann::json payload = nlohmann::json::parse(g.body);
    for (const auto& st : payload["entry"][0]["changes"][0]["value"]["statuses"]) {
      if (st["id"] == "wamid.T") order.push_back(st["status"]);
    }
  }
  EXPECT_EQ(order, (std::vector<std::string>{"sent", "sent", "delivered", "read"}));
  EXPECT_TRUE(WaitUntil([&] { return sender.stats().delivered == 4; }));
  sender.Stop();
}

TEST(SandboxWebhookSenderTest, NothingIsQueuedWithoutUrlAndTheQueueIsBounded) {
  WebhookSender no_url(WebhookSenderSettings{"", "k", 1, 1, 3600s, 100, 2000ms, ""});
  EXPECT_FALSE(no_url.Schedule(SentStatus(), std::chrono::steady_clock::now()));

  WebhookSender small(WebhookSenderSettings{"http://127.0.0.1:1/w", "k", 1, 1, 3600s, 2, 2000ms, ""});
  auto later = std::chrono::steady_clock::now() + 1h;  // not started: nothing leaves the queue
  EXPECT_TRUE(small.Schedule(SentStatus(), later));
  EXPECT_TRUE(small.Schedule(SentStatus(), later));
  EXPECT_FALSE(small.Schedule(SentStatus(), later));
  EXPECT_EQ(small.stats().pending, 2u);
  EXPECT_EQ(small.stats().dropped, 1u);
}

}  // namespace
}  // namespace wagate::sandbox
