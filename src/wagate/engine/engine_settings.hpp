// The delivery engine's settings: worker count, retry budget, in-doubt handling, throttling, batching.
#pragma once

#include <cstdint>

#include "wagate/engine/retry_policy.hpp"

namespace wagate::engine {

enum class InDoubtPolicy {
  kMarkUnknown,  // default: never resend blindly; surface as `unknown`
  kResend,       // resend when no status webhook settled it within the timeout
};

struct EngineSettings {
  int workers = 16;  // concurrent Graph requests in all
  RetryPolicy retry;
  int64_t in_doubt_timeout_ms = 60000;
  InDoubtPolicy in_doubt_policy = InDoubtPolicy::kMarkUnknown;
  int64_t lane_max_in_flight = 64;
  int64_t throttle_pause_ms = 1000;      // a lane's pause after 130429 / 429 without Retry-After
  int64_t throttle_extra_attempts = 16;  // throttling answers do not use up the transient-error budget
  int64_t batch_size = 32;               // messages a worker claims, sends (concurrently) and records together
};

}  // namespace wagate::engine
