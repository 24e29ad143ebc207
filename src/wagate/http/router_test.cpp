#include "wagate/http/router.hpp"

#include <gtest/gtest.h>

namespace wagate::http {
namespace {

Response Answer(const Router& router, std::string method, std::string path) {
  Request request;
  request.method = std::move(method);
  request.path = std::move(path);
  Response answer;
  router.Dispatch(request, Responder([&answer](Response response) { answer = std::move(response); }));
  return answer;
}

Router WithOneRoute() {
  Router router;
  router.Add("GET", "/things/{id}", [](Request& request, Responder respond) {
    Response response;
    response.status = 200;
    response.body = request.params["id"];
    respond(std::move(response));
  });
  return router;
}

TEST(RouterTest, MatchesAndFillsParams) {
  Response r = Answer(WithOneRoute(), "GET", "/things/42");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "42");
}

TEST(RouterTest, Answers404ForUnknownPathsAnd405ForOtherMethods) {
  Router router = WithOneRoute();
  EXPECT_EQ(Answer(router, "GET", "/nothing").status, 404);
  EXPECT_EQ(Answer(router, "DELETE", "/things/42").status, 405);
}

TEST(RouterTest, FallbackAnswersWhatNoRouteTakesAndKnowsWhetherThePathIsKnown) {
  Router router = WithOneRoute();
  router.SetFallback([](const Request& request, bool path_known) -> std::optional<Response> {
    if (request.path == "/left-alone") return std::nullopt;
    Response response;
    response.status = 418;
    response.body = request.method + (path_known ? " known" : " unknown");
    return response;
  });
  Response other_method = Answer(router, "DELETE", "/things/42");
  EXPECT_EQ(other_method.status, 418);
  EXPECT_EQ(other_method.body, "DELETE known");
  EXPECT_EQ(Answer(router, "GET", "/nothing").body, "GET unknown");
  EXPECT_EQ(Answer(router, "GET", "/things/7").status, 200);  // routes still win
  EXPECT_EQ(Answer(router, "GET", "/left-alone").status, 404);
}

}  // namespace
}  // namespace wagate::http
