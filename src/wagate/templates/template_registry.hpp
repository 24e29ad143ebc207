// The templates registry: every WABA's templates in memory (the send path checks a template without
// touching the store), kept in step with Graph by syncs (on demand, periodic, after an outlet is
// added), pass-through create/delete, and message_template_status_update webhooks.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <shared_mutex>
#include <string>
#include <tuple>
#include <vector>

#include "wagate/content/message_content.hpp"
#include "wagate/core/clock.hpp"
#include "wagate/core/result.hpp"
#include "wagate/core/worker.hpp"
#include "wagate/graph/management_client.hpp"
#include "wagate/store/template_store.hpp"
#include "wagate/tenancy/outlet_registry.hpp"

namespace wagate::templates {

struct SyncReport {
  size_t templates = 0;
  size_t pages = 0;
};

using StatusUpdate = store::TemplateStatusChange;

// Thread-safe. Graph calls block: call Sync/Create/Delete from worker threads.
class TemplateRegistry final {
 public:
  TemplateRegistry(store::TemplateStore& store, const graph::ManagementClient& graph,
                   const tenancy::OutletRegistry& outlets, const core::Clock& clock);
  ~TemplateRegistry();

  // Fills the cache from the store. Call once at start-up.
  void Load();
  // Periodic syncs of every WABA (interval 0: only on demand); also runs queued RequestSync()s.
  void StartBackgroundSync(int64_t interval_s);
  void Stop();
  // Queues a sync of one WABA on the background thread (a new outlet).
  void RequestSync(const std::string& waba_id);

  core::Result<SyncReport> Sync(const tenancy::OutletCredentials& outlet);
  // POST /{waba}/message_templates with the caller's body; the new template is registered with the
  // status Graph answers (PENDING, usually).
  core::Result<nlohmann::json> Create(const tenancy::OutletCredentials& outlet, const nlohmann::json& body);
  // DELETE /{waba}/message_templates?name=…[&hsm_id=…]
  core::Result<int> Delete(const tenancy::OutletCredentials& outlet, const std::string& name,
                           const std::optional<std::string>& graph_id);

  // The send-path check: unknown template, wrong language, not APPROVED, wrong parameters → 400.
  core::Status CheckSend(const std::string& waba_id, const content::TemplateUse& use) const;
  // Applies a webhook's status change to the cache (the store was updated by the webhook journal's
  // Apply, in the same write that marked the webhook processed).
  void ApplyStatus(const StatusUpdate& update, int64_t now);

 private:
  using Key = std::tuple<std::string, std::string,
                         std::string>;  // waba, name, language (sorted: a WABA's entries are adjacent)
  void PutAll(const std::string& waba_id, const std::vector<store::TemplateRecord>& all, int64_t listed_at);
  void Put(const store::TemplateRecord& t);
  void SyncStep();

  store::TemplateStore& store_;
  const graph::ManagementClient& graph_;
  const tenancy::OutletRegistry& outlets_;
  const core::Clock& clock_;

  std::mutex sync_mu_;
  mutable std::shared_mutex mu_;
  using Cache = std::map<Key, std::shared_ptr<const store::TemplateRecord>>;
  Cache::iterator WabaBegin(const std::string& waba_id);  // the WABA's entries are contiguous; call locked
  Cache cache_;

  std::mutex requests_mu_;
  std::set<std::string> sync_requests_;  // WABAs to sync at the next step
  int64_t interval_s_ = 0;
  int64_t next_full_ms_ = 0;  // the background worker's own state
  // Syncs on request and every interval. Stopping lets the sync in progress finish (it replaces a
  // WABA's rows in one write); pending requests are dropped: the next start syncs everything anyway.
  std::unique_ptr<core::Worker> background_;
};

}  // namespace wagate::templates
