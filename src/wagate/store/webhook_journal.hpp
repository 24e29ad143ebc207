// The durable journal of Meta's webhook bodies: appended before answering 200, then applied in order,
// each body exactly once, in the same write that applies what it says. Backend-neutral.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "wagate/core/result.hpp"
#include "wagate/core/status_event.hpp"
#include "wagate/store/template_store.hpp"

namespace wagate::store {

struct JournalEntry {
  int64_t id = 0;
  std::string body;
  std::optional<std::string> signature;  // X-Hub-Signature-256; nullopt: journaled before signatures were kept
};

// A customer wrote to an outlet: opens (refreshes) the 24 h service window.
struct InboundContact {
  std::string outlet_id;
  std::string wa_id;
  int64_t at_ms = 0;
};

// What one journaled body means, as the processor parsed and authorised it.
struct JournalApplication {
  int64_t journal_id = 0;
  std::vector<core::StatusEvent> statuses;
  std::vector<InboundContact> inbound;
  std::vector<TemplateStatusChange> template_statuses;
};

// Thread-safe. Callbacks run on a store thread and must be quick.
class WebhookJournal {
 public:
  virtual ~WebhookJournal() = default;

  // `done` runs once the body is durable (then, and only then, may Meta hear 200).
  virtual void Append(std::string body, std::string signature, int64_t now_ms,
                      std::function<void(const core::Status&)> done) = 0;
  // The oldest entries not applied yet, in journal order.
  [[nodiscard]] virtual std::vector<JournalEntry> Unprocessed(int64_t limit) = 0;
  // Applies the entries and marks them processed, all in one durable write, so each entry is applied
  // exactly once even across a crash. Statuses follow core/status_rules (forward only; a status for
  // a message not known yet is kept as an orphan and applied when the send is recorded); only
  // messages of the outlet owning the status's phone_number_id match. Returns how many statuses
  // moved a message.
  [[nodiscard]] virtual core::Result<size_t> Apply(const std::vector<JournalApplication>& batch, int64_t now_ms) = 0;
  // Forgets applied entries and unmatched orphan statuses received before `before_ms`, and
  // idempotency keys created before `keys_before_ms`. Best effort, in the background.
  virtual void Prune(int64_t before_ms, int64_t keys_before_ms) = 0;
};

}  // namespace wagate::store
