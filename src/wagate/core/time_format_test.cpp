#include "wagate/core/time_format.hpp"

#include <gtest/gtest.h>

namespace wagate::core {

TEST(TimeFormat, ParsesWhatItFormatsAndCommonVariants) {
  EXPECT_EQ(ParseIso8601("1970-01-01T00:00:00Z"), 0);
  EXPECT_EQ(ParseIso8601(FormatIso8601(1764781800123)), 1764781800123);
  EXPECT_EQ(ParseIso8601("2026-12-03T17:10:00Z"), 1796317800000);
  EXPECT_EQ(ParseIso8601("2026-12-03T18:10:00+01:00"), 1796317800000);
  EXPECT_EQ(ParseIso8601("2026-12-03T17:10:00.5Z"), 1796317800500);
  EXPECT_EQ(ParseIso8601("2026-12-03"), 1796256000000);
  EXPECT_EQ(ParseIso8601("2024-02-29T00:00:00Z"), 1709164800000);
}

TEST(TimeFormat, RefusesWhatIsNotATime) {
  for (const char* bad :
       {"", "yesterday", "2026-13-01", "2026-12-32", "2026-12-03T25:00:00Z", "2026-12-03T17:10:00", "2026-12-03T17:10Z",
        "2026-12-03T17:10:00.Z", "2026-12-03T17:10:00+1", "1796317800000", "2026-12-03T17:10:00Zjunk"}) {
    EXPECT_FALSE(ParseIso8601(bad).has_value()) << bad;
  }
}

}  // namespace wagate::core
