// Structured logs: one logfmt line per event on stderr, with a subsystem field. Never pass a secret.
#pragma once

#include <initializer_list>
#include <string>
#include <string_view>

namespace wagate::core {

enum class LogLevel { kDebug = 0, kInfo = 1, kWarn = 2, kError = 3 };

struct LogField {
  std::string_view key;
  std::string value;
  LogField(std::string_view k, std::string v) : key(k), value(std::move(v)) {}
  LogField(std::string_view k, const char* v) : key(k), value(v) {}
  LogField(std::string_view k, std::string_view v) : key(k), value(v) {}
  template <typename N, typename = std::enable_if_t<std::is_arithmetic_v<N>>>
  LogField(std::string_view k, N v) : key(k), value(std::to_string(v)) {}
};

void SetLogLevel(LogLevel level);
bool ParseLogLevel(std::string_view text, LogLevel* out);
bool LogEnabled(LogLevel level);

// Thread-safe; each call writes one whole line with one write(2).
void Log(LogLevel level, std::string_view subsystem, std::string_view message,
         std::initializer_list<LogField> fields = {});

inline void LogInfo(std::string_view s, std::string_view m, std::initializer_list<LogField> f = {}) {
  Log(LogLevel::kInfo, s, m, f);
}
inline void LogWarn(std::string_view s, std::string_view m, std::initializer_list<LogField> f = {}) {
  Log(LogLevel::kWarn, s, m, f);
}
inline void LogError(std::string_view s, std::string_view m, std::initializer_list<LogField> f = {}) {
  Log(LogLevel::kError, s, m, f);
}

}  // namespace wagate::core
