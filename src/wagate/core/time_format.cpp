#include "wagate/core/time_format.hpp"

#include <cstdio>
#include <ctime>

namespace wagate::core {
namespace {
std::tm UtcTm(int64_t unix_ms) {
  std::time_t secs = static_cast<std::time_t>(unix_ms / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  return tm;
}
}  // namespace

std::string FormatIso8601(int64_t unix_ms) {
  std::tm tm = UtcTm(unix_ms);
  char buf[96];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(unix_ms % 1000));
  return buf;
}

std::string MonthKey(int64_t unix_ms) {
  std::tm tm = UtcTm(unix_ms);
  char buf[48];
  std::snprintf(buf, sizeof buf, "%04d-%02d", tm.tm_year + 1900, tm.tm_mon + 1);
  return buf;
}

}  // namespace wagate::core
