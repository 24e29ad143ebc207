// Conformance suite of store::MessageStore (and the status rules as WebhookJournal::Apply executes
// them): what every backend must guarantee. Instantiated per backend; see store_fixture.hpp.
#pragma once

#include <thread>

#include "wagate/store/conformance/store_fixture.hpp"

namespace wagate::store::conformance {

template <typename Backend>
class MessageStoreConformance : public StoreTest<Backend> {};
TYPED_TEST_SUITE_P(MessageStoreConformance);

using core::MessageStatus;

TYPED_TEST_P(MessageStoreConformance, ClaimOnlyOnceAndOnlyWhenQueued) {
  this->InsertQueued("m1");
  auto first = this->Claim("m1", 2000);
  auto second = this->Claim("m1", 2001);
  ASSERT_TRUE(first.has_value());
  EXPECT_EQ(first->attempts, 1);
  EXPECT_EQ(first->outlet_id, "o");
  EXPECT_FALSE(second.has_value());
  EXPECT_EQ(this->Load("m1").status, MessageStatus::kSending);
}

TYPED_TEST_P(MessageStoreConformance, ConcurrentClaimsOfOneMessageHaveOneWinner) {
  this->InsertQueued("m1");
  std::atomic<int> winners{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&] {
      auto claimed = this->stores_.messages->ClaimBatch({ClaimRequest{"m1", false}}, 2000);
      if (claimed.ok() && (*claimed)[0]) ++winners;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(winners.load(), 1);
}

TYPED_TEST_P(MessageStoreConformance, IdempotencyKeyInsertsOnceAndRefusesAnotherBody) {
  std::atomic<int> inserted{0}, duplicates{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&, i] {
      AcceptRequest request;
      request.message = this->Queued("m" + std::to_string(i));
      request.idempotency_key = "key-1";
      request.request_hash = "hash-A";
      request.month = "2026-12";
      auto r = this->Accept(request);
      ASSERT_TRUE(r.ok()) << r.error().message;
      ++(r->duplicate ? duplicates : inserted);
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(inserted.load(), 1);
  EXPECT_EQ(duplicates.load(), 7);
  EXPECT_EQ(this->stores_.messages->List(MessageListFilter{}).size(), 1u);

  AcceptRequest other;
  other.message = this->Queued("m-other");
  other.idempotency_key = "key-1";
  other.request_hash = "hash-B";
  other.month = "2026-12";
  auto refused = this->Accept(other);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, "idempotency_conflict");
}

TYPED_TEST_P(MessageStoreConformance, QuotaNeverOvershootsUnderConcurrentAccepts) {
  ASSERT_TRUE(this->stores_.tenants->CreateTenant(TenantRecord{"q", "Q", 5, 1}).ok());
  ASSERT_TRUE(this->stores_.tenants->CreateOutlet(this->Outlet("oq", "333", "WQ", "q")).ok());
  std::atomic<int> accepted{0}, refused{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 12; ++i) {
    threads.emplace_back([&, i] {
      AcceptRequest request;
      request.message = this->Queued("q" + std::to_string(i), "oq");
      request.message.tenant_id = "q";
      request.month = "2026-12";
      auto r = this->Accept(request);
      if (r.ok()) {
        ++accepted;
      } else {
        EXPECT_EQ(r.error().code, "quota_exceeded");
        ++refused;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(accepted.load(), 5);
  EXPECT_EQ(refused.load(), 7);
  EXPECT_EQ(this->stores_.tenants->QuotaUsed("q", "2026-12"), 5);
  // What reaches no customer (mark as read) is not counted, even at the limit.
  AcceptRequest read_mark;
  read_mark.message = this->Queued("q-read", "oq");
  read_mark.message.tenant_id = "q";
  read_mark.counts_for_quota = false;
  read_mark.month = "2026-12";
  EXPECT_TRUE(this->Accept(read_mark).ok());
}

TYPED_TEST_P(MessageStoreConformance, AcceptForAnUnknownTenantIsNotFound) {
  AcceptRequest request;
  request.message = this->Queued("m1");
  request.message.tenant_id = "nobody";
  request.month = "2026-12";
  auto r = this->Accept(request);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, core::ErrorKind::kNotFound);
}

TYPED_TEST_P(MessageStoreConformance, StatusesOnlyMoveForwardAndReadImpliesDelivered) {
  this->InsertQueued("m1");
  this->Claim("m1", 2000);
  this->MarkSent("m1", "wamid.A", 2100);
  EXPECT_EQ(this->ApplyStatus(this->Event("wamid.A", MessageStatus::kRead, 5000), 6000), 1u);
  EXPECT_EQ(this->Load("m1").delivered_at, 5000);  // implied by the read
  // A late delivered keeps the status read but corrects the implied time: the same end state as in order.
  EXPECT_EQ(this->ApplyStatus(this->Event("wamid.A", MessageStatus::kDelivered, 4000), 6000), 1u);
  EXPECT_EQ(this->ApplyStatus(this->Event("wamid.A", MessageStatus::kDelivered, 4000), 6000), 0u);
  EXPECT_EQ(this->ApplyStatus(this->Event("wamid.A", MessageStatus::kRead, 5000), 6000), 0u);
  MessageRecord m = this->Load("m1");
  EXPECT_EQ(m.status, MessageStatus::kRead);
  EXPECT_EQ(m.sent_at, 2100);
  EXPECT_EQ(m.delivered_at, 4000);
  EXPECT_EQ(m.read_at, 5000);
}

TYPED_TEST_P(MessageStoreConformance, FailedIsTerminalAndKeepsMetasError) {
  this->InsertQueued("m1");
  this->Claim("m1", 2000);
  this->MarkSent("m1", "wamid.A", 2100);
  auto failed = this->Event("wamid.A", MessageStatus::kFailed, 3000);
  failed.error = GraphError{131047, "Re-engagement message", "more than 24 hours"};
  this->ApplyStatus(failed, 3001);
  this->ApplyStatus(this->Event("wamid.A", MessageStatus::kRead, 4000), 4001);
  MessageRecord m = this->Load("m1");
  EXPECT_EQ(m.status, MessageStatus::kFailed);
  ASSERT_TRUE(m.error.has_value());
  EXPECT_EQ(m.error->code, 131047);
  EXPECT_FALSE(m.read_at.has_value());
}

TYPED_TEST_P(MessageStoreConformance, StatusBeforeTheSendAnswerIsFoundByCallbackId) {
  this->InsertQueued("m1");
  this->Claim("m1", 2000);
  // The webhook overtakes the HTTP answer: it names our id in biz_opaque_callback_data.
  EXPECT_EQ(this->ApplyStatus(this->Event("wamid.A", MessageStatus::kDelivered, 2500, "m1"), 2600), 1u);
  this->MarkSent("m1", "wamid.A", 2700);
  MessageRecord m = this->Load("m1");
  EXPECT_EQ(m.status, MessageStatus::kDelivered);
  EXPECT_EQ(m.wamid, "wamid.A");
}

TYPED_TEST_P(MessageStoreConformance, StatusWithoutCallbackIdWaitsAsOrphanUntilTheAnswerIsStored) {
  this->InsertQueued("m1");
  this->Claim("m1", 2000);
  EXPECT_EQ(this->ApplyStatus(this->Event("wamid.A", MessageStatus::kDelivered, 2500), 2600), 0u);
  EXPECT_EQ(this->Load("m1").status, MessageStatus::kSending);
  this->MarkSent("m1", "wamid.A", 2700);
  EXPECT_EQ(this->Load("m1").status, MessageStatus::kDelivered);
}

TYPED_TEST_P(MessageStoreConformance, ACallbackIdNamingAnotherMessagesWamidIsNotTrusted) {
  this->InsertQueued("m1");
  this->InsertQueued("m2");
  this->Claim("m1", 2000);
  this->Claim("m2", 2000);
  this->MarkSent("m1", "wamid.A", 2100);
  this->MarkSent("m2", "wamid.B", 2100);
  // Names m1 as its callback id but carries m2's wamid: the wamid decides.
  EXPECT_EQ(this->ApplyStatus(this->Event("wamid.B", MessageStatus::kDelivered, 3000, "m1"), 3001), 1u);
  EXPECT_EQ(this->Load("m1").status, MessageStatus::kSent);
  EXPECT_EQ(this->Load("m2").status, MessageStatus::kDelivered);
}

TYPED_TEST_P(MessageStoreConformance, InDoubtResolutionNeverOverridesAWebhook) {
  this->InsertQueued("m1");
  this->InsertQueued("m2");
  this->Claim("m1", 2000);
  this->Claim("m2", 2000);
  this->ApplyStatus(this->Event("wamid.A", MessageStatus::kSent, 2500, "m1"), 2600);
  auto resolve = [this](const std::string& id, bool resend) {
    std::promise<core::Result<MessageRecord>> answer;
    auto future = answer.get_future();
    this->stores_.messages->ResolveInDoubt(
        id, resend, 9000, [&answer](core::Result<MessageRecord> r) { answer.set_value(std::move(r)); });
    return future.get();
  };
  EXPECT_FALSE(resolve("m1", true).ok());
  EXPECT_EQ(this->Load("m1").status, MessageStatus::kSent);
  auto m2 = resolve("m2", false);
  ASSERT_TRUE(m2.ok());
  EXPECT_EQ(m2->status, MessageStatus::kUnknown);
  // A late webhook still settles an `unknown` message.
  this->ApplyStatus(this->Event("wamid.B", MessageStatus::kSent, 9500, "m2"), 9600);
  EXPECT_EQ(this->Load("m2").status, MessageStatus::kSent);
}

TYPED_TEST_P(MessageStoreConformance, AnotherOutletsWebhookCannotTouchAMessage) {
  this->InsertQueued("m1");
  this->Claim("m1", 2000);
  this->MarkSent("m1", "wamid.A", 2100);
  auto foreign = this->Event("wamid.A", MessageStatus::kRead, 5000);
  foreign.phone_number_id = "222";
  EXPECT_EQ(this->ApplyStatus(foreign, 6000), 0u);
  auto by_callback = this->Event("wamid.Z", MessageStatus::kRead, 5000, "m1");
  by_callback.phone_number_id = "222";
  EXPECT_EQ(this->ApplyStatus(by_callback, 6000), 0u);
  EXPECT_EQ(this->Load("m1").status, MessageStatus::kSent);
}

TYPED_TEST_P(MessageStoreConformance, TimestampsNeverGoBeforeTheSendAnswer) {
  this->InsertQueued("m1");
  this->Claim("m1", 2000);
  this->MarkSent("m1", "wamid.A", 2500);                                             // milliseconds from our clock
  this->ApplyStatus(this->Event("wamid.A", MessageStatus::kDelivered, 2000), 2600);  // Meta: whole seconds
  EXPECT_EQ(this->Load("m1").delivered_at, 2500);
}

TYPED_TEST_P(MessageStoreConformance, RetryGoesBackToQueuedWithTheLastError) {
  this->InsertQueued("m1");
  this->Claim("m1", 2000);
  this->Record(SendOutcome{"m1", SendOutcome::Kind::kRetry, "", 3000, GraphError{131000, "Something went wrong", ""},
                           std::string("throttled")},
               2100);
  MessageRecord m = this->Load("m1");
  EXPECT_EQ(m.status, MessageStatus::kQueued);
  EXPECT_EQ(m.next_attempt_at, 3000);
  EXPECT_EQ(m.error->code, 131000);
  EXPECT_EQ(m.deferred_reason, "throttled");
  std::vector<PendingMessage> pending;
  this->stores_.messages->ForEachPending([&](PendingMessage&& p) { pending.push_back(p); });
  ASSERT_EQ(pending.size(), 1u);
  EXPECT_EQ(pending[0].next_attempt_at, 3000);
  EXPECT_EQ(this->Claim("m1", 3000)->attempts, 2);
}

TYPED_TEST_P(MessageStoreConformance, AFailureAWebhookOvertookStaysSent) {
  this->InsertQueued("m1");
  this->Claim("m1", 2000);
  // The request timed out, but Meta had accepted it and said so by webhook meanwhile.
  this->ApplyStatus(this->Event("wamid.A", MessageStatus::kSent, 2500, "m1"), 2600);
  auto settled = this->Record(
      SendOutcome{"m1", SendOutcome::Kind::kFailed, "", 0, GraphError{0, "timeout", ""}, std::nullopt}, 3000);
  ASSERT_TRUE(settled.has_value());
  EXPECT_EQ(settled->wamid, "wamid.A");
  EXPECT_EQ(this->Load("m1").status, MessageStatus::kSent);
}

TYPED_TEST_P(MessageStoreConformance, DeadLettersAreListedAndRequeuedOnlyWhenSafe) {
  for (const char* id : {"never", "accepted", "doubt"}) this->InsertQueued(id);
  for (const char* id : {"never", "accepted", "doubt"}) this->Claim(id, 2000);
  this->Record(
      SendOutcome{"never", SendOutcome::Kind::kFailed, "", 0, GraphError{131026, "Undeliverable", ""}, std::nullopt},
      2100);
  this->MarkSent("accepted", "wamid.A", 2100);
  auto failed = this->Event("wamid.A", MessageStatus::kFailed, 2200);
  this->ApplyStatus(failed, 2300);
  std::promise<core::Result<MessageRecord>> resolved;
  this->stores_.messages->ResolveInDoubt("doubt", false, 2400,
                                         [&](core::Result<MessageRecord> r) { resolved.set_value(std::move(r)); });
  ASSERT_TRUE(resolved.get_future().get().ok());

  EXPECT_EQ(this->stores_.messages->ListDeadLetters(DeadLetterFilter{}).size(), 3u);
  DeadLetterFilter in_doubt;
  in_doubt.reason = "in_doubt";
  auto doubtful = this->stores_.messages->ListDeadLetters(in_doubt);
  ASSERT_EQ(doubtful.size(), 1u);
  EXPECT_EQ(doubtful[0].id, "doubt");
  DeadLetterFilter by_code;
  by_code.error_code = 131026;
  EXPECT_EQ(this->stores_.messages->ListDeadLetters(by_code).size(), 1u);

  std::promise<core::Result<std::vector<std::string>>> requeued;
  this->stores_.messages->Requeue({"never", "accepted", "doubt", "missing"}, 5000,
                                  [&](core::Result<std::vector<std::string>> r) { requeued.set_value(std::move(r)); });
  auto ids = requeued.get_future().get();
  ASSERT_TRUE(ids.ok());
  EXPECT_EQ(*ids, (std::vector<std::string>{"never", "doubt"}));  // Meta accepted "accepted": never again
  MessageRecord again = this->Load("never");
  EXPECT_EQ(again.status, MessageStatus::kQueued);
  EXPECT_EQ(again.attempts, 0);
  EXPECT_EQ(this->Load("accepted").status, MessageStatus::kFailed);
}

TYPED_TEST_P(MessageStoreConformance, ListFiltersAndOrdersNewestFirst) {
  this->InsertQueued("m1");
  this->InsertQueued("m2", "o2");
  AcceptRequest later;
  later.message = this->Queued("m3");
  later.message.created_at = 2000;
  later.month = "2026-12";
  ASSERT_TRUE(this->Accept(later).ok());
  auto all = this->stores_.messages->List(MessageListFilter{});
  ASSERT_EQ(all.size(), 3u);
  EXPECT_EQ(all[0].id, "m3");
  MessageListFilter by_outlet;
  by_outlet.outlet_id = "o2";
  auto o2 = this->stores_.messages->List(by_outlet);
  ASSERT_EQ(o2.size(), 1u);
  EXPECT_EQ(o2[0].id, "m2");
  MessageListFilter limited;
  limited.limit = 1;
  EXPECT_EQ(this->stores_.messages->List(limited).size(), 1u);
  EXPECT_FALSE(this->stores_.messages->Get("nope").has_value());
}

REGISTER_TYPED_TEST_SUITE_P(MessageStoreConformance, ClaimOnlyOnceAndOnlyWhenQueued,
                            ConcurrentClaimsOfOneMessageHaveOneWinner, IdempotencyKeyInsertsOnceAndRefusesAnotherBody,
                            QuotaNeverOvershootsUnderConcurrentAccepts, AcceptForAnUnknownTenantIsNotFound,
                            StatusesOnlyMoveForwardAndReadImpliesDelivered, FailedIsTerminalAndKeepsMetasError,
                            StatusBeforeTheSendAnswerIsFoundByCallbackId,
                            StatusWithoutCallbackIdWaitsAsOrphanUntilTheAnswerIsStored,
                            ACallbackIdNamingAnotherMessagesWamidIsNotTrusted, InDoubtResolutionNeverOverridesAWebhook,
                            AnotherOutletsWebhookCannotTouchAMessage, TimestampsNeverGoBeforeTheSendAnswer,
                            RetryGoesBackToQueuedWithTheLastError, AFailureAWebhookOvertookStaysSent,
                            DeadLettersAreListedAndRequeuedOnlyWhenSafe, ListFiltersAndOrdersNewestFirst);

}  // namespace wagate::store::conformance
