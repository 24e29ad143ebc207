#include "wagate/store/sqlite/sqlite_stores.hpp"
#include "wagate/store/sqlite/template_repo.hpp"

namespace wagate::store::sqlite {

core::Status SqliteTemplateStore::Upsert(const TemplateRecord& t) {
  return db_.WriteAndWait([&](Connection& c) -> core::Status {
    template_repo::Upsert(c, t);
    return core::Ok{};
  });
}

core::Status SqliteTemplateStore::ReplaceAll(const std::string& waba_id, const std::vector<TemplateRecord>& all,
                                             int64_t listed_at) {
  return db_.WriteAndWait([&](Connection& c) -> core::Status {
    template_repo::ReplaceAll(c, waba_id, all, listed_at);
    return core::Ok{};
  });
}

core::Result<int> SqliteTemplateStore::DeleteByName(const std::string& waba_id, const std::string& name,
                                                    const std::optional<std::string>& graph_id) {
  int removed = 0;
  core::Status s = db_.WriteAndWait([&](Connection& c) -> core::Status {
    removed = template_repo::DeleteByName(c, waba_id, name, graph_id);
    return core::Ok{};
  });
  if (!s.ok()) return s.error();
  return removed;
}

std::vector<TemplateRecord> SqliteTemplateStore::List(const std::optional<std::string>& waba_id,
                                                      const std::optional<std::string>& name,
                                                      const std::optional<std::string>& status) {
  return db_.Read([&](Connection& c) { return template_repo::List(c, waba_id, name, status); });
}

std::optional<int64_t> SqliteTemplateStore::LastSync(const std::string& waba_id) {
  return db_.Read([&](Connection& c) { return template_repo::LastSync(c, waba_id); });
}

TemplateCounters SqliteTemplateStore::Counters(const std::string& waba_id, const std::string& name,
                                               const std::string& language) {
  return db_.Read([&](Connection& c) { return template_repo::Counters(c, waba_id, name, language); });
}

}  // namespace wagate::store::sqlite
