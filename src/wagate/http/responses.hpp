// Building answers: JSON bodies and the one error shape {"error":{"code","message","details"}}.
#pragma once

#include <nlohmann/json.hpp>

#include "wagate/core/result.hpp"
#include "wagate/http/message.hpp"

namespace wagate::http {

using Json = nlohmann::json;

Response JsonResponse(int status, const Json& body);
Response ErrorResponse(int status, std::string_view code, std::string_view message, const Json& details = nullptr);
// The one place where an ErrorKind becomes an HTTP status.
int StatusFor(core::ErrorKind kind);
Response ErrorResponse(const core::Error& error, const Json& details = nullptr);

}  // namespace wagate::http
