// SQL of the templates table (one row per WABA, name and language): SqliteTemplateStore's internals.
#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "wagate/store/sqlite/sqlite.hpp"
#include "wagate/store/template_store.hpp"

namespace wagate::store::sqlite {

namespace template_repo {

void Upsert(Connection& c, const TemplateRecord& t);
// A full sync listed at `now`: the WABA's rows become `all`, except rows updated after `now` (by a
// status webhook that arrived while the listing was read), which are newer and stay.
void ReplaceAll(Connection& c, const std::string& waba_id, const std::vector<TemplateRecord>& all, int64_t now);
std::optional<TemplateRecord> Find(Connection& c, const std::string& waba_id, const std::string& name,
                                   const std::string& language);
// `waba_id` nullopt: every WABA's templates (loading the registry at start).
std::vector<TemplateRecord> List(Connection& c, const std::optional<std::string>& waba_id,
                                 const std::optional<std::string>& name, const std::optional<std::string>& status);
// Languages a name exists in (for a helpful "wrong language" error).
std::vector<std::string> LanguagesOf(Connection& c, const std::string& waba_id, const std::string& name);
// Status change from a webhook: by Graph id, else by name + language. False when no row matched.
bool UpdateStatus(Connection& c, const std::string& waba_id, const std::string& graph_id, const std::string& name,
                  const std::string& language, const std::string& status, const std::optional<std::string>& reason,
                  int64_t now);
// Deletes every language of `name`, or only the template `graph_id` when given. Returns rows removed.
int DeleteByName(Connection& c, const std::string& waba_id, const std::string& name,
                 const std::optional<std::string>& graph_id);
std::optional<int64_t> LastSync(Connection& c, const std::string& waba_id);
// Messages sent with this template from the WABA's outlets, by how far they got.
TemplateCounters Counters(Connection& c, const std::string& waba_id, const std::string& name,
                          const std::string& language);

}  // namespace template_repo
}  // namespace wagate::store::sqlite
