#include "wagate/conversation/contact_windows.hpp"

#include <gtest/gtest.h>

namespace wagate::conversation {

constexpr int64_t kHour = 3600 * 1000;

TEST(ContactWindows, OpenFor24HoursAfterTheCustomersLastMessage) {
  ContactWindows windows;
  EXPECT_FALSE(windows.IsOpen("o", "+4915123456789", 0));
  windows.RecordInbound("o", "4915123456789", 10 * kHour);  // Meta's wa_id: digits only
  EXPECT_TRUE(windows.IsOpen("o", "+49 151 2345-6789", 10 * kHour));
  EXPECT_TRUE(windows.IsOpen("o", "+4915123456789", 34 * kHour - 1));
  EXPECT_FALSE(windows.IsOpen("o", "+4915123456789", 34 * kHour));
}

TEST(ContactWindows, ANewerMessageRefreshesAndAnOlderOneDoesNot) {
  ContactWindows windows;
  windows.RecordInbound("o", "+1", 20 * kHour);
  windows.RecordInbound("o", "+1", 5 * kHour);  // out-of-order webhook
  EXPECT_TRUE(windows.IsOpen("o", "+1", 43 * kHour));
  windows.RecordInbound("o", "+1", 40 * kHour);
  EXPECT_TRUE(windows.IsOpen("o", "+1", 63 * kHour));
}

TEST(ContactWindows, WindowsArePerOutlet) {
  ContactWindows windows;
  windows.RecordInbound("o1", "+1", 0);
  EXPECT_TRUE(windows.IsOpen("o1", "+1", 1));
  EXPECT_FALSE(windows.IsOpen("o2", "+1", 1));
}

}  // namespace wagate::conversation
