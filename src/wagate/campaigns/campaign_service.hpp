// Campaigns as the API sees them: creation (the message checked once, with its placeholders),
// recipient uploads, the lifecycle's transitions, progress and the per-recipient export. The runner
// (campaigns/runner.hpp) does the sending. Knows nothing of HTTP.
#pragma once

#include <functional>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>

#include "wagate/campaigns/recipient_upload.hpp"
#include "wagate/core/clock.hpp"
#include "wagate/core/result.hpp"
#include "wagate/store/campaign_store.hpp"
#include "wagate/templates/template_registry.hpp"
#include "wagate/tenancy/key_registry.hpp"
#include "wagate/tenancy/outlet_registry.hpp"

namespace wagate::campaigns {

class Runner;

// A campaign as the caller asked for it (api/campaign_handlers parses the body into this).
struct CampaignSpec {
  std::string tenant_id;
  std::string outlet_id;
  std::string name;
  // The send's content members: {"message_type": T, T: {…}} or {"message_type":"text","message":"…"},
  // placeholders unfilled.
  nlohmann::json message = nlohmann::json::object();
  store::CampaignPacing pacing;
  std::optional<int64_t> start_at;
  std::optional<int64_t> expires_at;
  std::optional<int64_t> ttl_s;
};

enum class CampaignAction { kStart, kPause, kResume, kCancel };

// Thread-safe.
class CampaignService final {
 public:
  CampaignService(store::CampaignStore& store, const tenancy::OutletRegistry& outlets,
                  const templates::TemplateRegistry& templates, const core::Clock& clock, UploadLimits limits)
      : store_(store), outlets_(outlets), templates_(templates), clock_(clock), limits_(limits) {}

  // Set once at start-up: transitions wake the runner (a started campaign begins at once).
  void SetRunner(Runner* runner) { runner_ = runner; }

  core::Result<store::CampaignRecord> Create(const tenancy::Principal& who, const CampaignSpec& spec);
  core::Result<store::CampaignRecord> Get(const tenancy::Principal& who, const std::string& id);
  std::vector<store::CampaignRecord> List(const tenancy::Principal& who, const std::optional<std::string>& tenant_id,
                                          std::optional<store::CampaignStatus> status,
                                          const std::optional<std::string>& before_id, int64_t limit);

  // One upload of recipients (CSV or JSON), read piece by piece from `read`; only one at a time per
  // campaign (409 `upload_in_progress`).
  core::Result<store::UploadCounts> Upload(const tenancy::Principal& who, const std::string& id,
                                           const UploadFormat& format, const ChunkReader& read);
  core::Result<std::vector<std::pair<int64_t, store::RejectedRow>>> Rejected(const tenancy::Principal& who,
                                                                             const std::string& id,
                                                                             std::pair<int64_t, int64_t> after,
                                                                             int64_t limit);

  // start: draft → running (scheduled while start_at is ahead); pause: running → paused; resume:
  // paused → running (or scheduled); cancel: anything not ended → cancelled. 409 `invalid_transition`
  // otherwise.
  core::Result<store::CampaignRecord> Apply(const tenancy::Principal& who, const std::string& id,
                                            CampaignAction action);

  // Every recipient's outcome, in upload order, as CSV lines handed to `write` (false: stop).
  core::Status Export(const tenancy::Principal& who, const std::string& id,
                      const std::function<bool(const std::string&)>& write);

 private:
  core::Result<store::CampaignRecord> Visible(const tenancy::Principal& who, const std::string& id);

  store::CampaignStore& store_;
  const tenancy::OutletRegistry& outlets_;
  const templates::TemplateRegistry& templates_;
  const core::Clock& clock_;
  const UploadLimits limits_;
  Runner* runner_ = nullptr;
  std::mutex uploads_mu_;
  std::set<std::string> uploading_;  // campaigns with an upload in progress
};

}  // namespace wagate::campaigns
