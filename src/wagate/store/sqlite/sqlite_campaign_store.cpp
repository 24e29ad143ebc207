#include <algorithm>

#include "wagate/store/sqlite/admin_repo.hpp"
#include "wagate/store/sqlite/campaign_repo.hpp"
#include "wagate/store/sqlite/sqlite_stores.hpp"

namespace wagate::store::sqlite {
namespace {

// Another tenant's campaign reads exactly like a missing one.
std::optional<CampaignRecord> Visible(Connection& c, const std::optional<std::string>& tenant_id,
                                      const std::string& id) {
  auto r = campaign_repo::Get(c, id);
  if (!r || (tenant_id && *tenant_id != r->tenant_id)) return std::nullopt;
  return r;
}

core::Error InvalidTransition(const CampaignRecord& r, CampaignStatus to) {
  return core::Error{core::ErrorKind::kConflict, "invalid_transition",
                     std::string("a campaign that is ") + ToString(r.status) + " cannot become " + ToString(to)};
}

}  // namespace

core::Status SqliteCampaignStore::Create(const CampaignRecord& r) {
  return db_.WriteAndWait([&](Connection& c) -> core::Status {
    if (!admin_repo::GetTenant(c, r.tenant_id)) return core::Error::NotFound("tenant");
    campaign_repo::Insert(c, r);
    return core::Ok{};
  });
}

std::optional<CampaignRecord> SqliteCampaignStore::Get(const std::optional<std::string>& tenant_id,
                                                       const std::string& id) {
  return db_.Read([&](Connection& c) { return Visible(c, tenant_id, id); });
}

std::vector<CampaignRecord> SqliteCampaignStore::List(const std::optional<std::string>& tenant_id,
                                                      std::optional<CampaignStatus> status,
                                                      const std::optional<std::string>& before_id, int64_t limit) {
  return db_.Read([&](Connection& c) { return campaign_repo::List(c, tenant_id, status, before_id, limit); });
}

std::vector<CampaignRecord> SqliteCampaignStore::Active() {
  return db_.Read([&](Connection& c) { return campaign_repo::Active(c); });
}

core::Result<CampaignRecord> SqliteCampaignStore::Transition(const std::optional<std::string>& tenant_id,
                                                             const std::string& id,
                                                             const std::vector<CampaignStatus>& from, CampaignStatus to,
                                                             const std::optional<std::string>& reason, int64_t now_ms) {
  CampaignRecord out;
  core::Status s = db_.WriteAndWait([&](Connection& c) -> core::Status {
    auto r = Visible(c, tenant_id, id);
    if (!r) return core::Error::NotFound("campaign");
    if (std::find(from.begin(), from.end(), r->status) == from.end()) return InvalidTransition(*r, to);
    campaign_repo::SetStatus(c, id, to, reason, now_ms);
    if (to == CampaignStatus::kCancelled || to == CampaignStatus::kExpired) {
      campaign_repo::EndUnsent(c, id, ToString(to), now_ms);
    }
    out = *campaign_repo::Get(c, id);
    campaign_repo::EmitTransition(c, *r, out, now_ms);
    return core::Ok{};
  });
  if (!s.ok()) return s.error();
  return out;
}

std::shared_ptr<SqliteCampaignStore::Upload> SqliteCampaignStore::UploadOf(const UploadTicket& ticket) {
  std::lock_guard lock(uploads_mu_);
  auto it = uploads_.find(ticket.campaign_id);
  if (it == uploads_.end() || it->second->attempt != ticket.attempt) return nullptr;
  return it->second;
}

void SqliteCampaignStore::EndUpload(const UploadTicket& ticket) {
  std::lock_guard lock(uploads_mu_);
  auto it = uploads_.find(ticket.campaign_id);
  if (it != uploads_.end() && it->second->attempt == ticket.attempt) uploads_.erase(it);
}

core::Result<UploadTicket> SqliteCampaignStore::BeginUpload(const std::optional<std::string>& tenant_id,
                                                            const std::string& id) {
  UploadTicket ticket;
  auto upload = std::make_shared<Upload>();
  core::Status s = db_.WriteAndWait([&](Connection& c) -> core::Status {
    auto r = Visible(c, tenant_id, id);
    if (!r) return core::Error::NotFound("campaign");
    if (r->status != CampaignStatus::kDraft) {
      return core::Error{
          core::ErrorKind::kConflict, "invalid_transition",
          std::string("recipients can be added to a draft campaign only; this one is ") + ToString(r->status)};
    }
    upload->phones = {};
    ticket = campaign_repo::BeginUpload(c, *r, upload->phones);
    return core::Ok{};
  });
  if (!s.ok()) return s.error();
  std::lock_guard lock(uploads_mu_);
  ticket.attempt = upload->attempt = ++last_attempt_;
  uploads_[id] = std::move(upload);
  return ticket;
}

core::Status SqliteCampaignStore::AddRecipients(UploadTicket& ticket, const std::vector<RecipientRow>& rows,
                                                const std::vector<RejectedRow>& rejected, UploadCounts& counts) {
  std::shared_ptr<Upload> upload = UploadOf(ticket);
  if (!upload) {
    return core::Error{core::ErrorKind::kConflict, "invalid_transition",
                       "this upload was replaced by a newer one or has ended"};
  }
  // The job may be retried by nobody: a failure leaves the ticket and counts as they were.
  UploadTicket t = ticket;
  UploadCounts n = counts;
  core::Status s = db_.WriteAndWait([&](Connection& c) -> core::Status {
    auto r = campaign_repo::Get(c, ticket.campaign_id);
    if (!r) return core::Error::NotFound("campaign");
    t = ticket;
    n = counts;
    campaign_repo::AddRecipients(c, t, r->tenant_id, rows, rejected, n, upload->phones);
    return core::Ok{};
  });
  if (!s.ok()) return s;
  ticket = t;
  counts = n;
  return core::Ok{};
}

core::Result<CampaignRecord> SqliteCampaignStore::FinishUpload(const UploadTicket& ticket, const UploadCounts& counts,
                                                               int64_t now_ms) {
  EndUpload(ticket);
  CampaignRecord out;
  core::Status s = db_.WriteAndWait([&](Connection& c) -> core::Status {
    auto r = campaign_repo::Get(c, ticket.campaign_id);
    if (!r) return core::Error::NotFound("campaign");
    // Started (or cancelled) while the upload ran: its rows never count.
    if (r->status != CampaignStatus::kDraft || r->uploads + 1 != ticket.upload) {
      campaign_repo::AbortUpload(c, ticket);
      return core::Error{core::ErrorKind::kConflict, "invalid_transition",
                         "the campaign left draft (or another upload finished) while this upload ran: its rows were "
                         "not added"};
    }
    campaign_repo::FinishUpload(c, ticket, counts, now_ms);
    out = *campaign_repo::Get(c, ticket.campaign_id);
    return core::Ok{};
  });
  if (!s.ok()) return s.error();
  return out;
}

void SqliteCampaignStore::AbortUpload(const UploadTicket& ticket) {
  EndUpload(ticket);
  (void)db_.WriteAndWait([&](Connection& c) -> core::Status {
    campaign_repo::AbortUpload(c, ticket);
    return core::Ok{};
  });
}

std::vector<std::pair<int64_t, RejectedRow>> SqliteCampaignStore::Rejected(const std::string& id,
                                                                           std::pair<int64_t, int64_t> after,
                                                                           int64_t limit) {
  return db_.Read([&](Connection& c) { return campaign_repo::Rejected(c, id, after, limit); });
}

std::vector<PendingRecipient> SqliteCampaignStore::NextPending(const std::string& id, int64_t after_seq,
                                                               int64_t limit) {
  return db_.Read([&](Connection& c) {
    auto r = campaign_repo::Get(c, id);
    if (!r) return std::vector<PendingRecipient>{};
    return campaign_repo::NextPending(c, id, r->tenant_id, after_seq, limit);
  });
}

core::Status SqliteCampaignStore::SkipRecipients(const std::string& id, const std::vector<SkippedRecipient>& skipped,
                                                 int64_t now_ms) {
  return db_.WriteAndWait([&](Connection& c) -> core::Status {
    campaign_repo::SkipRecipients(c, id, skipped, now_ms);
    return core::Ok{};
  });
}

std::vector<PendingMessage> SqliteCampaignStore::QueuedMessages(const std::string& id) {
  return db_.Read([&](Connection& c) { return campaign_repo::QueuedMessages(c, id); });
}

void SqliteCampaignStore::ForEachOutcome(const std::string& id,
                                         const std::function<bool(const RecipientOutcome&)>& visit) {
  // Page by page, each in its own short read: a slow download never holds one snapshot open for its
  // whole length (which would keep the WAL from being checkpointed). A recipient is in exactly one
  // page; its state is as of that page's read.
  constexpr int64_t kPage = 2000;
  int64_t after = -1;
  for (;;) {
    std::vector<RecipientOutcome> page =
        db_.Read([&](Connection& c) { return campaign_repo::Outcomes(c, id, after, kPage); });
    for (const auto& o : page) {
      if (!visit(o)) return;
    }
    if (static_cast<int64_t>(page.size()) < kPage) return;
    after = page.back().seq;
  }
}

int64_t SqliteCampaignStore::ExpireDue(int64_t now_ms) {
  int64_t expired = 0;
  (void)db_.WriteAndWait([&](Connection& c) -> core::Status {
    expired = campaign_repo::ExpireDue(c, now_ms);
    return core::Ok{};
  });
  return expired;
}

core::Status SqliteCampaignStore::Suppress(const std::vector<SuppressionRecord>& entries) {
  return db_.WriteAndWait([&](Connection& c) -> core::Status {
    for (const auto& e : entries) campaign_repo::Suppress(c, e);
    return core::Ok{};
  });
}

core::Status SqliteCampaignStore::Unsuppress(const std::string& tenant_id, const std::string& phone) {
  return db_.WriteAndWait([&](Connection& c) -> core::Status {
    if (!campaign_repo::Unsuppress(c, tenant_id, phone)) return core::Error::NotFound("suppression");
    return core::Ok{};
  });
}

std::vector<SuppressionRecord> SqliteCampaignStore::Suppressions(const std::string& tenant_id,
                                                                 const std::optional<std::string>& after_phone,
                                                                 int64_t limit) {
  return db_.Read([&](Connection& c) { return campaign_repo::Suppressions(c, tenant_id, after_phone, limit); });
}

bool SqliteCampaignStore::IsSuppressed(const std::string& tenant_id, const std::string& phone) {
  return db_.Read([&](Connection& c) { return campaign_repo::IsSuppressed(c, tenant_id, phone); });
}

}  // namespace wagate::store::sqlite
