#include "wagate/core/phone.hpp"

#include <gtest/gtest.h>

namespace wagate::core {

TEST(PhoneNumber, NormalisesInternationalNumbersToE164) {
  EXPECT_EQ(NormalizePhoneNumber("+628123456789"), "+628123456789");
  EXPECT_EQ(NormalizePhoneNumber("+1 (415) 555-2671"), "+14155552671");
  EXPECT_EQ(NormalizePhoneNumber("447911123456"), "+447911123456");  // wa_id form, digits only
  // A national prefix kept after the country code is dropped, as libphonenumber drops it.
  EXPECT_EQ(NormalizePhoneNumber("+44 (0)20 7946 0958"), "+442079460958");
}

TEST(PhoneNumber, RejectsWhatMetaWouldMisroute) {
  for (const char* bad : {"", "+", "abc", "+62abc8123", "12345", "+999123456789", "+1 555", "0812345678",
                          "++628123456789", "+6281234567890123456789"}) {
    EXPECT_FALSE(NormalizePhoneNumber(bad).has_value()) << bad;
  }
}

}  // namespace wagate::core
