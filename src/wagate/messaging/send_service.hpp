// Accepting a message: ownership checks, the service-window policy, the template registry check, idempotency, the
// monthly quota, the durable insert, the hand-off to the engine. Knows nothing of HTTP.
#pragma once

#include <functional>
#include <optional>
#include <string>

#include "wagate/content/message_content.hpp"
#include "wagate/conversation/contact_windows.hpp"
#include "wagate/core/clock.hpp"
#include "wagate/core/result.hpp"
#include "wagate/engine/dispatcher.hpp"
#include "wagate/store/message_store.hpp"
#include "wagate/templates/template_registry.hpp"
#include "wagate/tenancy/key_registry.hpp"
#include "wagate/tenancy/outlet_registry.hpp"

namespace wagate::messaging {

struct SendCommand {
  std::string tenant_id;
  std::string outlet_id;
  std::optional<std::string> conversation_id;
  std::string to;                   // already normalised to E.164; empty for mark_read
  content::MessageContent content;  // validated, Graph-shaped
  engine::Priority priority = engine::Priority::kTransactional;
  std::optional<std::string> idempotency_key;
  std::string request_hash;  // of the request body, to tell a retry from a different request
  // Validity: never sent after it (failed, reason expired); `ttl_s` counts from the accept.
  std::optional<int64_t> expires_at;
  std::optional<int64_t> ttl_s;
  // A campaign's recipient becoming this message (campaigns/runner): linked in the same write.
  std::optional<std::string> campaign_id;
  std::optional<int64_t> campaign_seq;
};

struct Accepted {
  store::MessageRecord message;  // as stored (for a duplicate: the original, as it stands now)
  bool duplicate = false;        // an Idempotency-Key seen before with the same body
  bool window_open = false;      // the customer wrote to this outlet in the last 24 h
};

using AcceptedCallback = std::function<void(core::Result<Accepted>)>;

// Thread-safe; callbacks run on a store thread and must not block.
class SendService final {
 public:
  SendService(store::MessageStore& messages, const tenancy::OutletRegistry& outlets, engine::Dispatcher& dispatcher,
              const conversation::ContactWindows& windows, const templates::TemplateRegistry& templates,
              const core::Clock& clock)
      : messages_(messages),
        outlets_(outlets),
        dispatcher_(dispatcher),
        windows_(windows),
        templates_(templates),
        clock_(clock) {}

  // `done` fires once the message is committed (or refused).
  void Accept(const tenancy::Principal& who, const SendCommand& cmd, AcceptedCallback done);

 private:
  store::MessageStore& messages_;
  const tenancy::OutletRegistry& outlets_;
  engine::Dispatcher& dispatcher_;
  const conversation::ContactWindows& windows_;
  const templates::TemplateRegistry& templates_;
  const core::Clock& clock_;
};

}  // namespace wagate::messaging
