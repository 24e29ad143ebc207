#include "wagate/broker/command_consumer.hpp"

#include <algorithm>
#include <deque>
#include <map>
#include <vector>

#include "wagate/core/log.hpp"
#include "wagate/core/thread_name.hpp"

namespace wagate::broker {
namespace {

constexpr uint16_t kConsumeChannel = 1;
constexpr uint16_t kDeadLetterChannel = 2;  // confirm mode: a dead letter is acked only once the DLX has it
// While accepts are in flight, the broker is asked often whether it sent anything, so their
// acknowledgements go out soon after the store commits (rabbitmq-c cannot wait on our queue too).
constexpr std::chrono::milliseconds kBusyWait{1};
constexpr std::chrono::milliseconds kIdleWait{100};
constexpr int64_t kStopGraceMs = 5000;

// The store is out of service for a moment (disk full, I/O error): try the message again later.
bool Transient(const core::Error& e) { return e.kind == core::ErrorKind::kUnavailable; }

}  // namespace

struct CommandConsumer::Completions {
  struct Done {
    uint64_t generation = 0;
    uint64_t tag = 0;
    std::optional<core::Error> error;
  };
  std::mutex mu;
  std::vector<Done> done;

  void Push(Done d) {
    std::lock_guard lock(mu);
    done.push_back(std::move(d));
  }
  std::vector<Done> Take() {
    std::lock_guard lock(mu);
    return std::exchange(done, {});
  }
};

struct CommandConsumer::Session {
  uint64_t generation = 0;
  std::map<uint64_t, Delivery> accepting;             // delivery tag → the message, while the store accepts it
  std::map<uint64_t, uint64_t> dead_letter_confirms;  // DLX publish sequence → the delivery tag it settles
  std::deque<std::pair<int64_t, uint64_t>> requeues;  // (due ms, delivery tag): put back after a pause
  bool draining = false;
};

CommandConsumer::CommandConsumer(ConsumerSettings settings, DecoderSettings decoder, DecoderLookups lookups,
                                 messaging::SendService& sender, metrics::Registry& metrics, const core::Clock& clock)
    : settings_(std::move(settings)),
      decoder_(std::move(decoder)),
      lookups_(std::move(lookups)),
      sender_(sender),
      clock_(clock),
      completions_(std::make_shared<Completions>()) {
  consumed_ = metrics.GetCounter("wagate_broker_consumed_total", "Messages taken from the broker's command queue");
  acked_ = metrics.GetCounter("wagate_broker_acked_total",
                              "Commands acknowledged to the broker after their send was durably accepted");
  dead_lettered_ = metrics.GetCounter("wagate_broker_dead_lettered_total",
                                      "Commands refused and re-published to the dead-letter exchange with the reason");
  requeued_ = metrics.GetCounter("wagate_broker_requeued_total",
                                 "Commands put back on the queue because the store could not write");
  metrics.AddGauge("wagate_broker_consumer_connected", "1 while the command consumer is connected to the broker",
                   [this] { return health_.connected() ? 1.0 : 0.0; });
  metrics.AddGauge("wagate_broker_consumer_reconnects_total", "Times the command consumer lost its connection",
                   [this] { return static_cast<double>(health_.reconnects()); });
}

CommandConsumer::~CommandConsumer() { Stop(); }

void CommandConsumer::Start() {
  thread_ = std::thread([this] {
    core::NameThisThread("broker-consume");
    Run();
  });
}

void CommandConsumer::Stop() {
  {
    std::lock_guard lock(sleep_mu_);
    stopping_ = true;
  }
  sleep_cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void CommandConsumer::SleepBackoff(int64_t ms) {
  std::unique_lock lock(sleep_mu_);
  sleep_cv_.wait_for(lock, std::chrono::milliseconds(ms), [this] { return stopping_.load(); });
}

void CommandConsumer::Run() {
  int64_t backoff_ms = 200;
  uint64_t generation = 0;
  while (!stopping_) {
    AmqpLink link;
    Session session;
    session.generation = ++generation;
    core::Status st = link.Connect(settings_.link);
    if (st.ok()) st = Setup(link);
    if (st.ok()) {
      health_.Connected(clock_.NowMs());
      core::LogInfo("broker", "consuming commands",
                    {{"broker", DescribeUrl(settings_.link.url)}, {"queue", settings_.queue}});
      backoff_ms = 200;
      st = Serve(link, session);
    }
    link.Close();
    if (stopping_) break;
    // What was being accepted on the lost connection comes back as a redelivery: its idempotency key
    // makes the second accept a no-op.
    health_.Lost(st.ok() ? "closed" : st.error().message, clock_.NowMs());
    core::LogWarn("broker", "command consumer disconnected; reconnecting",
                  {{"error", st.ok() ? "closed" : st.error().message}, {"retry_in_ms", std::to_string(backoff_ms)}});
    SleepBackoff(backoff_ms);
    backoff_ms = std::min<int64_t>(backoff_ms * 2, settings_.reconnect_max_ms);
  }
  health_.Lost("stopped", clock_.NowMs());
}

core::Status CommandConsumer::Setup(AmqpLink& link) {
  if (auto st = link.OpenChannel(kConsumeChannel); !st.ok()) return st;
  if (auto st = link.OpenChannel(kDeadLetterChannel); !st.ok()) return st;
  if (settings_.declare) {
    if (auto st = link.DeclareExchange(kConsumeChannel, settings_.dead_letter_exchange, "fanout"); !st.ok()) return st;
    if (!settings_.dead_letter_queue.empty()) {
      if (auto st = link.DeclareQueue(kConsumeChannel, settings_.dead_letter_queue, ""); !st.ok()) return st;
      if (auto st = link.BindQueue(kConsumeChannel, settings_.dead_letter_queue, settings_.dead_letter_exchange, "");
          !st.ok())
        return st;
    }
    if (auto st = link.DeclareQueue(kConsumeChannel, settings_.queue, settings_.dead_letter_exchange); !st.ok())
      return st;
  }
  if (auto st = link.EnableConfirms(kDeadLetterChannel); !st.ok()) return st;
  if (auto st = link.Qos(kConsumeChannel, settings_.prefetch); !st.ok()) return st;
  return link.Consume(kConsumeChannel, settings_.queue);
}

core::Status CommandConsumer::Serve(AmqpLink& link, Session& session) {
  int64_t drain_deadline = 0;
  while (true) {
    if (stopping_ && !session.draining) {
      // No new deliveries are read from here on; those already being accepted are settled first.
      session.draining = true;
      drain_deadline = clock_.NowMs() + kStopGraceMs;
    }
    if (auto st = Settle(link, session); !st.ok()) return st;
    if (session.draining) {
      if ((session.accepting.empty() && session.dead_letter_confirms.empty()) || clock_.NowMs() > drain_deadline)
        return core::Ok{};
    }
    bool busy = !session.accepting.empty() || !session.dead_letter_confirms.empty() || !session.requeues.empty();
    auto next = link.Next(busy ? kBusyWait : kIdleWait);
    if (!next) return next.error();
    if (auto* delivery = std::get_if<Delivery>(&*next)) {
      if (session.draining) continue;  // unacknowledged: the broker redelivers it to the next consumer
      if (auto st = Take(link, session, std::move(*delivery)); !st.ok()) return st;
    } else if (auto* confirm = std::get_if<Confirm>(&*next)) {
      // The DLX took (or refused) dead letters up to this sequence number: settle their originals.
      auto end = confirm->multiple ? session.dead_letter_confirms.upper_bound(confirm->tag)
                                   : session.dead_letter_confirms.find(confirm->tag);
      auto begin = confirm->multiple ? session.dead_letter_confirms.begin() : end;
      if (!confirm->multiple && end != session.dead_letter_confirms.end()) ++end;
      for (auto it = begin; it != end; ++it) {
        core::Status st = confirm->ack ? link.Ack(kConsumeChannel, it->second)
                                       : link.Nack(kConsumeChannel, it->second, true);  // try it again later
        if (!st.ok()) return st;
        if (confirm->ack) dead_lettered_->Inc();
      }
      session.dead_letter_confirms.erase(begin, end);
    }
  }
}

core::Status CommandConsumer::Take(AmqpLink& link, Session& session, Delivery delivery) {
  consumed_->Inc();
  uint64_t tag = delivery.delivery_tag;
  auto decoded = DecodeCommand(decoder_, lookups_, delivery.body, delivery.message_id);
  session.accepting.emplace(tag, std::move(delivery));
  if (!decoded) return DeadLetter(link, session, tag, decoded.error());
  std::weak_ptr<Completions> completions = completions_;
  uint64_t generation = session.generation;
  sender_.Accept(decoded->who, decoded->send.cmd,
                 [completions, generation, tag](const core::Result<messaging::Accepted>& r) {
                   auto queue = completions.lock();
                   if (!queue) return;
                   Completions::Done done{generation, tag, std::nullopt};
                   if (!r) done.error = r.error();
                   queue->Push(std::move(done));
                 });
  return core::Ok{};
}

core::Status CommandConsumer::Settle(AmqpLink& link, Session& session) {
  for (auto& done : completions_->Take()) {
    if (done.generation != session.generation) continue;  // its connection is gone: redelivered instead
    if (!session.accepting.count(done.tag)) continue;
    if (!done.error) {
      if (auto st = link.Ack(kConsumeChannel, done.tag); !st.ok()) return st;
      acked_->Inc();
      session.accepting.erase(done.tag);
    } else if (Transient(*done.error)) {
      session.accepting.erase(done.tag);
      session.requeues.emplace_back(clock_.NowMs() + settings_.requeue_delay_ms, done.tag);
    } else if (auto st = DeadLetter(link, session, done.tag, *done.error); !st.ok()) {
      return st;
    }
  }
  int64_t now = clock_.NowMs();
  while (!session.requeues.empty() && (session.requeues.front().first <= now || session.draining)) {
    if (auto st = link.Nack(kConsumeChannel, session.requeues.front().second, true); !st.ok()) return st;
    requeued_->Inc();
    session.requeues.pop_front();
  }
  return core::Ok{};
}

core::Status CommandConsumer::DeadLetter(AmqpLink& link, Session& session, uint64_t tag, const core::Error& why) {
  auto it = session.accepting.find(tag);
  if (it == session.accepting.end()) return core::Ok{};
  Delivery& d = it->second;
  OutgoingMessage letter;
  letter.body = std::move(d.body);
  letter.content_type = d.content_type.value_or("application/json");
  letter.message_id = d.message_id;
  for (auto& h : d.headers) {
    if (!h.name.starts_with("x-wagate-error")) letter.headers.push_back(std::move(h));
  }
  letter.headers.push_back({"x-wagate-error", why.code + ": " + why.message});
  letter.headers.push_back({"x-wagate-error-code", why.code});
  if (!why.field.empty()) letter.headers.push_back({"x-wagate-error-field", why.field});
  letter.headers.push_back({"x-wagate-queue", settings_.queue});
  core::LogInfo("broker", "command dead-lettered",
                {{"code", why.code}, {"error", why.message}, {"message_id", d.message_id.value_or("")}});
  auto seq = link.Publish(kDeadLetterChannel, settings_.dead_letter_exchange, d.routing_key, letter);
  session.accepting.erase(it);
  if (!seq) return seq.error();
  session.dead_letter_confirms.emplace(*seq, tag);
  return core::Ok{};
}

}  // namespace wagate::broker
