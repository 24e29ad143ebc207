// Customers' last inbound message per outlet (the 24 h service window), durable across restarts.
// Written by WebhookJournal::Apply; read here at start. Backend-neutral.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace wagate::store {

struct ContactRecord {
  std::string outlet_id;
  std::string wa_id;
  int64_t last_inbound_at = 0;
};

// Thread-safe.
class ContactStore {
 public:
  virtual ~ContactStore() = default;
  // Contacts whose window may still be open (last inbound after `since_ms`).
  [[nodiscard]] virtual std::vector<ContactRecord> RecentContacts(int64_t since_ms) = 0;
};

}  // namespace wagate::store
