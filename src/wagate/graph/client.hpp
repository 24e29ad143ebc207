// Cloud API client (libcurl): POST /{version}/{phone_number_id}/messages with the outlet's token.
#pragma once

#include <cstdint>
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "wagate/graph/error_classifier.hpp"
#include "wagate/store/records.hpp"

namespace wagate::graph {

struct ClientSettings {
  std::string base_url = "https://graph.facebook.com";
  std::string version = "v24.0";
  int64_t timeout_ms = 10000;
  int64_t connect_timeout_ms = 3000;
};

struct SendResult {
  Verdict verdict = Verdict::kRetry;
  ThrottleScope throttle = ThrottleScope::kNone;  // whom a kThrottled answer slows down
  int http_status = 0;          // 0: no answer (connection error or timeout)
  std::string wamid;            // when accepted
  store::GraphError error;      // Meta's code/title/details, or ours for transport errors
  std::optional<int64_t> retry_after_ms;  // from a Retry-After header
};

struct SendRequest {
  std::string phone_number_id;
  std::string access_token;
  std::string body;
  // Called on the sending thread when the request is about to be written to its connection
  // (connected, nothing sent yet): the closest to the wire libcurl tells. Pacing counts from here.
  std::function<void()> on_departure;
};

// Thread-safe: each calling thread keeps its own curl handles (and so its own keep-alive connections).
class Client final {
 public:
  explicit Client(ClientSettings settings) : settings_(std::move(settings)) {}
  SendResult SendMessage(const std::string& phone_number_id, const std::string& access_token,
                         const std::string& body) const;
  // Sends all requests concurrently (curl multi) and returns their results in the same order; every
  // request has the same deadline as a single one.
  std::vector<SendResult> SendBatch(const std::vector<SendRequest>& requests) const;

 private:
  ClientSettings settings_;
};

// Meta's error object ({"error":{code, message, error_data.details}}) of a parsed answer, if any.
std::optional<store::GraphError> GraphErrorOf(const nlohmann::json& answer);

// Parses a Graph answer (exposed for tests): success body → wamid, error body → code/title/details.
SendResult InterpretResponse(int http_status, const std::string& body);

}  // namespace wagate::graph
