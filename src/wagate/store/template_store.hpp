// The template registry's durable side: one row per WABA, name and language, with the WABA's last
// full sync. Backend-neutral; implementations pass store/conformance/template_store_conformance.hpp.
#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "wagate/core/result.hpp"

namespace wagate::store {

// What a send must give for one component ("header", "body", "button:<index>").
struct ComponentParameters {
  size_t count = 0;
  std::vector<std::string> names;  // named templates: the placeholder names, in template order
  bool optional = false;           // quick-reply payloads may be left out (the label is the payload)
};

struct TemplateRecord {
  std::string waba_id;
  std::string name;
  std::string language;
  std::string graph_id;
  std::string category;
  std::string status;
  std::string parameter_format = "positional";  // positional | named
  nlohmann::json components = nlohmann::json::array();
  std::map<std::string, ComponentParameters> parameters;
  std::optional<std::string> status_reason;
  int64_t updated_at = 0;
};

struct TemplateCounters {
  int64_t queued = 0, sent = 0, delivered = 0, read = 0, failed = 0;
};
// A template's review or quality status moved (from a webhook).
struct TemplateStatusChange {
  std::string waba_id;
  std::string graph_id;  // matched first; else name + language
  std::string name;
  std::string language;
  std::string status;
  std::optional<std::string> reason;
};

// Thread-safe; every write is durable when it returns.
class TemplateStore {
 public:
  virtual ~TemplateStore() = default;

  [[nodiscard]] virtual core::Status Upsert(const TemplateRecord& t) = 0;
  // A full sync listed at `listed_at`: the WABA's rows become `all`, except rows updated after
  // `listed_at` (by a status webhook that arrived while the listing was read), which are newer and
  // stay. Records the WABA's sync time.
  [[nodiscard]] virtual core::Status ReplaceAll(const std::string& waba_id, const std::vector<TemplateRecord>& all,
                                                int64_t listed_at) = 0;
  // Every language of `name`, or only the template `graph_id` when given. Returns the rows removed.
  [[nodiscard]] virtual core::Result<int> DeleteByName(const std::string& waba_id, const std::string& name,
                                                       const std::optional<std::string>& graph_id) = 0;
  // `waba_id` nullopt: every WABA's templates (loading the registry at start).
  [[nodiscard]] virtual std::vector<TemplateRecord> List(const std::optional<std::string>& waba_id,
                                                         const std::optional<std::string>& name,
                                                         const std::optional<std::string>& status) = 0;
  [[nodiscard]] virtual std::optional<int64_t> LastSync(const std::string& waba_id) = 0;
  // Messages sent with this template from the WABA's outlets, by how far they got.
  [[nodiscard]] virtual TemplateCounters Counters(const std::string& waba_id, const std::string& name,
                                                  const std::string& language) = 0;
};

}  // namespace wagate::store
