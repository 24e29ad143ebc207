#include "wagate/sandbox/graph/fault_injector.hpp"

#include <gtest/gtest.h>

#include <map>

namespace wagate::sandbox {
namespace {

using Kind = FaultDecision::Kind;

std::map<Kind, int> Roll(FaultInjector& faults, int n) {
  std::map<Kind, int> counts;
  for (int i = 0; i < n; ++i) ++counts[faults.RollRequest().kind];
  return counts;
}

TEST(FaultInjectorTest, NoFaultsByDefault) {
  FaultInjector faults(FaultSettings{}, 1);
  EXPECT_EQ(Roll(faults, 1000)[Kind::kNone], 1000);
  EXPECT_FALSE(faults.RollDuplicate());
}

TEST(FaultInjectorTest, SeededRatesAreRoughlyRight) {
  FaultSettings s;
  s.fail_rate = 0.2;
  s.timeout_rate = 0.1;
  s.throttle_rate = 0.1;
  s.error_code = 131026;
  s.error_rate = 0.05;
  FaultInjector faults(s, 42);
  auto counts = Roll(faults, 100'000);
  EXPECT_NEAR(counts[Kind::kFail], 20'000, 1'000);
  EXPECT_NEAR(counts[Kind::kTimeout], 10'000, 700);
  EXPECT_NEAR(counts[Kind::kThrottle], 10'000, 700);
  EXPECT_NEAR(counts[Kind::kError], 5'000, 500);
  EXPECT_NEAR(counts[Kind::kNone], 55'000, 1'500);
}

TEST(FaultInjectorTest, EarlierFaultsShadowLaterOnesWhenRatesSumPastOne) {
  FaultSettings s;
  s.error_code = 131026;
  s.error_rate = 1.0;
  s.fail_rate = 1.0;
  FaultInjector faults(s, 3);
  for (int i = 0; i < 100; ++i) ASSERT_EQ(faults.RollRequest().kind, Kind::kFail);
}

TEST(FaultInjectorTest, ErrorDecisionCarriesTheChosenCode) {
  FaultSettings s;
  s.error_code = 131047;
  s.error_rate = 1.0;
  FaultInjector faults(s, 7);
  FaultDecision d = faults.RollRequest();
  EXPECT_EQ(d.kind, Kind::kError);
  EXPECT_EQ(d.error_code, 131047);
}

TEST(FaultInjectorTest, SameSeedSameSequence) {
  FaultSettings s;
  s.fail_rate = 0.5;
  FaultInjector a(s, 99), b(s, 99);
  for (int i = 0; i < 200; ++i) ASSERT_EQ(a.RollRequest().kind, b.RollRequest().kind);
}

TEST(FaultInjectorTest, DuplicateRate) {
  FaultSettings s;
  s.duplicate_rate = 0.3;
  FaultInjector faults(s, 5);
  int duplicates = 0;
  for (int i = 0; i < 20'000; ++i) duplicates += faults.RollDuplicate() ? 1 : 0;
  EXPECT_NEAR(duplicates, 6'000, 400);
}

TEST(FaultInjectorTest, UpdateRejectsInvalidSettingsAndKeepsTheOldOnes) {
  FaultInjector faults(FaultSettings{}, 1);
  FaultSettings bad;
  bad.fail_rate = 1.5;
  EXPECT_NE(faults.Update(bad), "");
  FaultSettings no_code;
  no_code.error_rate = 0.1;
  EXPECT_NE(faults.Update(no_code), "");
  EXPECT_EQ(faults.settings().fail_rate, 0.0);

  FaultSettings good;
  good.fail_rate = 1.0;
  EXPECT_EQ(faults.Update(good), "");
  EXPECT_EQ(faults.RollRequest().kind, Kind::kFail);
}

}  // namespace
}  // namespace wagate::sandbox
