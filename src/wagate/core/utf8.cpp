#include "wagate/core/utf8.hpp"

#include <cstddef>
#include <cstdint>
#include <cstring>

namespace wagate::core {

bool IsValidUtf8(std::string_view s) {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const unsigned char* end = p + s.size();
  while (p < end) {
    if (end - p >= 8) {
      uint64_t word = 0;
      std::memcpy(&word, p, sizeof word);
      if ((word & 0x8080808080808080ULL) == 0) {
        p += 8;
        continue;
      }
    }
    unsigned char c = *p;
    if (c < 0x80) {
      ++p;
      continue;
    }
    // Table 3-7 of the Unicode standard: the lead byte fixes the length and the range of the first
    // continuation byte (which is what excludes overlongs, surrogates and values above U+10FFFF).
    ptrdiff_t continuation = 0;
    unsigned char low = 0x80;
    unsigned char high = 0xBF;
    if (c >= 0xC2 && c <= 0xDF) {
      continuation = 1;
    } else if (c == 0xE0) {
      continuation = 2;
      low = 0xA0;
    } else if ((c >= 0xE1 && c <= 0xEC) || c == 0xEE || c == 0xEF) {
      continuation = 2;
    } else if (c == 0xED) {
      continuation = 2;
      high = 0x9F;
    } else if (c == 0xF0) {
      continuation = 3;
      low = 0x90;
    } else if (c >= 0xF1 && c <= 0xF3) {
      continuation = 3;
    } else if (c == 0xF4) {
      continuation = 3;
      high = 0x8F;
    } else {
      return false;  // a continuation byte without a lead, C0, C1, or F5..FF
    }
    if (end - p <= continuation) return false;
    if (p[1] < low || p[1] > high) return false;
    for (ptrdiff_t k = 2; k <= continuation; ++k) {
      if ((p[k] & 0xC0) != 0x80) return false;
    }
    p += continuation + 1;
  }
  return true;
}

}  // namespace wagate::core
