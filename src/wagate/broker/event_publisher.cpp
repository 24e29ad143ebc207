#include "wagate/broker/event_publisher.hpp"

#include <algorithm>
#include <limits>
#include <map>

#include "wagate/core/log.hpp"
#include "wagate/core/thread_name.hpp"

namespace wagate::broker {
namespace {

constexpr uint16_t kChannel = 1;
constexpr int64_t kMaxNackDelayMs = 60'000;

std::string RoutingKey(const store::DueDelivery& d) { return "tenant." + d.tenant_id + "." + d.event_type; }

}  // namespace

core::Status PrepareEventFeed(store::EventStore& events, bool enabled, const std::string& where, int64_t now_ms) {
  if (events.GetSubscription(std::nullopt, kBrokerSubscriptionId)) {
    auto updated = events.UpdateSubscription(std::nullopt, kBrokerSubscriptionId, [&](store::SubscriptionRecord& s) {
      s.enabled = enabled;
      if (!where.empty()) s.url = where;
      s.disabled_reason = enabled ? std::nullopt : std::optional<std::string>("broker events not configured");
      s.failing_since = std::nullopt;
      s.updated_at = now_ms;
    });
    return updated ? core::Status(core::Ok{}) : core::Status(updated.error());
  }
  if (!enabled) return core::Ok{};
  store::SubscriptionRecord s;
  s.id = kBrokerSubscriptionId;
  s.tenant_id = store::kEveryTenant;
  s.url = where;
  s.events = {"*"};
  s.kind = "broker";
  s.enabled = true;
  s.ordered = true;  // a message's events reach the exchange in the order they happened
  s.created_at = now_ms;
  s.updated_at = now_ms;
  return events.CreateSubscription(s);
}

EventPublisher::EventPublisher(PublisherSettings settings, store::EventStore& events, metrics::Registry& metrics,
                               const core::Clock& clock)
    : settings_(std::move(settings)), events_(events), clock_(clock) {
  published_ = metrics.GetCounter("wagate_broker_published_total", "Events published to the broker's exchange");
  confirmed_ = metrics.GetCounter("wagate_broker_confirmed_total",
                                  "Events the broker confirmed (and that then left the outbox)");
  nacked_ = metrics.GetCounter("wagate_broker_nacked_total", "Events the broker refused (published again later)");
  metrics.AddGauge("wagate_broker_publisher_connected", "1 while the event publisher is connected to the broker",
                   [this] { return health_.connected() ? 1.0 : 0.0; });
  metrics.AddGauge("wagate_broker_publisher_reconnects_total", "Times the event publisher lost its connection",
                   [this] { return static_cast<double>(health_.reconnects()); });
}

EventPublisher::~EventPublisher() { Stop(); }

void EventPublisher::Start() {
  thread_ = std::thread([this] {
    core::NameThisThread("broker-publish");
    Run();
  });
}

void EventPublisher::Stop() {
  {
    std::lock_guard lock(sleep_mu_);
    stopping_ = true;
  }
  sleep_cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void EventPublisher::Sleep(int64_t ms) {
  std::unique_lock lock(sleep_mu_);
  sleep_cv_.wait_for(lock, std::chrono::milliseconds(ms), [this] { return stopping_.load(); });
}

void EventPublisher::Run() {
  int64_t backoff_ms = 200;
  while (!stopping_) {
    AmqpLink link;
    core::Status st = link.Connect(settings_.link);
    if (st.ok()) st = link.OpenChannel(kChannel);
    if (st.ok() && settings_.declare) st = link.DeclareExchange(kChannel, settings_.exchange, "topic");
    if (st.ok()) st = link.EnableConfirms(kChannel);
    if (st.ok()) {
      health_.Connected(clock_.NowMs());
      core::LogInfo("broker", "publishing events",
                    {{"broker", DescribeUrl(settings_.link.url)}, {"exchange", settings_.exchange}});
      backoff_ms = 200;
      st = Serve(link);
    }
    link.Close();
    if (stopping_) break;
    health_.Lost(st.ok() ? "closed" : st.error().message, clock_.NowMs());
    core::LogWarn("broker", "event publisher disconnected; reconnecting",
                  {{"error", st.ok() ? "closed" : st.error().message}, {"retry_in_ms", std::to_string(backoff_ms)}});
    Sleep(backoff_ms);
    backoff_ms = std::min<int64_t>(backoff_ms * 2, settings_.reconnect_max_ms);
  }
  health_.Lost("stopped", clock_.NowMs());
}

core::Status EventPublisher::Serve(AmqpLink& link) {
  while (!stopping_) {
    bool published_any = false;
    if (auto st = PublishBatch(link, &published_any); !st.ok()) return st;
    if (published_any) continue;
    // Nothing due: wait for the next poll, answering heartbeats (and noticing a closed connection).
    auto next = link.Next(std::chrono::milliseconds(settings_.poll_ms));
    if (!next) return next.error();
  }
  return core::Ok{};
}

core::Status EventPublisher::PublishBatch(AmqpLink& link, bool* published_any) {
  int64_t now = clock_.NowMs();
  std::vector<store::DueDelivery> due = events_.DueDeliveries(kBrokerSubscriptionId, true, now, settings_.batch);
  if (due.empty()) return core::Ok{};
  *published_any = true;
  std::map<uint64_t, size_t> by_seq;  // publish sequence number → index in `due`
  for (size_t i = 0; i < due.size(); ++i) {
    const store::DueDelivery& d = due[i];
    OutgoingMessage m;
    m.body = d.payload;
    m.message_id = d.webhook_id;
    m.type = d.event_type;
    m.timestamp_s = d.event_at_ms / 1000;
    m.headers.push_back({"x-wagate-tenant", d.tenant_id});
    auto seq = link.Publish(kChannel, settings_.exchange, RoutingKey(d), m);
    if (!seq) return seq.error();  // nothing recorded: all of them stay pending and go again
    by_seq.emplace(*seq, i);
    published_->Inc();
  }

  // Wait for every confirm (the broker has written persistent messages to disk when it acks).
  std::vector<store::AttemptOutcome> outcomes;
  int64_t deadline = clock_.NowMs() + settings_.confirm_timeout_ms;
  core::Status link_status = core::Ok{};
  while (!by_seq.empty()) {
    int64_t left = deadline - clock_.NowMs();
    if (left <= 0) {
      link_status = core::Error{core::ErrorKind::kUnavailable, "broker_unavailable",
                                "the broker did not confirm published events in time"};
      break;
    }
    auto next = link.Next(std::chrono::milliseconds(std::min<int64_t>(left, 1000)));
    if (!next) {
      link_status = next.error();
      break;
    }
    auto* confirm = std::get_if<Confirm>(&*next);
    if (!confirm || confirm->channel != kChannel) continue;
    auto end = confirm->multiple ? by_seq.upper_bound(confirm->tag) : by_seq.find(confirm->tag);
    auto begin = confirm->multiple ? by_seq.begin() : end;
    if (!confirm->multiple && end != by_seq.end()) ++end;
    int64_t at = clock_.NowMs();
    for (auto it = begin; it != end; ++it) {
      const store::DueDelivery& d = due[it->second];
      store::AttemptOutcome o;
      o.delivery_id = d.id;
      o.subscription_id = kBrokerSubscriptionId;
      o.attempt.at_ms = now;
      o.attempt.latency_ms = at - now;
      o.succeeded = confirm->ack;
      if (confirm->ack) {
        confirmed_->Inc();
      } else {
        nacked_->Inc();
        o.attempt.error_class = "broker_nack";
        o.next_attempt_at = at + std::min<int64_t>(kMaxNackDelayMs, 1000LL << std::min<int64_t>(d.retry_index, 6));
      }
      outcomes.push_back(std::move(o));
    }
    by_seq.erase(begin, end);
  }
  if (!outcomes.empty()) {
    // The broker's feed is never disabled for failing: it holds events until the broker takes them.
    auto recorded = events_.RecordAttempts(outcomes, clock_.NowMs(), std::numeric_limits<int64_t>::max() / 4,
                                           [](const store::SubscriptionRecord&) { return store::OutboxEvent{}; });
    if (!recorded) {
      core::LogError("broker", "cannot record published events; they will be published again",
                     {{"error", recorded.error().message}});
    }
  }
  return link_status;
}

}  // namespace wagate::broker
