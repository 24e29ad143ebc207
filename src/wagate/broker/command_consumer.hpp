// Consumes send commands and business events from the broker's queue (docs/broker.md). A message is
// acknowledged only once its send is durably accepted (or was accepted before: a redelivery with the
// same idempotency key); a message that can never be accepted (bad JSON, failed validation, unknown
// tenant, quota exceeded, no mapping) is re-published to the dead-letter exchange with the reason in
// `x-wagate-error`, confirmed, and only then acknowledged: never dropped, never retried forever. A
// store that cannot write puts the message back after a pause. One thread owns the connection and
// reconnects with backoff; HTTP is served meanwhile.
#pragma once

#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "wagate/broker/amqp_link.hpp"
#include "wagate/broker/command_decoder.hpp"
#include "wagate/broker/link_health.hpp"
#include "wagate/core/clock.hpp"
#include "wagate/messaging/send_service.hpp"
#include "wagate/metrics/registry.hpp"

namespace wagate::broker {

struct ConsumerSettings {
  LinkSettings link;
  std::string queue = "wagate.commands";
  uint16_t prefetch = 100;
  std::string dead_letter_exchange = "wagate.dlx";
  std::string dead_letter_queue = "wagate.commands.dead";
  bool declare = true;
  int64_t reconnect_max_ms = 10000;
  int64_t requeue_delay_ms = 1000;  // a transient refusal (store not writable) waits this before going back
};

class CommandConsumer final {
 public:
  CommandConsumer(ConsumerSettings settings, DecoderSettings decoder, DecoderLookups lookups,
                  messaging::SendService& sender, metrics::Registry& metrics, const core::Clock& clock);
  ~CommandConsumer();
  CommandConsumer(const CommandConsumer&) = delete;
  CommandConsumer& operator=(const CommandConsumer&) = delete;

  void Start();
  // Stops taking messages, acknowledges what the store has accepted (waiting a few seconds at most),
  // and closes. What is left unacknowledged is redelivered to the next consumer.
  void Stop();

  const LinkHealth& health() const { return health_; }

 private:
  struct Completions;  // accept outcomes, handed from store threads to the consumer's thread
  struct Session;      // one connection's state: its deliveries in progress, its dead letters

  void Run();
  core::Status Setup(AmqpLink& link);
  core::Status Serve(AmqpLink& link, Session& session);
  core::Status Take(AmqpLink& link, Session& session, Delivery delivery);
  core::Status Settle(AmqpLink& link, Session& session);
  core::Status DeadLetter(AmqpLink& link, Session& session, uint64_t tag, const core::Error& why);
  void SleepBackoff(int64_t ms);

  const ConsumerSettings settings_;
  const DecoderSettings decoder_;
  const DecoderLookups lookups_;
  messaging::SendService& sender_;
  const core::Clock& clock_;
  LinkHealth health_;
  std::shared_ptr<Completions> completions_;

  metrics::Counter* consumed_;
  metrics::Counter* acked_;
  metrics::Counter* dead_lettered_;
  metrics::Counter* requeued_;

  std::atomic<bool> stopping_{false};
  std::mutex sleep_mu_;
  std::condition_variable sleep_cv_;
  std::thread thread_;
};

}  // namespace wagate::broker
