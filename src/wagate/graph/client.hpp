// Cloud API client (libcurl): POST /{version}/{phone_number_id}/messages with the outlet's token.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "wagate/core/graph_error.hpp"
#include "wagate/graph/sender.hpp"

namespace wagate::graph {

struct ClientSettings {
  std::string base_url = "https://graph.facebook.com";
  std::string version = "v24.0";
  int64_t timeout_ms = 10000;
  int64_t connect_timeout_ms = 3000;
};

// Thread-safe: each calling thread keeps its own curl handles (and so its own keep-alive connections).
class Client final : public Sender {
 public:
  explicit Client(ClientSettings settings) : settings_(std::move(settings)) {}
  SendResult SendMessage(const std::string& phone_number_id, const std::string& access_token,
                         const std::string& body) const;
  // Sends all requests concurrently (curl multi) and returns their results in the same order; every
  // request has the same deadline as a single one.
  std::vector<SendResult> SendBatch(const std::vector<SendRequest>& requests) const override;

 private:
  ClientSettings settings_;
};

// Meta's error object ({"error":{code, message, error_data.details}}) of a parsed answer, if any.
std::optional<core::GraphError> GraphErrorOf(const nlohmann::json& answer);

// Parses a Graph answer (exposed for tests): success body → wamid, error body → code/title/details.
SendResult InterpretResponse(int http_status, const std::string& body);

}  // namespace wagate::graph
