// What the simulator received: accepted messages, every send request, and counters, for inspection.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace wagate::sandbox {

struct AcceptedMessage {
  std::string wamid;
  std::string phone_number_id;
  std::string to;  // as given
  std::string type;
  std::optional<std::string> text;
  std::optional<std::string> biz_opaque_callback_data;
  // The exact bytes received, shared with the request record; parsed only when listed (saves memory).
  std::shared_ptr<const std::string> raw_request;
  int64_t time_ms = 0;
  int64_t arrival_us = 0;  // the arrival the throughput window counted (time_ms is it in ms)
};

struct RequestRecord {
  int64_t time_ms = 0;
  int64_t arrival_us = 0;  // see AcceptedMessage
  std::string phone_number_id;
  std::optional<std::string> biz_opaque_callback_data;
  int http_status = 200;
  std::optional<int> graph_code;                   // absent on success
  std::optional<std::string> wamid;                // present on success
  std::shared_ptr<const std::string> raw_request;  // accepted requests only (messages and mark-as-read)
};

// Thread-safe; every HTTP worker appends, inspection endpoints read snapshots.
class MessageLog final {
 public:
  void AddAccepted(AcceptedMessage message);
  // Also counts the request and, for failures, the Graph code in the stats.
  void AddRequest(RequestRecord record);
  // Forgets messages and requests; the counters keep counting (they describe the whole run).
  void Clear();

  // {"count":N,"messages":[…]} and {"count":N,"requests":[…]}, in arrival order. A message's `request` is
  // the body parsed with its key order kept, `request_raw` the exact bytes.
  nlohmann::ordered_json MessagesJson() const;
  nlohmann::ordered_json RequestsJson() const;
  // {"requests":…,"accepted":…,"rejected_by_code":{"131000":…}}
  nlohmann::json CountersJson() const;

 private:
  mutable std::mutex mu_;
  std::vector<AcceptedMessage> messages_;
  std::vector<RequestRecord> requests_;
  uint64_t requests_total_ = 0;
  uint64_t accepted_total_ = 0;
  std::map<int, uint64_t> rejected_by_code_;
};

}  // namespace wagate::sandbox
