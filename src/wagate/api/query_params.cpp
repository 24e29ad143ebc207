#include "wagate/api/query_params.hpp"

#include <cstdlib>

#include "wagate/core/time_format.hpp"

namespace wagate::api {

core::Error QueryError(std::string message) { return core::Error::Invalid("invalid_field", std::move(message)); }

core::Result<int64_t> LimitParam(const http::Request& req, int64_t fallback, int64_t max) {
  auto limit = req.Query("limit");
  if (!limit) return fallback;
  char* end = nullptr;
  long long n = std::strtoll(limit->c_str(), &end, 10);
  if (limit->empty() || *end != '\0' || n < 1 || n > max) {
    return QueryError("query 'limit' must be an integer from 1 to " + std::to_string(max));
  }
  return static_cast<int64_t>(n);
}

core::Result<std::optional<int64_t>> TimeParam(const http::Request& req, const std::string& name) {
  auto value = req.Query(name);
  if (!value) return std::optional<int64_t>();
  auto ms = core::ParseIso8601(*value);
  if (!ms) return QueryError("query '" + name + "' must be an ISO 8601 time, e.g. 2026-12-03T17:10:00Z");
  return ms;
}

core::Result<std::optional<std::string>> ChoiceParam(const http::Request& req, const std::string& name,
                                                     std::initializer_list<const char*> allowed) {
  auto value = req.Query(name);
  if (!value) return std::optional<std::string>();
  std::string list;
  for (const char* a : allowed) {
    if (*value == a) return value;
    list += std::string(list.empty() ? "" : ", ") + a;
  }
  return QueryError("query '" + name + "' must be one of: " + list);
}

}  // namespace wagate::api
