#include "wagate/engine/dispatcher.hpp"

#include <algorithm>

#include "wagate/core/log.hpp"
#include "wagate/core/thread_name.hpp"

namespace wagate::engine {

LaneSettings LaneSettingsFor(const tenancy::OutletCredentials& outlet, int64_t max_in_flight) {
  LaneSettings s;
  s.throughput_mps = outlet.throughput_mps;
  s.pair = {outlet.pair_burst, outlet.pair_interval_ms};
  s.messaging_tier = outlet.messaging_tier;
  s.max_in_flight = max_in_flight;
  return s;
}

Dispatcher::Dispatcher(EngineSettings settings, store::MessageStore& messages, const tenancy::OutletRegistry& outlets,
                       const graph::Sender& graph, const core::Clock& clock, core::Random& random,
                       OutcomeWaiters& waiters, const conversation::ContactWindows& windows, metrics::Registry& metrics,
                       const PacingMargin& pacing_margin)
    : settings_(settings),
      messages_(messages),
      outlets_(outlets),
      graph_(graph),
      clock_(clock),
      random_(random),
      waiters_(waiters),
      windows_(windows),
      pacing_margin_(pacing_margin) {
  const std::string help = "Graph send attempts by outcome";
  sent_ = metrics.GetCounter("wagate_sends_total", help, "outcome=\"sent\"");
  retried_ = metrics.GetCounter("wagate_sends_total", help, "outcome=\"retry\"");
  throttled_ = metrics.GetCounter("wagate_sends_total", help, "outcome=\"throttled\"");
  failed_ = metrics.GetCounter("wagate_sends_total", help, "outcome=\"failed\"");
  latency_ = metrics.GetHistogram("wagate_graph_request_duration_seconds", "Latency of Graph send requests");
}

Dispatcher::~Dispatcher() { Stop(); }

void Dispatcher::Start() {
  int64_t now = clock_.NowMs();
  size_t queued = 0, doubtful = 0;
  {
    std::lock_guard lock(mu_);
    messages_.ForEachPending([&](store::PendingMessage&& p) {
      if (p.status == core::MessageStatus::kSending) {
        // Claimed before the last stop: the request may have reached Meta. Wait for a status webhook
        // (it echoes our id) before deciding; see docs/delivery.md. A mark-as-read (no recipient)
        // gets no webhook and is harmless to repeat: it is resent at once.
        bool idempotent = p.to_number.empty();
        in_doubt_.emplace(idempotent ? now : now + settings_.in_doubt_timeout_ms,
                          InDoubt{p.id, p.outlet_id, idempotent});
        ++doubtful;
        return;
      }
      engine::Lane& lane = LaneFor(p.outlet_id);
      lane.Add(QueuedMessage{std::move(p.id), std::move(p.to_number), static_cast<Priority>(p.priority != 0)},
               p.next_attempt_at, now);
      ++queued_;
      ++queued;
    });
    for (auto& [id, lane] : lanes_) Schedule(*lane);
  }
  core::LogInfo("engine", "resuming from the store", {{"queued", queued}, {"in_doubt", doubtful}});
  for (int i = 0; i < std::max(1, settings_.workers); ++i)
    threads_.emplace_back([this] {
      core::NameThisThread("dispatch");
      RunWorker();
    });
}

void Dispatcher::Stop() {
  {
    std::lock_guard lock(mu_);
    if (stopping_) return;
    stopping_ = true;
  }
  cv_.notify_all();
  for (auto& t : threads_) t.join();
  threads_.clear();
}

engine::Lane& Dispatcher::LaneFor(const std::string& outlet_id) {
  auto it = lanes_.find(outlet_id);
  if (it == lanes_.end()) {
    auto outlet = outlets_.ById(outlet_id);
    LaneSettings s = outlet ? LaneSettingsFor(*outlet, settings_.lane_max_in_flight) : LaneSettings{};
    it = lanes_.emplace(outlet_id, std::make_unique<engine::Lane>(outlet_id, s, clock_, windows_)).first;
  }
  return *it->second;
}

std::shared_ptr<SendWindow> Dispatcher::SendWindowFor(const std::string& outlet_id) {
  std::lock_guard lock(mu_);
  auto& w = send_windows_[outlet_id];
  if (!w) w = std::make_shared<SendWindow>(LaneFor(outlet_id).settings().throughput_mps, 1'000'000);
  return w;
}

bool Dispatcher::Schedule(engine::Lane& lane) {
  std::optional<int64_t> at = lane.NextTimeUs(clock_.NowUs());
  if (!at) {
    lane.scheduled = false;
    return false;
  }
  if (lane.scheduled && lane.scheduled_at_us <= *at) return false;  // already due no later than that
  lane.scheduled = true;
  lane.scheduled_at_us = *at;
  due_lanes_.push(LaneSlot{*at, ++lane.generation, &lane});
  return true;
}

bool Dispatcher::SomeoneSleepsPast(int64_t at_us) const {
  return std::any_of(waiting_until_us_.begin(), waiting_until_us_.end(), [&](int64_t until) { return at_us < until; });
}

void Dispatcher::Enqueue(QueuedMessage message, const std::string& outlet_id, int64_t due_ms) {
  bool news = false;
  {
    std::lock_guard lock(mu_);
    int64_t now = clock_.NowMs();
    engine::Lane& lane = LaneFor(outlet_id);
    lane.Add(std::move(message), due_ms, now);
    ++queued_;
    news = Schedule(lane) && SomeoneSleepsPast(lane.scheduled_at_us);
  }
  if (news) cv_.notify_one();
}

void Dispatcher::Reconfigure(const std::string& outlet_id) {
  auto outlet = outlets_.ById(outlet_id);
  if (!outlet) return;
  {
    std::lock_guard lock(mu_);
    engine::Lane& lane = LaneFor(outlet_id);
    lane.Reconfigure(LaneSettingsFor(*outlet, settings_.lane_max_in_flight));
    if (auto w = send_windows_.find(outlet_id); w != send_windows_.end()) w->second->Resize(outlet->throughput_mps);
    lane.scheduled = false;  // its next time may be earlier now
    Schedule(lane);
  }
  cv_.notify_all();
}

std::optional<LaneView> Dispatcher::Lane(const std::string& outlet_id) const {
  std::lock_guard lock(mu_);
  auto it = lanes_.find(outlet_id);
  if (it == lanes_.end()) return std::nullopt;
  return LaneView{outlet_id, it->second->Snap(clock_.NowMs()), it->second->settings()};
}

std::vector<LaneView> Dispatcher::Lanes() const {
  std::lock_guard lock(mu_);
  std::vector<LaneView> out;
  for (const auto& [id, lane] : lanes_) out.push_back(LaneView{id, lane->Snap(clock_.NowMs()), lane->settings()});
  return out;
}

bool Dispatcher::Stopping() const {
  std::lock_guard lock(mu_);
  return stopping_;
}

size_t Dispatcher::QueueDepth() const {
  std::lock_guard lock(mu_);
  return queued_ + in_doubt_.size();
}

std::optional<Dispatcher::Work> Dispatcher::TakeNext(int64_t* wake_at_us, std::vector<std::string>* tier_deferred) {
  int64_t now_us = clock_.NowUs();
  int64_t now = now_us / 1000;
  while (!due_lanes_.empty()) {
    LaneSlot slot = due_lanes_.top();
    if (slot.generation != slot.lane->generation || !slot.lane->scheduled) {  // superseded
      due_lanes_.pop();
      continue;
    }
    if (slot.at_us > now_us) {
      *wake_at_us = slot.at_us;
      return std::nullopt;
    }
    due_lanes_.pop();
    engine::Lane& lane = *slot.lane;
    lane.scheduled = false;
    std::optional<Dispatch> d = lane.Take(now, tier_deferred);
    Schedule(lane);  // for its next message (or its next token)
    if (d) {
      --queued_;
      return Work{std::move(*d), lane.outlet_id()};
    }
  }
  *wake_at_us = now_us + 1'000'000;
  return std::nullopt;
}

void Dispatcher::RunWorker() {
  std::unique_lock lock(mu_);
  std::vector<std::string> tier_deferred;
  std::vector<Work> batch;
  while (true) {
    if (stopping_) return;
    int64_t now = clock_.NowMs();
    if (!in_doubt_.empty() && in_doubt_.begin()->first <= now) {
      lock.unlock();
      CheckInDoubt();
      lock.lock();
      continue;
    }
    int64_t wake_at_us = 0;
    // Everything due now, up to a batch: claimed, sent and recorded together.
    while (static_cast<int64_t>(batch.size()) < settings_.batch_size) {
      std::optional<Work> work = TakeNext(&wake_at_us, &tier_deferred);
      if (!work) break;
      batch.push_back(std::move(*work));
    }
    if (!tier_deferred.empty()) {
      RecordTierDeferrals(std::move(tier_deferred));
      tier_deferred.clear();
    }
    if (batch.empty()) {
      if (!in_doubt_.empty()) wake_at_us = std::min(wake_at_us, in_doubt_.begin()->first * 1000);
      WaitForWork(lock, wake_at_us);
      continue;
    }
    // Another worker may serve the next lanes while this one sends.
    if (!due_lanes_.empty() && SomeoneSleepsPast(due_lanes_.top().at_us)) cv_.notify_one();
    lock.unlock();
    in_flight_ += batch.size();
    ProcessBatch(batch);
    in_flight_ -= batch.size();
    batch.clear();
    lock.lock();
  }
}

// Sleeps until `wake_at_us` (at least 20 µs, at most a second), or until a lane becomes due before
// it (Enqueue, a finished send, Reconfigure), or Stop. TakeNext left no lane due before `wake_at_us`
// at the top of the heap, so an earlier top is news.
void Dispatcher::WaitForWork(std::unique_lock<std::mutex>& lock, int64_t wake_at_us) {
  int64_t now_us = clock_.NowUs();
  int64_t until_us = now_us + std::clamp<int64_t>(wake_at_us - now_us, 20, 1'000'000);
  waiting_until_us_.push_back(wake_at_us);
  clock_.WaitUntil(cv_, lock, core::FromUnixUs(until_us),
                   [&] { return stopping_ || (!due_lanes_.empty() && due_lanes_.top().at_us < wake_at_us); });
  waiting_until_us_.erase(std::find(waiting_until_us_.begin(), waiting_until_us_.end(), wake_at_us));
}

// Makes the wait visible on the message (status API) — rare: only when the tier is used up.
void Dispatcher::RecordTierDeferrals(std::vector<std::string> message_ids) {
  messages_.SetDeferredReason(std::move(message_ids), "messaging_tier");
}

void Dispatcher::CheckInDoubt() {
  std::vector<InDoubt> due;
  {
    std::lock_guard lock(mu_);
    int64_t now = clock_.NowMs();
    while (!in_doubt_.empty() && in_doubt_.begin()->first <= now) {
      due.push_back(in_doubt_.begin()->second);
      in_doubt_.erase(in_doubt_.begin());
    }
  }
  bool resend_policy = settings_.in_doubt_policy == InDoubtPolicy::kResend;
  for (const auto& d : due) {
    bool resend = resend_policy || d.idempotent;
    int64_t now = clock_.NowMs();
    // Only still-`sending` messages change: a webhook that settled one meanwhile wins.
    messages_.ResolveInDoubt(
        d.message_id, resend, now, [this, d, resend, now](core::Result<store::MessageRecord> recipient) {
          if (!recipient) return;  // settled by a webhook: nothing to do
          core::LogWarn("engine",
                        resend ? "in-doubt message not confirmed; sending again"
                               : "in-doubt message not confirmed; marked unknown",
                        {{"message_id", d.message_id}});
          if (resend) {
            Enqueue(QueuedMessage{d.message_id, recipient->to_number, static_cast<Priority>(recipient->priority != 0)},
                    d.outlet_id, now);
          }
        });
  }
}

void Dispatcher::LaneDone(const std::string& outlet_id, const std::function<void(engine::Lane&)>& also) {
  bool news = false;
  {
    std::lock_guard lock(mu_);
    engine::Lane& lane = LaneFor(outlet_id);
    lane.Done();
    if (also) also(lane);
    lane.scheduled = false;  // an in-flight slot freed or a pause changed: find its time again
    news = Schedule(lane) && SomeoneSleepsPast(lane.scheduled_at_us);
  }
  if (news) cv_.notify_one();
}

}  // namespace wagate::engine
