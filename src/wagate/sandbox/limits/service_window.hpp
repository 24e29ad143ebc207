// The 24-hour customer service window (cloud-api.md §3.6): when each customer last wrote to each
// business number, so the sandbox can fail free-form messages outside it (131047) the way Meta does.
#pragma once

#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "wagate/core/clock.hpp"

namespace wagate::sandbox {

// Thread-safe. Customers are keyed by their digits (normalise before calling). Entries whose window
// closed are forgotten by a sweep every kSweepPeriodMs (an absent customer and one whose window
// closed look the same), so memory follows the customers with an open window.
class ServiceWindows final {
 public:
  static constexpr int64_t kSweepPeriodMs = 60'000;

  ServiceWindows(const core::Clock& clock, int64_t window_ms);

  // A customer message arrived now (POST /_sandbox/inbound).
  void RecordInbound(std::string_view phone_number_id, std::string_view customer);
  // Sets the last inbound time directly (POST /_sandbox/window); nullopt forgets the customer.
  void SetLastInbound(std::string_view phone_number_id, std::string_view customer, std::optional<int64_t> at_ms);
  std::optional<int64_t> LastInbound(std::string_view phone_number_id, std::string_view customer) const;
  // True when the customer wrote less than the window length ago (a last inbound in the future counts
  // as open too).
  bool IsOpen(std::string_view phone_number_id, std::string_view customer);

  void SetWindowMs(int64_t window_ms);
  int64_t window_ms() const;
  size_t tracked_customers() const;

 private:
  static std::string Key(std::string_view phone_number_id, std::string_view customer);
  void SweepIfDue(int64_t now);  // requires mu_

  const core::Clock& clock_;
  mutable std::mutex mu_;
  int64_t window_ms_;
  std::unordered_map<std::string, int64_t> last_inbound_ms_;
  int64_t next_sweep_ms_ = 0;
};

}  // namespace wagate::sandbox
