#include "wagate/sandbox/graph/graph_request.hpp"

#include <algorithm>
#include <vector>

#include "wagate/core/json_parse.hpp"
#include "wagate/core/url_encoding.hpp"
#include "wagate/http/responses.hpp"

namespace wagate::sandbox {
namespace {

std::vector<std::string_view> PathSegments(std::string_view path) {
  std::vector<std::string_view> parts;
  size_t i = 0;
  while (i < path.size()) {
    size_t j = path.find('/', i);
    if (j == std::string_view::npos) j = path.size();
    if (j > i) parts.push_back(path.substr(i, j - i));
    i = j + 1;
  }
  return parts;
}

// A form or query value: JSON text of an object or array is that JSON (Graph's rule), else the string.
nlohmann::json ParamValue(const std::string& text) {
  if (!text.empty() && (text.front() == '[' || text.front() == '{')) {
    nlohmann::json parsed = core::ParseUntrustedJson(text);
    if (parsed.is_array() || parsed.is_object()) return parsed;
  }
  return text;
}

void AddPairs(nlohmann::json& params, std::string_view encoded) {
  for (auto& [key, value] : http::ParseUrlEncoded(encoded)) {
    if (key != "access_token") params[key] = ParamValue(value);
  }
}

}  // namespace

void AddGraphRoute(http::Router& router, const std::string& method, const std::string& pattern,
                   const http::Handler& handler, size_t max_body_bytes) {
  for (bool versioned : {true, false}) {
    router.Add(
        method, versioned ? "/{version}" + pattern : pattern,
        [handler, versioned](http::Request& request, http::Responder respond) {
          // "/_sandbox/x" may have a Graph route's length, but is the sandbox's own (wagate's shape).
          if (IsControlPath(request))
            return respond(http::ErrorResponse(404, "not_found", "no route for " + request.path));
          if (!versioned) request.params["version"] = std::string(kDefaultGraphVersion);
          handler(request, std::move(respond));
        },
        http::Execution::kWorker, max_body_bytes);
  }
}

bool IsControlPath(const http::Request& request) { return request.path.rfind("/_", 0) == 0; }

GraphError UnroutedGraphError(const http::Request& request, bool path_known) {
  std::vector<std::string_view> parts = PathSegments(request.path);
  size_t object = !parts.empty() && IsGraphVersion(parts[0]) ? 1 : 0;
  if (object >= parts.size()) return UnknownPathError(request.path);  // "/" or "/v24.0"
  if (path_known || object + 1 == parts.size()) return UnknownObjectError(parts[object], request.method);
  std::string rest;
  for (size_t i = object + 1; i < parts.size(); ++i) rest += "/" + std::string(parts[i]);
  return UnknownPathError(rest);
}

std::optional<nlohmann::json> GraphParams(const http::Request& request) {
  nlohmann::json params = nlohmann::json::object();
  AddPairs(params, request.query);
  std::string_view content_type = request.Header("content-type");
  if (content_type.rfind("application/x-www-form-urlencoded", 0) == 0) {
    AddPairs(params, request.body);
    return params;
  }
  if (request.body.empty()) return params;
  nlohmann::json body = core::ParseUntrustedJson(request.body);
  if (!body.is_object()) return std::nullopt;
  for (auto& [key, value] : body.items()) params[key] = std::move(value);
  return params;
}

bool HasQueryParams(const http::Request& request) {
  for (const auto& [key, value] : http::ParseUrlEncoded(request.query)) {
    if (key != "access_token") return true;
  }
  return false;
}

bool AllDigits(std::string_view s, size_t max_len) {
  return !s.empty() && s.size() <= max_len &&
         std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

bool IsGraphVersion(std::string_view v) {
  size_t dot = v.find('.');
  return v.size() >= 4 && v[0] == 'v' && dot != std::string_view::npos && AllDigits(v.substr(1, dot - 1), 3) &&
         AllDigits(v.substr(dot + 1), 2);
}

std::string BearerOf(const http::Request& request) {
  std::string_view auth = request.Header("authorization");
  if (auth.size() > 7 && (auth.substr(0, 7) == "Bearer " || auth.substr(0, 7) == "bearer ")) {
    std::string token(auth.substr(7));
    token.erase(0, token.find_first_not_of(' '));
    return token;
  }
  return request.Query("access_token").value_or("");
}

std::optional<GraphError> CheckGraphAccess(std::string_view version, std::string_view bearer,
                                           std::string_view required_token) {
  if (!IsGraphVersion(version)) return UnknownPathError("/" + std::string(version));
  if (bearer.empty() || (!required_token.empty() && bearer != required_token)) return MissingTokenError();
  return std::nullopt;
}

http::Response GraphJson(int status, const nlohmann::ordered_json& body) {
  http::Response response;
  response.status = status;
  response.body = body.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
  return response;
}

std::string GraphPageUrl(const http::Request& request, std::string_view cursor_name, const std::string& cursor) {
  std::string query;
  for (const auto& [key, value] : http::ParseUrlEncoded(request.query)) {
    if (key == "after" || key == "before") continue;
    query += core::UrlEncode(key) + "=" + core::UrlEncode(value) + "&";
  }
  query += std::string(cursor_name) + "=" + core::UrlEncode(cursor);
  return BaseUrlOf(request) + request.path + "?" + query;
}

std::string BaseUrlOf(const http::Request& request) {
  std::string_view host = request.Header("host");
  return "http://" + std::string(host.empty() ? std::string_view("127.0.0.1") : host);
}

}  // namespace wagate::sandbox
