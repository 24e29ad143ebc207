// One AMQP 0-9-1 connection to RabbitMQ (rabbitmq-c), used by one thread: connect, declare, consume,
// publish with confirms, and read what the broker sends (deliveries, confirms, closes). The only code
// that sees <amqp.h>. Errors never repeat the URL's password.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "wagate/core/result.hpp"

namespace wagate::broker {

// A header value we keep when re-publishing a message (nested tables and arrays, e.g. x-death, are
// not kept).
using HeaderValue = std::variant<std::string, int64_t, bool, double>;
struct Header {
  std::string name;
  HeaderValue value;
};

struct OutgoingMessage {
  std::string body;
  std::string content_type = "application/json";
  std::optional<std::string> message_id;
  std::optional<std::string> type;
  std::optional<int64_t> timestamp_s;
  std::vector<Header> headers;
  bool persistent = true;
};

struct Delivery {
  uint64_t delivery_tag = 0;
  bool redelivered = false;
  std::string exchange;
  std::string routing_key;
  std::string body;
  std::optional<std::string> message_id;
  std::optional<std::string> content_type;
  std::vector<Header> headers;
};

// A publisher confirm: every publish up to `tag` (or just `tag`) was taken (ack) or refused (nack).
struct Confirm {
  uint16_t channel = 0;
  uint64_t tag = 0;
  bool multiple = false;
  bool ack = true;
};

using Incoming = std::variant<std::monostate, Delivery, Confirm>;  // monostate: nothing within the wait

struct LinkSettings {
  std::string url;  // amqp[s]://user:pass@host:port/vhost
  int heartbeat_s = 30;
  std::chrono::milliseconds connect_timeout{5000};
};

// What the URL names, without the password: for logs and /readyz.
std::string DescribeUrl(const std::string& url);

class AmqpLink final {
 public:
  AmqpLink();
  ~AmqpLink();
  AmqpLink(const AmqpLink&) = delete;
  AmqpLink& operator=(const AmqpLink&) = delete;

  core::Status Connect(const LinkSettings& settings);
  bool connected() const;
  void Close();  // polite close when possible; always frees the connection

  core::Status OpenChannel(uint16_t channel);
  core::Status DeclareExchange(uint16_t channel, const std::string& name, const std::string& type);
  // `dead_letter_exchange`: where the broker routes what is rejected without requeue ("" = none).
  core::Status DeclareQueue(uint16_t channel, const std::string& name, const std::string& dead_letter_exchange);
  core::Status BindQueue(uint16_t channel, const std::string& queue, const std::string& exchange,
                         const std::string& routing_key);
  core::Status Qos(uint16_t channel, uint16_t prefetch);
  core::Status Consume(uint16_t channel, const std::string& queue);
  // Publisher confirms on this channel; publishes are then numbered from 1.
  core::Status EnableConfirms(uint16_t channel);

  // Returns the publish's sequence number on a confirm channel (0 otherwise).
  core::Result<uint64_t> Publish(uint16_t channel, const std::string& exchange, const std::string& routing_key,
                                 const OutgoingMessage& message);
  core::Status Ack(uint16_t channel, uint64_t delivery_tag);
  core::Status Nack(uint16_t channel, uint64_t delivery_tag, bool requeue);

  // Waits up to `wait` for what the broker sends; answers heartbeats meanwhile. An error means the
  // connection (or a channel) is gone: Close() and connect again.
  core::Result<Incoming> Next(std::chrono::milliseconds wait);

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace wagate::broker
