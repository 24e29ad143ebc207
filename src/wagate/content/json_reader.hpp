// Reading untrusted JSON at a path ("template.components[0]"): every failure becomes
// core::Error::InvalidField naming the full path, with one wording for each rule.
#pragma once

#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "wagate/core/result.hpp"

namespace wagate::content {

using Json = nlohmann::json;

std::string MemberPath(std::string_view parent, std::string_view name);  // ("a", "b") → "a.b"; ("", "b") → "b"
std::string ElementPath(std::string_view parent, size_t index);          // ("a", 2) → "a[2]"

// Keeps the first failure; later failures are ignored, so parsers may read on and check ok() once.
class Errors final {
 public:
  bool ok() const { return !error_.has_value(); }
  const core::Error& error() const { return *error_; }
  void Fail(const std::string& path, const std::string& rule);

 private:
  std::optional<core::Error> error_;
};

// One JSON object at `path`. Members whose value is null count as absent. Once any failure is kept,
// reads return nothing. Not thread-safe; lives for one parse.
class ObjectReader final {
 public:
  // Fails with "must be an object" when `value` is not one.
  ObjectReader(const Json& value, std::string path, Errors& errors);

  const std::string& path() const { return path_; }
  std::string PathOf(std::string_view name) const { return MemberPath(path_, name); }
  Errors& errors() const { return errors_; }
  bool ok() const { return errors_.ok(); }
  bool present() const { return object_ != nullptr; }  // false for an absent or non-object child

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
  ObjectReader(std::string path, Errors& errors) : path_(std::move(path)), errors_(errors) {}

  const Json* object_ = nullptr;
  std::string path_;
  Errors& errors_;
};

std::string ToLower(std::string s);
// "a, b, c" for rule texts.
std::string JoinChoices(const std::vector<std::string>& choices);

}  // namespace wagate::content
