#include "wagate/core/message_status.hpp"

#include <gtest/gtest.h>

namespace wagate::core {

TEST(MessageStatus, MovesForwardOnly) {
  EXPECT_TRUE(CanAdvance(MessageStatus::kQueued, MessageStatus::kSent));
  EXPECT_TRUE(CanAdvance(MessageStatus::kSent, MessageStatus::kRead));
  EXPECT_FALSE(CanAdvance(MessageStatus::kRead, MessageStatus::kDelivered));
  EXPECT_FALSE(CanAdvance(MessageStatus::kDelivered, MessageStatus::kDelivered));
  EXPECT_FALSE(CanAdvance(MessageStatus::kSent, MessageStatus::kQueued));
}

TEST(MessageStatus, FailedIsTerminal) {
  EXPECT_TRUE(CanAdvance(MessageStatus::kSent, MessageStatus::kFailed));
  EXPECT_TRUE(CanAdvance(MessageStatus::kSending, MessageStatus::kFailed));
  EXPECT_FALSE(CanAdvance(MessageStatus::kFailed, MessageStatus::kRead));
  EXPECT_FALSE(CanAdvance(MessageStatus::kFailed, MessageStatus::kFailed));
  EXPECT_FALSE(CanAdvance(MessageStatus::kRead, MessageStatus::kFailed));
}

TEST(MessageStatus, UnknownIsSettledByAnyLaterStatus) {
  EXPECT_TRUE(CanAdvance(MessageStatus::kUnknown, MessageStatus::kSent));
  EXPECT_FALSE(CanAdvance(MessageStatus::kUnknown, MessageStatus::kSending));
}

TEST(MessageStatus, RoundTripsNames) {
  for (auto s : {MessageStatus::kQueued, MessageStatus::kRead, MessageStatus::kFailed, MessageStatus::kUnknown}) {
    EXPECT_EQ(ParseMessageStatus(ToString(s)), s);
  }
  EXPECT_FALSE(ParseMessageStatus("bogus").has_value());
}

}  // namespace wagate::core
