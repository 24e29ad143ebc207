// Dispatcher::ProcessBatch and its steps: a batch of taken messages is claimed in the store, sent to
// Graph at its departure slots, decided (engine/send_decision), recorded, and answered.
#include <algorithm>

#include "wagate/core/log.hpp"
#include "wagate/engine/dispatcher.hpp"
#include "wagate/engine/send_decision.hpp"

namespace wagate::engine {

namespace {

// How long a batch waits before trying the store again after it could not write.
constexpr int64_t kStoreRetryMs = 1000;

graph::SendResult OutletGone() {
  graph::SendResult gone;
  gone.verdict = graph::Verdict::kFail;
  gone.error = {0, "outlet_deleted", "the outlet of this message no longer exists"};
  return gone;
}

}  // namespace

struct Dispatcher::Attempt {
  Work work;
  std::optional<store::ClaimedSend> claim;      // nullopt: no longer queued (settled, or queued twice)
  std::optional<graph::SendResult> result;      // set for every claimed message
  std::optional<Decision> decision;             // set for every result
  std::optional<store::MessageRecord> settled;  // a failure that a status webhook had already overtaken
  const std::string& id() const { return work.dispatch.message.id; }
};

struct Dispatcher::Batch {
  std::vector<Attempt> attempts;
  int64_t claimed_at = 0;
  int64_t done_at = 0;  // when the answers were in: the time of every outcome recorded
};

void Dispatcher::ProcessBatch(std::vector<Work>& works) {
  Batch batch;
  batch.attempts.reserve(works.size());
  for (Work& w : works) batch.attempts.push_back(Attempt{std::move(w), {}, {}, {}, {}});
  if (!Claim(batch)) return;
  Send(batch);
  DecideAll(batch);
  if (!Record(batch)) return;  // stopping: the claims stay `sending`, in doubt at the next start
  Answer(batch);
}

// queued → sending in one transaction, durable before any request leaves, so a crash leaves them in
// doubt rather than silently resending them.
bool Dispatcher::Claim(Batch& batch) {
  int64_t now = batch.claimed_at = clock_.NowMs();
  std::vector<store::ClaimRequest> requests;
  requests.reserve(batch.attempts.size());
  for (const Attempt& a : batch.attempts) requests.push_back({a.id(), a.work.dispatch.business_initiated});
  auto claimed = messages_.ClaimBatch(requests, now);
  if (claimed.ok()) {
    for (size_t i = 0; i < batch.attempts.size(); ++i) batch.attempts[i].claim = std::move((*claimed)[i]);
    return true;
  }
  // Nothing changed in the store (the disk is full, say): the messages are still queued there.
  // Back into their lanes after a pause, so they go once the store writes again, without a restart.
  core::LogWarn("engine", "could not claim messages; retrying in 1 s",
                {{"error", claimed.error().message}, {"messages", batch.attempts.size()}});
  for (Attempt& a : batch.attempts) {
    LaneDone(a.work.outlet_id, nullptr);
    Enqueue(std::move(a.work.dispatch.message), a.work.outlet_id, now + kStoreRetryMs);
  }
  return false;
}

// Every claimed message concurrently, each to its outlet's number.
void Dispatcher::Send(Batch& batch) {
  std::vector<graph::SendRequest> requests;
  std::vector<std::string> outlet_ids;
  std::vector<Attempt*> senders;  // the attempt of requests[k]
  for (Attempt& a : batch.attempts) {
    if (!a.claim) continue;
    auto outlet = outlets_.ById(a.claim->outlet_id);
    if (!outlet) {
      a.result = OutletGone();
      continue;
    }
    requests.push_back(
        graph::SendRequest{outlet->phone_number_id, outlet->access_token, a.claim->graph_request, nullptr});
    outlet_ids.push_back(a.work.outlet_id);
    senders.push_back(&a);
  }
  if (requests.empty()) return;
  Departures departures;  // the requests' on_departure hooks point into it until SendBatch returns
  Depart(requests, outlet_ids, &departures);
  core::SteadyTimePoint started = clock_.SteadyNow();
  std::vector<graph::SendResult> answers = graph_.SendBatch(requests);
  double secs = std::chrono::duration<double>(clock_.SteadyNow() - started).count();
  for (size_t k = 0; k < answers.size(); ++k) {
    latency_->Observe(secs);
    senders[k]->result = std::move(answers[k]);
  }
}

// Departure slots: a slow claim commit may have bunched messages taken at an even pace. The window
// is one second plus the margin this machine's jitter calls for (engine/rate/pacing_margin).
void Dispatcher::Depart(std::vector<graph::SendRequest>& requests, const std::vector<std::string>& outlet_ids,
                        Departures* departures) {
  int64_t window_us = 1'000'000 + pacing_margin_.CurrentMs() * 1000;
  int64_t leave_at_us = clock_.NowUs();
  departures->reserve(requests.size());
  for (const std::string& outlet_id : outlet_ids) {
    std::shared_ptr<SendWindow> window = SendWindowFor(outlet_id);
    window->SetWindowUs(window_us);
    SendWindow::Slot slot = window->Reserve(clock_.NowUs());
    leave_at_us = std::max(leave_at_us, slot.at_us);
    departures->emplace_back(std::move(window), slot);
  }
  if (leave_at_us > clock_.NowUs()) clock_.SleepUntil(core::FromUnixUs(leave_at_us));
  // Each request's departure is recorded when curl is about to write it, not before the batch
  // starts: a thread descheduled in between would otherwise leave later than its window counts.
  for (size_t k = 0; k < requests.size(); ++k) {
    requests[k].on_departure = [this, &slot = (*departures)[k]] { slot.first->Departed(slot.second, clock_.NowUs()); };
  }
}

// Each outcome decided; the lane learns of throttling at once.
void Dispatcher::DecideAll(Batch& batch) {
  batch.done_at = clock_.NowMs();
  for (Attempt& a : batch.attempts) {
    if (!a.result) {
      LaneDone(a.work.outlet_id, nullptr);
      continue;
    }
    const graph::SendResult& r = *a.result;
    const Decision& d = a.decision.emplace(Decide(r, a.claim->attempts, settings_, random_.Unit()));
    LaneDone(a.work.outlet_id, [&](engine::Lane& lane) {
      if (d.slowdown == Decision::Slowdown::kCustomer) {
        lane.PairThrottle(a.work.dispatch.message.recipient, batch.done_at, d.slowdown_ms);
      } else if (d.slowdown == Decision::Slowdown::kLane) {
        lane.Throttle(batch.done_at + d.slowdown_ms);
      }
    });
    if (d.kind == Decision::Kind::kSent) {
      sent_->Inc();
    } else if (d.kind == Decision::Kind::kRetry) {
      (d.throttled ? throttled_ : retried_)->Inc();
      core::LogInfo("engine", "send failed; will retry",
                    {{"message_id", a.id()},
                     {"attempt", a.claim->attempts},
                     {"delay_ms", d.retry_in_ms},
                     {"http_status", r.http_status},
                     {"graph_code", r.error.code}});
    } else {
      failed_->Inc();
      core::LogWarn("engine", "send failed for good",
                    {{"message_id", a.id()},
                     {"attempts", a.claim->attempts},
                     {"verdict", graph::ToString(r.verdict)},
                     {"http_status", r.http_status},
                     {"graph_code", r.error.code}});
    }
  }
}

// Every outcome in one transaction. The requests went out: their outcomes must be stored, or a
// restart would find them in doubt. While the store cannot write (a full disk), keep them and try
// again until it can or we stop. False when stopping first.
bool Dispatcher::Record(Batch& batch) {
  std::vector<store::SendOutcome> outcomes;
  std::vector<Attempt*> recorded_attempts;  // outcomes[i] is recorded_attempts[i]'s
  for (Attempt& a : batch.attempts) {
    if (!a.decision) continue;
    const graph::SendResult& r = *a.result;
    store::SendOutcome o;
    o.message_id = a.id();
    switch (a.decision->kind) {
      case Decision::Kind::kSent:
        o.kind = store::SendOutcome::Kind::kSent;
        o.wamid = r.wamid;
        break;
      case Decision::Kind::kRetry:
        o.kind = store::SendOutcome::Kind::kRetry;
        o.next_attempt_ms = batch.done_at + a.decision->retry_in_ms;
        o.error = r.error;
        if (a.decision->reason) o.deferred_reason = a.decision->reason;
        break;
      case Decision::Kind::kFail:
        o.kind = store::SendOutcome::Kind::kFailed;
        o.error = r.error;
        break;
    }
    outcomes.push_back(std::move(o));
    recorded_attempts.push_back(&a);
  }
  auto recorded = messages_.RecordOutcomes(outcomes, batch.done_at);
  while (!recorded.ok() && !Stopping()) {
    core::LogError("engine", "could not record send outcomes; retrying in 1 s",
                   {{"error", recorded.error().message}, {"messages", batch.attempts.size()}});
    {
      std::unique_lock lock(mu_);
      clock_.WaitUntil(cv_, lock, clock_.Now() + core::Millis(kStoreRetryMs), [this] { return stopping_; });
    }
    recorded = messages_.RecordOutcomes(outcomes, batch.done_at);
  }
  if (!recorded.ok()) return false;
  // A timeout may hide a send Meta accepted, and its status webhook may have said so meanwhile: then
  // the message stays sent, and so must the caller's answer.
  for (size_t i = 0; i < recorded_attempts.size(); ++i) recorded_attempts[i]->settled = std::move((*recorded)[i]);
  return true;
}

// Retries back into their lanes; synchronous callers hear the outcome.
void Dispatcher::Answer(Batch& batch) {
  for (Attempt& a : batch.attempts) {
    if (!a.decision) continue;
    int64_t attempts = a.claim->attempts;
    switch (a.decision->kind) {
      case Decision::Kind::kRetry:
        Enqueue(a.work.dispatch.message, a.work.outlet_id, batch.done_at + a.decision->retry_in_ms);
        break;
      case Decision::Kind::kSent:
        waiters_.Complete(a.id(), Outcome{true, a.result->wamid, batch.done_at, attempts, {}});
        break;
      case Decision::Kind::kFail:
        if (a.settled) {
          waiters_.Complete(a.id(),
                            Outcome{true, *a.settled->wamid, a.settled->sent_at.value_or(batch.done_at), attempts, {}});
        } else {
          waiters_.Complete(a.id(), Outcome{false, "", 0, attempts, a.result->error});
        }
        break;
    }
  }
}

}  // namespace wagate::engine
