// The durable journal of Meta's webhook bodies: appended before answering 200, processed after.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "wagate/store/sqlite.hpp"

namespace wagate::store::webhook_journal {

// `signature`: the X-Hub-Signature-256 header it came with.
int64_t Append(Connection& c, const std::string& body, const std::string& signature, int64_t now_ms);

struct Entry {
  int64_t id;
  std::string body;
  std::optional<std::string> signature;  // nullopt: journaled before signatures were kept
};
std::vector<Entry> Unprocessed(Connection& c, int64_t after_id, int64_t limit);
void MarkProcessed(Connection& c, int64_t id);
// Deletes processed journal rows and unmatched orphan statuses received before `before_ms`.
int64_t Prune(Connection& c, int64_t before_ms);

}  // namespace wagate::store::webhook_journal
