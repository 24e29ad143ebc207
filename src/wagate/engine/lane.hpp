// A lane: all traffic of one sender phone number. Holds that outlet's waiting messages (due now, and
// due later) and its token bucket, so the dispatcher touches a lane only when it can send from it.
#pragma once

#include <cstdint>
#include <deque>
#include <optional>
#include <queue>
#include <string>
#include <vector>

#include "wagate/engine/rate/token_bucket.hpp"

namespace wagate::engine {

// Owned by the dispatcher and guarded by its lock; not thread-safe on its own.
class Lane final {
 public:
  Lane(std::string outlet_id, int64_t throughput_mps, const core::Clock& clock);

  const std::string& outlet_id() const { return outlet_id_; }
  void Add(std::string message_id, int64_t due_ms, int64_t now_ms);
  // Moves messages whose time has come from `later` to `ready`.
  void Promote(int64_t now_ms);
  bool HasReady() const { return !ready_.empty(); }
  // The next message if a token allows it now; empty when it must wait (see NextTimeMs).
  std::optional<std::string> TakeIfAllowed();
  // When this lane can next send: now if a message and a token are ready, else the later of the two.
  // nullopt when the lane is empty.
  std::optional<int64_t> NextTimeMs(int64_t now_ms);
  void SetThroughput(int64_t mps);
  size_t Size() const { return ready_.size() + later_.size(); }

  // Scheduling bookkeeping for the dispatcher's lane heap (lazy deletion by generation).
  uint64_t generation = 0;
  bool scheduled = false;
  int64_t scheduled_at = 0;

 private:
  struct Later {
    int64_t due_ms;
    std::string message_id;
    bool operator>(const Later& o) const { return due_ms > o.due_ms; }
  };
  std::string outlet_id_;
  int64_t mps_;
  TokenBucket bucket_;
  std::deque<std::string> ready_;
  std::priority_queue<Later, std::vector<Later>, std::greater<>> later_;
};

}  // namespace wagate::engine
