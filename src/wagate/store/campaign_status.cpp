#include <array>
#include <utility>

#include "wagate/store/campaign_store.hpp"

namespace wagate::store {
namespace {

constexpr std::array<std::pair<CampaignStatus, const char*>, 7> kNames = {{
    {CampaignStatus::kDraft, "draft"},
    {CampaignStatus::kScheduled, "scheduled"},
    {CampaignStatus::kRunning, "running"},
    {CampaignStatus::kPaused, "paused"},
    {CampaignStatus::kCompleted, "completed"},
    {CampaignStatus::kCancelled, "cancelled"},
    {CampaignStatus::kExpired, "expired"},
}};

}  // namespace

const char* ToString(CampaignStatus s) {
  for (const auto& [status, name] : kNames) {
    if (status == s) return name;
  }
  return "draft";
}

std::optional<CampaignStatus> ParseCampaignStatus(std::string_view s) {
  for (const auto& [status, name] : kNames) {
    if (s == name) return status;
  }
  return std::nullopt;
}

}  // namespace wagate::store
