// Reading query parameters the same way in every list route: a bad one is 400 `invalid_field`,
// naming the parameter.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "wagate/core/result.hpp"
#include "wagate/http/message.hpp"

namespace wagate::api {

// `limit`: an integer from 1 to `max`; `fallback` when absent.
core::Result<int64_t> LimitParam(const http::Request& req, int64_t fallback, int64_t max);
// An ISO 8601 time ("2026-12-03T17:10:00Z") in Unix ms; nullopt inside when absent.
core::Result<std::optional<int64_t>> TimeParam(const http::Request& req, const std::string& name);
// A query parameter that must be one of `allowed`; nullopt inside when absent.
core::Result<std::optional<std::string>> ChoiceParam(const http::Request& req, const std::string& name,
                                                     std::initializer_list<const char*> allowed);
// A bad query parameter: "invalid_field" like a body field.
core::Error QueryError(std::string message);

}  // namespace wagate::api
