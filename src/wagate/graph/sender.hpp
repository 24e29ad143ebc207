// What the engine needs of Graph: send a batch of message requests, each answered with a verdict.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "wagate/core/graph_error.hpp"
#include "wagate/graph/error_classifier.hpp"

namespace wagate::graph {

struct SendResult {
  Verdict verdict = Verdict::kRetry;
  ThrottleScope throttle = ThrottleScope::kNone;  // whom a kThrottled answer slows down
  int http_status = 0;                            // 0: no answer (connection error or timeout)
  std::string wamid;                              // when accepted
  core::GraphError error;                         // Meta's code/title/details, or ours for transport errors
  std::optional<int64_t> retry_after_ms;          // from a Retry-After header
};

struct SendRequest {
  std::string phone_number_id;
  std::string access_token;
  std::string body;
  // Called on the sending thread when the request is about to be written to its connection
  // (connected, nothing sent yet): the closest to the wire libcurl tells. Pacing counts from here.
  std::function<void()> on_departure;
};

// The one seam between the engine and Graph: graph::Client in production, a scripted fake in the
// engine's tests. Implementations are thread-safe (every engine worker sends through one sender).
class Sender {
 public:
  virtual ~Sender() = default;
  // Sends all requests concurrently and returns their results in the same order; each request has
  // the deadline of a single one. Never throws: a transport failure is a kRetry result.
  virtual std::vector<SendResult> SendBatch(const std::vector<SendRequest>& requests) const = 0;
};

}  // namespace wagate::graph
