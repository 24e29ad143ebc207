// Customers' last inbound message per outlet (the 24 h service window), durable across restarts.
#pragma once

#include <string>
#include <vector>

#include "wagate/store/sqlite.hpp"

namespace wagate::store::contact_repo {

void RecordInbound(Connection& c, const std::string& outlet_id, const std::string& wa_id, int64_t at_ms);

struct Contact {
  std::string outlet_id;
  std::string wa_id;
  int64_t last_inbound_at;
};
// Contacts whose window may still be open (last inbound after `since_ms`).
std::vector<Contact> RecentContacts(Connection& c, int64_t since_ms);

}  // namespace wagate::store::contact_repo
