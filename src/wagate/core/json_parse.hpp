// The one way untrusted JSON (API bodies, webhooks, Graph answers, the sandbox's requests) is parsed.
// nlohmann's parser is iterative, but copying, dumping and our own validators recurse: a 200 KB body
// nested 100,000 deep would overflow the stack of the thread that walks it. Nesting is checked by a
// linear scan before parsing; Meta's payloads never come near the limit.
#pragma once

#include <nlohmann/json.hpp>
#include <string_view>

namespace wagate::core {

inline constexpr int kMaxJsonDepth = 64;

// True when no array/object in `text` is nested deeper than `limit` (strings are skipped; the text
// need not be valid JSON).
bool JsonDepthWithin(std::string_view text, int limit = kMaxJsonDepth);

// The parsed value, or a discarded value (is_discarded()) when `text` is not JSON or is nested deeper
// than kMaxJsonDepth.
nlohmann::json ParseUntrustedJson(std::string_view text);
nlohmann::ordered_json ParseUntrustedOrderedJson(std::string_view text);

}  // namespace wagate::core
