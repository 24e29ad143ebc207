// The rule that turns what applying a webhook body did (ApplyCounts) into the outcome the journal
// records. Backend-neutral: every backend calls it inside its Apply, so all of them record the same.
#pragma once

#include <optional>
#include <string>

#include "wagate/store/webhook_journal.hpp"

namespace wagate::store {

struct JournalOutcome {
  std::string outcome;  // applied | skipped
  std::optional<std::string> reason;
};

// "applied" when anything new took effect; otherwise "skipped" with the most frequent reason among
// the skip reasons and "duplicate" (events applied before); "empty" when the body held no event.
JournalOutcome DecideOutcome(const ApplyCounts& counts);

// {"messages":1,"statuses":2,…,"skipped":{"unknown_phone_number_id":1}}: zero counts left out.
std::string CountsJson(const ApplyCounts& counts);

}  // namespace wagate::store
