#include "wagate/security/base64.hpp"

#include <gtest/gtest.h>

#include <string>

namespace wagate::security {
namespace {

// RFC 4648 §10.
TEST(Base64, EncodesTheRfcVectors) {
  EXPECT_EQ(Base64Encode(""), "");
  EXPECT_EQ(Base64Encode("f"), "Zg==");
  EXPECT_EQ(Base64Encode("fo"), "Zm8=");
  EXPECT_EQ(Base64Encode("foo"), "Zm9v");
  EXPECT_EQ(Base64Encode("foob"), "Zm9vYg==");
  EXPECT_EQ(Base64Encode("fooba"), "Zm9vYmE=");
  EXPECT_EQ(Base64Encode("foobar"), "Zm9vYmFy");
}

TEST(Base64, DecodesTheRfcVectorsPaddedOrNot) {
  EXPECT_EQ(Base64Decode(""), "");
  EXPECT_EQ(Base64Decode("Zg=="), "f");
  EXPECT_EQ(Base64Decode("Zg"), "f");
  EXPECT_EQ(Base64Decode("Zm8="), "fo");
  EXPECT_EQ(Base64Decode("Zm8"), "fo");
  EXPECT_EQ(Base64Decode("Zm9vYmFy"), "foobar");
}

TEST(Base64, RoundTripsEveryByteValue) {
  std::string bytes;
  for (int i = 0; i < 256; ++i) bytes.push_back(static_cast<char>(i));
  for (size_t len = 0; len <= bytes.size(); len += 37) {
    std::string part = bytes.substr(0, len);
    EXPECT_EQ(Base64Decode(Base64Encode(part)), part) << len;
  }
  EXPECT_EQ(Base64Encode("\xfb\xff"), "+/8=");
}

TEST(Base64, RefusesWhatNoEncoderWrites) {
  EXPECT_FALSE(Base64Decode("Zm9v!").has_value());      // outside the alphabet
  EXPECT_FALSE(Base64Decode("Zm9v Yg==").has_value());  // whitespace
  EXPECT_FALSE(Base64Decode("Zm-_").has_value());       // the URL-safe alphabet
  EXPECT_FALSE(Base64Decode("Zg=a").has_value());       // padding in the middle
  EXPECT_FALSE(Base64Decode("Z===").has_value());       // three padding characters
  EXPECT_FALSE(Base64Decode("Zg=").has_value());        // padding that does not complete the group
  EXPECT_FALSE(Base64Decode("Zm9vY").has_value());      // a group of one character
  EXPECT_FALSE(Base64Decode("====").has_value());
}

}  // namespace
}  // namespace wagate::security
