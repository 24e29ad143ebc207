// Dead letters back into the engine: the store requeues those it may (never one Meta accepted), and
// each requeued message rejoins its lane. The API's retry routes call this; knows nothing of HTTP.
#pragma once

#include <functional>
#include <vector>

#include "wagate/core/clock.hpp"
#include "wagate/core/result.hpp"
#include "wagate/engine/dispatcher.hpp"
#include "wagate/store/message_store.hpp"

namespace wagate::messaging {

struct RequeueReport {
  std::vector<std::string> requeued;  // message ids, in the order given
  size_t skipped = 0;                 // not dead letters any more, or accepted by Meta
};

// Thread-safe; `done` runs on a store thread.
class DeadLetters final {
 public:
  DeadLetters(store::MessageStore& messages, engine::Dispatcher& dispatcher, const core::Clock& clock)
      : messages_(messages), dispatcher_(dispatcher), clock_(clock) {}

  // Requeues `candidates` in one durable write, each at most once, then hands them to the engine.
  void Requeue(std::vector<store::MessageRecord> candidates, std::function<void(core::Result<RequeueReport>)> done);

 private:
  store::MessageStore& messages_;
  engine::Dispatcher& dispatcher_;
  const core::Clock& clock_;
};

}  // namespace wagate::messaging
