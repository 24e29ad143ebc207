#include "wagate/content/text_rules.hpp"

#include <algorithm>
#include <cctype>
#include <string>
#include <vector>

namespace wagate::content {
namespace {

bool IsLowerAlpha(char c) { return c >= 'a' && c <= 'z'; }
bool IsUpperAlpha(char c) { return c >= 'A' && c <= 'Z'; }
bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsAsciiSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }

// Decodes UTF-8; an invalid sequence becomes U+FFFD (JSON parsing has already rejected them).
std::vector<char32_t> CodePoints(std::string_view s) {
  std::vector<char32_t> out;
  for (size_t i = 0; i < s.size();) {
    auto c = static_cast<unsigned char>(s[i]);
    size_t extra = c < 0x80 ? 0 : (c & 0xE0) == 0xC0 ? 1 : (c & 0xF0) == 0xE0 ? 2 : (c & 0xF8) == 0xF0 ? 3 : 4;
    bool valid = extra < 4 && i + extra < s.size();
    for (size_t k = 1; valid && k <= extra; ++k) valid = (static_cast<unsigned char>(s[i + k]) & 0xC0) == 0x80;
    if (!valid) {
      out.push_back(0xFFFD);
      ++i;
      continue;
    }
    char32_t cp = extra == 0 ? c : extra == 1 ? (c & 0x1F) : extra == 2 ? (c & 0x0F) : (c & 0x07);
    for (size_t k = 1; k <= extra; ++k) cp = (cp << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3F);
    out.push_back(cp);
    i += extra + 1;
  }
  return out;
}

bool InRange(char32_t c, char32_t lo, char32_t hi) { return c >= lo && c <= hi; }

// Code points that attach to the one before: combining marks, variation selectors, emoji skin-tone
// modifiers and tag characters (subdivision flags).
bool Extends(char32_t c) {
  return InRange(c, 0x0300, 0x036F) || InRange(c, 0x1AB0, 0x1AFF) || InRange(c, 0x1DC0, 0x1DFF) ||
         InRange(c, 0x20D0, 0x20FF) || InRange(c, 0xFE00, 0xFE0F) || InRange(c, 0xFE20, 0xFE2F) ||
         InRange(c, 0x1F3FB, 0x1F3FF) || InRange(c, 0xE0020, 0xE007F) || InRange(c, 0xE0100, 0xE01EF);
}
bool IsRegionalIndicator(char32_t c) { return InRange(c, 0x1F1E6, 0x1F1FF); }
constexpr char32_t kZeroWidthJoiner = 0x200D;

}  // namespace

bool IsHttpUrl(std::string_view url) {
  std::string_view rest;
  auto starts = [&](std::string_view scheme) {
    if (url.size() < scheme.size()) return false;
    for (size_t i = 0; i < scheme.size(); ++i) {
      if (std::tolower(static_cast<unsigned char>(url[i])) != scheme[i]) return false;
    }
    rest = url.substr(scheme.size());
    return true;
  };
  if (!starts("https://") && !starts("http://")) return false;
  if (std::any_of(url.begin(), url.end(), [](char c) { return static_cast<unsigned char>(c) <= 0x20 || c == 0x7F; })) {
    return false;
  }
  std::string_view authority = rest.substr(0, rest.find_first_of("/?#"));
  if (auto at = authority.rfind('@'); at != std::string_view::npos) authority.remove_prefix(at + 1);
  std::string_view host = authority.substr(0, authority.rfind(':'));
  if (!authority.empty() && authority.front() == '[') host = authority;  // IPv6 literal
  return !host.empty();
}

bool IsDigits(std::string_view s) { return !s.empty() && std::all_of(s.begin(), s.end(), IsDigit); }

bool IsIsoDate(std::string_view s) {
  if (s.size() != 10 || s[4] != '-' || s[7] != '-') return false;
  if (!IsDigits(s.substr(0, 4)) || !IsDigits(s.substr(5, 2)) || !IsDigits(s.substr(8, 2))) return false;
  int year = std::stoi(std::string(s.substr(0, 4)));
  int month = std::stoi(std::string(s.substr(5, 2)));
  int day = std::stoi(std::string(s.substr(8, 2)));
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (year < 1 || month < 1 || month > 12 || day < 1) return false;
  bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  return day <= kDays[month - 1] + (month == 2 && leap ? 1 : 0);
}

bool IsSingleNonAsciiGrapheme(std::string_view s) {
  if (std::all_of(s.begin(), s.end(), [](char c) { return static_cast<unsigned char>(c) < 0x80; })) return false;
  std::vector<char32_t> cps = CodePoints(s);
  char32_t base = cps.front();
  if (base < 0x20 || base == 0x7F || base == 0xFFFD || base == kZeroWidthJoiner || Extends(base)) return false;
  size_t i = 1;
  if (IsRegionalIndicator(base) && i < cps.size() && IsRegionalIndicator(cps[i])) ++i;  // a flag is a pair
  while (i < cps.size()) {
    if (Extends(cps[i])) {
      ++i;
    } else if (cps[i] == kZeroWidthJoiner && i + 1 < cps.size() && !Extends(cps[i + 1]) &&
               cps[i + 1] != kZeroWidthJoiner) {
      i += 2;  // ZWJ sequence: 👨‍👩‍👧
    } else {
      return false;
    }
  }
  return true;
}

bool IsTemplateParameterText(std::string_view s) {
  if (s.find_first_of("\n\t") != std::string_view::npos) return false;
  return s.find("     ") == std::string_view::npos;  // five spaces
}

bool IsTemplateName(std::string_view s) {
  return !s.empty() &&
         std::all_of(s.begin(), s.end(), [](char c) { return IsLowerAlpha(c) || IsDigit(c) || c == '_'; });
}

bool IsLanguageCode(std::string_view s) {
  std::string_view language = s.substr(0, s.find('_'));
  if (language.size() < 2 || language.size() > 3 || !std::all_of(language.begin(), language.end(), IsLowerAlpha)) {
    return false;
  }
  if (language.size() == s.size()) return true;
  std::string_view region = s.substr(language.size() + 1);
  return region.size() == 2 && std::all_of(region.begin(), region.end(), IsUpperAlpha);
}

bool IsParameterName(std::string_view s) { return IsTemplateName(s); }

bool IsCurrencyCode(std::string_view s) { return s.size() == 3 && std::all_of(s.begin(), s.end(), IsUpperAlpha); }

bool HasOuterWhitespace(std::string_view s) {
  return !s.empty() && (IsAsciiSpace(s.front()) || IsAsciiSpace(s.back()));
}

}  // namespace wagate::content
