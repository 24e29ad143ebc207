// The campaign runner: one background worker that moves campaigns along their lifecycle (a scheduled
// one starts, an expired one ends, a finished one completes) and turns running campaigns' recipients
// into messages just fast enough to keep each lane busy.
//
// Feeding: per lane (outlet), the runner keeps about `lane_backlog_ms` of the lane's throughput queued
// for its campaigns — never the whole campaign, so a million recipients cost the lane a few hundred
// index entries, and a pause takes effect at once. The lane's budget is shared round-robin, tenants
// first and then each tenant's campaigns, in small slices, so campaigns on one lane progress at
// comparable rates; campaign messages are bulk, so single transactional sends always go first.
// Each recipient becomes a message through the same SendService::Accept as a single send (quota,
// conversation, events, the same write linking the recipient: none is ever messaged twice).
//
// What Stop leaves behind: nothing in memory matters — recipients not yet messages stay pending in
// the store, messages already accepted are the engine's; a restart resumes where it stopped.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "wagate/core/clock.hpp"
#include "wagate/core/random.hpp"
#include "wagate/core/worker.hpp"
#include "wagate/engine/dispatcher.hpp"
#include "wagate/messaging/send_service.hpp"
#include "wagate/store/campaign_store.hpp"
#include "wagate/tenancy/outlet_registry.hpp"

namespace wagate::campaigns {

struct RunnerSettings {
  int64_t poll_ms = 50;            // the longest between two steps (lanes topped up, schedules checked)
  int64_t lane_backlog_ms = 1000;  // a lane's throughput kept queued ahead for its campaigns
  int64_t min_backlog = 16;        // …but at least this many messages
  int64_t expiry_sweep_ms = 1000;  // how often messages past their validity are failed (expired)
};

// Thread-safe: Wake and Resumed from any thread; the work runs on the worker's own thread.
class Runner final {
 public:
  Runner(store::CampaignStore& store, messaging::SendService& sender, engine::Dispatcher& dispatcher,
         const tenancy::OutletRegistry& outlets, const core::Clock& clock, core::Random& random,
         RunnerSettings settings);
  ~Runner();

  void Start();
  void Stop();
  void Wake() { worker_.Wake(); }
  // A paused campaign resumed: its messages that were queued when it paused go back to their lane.
  void Resumed(const std::string& campaign_id);

  // One step, on the caller's thread (tests drive the runner with this and a fake clock).
  void Step();

 private:
  // What the runner remembers of a running campaign between steps (nothing that must survive a restart).
  struct Progress {
    int64_t cursor = -1;    // recipients up to this seq were handed to Accept
    int64_t accepting = 0;  // handed to Accept, not answered yet
    double tokens = 0;      // max_mps pacing
    int64_t tokens_at = 0;
    int64_t next_at = 0;  // delay_ms pacing: the next message not before
  };
  // Answers of Accept, applied by the next step (they arrive on a store thread).
  struct Followups {
    std::vector<std::string> quota_exhausted;                             // campaigns to pause
    std::map<std::string, std::vector<store::SkippedRecipient>> refused;  // recipients Accept refused
    std::vector<std::string> rewind;                                      // campaigns to re-read from the start
  };

  void Advance(int64_t now, std::vector<store::CampaignRecord>& campaigns);
  void ApplyFollowups(int64_t now);
  void FeedLane(int64_t now, const std::string& outlet_id, std::vector<const store::CampaignRecord*>& campaigns);
  // How many messages `c` may take now under its own pacing (not counting the lane's budget).
  int64_t Allowance(const store::CampaignRecord& c, Progress& p, int64_t now);
  int64_t Feed(const store::CampaignRecord& c, int64_t n, int64_t now);
  void OnAccepted(const std::string& campaign_id, int64_t seq, const core::Result<messaging::Accepted>& r);

  store::CampaignStore& store_;
  messaging::SendService& sender_;
  engine::Dispatcher& dispatcher_;
  const tenancy::OutletRegistry& outlets_;
  const core::Clock& clock_;
  core::Random& random_;
  const RunnerSettings settings_;

  std::mutex step_mu_;  // one step at a time (the worker's, or a test's)
  std::mutex mu_;       // guards progress_, followups_, rotation_
  std::map<std::string, Progress> progress_;
  Followups followups_;
  std::map<std::string, uint64_t> rotation_;  // per outlet: whose turn comes first
  int64_t next_sweep_ms_ = 0;

  core::Worker worker_;
};

}  // namespace wagate::campaigns
