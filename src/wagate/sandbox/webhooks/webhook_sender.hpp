// Delivers webhook events to the gateway: signed POSTs from a time-ordered queue, retried with
// exponential backoff while the gateway is down or answers non-200. The status events of one message
// leave one at a time in the order they were due (sent → delivered → read), however the delivery
// threads are scheduled: only the reorder fault, which swaps their due times, reorders them. With a verify
// token, nothing leaves until the endpoint passed Meta's subscription handshake (webhook_verification.hpp).
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <thread>
#include <unordered_map>
#include <utility>
#include <vector>

#include "wagate/sandbox/webhooks/webhook_event.hpp"
#include "wagate/sandbox/webhooks/webhook_verification.hpp"

namespace wagate::sandbox {

struct WebhookSenderSettings {
  std::string url;                     // empty: nothing is scheduled
  std::string app_secret;              // HMAC key of X-Hub-Signature-256
  int threads = 4;                     // each with its own keep-alive connection
  size_t max_batch = 1;                // events per POST when several are due (Meta batches up to 1,000)
  std::chrono::seconds horizon{3600};  // give up on an event this long after it was due
  size_t max_queued = 1'000'000;       // beyond it new events are dropped with a warning
  std::chrono::milliseconds request_timeout{5000};
  // Non-empty: before any delivery to `url` (at Start, and again when the URL or token changes) the
  // endpoint must echo the challenge of a GET handshake; until then events wait in the queue.
  std::string verify_token;
};

struct WebhookSenderStats {
  uint64_t delivered = 0;        // events acknowledged with 200
  uint64_t failed_attempts = 0;  // POSTs that failed or were answered non-200
  uint64_t dropped = 0;          // events given up (horizon, queue full, no URL)
  uint64_t pending = 0;          // queued or in flight
};

// Thread-safe. Start() launches `threads` delivery threads; Stop() wakes them, aborts POSTs in flight,
// joins, and forgets what was still queued (the sandbox keeps no state across runs).
class WebhookSender final {
 public:
  using SteadyTime = std::chrono::steady_clock::time_point;

  explicit WebhookSender(WebhookSenderSettings settings);
  ~WebhookSender();
  WebhookSender(const WebhookSender&) = delete;
  WebhookSender& operator=(const WebhookSender&) = delete;

  void Start();
  void Stop();

  // Queues the event for `due`; false when it was dropped (no URL or queue full).
  bool Schedule(WebhookEvent event, SteadyTime due);

  // Read at every attempt, so a change applies to events already queued. A new URL or verify token
  // (when a token is set) restarts the handshake: deliveries wait for it again.
  void SetTarget(std::string url, std::string app_secret, std::string verify_token);
  std::string url() const;
  std::string app_secret() const;
  void SetHorizon(std::chrono::seconds horizon);
  std::chrono::seconds horizon() const;

  WebhookSenderStats stats() const;
  WebhookVerificationStats verification() const;
  // Copies of the events waiting to leave (not those in flight), by due time: what a test of the events a
  // route schedules reads from a sender it never started.
  std::vector<WebhookEvent> Queued() const;

  // 0.2 s doubling per failed attempt, capped at 10 s.
  static std::chrono::milliseconds Backoff(int failed_attempts);

 private:
  struct Item {
    SteadyTime due;
    uint64_t seq;  // FIFO among equal due times
    SteadyTime first_due;
    int attempts = 0;
    WebhookEvent event;
    uint64_t order = 0;  // the seq given at Schedule: with first_due, the event's place in its message's order
  };
  // An event's place among its message's events: by when it was first due, then by scheduling.
  using OrderMark = std::pair<SteadyTime::rep, uint64_t>;
  static OrderMark MarkOf(const Item& item) { return {item.first_due.time_since_epoch().count(), item.order}; }
  // The message whose events must stay in order (status events: the wamid); empty = no order.
  static const std::string& OrderKey(const Item& item);
  struct Later {
    bool operator()(const Item& a, const Item& b) const { return a.due != b.due ? a.due > b.due : a.seq > b.seq; }
  };

  void RunWorker();
  std::vector<Item> TakeDueBatch(SteadyTime now);  // requires mu_
  void Push(Item item);                            // requires mu_
  // True when no earlier event of the item's message is queued or in flight; requires mu_.
  bool MayLeave(const Item& item) const;
  void Forget(const Item& item);  // delivered or given up; requires mu_
  void Settle(std::vector<Item> batch, bool delivered, long status, const std::string& error);  // requires mu_
  bool VerificationBlocks() const;  // deliveries must wait for the handshake; requires mu_
  // One handshake attempt by this delivery thread: unlocks `lock` during the GET.
  void Verify(std::unique_lock<std::mutex>& lock);
  void RestartVerification();        // requires mu_
  void DropExpired(SteadyTime now);  // queued events past the horizon; requires mu_

  mutable std::mutex mu_;
  std::condition_variable cv_;
  WebhookSenderSettings settings_;
  std::vector<Item> heap_;  // min-heap on (due, seq)
  uint64_t next_seq_ = 0;
  uint64_t in_flight_ = 0;
  // Per message (OrderKey), the events not yet delivered or given up, in order; the first one alone
  // may leave, and it stays first while in flight.
  std::unordered_map<std::string, std::set<OrderMark>> unsettled_;
  // Due events waiting for an earlier event of their message, off the heap, by OrderKey.
  std::unordered_map<std::string, std::vector<Item>> parked_;
  size_t parked_count_ = 0;
  // While the endpoint keeps failing, all threads pause together instead of hammering it with every
  // queued event; a success clears it.
  SteadyTime endpoint_blocked_until_{};
  std::chrono::milliseconds endpoint_backoff_{0};
  WebhookSenderStats counters_;
  // The handshake of the current URL and token. `verify_generation_` changes with them, so the answer
  // to a handshake for an older target is ignored.
  WebhookVerificationStats verification_;
  uint64_t verify_generation_ = 0;
  bool verifying_ = false;  // one thread performs the handshake; the others wait
  SteadyTime verify_due_{};
  std::string last_logged_verify_error_;  // each distinct failure is logged once per target
  uint64_t challenge_state_;              // the challenges' random digits (splitmix64)
  bool started_ = false;
  bool stopping_ = false;
  std::atomic<bool> abort_posts_{false};  // read by curl's progress callback, without mu_
  std::vector<std::thread> threads_;
};

}  // namespace wagate::sandbox
