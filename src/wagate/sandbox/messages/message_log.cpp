#include "wagate/sandbox/messages/message_log.hpp"

#include "wagate/core/json_parse.hpp"
#include "wagate/core/time_format.hpp"

namespace wagate::sandbox {
namespace {

using nlohmann::json;
using nlohmann::ordered_json;

ordered_json OrNull(const std::optional<std::string>& v) { return v ? ordered_json(*v) : ordered_json(nullptr); }

// The body as received, key order kept; the raw text when it is not JSON (never for accepted requests).
ordered_json ParsedRequest(const std::shared_ptr<const std::string>& raw) {
  if (!raw) return nullptr;
  ordered_json request = core::ParseUntrustedOrderedJson(*raw);
  return request.is_discarded() ? ordered_json(*raw) : request;
}

ordered_json ToJson(const AcceptedMessage& m) {
  return ordered_json{{"wamid", m.wamid},
                      {"phone_number_id", m.phone_number_id},
                      {"to", m.to},
                      {"type", m.type},
                      {"text", OrNull(m.text)},
                      {"biz_opaque_callback_data", OrNull(m.biz_opaque_callback_data)},
                      {"request", ParsedRequest(m.raw_request)},
                      {"request_raw", m.raw_request ? ordered_json(*m.raw_request) : ordered_json(nullptr)},
                      {"time", core::FormatIso8601(m.time_ms)},
                      {"time_ms", m.time_ms},
                      {"arrival_us", m.arrival_us}};
}

ordered_json ToJson(const RequestRecord& r) {
  return ordered_json{{"time_ms", r.time_ms},
                      {"arrival_us", r.arrival_us},
                      {"phone_number_id", r.phone_number_id},
                      {"biz_opaque_callback_data", OrNull(r.biz_opaque_callback_data)},
                      {"http_status", r.http_status},
                      {"graph_code", r.graph_code ? ordered_json(*r.graph_code) : ordered_json(nullptr)},
                      {"wamid", OrNull(r.wamid)},
                      {"request", ParsedRequest(r.raw_request)}};
}

}  // namespace

void MessageLog::AddAccepted(AcceptedMessage message) {
  std::lock_guard lock(mu_);
  messages_.push_back(std::move(message));
}

void MessageLog::AddRequest(RequestRecord record) {
  std::lock_guard lock(mu_);
  ++requests_total_;
  if (record.graph_code) {
    ++rejected_by_code_[*record.graph_code];
  } else if (record.wamid) {
    ++accepted_total_;  // mark-as-read succeeds without creating a message
  }
  requests_.push_back(std::move(record));
}

void MessageLog::Clear() {
  std::lock_guard lock(mu_);
  messages_.clear();
  requests_.clear();
}

ordered_json MessageLog::MessagesJson() const {
  std::vector<AcceptedMessage> snapshot;
  {
    std::lock_guard lock(mu_);
    snapshot = messages_;
  }
  ordered_json list = ordered_json::array();
  for (const AcceptedMessage& m : snapshot) list.push_back(ToJson(m));
  return ordered_json{{"count", snapshot.size()}, {"messages", std::move(list)}};
}

ordered_json MessageLog::RequestsJson() const {
  std::vector<RequestRecord> snapshot;
  {
    std::lock_guard lock(mu_);
    snapshot = requests_;
  }
  ordered_json list = ordered_json::array();
  for (const RequestRecord& r : snapshot) list.push_back(ToJson(r));
  return ordered_json{{"count", snapshot.size()}, {"requests", std::move(list)}};
}

json MessageLog::CountersJson() const {
  std::lock_guard lock(mu_);
  json by_code = json::object();
  for (const auto& [code, count] : rejected_by_code_) by_code[std::to_string(code)] = count;
  return json{{"requests", requests_total_}, {"accepted", accepted_total_}, {"rejected_by_code", by_code}};
}

}  // namespace wagate::sandbox
