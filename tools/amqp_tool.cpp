// wagate-amqp: publishes to and consumes from RabbitMQ for the integration tests and the broker
// benchmark (Python has no AMQP client in its standard library). Uses the gateway's own AmqpLink.
//
//   wagate-amqp publish URL EXCHANGE ROUTING_KEY      stdin: one JSON per line {"body", "message_id"?,
//                                                      "headers"?}; publishes with confirms; prints
//                                                      {"published": N, "seconds": S}
//   wagate-amqp consume URL QUEUE COUNT TIMEOUT_S     acks and prints each message as a JSON line,
//                                                      until COUNT or TIMEOUT_S seconds without one
//   wagate-amqp bind URL QUEUE EXCHANGE PATTERN       declares a durable queue bound to a topic exchange
#include <chrono>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <string>

#include "wagate/broker/amqp_link.hpp"

using namespace wagate;
using Json = nlohmann::json;

namespace {

double Seconds(std::chrono::steady_clock::time_point since) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - since).count();
}

int Fail(const std::string& what) {
  std::cerr << "wagate-amqp: " << what << "\n";
  return 1;
}

bool Connect(broker::AmqpLink& link, const std::string& url) {
  auto st = link.Connect({url, 30});
  if (!st.ok()) Fail(st.error().message);
  return st.ok();
}

int Publish(const std::string& url, const std::string& exchange, const std::string& key) {
  broker::AmqpLink link;
  if (!Connect(link, url)) return 1;
  if (auto st = link.OpenChannel(1); !st.ok()) return Fail(st.error().message);
  if (auto st = link.EnableConfirms(1); !st.ok()) return Fail(st.error().message);
  auto start = std::chrono::steady_clock::now();
  uint64_t published = 0;
  uint64_t confirmed = 0;
  auto await = [&](uint64_t upto) -> bool {
    while (confirmed < upto) {
      auto next = link.Next(std::chrono::milliseconds(10000));
      if (!next) return Fail(next.error().message) == 0;
      auto* c = std::get_if<broker::Confirm>(&*next);
      if (!c) {
        if (std::holds_alternative<std::monostate>(*next)) return Fail("no confirm within 10 s") == 0;
        continue;
      }
      if (!c->ack) return Fail("the broker refused a publish") == 0;
      confirmed = c->multiple ? std::max(confirmed, c->tag) : confirmed + 1;
    }
    return true;
  };
  for (std::string line; std::getline(std::cin, line);) {
    if (line.empty()) continue;
    Json j = Json::parse(line, nullptr, false);
    if (!j.is_object() || !j["body"].is_string()) return Fail("each line must be {\"body\": \"...\"}");
    broker::OutgoingMessage m;
    m.body = j["body"].get<std::string>();
    if (j.contains("message_id")) m.message_id = j["message_id"].get<std::string>();
    if (j.contains("headers")) {
      for (const auto& [name, value] : j["headers"].items()) m.headers.push_back({name, value.get<std::string>()});
    }
    auto seq = link.Publish(1, exchange, key, m);
    if (!seq) return Fail(seq.error().message);
    ++published;
    if (published - confirmed >= 1000 && !await(published - 500)) return 1;  // a bounded window in flight
  }
  if (!await(published)) return 1;
  std::cout << Json{{"published", published}, {"seconds", Seconds(start)}}.dump() << std::endl;
  return 0;
}

int Consume(const std::string& url, const std::string& queue, long count, long timeout_s) {
  broker::AmqpLink link;
  if (!Connect(link, url)) return 1;
  if (auto st = link.OpenChannel(1); !st.ok()) return Fail(st.error().message);
  if (auto st = link.Qos(1, 500); !st.ok()) return Fail(st.error().message);
  if (auto st = link.Consume(1, queue); !st.ok()) return Fail(st.error().message);
  auto last = std::chrono::steady_clock::now();
  long got = 0;
  while (got < count && Seconds(last) < static_cast<double>(timeout_s)) {
    auto next = link.Next(std::chrono::milliseconds(200));
    if (!next) return Fail(next.error().message);
    auto* d = std::get_if<broker::Delivery>(&*next);
    if (!d) continue;
    Json headers = Json::object();
    for (const auto& h : d->headers) {
      std::visit([&](const auto& v) { headers[h.name] = v; }, h.value);
    }
    Json out = {
        {"routing_key", d->routing_key}, {"body", d->body}, {"redelivered", d->redelivered}, {"headers", headers}};
    if (d->message_id) out["message_id"] = *d->message_id;
    std::cout << out.dump() << "\n";
    if (auto st = link.Ack(1, d->delivery_tag); !st.ok()) return Fail(st.error().message);
    ++got;
    last = std::chrono::steady_clock::now();
  }
  std::cout.flush();
  return 0;
}

int Bind(const std::string& url, const std::string& queue, const std::string& exchange, const std::string& pattern) {
  broker::AmqpLink link;
  if (!Connect(link, url)) return 1;
  if (auto st = link.OpenChannel(1); !st.ok()) return Fail(st.error().message);
  if (auto st = link.DeclareExchange(1, exchange, "topic"); !st.ok()) return Fail(st.error().message);
  if (auto st = link.DeclareQueue(1, queue, ""); !st.ok()) return Fail(st.error().message);
  if (auto st = link.BindQueue(1, queue, exchange, pattern); !st.ok()) return Fail(st.error().message);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::string cmd = argc > 1 ? argv[1] : "";
  if (cmd == "publish" && argc == 5) return Publish(argv[2], argv[3], argv[4]);
  if (cmd == "consume" && argc == 6) return Consume(argv[2], argv[3], std::stol(argv[4]), std::stol(argv[5]));
  if (cmd == "bind" && argc == 6) return Bind(argv[2], argv[3], argv[4], argv[5]);
  std::cerr << "usage: wagate-amqp publish URL EXCHANGE ROUTING_KEY < lines\n"
               "       wagate-amqp consume URL QUEUE COUNT TIMEOUT_S\n"
               "       wagate-amqp bind URL QUEUE EXCHANGE PATTERN\n";
  return 2;
}
