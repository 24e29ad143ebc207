// The engine's rules for one Graph answer: sent, try again later (and when), or failed for good, and
// what the lane must learn from it. A pure function, so the rules are tested without threads or a store.
#pragma once

#include <cstdint>

#include "wagate/engine/engine_settings.hpp"
#include "wagate/graph/sender.hpp"

namespace wagate::engine {

struct Decision {
  enum class Kind { kSent, kRetry, kFail };
  // Back-pressure for the lane that sent it, applied whatever the message's own fate.
  enum class Slowdown {
    kNone,
    kLane,      // pause the whole lane for `slowdown_ms` (130429, HTTP 429)
    kCustomer,  // nothing more to this recipient for `slowdown_ms` (131056, the pair rate limit)
  };

  Kind kind = Kind::kFail;
  int64_t retry_in_ms = 0;       // kRetry: from the time of the answer
  const char* reason = nullptr;  // kRetry: why it waits, for the status API ("throttled", "pair_rate")
  bool throttled = false;        // the answer was a rate limit (counted apart from other retries)
  Slowdown slowdown = Slowdown::kNone;
  int64_t slowdown_ms = 0;
};

// `attempts` counts the attempt just answered. Transient failures retry with the policy's backoff;
// throttling answers get `throttle_extra_attempts` more, so a busy Meta does not spend the budget
// meant for real failures; a Retry-After lengthens the wait. kRetryLater and kFail fail at once.
// `unit_random` in [0, 1) is the backoff's jitter (drawn by the caller, so this stays pure).
Decision Decide(const graph::SendResult& result, int64_t attempts, const EngineSettings& settings, double unit_random);

}  // namespace wagate::engine
