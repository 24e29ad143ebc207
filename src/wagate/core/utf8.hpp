// Strict UTF-8 validation, for text that arrives as raw bytes rather than through the JSON parser
// (which already rejects invalid UTF-8): CSV uploads, for one.
#pragma once

#include <string_view>

namespace wagate::core {

// True when `s` is well-formed UTF-8 (RFC 3629): no overlong forms, no surrogates (U+D800..U+DFFF),
// nothing above U+10FFFF, no truncated sequence. The empty string is valid. Runs of ASCII are checked
// eight bytes at a time.
bool IsValidUtf8(std::string_view s);

}  // namespace wagate::core
