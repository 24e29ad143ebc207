// The one reader of untrusted JSON fields (API bodies, message content, the sandbox's control routes):
// values are read at a path ("template.components[0]") and every failure becomes
// core::Error::InvalidField naming the full path, with one wording for each rule, so every API answer
// words its field errors the same way.
#pragma once

#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "wagate/core/result.hpp"

namespace wagate::core {

using Json = nlohmann::json;

// Parses a request body that must be one JSON object (nesting bounded as in json_parse.hpp);
// `invalid_json` otherwise.
Result<Json> ParseJsonObject(std::string_view body);

std::string MemberPath(std::string_view parent, std::string_view name);  // ("a", "b") → "a.b"; ("", "b") → "b"
std::string ElementPath(std::string_view parent, size_t index);          // ("a", 2) → "a[2]"

// Keeps the first failure; later failures are ignored, so parsers may read on and check ok() once.
class FieldErrors final {
 public:
  bool ok() const { return !error_.has_value(); }
  const Error& error() const { return *error_; }
  void Fail(const std::string& path, const std::string& rule);

 private:
  std::optional<Error> error_;
};

// One JSON object at `path`. Members whose value is null count as absent. Once any failure is kept,
// reads return nothing. Not thread-safe; lives for one parse. A request body is read at the path "",
// so its fields are named plainly ("field 'to' is required").
class ObjectReader final {
 public:
  // Fails with "must be an object" when `value` is not one.
  ObjectReader(const Json& value, std::string path, FieldErrors& errors);

  const std::string& path() const { return path_; }
  std::string PathOf(std::string_view name) const { return MemberPath(path_, name); }
  FieldErrors& errors() const { return errors_; }
  bool ok() const { return errors_.ok(); }
  const Error& error() const { return errors_.error(); }  // the first failure; only when !ok()
  bool present() const { return object_ != nullptr; }     // false for an absent or non-object child

  bool Has(std::string_view name) const;
  void Fail(std::string_view name, const std::string& rule) const { errors_.Fail(PathOf(name), rule); }
  // Any member not listed fails with "is not allowed" (the first in key order).
  void AllowOnly(const std::vector<std::string_view>& allowed) const;

  const Json* Get(std::string_view name, bool required) const;  // "is required" when missing
  // Strings: length in code points as Meta counts characters; empty fails unless min_chars is 0.
  std::optional<std::string> String(std::string_view name, bool required, size_t max_chars, size_t min_chars = 1) const;
  // A string from `choices` ("must be one of: a, b"); with `fold_case` compared and returned lowercase.
  std::optional<std::string> OneOf(std::string_view name, bool required, const std::vector<std::string>& choices,
                                   bool fold_case = false) const;
  std::optional<bool> Bool(std::string_view name) const;
  std::optional<int64_t> Int(std::string_view name, bool required, int64_t min, int64_t max) const;
  // An array of [min_items, max_items] elements, or nullptr (absent or failed).
  const Json* Array(std::string_view name, bool required, size_t min_items, size_t max_items) const;
  // The member as an object reader; not present() when absent (after "is required" if required).
  ObjectReader Child(std::string_view name, bool required) const;

  // Read-and-copy helpers: a valid present member is copied to `out[name]`.
  void CopyString(Json& out, std::string_view name, bool required, size_t max_chars) const;
  void CopyBool(Json& out, std::string_view name) const;

 private:
  ObjectReader(std::string path, FieldErrors& errors) : path_(std::move(path)), errors_(errors) {}

  const Json* object_ = nullptr;
  std::string path_;
  FieldErrors& errors_;
};

std::string ToLower(std::string s);
// "a, b, c" for rule texts.
std::string JoinChoices(const std::vector<std::string>& choices);

}  // namespace wagate::core
