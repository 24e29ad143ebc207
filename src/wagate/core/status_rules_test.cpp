#include "wagate/core/status_rules.hpp"

#include <gtest/gtest.h>

namespace wagate::core {
namespace {

StatusEvent Event(MessageStatus s, int64_t at) {
  StatusEvent e;
  e.wamid = "wamid.A";
  e.status = s;
  e.at_ms = at;
  return e;
}

TEST(StatusRulesTest, ReadFillsTheSkippedDeliveredButNeverBeforeTheSend) {
  StatusState sent{MessageStatus::kSent, 2500, std::nullopt, std::nullopt, std::nullopt, std::nullopt};
  auto read = DecideStatus(sent, Event(MessageStatus::kRead, 2000), 9000);  // Meta's whole seconds
  ASSERT_TRUE(read.has_value());
  EXPECT_EQ(read->status, MessageStatus::kRead);
  EXPECT_EQ(read->sent_at, 2500);
  EXPECT_EQ(read->delivered_at, 2500);
  EXPECT_EQ(read->read_at, 2500);
}

// Read then a late delivered ends where delivered then read does: the arrival order does not matter.
TEST(StatusRulesTest, ALateDeliveredCorrectsTheTimeReadImplied) {
  StatusState sent{MessageStatus::kSent, 1000, std::nullopt, std::nullopt, std::nullopt, std::nullopt};
  auto read_first = DecideStatus(sent, Event(MessageStatus::kRead, 5000), 9000);
  ASSERT_TRUE(read_first.has_value());
  auto then_delivered = DecideStatus(*read_first, Event(MessageStatus::kDelivered, 3000), 9000);
  ASSERT_TRUE(then_delivered.has_value());
  auto delivered_first = DecideStatus(sent, Event(MessageStatus::kDelivered, 3000), 9000);
  auto then_read = DecideStatus(*delivered_first, Event(MessageStatus::kRead, 5000), 9000);
  EXPECT_EQ(then_delivered->status, MessageStatus::kRead);
  EXPECT_EQ(then_delivered->delivered_at, then_read->delivered_at);
  EXPECT_EQ(then_delivered->read_at, then_read->read_at);
  EXPECT_EQ(then_delivered->delivered_at, 3000);
  // Repeated, or later than what is known: nothing to decide; never before the send.
  EXPECT_FALSE(DecideStatus(*then_delivered, Event(MessageStatus::kDelivered, 3000), 9000).has_value());
  EXPECT_FALSE(DecideStatus(*then_delivered, Event(MessageStatus::kDelivered, 4000), 9000).has_value());
  EXPECT_EQ(DecideStatus(*read_first, Event(MessageStatus::kDelivered, 500), 9000)->delivered_at, 1000);
}

TEST(StatusRulesTest, BackwardAndRepeatedEventsAreNotDecisions) {
  StatusState delivered{MessageStatus::kDelivered, 1, 2, std::nullopt, std::nullopt, std::nullopt};
  EXPECT_FALSE(DecideStatus(delivered, Event(MessageStatus::kSent, 3), 4).has_value());
  EXPECT_FALSE(DecideStatus(delivered, Event(MessageStatus::kDelivered, 3), 4).has_value());
  EXPECT_FALSE(DecideStatus(delivered, Event(MessageStatus::kFailed, 3), 4).has_value());  // reached the phone
}

TEST(StatusRulesTest, FailedIsTerminalAndCarriesMetasErrorOrADefault) {
  StatusState sending{MessageStatus::kSending, std::nullopt, std::nullopt, std::nullopt, std::nullopt, std::nullopt};
  auto failed = DecideStatus(sending, Event(MessageStatus::kFailed, 0), 7000);
  ASSERT_TRUE(failed.has_value());
  EXPECT_EQ(failed->failed_at, 7000);  // no timestamp from Meta: now
  ASSERT_TRUE(failed->error.has_value());
  EXPECT_EQ(failed->error->title, "failed");
  EXPECT_FALSE(DecideStatus(*failed, Event(MessageStatus::kRead, 8000), 8000).has_value());
}

TEST(StatusRulesTest, ACallbackIdIsTrustedOnlyWithoutAnotherWamid) {
  StatusMatch fresh{"m1", std::nullopt, {}};
  StatusMatch same{"m1", std::string("wamid.A"), {}};
  StatusMatch other{"m1", std::string("wamid.B"), {}};
  StatusEvent e = Event(MessageStatus::kSent, 1);
  EXPECT_TRUE(TrustCallbackMatch(fresh, e));
  EXPECT_TRUE(TrustCallbackMatch(same, e));
  EXPECT_FALSE(TrustCallbackMatch(other, e));
}

}  // namespace
}  // namespace wagate::core
