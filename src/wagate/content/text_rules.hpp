// Shape checks on single strings (URLs, ids, dates, emoji, template text) and the limits shared by
// several message families. Pure functions.
#pragma once

#include <cstddef>
#include <string_view>

namespace wagate::content {

// cloud-api.md §3.7: wamids are at most 128 characters.
inline constexpr size_t kMaxWamidChars = 128;
// Media links and URL buttons: Meta's template URL limit (§3.7), applied to every URL we pass on.
inline constexpr size_t kMaxUrlChars = 2000;
// Free text Meta sets no limit on (contact fields, location name/address, fallback values): our own
// bound, so a single field cannot carry a whole request's worth of bytes.
inline constexpr size_t kMaxFreeTextChars = 1024;
// Uploaded media ids are numeric strings (16 digits today); room for growth.
inline constexpr size_t kMaxMediaIdChars = 64;

// "http://" or "https://" (any case), a non-empty host, and no whitespace or control characters.
bool IsHttpUrl(std::string_view url);
bool IsDigits(std::string_view s);  // non-empty, ASCII 0-9 only
// A real calendar date written YYYY-MM-DD (contacts' birthday).
bool IsIsoDate(std::string_view s);
// Exactly one grapheme cluster that is not plain ASCII: an emoji with its modifiers, variation
// selectors, ZWJ sequences, flags (regional-indicator pairs), tag sequences and keycaps. This is an
// approximation of UAX #29 sufficient for emoji; any other single non-ASCII cluster is accepted too.
bool IsSingleNonAsciiGrapheme(std::string_view s);
// Meta rejects template text parameters with a new line, a tab, or more than 4 consecutive spaces
// ("Param text cannot have new-line/tab characters or more than 4 consecutive spaces").
bool IsTemplateParameterText(std::string_view s);
bool IsTemplateName(std::string_view s);      // ^[a-z0-9_]+$ (length checked by the caller)
bool IsLanguageCode(std::string_view s);      // ^[a-z]{2,3}(_[A-Z]{2})?$: en, fil, en_US, pt_BR
bool IsParameterName(std::string_view s);     // ^[a-z0-9_]+$ (named template parameters)
bool IsCurrencyCode(std::string_view s);      // ISO 4217 shape: three uppercase letters
bool HasOuterWhitespace(std::string_view s);  // leading or trailing ASCII whitespace

}  // namespace wagate::content
