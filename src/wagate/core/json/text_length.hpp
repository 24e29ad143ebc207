// How long a string is, as Meta counts it: in Unicode code points, not bytes. One definition for the
// gateway's readers and the sandbox's checks, so a limit of "60 characters" means the same everywhere.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace wagate::core {

// Code points in UTF-8 `s` (continuation bytes are not counted; the text is not validated).
size_t Utf8Length(std::string_view s);

// The length rule `s` breaks ("must not be empty", "must have at most 60 characters (has 61)"), counted in
// code points; nullopt when it has between min_chars and max_chars.
std::optional<std::string> LengthRuleBroken(std::string_view s, size_t min_chars, size_t max_chars);

}  // namespace wagate::core
