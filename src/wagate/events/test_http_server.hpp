// For tests: a tiny blocking HTTP/1.1 server on 127.0.0.1 (port 0) that answers each request with what
// a handler says, counts connections, and keeps what it received. Keep-alive; Content-Length bodies only.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace wagate::events {

struct TestHttpRequest {
  std::string head;  // request line and headers, without the blank line
  std::string body;
  size_t connection = 0;  // which accepted connection carried it (0, 1, …)

  // The first header of that name (case-insensitive), trimmed; nullopt when absent.
  std::optional<std::string> Header(std::string_view name) const {
    size_t at = head.find("\r\n");
    while (at != std::string::npos) {
      size_t start = at + 2;
      size_t end = head.find("\r\n", start);
      std::string_view line = std::string_view(head).substr(start, end == std::string::npos ? end : end - start);
      size_t colon = line.find(':');
      if (colon == name.size() && std::equal(name.begin(), name.end(), line.begin(), [](char a, char b) {
            return std::tolower(static_cast<unsigned char>(a)) == std::tolower(static_cast<unsigned char>(b));
          })) {
        std::string_view value = line.substr(colon + 1);
        while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
        return std::string(value);
      }
      at = end;
    }
    return std::nullopt;
  }
};

class TestHttpServer {
 public:
  // The raw answer to write, or nullopt to never answer (the connection stays open until the server
  // is destroyed). Runs on the connection's thread.
  using Handler = std::function<std::optional<std::string>(const TestHttpRequest&)>;

  static constexpr size_t kMaxConnections = 64;  // more are closed at once (bounds the threads)
  static constexpr size_t kMaxRequestBytes = 1 << 20;

  explicit TestHttpServer(Handler handler) : handler_(std::move(handler)) {
    listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    if (listen_fd_ < 0 || ::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
        ::listen(listen_fd_, 64) != 0 || ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
      if (listen_fd_ >= 0) ::close(listen_fd_);
      throw std::runtime_error("the test server cannot listen on loopback");
    }
    port_ = ntohs(addr.sin_port);
    accept_thread_ = std::thread([this] { AcceptLoop(); });
  }

  ~TestHttpServer() {
    {
      std::lock_guard lock(mu_);
      stopping_ = true;
    }
    cv_.notify_all();
    ::shutdown(listen_fd_, SHUT_RDWR);  // wakes accept()
    accept_thread_.join();
    ::close(listen_fd_);
    {
      std::lock_guard lock(mu_);
      for (int fd : open_fds_) ::shutdown(fd, SHUT_RDWR);  // wakes read()
    }
    cv_.notify_all();
    for (std::thread& t : connection_threads_) t.join();
  }

  TestHttpServer(const TestHttpServer&) = delete;
  TestHttpServer& operator=(const TestHttpServer&) = delete;

  uint16_t port() const { return port_; }
  std::string Url(std::string_view path = "/hook") const {
    return "http://127.0.0.1:" + std::to_string(port_) + std::string(path);
  }
  size_t Accepts() const {
    std::lock_guard lock(mu_);
    return accepts_;
  }
  std::vector<TestHttpRequest> Requests() const {
    std::lock_guard lock(mu_);
    return requests_;
  }
  // Waits (up to `timeout`) until `n` requests have arrived; false if they did not.
  bool WaitForRequests(size_t n, std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, timeout, [&] { return requests_.size() >= n; });
  }

  // "HTTP/1.1 {status} X" with Content-Length, the extra header lines ("Name: value\r\n" each) and body.
  static std::string Response(int status, std::string_view body = "", std::string_view extra_headers = "") {
    return "HTTP/1.1 " + std::to_string(status) + " X\r\nContent-Length: " + std::to_string(body.size()) + "\r\n" +
           std::string(extra_headers) + "\r\n" + std::string(body);
  }

 private:
  void AcceptLoop() {
    for (;;) {
      int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (fd < 0) return;  // shut down
      std::lock_guard lock(mu_);
      if (stopping_ || connection_threads_.size() >= kMaxConnections) {
        ::close(fd);
        continue;
      }
      size_t connection = accepts_++;
      open_fds_.insert(fd);
      connection_threads_.emplace_back([this, fd, connection] { Serve(fd, connection); });
    }
  }

  void Serve(int fd, size_t connection) {
    std::string buffer;
    char chunk[4096];
    bool open = true;
    while (open && buffer.size() <= kMaxRequestBytes) {
      size_t head_end = buffer.find("\r\n\r\n");
      if (head_end != std::string::npos) {
        TestHttpRequest request;
        request.head = buffer.substr(0, head_end);
        request.connection = connection;
        size_t length = 0;
        if (auto value = request.Header("content-length")) length = std::stoul(*value);
        if (buffer.size() >= head_end + 4 + length) {
          request.body = buffer.substr(head_end + 4, length);
          buffer.erase(0, head_end + 4 + length);
          std::optional<std::string> answer = handler_(request);
          {
            std::unique_lock lock(mu_);
            requests_.push_back(request);
            cv_.notify_all();
            if (!answer) cv_.wait(lock, [&] { return stopping_; });  // hold the request unanswered
          }
          // send, not write: a client that hung up must not raise SIGPIPE and kill the whole test binary.
          if (!answer ||
              ::send(fd, answer->data(), answer->size(), MSG_NOSIGNAL) != static_cast<ssize_t>(answer->size()))
            break;
          continue;
        }
      }
      ssize_t n = ::read(fd, chunk, sizeof chunk);
      if (n <= 0) open = false;
      if (n > 0) buffer.append(chunk, static_cast<size_t>(n));
    }
    std::lock_guard lock(mu_);
    open_fds_.erase(fd);
    ::close(fd);
  }

  Handler handler_;
  int listen_fd_ = -1;
  uint16_t port_ = 0;
  std::thread accept_thread_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;                        // guarded by mu_
  size_t accepts_ = 0;                           // guarded by mu_
  std::set<int> open_fds_;                       // guarded by mu_
  std::vector<TestHttpRequest> requests_;        // guarded by mu_
  std::vector<std::thread> connection_threads_;  // guarded by mu_ (joined after the accept thread ends)
};

}  // namespace wagate::events
