#include "wagate/store/journal_outcome.hpp"

#include <nlohmann/json.hpp>

namespace wagate::store {

JournalOutcome DecideOutcome(const ApplyCounts& c) {
  if (c.messages + c.reactions + c.statuses + c.template_statuses + c.signals > 0) return {"applied", std::nullopt};
  // The most frequent; ties go to "duplicate", then to the first by name, so the outcome is stable.
  std::string reason = "duplicate";
  int64_t most = c.duplicates;
  for (const auto& [why, n] : c.skipped) {
    if (n > most) most = n, reason = why;
  }
  if (most == 0) reason = c.other_events.empty() ? "empty" : "nothing_to_apply";
  return {"skipped", reason};
}

std::string CountsJson(const ApplyCounts& c) {
  nlohmann::json j = nlohmann::json::object();
  auto put = [&](const char* key, int64_t n) {
    if (n > 0) j[key] = n;
  };
  put("messages", c.messages);
  put("reactions", c.reactions);
  put("statuses", c.statuses);
  put("template_statuses", c.template_statuses);
  put("signals", c.signals);
  put("duplicates", c.duplicates);
  if (!c.skipped.empty()) j["skipped"] = c.skipped;
  if (!c.other_events.empty()) j["other"] = c.other_events;
  return j.dump();
}

}  // namespace wagate::store
