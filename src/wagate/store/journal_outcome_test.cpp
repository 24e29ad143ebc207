#include "wagate/store/journal_outcome.hpp"

#include <gtest/gtest.h>

namespace wagate::store {

TEST(JournalOutcome, AppliedWhenAnythingNewTookEffect) {
  ApplyCounts c;
  c.statuses = 1;
  c.duplicates = 4;
  c.skipped["unknown_phone_number_id"] = 2;
  EXPECT_EQ(DecideOutcome(c).outcome, "applied");
  EXPECT_FALSE(DecideOutcome(c).reason.has_value());
}

TEST(JournalOutcome, SkippedNamesTheMainReason) {
  ApplyCounts c;
  c.skipped["unknown_message"] = 1;
  c.skipped["unknown_phone_number_id"] = 3;
  c.duplicates = 2;
  EXPECT_EQ(DecideOutcome(c).outcome, "skipped");
  EXPECT_EQ(DecideOutcome(c).reason, "unknown_phone_number_id");
  ApplyCounts dup;
  dup.duplicates = 5;
  EXPECT_EQ(DecideOutcome(dup).reason, "duplicate");
  EXPECT_EQ(DecideOutcome(ApplyCounts{}).reason, "empty");
}

TEST(JournalOutcome, CountsJsonLeavesZerosOut) {
  ApplyCounts c;
  c.messages = 2;
  c.skipped["unhandled_field"] = 1;
  EXPECT_EQ(CountsJson(c), R"({"messages":2,"skipped":{"unhandled_field":1}})");
}

}  // namespace wagate::store
