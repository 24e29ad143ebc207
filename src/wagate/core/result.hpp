// Failures as values: Error carries the code that tells the caller what to do.
#pragma once

#include <string>
#include <utility>
#include <variant>

namespace wagate::core {

// ErrorKind decides the HTTP status in exactly one place (http/responses.cpp, StatusFor).
enum class ErrorKind {
  kInvalidInput,   // 400
  kUnauthorized,   // 401
  kForbidden,      // 403
  kNotFound,       // 404
  kConflict,       // 409
  kUnprocessable,  // 422
  kTooLarge,       // 413
  kQuotaExceeded,  // 429
  kUpstream,       // 502: Graph refused or failed a pass-through call
  kUnavailable,    // 503
  kInternal,       // 500
  kSendFailed,     // 500: a send ended failed (Meta refused it, or the retries ran out); details say why
};

struct Error {
  Error() = default;
  Error(ErrorKind k, std::string c, std::string m, std::string f = {})
      : kind(k), code(std::move(c)), message(std::move(m)), field(std::move(f)) {}

  ErrorKind kind = ErrorKind::kInternal;
  std::string code;     // snake_case, stable, part of the API contract
  std::string message;  // plain words for a human
  std::string field;    // the offending request field ("template.components[0].parameters[1]"), if any

  static Error Invalid(std::string code, std::string message) {
    return {ErrorKind::kInvalidInput, std::move(code), std::move(message)};
  }
  // "field 'F' RULE": one wording for every field error, with the field also given on its own.
  static Error InvalidField(std::string field, const std::string& rule) {
    std::string message = "field '" + field + "' " + rule;
    return {ErrorKind::kInvalidInput, "invalid_field", std::move(message), std::move(field)};
  }
  static Error NotFound(std::string what) {
    return {ErrorKind::kNotFound, "not_found", std::move(what) + " not found"};
  }
  static Error Internal(std::string message) { return {ErrorKind::kInternal, "internal_error", std::move(message)}; }
};

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}      // NOLINT: implicit by design
  Result(Error error) : v_(std::move(error)) {}  // NOLINT
  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }
  T& value() { return std::get<0>(v_); }
  const T& value() const { return std::get<0>(v_); }
  T& operator*() { return value(); }
  T* operator->() { return &value(); }
  const Error& error() const { return std::get<1>(v_); }

 private:
  std::variant<T, Error> v_;
};

struct Ok {};
using Status = Result<Ok>;

}  // namespace wagate::core
