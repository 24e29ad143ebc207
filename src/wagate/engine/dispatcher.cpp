#include "wagate/engine/dispatcher.hpp"

#include <future>

#include "wagate/core/log.hpp"
#include "wagate/store/message_repo.hpp"

namespace wagate::engine {

namespace repo = store::message_repo;

LaneSettings LaneSettingsFor(const tenancy::OutletCredentials& outlet, int64_t max_in_flight) {
  LaneSettings s;
  s.throughput_mps = outlet.throughput_mps;
  s.pair = {outlet.pair_burst, outlet.pair_interval_ms};
  s.messaging_tier = outlet.messaging_tier;
  s.max_in_flight = max_in_flight;
  return s;
}

Dispatcher::Dispatcher(EngineSettings settings, store::Database& db, const tenancy::OutletRegistry& outlets,
                       const graph::Client& graph, const core::Clock& clock, OutcomeWaiters& waiters,
                       const messaging::ContactWindows& windows, metrics::Registry& metrics)
    : settings_(settings), db_(db), outlets_(outlets), graph_(graph), clock_(clock), waiters_(waiters),
      windows_(windows) {
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
  db_.Read([&](store::Connection& c) {
    std::lock_guard lock(mu_);
    repo::ForEachPending(c, [&](repo::PendingMessage&& p) {
      if (p.status == core::MessageStatus::kSending) {
        // Claimed before the last stop: the request may have reached Meta. Wait for a status webhook
        // (it echoes our id) before deciding; see docs/delivery.md.
        in_doubt_.emplace(now + settings_.in_doubt_timeout_ms, InDoubt{p.id, p.outlet_id});
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
  });
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

int64_t Dispatcher::NowUs() const {
  return std::chrono::duration_cast<std::chrono::microseconds>(clock_.Now().time_since_epoch()).count();
}

void Dispatcher::Schedule(engine::Lane& lane) {
  std::optional<int64_t> at = lane.NextTimeUs(NowUs());
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

size_t Dispatcher::QueueDepth() const {
  std::lock_guard lock(mu_);
  return queued_ + in_doubt_.size();
}

double Dispatcher::Random() {
  std::lock_guard lock(mu_);
  return std::uniform_real_distribution<double>(0.0, 1.0)(rng_);
}

std::optional<Dispatcher::Work> Dispatcher::TakeNext(int64_t* wake_at_us, std::vector<std::string>* tier_deferred) {
  int64_t now_us = NowUs();
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
    std::optional<Work> work = TakeNext(&wake_at_us, &tier_deferred);
    if (!tier_deferred.empty()) {
      // Make the wait visible on the message (status API) — rare: only when the tier is used up.
      auto ids = std::make_shared<std::vector<std::string>>(std::move(tier_deferred));
      tier_deferred.clear();
      db_.Write([ids](store::Connection& c) -> core::Status {
        for (const auto& id : *ids) repo::SetDeferredReason(c, id, "messaging_tier");
        return core::Ok{};
      }, nullptr);
    }
    if (!work) {
      if (!in_doubt_.empty()) wake_at_us = std::min(wake_at_us, in_doubt_.begin()->first * 1000);
      cv_.wait_for(lock, std::chrono::microseconds(std::clamp<int64_t>(wake_at_us - NowUs(), 20, 1'000'000)));
      continue;
    }
    // Another worker may serve the next lane while this one sends.
    if (!due_lanes_.empty()) cv_.notify_one();
    lock.unlock();
    ++in_flight_;
    Process(*work);
    --in_flight_;
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
  bool resend = settings_.in_doubt_policy == InDoubtPolicy::kResend;
  for (const auto& d : due) {
    int64_t now = clock_.NowMs();
    auto recipient = std::make_shared<std::optional<store::MessageRecord>>();
    db_.Write(
        [id = d.message_id, resend, now, recipient](store::Connection& c) -> core::Status {
          // Only still-`sending` rows change: a webhook that settled it meanwhile wins.
          if (!repo::ResolveInDoubt(c, id, resend, now)) return core::Error::NotFound("in-doubt message");
          *recipient = repo::Get(c, id);
          return core::Ok{};
        },
        [this, d, resend, now, recipient](const core::Status& s) {
          if (!s.ok()) return;  // settled by a webhook: nothing to do
          core::LogWarn("engine", resend ? "in-doubt message not confirmed; sending again"
                                         : "in-doubt message not confirmed; marked unknown",
                        {{"message_id", d.message_id}});
          if (resend && *recipient) {
            Enqueue(QueuedMessage{d.message_id, (*recipient)->to_number,
                                  static_cast<Priority>((*recipient)->priority != 0)},
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

void Dispatcher::Finish(const Work& work, store::WriteJob job, std::optional<Outcome> outcome,
                        std::optional<int64_t> requeue_at_ms) {
  const std::string& id = work.dispatch.message.id;
  std::promise<void> committed;
  db_.Write(std::move(job), [&](const core::Status& s) {
    if (!s.ok()) {
      core::LogError("engine", "could not record a send outcome", {{"message_id", id}, {"error", s.error().message}});
    }
    committed.set_value();
  });
  committed.get_future().wait();
  if (requeue_at_ms) Enqueue(work.dispatch.message, work.outlet_id, *requeue_at_ms);
  if (outcome) waiters_.Complete(id, *outcome);
}

void Dispatcher::Process(const Work& work) {
  const std::string& id = work.dispatch.message.id;
  // 1. Claim: queued → sending, durable before the request leaves, so a crash leaves it in doubt
  //    rather than silently resending it.
  std::promise<std::optional<repo::ClaimedSend>> claim_promise;
  auto claim_future = claim_promise.get_future();
  auto claimed = std::make_shared<std::optional<repo::ClaimedSend>>();
  int64_t now = clock_.NowMs();
  bool business_initiated = work.dispatch.business_initiated;
  db_.Write([id, now, claimed, business_initiated](store::Connection& c) -> core::Status {
              *claimed = repo::Claim(c, id, now, business_initiated);
              return core::Ok{};
            },
            [&](const core::Status& s) { claim_promise.set_value(s.ok() ? *claimed : std::nullopt); });
  std::optional<repo::ClaimedSend> claim = claim_future.get();
  if (!claim) {  // no longer queued (settled by a webhook, or a duplicate queue entry)
    LaneDone(work.outlet_id, nullptr);
    return;
  }

  auto outlet = outlets_.ById(claim->outlet_id);
  if (!outlet) {
    store::GraphError err{0, "outlet_deleted", "the outlet of this message no longer exists"};
    failed_->Inc();
    LaneDone(work.outlet_id, nullptr);
    Finish(work, [id, err, this](store::Connection& c) -> core::Status {
             repo::MarkFailed(c, id, err, clock_.NowMs());
             return core::Ok{};
           },
           Outcome{false, "", 0, claim->attempts, err}, std::nullopt);
    return;
  }

  // 2. Send.
  auto started = std::chrono::steady_clock::now();
  graph::SendResult result = graph_.SendMessage(outlet->phone_number_id, outlet->access_token, claim->graph_request);
  latency_->Observe(std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
  int64_t done_at = clock_.NowMs();

  // 3. Record the outcome.
  if (result.verdict == graph::Verdict::kAccepted) {
    sent_->Inc();
    LaneDone(work.outlet_id, nullptr);
    Finish(work, [id, wamid = result.wamid, done_at](store::Connection& c) -> core::Status {
             repo::MarkSent(c, id, wamid, done_at);
             return core::Ok{};
           },
           Outcome{true, result.wamid, done_at, claim->attempts, {}}, std::nullopt);
    return;
  }
  bool throttled = result.verdict == graph::Verdict::kThrottled;
  bool transient = throttled || result.verdict == graph::Verdict::kRetry;
  // Throttling answers slow the lane instead of spending the budget meant for real failures.
  int64_t budget = settings_.retry.max_attempts + (throttled ? settings_.throttle_extra_attempts : 0);
  RetryPolicy policy = settings_.retry;
  policy.max_attempts = budget;
  std::optional<int64_t> delay = transient ? policy.NextDelayMs(claim->attempts, Random()) : std::nullopt;
  if (delay && result.retry_after_ms) delay = std::max(*delay, *result.retry_after_ms);
  const std::string& recipient = work.dispatch.message.recipient;
  LaneDone(work.outlet_id, [&](engine::Lane& lane) {
    if (!throttled) return;
    if (result.error.code == 131056) {
      lane.PairThrottle(recipient, done_at, delay.value_or(settings_.retry.base_delay_ms));
    } else {
      lane.Throttle(done_at + std::max(settings_.throttle_pause_ms, result.retry_after_ms.value_or(0)));
    }
  });
  if (delay) {
    (throttled ? throttled_ : retried_)->Inc();
    core::LogInfo("engine", "send failed; will retry",
                  {{"message_id", id}, {"attempt", claim->attempts}, {"delay_ms", *delay},
                   {"http_status", result.http_status}, {"graph_code", result.error.code}});
    int64_t next_at = done_at + *delay;
    const char* reason = throttled ? (result.error.code == 131056 ? "pair_rate" : "throttled") : nullptr;
    Finish(work, [id, next_at, err = result.error, done_at, reason](store::Connection& c) -> core::Status {
             repo::ScheduleRetry(c, id, next_at, err, done_at, reason);
             return core::Ok{};
           },
           std::nullopt, next_at);
    return;
  }
  failed_->Inc();
  core::LogWarn("engine", "send failed for good",
                {{"message_id", id}, {"attempts", claim->attempts}, {"verdict", graph::ToString(result.verdict)},
                 {"http_status", result.http_status}, {"graph_code", result.error.code}});
  Finish(work, [id, err = result.error, done_at](store::Connection& c) -> core::Status {
           repo::MarkFailed(c, id, err, done_at);
           return core::Ok{};
         },
         Outcome{false, "", 0, claim->attempts, result.error}, std::nullopt);
}

}  // namespace wagate::engine
