#include "wagate/http/router.hpp"

#include "wagate/http/responses.hpp"

namespace wagate::http {
namespace {

std::vector<std::string> SplitPath(std::string_view path) {
  std::vector<std::string> parts;
  size_t i = 0;
  while (i < path.size()) {
    while (i < path.size() && path[i] == '/') ++i;
    size_t j = path.find('/', i);
    if (j == std::string_view::npos) j = path.size();
    if (j > i) parts.emplace_back(path.substr(i, j - i));
    i = j;
  }
  return parts;
}

bool Match(const std::vector<std::string>& pattern, const std::vector<std::string>& parts,
           std::map<std::string, std::string>* params) {
  if (pattern.size() != parts.size()) return false;
  for (size_t i = 0; i < pattern.size(); ++i) {
    const std::string& p = pattern[i];
    if (p.size() > 2 && p.front() == '{' && p.back() == '}') {
      (*params)[p.substr(1, p.size() - 2)] = parts[i];
    } else if (p != parts[i]) {
      return false;
    }
  }
  return true;
}

}  // namespace

void Router::Add(std::string method, std::string pattern, Handler handler) {
  routes_.push_back(Route{std::move(method), pattern, SplitPath(pattern), std::move(handler)});
}

void Router::Dispatch(Request& request, Responder responder) const {
  std::vector<std::string> parts = SplitPath(request.path);
  bool path_known = false;
  for (const Route& route : routes_) {
    std::map<std::string, std::string> params;
    if (!Match(route.segments, parts, &params)) continue;
    path_known = true;
    if (route.method != request.method) continue;
    request.params = std::move(params);
    request.route = route.pattern;
    route.handler(request, std::move(responder));
    return;
  }
  request.route = path_known ? "method_not_allowed" : "not_found";
  if (path_known) {
    responder(ErrorResponse(405, "method_not_allowed", "method " + request.method + " is not allowed on " + request.path));
  } else {
    responder(ErrorResponse(404, "not_found", "no route for " + request.path));
  }
}

}  // namespace wagate::http
