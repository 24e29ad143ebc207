#include "wagate/sandbox/graph/graph_request.hpp"

#include <algorithm>

namespace wagate::sandbox {

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
  if (!IsGraphVersion(version)) {
    return GraphError{2500, "Unknown path components: /" + std::string(version), "OAuthException"};
  }
  if (bearer.empty() || (!required_token.empty() && bearer != required_token)) return MissingTokenError();
  return std::nullopt;
}

http::Response GraphJson(int status, const nlohmann::ordered_json& body) {
  http::Response response;
  response.status = status;
  response.body = body.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
  return response;
}

std::string BaseUrlOf(const http::Request& request) {
  std::string_view host = request.Header("host");
  return "http://" + std::string(host.empty() ? std::string_view("127.0.0.1") : host);
}

}  // namespace wagate::sandbox
