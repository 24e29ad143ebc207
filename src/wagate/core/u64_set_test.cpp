#include "wagate/core/u64_set.hpp"

#include <gtest/gtest.h>

namespace wagate::core {
namespace {

TEST(U64SetTest, InsertsOnceAndFindsWhatItHolds) {
  U64Set set;
  EXPECT_FALSE(set.Contains(4915100000001));
  EXPECT_TRUE(set.Insert(4915100000001));
  EXPECT_FALSE(set.Insert(4915100000001));
  EXPECT_TRUE(set.Contains(4915100000001));
  EXPECT_FALSE(set.Contains(4915100000002));
  EXPECT_EQ(set.size(), 1U);
}

TEST(U64SetTest, KeepsEveryKeyAcrossGrowth) {
  U64Set set;
  for (uint64_t i = 1; i <= 100000; ++i) ASSERT_TRUE(set.Insert(4915100000000 + i * 7919));
  EXPECT_EQ(set.size(), 100000U);
  for (uint64_t i = 1; i <= 100000; ++i) ASSERT_FALSE(set.Insert(4915100000000 + i * 7919));
  for (uint64_t i = 1; i <= 100000; ++i) ASSERT_TRUE(set.Contains(4915100000000 + i * 7919));
  EXPECT_FALSE(set.Contains(4915100000000));
  EXPECT_EQ(set.size(), 100000U);
}

}  // namespace
}  // namespace wagate::core
