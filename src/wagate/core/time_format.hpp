// UTC ISO 8601 timestamps with milliseconds, the one format of the API ("2026-11-21T10:00:00.123Z").
#pragma once

#include <cstdint>
#include <string>

namespace wagate::core {

std::string FormatIso8601(int64_t unix_ms);
// "2026-11" — the calendar month a quota is counted in (UTC).
std::string MonthKey(int64_t unix_ms);

}  // namespace wagate::core
