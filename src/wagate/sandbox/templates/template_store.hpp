// Message templates per WhatsApp Business Account (WABA), and the WABA each phone number belongs to.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "wagate/core/result.hpp"
#include "wagate/sandbox/templates/template_spec.hpp"

namespace wagate::sandbox {

struct TemplateRecord {
  std::string id;  // numeric string, unique across WABAs
  std::string waba_id;
  std::string name;
  std::string language;
  std::string category;  // MARKETING | UTILITY | AUTHENTICATION
  std::string status;    // APPROVED, PENDING, REJECTED, PAUSED, DISABLED, …
  nlohmann::json components;
  TemplateSpec spec;
  uint64_t seq = 0;  // creation order: the list order, and what paging cursors encode
};

// A record not stored yet (TemplateStore::Add gives it its id and seq).
TemplateRecord NewTemplateRecord(std::string waba_id, std::string name, std::string language, std::string category,
                                 std::string status, ParsedComponents parsed);

// A status change, as the `message_template_status_update` webhook reports it.
struct TemplateTransition {
  TemplateRecord record;              // after the change
  std::optional<std::string> reason;  // the webhook's `reason` (null when absent)
};

struct TemplateQuery {
  std::string waba_id;
  std::optional<std::string> name;      // exact
  std::optional<std::string> language;  // exact
  std::optional<std::string> category;  // any case
  std::vector<std::string> statuses;    // any of them (upper-case); empty = all
  size_t limit = 25;
  std::optional<uint64_t> after;   // only templates created after this seq
  std::optional<uint64_t> before;  // only templates created before this seq (the last `limit` of them)
};

struct TemplatePage {
  std::vector<TemplateRecord> items;
  bool more_before = false;  // matching templates precede the page
  bool more_after = false;   // matching templates follow it
};

// Thread-safe (one mutex); every HTTP worker reads and writes it. Records are copied out, so callers
// never hold a reference into the store.
class TemplateStore final {
 public:
  // `default_waba_id`: the WABA of numbers nobody linked ("" = such numbers have none).
  explicit TemplateStore(std::string default_waba_id);

  // Links a phone number to a WABA; an empty `waba_id` unlinks it.
  void LinkNumber(const std::string& phone_number_id, const std::string& waba_id);
  std::optional<std::string> WabaOf(std::string_view phone_number_id) const;
  std::vector<std::pair<std::string, std::string>> Links() const;
  // A phone number that used the Graph API (sent, uploaded): Graph knows it from then on, in its
  // WABA's /phone_numbers. Linked numbers are known too.
  void NoteNumber(std::string_view phone_number_id);
  bool KnowsNumber(std::string_view phone_number_id) const;
  // The known numbers whose WABA (linked, else the default) is `waba_id`, in id order.
  std::vector<std::string> NumbersOf(std::string_view waba_id) const;
  // Whether `waba_id` is a WABA here: the default one, or one a number is linked to.
  bool KnowsWaba(std::string_view waba_id) const;
  void SetDefaultWaba(std::string waba_id);
  std::string default_waba() const;

  // Gives the record a fresh id and seq. Fails (kConflict) when its WABA has the name in that language.
  core::Result<TemplateRecord> Add(TemplateRecord record);
  std::optional<TemplateRecord> Get(std::string_view id) const;
  // Meta's template edit: new components (and category, when given); the template goes back to PENDING
  // for review. kNotFound for an unknown id; kConflict when its status cannot be edited (only APPROVED,
  // REJECTED and PAUSED can).
  core::Result<TemplateRecord> Edit(std::string_view id, const std::optional<std::string>& category,
                                    ParsedComponents parsed);
  std::optional<TemplateRecord> Find(std::string_view waba_id, std::string_view name, std::string_view language) const;
  TemplatePage List(const TemplateQuery& query) const;
  std::vector<TemplateRecord> All(const std::optional<std::string>& waba_id) const;
  // Deletes `name` in every language, or only the template `hsm_id` (which must have that name). Returns
  // how many went; kNotFound when none matched, kConflict when one is DISABLED (Meta keeps those).
  core::Result<size_t> Delete(std::string_view waba_id, std::string_view name,
                              const std::optional<std::string>& hsm_id);

  // Changes the status now; a review still pending for it is dropped (the operator decided).
  std::optional<TemplateTransition> SetStatus(std::string_view id, const std::string& status,
                                              std::optional<std::string> reason);
  // Meta's review, simulated: the template turns `status` at `due_ms` (Unix ms).
  void ScheduleReview(std::string_view id, int64_t due_ms, std::string status, std::optional<std::string> reason);
  // Applies the reviews due by `now_ms`. Called before templates are read, so a fake clock drives them.
  std::vector<TemplateTransition> SettleReviews(int64_t now_ms);
  // Applies one review whatever the clock says: its timer fired.
  std::optional<TemplateTransition> CompleteReview(std::string_view id);

 private:
  struct Review {
    int64_t due_ms;
    std::string status;
    std::optional<std::string> reason;
  };
  std::optional<TemplateTransition> ApplyReview(const std::string& id);  // requires mu_

  mutable std::mutex mu_;
  std::string default_waba_;
  std::map<std::string, std::string, std::less<>> links_;         // phone number id → WABA id
  std::set<std::string, std::less<>> seen_numbers_;               // numbers that used the Graph API
  std::map<std::string, TemplateRecord, std::less<>> templates_;  // by id
  std::map<std::string, Review, std::less<>> reviews_;            // by template id
  uint64_t next_seq_ = 1;
};

}  // namespace wagate::sandbox
