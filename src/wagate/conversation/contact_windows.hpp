// The 24-hour customer service window: when each customer last wrote to each outlet. Fed by inbound
// webhooks, read by the API (window policy) and the engine (what counts against the messaging tier).
// It sits in conversation/, below inbound, messaging and engine, so that sharing it makes none of them
// depend on another (it once lived in messaging/ and tied engine and messaging into a cycle).
#pragma once

#include <cstdint>
#include <shared_mutex>
#include <string>
#include <unordered_map>

namespace wagate::conversation {

// Thread-safe.
class ContactWindows final {
 public:
  static constexpr int64_t kWindowMs = 24LL * 3600 * 1000;

  // `customer` in any form Meta or the API uses ("+49151…" or "49151…"): only digits count.
  void RecordInbound(const std::string& outlet_id, const std::string& customer, int64_t at_ms);
  bool IsOpen(const std::string& outlet_id, const std::string& customer, int64_t now_ms) const;

 private:
  static std::string Key(const std::string& outlet_id, const std::string& customer);
  mutable std::shared_mutex mu_;
  std::unordered_map<std::string, int64_t> last_inbound_;
};

}  // namespace wagate::conversation
