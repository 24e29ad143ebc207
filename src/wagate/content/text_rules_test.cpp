#include "wagate/content/text_rules.hpp"

#include <gtest/gtest.h>

namespace wagate::content {

TEST(TextRules, SingleEmojiGraphemes) {
  for (const char* ok :
       {"😀", "👍🏽", "❤️", "👨‍👩‍👧", "🇧🇷", "1️⃣", "🏴󠁧󠁢󠁥󠁮󠁧󠁿", "é"}) {
    EXPECT_TRUE(IsSingleNonAsciiGrapheme(ok)) << ok;
  }
  for (const char* bad : {"", "ok", "a", "1", "😀😀", "😀 ", " 😀", "😀\u200D", "\uFE0F", "🇧🇷🇧"}) {
    EXPECT_FALSE(IsSingleNonAsciiGrapheme(bad)) << bad;
  }
}

TEST(TextRules, HttpUrls) {
  EXPECT_TRUE(IsHttpUrl("https://x.io"));
  EXPECT_TRUE(IsHttpUrl("HTTP://x.io:8080/a?b#c"));
  EXPECT_TRUE(IsHttpUrl("https://user@[::1]:443/a"));
  EXPECT_FALSE(IsHttpUrl("ftp://x.io"));
  EXPECT_FALSE(IsHttpUrl("https://"));
  EXPECT_FALSE(IsHttpUrl("https://:80/a"));
  EXPECT_FALSE(IsHttpUrl("https://x.io/a b"));
  EXPECT_FALSE(IsHttpUrl("x.io"));
}

TEST(TextRules, DatesAndCodes) {
  EXPECT_TRUE(IsIsoDate("2024-02-29"));
  EXPECT_FALSE(IsIsoDate("2023-02-29"));
  EXPECT_FALSE(IsIsoDate("1990-13-01"));
  EXPECT_FALSE(IsIsoDate("1990-1-01"));
  EXPECT_TRUE(IsLanguageCode("en"));
  EXPECT_TRUE(IsLanguageCode("fil"));
  EXPECT_TRUE(IsLanguageCode("pt_BR"));
  EXPECT_FALSE(IsLanguageCode("en_us"));
  EXPECT_FALSE(IsLanguageCode("en_"));
  EXPECT_FALSE(IsLanguageCode("english"));
  EXPECT_TRUE(IsCurrencyCode("USD"));
  EXPECT_FALSE(IsCurrencyCode("US"));
  EXPECT_TRUE(IsTemplateParameterText("a    b"));  // four spaces are fine
  EXPECT_FALSE(IsTemplateParameterText("a     b"));
  EXPECT_FALSE(IsTemplateParameterText("a\tb"));
}

}  // namespace wagate::content
