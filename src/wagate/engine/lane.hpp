// A lane: all traffic of one sender phone number, paced under every limit Meta enforces on it —
// throughput (token bucket), pair rate per customer, messaging tier, Graph back-pressure — with
// transactional traffic ahead of bulk. The dispatcher touches a lane only when it can send from it.
#pragma once

#include <cstdint>
#include <deque>
#include <optional>
#include <queue>
#include <string>
#include <vector>

#include "wagate/conversation/contact_windows.hpp"
#include "wagate/engine/rate/pair_limiter.hpp"
#include "wagate/engine/rate/tier_budget.hpp"
#include "wagate/engine/rate/token_bucket.hpp"

namespace wagate::engine {

enum class Priority : uint8_t { kTransactional = 0, kBulk = 1 };

struct LaneSettings {
  int64_t throughput_mps = 80;
  PairLimiter::Settings pair;
  std::optional<int64_t> messaging_tier;  // nullopt = unlimited
  int64_t max_in_flight = 64;
};

// A waiting message: the little the lane needs (the message itself stays in the store).
struct QueuedMessage {
  std::string id;
  std::string recipient;  // E.164; empty for mark-as-read (not a message to a customer)
  Priority priority = Priority::kTransactional;
};

struct Dispatch {
  QueuedMessage message;
  bool business_initiated = false;  // outside the customer's service window
};

struct LaneCounters {
  uint64_t dispatched = 0;
  uint64_t deferred_pair_rate = 0;
  uint64_t deferred_messaging_tier = 0;
  uint64_t throttled = 0;       // 130429 / HTTP 429 from Graph
  uint64_t pair_throttled = 0;  // 131056 from Graph
};

// Owned by the dispatcher and guarded by its lock; not thread-safe on its own.
class Lane final {
 public:
  Lane(std::string outlet_id, LaneSettings settings, const core::Clock& clock,
       const conversation::ContactWindows& windows);

  const std::string& outlet_id() const { return outlet_id_; }
  void Add(QueuedMessage message, int64_t due_ms, int64_t now_ms);
  // The next message allowed now, or nullopt (then NextTimeMs tells when to look again). Messages
  // held back by the pair rate or the tier move aside and wait; those behind them go on.
  // A message whose tier slot is missing is reported through `tier_deferred` (to record the reason).
  std::optional<Dispatch> Take(int64_t now_ms, std::vector<std::string>* tier_deferred);
  // When this lane can next send, in microseconds since the epoch; nullopt when it has nothing it
  // could send (empty, or in-flight bound reached — Done() makes it schedulable again).
  std::optional<int64_t> NextTimeUs(int64_t now_us);
  void Done() { --in_flight_; }

  // Back-pressure from Graph.
  void Throttle(int64_t until_ms);                                                      // 130429, 429
  void PairThrottle(const std::string& recipient, int64_t now_ms, int64_t backoff_ms);  // 131056

  void Reconfigure(const LaneSettings& settings);
  const LaneSettings& settings() const { return settings_; }

  struct Snapshot {
    size_t ready_transactional, ready_bulk, waiting, in_flight;
    int64_t paused_until_ms;
    size_t tier_used;
    LaneCounters counters;
  };
  Snapshot Snap(int64_t now_ms);

  // Scheduling bookkeeping for the dispatcher's lane heap (lazy deletion by generation).
  uint64_t generation = 0;
  bool scheduled = false;
  int64_t scheduled_at_us = 0;

 private:
  struct Later {
    int64_t due_ms;
    QueuedMessage message;
    bool operator>(const Later& o) const { return due_ms > o.due_ms; }
  };
  void Promote(int64_t now_ms);
  bool TierSlotFree(int64_t now_ms);
  static constexpr int64_t kTierRecheckMs = 60'000;

  std::string outlet_id_;
  LaneSettings settings_;
  const conversation::ContactWindows& windows_;
  TokenBucket bucket_;
  PairLimiter pair_;
  TierBudget tier_;
  std::deque<QueuedMessage> ready_[2];  // by Priority
  std::priority_queue<Later, std::vector<Later>, std::greater<>> later_;
  std::deque<QueuedMessage> tier_held_;  // waiting for a messaging-tier slot, oldest first
  int64_t tier_recheck_ms_ = 0;
  int64_t in_flight_ = 0;
  int64_t paused_until_ms_ = 0;
  LaneCounters counters_;
};

}  // namespace wagate::engine
