#include "wagate/engine/dispatcher.hpp"

#include <future>

#include "wagate/core/log.hpp"
#include "wagate/store/message_repo.hpp"

namespace wagate::engine {

namespace repo = store::message_repo;

Dispatcher::Dispatcher(EngineSettings settings, store::Database& db, const tenancy::OutletRegistry& outlets,
                       const graph::Client& graph, const core::Clock& clock, OutcomeWaiters& waiters,
                       metrics::Registry& metrics)
    : settings_(settings), db_(db), outlets_(outlets), graph_(graph), clock_(clock), waiters_(waiters) {
  const std::string help = "Graph send attempts by outcome";
  sent_ = metrics.GetCounter("wagate_sends_total", help, "outcome=\"sent\"");
  retried_ = metrics.GetCounter("wagate_sends_total", help, "outcome=\"retry\"");
  throttled_ = metrics.GetCounter("wagate_sends_total", help, "outcome=\"throttled\"");
  failed_ = metrics.GetCounter("wagate_sends_total", help, "outcome=\"failed\"");
  latency_ = metrics.GetHistogram("wagate_graph_request_duration_seconds", "Latency of Graph send requests");
}

Dispatcher::~Dispatcher() { Stop(); }

void Dispatcher::Start() {
  auto pending = db_.Read([](store::Connection& c) { return repo::ListPending(c); });
  int64_t now = clock_.NowMs();
  size_t queued = 0, doubtful = 0;
  {
    std::lock_guard lock(mu_);
    for (const auto& p : pending) {
      if (p.status == core::MessageStatus::kSending) {
        // Claimed before the last stop: the request may have reached Meta. Wait for a status webhook
        // (it echoes our id) before deciding; see docs/delivery.md.
        in_doubt_.emplace(now + settings_.in_doubt_timeout_ms, InDoubt{p.id, p.outlet_id});
        ++doubtful;
      } else {
        Lane& lane = LaneFor(p.outlet_id);
        lane.Add(p.id, p.next_attempt_at, now);
        ++queued_;
        Schedule(lane, now);
        ++queued;
      }
    }
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

Lane& Dispatcher::LaneFor(const std::string& outlet_id) {
  auto it = lanes_.find(outlet_id);
  if (it == lanes_.end()) {
    auto outlet = outlets_.ById(outlet_id);
    int64_t mps = outlet ? outlet->throughput_mps : 80;
    it = lanes_.emplace(outlet_id, std::make_unique<Lane>(outlet_id, mps, clock_)).first;
  }
  return *it->second;
}

void Dispatcher::Schedule(Lane& lane, int64_t now_ms) {
  std::optional<int64_t> at = lane.NextTimeMs(now_ms);
  if (!at) {
    lane.scheduled = false;
    return;
  }
  if (lane.scheduled && lane.scheduled_at <= *at) return;  // already due no later than that
  lane.scheduled = true;
  lane.scheduled_at = *at;
  due_lanes_.push(LaneSlot{*at, ++lane.generation, &lane});
}

void Dispatcher::Enqueue(const std::string& message_id, const std::string& outlet_id, int64_t due_ms) {
  {
    std::lock_guard lock(mu_);
    int64_t now = clock_.NowMs();
    Lane& lane = LaneFor(outlet_id);
    lane.Add(message_id, due_ms, now);
    ++queued_;
    Schedule(lane, now);
  }
  cv_.notify_one();
}

size_t Dispatcher::QueueDepth() const {
  std::lock_guard lock(mu_);
  return queued_ + in_doubt_.size();
}

double Dispatcher::Random() {
  std::lock_guard lock(mu_);
  return std::uniform_real_distribution<double>(0.0, 1.0)(rng_);
}

std::optional<Dispatcher::Item> Dispatcher::TakeNext(int64_t now, int64_t* wake_at_ms) {
  while (!due_lanes_.empty()) {
    LaneSlot slot = due_lanes_.top();
    if (slot.generation != slot.lane->generation) {  // superseded by an earlier schedule
      due_lanes_.pop();
      continue;
    }
    if (slot.at_ms > now) {
      *wake_at_ms = slot.at_ms;
      return std::nullopt;
    }
    due_lanes_.pop();
    Lane& lane = *slot.lane;
    lane.scheduled = false;
    lane.Promote(now);
    if (auto outlet = outlets_.ById(lane.outlet_id())) lane.SetThroughput(outlet->throughput_mps);
    std::optional<std::string> id = lane.TakeIfAllowed();
    Schedule(lane, now);  // for its next message (or its next token)
    if (id) {
      --queued_;
      return Item{std::move(*id), lane.outlet_id()};
    }
  }
  *wake_at_ms = now + 1000;
  return std::nullopt;
}

void Dispatcher::RunWorker() {
  std::unique_lock lock(mu_);
  while (true) {
    if (stopping_) return;
    int64_t now = clock_.NowMs();
    if (!in_doubt_.empty() && in_doubt_.begin()->first <= now) {
      lock.unlock();
      CheckInDoubt();
      lock.lock();
      continue;
    }
    int64_t wake_at = now + 1000;
    std::optional<Item> item = TakeNext(now, &wake_at);
    if (!item) {
      if (!in_doubt_.empty()) wake_at = std::min(wake_at, in_doubt_.begin()->first);
      cv_.wait_for(lock, std::chrono::milliseconds(std::clamp<int64_t>(wake_at - now, 1, 1000)));
      continue;
    }
    // Another worker may serve the next lane while this one sends.
    if (!due_lanes_.empty()) cv_.notify_one();
    lock.unlock();
    ++in_flight_;
    Process(*item);
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
    db_.Write(
        [id = d.message_id, resend, now](store::Connection& c) -> core::Status {
          // Only still-`sending` rows change: a webhook that settled it meanwhile wins.
          if (!repo::ResolveInDoubt(c, id, resend, now)) return core::Error::NotFound("in-doubt message");
          return core::Ok{};
        },
        [this, d, resend, now](const core::Status& s) {
          if (!s.ok()) return;  // settled by a webhook: nothing to do
          core::LogWarn("engine", resend ? "in-doubt message not confirmed; sending again"
                                         : "in-doubt message not confirmed; marked unknown",
                        {{"message_id", d.message_id}});
          if (resend) Enqueue(d.message_id, d.outlet_id, now);
        });
  }
}

void Dispatcher::Finish(const std::string& message_id, store::WriteJob job, std::optional<Outcome> outcome,
                        std::optional<int64_t> requeue_at_ms, const std::string& outlet_id) {
  std::promise<void> committed;
  db_.Write(std::move(job), [&](const core::Status& s) {
    if (!s.ok()) {
      core::LogError("engine", "could not record a send outcome", {{"message_id", message_id}, {"error", s.error().message}});
    }
    committed.set_value();
  });
  committed.get_future().wait();
  if (requeue_at_ms) Enqueue(message_id, outlet_id, *requeue_at_ms);
  if (outcome) waiters_.Complete(message_id, *outcome);
}

void Dispatcher::Process(const Item& item) {
  // 1. Claim: queued → sending, durable before the request leaves, so a crash leaves it in doubt
  //    rather than silently resending it.
  std::promise<std::optional<repo::ClaimedSend>> claim_promise;
  auto claim_future = claim_promise.get_future();
  auto claimed = std::make_shared<std::optional<repo::ClaimedSend>>();
  int64_t now = clock_.NowMs();
  db_.Write([id = item.message_id, now, claimed](store::Connection& c) -> core::Status {
              *claimed = repo::Claim(c, id, now);
              return core::Ok{};
            },
            [&](const core::Status& s) { claim_promise.set_value(s.ok() ? *claimed : std::nullopt); });
  std::optional<repo::ClaimedSend> claim = claim_future.get();
  if (!claim) return;  // no longer queued (settled by a webhook, or a duplicate queue entry)

  const std::string& id = item.message_id;
  auto outlet = outlets_.ById(claim->outlet_id);
  if (!outlet) {
    store::GraphError err{0, "outlet_deleted", "the outlet of this message no longer exists"};
    failed_->Inc();
    Finish(id, [id, err, this](store::Connection& c) -> core::Status {
             repo::MarkFailed(c, id, err, clock_.NowMs());
             return core::Ok{};
           },
           Outcome{false, "", 0, claim->attempts, err}, std::nullopt, item.outlet_id);
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
    Finish(id, [id, wamid = result.wamid, done_at](store::Connection& c) -> core::Status {
             repo::MarkSent(c, id, wamid, done_at);
             return core::Ok{};
           },
           Outcome{true, result.wamid, done_at, claim->attempts, {}}, std::nullopt, item.outlet_id);
    return;
  }
  bool transient = result.verdict == graph::Verdict::kRetry || result.verdict == graph::Verdict::kThrottled;
  std::optional<int64_t> delay = transient ? settings_.retry.NextDelayMs(claim->attempts, Random()) : std::nullopt;
  if (delay && result.retry_after_ms) delay = std::max(*delay, *result.retry_after_ms);
  if (delay) {
    (result.verdict == graph::Verdict::kThrottled ? throttled_ : retried_)->Inc();
    core::LogInfo("engine", "send failed; will retry",
                  {{"message_id", id}, {"attempt", claim->attempts}, {"delay_ms", *delay},
                   {"http_status", result.http_status}, {"graph_code", result.error.code}});
    int64_t next_at = done_at + *delay;
    Finish(id, [id, next_at, err = result.error, done_at](store::Connection& c) -> core::Status {
             repo::ScheduleRetry(c, id, next_at, err, done_at);
             return core::Ok{};
           },
           std::nullopt, next_at, item.outlet_id);
    return;
  }
  failed_->Inc();
  core::LogWarn("engine", "send failed for good",
                {{"message_id", id}, {"attempts", claim->attempts}, {"verdict", graph::ToString(result.verdict)},
                 {"http_status", result.http_status}, {"graph_code", result.error.code}});
  Finish(id, [id, err = result.error, done_at](store::Connection& c) -> core::Status {
           repo::MarkFailed(c, id, err, done_at);
           return core::Ok{};
         },
         Outcome{false, "", 0, claim->attempts, result.error}, std::nullopt, item.outlet_id);
}

}  // namespace wagate::engine
