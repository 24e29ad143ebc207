// Accepting a message: ownership checks, the monthly quota, the durable insert, the hand-off to the
// engine. Knows nothing of HTTP.
#pragma once

#include <functional>
#include <optional>
#include <string>

#include "wagate/core/clock.hpp"
#include "wagate/core/result.hpp"
#include "wagate/engine/dispatcher.hpp"
#include "wagate/engine/outcome_waiters.hpp"
#include "wagate/store/database.hpp"
#include "wagate/store/records.hpp"
#include "wagate/tenancy/key_registry.hpp"
#include "wagate/tenancy/outlet_registry.hpp"

namespace wagate::messaging {

struct SendCommand {
  std::string tenant_id;
  std::string outlet_id;
  std::optional<std::string> conversation_id;
  std::string to;  // already normalised to E.164
  std::string message_type = "text";
  std::string text;
};

using AcceptedCallback = std::function<void(core::Result<store::MessageRecord>)>;

// Thread-safe; callbacks run on the store's writer thread and must not block.
class SendService final {
 public:
  SendService(store::Database& db, const tenancy::OutletRegistry& outlets, engine::Dispatcher& dispatcher,
              engine::OutcomeWaiters& waiters, const core::Clock& clock)
      : db_(db), outlets_(outlets), dispatcher_(dispatcher), waiters_(waiters), clock_(clock) {}

  // `done` fires once the message is committed (or refused). With `on_outcome`, the caller is also
  // told when it was sent or failed for good, or nullopt at `outcome_deadline_ms`.
  void Accept(const tenancy::Principal& who, SendCommand cmd, AcceptedCallback done,
              engine::OutcomeCallback on_outcome = nullptr, int64_t outcome_deadline_ms = 0);

 private:
  store::Database& db_;
  const tenancy::OutletRegistry& outlets_;
  engine::Dispatcher& dispatcher_;
  engine::OutcomeWaiters& waiters_;
  const core::Clock& clock_;
};

}  // namespace wagate::messaging
