// UTC ISO 8601 timestamps with milliseconds, the one format of the API ("2026-11-21T10:00:00.123Z").
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace wagate::core {

std::string FormatIso8601(int64_t unix_ms);
// "2026-12-03T17:10:00Z", with optional fractional seconds (milliseconds kept) and a "Z" or "±HH:MM"
// offset; a date alone ("2026-12-03") is midnight UTC. nullopt for anything else.
std::optional<int64_t> ParseIso8601(std::string_view text);
// "2026-11" — the calendar month a quota is counted in (UTC).
std::string MonthKey(int64_t unix_ms);

}  // namespace wagate::core
