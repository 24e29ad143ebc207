// The delivery engine: stored messages flow through one lane per sender number (engine/lane), are
// sent to Graph, and their outcome is recorded; transient failures are retried with backoff.
// Everything starts from the store, so a restart resumes where the process stopped.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <queue>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "wagate/conversation/contact_windows.hpp"
#include "wagate/core/clock.hpp"
#include "wagate/core/random.hpp"
#include "wagate/engine/engine_settings.hpp"
#include "wagate/engine/lane.hpp"
#include "wagate/engine/outcome_waiters.hpp"
#include "wagate/engine/rate/pacing_margin.hpp"
#include "wagate/engine/rate/send_window.hpp"
#include "wagate/graph/sender.hpp"
#include "wagate/metrics/registry.hpp"
#include "wagate/store/message_store.hpp"
#include "wagate/tenancy/outlet_registry.hpp"

namespace wagate::engine {

// A lane's state for the API and /metrics.
struct LaneView {
  std::string outlet_id;
  Lane::Snapshot snapshot;
  LaneSettings settings;
};

// Threads: `workers` sender threads plus the callers of Enqueue (any thread). Every wait goes
// through `clock` and every random choice through `random`, so a test drives it in simulated time.
class Dispatcher final {
 public:
  Dispatcher(EngineSettings settings, store::MessageStore& messages, const tenancy::OutletRegistry& outlets,
             const graph::Sender& graph, const core::Clock& clock, core::Random& random, OutcomeWaiters& waiters,
             const conversation::ContactWindows& windows, metrics::Registry& metrics,
             const PacingMargin& pacing_margin);
  ~Dispatcher();

  // Loads what the store says is pending (queued, and in-doubt claims), then starts the workers.
  void Start();
  // Stops taking work; in-flight sends finish and record their outcome. Unsent work stays queued in
  // the store for the next start.
  void Stop();

  // A committed message is due at `due_ms`.
  void Enqueue(QueuedMessage message, const std::string& outlet_id, int64_t due_ms);
  // Applies an outlet's changed limits to its lane at once.
  void Reconfigure(const std::string& outlet_id);
  std::optional<LaneView> Lane(const std::string& outlet_id) const;
  std::vector<LaneView> Lanes() const;
  size_t QueueDepth() const;
  size_t InFlight() const { return in_flight_.load(); }

 private:
  struct Work {
    Dispatch dispatch;
    std::string outlet_id;
  };
  // A lane due at `at_ms`; stale entries (generation moved on) are skipped.
  struct LaneSlot {
    int64_t at_us;
    uint64_t generation;
    engine::Lane* lane;
    bool operator>(const LaneSlot& o) const { return at_us > o.at_us; }
  };
  struct InDoubt {
    std::string message_id;
    std::string outlet_id;
    bool idempotent = false;  // mark-as-read: sending it twice changes nothing, so it is just resent
  };

  // A batch on its way through ProcessBatch's steps (dispatcher_batch.cpp).
  struct Attempt;
  struct Batch;
  using Departures = std::vector<std::pair<std::shared_ptr<SendWindow>, SendWindow::Slot>>;

  void RunWorker();
  void WaitForWork(std::unique_lock<std::mutex>& lock, int64_t wake_at_us);  // under mu_
  // Claim, send (Depart paces it), decide, record, answer. Of these only Claim and Record touch the
  // store; so do Start, CheckInDoubt and RecordTierDeferrals, and nothing else.
  void ProcessBatch(std::vector<Work>& works);
  bool Claim(Batch& batch);
  void Send(Batch& batch);
  void Depart(std::vector<graph::SendRequest>& requests, const std::vector<std::string>& outlet_ids,
              Departures* departures);
  void DecideAll(Batch& batch);
  bool Record(Batch& batch);
  void Answer(Batch& batch);
  void RecordTierDeferrals(std::vector<std::string> message_ids);
  engine::Lane& LaneFor(const std::string& outlet_id);  // under mu_
  std::shared_ptr<SendWindow> SendWindowFor(const std::string& outlet_id);
  // Under mu_: puts the lane on the heap at its next time if that is earlier than where it is; true
  // when it did (lane.scheduled_at_us is that time).
  bool Schedule(engine::Lane& lane);
  // Under mu_: a waiting worker sleeps past `at_us`, so a lane due then is news to it. Only then is a
  // worker woken: one for which it is no news re-checks and sleeps again, two thread switches for
  // nothing (once per accepted message, when every Enqueue woke one of the 16 workers).
  bool SomeoneSleepsPast(int64_t at_us) const;
  std::optional<Work> TakeNext(int64_t* wake_at_us, std::vector<std::string>* tier_deferred);
  void CheckInDoubt();
  bool Stopping() const;
  void LaneDone(const std::string& outlet_id, const std::function<void(engine::Lane&)>& also);

  EngineSettings settings_;
  store::MessageStore& messages_;
  const tenancy::OutletRegistry& outlets_;
  const graph::Sender& graph_;
  const core::Clock& clock_;
  core::Random& random_;
  OutcomeWaiters& waiters_;
  const conversation::ContactWindows& windows_;
  const PacingMargin& pacing_margin_;

  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::unordered_map<std::string, std::unique_ptr<engine::Lane>> lanes_;       // by outlet id
  std::unordered_map<std::string, std::shared_ptr<SendWindow>> send_windows_;  // by outlet id
  std::priority_queue<LaneSlot, std::vector<LaneSlot>, std::greater<>> due_lanes_;
  size_t queued_ = 0;
  std::multimap<int64_t, InDoubt> in_doubt_;  // by deadline
  bool stopping_ = false;
  std::vector<std::thread> threads_;
  std::vector<int64_t> waiting_until_us_;  // each waiting worker's wake_at_us (WaitForWork)
  std::atomic<size_t> in_flight_{0};

  metrics::Counter* sent_;
  metrics::Counter* retried_;
  metrics::Counter* throttled_;
  metrics::Counter* failed_;
  metrics::Histogram* latency_;
};

LaneSettings LaneSettingsFor(const tenancy::OutletCredentials& outlet, int64_t max_in_flight);

}  // namespace wagate::engine
