#include "wagate/templates/template_registry.hpp"

#include "wagate/core/log.hpp"
#include "wagate/core/url_encoding.hpp"
#include "wagate/templates/template_definition.hpp"

namespace wagate::templates {
namespace {

using nlohmann::json;

// Graph's paging is bounded by us too: 100 per page × 200 pages covers 6,000 templates (Meta's cap
// per WABA) three times over.
constexpr int kPageLimit = 100;
constexpr int kMaxPages = 200;

}  // namespace

TemplateRegistry::TemplateRegistry(store::TemplateStore& store, const graph::ManagementClient& graph,
                                   const tenancy::OutletRegistry& outlets, const core::Clock& clock)
    : store_(store), graph_(graph), outlets_(outlets), clock_(clock) {}

TemplateRegistry::~TemplateRegistry() { Stop(); }

void TemplateRegistry::Load() {
  std::vector<store::TemplateRecord> all = store_.List(std::nullopt, std::nullopt, std::nullopt);
  std::unique_lock lock(mu_);
  for (auto& t : all) {
    // The key first: the right side of `=` is evaluated before the left, so moving `t` inside one
    // expression with its key would file every template under an empty key.
    Key key{t.waba_id, t.name, t.language};
    cache_[std::move(key)] = std::make_shared<store::TemplateRecord>(std::move(t));
  }
}

void TemplateRegistry::StartBackgroundSync(int64_t interval_s) {
  interval_s_ = interval_s;
  // The worker wakes on requests, and often enough to start each full sync within a minute of its time.
  auto period = std::chrono::seconds(interval_s > 0 ? std::min<int64_t>(interval_s, 60) : 0);
  background_ = std::make_unique<core::Worker>("templates", clock_, period, [this] { SyncStep(); });
  background_->Start();
}

void TemplateRegistry::Stop() {
  if (background_) background_->Stop();
}

void TemplateRegistry::RequestSync(const std::string& waba_id) {
  {
    std::lock_guard lock(requests_mu_);
    sync_requests_.insert(waba_id);
  }
  if (background_) background_->Wake();
}

void TemplateRegistry::SyncStep() {
  bool full_due = interval_s_ > 0 && clock_.NowMs() >= next_full_ms_;
  std::set<std::string> wanted;
  {
    std::lock_guard lock(requests_mu_);
    wanted.swap(sync_requests_);
  }
  if (!full_due && wanted.empty()) return;
  for (const auto& outlet : outlets_.OneOutletPerWaba()) {
    if (!full_due && !wanted.count(outlet->waba_id)) continue;
    auto r = Sync(*outlet);
    if (!r) core::LogWarn("templates", "sync failed", {{"waba_id", outlet->waba_id}, {"error", r.error().message}});
  }
  if (full_due) next_full_ms_ = clock_.NowMs() + interval_s_ * 1000;
}

core::Result<SyncReport> TemplateRegistry::Sync(const tenancy::OutletCredentials& outlet) {
  // One sync at a time: two overlapping listings could otherwise land in the wrong order.
  std::lock_guard sync_lock(sync_mu_);
  std::vector<store::TemplateRecord> all;
  SyncReport report;
  std::string after;
  int64_t now = clock_.NowMs();
  for (int page = 0; page < kMaxPages; ++page) {
    std::string path = outlet.waba_id +
                       "/message_templates?fields=id,name,language,status,category,parameter_format,components"
                       "&limit=" +
                       std::to_string(kPageLimit);
    if (!after.empty()) path += "&after=" + core::UrlEncode(after);
    graph::GraphAnswer a = graph_.Get(path, outlet.access_token);
    if (!a.ok()) return graph::ErrorFromGraph("listing the templates of WABA " + outlet.waba_id, a);
    ++report.pages;
    if (!a.body.is_object() || !a.body.contains("data") || !a.body["data"].is_array()) {
      return core::Error{core::ErrorKind::kUpstream, "graph_error", "Graph answered a template list without data[]"};
    }
    for (const json& t : a.body["data"]) {
      store::TemplateRecord r = FromGraph(outlet.waba_id, t, now);
      if (!r.name.empty() && !r.language.empty()) all.push_back(std::move(r));
    }
    // Follow the `after` cursor (not the absolute `next` URL): requests stay on our Graph base URL.
    const json& paging = a.body.value("paging", json::object());
    if (!paging.is_object() || !paging.contains("next")) break;
    std::string cursor;
    if (paging.contains("cursors") && paging["cursors"].is_object()) {
      cursor = paging["cursors"].value("after", std::string());
    }
    if (cursor.empty() || cursor == after) break;
    after = cursor;
  }
  report.templates = all.size();
  core::Status s = store_.ReplaceAll(outlet.waba_id, all, now);
  if (!s.ok()) return s.error();
  PutAll(outlet.waba_id, all, now);
  core::LogInfo("templates", "synced",
                {{"waba_id", outlet.waba_id},
                 {"templates", std::to_string(report.templates)},
                 {"pages", std::to_string(report.pages)}});
  return report;
}

core::Result<json> TemplateRegistry::Create(const tenancy::OutletCredentials& outlet, const json& body) {
  graph::GraphAnswer a = graph_.PostJson(outlet.waba_id + "/message_templates", outlet.access_token, body);
  if (!a.ok()) return graph::ErrorFromGraph("creating the template", a);
  if (!a.body.is_object() || !a.body.contains("id")) {
    return core::Error{core::ErrorKind::kUpstream, "graph_error", "Graph answered a template create without an id"};
  }
  json definition = body;
  definition["id"] = a.body["id"];
  definition["status"] = a.body.value("status", std::string("PENDING"));
  if (a.body.contains("category")) definition["category"] = a.body["category"];
  store::TemplateRecord t = FromGraph(outlet.waba_id, definition, clock_.NowMs());
  core::Status s = store_.Upsert(t);
  if (!s.ok()) return s.error();
  Put(t);
  return a.body;
}

core::Result<int> TemplateRegistry::Delete(const tenancy::OutletCredentials& outlet, const std::string& name,
                                           const std::optional<std::string>& graph_id) {
  std::string path = outlet.waba_id + "/message_templates?name=" + core::UrlEncode(name);
  if (graph_id) path += "&hsm_id=" + core::UrlEncode(*graph_id);
  graph::GraphAnswer a = graph_.Delete(path, outlet.access_token);
  if (!a.ok()) return graph::ErrorFromGraph("deleting the template", a);
  core::Result<int> removed = store_.DeleteByName(outlet.waba_id, name, graph_id);
  if (!removed) return removed.error();
  std::unique_lock lock(mu_);
  for (auto it = cache_.lower_bound(Key{outlet.waba_id, name, ""});
       it != cache_.end() && std::get<0>(it->first) == outlet.waba_id && std::get<1>(it->first) == name;) {
    it = !graph_id || it->second->graph_id == *graph_id ? cache_.erase(it) : std::next(it);
  }
  return removed;
}

core::Status TemplateRegistry::CheckSend(const std::string& waba_id, const content::TemplateUse& use) const {
  std::shared_ptr<const store::TemplateRecord> t;
  std::vector<std::string> languages;
  {
    std::shared_lock lock(mu_);
    auto it = cache_.find(Key{waba_id, use.name, use.language});
    if (it != cache_.end()) {
      t = it->second;
    } else {
      for (auto j = cache_.lower_bound(Key{waba_id, use.name, ""});
           j != cache_.end() && std::get<0>(j->first) == waba_id && std::get<1>(j->first) == use.name; ++j) {
        languages.push_back(std::get<2>(j->first));
      }
    }
  }
  if (!t) {
    if (!languages.empty()) {
      std::string list;
      for (const auto& l : languages) list += (list.empty() ? "" : ", ") + l;
      return core::Error::Invalid("template_language_not_found", "template '" + use.name + "' has no language '" +
                                                                     use.language + "'; it exists in: " + list);
    }
    return core::Error::Invalid("template_not_found",
                                "template '" + use.name + "' is not in this outlet's registry (WABA " + waba_id +
                                    "); create it or sync the registry: POST /api/v1/outlets/{id}/templates/sync");
  }
  return templates::CheckSend(*t, use);
}

void TemplateRegistry::ApplyStatus(const StatusUpdate& u, int64_t now) {
  bool matched = false;
  {
    std::unique_lock lock(mu_);
    for (auto it = WabaBegin(u.waba_id); it != cache_.end() && std::get<0>(it->first) == u.waba_id; ++it) {
      const Key& key = it->first;
      std::shared_ptr<const store::TemplateRecord>& t = it->second;
      bool match = (!u.graph_id.empty() && t->graph_id == u.graph_id) ||
                   (std::get<1>(key) == u.name && std::get<2>(key) == u.language);
      if (!match) continue;
      auto updated = std::make_shared<store::TemplateRecord>(*t);
      updated->status = u.status;
      updated->status_reason = u.reason;
      updated->updated_at = now;
      t = std::move(updated);
      matched = true;
    }
  }
  // A template we have never listed (created elsewhere, e.g. in Meta's UI): learn it from Graph.
  if (!matched) RequestSync(u.waba_id);
}

void TemplateRegistry::PutAll(const std::string& waba_id, const std::vector<store::TemplateRecord>& all,
                              int64_t listed_at) {
  std::unique_lock lock(mu_);
  for (auto it = WabaBegin(waba_id); it != cache_.end() && std::get<0>(it->first) == waba_id;) {
    it = it->second->updated_at <= listed_at ? cache_.erase(it) : std::next(it);  // as ReplaceAll: newer stay
  }
  for (const auto& t : all)
    cache_.try_emplace(Key{t.waba_id, t.name, t.language}, std::make_shared<store::TemplateRecord>(t));
}

TemplateRegistry::Cache::iterator TemplateRegistry::WabaBegin(const std::string& waba_id) {
  return cache_.lower_bound(Key{waba_id, "", ""});
}

void TemplateRegistry::Put(const store::TemplateRecord& t) {
  std::unique_lock lock(mu_);
  cache_[Key{t.waba_id, t.name, t.language}] = std::make_shared<store::TemplateRecord>(t);
}

}  // namespace wagate::templates
