// Conformance suite of store::ConversationStore, and of the conversation side effects of
// WebhookJournal::Apply (customers' messages, reactions) and MessageStore::Accept (sends): one
// conversation per (outlet, customer), exactly-once messages, an end state independent of arrival
// order, and keyset pages without gaps or repeats.
#pragma once

#include <algorithm>
#include <random>

#include "wagate/store/conformance/store_fixture.hpp"

namespace wagate::store::conformance {

template <typename Backend>
class ConversationStoreConformance : public StoreTest<Backend> {
 protected:
  static constexpr const char* kCustomer = "4915123456789";

  ConversationRecord Only(const std::string& outlet_id) {
    ConversationFilter f;
    f.outlet_id = outlet_id;
    auto list = this->stores_.conversations->List(f);
    EXPECT_EQ(list.size(), 1u);
    return list.empty() ? ConversationRecord{} : list[0];
  }
  std::vector<HistoryItem> History(const std::string& conversation_id, int64_t limit = 100) {
    HistoryFilter f;
    f.conversation_id = conversation_id;
    f.limit = limit;
    return this->stores_.conversations->History(f);
  }
  void Send(const std::string& id, int64_t at, const std::string& to = "+4915123456789",
            const std::string& type = "text") {
    AcceptRequest request;
    request.message = this->Queued(id);
    request.message.to_number = to;
    request.message.message_type = type;
    request.message.created_at = at;
    request.message.body_text = "out " + id;
    request.message.conversation_id = "crm-thread-7";
    request.month = "2026-12";
    ASSERT_TRUE(this->Accept(request).ok());
  }
  core::Result<ConversationRecord> MarkRead(const std::string& id) {
    std::promise<core::Result<ConversationRecord>> done;
    this->stores_.conversations->MarkRead(
        id, 99'000, [&done](core::Result<ConversationRecord> r) { done.set_value(std::move(r)); });
    return done.get_future().get();
  }
};
TYPED_TEST_SUITE_P(ConversationStoreConformance);

TYPED_TEST_P(ConversationStoreConformance, ACustomerMessageOpensOneConversationAndCountsOnce) {
  JournalApplication webhook;
  auto first = this->Inbound("o", "wamid.1", this->kCustomer, 5000, "hello");
  first.message.profile_name = "Ana";
  webhook.messages.push_back(first);
  webhook.messages.push_back(this->Inbound("o", "wamid.2", this->kCustomer, 6000, "are you there?"));
  auto counts = this->ApplyWebhookCounts(webhook, 7000);
  EXPECT_EQ(counts.messages, 2);
  auto again = this->ApplyWebhookCounts(webhook, 8000);  // redelivered: nothing twice
  EXPECT_EQ(again.messages, 0);
  EXPECT_EQ(again.duplicates, 2);

  auto c = this->Only("o");
  EXPECT_EQ(c.tenant_id, "t");
  EXPECT_EQ(c.wa_id, this->kCustomer);
  EXPECT_EQ(c.profile_name, "Ana");
  EXPECT_EQ(c.unread_count, 2);
  EXPECT_EQ(c.last_inbound_at, 6000);
  ASSERT_TRUE(c.last_message.has_value());
  EXPECT_EQ(c.last_message->preview, "are you there?");
  EXPECT_EQ(c.last_message->direction, Direction::kInbound);
  EXPECT_EQ(this->stores_.conversations->Get(c.id)->unread_count, 2);
  auto history = this->History(c.id);
  ASSERT_EQ(history.size(), 2u);
  EXPECT_EQ(history[0].wamid, "wamid.1");
  ASSERT_TRUE(history[0].inbound.has_value());
  EXPECT_EQ(history[0].inbound->content, R"({"body":"hello"})");
  EXPECT_EQ(history[0].inbound->from, this->kCustomer);
  ConversationFilter other;
  other.outlet_id = "o2";
  EXPECT_TRUE(this->stores_.conversations->List(other).empty());
}

TYPED_TEST_P(ConversationStoreConformance, SendsJoinTheConversationInBothDirections) {
  this->Send("msg_a", 1000);
  JournalApplication webhook;
  webhook.messages.push_back(this->Inbound("o", "wamid.in", this->kCustomer, 2000, "thanks"));
  this->ApplyWebhook(webhook, 2500);
  this->Send("msg_b", 3000);
  this->Send("msg_read", 3500, "", "mark_read");  // reaches no customer: in no conversation
  auto c = this->Only("o");
  EXPECT_EQ(c.unread_count, 1);
  EXPECT_EQ(c.last_message->id, "msg_b");
  EXPECT_EQ(c.last_message->direction, Direction::kOutbound);
  EXPECT_EQ(c.last_message->preview, "out msg_b");
  auto history = this->History(c.id);
  ASSERT_EQ(history.size(), 3u);
  EXPECT_EQ(history[0].id, "msg_a");
  EXPECT_EQ(history[0].direction, Direction::kOutbound);
  EXPECT_EQ(history[0].caller_conversation_id, "crm-thread-7");
  EXPECT_EQ(history[0].status, core::MessageStatus::kQueued);
  EXPECT_EQ(history[1].direction, Direction::kInbound);
  EXPECT_EQ(history[2].id, "msg_b");
  HistoryFilter outbound{c.id, Direction::kOutbound, std::nullopt, 10};
  EXPECT_EQ(this->stores_.conversations->History(outbound).size(), 2u);
  HistoryFilter inbound{c.id, Direction::kInbound, std::nullopt, 10};
  EXPECT_EQ(this->stores_.conversations->History(inbound).size(), 1u);
  MessageListFilter by_thread;
  by_thread.tenant_id = "t";
  by_thread.conversation_id = "crm-thread-7";
  EXPECT_EQ(this->stores_.messages->List(by_thread).size(), 3u);  // the caller's id, as given
}

TYPED_TEST_P(ConversationStoreConformance, ReactionsFollowMetaTimeNotArrival) {
  this->Send("msg_a", 1000);
  this->Claim("msg_a", 1100);
  this->MarkSent("msg_a", "wamid.out", 1200);
  auto react = [&](const std::string& wamid, int64_t at, const std::string& emoji) {
    JournalApplication w;
    w.messages.push_back(this->Reaction("o", wamid, this->kCustomer, at, "wamid.out", emoji));
    return this->ApplyWebhookCounts(w, 9000);
  };
  EXPECT_EQ(react("wamid.r1", 2000, "👍").reactions, 1);
  EXPECT_EQ(react("wamid.r3", 4000, "❤️").reactions, 1);  // changed
  EXPECT_EQ(react("wamid.r2", 3000, "😮").duplicates, 1);      // older, late: ignored
  auto c = this->Only("o");
  EXPECT_EQ(c.unread_count, 0);  // a reaction is not a message to read
  auto history = this->History(c.id);
  ASSERT_EQ(history.size(), 1u);
  ASSERT_EQ(history[0].reactions.size(), 1u);
  EXPECT_EQ(history[0].reactions[0].emoji, "❤️");
  EXPECT_EQ(history[0].reactions[0].from, this->kCustomer);
  EXPECT_EQ(react("wamid.r4", 5000, "").reactions, 1);  // removed
  EXPECT_TRUE(this->History(c.id)[0].reactions.empty());
  EXPECT_EQ(react("wamid.r3", 4000, "❤️").duplicates, 1);  // a redelivery never brings it back
  EXPECT_TRUE(this->History(c.id)[0].reactions.empty());
}

TYPED_TEST_P(ConversationStoreConformance, AReactionBeforeItsMessageIsKeptForIt) {
  JournalApplication early;
  early.messages.push_back(this->Reaction("o", "wamid.r", this->kCustomer, 3000, "wamid.in", "🎉"));
  auto counts = this->ApplyWebhookCounts(early, 4000);
  EXPECT_EQ(counts.skipped["unknown_message"], 1);
  JournalApplication message;
  message.messages.push_back(this->Inbound("o", "wamid.in", this->kCustomer, 2000));
  this->ApplyWebhook(message, 5000);
  auto history = this->History(this->Only("o").id);
  ASSERT_EQ(history.size(), 1u);
  ASSERT_EQ(history[0].reactions.size(), 1u);
  EXPECT_EQ(history[0].reactions[0].emoji, "🎉");
}

// The same events in another order end in the same state: outlet "o" gets them in order, "o2" shuffled.
TYPED_TEST_P(ConversationStoreConformance, ArrivalOrderDoesNotChangeTheEndState) {
  std::vector<std::pair<InboundWrite, InboundWrite>> events;
  for (int i = 0; i < 40; ++i) {
    std::string customer = "49151000000" + std::to_string(i % 4);
    std::string wamid = "wamid." + std::to_string(i);
    int64_t at = 1000 + (i / 3) * 1000;  // several share a second, as Meta's timestamps do
    if (i % 5 == 4) {
      std::string target = "wamid." + std::to_string(i - 4);
      std::string emoji = i % 10 == 9 ? "" : "👍";
      events.emplace_back(this->Reaction("o", wamid, customer, at, target, emoji),
                          this->Reaction("o2", wamid, customer, at, target, emoji));
    } else {
      auto a = this->Inbound("o", wamid, customer, at, "m" + std::to_string(i));
      a.message.profile_name = "name" + std::to_string(i);
      auto b = a;
      b.outlet_id = "o2";
      b.id = "in_o2_" + wamid;
      a.id = "in_o_" + wamid;
      events.emplace_back(a, b);
    }
  }
  std::vector<size_t> order(events.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  JournalApplication in_order;
  for (size_t i : order) in_order.messages.push_back(events[i].first);
  this->ApplyWebhook(in_order, 50'000);
  std::mt19937 rng(7);
  for (int round = 0; round < 2; ++round) {  // shuffled, and every event twice
    std::shuffle(order.begin(), order.end(), rng);
    for (size_t i : order) {
      JournalApplication one;
      one.messages.push_back(events[i].second);
      this->ApplyWebhook(one, 50'000);
    }
  }
  auto summary = [&](const std::string& outlet) {
    ConversationFilter f;
    f.outlet_id = outlet;
    auto list = this->stores_.conversations->List(f);
    std::vector<std::string> lines;
    for (const auto& c : list) {
      std::string line = c.wa_id + " " + c.profile_name.value_or("-") + " unread=" + std::to_string(c.unread_count) +
                         " last=" + c.last_message->preview + " in=" + std::to_string(*c.last_inbound_at);
      for (const auto& h : this->History(c.id)) {
        line += " | " + *h.wamid;
        for (const auto& r : h.reactions) line += " " + r.emoji;
      }
      lines.push_back(line);
    }
    std::sort(lines.begin(), lines.end());
    return lines;
  };
  auto expected = summary("o");
  ASSERT_EQ(expected.size(), 4u);
  EXPECT_EQ(summary("o2"), expected);
}

TYPED_TEST_P(ConversationStoreConformance, MarkReadClearsUnread) {
  JournalApplication webhook;
  webhook.messages.push_back(this->Inbound("o", "wamid.1", this->kCustomer, 5000));
  this->ApplyWebhook(webhook, 6000);
  auto c = this->Only("o");
  auto read = this->MarkRead(c.id);
  ASSERT_TRUE(read.ok());
  EXPECT_EQ(read->unread_count, 0);
  EXPECT_EQ(this->stores_.conversations->Get(c.id)->unread_count, 0);
  auto newest = this->stores_.conversations->NewestInbound(c.id);
  ASSERT_TRUE(newest.has_value());
  EXPECT_EQ(newest->wamid, "wamid.1");
  auto unknown = this->MarkRead("cnv_nope");
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.error().kind, core::ErrorKind::kNotFound);
  ConversationFilter unread;
  unread.unread_only = true;
  EXPECT_TRUE(this->stores_.conversations->List(unread).empty());
}

// Pages follow (updated_at, id) newest first, and (time, direction, id) oldest first: walking them
// sees every item exactly once, also while new ones arrive.
TYPED_TEST_P(ConversationStoreConformance, PagesHaveNoGapsOrRepeats) {
  JournalApplication webhook;
  for (int i = 0; i < 25; ++i) {
    webhook.messages.push_back(
        this->Inbound("o", "wamid.c" + std::to_string(i), "4915100000" + std::to_string(100 + i), 1000 + i));
  }
  this->ApplyWebhook(webhook, 2000);
  std::set<std::string> seen;
  ConversationFilter f;
  f.outlet_id = "o";
  f.limit = 7;
  for (int pages = 0; pages < 10; ++pages) {
    auto page = this->stores_.conversations->List(f);
    for (const auto& c : page) EXPECT_TRUE(seen.insert(c.id).second) << "repeated " << c.id;
    if (page.size() < 7) break;
    f.after = ConversationCursor{page.back().updated_at, page.back().id};
  }
  EXPECT_EQ(seen.size(), 25u);
  ConversationFilter since;
  since.updated_since_ms = 2001;
  EXPECT_TRUE(this->stores_.conversations->List(since).empty());

  // One customer's history, paged while messages keep arriving.
  JournalApplication first;
  for (int i = 0; i < 10; ++i)
    first.messages.push_back(this->Inbound("o2", "wamid.h" + std::to_string(i), this->kCustomer, 10'000 + i * 10));
  this->ApplyWebhook(first, 20'000);
  auto conversation = this->Only("o2");
  std::vector<std::string> walked;
  HistoryFilter h{conversation.id, std::nullopt, std::nullopt, 4};
  int next = 10;
  for (int pages = 0; pages < 10; ++pages) {
    auto page = this->stores_.conversations->History(h);
    for (const auto& item : page) walked.push_back(*item.wamid);
    if (next < 14) {  // a new message arrives between pages
      JournalApplication more;
      more.messages.push_back(
          this->Inbound("o2", "wamid.h" + std::to_string(next), this->kCustomer, 10'000 + next * 10));
      ++next;
      this->ApplyWebhook(more, 20'000);
    }
    if (page.empty()) break;
    h.after = HistoryCursor{page.back().at_ms, page.back().direction, page.back().id};
  }
  ASSERT_EQ(walked.size(), 14u);
  for (int i = 0; i < 14; ++i) EXPECT_EQ(walked[static_cast<size_t>(i)], "wamid.h" + std::to_string(i));
}

REGISTER_TYPED_TEST_SUITE_P(ConversationStoreConformance, ACustomerMessageOpensOneConversationAndCountsOnce,
                            SendsJoinTheConversationInBothDirections, ReactionsFollowMetaTimeNotArrival,
                            AReactionBeforeItsMessageIsKeptForIt, ArrivalOrderDoesNotChangeTheEndState,
                            MarkReadClearsUnread, PagesHaveNoGapsOrRepeats);

}  // namespace wagate::store::conformance
