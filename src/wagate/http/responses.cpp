#include "wagate/http/responses.hpp"

namespace wagate::http {

Response JsonResponse(int status, const Json& body) {
  Response r;
  r.status = status;
  r.body = body.dump(-1, ' ', false, Json::error_handler_t::replace);
  return r;
}

namespace {

Response ErrorBody(int status, std::string_view code, std::string_view message, std::string_view field,
                   const Json& details) {
  Json err = {{"code", code}, {"message", message}};
  if (!field.empty()) err["field"] = field;
  if (!details.is_null()) err["details"] = details;
  return JsonResponse(status, Json{{"error", err}});
}

}  // namespace

Response ErrorResponse(int status, std::string_view code, std::string_view message, const Json& details) {
  return ErrorBody(status, code, message, {}, details);
}

int StatusFor(core::ErrorKind kind) {
  switch (kind) {
    case core::ErrorKind::kInvalidInput:
      return 400;
    case core::ErrorKind::kUnauthorized:
      return 401;
    case core::ErrorKind::kForbidden:
      return 403;
    case core::ErrorKind::kNotFound:
      return 404;
    case core::ErrorKind::kConflict:
      return 409;
    case core::ErrorKind::kUnprocessable:
      return 422;
    case core::ErrorKind::kTooLarge:
      return 413;
    case core::ErrorKind::kQuotaExceeded:
      return 429;
    case core::ErrorKind::kUpstream:
      return 502;
    case core::ErrorKind::kUnavailable:
      return 503;
    case core::ErrorKind::kInternal:
      return 500;
    case core::ErrorKind::kSendFailed:
      return 500;
  }
  return 500;
}

Response ErrorResponse(const core::Error& error, const Json& details) {
  return ErrorBody(StatusFor(error.kind), error.code, error.message, error.field, details);
}

}  // namespace wagate::http
