// Conformance suite of store::EventStore, and of the events the other stores write with their changes:
// an event only for a subscription that takes it, written in the change's own transaction; due
// deliveries, ordered heads, attempts, disabling, replays and tenant isolation.
#pragma once

#include <nlohmann/json.hpp>

#include "wagate/store/conformance/store_fixture.hpp"
#include "wagate/store/event_payloads.hpp"

namespace wagate::store::conformance {

template <typename Backend>
class EventStoreConformance : public StoreTest<Backend> {
 protected:
  SubscriptionRecord Subscribe(const std::string& id, std::vector<std::string> events, bool ordered = false,
                               const std::string& tenant = "t") {
    SubscriptionRecord s;
    s.id = id;
    s.tenant_id = tenant;
    s.url = "https://example.com/hook/" + id;
    s.events = std::move(events);
    s.secret_sealed = "sealed";
    s.ordered = ordered;
    s.created_at = s.updated_at = 1;
    EXPECT_TRUE(this->stores_.events->CreateSubscription(s).ok());
    return s;
  }
  std::vector<DueDelivery> Due(const std::string& sub, int64_t now = 1'000'000, bool ordered = false) {
    return this->stores_.events->DueDeliveries(sub, ordered, now, 100);
  }
  std::vector<std::string> Types(const std::vector<DueDelivery>& due) {
    std::vector<std::string> out;
    for (const auto& d : due) out.push_back(d.event_type);
    return out;
  }
  core::Result<std::vector<std::string>> Attempt(const std::string& sub, int64_t delivery, bool ok,
                                                 std::optional<int64_t> next, int64_t now,
                                                 int64_t disable_after = 1'000'000'000) {
    AttemptOutcome o;
    o.delivery_id = delivery;
    o.subscription_id = sub;
    o.attempt.at_ms = now;
    o.attempt.status_code = ok ? 200 : 500;
    o.attempt.error_class = ok ? "" : "http_status";
    o.succeeded = ok;
    o.next_attempt_at = next;
    return this->stores_.events->RecordAttempts(
        {o}, now, disable_after, [now](const SubscriptionRecord& s) { return SubscriptionDisabledEvent(s, now); });
  }
  OutboxEvent Ping(const std::string& key, int64_t at) {
    OutboxEvent e;
    e.tenant_id = "t";
    e.type = "ping";
    e.ordering_key = key;
    e.payload = R"({"type":"ping"})";
    e.at_ms = at;
    return e;
  }
};
TYPED_TEST_SUITE_P(EventStoreConformance);

TYPED_TEST_P(EventStoreConformance, NoSubscriptionMeansNoEventAndAMatchingOneGetsEachChange) {
  this->InsertQueued("before");  // nobody listens yet: nothing is kept
  this->Subscribe("s1", {"message.*"});
  this->Subscribe("s2", {"message.failed"});
  this->InsertQueued("m1");
  ASSERT_TRUE(this->Claim("m1", 2000));
  this->MarkSent("m1", "wamid.m1", 3000);
  EXPECT_EQ(this->ApplyStatus(this->Event("wamid.m1", core::MessageStatus::kDelivered, 4000), 4000), 1u);
  EXPECT_EQ(this->Types(this->Due("s1")),
            (std::vector<std::string>{"message.queued", "message.sent", "message.delivered"}));
  EXPECT_TRUE(this->Due("s2").empty());
  auto due = this->Due("s1");
  auto body = nlohmann::json::parse(due[1].payload);
  EXPECT_EQ(body["type"], "message.sent");
  EXPECT_EQ(body["data"]["message_id"], "m1");
  EXPECT_EQ(body["data"]["whatsapp_message_id"], "wamid.m1");
  EXPECT_FALSE(due[0].webhook_id.empty());
  EXPECT_NE(due[0].webhook_id, due[1].webhook_id);
}

TYPED_TEST_P(EventStoreConformance, AFailedSendAndCustomerMessagesAreEvents) {
  this->Subscribe("s1", {"*"});
  this->InsertQueued("m1");
  ASSERT_TRUE(this->Claim("m1", 2000));
  this->Record(
      SendOutcome{"m1", SendOutcome::Kind::kFailed, "", 0, GraphError{131026, "Undeliverable", ""}, std::nullopt},
      3000);
  JournalApplication webhook;
  webhook.messages.push_back(this->Inbound("o", "wamid.in1", "4915123456789", 5000, "hello"));
  webhook.messages.push_back(this->Reaction("o", "wamid.r1", "4915123456789", 5001, "wamid.in1", "👍"));
  this->ApplyWebhookCounts(webhook, 6000);
  auto types = this->Types(this->Due("s1"));
  EXPECT_EQ(types, (std::vector<std::string>{"message.queued", "conversation.updated", "message.failed",
                                             "message.received", "conversation.updated", "message.reaction"}));
  // A redelivered webhook changes nothing, so it writes no event.
  this->ApplyWebhookCounts(webhook, 7000);
  EXPECT_EQ(this->Due("s1").size(), types.size());
}

TYPED_TEST_P(EventStoreConformance, AttemptsRetryFailAndSucceed) {
  this->Subscribe("s1", {"message.queued"});
  this->InsertQueued("m1");
  this->InsertQueued("m2");
  auto due = this->Due("s1");
  ASSERT_EQ(due.size(), 2u);
  ASSERT_TRUE(this->Attempt("s1", due[0].id, false, 50'000, 10'000).ok());
  ASSERT_TRUE(this->Attempt("s1", due[1].id, true, std::nullopt, 10'000).ok());
  EXPECT_TRUE(this->Due("s1", 20'000).empty());  // the failed one waits for its retry
  auto again = this->Due("s1", 50'000);
  ASSERT_EQ(again.size(), 1u);
  EXPECT_EQ(again[0].retry_index, 1);
  EXPECT_EQ(again[0].webhook_id, due[0].webhook_id);                              // the same id on every attempt
  ASSERT_TRUE(this->Attempt("s1", due[0].id, false, std::nullopt, 60'000).ok());  // the last one
  auto failed = this->stores_.events->GetDelivery("s1", due[0].id);
  ASSERT_TRUE(failed);
  EXPECT_EQ(failed->status, DeliveryStatus::kFailed);
  ASSERT_EQ(failed->attempts.size(), 2u);
  EXPECT_EQ(failed->attempts[0].status_code, 500);
  DeliveryFilter f;
  f.subscription_id = "s1";
  f.status = DeliveryStatus::kSucceeded;
  EXPECT_EQ(this->stores_.events->ListDeliveries(f).size(), 1u);
  // Replays: one, then all failed since a time.
  auto replayed = this->stores_.events->Replay("s1", due[0].id, 70'000);
  ASSERT_TRUE(replayed.ok());
  EXPECT_EQ(replayed->status, DeliveryStatus::kPending);
  EXPECT_EQ(this->stores_.events->Replay("s1", due[0].id, 70'000).error().kind, core::ErrorKind::kConflict);
  EXPECT_EQ(this->Due("s1", 70'000).size(), 1u);
  EXPECT_EQ(this->Due("s1", 70'000)[0].retry_index, 0);  // a fresh schedule
  ASSERT_TRUE(this->Attempt("s1", due[0].id, false, std::nullopt, 80'000).ok());
  EXPECT_EQ(*this->stores_.events->ReplayAll("s1", 0, DeliveryStatus::kFailed, 90'000), 1);
  EXPECT_EQ(*this->stores_.events->ReplayAll("s1", 0, DeliveryStatus::kFailed, 90'000), 0);
}

// Finished deliveries and the events no delivery needs go, the oldest first and a bounded number per
// call; a pending delivery and its event stay whatever their age.
TYPED_TEST_P(EventStoreConformance, PruneForgetsFinishedDeliveriesInBoundedChunks) {
  this->Subscribe("s1", {"message.queued"});
  for (const char* id : {"m1", "m2", "m3"}) this->InsertQueued(id);
  auto due = this->Due("s1");
  ASSERT_EQ(due.size(), 3u);
  ASSERT_TRUE(this->Attempt("s1", due[0].id, true, std::nullopt, 10'000).ok());
  ASSERT_TRUE(this->Attempt("s1", due[1].id, false, std::nullopt, 11'000).ok());  // failed for good
  auto& events = *this->stores_.events;
  EXPECT_EQ(events.Prune(5'000, 10), 0);  // finished after the cut-off: kept
  EXPECT_EQ(events.Prune(20'000, 1), 2);  // the oldest delivery, then its event
  EXPECT_FALSE(events.GetDelivery("s1", due[0].id));
  ASSERT_TRUE(events.GetDelivery("s1", due[1].id));
  EXPECT_EQ(events.Prune(20'000, 1), 2);
  EXPECT_EQ(events.Prune(20'000, 1), 0);  // the pending one is never due
  auto pending = this->Due("s1", 20'000);
  ASSERT_EQ(pending.size(), 1u);
  EXPECT_EQ(pending[0].id, due[2].id);
  EXPECT_FALSE(pending[0].payload.empty());  // its event is still there
}

TYPED_TEST_P(EventStoreConformance, OrderedSubscriptionsReleaseOnlyEachConversationsHead) {
  this->Subscribe("s1", {"ping"}, true);
  auto a1 = *this->stores_.events->PublishTo("s1", this->Ping("a", 1000));
  auto b1 = *this->stores_.events->PublishTo("s1", this->Ping("b", 1001));
  auto a2 = *this->stores_.events->PublishTo("s1", this->Ping("a", 1002));
  auto heads = this->Due("s1", 10'000, true);
  ASSERT_EQ(heads.size(), 2u);
  EXPECT_EQ(heads[0].id, a1);
  EXPECT_EQ(heads[1].id, b1);
  // a1 fails and waits: a2 stays behind it; b's conversation is not held back.
  ASSERT_TRUE(this->Attempt("s1", a1, false, 50'000, 10'000).ok());
  ASSERT_TRUE(this->Attempt("s1", b1, true, std::nullopt, 10'000).ok());
  EXPECT_TRUE(this->Due("s1", 20'000, true).empty());
  ASSERT_TRUE(this->Attempt("s1", a1, true, std::nullopt, 50'000).ok());
  heads = this->Due("s1", 60'000, true);
  ASSERT_EQ(heads.size(), 1u);
  EXPECT_EQ(heads[0].id, a2);
}

TYPED_TEST_P(EventStoreConformance, ContinuousFailureDisablesAndTellsTheOtherSubscriptions) {
  this->Subscribe("s1", {"message.queued"});
  this->Subscribe("s2", {"subscription.disabled"});
  this->InsertQueued("m1");
  auto d = this->Due("s1")[0].id;
  ASSERT_TRUE(this->Attempt("s1", d, false, 20'000, 10'000, 30'000)->empty());  // the streak starts
  ASSERT_TRUE(this->Attempt("s1", d, false, 40'000, 30'000, 30'000)->empty());  // 20 s: not yet
  auto disabled = this->Attempt("s1", d, false, 60'000, 45'000, 30'000);        // 35 s: disabled
  ASSERT_TRUE(disabled.ok());
  EXPECT_EQ(*disabled, (std::vector<std::string>{"s1"}));
  auto s1 = this->stores_.events->GetSubscription(std::nullopt, "s1");
  ASSERT_TRUE(s1);
  EXPECT_FALSE(s1->enabled);
  EXPECT_TRUE(s1->disabled_reason);
  EXPECT_EQ(this->Types(this->Due("s2")), (std::vector<std::string>{"subscription.disabled"}));
  // A disabled subscription gets no new events.
  this->InsertQueued("m2");
  EXPECT_EQ(this->Due("s1", 1'000'000).size(), 1u);
}

TYPED_TEST_P(EventStoreConformance, TenantsSeeOnlyTheirOwn) {
  ASSERT_TRUE(this->stores_.tenants->CreateTenant(TenantRecord{"t2", "T2", std::nullopt, 1}).ok());
  this->Subscribe("s1", {"*"});
  this->Subscribe("other", {"*"}, false, "t2");
  EXPECT_TRUE(this->stores_.events->GetSubscription(std::string("t"), "s1"));
  EXPECT_FALSE(this->stores_.events->GetSubscription(std::string("t"), "other"));
  EXPECT_EQ(this->stores_.events->ListSubscriptions(std::string("t")).size(), 1u);
  EXPECT_EQ(
      this->stores_.events->UpdateSubscription(std::string("t"), "other", [](SubscriptionRecord&) {}).error().kind,
      core::ErrorKind::kNotFound);
  EXPECT_FALSE(this->stores_.events->DeleteSubscription(std::string("t"), "other").ok());
  this->InsertQueued("m1");  // tenant t's message: t2's subscription hears nothing
  EXPECT_TRUE(this->Due("other").empty());
  EXPECT_EQ(this->Due("s1").size(), 2u);  // message.queued, conversation.updated
  ASSERT_TRUE(this->stores_.events->DeleteSubscription(std::nullopt, "s1").ok());
  EXPECT_TRUE(this->Due("s1").empty());
  // A deleted tenant takes its subscriptions (and their secrets) with it.
  ASSERT_TRUE(this->stores_.tenants->DeleteTenant("t2").ok());
  EXPECT_FALSE(this->stores_.events->GetSubscription(std::nullopt, "other"));
}

TYPED_TEST_P(EventStoreConformance, HooksOnePerScope) {
  PresendHookRecord h;
  h.id = "h1";
  h.tenant_id = "t";
  h.url = "https://example.com/check";
  h.secret_sealed = "sealed";
  EXPECT_TRUE(this->stores_.events->CreateHook(h).ok());
  h.id = "h2";
  EXPECT_EQ(this->stores_.events->CreateHook(h).error().kind, core::ErrorKind::kConflict);
  h.outlet_id = "o";
  EXPECT_TRUE(this->stores_.events->CreateHook(h).ok());
  h.id = "h3";
  h.outlet_id = "nope";
  EXPECT_EQ(this->stores_.events->CreateHook(h).error().kind, core::ErrorKind::kNotFound);
  EXPECT_EQ(this->stores_.events->ListHooks(std::string("t")).size(), 2u);
  EXPECT_FALSE(this->stores_.events->DeleteHook(std::string("t2"), "h1").ok());
  EXPECT_TRUE(this->stores_.events->DeleteHook(std::string("t"), "h1").ok());
  EXPECT_EQ(this->stores_.events->ListHooks(std::nullopt).size(), 1u);
}

REGISTER_TYPED_TEST_SUITE_P(EventStoreConformance, NoSubscriptionMeansNoEventAndAMatchingOneGetsEachChange,
                            AFailedSendAndCustomerMessagesAreEvents, AttemptsRetryFailAndSucceed,
                            PruneForgetsFinishedDeliveriesInBoundedChunks,
                            OrderedSubscriptionsReleaseOnlyEachConversationsHead,
                            ContinuousFailureDisablesAndTellsTheOtherSubscriptions, TenantsSeeOnlyTheirOwn,
                            HooksOnePerScope);

}  // namespace wagate::store::conformance
