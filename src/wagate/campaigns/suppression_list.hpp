// A tenant's suppression list: numbers no campaign of the tenant ever messages (opted out, asked by
// the business, or imported). Checked when a recipient is uploaded and again when its turn comes.
// Customers who write an opt-out word are added by the inbound processor (store: InboundWrite::opt_out).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "wagate/campaigns/recipient_upload.hpp"
#include "wagate/core/clock.hpp"
#include "wagate/core/result.hpp"
#include "wagate/store/campaign_store.hpp"

namespace wagate::campaigns {

struct ImportCounts {
  int64_t added = 0;
  int64_t invalid = 0;
};

// Thread-safe.
class SuppressionList final {
 public:
  SuppressionList(store::CampaignStore& store, const core::Clock& clock) : store_(store), clock_(clock) {}

  core::Result<store::SuppressionRecord> Add(const std::string& tenant_id, const std::string& phone,
                                             const std::string& reason);
  // A CSV with a phone column (`phone_column`) and optionally a `reason` column, read piece by piece.
  core::Result<ImportCounts> Import(const std::string& tenant_id, const std::string& phone_column,
                                    const ChunkReader& read);
  core::Status Remove(const std::string& tenant_id, const std::string& phone);
  core::Result<std::vector<store::SuppressionRecord>> List(const std::string& tenant_id,
                                                           const std::optional<std::string>& after_phone,
                                                           int64_t limit);

 private:
  store::CampaignStore& store_;
  const core::Clock& clock_;
};

}  // namespace wagate::campaigns
