// Customers' last inbound message per outlet (the 24 h service window), durable across restarts.
#pragma once

#include <string>
#include <vector>

#include "wagate/store/contact_store.hpp"
#include "wagate/store/sqlite/sqlite.hpp"

namespace wagate::store::sqlite::contact_repo {

void RecordInbound(Connection& c, const std::string& outlet_id, const std::string& wa_id, int64_t at_ms);

// Contacts whose window may still be open (last inbound after `since_ms`).
std::vector<ContactRecord> RecentContacts(Connection& c, int64_t since_ms);

}  // namespace wagate::store::sqlite::contact_repo
