#include "wagate/campaigns/suppression_list.hpp"

#include <nlohmann/json.hpp>

#include "wagate/core/phone.hpp"

namespace wagate::campaigns {
namespace {

constexpr int64_t kMaxImportRows = 1000000;

core::Error InvalidPhone() {
  core::Error e = core::Error::Invalid("invalid_phone_number",
                                       "field 'phone' is not a valid phone number: use the international format with "
                                       "the country code, e.g. +628123456789");
  e.field = "phone";
  return e;
}

}  // namespace

core::Result<store::SuppressionRecord> SuppressionList::Add(const std::string& tenant_id, const std::string& phone,
                                                            const std::string& reason) {
  auto e164 = core::NormalizePhoneNumber(phone);
  if (!e164) return InvalidPhone();
  store::SuppressionRecord r{tenant_id, *e164, reason, "api", clock_.NowMs()};
  if (core::Status s = store_.Suppress({r}); !s.ok()) return s.error();
  return r;
}

core::Result<ImportCounts> SuppressionList::Import(const std::string& tenant_id, const std::string& phone_column,
                                                   const ChunkReader& read) {
  ImportCounts counts;
  int64_t now = clock_.NowMs();
  UploadFormat format;
  format.phone_column = phone_column;
  core::Status s = ReadRecipients(
      format, read, {}, kMaxImportRows,
      [&](const std::vector<store::RecipientRow>& rows, const std::vector<store::RejectedRow>& rejected) {
        std::vector<store::SuppressionRecord> entries;
        entries.reserve(rows.size());
        for (const auto& row : rows) {
          nlohmann::json vars = nlohmann::json::parse(row.variables, nullptr, false);
          std::string reason = vars.is_object() ? vars.value("reason", std::string("imported")) : "imported";
          entries.push_back({tenant_id, row.phone, reason.empty() ? "imported" : reason, "import", now});
        }
        counts.invalid += static_cast<int64_t>(rejected.size());
        counts.added += static_cast<int64_t>(entries.size());
        return store_.Suppress(entries);
      });
  if (!s.ok()) return s.error();
  return counts;
}

core::Status SuppressionList::Remove(const std::string& tenant_id, const std::string& phone) {
  auto e164 = core::NormalizePhoneNumber(phone);
  if (!e164) return InvalidPhone();
  return store_.Unsuppress(tenant_id, *e164);
}

core::Result<std::vector<store::SuppressionRecord>> SuppressionList::List(const std::string& tenant_id,
                                                                          const std::optional<std::string>& after_phone,
                                                                          int64_t limit) {
  return store_.Suppressions(tenant_id, after_phone, limit);
}

}  // namespace wagate::campaigns
