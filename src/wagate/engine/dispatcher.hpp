// The delivery engine: takes stored messages in due order, paces them per outlet, sends them to
// Graph, records the outcome, retries what is transient. Everything it does starts from the store,
// so a restart resumes where the process stopped.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <mutex>
#include <queue>
#include <random>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "wagate/core/clock.hpp"
#include "wagate/engine/lane.hpp"
#include "wagate/engine/outcome_waiters.hpp"
#include "wagate/engine/retry_policy.hpp"
#include "wagate/graph/client.hpp"
#include "wagate/metrics/registry.hpp"
#include "wagate/store/database.hpp"
#include "wagate/tenancy/outlet_registry.hpp"

namespace wagate::engine {

enum class InDoubtPolicy {
  kMarkUnknown,  // default: never resend blindly; surface as `unknown`
  kResend,       // resend when no status webhook settled it within the timeout
};

struct EngineSettings {
  int workers = 16;  // concurrent Graph requests
  RetryPolicy retry;
  int64_t in_doubt_timeout_ms = 60000;
  InDoubtPolicy in_doubt_policy = InDoubtPolicy::kMarkUnknown;
};

// Threads: `workers` sender threads plus the callers of Enqueue (any thread).
class Dispatcher final {
 public:
  Dispatcher(EngineSettings settings, store::Database& db, const tenancy::OutletRegistry& outlets,
             const graph::Client& graph, const core::Clock& clock, OutcomeWaiters& waiters,
             metrics::Registry& metrics);
  ~Dispatcher();

  // Loads what the store says is pending (queued, and in-doubt claims), then starts the workers.
  void Start();
  // Stops taking work; in-flight sends finish and record their outcome. Unsent work stays queued in
  // the store for the next start.
  void Stop();

  // A committed message is due at `due_ms`.
  void Enqueue(const std::string& message_id, const std::string& outlet_id, int64_t due_ms);
  size_t QueueDepth() const;
  size_t InFlight() const { return in_flight_.load(); }

 private:
  struct Item {
    std::string message_id;
    std::string outlet_id;
  };
  // A lane due at `at_ms`; stale entries (generation moved on) are skipped.
  struct LaneSlot {
    int64_t at_ms;
    uint64_t generation;
    Lane* lane;
    bool operator>(const LaneSlot& o) const { return at_ms > o.at_ms; }
  };
  struct InDoubt {
    std::string message_id;
    std::string outlet_id;
  };

  void RunWorker();
  void Process(const Item& item);
  Lane& LaneFor(const std::string& outlet_id);  // under mu_
  void Schedule(Lane& lane, int64_t now_ms);     // under mu_
  // Takes the next message a lane may send now, rescheduling lanes as it goes; under mu_.
  std::optional<Item> TakeNext(int64_t now_ms, int64_t* wake_at_ms);
  void CheckInDoubt();
  void Finish(const std::string& message_id, store::WriteJob job, std::optional<Outcome> outcome,
              std::optional<int64_t> requeue_at_ms, const std::string& outlet_id);
  double Random();

  EngineSettings settings_;
  store::Database& db_;
  const tenancy::OutletRegistry& outlets_;
  const graph::Client& graph_;
  const core::Clock& clock_;
  OutcomeWaiters& waiters_;

  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::unordered_map<std::string, std::unique_ptr<Lane>> lanes_;  // by outlet id
  std::priority_queue<LaneSlot, std::vector<LaneSlot>, std::greater<>> due_lanes_;
  size_t queued_ = 0;
  std::multimap<int64_t, InDoubt> in_doubt_;              // by deadline
  std::mt19937_64 rng_{std::random_device{}()};
  bool stopping_ = false;
  std::vector<std::thread> threads_;
  std::atomic<size_t> in_flight_{0};

  metrics::Counter* sent_;
  metrics::Counter* retried_;
  metrics::Counter* throttled_;
  metrics::Counter* failed_;
  metrics::Histogram* latency_;
};

}  // namespace wagate::engine
