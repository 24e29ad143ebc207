#include "wagate/core/lag_monitor.hpp"

#include <algorithm>
#include <chrono>

namespace wagate::core {
namespace {

constexpr auto kPeriod = std::chrono::milliseconds(5);

int64_t WallMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

LagMonitor::LagMonitor(int64_t threshold_ms, size_t keep)
    : threshold_ms_(threshold_ms), keep_(keep), thread_([this] { Run(); }) {}

LagMonitor::~LagMonitor() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

std::vector<LagMonitor::Episode> LagMonitor::Episodes() const {
  std::lock_guard lock(mu_);
  return {episodes_.begin(), episodes_.end()};
}

int64_t LagMonitor::MaxLagSinceMs(int64_t since_ms) const {
  std::lock_guard lock(mu_);
  int64_t peak = 0;
  for (auto it = episodes_.rbegin(); it != episodes_.rend() && it->at_ms >= since_ms; ++it) {
    peak = std::max(peak, it->lag_ms);
  }
  return peak;
}

void LagMonitor::Run() {
  std::unique_lock lock(mu_);
  auto due = std::chrono::steady_clock::now() + kPeriod;
  while (!stopping_) {
    cv_.wait_until(lock, due, [this] { return stopping_; });
    auto now = std::chrono::steady_clock::now();
    int64_t lag = std::chrono::duration_cast<std::chrono::milliseconds>(now - due).count();
    if (lag >= threshold_ms_) {
      episodes_.push_back(Episode{WallMs(), lag});
      if (episodes_.size() > keep_) episodes_.pop_front();
      if (lag > max_lag_ms_.load()) max_lag_ms_ = lag;
      ++episode_count_;
    }
    due = now + kPeriod;
  }
}

}  // namespace wagate::core
