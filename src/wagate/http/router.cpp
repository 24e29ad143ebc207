#include "wagate/http/router.hpp"

#include <algorithm>

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

bool MatchSegments(const std::vector<std::string>& pattern, const std::vector<std::string>& parts,
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

void Router::Add(std::string method, const std::string& pattern, Handler handler, Execution execution,
                 size_t max_body_bytes, Admission admission) {
  routes_.push_back(Route{std::move(method), pattern, SplitPath(pattern), std::move(handler), execution, max_body_bytes,
                          std::move(admission), BodyMode::kBuffered});
}

void Router::AddStreamed(std::string method, const std::string& pattern, Handler handler, size_t max_body_bytes,
                         Admission admission) {
  // The upstream pool, since reading the body blocks at the client's pace.
  routes_.push_back(Route{std::move(method), pattern, SplitPath(pattern), std::move(handler), Execution::kUpstream,
                          max_body_bytes, std::move(admission), BodyMode::kStreamed});
  any_streamed_ = true;
}

bool Router::StreamsBody(std::string_view method, std::string_view path) const {
  if (!any_streamed_) return false;
  std::vector<std::string> parts = SplitPath(path);
  for (const Route& route : routes_) {
    if (route.method != method) continue;
    std::map<std::string, std::string> params;
    if (MatchSegments(route.segments, parts, &params)) return route.body_mode == BodyMode::kStreamed;
  }
  return false;
}

void Router::StreamWholeBody(const Route& route, Request& request) {
  if (route.body_mode != BodyMode::kStreamed || request.body_stream) return;
  request.body_stream = StringBodyReader(std::move(request.body));
  request.body.clear();
}

core::Result<std::shared_ptr<void>> Router::Admit(const Request& head) const {
  // The route Dispatch will pick (the first with this method and path); the request is copied only
  // when that route has an admission, so it sees the params its handler will.
  std::vector<std::string> parts = SplitPath(head.path);
  for (const Route& route : routes_) {
    if (route.method != head.method) continue;
    std::map<std::string, std::string> params;
    if (!MatchSegments(route.segments, parts, &params)) continue;
    if (!route.admission) break;
    Request admitted = head;
    admitted.params = std::move(params);
    admitted.route = route.pattern;
    return route.admission(admitted);
  }
  return std::shared_ptr<void>();
}

size_t Router::LargestBodyLimit() const {
  size_t largest = 0;
  for (const Route& route : routes_) largest = std::max(largest, route.max_body_bytes);
  return largest;
}

std::optional<size_t> Router::BodyLimit(std::string_view method, std::string_view path) const {
  std::vector<std::string> parts = SplitPath(path);
  for (const Route& route : routes_) {
    if (route.max_body_bytes == 0 || route.method != method) continue;
    std::map<std::string, std::string> params;
    if (MatchSegments(route.segments, parts, &params)) return route.max_body_bytes;
  }
  return std::nullopt;
}

const Router::Route* Router::Match(Request& request, bool* path_known) const {
  std::vector<std::string> parts = SplitPath(request.path);
  *path_known = false;
  for (const Route& route : routes_) {
    std::map<std::string, std::string> params;
    if (!MatchSegments(route.segments, parts, &params)) continue;
    *path_known = true;
    if (route.method != request.method) continue;
    request.params = std::move(params);
    request.route = route.pattern;
    return &route;
  }
  request.route = *path_known ? "method_not_allowed" : "not_found";
  return nullptr;
}

void Router::Dispatch(const std::shared_ptr<Request>& request, Responder responder, const Offload& offload) const {
  bool path_known = false;
  const Route* route = Match(*request, &path_known);
  if (route) StreamWholeBody(*route, *request);
  if (route && route->execution != Execution::kInline && offload) {
    offload(route->execution, [route, request, responder]() { route->handler(*request, responder); });
    return;
  }
  if (route) return route->handler(*request, std::move(responder));
  Answer404or405(*request, std::move(responder), path_known);
}

void Router::Dispatch(Request& request, Responder responder) const {
  bool path_known = false;
  const Route* route = Match(request, &path_known);
  if (route) StreamWholeBody(*route, request);
  if (route) return route->handler(request, std::move(responder));
  Answer404or405(request, std::move(responder), path_known);
}

void Router::Answer404or405(const Request& request, Responder responder, bool path_known) const {
  if (fallback_) {
    if (std::optional<Response> answer = fallback_(request, path_known)) return responder(std::move(*answer));
  }
  if (path_known) {
    responder(
        ErrorResponse(405, "method_not_allowed", "method " + request.method + " is not allowed on " + request.path));
  } else {
    responder(ErrorResponse(404, "not_found", "no route for " + request.path));
  }
}

}  // namespace wagate::http
