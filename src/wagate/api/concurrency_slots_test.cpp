#include "wagate/api/concurrency_slots.hpp"

#include <gtest/gtest.h>

namespace wagate::api {
namespace {

TEST(ConcurrencySlotsTest, CapsEachTenantAndTheWhole) {
  ConcurrencySlots slots(2, 3);
  auto a1 = slots.TryTake("a");
  auto a2 = slots.TryTake("a");
  ASSERT_TRUE(a1 && a2);
  EXPECT_EQ(slots.TryTake("a"), nullptr);  // tenant a at its cap
  auto b1 = slots.TryTake("b");
  ASSERT_TRUE(b1);
  EXPECT_EQ(slots.TryTake("c"), nullptr);  // the whole at its cap
  EXPECT_EQ(slots.InUse(), 3u);
  a1.reset();                       // a finished: its slot is free for anyone
  EXPECT_TRUE(slots.TryTake("c"));  // taken and freed at once (the ticket is not kept)
  auto a3 = slots.TryTake("a");
  EXPECT_TRUE(a3);
  EXPECT_EQ(slots.InUse(), 3u);
}

}  // namespace
}  // namespace wagate::api
