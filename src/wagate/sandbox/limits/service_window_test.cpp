#include "wagate/sandbox/limits/service_window.hpp"

#include <gtest/gtest.h>

namespace wagate::sandbox {
namespace {

constexpr int64_t kDay = 24LL * 3600 * 1000;

TEST(SandboxServiceWindowTest, ClosedUntilTheCustomerWrites) {
  core::FakeClock clock;
  ServiceWindows windows(clock, kDay);
  EXPECT_FALSE(windows.IsOpen("1", "628123456789"));
  windows.RecordInbound("1", "628123456789");
  EXPECT_TRUE(windows.IsOpen("1", "628123456789"));
  EXPECT_EQ(windows.LastInbound("1", "628123456789"), clock.NowMs());
}

TEST(SandboxServiceWindowTest, ClosesAfterTheWindowLengthAndInboundRefreshesIt) {
  core::FakeClock clock;
  ServiceWindows windows(clock, kDay);
  windows.RecordInbound("1", "2");
  clock.Advance(core::Millis(kDay - 1));
  EXPECT_TRUE(windows.IsOpen("1", "2"));
  clock.Advance(core::Millis(1));
  EXPECT_FALSE(windows.IsOpen("1", "2"));
  windows.RecordInbound("1", "2");
  EXPECT_TRUE(windows.IsOpen("1", "2"));
}

TEST(SandboxServiceWindowTest, IsPerNumberAndCustomer) {
  core::FakeClock clock;
  ServiceWindows windows(clock, kDay);
  windows.RecordInbound("111", "5");
  EXPECT_TRUE(windows.IsOpen("111", "5"));
  EXPECT_FALSE(windows.IsOpen("222", "5"));
  EXPECT_FALSE(windows.IsOpen("111", "6"));
  EXPECT_FALSE(windows.IsOpen("11", "15"));
}

TEST(SandboxServiceWindowTest, LastInboundCanBeSetOrForgotten) {
  core::FakeClock clock;
  ServiceWindows windows(clock, kDay);
  windows.SetLastInbound("1", "2", clock.NowMs() - kDay - 1000);
  EXPECT_FALSE(windows.IsOpen("1", "2"));
  windows.SetLastInbound("1", "2", clock.NowMs() - 1000);
  EXPECT_TRUE(windows.IsOpen("1", "2"));
  windows.SetLastInbound("1", "2", std::nullopt);
  EXPECT_FALSE(windows.IsOpen("1", "2"));
  EXPECT_FALSE(windows.LastInbound("1", "2").has_value());
}

TEST(SandboxServiceWindowTest, WindowLengthChangesAtRuntime) {
  core::FakeClock clock;
  ServiceWindows windows(clock, kDay);
  windows.RecordInbound("1", "2");
  clock.Advance(core::Millis(2 * 3600 * 1000));
  EXPECT_TRUE(windows.IsOpen("1", "2"));
  windows.SetWindowMs(3600 * 1000);
  EXPECT_EQ(windows.window_ms(), 3600 * 1000);
  EXPECT_FALSE(windows.IsOpen("1", "2"));
}

TEST(SandboxServiceWindowTest, ClosedWindowsAreForgotten) {
  core::FakeClock clock;
  ServiceWindows windows(clock, 1000);
  for (int i = 0; i < 1000; ++i) windows.RecordInbound("1", std::to_string(i));
  EXPECT_EQ(windows.tracked_customers(), 1000u);
  clock.Advance(core::Millis(ServiceWindows::kSweepPeriodMs));
  windows.RecordInbound("1", "fresh");
  EXPECT_EQ(windows.tracked_customers(), 1u);
  EXPECT_TRUE(windows.IsOpen("1", "fresh"));
}

}  // namespace
}  // namespace wagate::sandbox
