#include "wagate/core/json_parse.hpp"

#include <gtest/gtest.h>

#include <string>

namespace wagate::core {
namespace {

std::string Nested(int depth, char open = '[', char close = ']') {
  return std::string(static_cast<size_t>(depth), open) + std::string(static_cast<size_t>(depth), close);
}

TEST(JsonParseTest, DepthUpToTheLimitParses) {
  EXPECT_TRUE(JsonDepthWithin(Nested(kMaxJsonDepth)));
  EXPECT_FALSE(ParseUntrustedJson(Nested(kMaxJsonDepth)).is_discarded());
  EXPECT_FALSE(JsonDepthWithin(Nested(kMaxJsonDepth + 1)));
  EXPECT_TRUE(ParseUntrustedJson(Nested(kMaxJsonDepth + 1)).is_discarded());
}

TEST(JsonParseTest, HundredThousandDeepIsRefusedWithoutRecursing) {
  std::string deep = "{\"a\":" + Nested(100'000) + "}";
  EXPECT_TRUE(ParseUntrustedJson(deep).is_discarded());
  EXPECT_TRUE(ParseUntrustedOrderedJson(deep).is_discarded());
  std::string objects;
  for (int i = 0; i < 100'000; ++i) objects += "{\"k\":";
  EXPECT_FALSE(JsonDepthWithin(objects));  // unterminated: still refused on depth
}

TEST(JsonParseTest, BracketsInsideStringsDoNotCount) {
  std::string text = "{\"t\":\"" + Nested(500) + "\\\"[[[\"}";
  EXPECT_TRUE(JsonDepthWithin(text));
  auto parsed = ParseUntrustedJson(text);
  ASSERT_FALSE(parsed.is_discarded());
  EXPECT_EQ(parsed["t"].get<std::string>().size(), 1004u);
}

TEST(JsonParseTest, InvalidJsonIsDiscarded) {
  EXPECT_TRUE(ParseUntrustedJson("{\"a\":").is_discarded());
  EXPECT_TRUE(ParseUntrustedJson("").is_discarded());
}

}  // namespace
}  // namespace wagate::core
