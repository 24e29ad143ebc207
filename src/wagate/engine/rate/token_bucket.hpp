// Token bucket: at most `capacity` at once, refilled at `refill_per_second`. Paces a lane's sends.
#pragma once

#include <chrono>

#include "wagate/core/clock.hpp"

namespace wagate::engine {

// Owned by one lane; not thread-safe (the dispatcher holds its lock around it).
class TokenBucket final {
 public:
  struct Settings {
    double capacity = 80;
    double refill_per_second = 80;
  };
  TokenBucket(Settings settings, const core::Clock& clock);

  bool TryAcquire(double n = 1);
  // How long until `n` tokens are available (zero if they are now).
  std::chrono::microseconds TimeUntilAvailable(double n = 1);
  // Keeps the tokens already earned, capped at the new capacity.
  void Reconfigure(Settings settings);
  double Available();

 private:
  void Refill();
  Settings settings_;
  const core::Clock& clock_;
  double tokens_;
  core::TimePoint last_;
};

}  // namespace wagate::engine
