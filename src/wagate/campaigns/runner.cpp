#include "wagate/campaigns/runner.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>

#include "wagate/campaigns/placeholders.hpp"
#include "wagate/campaigns/turn_order.hpp"
#include "wagate/content/message_content.hpp"
#include "wagate/core/log.hpp"

namespace wagate::campaigns {
namespace {

using store::CampaignRecord;
using store::CampaignStatus;

bool Finished(const CampaignRecord& c) { return c.counts.pending == 0 && c.counts.fed == c.counts.settled; }

std::map<std::string, std::string> Variables(const std::string& json) {
  std::map<std::string, std::string> out;
  nlohmann::json vars = nlohmann::json::parse(json, nullptr, false);
  if (!vars.is_object()) return out;
  for (const auto& [name, value] : vars.items()) {
    if (value.is_string()) out[name] = value.get<std::string>();
  }
  return out;
}

}  // namespace

Runner::Runner(store::CampaignStore& store, messaging::SendService& sender, engine::Dispatcher& dispatcher,
               const tenancy::OutletRegistry& outlets, const core::Clock& clock, core::Random& random,
               RunnerSettings settings)
    : store_(store),
      sender_(sender),
      dispatcher_(dispatcher),
      outlets_(outlets),
      clock_(clock),
      random_(random),
      settings_(settings),
      worker_("campaigns.runner", clock, std::chrono::milliseconds(settings.poll_ms), [this] { Step(); }) {}

Runner::~Runner() { Stop(); }

void Runner::Start() { worker_.Start(); }
void Runner::Stop() { worker_.Stop(); }

void Runner::Resumed(const std::string& campaign_id) {
  for (auto& m : store_.QueuedMessages(campaign_id)) {
    dispatcher_.Enqueue(engine::QueuedMessage{m.id, m.to_number, engine::Priority::kBulk}, m.outlet_id,
                        m.next_attempt_at);
  }
  std::lock_guard lock(mu_);
  progress_[campaign_id].cursor = -1;  // re-read: a recipient refused while paused is pending again
}

void Runner::Step() {
  std::lock_guard step(step_mu_);
  int64_t now = clock_.NowMs();
  if (now >= next_sweep_ms_) {
    store_.ExpireDue(now);
    next_sweep_ms_ = now + settings_.expiry_sweep_ms;
  }
  ApplyFollowups(now);
  std::vector<CampaignRecord> campaigns = store_.Active();
  Advance(now, campaigns);
  std::map<std::string, std::vector<const CampaignRecord*>> by_outlet;
  for (const auto& c : campaigns) {
    if (c.status == CampaignStatus::kRunning) by_outlet[c.outlet_id].push_back(&c);
  }
  for (auto& [outlet_id, list] : by_outlet) FeedLane(now, outlet_id, list);
  // Forget what ended.
  std::lock_guard lock(mu_);
  for (auto it = progress_.begin(); it != progress_.end();) {
    bool active = std::any_of(campaigns.begin(), campaigns.end(), [&](const CampaignRecord& c) {
      return c.id == it->first && c.status == CampaignStatus::kRunning;
    });
    it = active || it->second.accepting > 0 ? std::next(it) : progress_.erase(it);
  }
}

void Runner::ApplyFollowups(int64_t now) {
  Followups f;
  {
    std::lock_guard lock(mu_);
    std::swap(f, followups_);
    for (const auto& id : f.rewind) progress_[id].cursor = -1;
    for (const auto& id : f.quota_exhausted) progress_[id].cursor = -1;
  }
  for (const auto& id : f.quota_exhausted) {
    auto paused = store_.Transition(std::nullopt, id, {CampaignStatus::kRunning}, CampaignStatus::kPaused,
                                    std::string("quota_exceeded"), now);
    if (paused)
      core::LogWarn("campaigns.runner", "the tenant's monthly quota is used up: campaign paused",
                    {{"campaign_id", id}});
  }
  for (const auto& [id, refused] : f.refused) (void)store_.SkipRecipients(id, refused, now);
}

void Runner::Advance(int64_t now, std::vector<CampaignRecord>& campaigns) {
  for (auto& c : campaigns) {
    std::optional<CampaignStatus> to;
    std::vector<CampaignStatus> from = {c.status};
    auto valid_until = c.ValidUntil();
    if (valid_until && *valid_until <= now) {
      to = CampaignStatus::kExpired;
    } else if (c.status == CampaignStatus::kScheduled && (!c.start_at || *c.start_at <= now)) {
      to = CampaignStatus::kRunning;
    } else if (c.status == CampaignStatus::kRunning && Finished(c)) {
      std::lock_guard lock(mu_);
      auto it = progress_.find(c.id);
      if (it == progress_.end() || it->second.accepting == 0) to = CampaignStatus::kCompleted;
    }
    if (!to) continue;
    auto moved = store_.Transition(std::nullopt, c.id, from, *to, std::nullopt, now);
    if (moved) c = std::move(*moved);  // a campaign that just started is fed in this same step
  }
}

int64_t Runner::Allowance(const CampaignRecord& c, Progress& p, int64_t now) {
  if (c.pacing.delay_ms) return now >= p.next_at ? 1 : 0;
  if (!c.pacing.max_mps) return INT64_MAX;
  // A small bucket (a tenth of a second's worth) so that the cap holds over any second.
  double per_ms = static_cast<double>(*c.pacing.max_mps) / 1000.0;
  double cap = std::max(1.0, static_cast<double>(*c.pacing.max_mps) / 10.0);
  p.tokens = p.tokens_at == 0 ? 1.0 : std::min(cap, p.tokens + static_cast<double>(now - p.tokens_at) * per_ms);
  p.tokens_at = now;
  return static_cast<int64_t>(std::floor(p.tokens));
}

void Runner::FeedLane(int64_t now, const std::string& outlet_id, std::vector<const CampaignRecord*>& campaigns) {
  auto outlet = outlets_.ById(outlet_id);
  if (!outlet || campaigns.empty()) return;
  int64_t target = std::max(settings_.min_backlog, outlet->throughput_mps * settings_.lane_backlog_ms / 1000);
  int64_t in_lane = 0;
  uint64_t turn = 0;
  std::map<std::string, int64_t> allowance;
  {
    std::lock_guard lock(mu_);
    for (const auto* c : campaigns) {
      Progress& p = progress_[c->id];
      in_lane += c->counts.fed - c->counts.settled + p.accepting;
      allowance[c->id] = Allowance(*c, p, now);
    }
    turn = rotation_[outlet_id]++;
  }
  int64_t budget = target - in_lane;
  if (budget <= 0) return;
  std::vector<const CampaignRecord*> order = TurnOrder(campaigns, turn);
  // Small slices in turn order until the budget is spent or nobody has more to send.
  int64_t slice = std::max<int64_t>(1, std::min<int64_t>(64, budget / static_cast<int64_t>(order.size())));
  bool progress = true;
  while (budget > 0 && progress) {
    progress = false;
    for (const auto* c : order) {
      int64_t& left = allowance[c->id];
      int64_t n = std::min({slice, budget, left});
      if (n <= 0) continue;
      int64_t fed = Feed(*c, n, now);
      left = fed < n ? 0 : left - fed;  // fewer than asked: nothing more to read now
      budget -= fed;
      progress = progress || fed > 0;
      if (budget <= 0) break;
    }
  }
}

int64_t Runner::Feed(const CampaignRecord& c, int64_t n, int64_t now) {
  int64_t cursor = 0;
  {
    std::lock_guard lock(mu_);
    cursor = progress_[c.id].cursor;
  }
  std::vector<store::PendingRecipient> recipients = store_.NextPending(c.id, cursor, n);
  if (recipients.empty()) return 0;
  nlohmann::json message = nlohmann::json::parse(c.message, nullptr, false);
  std::vector<store::SkippedRecipient> skipped;
  std::vector<messaging::SendCommand> sends;
  for (const auto& r : recipients) {
    if (r.suppressed) {
      skipped.push_back({r.seq, "suppressed"});
      continue;
    }
    auto filled = Fill(message, Variables(r.variables));
    core::Result<content::MessageContent> content =
        filled ? content::ParseMessageContent(*filled) : core::Result<content::MessageContent>(filled.error());
    if (!content) {
      skipped.push_back({r.seq, "invalid_content: " + content.error().message});
      continue;
    }
    messaging::SendCommand cmd;
    cmd.tenant_id = c.tenant_id;
    cmd.outlet_id = c.outlet_id;
    cmd.to = r.phone;
    cmd.content = std::move(*content);
    cmd.priority = engine::Priority::kBulk;
    cmd.expires_at = c.ValidUntil();
    cmd.campaign_id = c.id;
    cmd.campaign_seq = r.seq;
    sends.push_back(std::move(cmd));
  }
  {
    std::lock_guard lock(mu_);
    Progress& p = progress_[c.id];
    p.cursor = recipients.back().seq;
    p.accepting += static_cast<int64_t>(sends.size());
    p.tokens -= static_cast<double>(sends.size());
    if (c.pacing.delay_ms && !sends.empty()) {
      double jitter = c.pacing.jitter_ms ? random_.Unit() * static_cast<double>(*c.pacing.jitter_ms) : 0;
      p.next_at = now + *c.pacing.delay_ms + static_cast<int64_t>(jitter);
    }
  }
  if (!skipped.empty()) (void)store_.SkipRecipients(c.id, skipped, now);
  tenancy::Principal who{false, c.tenant_id};
  for (auto& cmd : sends) {
    int64_t seq = *cmd.campaign_seq;
    std::string id = c.id;
    sender_.Accept(who, cmd, [this, id, seq](const core::Result<messaging::Accepted>& r) { OnAccepted(id, seq, r); });
  }
  return static_cast<int64_t>(recipients.size());
}

void Runner::OnAccepted(const std::string& campaign_id, int64_t seq, const core::Result<messaging::Accepted>& r) {
  std::lock_guard lock(mu_);
  --progress_[campaign_id].accepting;
  if (r) return;
  const core::Error& e = r.error();
  if (e.kind == core::ErrorKind::kQuotaExceeded) {
    followups_.quota_exhausted.push_back(campaign_id);
  } else if (e.code == "recipient_not_pending" || e.field == "expires_at") {
    // Messaged already (a re-read raced an accept in flight), or the campaign's validity just ended
    // (the next step ends it and its unsent recipients): nothing to do.
  } else if (e.kind == core::ErrorKind::kUnavailable || e.kind == core::ErrorKind::kInternal) {
    followups_.rewind.push_back(campaign_id);  // the store could not write: the recipient is still pending
  } else {
    followups_.refused[campaign_id].push_back({seq, e.code + ": " + e.message});
  }
}

}  // namespace wagate::campaigns
