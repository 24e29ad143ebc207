// The outbox deliverer: sends each pending delivery to its subscription's endpoint, signed (Standard
// Webhooks), and records every attempt. Per endpoint at most `max_in_flight` requests at once over
// kept-alive connections; a slow or dead endpoint holds only its own slots, never sending, ingest or
// other endpoints. Failures retry on the schedule (Retry-After honoured); an endpoint failing for
// `disable_after_ms` is disabled. Nothing is claimed in the store: a delivery in flight when the
// process dies is simply pending at the next start and is sent again, with the same webhook-id.
#pragma once

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "wagate/core/clock.hpp"
#include "wagate/core/random.hpp"
#include "wagate/core/worker.hpp"
#include "wagate/events/http_poster.hpp"
#include "wagate/events/retry_schedule.hpp"
#include "wagate/events/subscriptions.hpp"
#include "wagate/metrics/registry.hpp"
#include "wagate/store/event_store.hpp"
#include "wagate/tenancy/outlet_registry.hpp"

namespace wagate::events {

struct DelivererSettings {
  RetrySchedule schedule;
  int64_t timeout_ms = 15000;
  int64_t disable_after_ms = 5LL * 24 * 3600 * 1000;
  int64_t max_in_flight = 16;  // per endpoint
  int64_t poll_ms = 250;       // how soon a new event is picked up
  size_t excerpt_bytes = 1024;
  int64_t retention_ms = 7LL * 24 * 3600 * 1000;  // finished deliveries kept this long
};

class Deliverer final {
 public:
  Deliverer(store::EventStore& store, const Subscriptions& subscriptions, Poster& poster,
            const tenancy::OutletRegistry& outlets, const core::Clock& clock, core::Random& random,
            metrics::Registry* metrics, DelivererSettings settings);
  ~Deliverer();

  void Start();
  // Subscriptions changed, or deliveries were replayed: look again now.
  void Wake();
  // Stops dispatching; answers still in flight are dropped unrecorded (their deliveries stay pending
  // and go again at the next start, with the same webhook-id).
  void Stop();

  // Deliveries in flight (tests, metrics).
  size_t InFlight() const;

 private:
  struct Done {
    int64_t delivery_id = 0;
    std::string subscription_id;
    int64_t retry_index = 0;
    PostResult result;
    int64_t started_ms = 0;
  };
  struct Endpoint {
    store::SubscriptionRecord subscription;
    std::set<int64_t> in_flight;
    int64_t next_poll_ms = 0;
    // Opened once, not per delivery: the signing keys until the rotation overlap ends, and the headers.
    std::vector<std::string> keys;
    int64_t keys_until_ms = 0;
    std::vector<std::pair<std::string, std::string>> headers;
  };

  void Step();
  void PruneStep(int64_t now);
  void RecordFinished();
  void RefreshSubscriptions();
  void Dispatch(Endpoint& endpoint, const store::DueDelivery& d, int64_t now);
  std::string Body(const store::SubscriptionRecord& s, const store::DueDelivery& d) const;
  store::AttemptOutcome Decide(const Done& done, int64_t now);

  store::EventStore& store_;
  const Subscriptions& subscriptions_;
  Poster& poster_;
  const tenancy::OutletRegistry& outlets_;
  const core::Clock& clock_;
  core::Random& random_;
  DelivererSettings settings_;

  // Worker thread only.
  std::map<std::string, Endpoint> endpoints_;
  int64_t next_refresh_ms_ = 0;
  int64_t next_prune_ms_ = 0;

  mutable std::mutex mu_;  // guards finished_ and in_flight_
  std::vector<Done> finished_;
  size_t in_flight_ = 0;
  std::atomic<bool> refresh_{true};
  std::atomic<bool> stopping_{false};

  metrics::Counter* succeeded_ = nullptr;
  metrics::Counter* failed_attempts_ = nullptr;
  metrics::Counter* exhausted_ = nullptr;
  metrics::Histogram* latency_ = nullptr;
  std::unique_ptr<core::Worker> worker_;
};

// The body a conversation_service subscription gets for a message event: the fields the Message
// Sender Service's Conversation Service stores.
std::string ConversationServiceBody(const std::string& payload, const tenancy::OutletRegistry& outlets);

}  // namespace wagate::events
