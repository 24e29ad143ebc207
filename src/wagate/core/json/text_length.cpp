#include "wagate/core/json/text_length.hpp"

namespace wagate::core {

size_t Utf8Length(std::string_view s) {
  size_t n = 0;
  for (unsigned char c : s) {
    if ((c & 0xC0) != 0x80) ++n;
  }
  return n;
}

std::optional<std::string> LengthRuleBroken(std::string_view s, size_t min_chars, size_t max_chars) {
  size_t len = Utf8Length(s);
  if (len < min_chars) {
    return min_chars == 1 ? "must not be empty" : "must have at least " + std::to_string(min_chars) + " characters";
  }
  if (len > max_chars) {
    return "must have at most " + std::to_string(max_chars) + " characters (has " + std::to_string(len) + ")";
  }
  return std::nullopt;
}

}  // namespace wagate::core
