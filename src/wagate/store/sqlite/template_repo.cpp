#include "wagate/store/sqlite/template_repo.hpp"

namespace wagate::store::sqlite::template_repo {
namespace {

using nlohmann::json;

const char* kColumns =
    "waba_id, name, language, graph_id, category, status, parameter_format, components, parameters, "
    "status_reason, updated_at";

json ParametersJson(const std::map<std::string, ComponentParameters>& parameters) {
  json out = json::object();
  for (const auto& [key, p] : parameters) {
    out[key] = {{"count", p.count}, {"names", p.names}, {"optional", p.optional}};
  }
  return out;
}

std::map<std::string, ComponentParameters> ParametersFrom(const std::string& text) {
  std::map<std::string, ComponentParameters> out;
  json j = json::parse(text, nullptr, false);
  if (!j.is_object()) return out;
  for (const auto& [key, p] : j.items()) {
    ComponentParameters cp;
    cp.count = p.value("count", size_t{0});
    cp.names = p.value("names", std::vector<std::string>{});
    cp.optional = p.value("optional", false);
    out[key] = std::move(cp);
  }
  return out;
}

TemplateRecord Read(Statement& s) {
  TemplateRecord t;
  t.waba_id = s.Text(0);
  t.name = s.Text(1);
  t.language = s.Text(2);
  t.graph_id = s.Text(3);
  t.category = s.Text(4);
  t.status = s.Text(5);
  t.parameter_format = s.Text(6);
  t.components = json::parse(s.Text(7), nullptr, false);
  if (t.components.is_discarded()) t.components = json::array();
  t.parameters = ParametersFrom(s.Text(8));
  t.status_reason = s.OptText(9);
  t.updated_at = s.Int(10);
  return t;
}

// `replace`: an existing row (same WABA, name, language) takes the new values; otherwise it stays.
void Insert(Connection& c, const TemplateRecord& t, bool replace) {
  c.Prepare(std::string("INSERT INTO templates(waba_id, name, language, graph_id, category, status, parameter_format, "
                        "components, parameters, status_reason, updated_at) VALUES (?,?,?,?,?,?,?,?,?,?,?) ") +
            (replace ? "ON CONFLICT(waba_id, name, language) DO UPDATE SET graph_id = excluded.graph_id, "
                       "category = excluded.category, status = excluded.status, "
                       "parameter_format = excluded.parameter_format, components = excluded.components, "
                       "parameters = excluded.parameters, status_reason = excluded.status_reason, "
                       "updated_at = excluded.updated_at"
                     : "ON CONFLICT(waba_id, name, language) DO NOTHING"))
      .Bind(1, t.waba_id)
      .Bind(2, t.name)
      .Bind(3, t.language)
      .Bind(4, t.graph_id)
      .Bind(5, t.category)
      .Bind(6, t.status)
      .Bind(7, t.parameter_format)
      .Bind(8, t.components.dump())
      .Bind(9, ParametersJson(t.parameters).dump())
      .Bind(10, t.status_reason)
      .Bind(11, t.updated_at)
      .Run();
}

}  // namespace

void Upsert(Connection& c, const TemplateRecord& t) { Insert(c, t, true); }

void ReplaceAll(Connection& c, const std::string& waba_id, const std::vector<TemplateRecord>& all, int64_t now) {
  // Rows changed after the listing began (a status webhook during the sync) are newer than the
  // listing: they stay as they are.
  c.Prepare("DELETE FROM templates WHERE waba_id = ? AND updated_at <= ?").Bind(1, waba_id).Bind(2, now).Run();
  for (const auto& t : all) Insert(c, t, false);
  c.Prepare(
       "INSERT INTO template_syncs(waba_id, synced_at, template_count) VALUES (?,?,?) "
       "ON CONFLICT(waba_id) DO UPDATE SET synced_at = excluded.synced_at, template_count = excluded.template_count")
      .Bind(1, waba_id)
      .Bind(2, now)
      .Bind(3, static_cast<int64_t>(all.size()))
      .Run();
}

std::optional<TemplateRecord> Find(Connection& c, const std::string& waba_id, const std::string& name,
                                   const std::string& language) {
  Statement s =
      c.Prepare(std::string("SELECT ") + kColumns + " FROM templates WHERE waba_id = ? AND name = ? AND language = ?");
  s.Bind(1, waba_id).Bind(2, name).Bind(3, language);
  if (!s.Step()) return std::nullopt;
  return Read(s);
}

std::vector<TemplateRecord> List(Connection& c, const std::optional<std::string>& waba_id,
                                 const std::optional<std::string>& name, const std::optional<std::string>& status) {
  Statement s = c.Prepare(std::string("SELECT ") + kColumns +
                          " FROM templates WHERE (?1 IS NULL OR waba_id = ?1) AND (?2 IS NULL OR name = ?2) AND "
                          "(?3 IS NULL OR status = ?3) ORDER BY waba_id, name, language");
  s.Bind(1, waba_id).Bind(2, name).Bind(3, status);
  std::vector<TemplateRecord> out;
  while (s.Step()) out.push_back(Read(s));
  return out;
}

std::vector<std::string> LanguagesOf(Connection& c, const std::string& waba_id, const std::string& name) {
  Statement s = c.Prepare("SELECT language FROM templates WHERE waba_id = ? AND name = ? ORDER BY language");
  s.Bind(1, waba_id).Bind(2, name);
  std::vector<std::string> out;
  while (s.Step()) out.push_back(s.Text(0));
  return out;
}

bool UpdateStatus(Connection& c, const std::string& waba_id, const std::string& graph_id, const std::string& name,
                  const std::string& language, const std::string& status, const std::optional<std::string>& reason,
                  int64_t now) {
  if (!graph_id.empty()) {
    c.Prepare("UPDATE templates SET status = ?, status_reason = ?, updated_at = ? WHERE waba_id = ? AND graph_id = ?")
        .Bind(1, status)
        .Bind(2, reason)
        .Bind(3, now)
        .Bind(4, waba_id)
        .Bind(5, graph_id)
        .Run();
    if (c.Changes() > 0) return true;
  }
  c.Prepare(
       "UPDATE templates SET status = ?, status_reason = ?, updated_at = ? "
       "WHERE waba_id = ? AND name = ? AND language = ?")
      .Bind(1, status)
      .Bind(2, reason)
      .Bind(3, now)
      .Bind(4, waba_id)
      .Bind(5, name)
      .Bind(6, language)
      .Run();
  return c.Changes() > 0;
}

int DeleteByName(Connection& c, const std::string& waba_id, const std::string& name,
                 const std::optional<std::string>& graph_id) {
  c.Prepare("DELETE FROM templates WHERE waba_id = ?1 AND name = ?2 AND (?3 IS NULL OR graph_id = ?3)")
      .Bind(1, waba_id)
      .Bind(2, name)
      .Bind(3, graph_id)
      .Run();
  return c.Changes();
}

std::optional<int64_t> LastSync(Connection& c, const std::string& waba_id) {
  Statement s = c.Prepare("SELECT synced_at FROM template_syncs WHERE waba_id = ?");
  s.Bind(1, waba_id);
  if (!s.Step()) return std::nullopt;
  return s.Int(0);
}

TemplateCounters Counters(Connection& c, const std::string& waba_id, const std::string& name,
                          const std::string& language) {
  Statement s = c.Prepare(
      "SELECT m.status, COUNT(*) FROM messages m WHERE m.template_name = ? AND m.template_language = ? "
      "AND m.outlet_id IN (SELECT id FROM outlets WHERE waba_id = ?) GROUP BY m.status");
  s.Bind(1, name).Bind(2, language).Bind(3, waba_id);
  TemplateCounters t;
  while (s.Step()) {
    std::string status = s.Text(0);
    int64_t n = s.Int(1);
    // Cumulative, like Meta's insights: a read message was also sent and delivered.
    if (status == "read") t.read += n;
    if (status == "read" || status == "delivered") t.delivered += n;
    if (status == "read" || status == "delivered" || status == "sent") t.sent += n;
    if (status == "failed") t.failed += n;
    if (status == "queued" || status == "sending") t.queued += n;
  }
  return t;
}

}  // namespace wagate::store::sqlite::template_repo
