#include "wagate/store/sqlite/contact_repo.hpp"

namespace wagate::store::sqlite::contact_repo {

void RecordInbound(Connection& c, const std::string& outlet_id, const std::string& wa_id, int64_t at_ms) {
  c.Prepare(
       "INSERT INTO contacts(outlet_id, wa_id, last_inbound_at) VALUES (?,?,?) ON CONFLICT(outlet_id, wa_id) "
       "DO UPDATE SET last_inbound_at = MAX(last_inbound_at, excluded.last_inbound_at)")
      .Bind(1, outlet_id)
      .Bind(2, wa_id)
      .Bind(3, at_ms)
      .Run();
}

std::vector<ContactRecord> RecentContacts(Connection& c, int64_t since_ms) {
  Statement s = c.Prepare("SELECT outlet_id, wa_id, last_inbound_at FROM contacts WHERE last_inbound_at > ?");
  s.Bind(1, since_ms);
  std::vector<ContactRecord> out;
  while (s.Step()) out.push_back(ContactRecord{s.Text(0), s.Text(1), s.Int(2)});
  return out;
}

}  // namespace wagate::store::sqlite::contact_repo
