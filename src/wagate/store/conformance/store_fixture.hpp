// The fixture every conformance suite shares: a fresh store bundle from `Backend::Open(dir)` with one
// tenant "t" and two outlets ("o": number 111 of WABA "W"; "o2": number 222), and helpers that reach
// the store through its interfaces only. A backend passes the suites by instantiating them
// (store/sqlite/sqlite_conformance_test.cpp); a PostgreSQL backend adds a *_pgtest.cpp that does the same.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <future>
#include <string>

#include "wagate/store/stores.hpp"

namespace wagate::store::conformance {

template <typename Backend>
class StoreTest : public testing::Test {
 protected:
  void SetUp() override {
    static std::atomic<int> serial{0};
    dir_ = testing::TempDir() + "/wagate_conformance_" + std::to_string(::getpid()) + "_" + std::to_string(serial++);
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    auto opened = Backend::Open(dir_);
    ASSERT_TRUE(opened.ok()) << opened.error().message;
    stores_ = std::move(*opened);
    ASSERT_TRUE(stores_.tenants->CreateTenant(TenantRecord{"t", "T", std::nullopt, 1}).ok());
    ASSERT_TRUE(stores_.tenants->CreateOutlet(Outlet("o", "111", "W")).ok());
    ASSERT_TRUE(stores_.tenants->CreateOutlet(Outlet("o2", "222", "W2")).ok());
  }
  void TearDown() override {
    if (stores_.health) stores_.health->Stop();
    stores_ = Stores{};
    std::filesystem::remove_all(dir_);
  }

  static OutletRecord Outlet(const std::string& id, const std::string& phone_number_id, const std::string& waba_id,
                             const std::string& tenant_id = "t") {
    OutletRecord o;
    o.id = id;
    o.tenant_id = tenant_id;
    o.name = id;
    o.phone_number_id = phone_number_id;
    o.waba_id = waba_id;
    o.created_at = 1;
    return o;
  }

  static MessageRecord Queued(const std::string& id, const std::string& outlet_id = "o") {
    MessageRecord m;
    m.id = id;
    m.tenant_id = "t";
    m.outlet_id = outlet_id;
    m.to_number = "+4915123456789";
    m.message_type = "text";
    m.graph_request = "{}";
    m.status = core::MessageStatus::kQueued;
    m.created_at = 1000;
    m.next_attempt_at = 1000;
    return m;
  }

  core::Result<AcceptResult> Accept(const AcceptRequest& request) {
    std::promise<core::Result<AcceptResult>> answer;
    auto future = answer.get_future();
    stores_.messages->Accept(request, [&answer](core::Result<AcceptResult> r) { answer.set_value(std::move(r)); });
    return future.get();
  }
  void InsertQueued(const std::string& id, const std::string& outlet_id = "o") {
    AcceptRequest request;
    request.message = Queued(id, outlet_id);
    request.month = "2026-12";
    ASSERT_TRUE(Accept(request).ok());
  }
  std::optional<ClaimedSend> Claim(const std::string& id, int64_t now) {
    auto claimed = stores_.messages->ClaimBatch({ClaimRequest{id, false}}, now);
    EXPECT_TRUE(claimed.ok());
    return claimed.ok() ? (*claimed)[0] : std::nullopt;
  }
  std::optional<MessageRecord> Record(SendOutcome outcome, int64_t now) {
    auto recorded = stores_.messages->RecordOutcomes({std::move(outcome)}, now);
    EXPECT_TRUE(recorded.ok());
    return recorded.ok() ? (*recorded)[0] : std::nullopt;
  }
  void MarkSent(const std::string& id, const std::string& wamid, int64_t now) {
    Record(SendOutcome{id, SendOutcome::Kind::kSent, wamid, 0, {}, std::nullopt}, now);
  }
  MessageRecord Load(const std::string& id) {
    auto m = stores_.messages->Get(id);
    EXPECT_TRUE(m.has_value()) << id;
    return m.value_or(MessageRecord{});
  }

  static core::StatusEvent Event(const std::string& wamid, core::MessageStatus s, int64_t at,
                                 std::optional<std::string> id = {}) {
    core::StatusEvent e;
    e.phone_number_id = "111";  // the outlet "o"
    e.wamid = wamid;
    e.status = s;
    e.at_ms = at;
    e.message_id = std::move(id);
    return e;
  }
  int64_t Append(const std::string& body, const std::string& signature, int64_t now,
                 const std::vector<std::string>& tenant_ids = {}) {
    std::promise<core::Result<int64_t>> appended;
    stores_.journal->Append(body, signature, tenant_ids, now,
                            [&appended](core::Result<int64_t> id) { appended.set_value(std::move(id)); });
    auto id = appended.get_future().get();
    EXPECT_TRUE(id.ok());
    return id.ok() ? *id : 0;
  }
  // Journals a webhook body and applies `what` as its meaning; returns what applying it did.
  ApplyCounts ApplyWebhookCounts(JournalApplication what, int64_t now) {
    what.journal_id = Append("{}", "sha256=00", now);
    auto applied = stores_.journal->Apply({std::move(what)}, now);
    EXPECT_TRUE(applied.ok());
    return applied.ok() && applied->size() == 1 ? (*applied)[0] : ApplyCounts{};
  }
  // The same; returns how many statuses moved a message.
  size_t ApplyWebhook(JournalApplication what, int64_t now) {
    return static_cast<size_t>(ApplyWebhookCounts(std::move(what), now).statuses);
  }
  // A customer's text message to `outlet_id` (tenant "t").
  static InboundWrite Inbound(const std::string& outlet_id, const std::string& wamid, const std::string& from,
                              int64_t at, const std::string& text = "hi") {
    InboundWrite w;
    w.id = "in_" + outlet_id + "_" + wamid;
    w.tenant_id = "t";
    w.outlet_id = outlet_id;
    w.message.wamid = wamid;
    w.message.from = from;
    w.message.at_ms = at;
    w.message.type = "text";
    w.message.content = R"({"body":")" + text + R"("})";
    w.message.preview = text;
    return w;
  }
  static InboundWrite Reaction(const std::string& outlet_id, const std::string& wamid, const std::string& from,
                               int64_t at, const std::string& target, const std::string& emoji) {
    InboundWrite w = Inbound(outlet_id, wamid, from, at);
    w.message.type = "reaction";
    w.message.content = "{}";
    w.message.preview = emoji;
    w.message.reaction_to = target;
    w.message.reaction_emoji = emoji;
    return w;
  }
  size_t ApplyStatus(const core::StatusEvent& e, int64_t now) {
    JournalApplication what;
    what.statuses.push_back(e);
    return ApplyWebhook(std::move(what), now);
  }

  std::string dir_;
  Stores stores_;
};

}  // namespace wagate::store::conformance
