// Chaos knobs of the simulator: which send requests fail, hang or are throttled, and how status
// webhooks misbehave. Seeded so a run can be replayed.
#pragma once

#include <cstdint>
#include <mutex>
#include <optional>
#include <random>
#include <string>

namespace wagate::sandbox {

struct FaultSettings {
  double fail_rate = 0;           // HTTP 500, Graph 131000
  double timeout_rate = 0;        // held `timeout_ms`, then HTTP 503, Graph 2; never accepted
  double throttle_rate = 0;       // Graph 130429
  std::optional<int> error_code;  // answered with this Graph code at `error_rate`
  double error_rate = 0;
  double duplicate_rate = 0;  // fraction of status webhooks delivered twice
  bool reorder = false;       // `read` before `delivered`

  // Empty when valid; else names the field and the rule.
  std::string Validate() const;
};

// What to do with one send request. At most one fault per request.
struct FaultDecision {
  enum class Kind { kNone, kFail, kTimeout, kThrottle, kError };
  Kind kind = Kind::kNone;
  int error_code = 0;  // for kError
};

// Thread-safe; the one RNG is guarded by the same mutex as the settings.
class FaultInjector final {
 public:
  FaultInjector(FaultSettings settings, uint64_t seed);

  // One uniform draw against the cumulative rates fail → timeout → throttle → error, so each fault
  // happens at exactly its own rate. Rates summing past 1 are allowed (a test may raise one knob without
  // lowering another): the later faults then get only what is left, e.g. fail_rate 1 shadows the rest.
  FaultDecision RollRequest();
  bool RollDuplicate();

  FaultSettings settings() const;
  // Rejected (returns the reason) when the new settings are invalid; nothing changes then.
  std::string Update(const FaultSettings& settings);
  uint64_t seed() const { return seed_; }

 private:
  double Draw();  // requires mu_

  const uint64_t seed_;
  mutable std::mutex mu_;
  FaultSettings settings_;
  std::mt19937_64 rng_;
  std::uniform_real_distribution<double> uniform_{0.0, 1.0};
};

}  // namespace wagate::sandbox
