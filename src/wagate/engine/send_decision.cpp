#include "wagate/engine/send_decision.hpp"

#include <algorithm>
#include <optional>

namespace wagate::engine {
namespace {

// The lane learns of throttling even when the message itself is out of attempts.
void SetSlowdown(const graph::SendResult& r, const EngineSettings& s, std::optional<int64_t> delay, Decision* d) {
  if (r.throttle == graph::ThrottleScope::kPair) {
    d->slowdown = Decision::Slowdown::kCustomer;
    d->slowdown_ms = delay.value_or(s.retry.base_delay_ms);
  } else {
    d->slowdown = Decision::Slowdown::kLane;
    d->slowdown_ms = std::max(s.throttle_pause_ms, r.retry_after_ms.value_or(0));
  }
}

}  // namespace

Decision Decide(const graph::SendResult& r, int64_t attempts, const EngineSettings& settings, double unit_random) {
  Decision d;
  if (r.verdict == graph::Verdict::kAccepted) {
    d.kind = Decision::Kind::kSent;
    return d;
  }
  d.throttled = r.verdict == graph::Verdict::kThrottled;
  bool transient = d.throttled || r.verdict == graph::Verdict::kRetry;
  // Throttling answers slow the lane instead of spending the budget meant for real failures.
  RetryPolicy policy = settings.retry;
  if (d.throttled) policy.max_attempts += settings.throttle_extra_attempts;
  std::optional<int64_t> delay = transient ? policy.NextDelayMs(attempts, unit_random) : std::nullopt;
  if (delay && r.retry_after_ms) delay = std::max(*delay, *r.retry_after_ms);
  if (d.throttled) SetSlowdown(r, settings, delay, &d);
  if (!delay) {
    d.kind = Decision::Kind::kFail;
    return d;
  }
  d.kind = Decision::Kind::kRetry;
  d.retry_in_ms = *delay;
  if (d.throttled) d.reason = r.throttle == graph::ThrottleScope::kPair ? "pair_rate" : "throttled";
  return d;
}

}  // namespace wagate::engine
