// Synchronous senders waiting for their message's outcome (sent or failed), with a deadline.
#pragma once

#include <condition_variable>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <unordered_map>

#include "wagate/core/clock.hpp"
#include "wagate/core/graph_error.hpp"

namespace wagate::engine {

struct Outcome {
  bool sent = false;
  std::string wamid;
  int64_t sent_at_ms = 0;
  int64_t attempts = 0;
  core::GraphError error;  // when !sent
};

// nullopt: the deadline passed first (the send goes on; the caller answers with the current status).
using OutcomeCallback = std::function<void(const std::string& message_id, std::optional<Outcome>)>;

// Thread-safe. Each waiter fires exactly once; callbacks run on the completing thread or on the
// timer thread and must not block.
class OutcomeWaiters final {
 public:
  explicit OutcomeWaiters(const core::Clock& clock);
  ~OutcomeWaiters();

  void Register(const std::string& message_id, int64_t deadline_ms, OutcomeCallback callback);
  void Complete(const std::string& message_id, const Outcome& outcome);
  void Cancel(const std::string& message_id);
  size_t Size() const;

 private:
  void RunTimer();
  struct Waiter {
    int64_t deadline_ms;
    uint64_t ticket;
    OutcomeCallback callback;
  };
  const core::Clock& clock_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  // Several callers may wait for one message (idempotent retries of a synchronous send).
  std::unordered_multimap<std::string, Waiter> waiters_;
  std::multimap<int64_t, std::pair<std::string, uint64_t>> deadlines_;
  uint64_t next_ticket_ = 0;
  bool stopping_ = false;
  std::thread timer_;
};

}  // namespace wagate::engine
