// Outgoing HTTP POSTs (event deliveries, pre-send hooks) on one background thread running a curl multi
// handle: keep-alive connections, no redirects, and every connection's address checked as it is made.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "wagate/events/target_guard.hpp"

namespace wagate::events {

struct PostRequest {
  std::string url;
  // Sent as given ("Content-Type: application/json" added unless one is given). A name must be a
  // token and no value may hold CR, LF or NUL, else the request fails with "invalid_request".
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  int64_t timeout_ms = 15000;  // the whole exchange: connecting, sending, the answer
};

struct PostResult {
  int status = 0;             // HTTP status; 0 when no answer came
  std::string error_class;    // "" when an HTTP answer came; else "timeout", "connect", "dns", "forbidden_target",
                              // "tls", "io" (also "stopped" requests) or "invalid_request" (a malformed
                              // URL or header: retrying cannot help)
  std::string error_message;  // curl's words, for logs (no secrets: never request headers)
  std::string body;           // the answer's body, at most PosterSettings::max_body_bytes; the rest discarded
  std::optional<int64_t> retry_after_s;  // from Retry-After (delta-seconds or HTTP-date), ≥ 0, when present
  int64_t latency_ms = 0;                // the exchange as curl timed it (connecting included)
};

struct PosterSettings {
  TargetPolicy targets;  // checked at connect time for every address (DNS rebinding cannot bypass it)
  size_t max_body_bytes = 65536;
  long max_connections = 256;     // open at once, over all hosts (more requests wait in curl's queue)
  long max_host_connections = 0;  // per host; 0: unlimited
  int64_t connect_timeout_ms = 5000;
  std::string user_agent = "wagate";
};

// Thread-safe. Post never blocks on I/O; `done` runs on the poster's thread (keep it quick: hand work
// elsewhere), exactly once per request. Owns one thread from construction until Stop. Construction
// throws std::runtime_error only when curl cannot make its multi handle (start-up). Do not destroy the
// poster from a `done`.
// What the outbox deliverer and the pre-send hooks post through: HttpPoster, or a scripted one in tests.
class Poster {
 public:
  virtual ~Poster() = default;
  // `done` runs exactly once, on the poster's thread (keep it quick).
  virtual void Post(PostRequest request, std::function<void(PostResult)> done) = 0;
};

class HttpPoster final : public Poster {
 public:
  explicit HttpPoster(PosterSettings settings);
  ~HttpPoster();  // Stop()
  HttpPoster(const HttpPoster&) = delete;
  HttpPoster& operator=(const HttpPoster&) = delete;

  // Queues a POST and wakes the poster's thread. After Stop, `done` runs at once on the calling
  // thread with error_class "io" and error_message "stopped".
  void Post(PostRequest request, std::function<void(PostResult)> done) override;
  // Stops accepting, answers every queued and running request with error_class "io", error_message
  // "stopped" (their connections are dropped), and joins the thread. Idempotent. From a `done` it only
  // asks the thread to stop (the destructor joins it).
  void Stop();
  // Requests posted whose `done` has not returned yet.
  size_t InFlight() const;

 private:
  class Impl;  // curl's handles and the thread (http_poster.cpp)
  std::unique_ptr<Impl> impl_;
};

// A Retry-After value in seconds from now (exposed for tests): delta-seconds, or an HTTP-date taken
// relative to `now_s` (Unix seconds; the poster passes the answer's Date header, else its own clock).
// Clamped to ≥ 0; nullopt when it is neither form.
std::optional<int64_t> ParseRetryAfter(std::string_view value, int64_t now_s);

// The error class of a curl result code (exposed for tests): "timeout", "connect", "dns", "tls",
// "invalid_request" or "io"; "" for CURLE_OK.
std::string_view ErrorClassOf(int curl_code);

}  // namespace wagate::events
