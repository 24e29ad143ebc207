#include "wagate/sandbox/templates/template_store.hpp"

#include <algorithm>
#include <cctype>

#include "wagate/sandbox/graph/graph_ids.hpp"

namespace wagate::sandbox {
namespace {

bool Matches(const TemplateRecord& t, const TemplateQuery& q) {
  auto upper = [](std::string s) {
    for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return s;
  };
  return t.waba_id == q.waba_id && (!q.name || t.name == *q.name) && (!q.language || t.language == *q.language) &&
         (!q.category || t.category == upper(*q.category)) &&
         (q.statuses.empty() || std::find(q.statuses.begin(), q.statuses.end(), t.status) != q.statuses.end());
}

}  // namespace

TemplateRecord NewTemplateRecord(std::string waba_id, std::string name, std::string language, std::string category,
                                 std::string status, ParsedComponents parsed) {
  TemplateRecord record;
  record.waba_id = std::move(waba_id);
  record.name = std::move(name);
  record.language = std::move(language);
  record.category = std::move(category);
  record.status = std::move(status);
  record.components = std::move(parsed.components);
  record.spec = std::move(parsed.spec);
  return record;
}

TemplateStore::TemplateStore(std::string default_waba_id) : default_waba_(std::move(default_waba_id)) {}

void TemplateStore::LinkNumber(const std::string& phone_number_id, const std::string& waba_id) {
  std::lock_guard lock(mu_);
  if (waba_id.empty()) {
    links_.erase(phone_number_id);
  } else {
    links_[phone_number_id] = waba_id;
  }
}

std::optional<std::string> TemplateStore::WabaOf(std::string_view phone_number_id) const {
  std::lock_guard lock(mu_);
  if (auto it = links_.find(phone_number_id); it != links_.end()) return it->second;
  if (default_waba_.empty()) return std::nullopt;
  return default_waba_;
}

std::vector<std::pair<std::string, std::string>> TemplateStore::Links() const {
  std::lock_guard lock(mu_);
  return {links_.begin(), links_.end()};
}

void TemplateStore::NoteNumber(std::string_view phone_number_id) {
  std::lock_guard lock(mu_);
  if (!seen_numbers_.count(phone_number_id)) seen_numbers_.emplace(phone_number_id);
}

bool TemplateStore::KnowsNumber(std::string_view phone_number_id) const {
  std::lock_guard lock(mu_);
  return seen_numbers_.count(phone_number_id) > 0 || links_.count(phone_number_id) > 0;
}

std::vector<std::string> TemplateStore::NumbersOf(std::string_view waba_id) const {
  std::lock_guard lock(mu_);
  std::set<std::string, std::less<>> numbers;
  for (const auto& [number, waba] : links_) {
    if (waba == waba_id) numbers.insert(number);
  }
  if (!default_waba_.empty() && default_waba_ == waba_id) {
    for (const std::string& number : seen_numbers_) {
      if (!links_.count(number)) numbers.insert(number);
    }
  }
  return {numbers.begin(), numbers.end()};
}

bool TemplateStore::KnowsWaba(std::string_view waba_id) const {
  std::lock_guard lock(mu_);
  if (!default_waba_.empty() && default_waba_ == waba_id) return true;
  return std::any_of(links_.begin(), links_.end(), [&](const auto& link) { return link.second == waba_id; });
}

void TemplateStore::SetDefaultWaba(std::string waba_id) {
  std::lock_guard lock(mu_);
  default_waba_ = std::move(waba_id);
}

std::string TemplateStore::default_waba() const {
  std::lock_guard lock(mu_);
  return default_waba_;
}

core::Result<TemplateRecord> TemplateStore::Add(TemplateRecord record) {
  std::lock_guard lock(mu_);
  for (const auto& [id, t] : templates_) {
    if (t.waba_id == record.waba_id && t.name == record.name && t.language == record.language) {
      return core::Error(core::ErrorKind::kConflict, "duplicate_template",
                         "template " + record.name + " already exists in language " + record.language);
    }
  }
  do {
    record.id = NewGraphObjectId('1');  // template ids start with 1
  } while (templates_.count(record.id));
  record.seq = next_seq_++;
  templates_[record.id] = record;
  return record;
}

std::optional<TemplateRecord> TemplateStore::Get(std::string_view id) const {
  std::lock_guard lock(mu_);
  auto it = templates_.find(id);
  if (it == templates_.end()) return std::nullopt;
  return it->second;
}

core::Result<TemplateRecord> TemplateStore::Edit(std::string_view id, const std::optional<std::string>& category,
                                                 ParsedComponents parsed) {
  std::lock_guard lock(mu_);
  auto it = templates_.find(id);
  if (it == templates_.end())
    return core::Error(core::ErrorKind::kNotFound, "not_found", "no template " + std::string(id));
  TemplateRecord& t = it->second;
  if (t.status != "APPROVED" && t.status != "REJECTED" && t.status != "PAUSED") {
    return core::Error(core::ErrorKind::kConflict, "not_editable",
                       "a template in status " + t.status + " cannot be edited (only APPROVED, REJECTED or PAUSED)");
  }
  if (category) t.category = *category;
  t.components = std::move(parsed.components);
  t.spec = std::move(parsed.spec);
  t.status = "PENDING";
  reviews_.erase(t.id);
  return t;
}

std::optional<TemplateRecord> TemplateStore::Find(std::string_view waba_id, std::string_view name,
                                                  std::string_view language) const {
  std::lock_guard lock(mu_);
  for (const auto& [id, t] : templates_) {
    if (t.waba_id == waba_id && t.name == name && t.language == language) return t;
  }
  return std::nullopt;
}

TemplatePage TemplateStore::List(const TemplateQuery& query) const {
  std::vector<TemplateRecord> matching;
  {
    std::lock_guard lock(mu_);
    for (const auto& [id, t] : templates_) {
      if (Matches(t, query)) matching.push_back(t);
    }
  }
  std::sort(matching.begin(), matching.end(), [](const auto& a, const auto& b) { return a.seq < b.seq; });
  auto first = matching.begin();
  auto last = matching.end();
  if (query.after)
    first = std::upper_bound(first, last, *query.after, [](uint64_t s, const auto& t) { return s < t.seq; });
  if (query.before)
    last = std::lower_bound(first, last, *query.before, [](const auto& t, uint64_t s) { return t.seq < s; });
  size_t available = static_cast<size_t>(last - first);
  size_t take = std::min(query.limit, available);
  // Paging backwards (`before`) shows the templates just before the cursor; otherwise the first ones.
  auto begin = query.before && !query.after ? last - static_cast<std::ptrdiff_t>(take) : first;
  TemplatePage page;
  page.items.assign(begin, begin + static_cast<std::ptrdiff_t>(take));
  page.more_before = begin != matching.begin();
  page.more_after = begin + static_cast<std::ptrdiff_t>(take) != matching.end();
  return page;
}

std::vector<TemplateRecord> TemplateStore::All(const std::optional<std::string>& waba_id) const {
  std::vector<TemplateRecord> out;
  {
    std::lock_guard lock(mu_);
    for (const auto& [id, t] : templates_) {
      if (!waba_id || t.waba_id == *waba_id) out.push_back(t);
    }
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.seq < b.seq; });
  return out;
}

core::Result<size_t> TemplateStore::Delete(std::string_view waba_id, std::string_view name,
                                           const std::optional<std::string>& hsm_id) {
  std::lock_guard lock(mu_);
  std::vector<std::string> doomed;
  for (const auto& [id, t] : templates_) {
    if (t.waba_id != waba_id || t.name != name || (hsm_id && id != *hsm_id)) continue;
    if (t.status == "DISABLED") {
      return core::Error(core::ErrorKind::kConflict, "template_disabled",
                         "template " + t.name + " (" + t.language + ") is DISABLED and cannot be deleted");
    }
    doomed.push_back(id);
  }
  if (doomed.empty()) return core::Error::NotFound("template " + std::string(name));
  for (const std::string& id : doomed) {
    templates_.erase(id);
    reviews_.erase(id);
  }
  return doomed.size();
}

std::optional<TemplateTransition> TemplateStore::SetStatus(std::string_view id, const std::string& status,
                                                           std::optional<std::string> reason) {
  std::lock_guard lock(mu_);
  auto it = templates_.find(id);
  if (it == templates_.end()) return std::nullopt;
  it->second.status = status;
  reviews_.erase(it->first);
  return TemplateTransition{it->second, std::move(reason)};
}

void TemplateStore::ScheduleReview(std::string_view id, int64_t due_ms, std::string status,
                                   std::optional<std::string> reason) {
  std::lock_guard lock(mu_);
  if (!templates_.count(id)) return;
  reviews_[std::string(id)] = Review{due_ms, std::move(status), std::move(reason)};
}

std::optional<TemplateTransition> TemplateStore::ApplyReview(const std::string& id) {
  auto review = reviews_.find(id);
  auto t = templates_.find(id);
  if (review == reviews_.end() || t == templates_.end()) return std::nullopt;
  t->second.status = review->second.status;
  TemplateTransition transition{t->second, review->second.reason};
  reviews_.erase(review);
  return transition;
}

std::vector<TemplateTransition> TemplateStore::SettleReviews(int64_t now_ms) {
  std::lock_guard lock(mu_);
  std::vector<std::string> due;
  for (const auto& [id, review] : reviews_) {
    if (review.due_ms <= now_ms) due.push_back(id);
  }
  std::vector<TemplateTransition> out;
  for (const std::string& id : due) {
    if (auto transition = ApplyReview(id)) out.push_back(std::move(*transition));
  }
  return out;
}

std::optional<TemplateTransition> TemplateStore::CompleteReview(std::string_view id) {
  std::lock_guard lock(mu_);
  return ApplyReview(std::string(id));
}

}  // namespace wagate::sandbox
