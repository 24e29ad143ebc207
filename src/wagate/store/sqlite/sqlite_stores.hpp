// The SQLite backend's implementations of the store interfaces, all over one Database (a single
// group-commit writer and a pool of WAL readers). Internal to store/sqlite: the rest of the gateway
// sees store/stores.hpp, and opens this backend through open_sqlite.hpp.
#pragma once

#include <map>
#include <memory>
#include <mutex>

#include "wagate/store/sqlite/campaign_repo.hpp"
#include "wagate/store/sqlite/database.hpp"
#include "wagate/store/stores.hpp"

namespace wagate::store::sqlite {

// Every class here is thread-safe: reads borrow a reader connection, writes are jobs of the single
// writer, which is what makes idempotency, quotas and claims exact (store/message_store.hpp).
class SqliteMessageStore final : public MessageStore {
 public:
  explicit SqliteMessageStore(Database& db) : db_(db) {}
  void Accept(AcceptRequest request, std::function<void(core::Result<AcceptResult>)> done) override;
  std::optional<MessageRecord> Get(const std::string& id) override;
  std::vector<MessageRecord> List(const MessageListFilter& filter) override;
  std::vector<MessageRecord> ListDeadLetters(const DeadLetterFilter& filter) override;
  void ForEachPending(const std::function<void(PendingMessage&&)>& visit) override;
  core::Result<std::vector<std::optional<ClaimedSend>>> ClaimBatch(const std::vector<ClaimRequest>& claims,
                                                                   int64_t now_ms) override;
  core::Result<std::vector<std::optional<MessageRecord>>> RecordOutcomes(const std::vector<SendOutcome>& outcomes,
                                                                         int64_t now_ms) override;
  void SetDeferredReason(std::vector<std::string> ids, const std::string& reason) override;
  void ResolveInDoubt(const std::string& id, bool resend, int64_t now_ms,
                      std::function<void(core::Result<MessageRecord>)> done) override;
  void Requeue(std::vector<std::string> ids, int64_t now_ms,
               std::function<void(core::Result<std::vector<std::string>>)> done) override;

 private:
  Database& db_;
};

class SqliteTenantStore final : public TenantStore {
 public:
  explicit SqliteTenantStore(Database& db) : db_(db) {}
  core::Status CreateTenant(const TenantRecord& t) override;
  std::optional<TenantRecord> GetTenant(const std::string& id) override;
  std::vector<TenantRecord> ListTenants() override;
  core::Status DeleteTenant(const std::string& id) override;
  int64_t QuotaUsed(const std::string& tenant_id, const std::string& month) override;
  core::Status CreateOutlet(const OutletRecord& o) override;
  std::optional<OutletRecord> GetOutlet(const std::string& id) override;
  std::vector<OutletRecord> ListOutlets(const std::optional<std::string>& tenant_id) override;
  core::Result<OutletRecord> UpdateOutlet(const std::string& tenant_id, const std::string& id,
                                          const std::function<void(OutletRecord&)>& change) override;
  core::Status DeleteOutlet(const std::string& tenant_id, const std::string& id) override;
  std::vector<AccountSignal> ListSignals(const std::string& outlet_id) override;
  core::Status CreateApiKey(const ApiKeyRecord& k) override;
  std::vector<ApiKeyRecord> ListApiKeys(const std::optional<std::string>& tenant_id) override;
  core::Status DeleteApiKey(const std::string& tenant_id, const std::string& id) override;

 private:
  Database& db_;
};

class SqliteTemplateStore final : public TemplateStore {
 public:
  explicit SqliteTemplateStore(Database& db) : db_(db) {}
  core::Status Upsert(const TemplateRecord& t) override;
  core::Status ReplaceAll(const std::string& waba_id, const std::vector<TemplateRecord>& all,
                          int64_t listed_at) override;
  core::Result<int> DeleteByName(const std::string& waba_id, const std::string& name,
                                 const std::optional<std::string>& graph_id) override;
  std::vector<TemplateRecord> List(const std::optional<std::string>& waba_id, const std::optional<std::string>& name,
                                   const std::optional<std::string>& status) override;
  std::optional<int64_t> LastSync(const std::string& waba_id) override;
  TemplateCounters Counters(const std::string& waba_id, const std::string& name, const std::string& language) override;

 private:
  Database& db_;
};

class SqliteWebhookJournal final : public WebhookJournal {
 public:
  explicit SqliteWebhookJournal(Database& db) : db_(db) {}
  void Append(std::string body, std::string signature, std::vector<std::string> tenant_ids, int64_t now_ms,
              std::function<void(core::Result<int64_t>)> done) override;
  void RecordRejected(std::string reason, int64_t bytes, std::vector<std::string> tenant_ids, int64_t now_ms) override;
  std::vector<JournalEntry> Unprocessed(int64_t limit) override;
  core::Result<std::vector<ApplyCounts>> Apply(const std::vector<JournalApplication>& batch, int64_t now_ms) override;
  std::vector<WebhookEventRecord> ListEvents(const WebhookEventFilter& filter) override;
  int64_t Prune(int64_t before_ms, int64_t keys_before_ms, int64_t max_rows) override;

 private:
  Database& db_;
};

class SqliteContactStore final : public ContactStore {
 public:
  explicit SqliteContactStore(Database& db) : db_(db) {}
  std::vector<ContactRecord> RecentContacts(int64_t since_ms) override;

 private:
  Database& db_;
};

class SqliteConversationStore final : public ConversationStore {
 public:
  explicit SqliteConversationStore(Database& db) : db_(db) {}
  std::vector<ConversationRecord> List(const ConversationFilter& filter) override;
  std::optional<ConversationRecord> Get(const std::string& id) override;
  std::vector<HistoryItem> History(const HistoryFilter& filter) override;
  std::optional<HistoryItem> NewestInbound(const std::string& conversation_id) override;
  void MarkRead(const std::string& id, int64_t now_ms,
                std::function<void(core::Result<ConversationRecord>)> done) override;

 private:
  Database& db_;
};

class SqliteEventStore final : public EventStore {
 public:
  explicit SqliteEventStore(Database& db) : db_(db) {}
  core::Status CreateSubscription(const SubscriptionRecord& s) override;
  std::optional<SubscriptionRecord> GetSubscription(const std::optional<std::string>& tenant_id,
                                                    const std::string& id) override;
  std::vector<SubscriptionRecord> ListSubscriptions(const std::optional<std::string>& tenant_id) override;
  core::Result<SubscriptionRecord> UpdateSubscription(const std::optional<std::string>& tenant_id,
                                                      const std::string& id,
                                                      const std::function<void(SubscriptionRecord&)>& change) override;
  core::Status DeleteSubscription(const std::optional<std::string>& tenant_id, const std::string& id) override;
  core::Result<int64_t> PublishTo(const std::string& subscription_id, const OutboxEvent& event) override;
  std::vector<DueDelivery> DueDeliveries(const std::string& subscription_id, bool ordered, int64_t now_ms,
                                         int64_t limit) override;
  core::Result<std::vector<std::string>> RecordAttempts(
      const std::vector<AttemptOutcome>& outcomes, int64_t now_ms, int64_t disable_after_ms,
      const std::function<OutboxEvent(const SubscriptionRecord&)>& disabled_event) override;
  std::vector<DeliveryRecord> ListDeliveries(const DeliveryFilter& filter) override;
  std::optional<DeliveryRecord> GetDelivery(const std::string& subscription_id, int64_t id) override;
  core::Result<DeliveryRecord> Replay(const std::string& subscription_id, int64_t id, int64_t now_ms) override;
  core::Result<int64_t> ReplayAll(const std::string& subscription_id, int64_t since_ms, DeliveryStatus status,
                                  int64_t now_ms) override;
  int64_t Prune(int64_t before_ms, int64_t max_rows) override;
  core::Status CreateHook(const PresendHookRecord& h) override;
  std::vector<PresendHookRecord> ListHooks(const std::optional<std::string>& tenant_id) override;
  core::Status DeleteHook(const std::optional<std::string>& tenant_id, const std::string& id) override;

 private:
  Database& db_;
};

class SqliteCampaignStore final : public CampaignStore {
 public:
  explicit SqliteCampaignStore(Database& db) : db_(db) {}
  core::Status Create(const CampaignRecord& c) override;
  std::optional<CampaignRecord> Get(const std::optional<std::string>& tenant_id, const std::string& id) override;
  std::vector<CampaignRecord> List(const std::optional<std::string>& tenant_id, std::optional<CampaignStatus> status,
                                   const std::optional<std::string>& before_id, int64_t limit) override;
  std::vector<CampaignRecord> Active() override;
  core::Result<CampaignRecord> Transition(const std::optional<std::string>& tenant_id, const std::string& id,
                                          const std::vector<CampaignStatus>& from, CampaignStatus to,
                                          const std::optional<std::string>& reason, int64_t now_ms) override;
  core::Result<UploadTicket> BeginUpload(const std::optional<std::string>& tenant_id, const std::string& id) override;
  core::Status AddRecipients(UploadTicket& ticket, const std::vector<RecipientRow>& rows,
                             const std::vector<RejectedRow>& rejected, UploadCounts& counts) override;
  core::Result<CampaignRecord> FinishUpload(const UploadTicket& ticket, const UploadCounts& counts,
                                            int64_t now_ms) override;
  void AbortUpload(const UploadTicket& ticket) override;
  std::vector<std::pair<int64_t, RejectedRow>> Rejected(const std::string& id, std::pair<int64_t, int64_t> after,
                                                        int64_t limit) override;
  std::vector<PendingRecipient> NextPending(const std::string& id, int64_t after_seq, int64_t limit) override;
  core::Status SkipRecipients(const std::string& id, const std::vector<SkippedRecipient>& skipped,
                              int64_t now_ms) override;
  std::vector<PendingMessage> QueuedMessages(const std::string& id) override;
  void ForEachOutcome(const std::string& id, const std::function<bool(const RecipientOutcome&)>& visit) override;
  int64_t ExpireDue(int64_t now_ms) override;
  core::Status Suppress(const std::vector<SuppressionRecord>& entries) override;
  core::Status Unsuppress(const std::string& tenant_id, const std::string& phone) override;
  std::vector<SuppressionRecord> Suppressions(const std::string& tenant_id,
                                              const std::optional<std::string>& after_phone, int64_t limit) override;
  bool IsSuppressed(const std::string& tenant_id, const std::string& phone) override;

 private:
  // The numbers of the campaign an upload is adding to, from BeginUpload to FinishUpload or
  // AbortUpload (one upload per campaign at a time: a newer BeginUpload replaces an older one's).
  // Used on the writer thread only; the map itself is guarded.
  struct Upload {
    uint64_t attempt = 0;
    campaign_repo::RecipientPhones phones;
  };
  std::shared_ptr<Upload> UploadOf(const UploadTicket& ticket);
  void EndUpload(const UploadTicket& ticket);

  Database& db_;
  std::mutex uploads_mu_;
  std::map<std::string, std::shared_ptr<Upload>> uploads_;
  uint64_t last_attempt_ = 0;
};

class SqliteHealth final : public StoreHealth {
 public:
  explicit SqliteHealth(Database& db) : db_(db) {}
  bool Writable() const override { return db_.Writable(); }
  size_t PendingWrites() const override { return db_.PendingWrites(); }
  void Stop() override { db_.Stop(); }

 private:
  Database& db_;
};

}  // namespace wagate::store::sqlite
