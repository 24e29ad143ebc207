// Randomness injected like the clock, so jitter and other random choices are reproducible in tests.
#pragma once

#include <cstdint>
#include <mutex>
#include <random>

namespace wagate::core {

// Thread-safe.
class Random {
 public:
  virtual ~Random() = default;
  // Uniform in [0, 1).
  virtual double Unit() = 0;
};

// A Mersenne Twister behind a lock; seeded from std::random_device unless a seed is given (tests).
class SystemRandom final : public Random {
 public:
  SystemRandom() : engine_(std::random_device{}()) {}
  explicit SystemRandom(uint64_t seed) : engine_(seed) {}
  double Unit() override {
    std::lock_guard lock(mu_);
    return std::uniform_real_distribution<double>(0.0, 1.0)(engine_);
  }

 private:
  std::mutex mu_;
  std::mt19937_64 engine_;
};

// Always the same value: tests that want a retry delay without jitter use 0.5.
class FixedRandom final : public Random {
 public:
  explicit FixedRandom(double value) : value_(value) {}
  double Unit() override { return value_; }

 private:
  const double value_;
};

}  // namespace wagate::core
