// Reading fields of an untrusted JSON object with errors that name the field and the rule.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "wagate/core/result.hpp"

namespace wagate::http {

// Parses a request body that must be one JSON object; `invalid_json` otherwise.
core::Result<nlohmann::json> ParseJsonObject(std::string_view body);

// Reads fields one after another and keeps the first error, so a handler checks once at the end.
class FieldReader final {
 public:
  explicit FieldReader(const nlohmann::json& object) : object_(object) {}

  // Strings: length counted in Unicode code points, as Meta counts characters.
  std::optional<std::string> String(std::string_view name, bool required, size_t max_chars = 1024,
                                    size_t min_chars = 0);
  // Integers in [min, max]; `null` counts as absent.
  std::optional<int64_t> Int(std::string_view name, bool required, int64_t min, int64_t max);
  std::optional<bool> Bool(std::string_view name);

  bool ok() const { return !error_.has_value(); }
  const core::Error& error() const { return *error_; }
  void Fail(std::string_view field, std::string message);

 private:
  const nlohmann::json* Find(std::string_view name, bool required);
  const nlohmann::json& object_;
  std::optional<core::Error> error_;
};

size_t Utf8Length(std::string_view s);
// The length rule `s` breaks ("must not be empty", "must have at most 60 characters (has 61)"), counted in
// code points; nullopt when it has between min_chars and max_chars.
std::optional<std::string> LengthRuleBroken(std::string_view s, size_t min_chars, size_t max_chars);

}  // namespace wagate::http
