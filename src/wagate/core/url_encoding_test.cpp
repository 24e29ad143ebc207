#include "wagate/core/url_encoding.hpp"

#include <gtest/gtest.h>

namespace wagate::core {
namespace {

TEST(UrlEncodingTest, KeepsUnreservedAndEncodesEverythingElse) {
  EXPECT_EQ(UrlEncode("aZ09-._~"), "aZ09-._~");
  EXPECT_EQ(UrlEncode("a b&c=d/é"), "a%20b%26c%3Dd%2F%C3%A9");
  EXPECT_EQ(UrlEncode(""), "");
}

}  // namespace
}  // namespace wagate::core
