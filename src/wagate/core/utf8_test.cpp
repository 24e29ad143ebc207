#include "wagate/core/utf8.hpp"

#include <gtest/gtest.h>

#include <string>

namespace wagate::core {
namespace {

TEST(Utf8, AcceptsWellFormedText) {
  for (const char* good :
       {"", "plain ascii, longer than eight bytes", "Jos\xC3\xA9", "\xE2\x82\xAC 5", "\xF0\x9F\x98\x80", "\xED\x9F\xBF",
        "\xEE\x80\x80", "\xF4\x8F\xBF\xBF", "12345678\303\251abcdefgh"}) {  // octal: a hex escape would swallow the 'a'
    EXPECT_TRUE(IsValidUtf8(good)) << good;
  }
  EXPECT_TRUE(IsValidUtf8(std::string("a\0b", 3)));  // NUL is a valid code point
}

TEST(Utf8, RejectsMalformedSequences) {
  for (const char* bad : {
           "\x80",                  // continuation without a lead
           "abc\xBF",               // ... after ASCII
           "\xC0\xAF",              // overlong '/'
           "\xC1\xBF",              // overlong
           "\xE0\x80\xAF",          // overlong, three bytes
           "\xF0\x80\x80\xAF",      // overlong, four bytes
           "\xED\xA0\x80",          // surrogate U+D800
           "\xF4\x90\x80\x80",      // above U+10FFFF
           "\xF5\x80\x80\x80",      // lead byte that can never appear
           "\xFF",                  //
           "\xC3",                  // truncated at the end
           "\xE2\x82",              //
           "\xC3(",                 // lead followed by ASCII
           "\xE2\x28\xA1",          // bad second byte
           "\xE2\x82\x28",          // bad third byte
           "12345678\303abcdefgh",  // truncated between two ASCII runs (octal: \xC3a would be one escape)
       }) {
    EXPECT_FALSE(IsValidUtf8(bad)) << testing::PrintToString(std::string(bad));
  }
}

}  // namespace
}  // namespace wagate::core
