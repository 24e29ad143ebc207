// Meta's pair rate limit (error 131056): per (business phone number, recipient) token bucket.
#pragma once

#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "wagate/core/clock.hpp"

namespace wagate::sandbox {

// Thread-safe. A bucket holds `burst` tokens and gains one every `interval_ms`; each message takes one.
// Kept as one time per pair (GCRA: the "theoretical arrival time" at which the bucket is full again),
// so a pair costs one map entry; pairs whose bucket is full again are forgotten by a sweep every
// kSweepPeriodMs, so a million one-off recipients do not stay in memory.
class PairLimiter final {
 public:
  static constexpr int64_t kSweepPeriodMs = 10'000;

  PairLimiter(const core::Clock& clock, int64_t burst, int64_t interval_ms);

  // Takes a token and returns true, or returns false (nothing taken) when the pair's bucket is empty.
  // `recipient` should already be normalised (digits only). Always true while burst is 0 (off).
  bool TryAcquire(std::string_view phone_number_id, std::string_view recipient);
  // A change of either value resets every pair to a full bucket (a bucket's state is meaningless
  // under another rate). burst 0 turns the limit off; interval_ms must be ≥ 1.
  void Configure(int64_t burst, int64_t interval_ms);
  int64_t burst() const;
  int64_t interval_ms() const;
  // Pairs currently remembered (their bucket is not known to be full).
  size_t tracked_pairs() const;

 private:
  void SweepIfDue(int64_t now);  // requires mu_

  const core::Clock& clock_;
  mutable std::mutex mu_;
  int64_t burst_;
  int64_t interval_ms_;
  // key: phone_number_id + '/' + recipient → time (Unix ms) at which the bucket is full again.
  std::unordered_map<std::string, int64_t> full_at_ms_;
  int64_t next_sweep_ms_ = 0;
};

}  // namespace wagate::sandbox
