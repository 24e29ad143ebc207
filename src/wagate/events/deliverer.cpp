#include "wagate/events/deliverer.hpp"

#include <limits>
#include <nlohmann/json.hpp>

#include "wagate/core/json_parse.hpp"
#include "wagate/core/log.hpp"
#include "wagate/events/standard_webhooks.hpp"
#include "wagate/store/event_payloads.hpp"
#include "wagate/store/prune_chunks.hpp"

namespace wagate::events {
namespace {

using Json = nlohmann::json;

bool Success(int status) { return status >= 200 && status < 300; }

// Retry-After is a server's request to wait: honoured where HTTP defines it for that purpose.
bool HonoursRetryAfter(int status) { return status == 429 || status == 503; }

std::string Display(const tenancy::OutletRegistry& outlets, const std::string& outlet_id) {
  auto o = outlets.ById(outlet_id);
  if (!o || o->display_phone_number.empty()) return "";
  return "+" + o->display_phone_number;
}

}  // namespace

std::string ConversationServiceBody(const std::string& payload, const tenancy::OutletRegistry& outlets) {
  Json event = core::ParseUntrustedJson(payload);
  if (!event.is_object() || !event.contains("data") || !event["data"].is_object()) return payload;
  const Json& d = event["data"];
  auto text = [&](const char* name) { return d.contains(name) ? d[name] : Json(nullptr); };
  bool inbound = d.value("direction", "") == "inbound";
  std::string outlet_id = d.value("outlet_id", "");
  Json customer = inbound ? Json("+" + d.value("from", "")) : text("to");
  Json business = Display(outlets, outlet_id);
  // The caller's thread id (a CRM conversation) when there is one, so both directions of a chat land in
  // the thread the caller keeps; the gateway's conversation id always.
  Json wagate_conversation = inbound ? text("conversation_id") : text("wagate_conversation_id");
  Json caller_conversation = inbound ? text("caller_conversation_id") : text("conversation_id");
  Json body = {{"tenant_id", text("tenant_id")},
               {"outlet_id", outlet_id},
               {"conversation_id", caller_conversation.is_null() ? wagate_conversation : caller_conversation},
               {"wagate_conversation_id", wagate_conversation},
               {"message_id", text("message_id")},
               {"whatsapp_message_id", text("whatsapp_message_id")},
               {"direction", inbound ? "inbound" : "outbound"},
               {"from", inbound ? customer : business},
               {"to", inbound ? business : customer},
               {"message_type", text("message_type")},
               {"content", text("content")},
               {"status", text("status")},
               {"timestamp", text("timestamp")},
               {"event_type", event.value("type", "")}};
  return body.dump(-1, ' ', false, Json::error_handler_t::replace);
}

Deliverer::Deliverer(store::EventStore& store, const Subscriptions& subscriptions, Poster& poster,
                     const tenancy::OutletRegistry& outlets, const core::Clock& clock, core::Random& random,
                     metrics::Registry* metrics, DelivererSettings settings)
    : store_(store),
      subscriptions_(subscriptions),
      poster_(poster),
      outlets_(outlets),
      clock_(clock),
      random_(random),
      settings_(std::move(settings)) {
  if (metrics) {
    succeeded_ = metrics->GetCounter("wagate_event_deliveries_total", "event delivery attempts by outcome",
                                     "outcome=\"succeeded\"");
    failed_attempts_ = metrics->GetCounter("wagate_event_deliveries_total", "event delivery attempts by outcome",
                                           "outcome=\"failed_attempt\"");
    exhausted_ = metrics->GetCounter("wagate_event_deliveries_total", "event delivery attempts by outcome",
                                     "outcome=\"exhausted\"");
    latency_ = metrics->GetHistogram("wagate_event_delivery_seconds", "latency of event delivery attempts");
    metrics->AddGauge("wagate_event_deliveries_in_flight", "event deliveries in flight",
                      [this] { return static_cast<double>(InFlight()); });
  }
  worker_ = std::make_unique<core::Worker>("event-deliverer", clock_, std::chrono::milliseconds(settings_.poll_ms),
                                           [this] { Step(); });
}

Deliverer::~Deliverer() { Stop(); }

void Deliverer::Start() { worker_->Start(); }

void Deliverer::Wake() {
  refresh_ = true;
  worker_->Wake();
}

void Deliverer::Stop() {
  stopping_ = true;
  worker_->Stop();
}

size_t Deliverer::InFlight() const {
  std::lock_guard lock(mu_);
  return in_flight_;
}

void Deliverer::RefreshSubscriptions() {
  std::map<std::string, Endpoint> next;
  for (auto& s : store_.ListSubscriptions(std::nullopt)) {
    if (!s.enabled || s.kind == "broker") continue;  // the broker's feed is published (broker/), not posted
    auto it = endpoints_.find(s.id);
    Endpoint e;
    if (it != endpoints_.end()) e = std::move(it->second);
    e.subscription = std::move(s);
    e.next_poll_ms = 0;
    e.keys_until_ms = 0;  // the secret may have been rotated
    e.headers.clear();
    Json custom = core::ParseUntrustedJson(e.subscription.headers_json);
    if (custom.is_object()) {
      for (const auto& [name, value] : custom.items()) {
        if (value.is_string()) e.headers.emplace_back(name, value.get<std::string>());
      }
    }
    std::string id = e.subscription.id;
    next.emplace(std::move(id), std::move(e));
  }
  // A subscription disabled or deleted with requests in flight: their answers are still recorded.
  for (auto& [id, e] : endpoints_) {
    if (!next.count(id) && !e.in_flight.empty()) {
      e.subscription.enabled = false;
      next.emplace(id, std::move(e));
    }
  }
  endpoints_ = std::move(next);
}

store::AttemptOutcome Deliverer::Decide(const Done& done, int64_t now) {
  store::AttemptOutcome o;
  o.delivery_id = done.delivery_id;
  o.subscription_id = done.subscription_id;
  const PostResult& r = done.result;
  o.attempt.at_ms = done.started_ms;
  o.attempt.status_code = r.status;
  o.attempt.latency_ms = r.latency_ms;
  o.attempt.error_class = r.error_class.empty() && !Success(r.status) ? "http_status" : r.error_class;
  o.attempt.response_excerpt = r.body.substr(0, settings_.excerpt_bytes);
  o.succeeded = r.error_class.empty() && Success(r.status);
  if (!o.succeeded) {
    std::optional<int64_t> retry_after = HonoursRetryAfter(r.status) ? r.retry_after_s : std::nullopt;
    auto delay =
        NextAttemptDelayMs(settings_.schedule, static_cast<int>(done.retry_index + 1), retry_after, random_.Unit());
    if (delay) o.next_attempt_at = now + *delay;
  }
  return o;
}

void Deliverer::RecordFinished() {
  std::vector<Done> finished;
  {
    std::lock_guard lock(mu_);
    finished.swap(finished_);
  }
  if (finished.empty()) return;
  int64_t now = clock_.NowMs();
  std::vector<store::AttemptOutcome> outcomes;
  outcomes.reserve(finished.size());
  for (const auto& d : finished) {
    outcomes.push_back(Decide(d, now));
    const auto& o = outcomes.back();
    if (latency_) latency_->Observe(static_cast<double>(o.attempt.latency_ms) / 1000.0);
    if (o.succeeded && succeeded_) succeeded_->Inc();
    if (!o.succeeded && o.next_attempt_at && failed_attempts_) failed_attempts_->Inc();
    if (!o.succeeded && !o.next_attempt_at && exhausted_) exhausted_->Inc();
  }
  auto disabled = store_.RecordAttempts(
      outcomes, now, settings_.disable_after_ms,
      [now](const store::SubscriptionRecord& s) { return store::SubscriptionDisabledEvent(s, now); });
  if (!disabled) {
    // The store refused (disk full): the deliveries stay pending and go again; nothing is lost.
    core::LogWarn("events", "recording delivery attempts failed; they stay pending",
                  {{"attempts", outcomes.size()}, {"error", disabled.error().message}});
  } else if (!disabled->empty()) {
    for (const auto& id : *disabled) {
      core::LogWarn("events", "subscription disabled: every delivery failed for too long", {{"subscription_id", id}});
    }
    refresh_ = true;
  }
  for (const auto& d : finished) {
    auto it = endpoints_.find(d.subscription_id);
    if (it == endpoints_.end()) continue;
    it->second.in_flight.erase(d.delivery_id);
    it->second.next_poll_ms = 0;  // a slot is free: look for the next one now
  }
  std::lock_guard lock(mu_);
  in_flight_ -= finished.size();
}

std::string Deliverer::Body(const store::SubscriptionRecord& s, const store::DueDelivery& d) const {
  if (s.kind == "conversation_service" && d.event_type.starts_with("message.")) {
    return ConversationServiceBody(d.payload, outlets_);
  }
  return d.payload;
}

void Deliverer::Dispatch(Endpoint& endpoint, const store::DueDelivery& d, int64_t now) {
  const store::SubscriptionRecord& s = endpoint.subscription;
  PostRequest request;
  request.url = s.url;
  request.timeout_ms = settings_.timeout_ms;
  request.body = Body(s, d);
  int64_t timestamp_s = now / 1000;  // each attempt signs afresh: receivers refuse stale timestamps
  request.headers.emplace_back("content-type", "application/json");
  request.headers.emplace_back("webhook-id", d.webhook_id);
  request.headers.emplace_back("webhook-timestamp", std::to_string(timestamp_s));
  if (now >= endpoint.keys_until_ms) {
    endpoint.keys = subscriptions_.SigningKeys(s, now);
    bool overlapping = s.previous_secret_expires_at && *s.previous_secret_expires_at > now;
    endpoint.keys_until_ms = overlapping ? *s.previous_secret_expires_at : std::numeric_limits<int64_t>::max();
  }
  request.headers.emplace_back("webhook-signature",
                               SignatureHeader(endpoint.keys, d.webhook_id, timestamp_s, request.body));
  request.headers.insert(request.headers.end(), endpoint.headers.begin(), endpoint.headers.end());
  endpoint.in_flight.insert(d.id);
  {
    std::lock_guard lock(mu_);
    ++in_flight_;
  }
  Done done;
  done.delivery_id = d.id;
  done.subscription_id = s.id;
  done.retry_index = d.retry_index;
  done.started_ms = now;
  poster_.Post(std::move(request), [this, done = std::move(done)](PostResult r) mutable {
    if (stopping_) return;  // stays pending: sent again at the next start
    done.result = std::move(r);
    {
      std::lock_guard lock(mu_);
      finished_.push_back(std::move(done));
    }
    worker_->Wake();
  });
}

// Hourly; each write forgets a bounded chunk (store::EventStore::Prune), so the store's writer takes
// other writes between two chunks. With more due than a step's chunks, the next step goes on.
void Deliverer::PruneStep(int64_t now) {
  bool finished =
      store::PruneInChunks([&](int64_t max_rows) { return store_.Prune(now - settings_.retention_ms, max_rows); });
  if (finished) next_prune_ms_ = now + 3600 * 1000;
}

void Deliverer::Step() {
  if (stopping_) return;
  RecordFinished();
  int64_t now = clock_.NowMs();
  if (refresh_.exchange(false) || now >= next_refresh_ms_) {
    RefreshSubscriptions();
    next_refresh_ms_ = now + 5000;  // changes through the API wake us; this catches any other
  }
  if (now >= next_prune_ms_) PruneStep(now);
  for (auto& [id, e] : endpoints_) {
    if (!e.subscription.enabled || now < e.next_poll_ms) continue;
    auto free = settings_.max_in_flight - static_cast<int64_t>(e.in_flight.size());
    if (free <= 0) continue;
    // In-flight deliveries are still pending in the store: ask for enough to skip them.
    auto due = store_.DueDeliveries(id, e.subscription.ordered, now, free + static_cast<int64_t>(e.in_flight.size()));
    int64_t sent = 0;
    for (const auto& d : due) {
      if (sent >= free) break;
      if (e.in_flight.count(d.id)) continue;
      Dispatch(e, d, now);
      ++sent;
    }
    // Found less than it could take: nothing more is due; look again after the poll period.
    e.next_poll_ms = sent < free ? now + settings_.poll_ms : 0;
  }
}

}  // namespace wagate::events
