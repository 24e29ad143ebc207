// Publishes the gateway's events (message.*, conversation.*, campaign.*: the outgoing webhooks' events)
// to a topic exchange, routing key `tenant.<tenant id>.<event type>`, persistent, with publisher
// confirms. Fed from the durable outbox: the broker has its own subscription (`sub_broker`, every
// tenant's events, ordered per conversation), so each event is written in the transaction of its change
// and leaves the outbox only when the broker confirmed it. A nack or a lost connection leaves it
// pending: published again (at least once; its AMQP message_id, the event's webhook id, tells repeats).
#pragma once

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>

#include "wagate/broker/amqp_link.hpp"
#include "wagate/broker/link_health.hpp"
#include "wagate/core/clock.hpp"
#include "wagate/metrics/registry.hpp"
#include "wagate/store/event_store.hpp"

namespace wagate::broker {

inline constexpr const char* kBrokerSubscriptionId = "sub_broker";

struct PublisherSettings {
  LinkSettings link;
  std::string exchange = "wagate.events";
  bool declare = true;
  int64_t batch = 500;
  int64_t poll_ms = 250;
  int64_t reconnect_max_ms = 10000;
  int64_t confirm_timeout_ms = 10000;
};

// The broker's outbox subscription, created or re-enabled when events are published, disabled when they
// are not (so no deliveries pile up for a publisher that is not running). `where` is shown to admins.
core::Status PrepareEventFeed(store::EventStore& events, bool enabled, const std::string& where, int64_t now_ms);

class EventPublisher final {
 public:
  EventPublisher(PublisherSettings settings, store::EventStore& events, metrics::Registry& metrics,
                 const core::Clock& clock);
  ~EventPublisher();
  EventPublisher(const EventPublisher&) = delete;
  EventPublisher& operator=(const EventPublisher&) = delete;

  void Start();
  void Stop();

  const LinkHealth& health() const { return health_; }

 private:
  void Run();
  core::Status Serve(AmqpLink& link);
  core::Status PublishBatch(AmqpLink& link, bool* published_any);
  void Sleep(int64_t ms);

  const PublisherSettings settings_;
  store::EventStore& events_;
  const core::Clock& clock_;
  LinkHealth health_;
  metrics::Counter* published_;
  metrics::Counter* confirmed_;
  metrics::Counter* nacked_;

  std::atomic<bool> stopping_{false};
  std::mutex sleep_mu_;
  std::condition_variable sleep_cv_;
  std::thread thread_;
};

}  // namespace wagate::broker
