#include "wagate/engine/dispatcher.hpp"

#include <future>

#include "wagate/core/log.hpp"

namespace wagate::engine {


// How long a batch waits before trying the store again after it could not write.
constexpr int64_t kStoreRetryMs = 1000;

LaneSettings LaneSettingsFor(const tenancy::OutletCredentials& outlet, int64_t max_in_flight) {
  LaneSettings s;
  s.throughput_mps = outlet.throughput_mps;
  s.pair = {outlet.pair_burst, outlet.pair_interval_ms};
  s.messaging_tier = outlet.messaging_tier;
  s.max_in_flight = max_in_flight;
  return s;
}

Dispatcher::Dispatcher(EngineSettings settings, store::MessageStore& messages, const tenancy::OutletRegistry& outlets,
                       const graph::Client& graph, const core::Clock& clock, OutcomeWaiters& waiters,
                       const conversation::ContactWindows& windows, metrics::Registry& metrics,
                       const PacingMargin& pacing_margin)
    : settings_(settings), messages_(messages), outlets_(outlets), graph_(graph), clock_(clock), waiters_(waiters),
      windows_(windows), pacing_margin_(pacing_margin) {
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
  for (int i = 0; i < std::max(1, settings_.workers); ++i) threads_.emplace_back([this] { RunWorker(); });
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

void Dispatcher::Schedule(engine::Lane& lane) {
  std::optional<int64_t> at = lane.NextTimeUs(clock_.NowUs());
  if (!at) {
    lane.scheduled = false;
    return;
  }
  if (lane.scheduled && lane.scheduled_at_us <= *at) return;  // already due no later than that
  lane.scheduled = true;
  lane.scheduled_at_us = *at;
  due_lanes_.push(LaneSlot{*at, ++lane.generation, &lane});
}

void Dispatcher::Enqueue(QueuedMessage message, const std::string& outlet_id, int64_t due_ms) {
  {
    std::lock_guard lock(mu_);
    int64_t now = clock_.NowMs();
    engine::Lane& lane = LaneFor(outlet_id);
    lane.Add(std::move(message), due_ms, now);
    ++queued_;
    Schedule(lane);
  }
  cv_.notify_one();
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

double Dispatcher::Random() {
  std::lock_guard lock(mu_);
  return std::uniform_real_distribution<double>(0.0, 1.0)(rng_);
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
      // Make the wait visible on the message (status API) — rare: only when the tier is used up.
      auto ids = std::make_shared<std::vector<std::string>>(std::move(tier_deferred));
      tier_deferred.clear();
      messages_.SetDeferredReason(std::move(*ids), "messaging_tier");
    }
    if (batch.empty()) {
      if (!in_doubt_.empty()) wake_at_us = std::min(wake_at_us, in_doubt_.begin()->first * 1000);
      cv_.wait_for(lock, std::chrono::microseconds(std::clamp<int64_t>(wake_at_us - clock_.NowUs(), 20, 1'000'000)));
      continue;
    }
    // Another worker may serve the next lanes while this one sends.
    if (!due_lanes_.empty()) cv_.notify_one();
    lock.unlock();
    in_flight_ += batch.size();
    ProcessBatch(batch);
    in_flight_ -= batch.size();
    batch.clear();
    lock.lock();
  }
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
    // Only still-`sending` messages change: a webhook that settled it meanwhile wins.
    messages_.ResolveInDoubt(d.message_id, resend, now,
        [this, d, resend, now](core::Result<store::MessageRecord> recipient) {
          if (!recipient) return;  // settled by a webhook: nothing to do
          core::LogWarn("engine", resend ? "in-doubt message not confirmed; sending again"
                                         : "in-doubt message not confirmed; marked unknown",
                        {{"message_id", d.message_id}});
          if (resend) {
            Enqueue(QueuedMessage{d.message_id, recipient->to_number,
                                  static_cast<Priority>(recipient->priority != 0)},
                    d.outlet_id, now);
          }
        });
  }
}

void Dispatcher::LaneDone(const std::string& outlet_id, const std::function<void(engine::Lane&)>& also) {
  {
    std::lock_guard lock(mu_);
    engine::Lane& lane = LaneFor(outlet_id);
    lane.Done();
    if (also) also(lane);
    lane.scheduled = false;  // an in-flight slot freed or a pause changed: find its time again
    Schedule(lane);
  }
  cv_.notify_one();
}

void Dispatcher::ProcessBatch(std::vector<Work>& works) {
  // 1. Claim: queued → sending in one transaction, durable before any request leaves, so a crash
  //    leaves them in doubt rather than silently resending them.
  int64_t now = clock_.NowMs();
  std::vector<store::ClaimRequest> to_claim;
  to_claim.reserve(works.size());
  for (const Work& w : works) to_claim.push_back({w.dispatch.message.id, w.dispatch.business_initiated});
  auto claimed = messages_.ClaimBatch(to_claim, now);
  if (!claimed) {
    // Nothing changed in the store (the disk is full, say): the messages are still queued there.
    // Back into their lanes after a pause, so they go once the store writes again, without a restart.
    core::LogWarn("engine", "could not claim messages; retrying in 1 s", {{"error", claimed.error().message}, {"messages", works.size()}});
    for (Work& w : works) {
      LaneDone(w.outlet_id, nullptr);
      Enqueue(std::move(w.dispatch.message), w.outlet_id, now + kStoreRetryMs);
    }
    return;
  }

  const std::vector<std::optional<store::ClaimedSend>>& claims = *claimed;

  // 2. Send every claimed message concurrently.
  std::vector<graph::SendRequest> requests;
  std::vector<size_t> sent_index;  // works[i] for requests[k]
  std::vector<std::optional<graph::SendResult>> results(works.size());
  for (size_t i = 0; i < works.size(); ++i) {
    if (!claims[i]) continue;  // no longer queued (settled by a webhook, or a duplicate queue entry)
    auto outlet = outlets_.ById(claims[i]->outlet_id);
    if (!outlet) {
      graph::SendResult gone;
      gone.verdict = graph::Verdict::kFail;
      gone.error = {0, "outlet_deleted", "the outlet of this message no longer exists"};
      results[i] = gone;
      continue;
    }
    requests.push_back(graph::SendRequest{outlet->phone_number_id, outlet->access_token, claims[i]->graph_request, nullptr});
    sent_index.push_back(i);
  }
  if (!requests.empty()) {
    // Departure slots: a slow claim commit may have bunched messages taken at an even pace. The
    // window is one second plus the margin this machine's jitter calls for (engine/rate/pacing_margin).
    int64_t window_us = 1'000'000 + pacing_margin_.CurrentMs() * 1000;
    int64_t leave_at_us = clock_.NowUs();
    std::vector<std::pair<std::shared_ptr<SendWindow>, SendWindow::Slot>> slots;
    slots.reserve(requests.size());
    for (size_t k = 0; k < requests.size(); ++k) {
      std::shared_ptr<SendWindow> window = SendWindowFor(works[sent_index[k]].outlet_id);
      window->SetWindowUs(window_us);
      SendWindow::Slot slot = window->Reserve(clock_.NowUs());
      leave_at_us = std::max(leave_at_us, slot.at_us);
      slots.emplace_back(std::move(window), slot);
    }
    if (int64_t wait = leave_at_us - clock_.NowUs(); wait > 0) {
      std::this_thread::sleep_for(std::chrono::microseconds(wait));
    }
    // Each request's departure is recorded when curl is about to write it, not before the batch
    // starts: a thread descheduled in between would otherwise leave later than its window counts.
    for (size_t k = 0; k < requests.size(); ++k) {
      requests[k].on_departure = [this, &slot = slots[k]] { slot.first->Departed(slot.second, clock_.NowUs()); };
    }
    auto started = std::chrono::steady_clock::now();
    std::vector<graph::SendResult> answers = graph_.SendBatch(requests);
    double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    for (size_t k = 0; k < answers.size(); ++k) {
      latency_->Observe(secs);
      results[sent_index[k]] = std::move(answers[k]);
    }
  }

  // 3. Decide each outcome; the lane learns of throttling at once.
  int64_t done_at = clock_.NowMs();
  struct Decision {
    enum Kind { kNone, kSent, kRetry, kFail } kind = kNone;
    int64_t next_at = 0;
    const char* reason = nullptr;
    std::optional<store::MessageRecord> settled;  // a failure that a status webhook had already overtaken
  };
  std::vector<Decision> decisions(works.size());
  for (size_t i = 0; i < works.size(); ++i) {
    const Work& w = works[i];
    if (!results[i]) {
      LaneDone(w.outlet_id, nullptr);
      continue;
    }
    const graph::SendResult& r = *results[i];
    const std::string& id = w.dispatch.message.id;
    if (r.verdict == graph::Verdict::kAccepted) {
      sent_->Inc();
      decisions[i].kind = Decision::kSent;
      LaneDone(w.outlet_id, nullptr);
      continue;
    }
    bool throttled = r.verdict == graph::Verdict::kThrottled;
    bool transient = throttled || r.verdict == graph::Verdict::kRetry;
    // Throttling answers slow the lane instead of spending the budget meant for real failures.
    RetryPolicy policy = settings_.retry;
    if (throttled) policy.max_attempts += settings_.throttle_extra_attempts;
    std::optional<int64_t> delay = transient ? policy.NextDelayMs(claims[i]->attempts, Random()) : std::nullopt;
    if (delay && r.retry_after_ms) delay = std::max(*delay, *r.retry_after_ms);
    LaneDone(w.outlet_id, [&](engine::Lane& lane) {
      if (!throttled) return;
      if (r.error.code == 131056) {
        lane.PairThrottle(w.dispatch.message.recipient, done_at, delay.value_or(settings_.retry.base_delay_ms));
      } else {
        lane.Throttle(done_at + std::max(settings_.throttle_pause_ms, r.retry_after_ms.value_or(0)));
      }
    });
    if (delay) {
      (throttled ? throttled_ : retried_)->Inc();
      core::LogInfo("engine", "send failed; will retry",
                    {{"message_id", id}, {"attempt", claims[i]->attempts}, {"delay_ms", *delay},
                     {"http_status", r.http_status}, {"graph_code", r.error.code}});
      decisions[i] = {Decision::kRetry, done_at + *delay,
                      throttled ? (r.error.code == 131056 ? "pair_rate" : "throttled") : nullptr, std::nullopt};
    } else {
      failed_->Inc();
      core::LogWarn("engine", "send failed for good",
                    {{"message_id", id}, {"attempts", claims[i]->attempts}, {"verdict", graph::ToString(r.verdict)},
                     {"http_status", r.http_status}, {"graph_code", r.error.code}});
      decisions[i].kind = Decision::kFail;
    }
  }

  // 4. Record every outcome in one transaction, then re-queue retries and answer synchronous callers.
  std::vector<store::SendOutcome> outcomes;
  std::vector<size_t> outcome_of(works.size(), SIZE_MAX);  // index into outcomes, per work
  for (size_t i = 0; i < works.size(); ++i) {
    const std::string& id = works[i].dispatch.message.id;
    switch (decisions[i].kind) {
      case Decision::kSent:
        outcomes.push_back({id, store::SendOutcome::Kind::kSent, results[i]->wamid, 0, {}, std::nullopt});
        break;
      case Decision::kRetry:
        outcomes.push_back({id, store::SendOutcome::Kind::kRetry, "", decisions[i].next_at, results[i]->error,
                            decisions[i].reason ? std::optional<std::string>(decisions[i].reason) : std::nullopt});
        break;
      case Decision::kFail:
        outcomes.push_back({id, store::SendOutcome::Kind::kFailed, "", 0, results[i]->error, std::nullopt});
        break;
      case Decision::kNone: continue;
    }
    outcome_of[i] = outcomes.size() - 1;
  }
  auto recorded = messages_.RecordOutcomes(outcomes, done_at);
  // The requests went out: their outcomes must be stored, or a restart would find them in doubt.
  // While the store cannot write (a full disk), keep them and try again until it can or we stop.
  while (!recorded.ok() && !Stopping()) {
    core::LogError("engine", "could not record send outcomes; retrying in 1 s",
                   {{"error", recorded.error().message}, {"messages", works.size()}});
    std::unique_lock lock(mu_);
    cv_.wait_for(lock, std::chrono::milliseconds(kStoreRetryMs), [this] { return stopping_; });
    lock.unlock();
    recorded = messages_.RecordOutcomes(outcomes, done_at);
  }
  if (!recorded.ok()) return;  // stopping: the claims stay `sending`, in doubt at the next start
  for (size_t i = 0; i < works.size(); ++i) {
    // A failure that a status webhook had already overtaken: the message stays sent.
    if (outcome_of[i] != SIZE_MAX) decisions[i].settled = std::move((*recorded)[outcome_of[i]]);
    const Decision& d = decisions[i];
    const std::string& id = works[i].dispatch.message.id;
    if (d.kind == Decision::kRetry) Enqueue(works[i].dispatch.message, works[i].outlet_id, d.next_at);
    if (d.kind == Decision::kSent) waiters_.Complete(id, Outcome{true, results[i]->wamid, done_at, claims[i]->attempts, {}});
    if (d.kind == Decision::kFail && d.settled) {
      waiters_.Complete(id, Outcome{true, *d.settled->wamid, d.settled->sent_at.value_or(done_at), claims[i]->attempts, {}});
    } else if (d.kind == Decision::kFail) {
      waiters_.Complete(id, Outcome{false, "", 0, claims[i]->attempts, results[i]->error});
    }
  }
}

}  // namespace wagate::engine
