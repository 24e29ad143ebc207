// Route table: method + path pattern ("/api/v1/tenants/{id}") → handler. All routes in one table.
#pragma once

#include <string>
#include <vector>

#include "wagate/http/message.hpp"

namespace wagate::http {

// Built at start-up, then read-only: safe to dispatch from many threads.
class Router final {
 public:
  void Add(std::string method, std::string pattern, Handler handler);
  // Answers 404 for unknown paths and 405 for known paths with another method.
  void Dispatch(Request& request, Responder responder) const;

 private:
  struct Route {
    std::string method;
    std::string pattern;
    std::vector<std::string> segments;
    Handler handler;
  };
  std::vector<Route> routes_;
};

}  // namespace wagate::http
