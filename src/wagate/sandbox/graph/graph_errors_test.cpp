#include "wagate/sandbox/graph/graph_errors.hpp"

#include <gtest/gtest.h>

namespace wagate::sandbox {
namespace {

TEST(GraphErrorsTest, BodyHasMetasExactShape) {
  nlohmann::ordered_json body = GraphErrorBody(GraphError::Of(131008, "The parameter to is required."), "Atrace");
  nlohmann::ordered_json expected = nlohmann::ordered_json::parse(R"({"error":{
      "message":"(#131008) Required parameter is missing","type":"OAuthException","code":131008,
      "error_data":{"messaging_product":"whatsapp","details":"The parameter to is required."},
      "fbtrace_id":"Atrace"}})");
  EXPECT_EQ(body.dump(), expected.dump());  // same keys, same order
}

TEST(GraphErrorsTest, HttpStatusesFollowMetasTable) {
  struct Row {
    int code;
    int status;
  };
  for (Row row :
       {Row{0, 401},      Row{1, 400},      Row{2, 503},      Row{3, 500},      Row{4, 400},      Row{10, 403},
        Row{100, 400},    Row{190, 401},    Row{368, 403},    Row{80007, 400},  Row{130429, 400}, Row{130472, 400},
        Row{131000, 500}, Row{131005, 403}, Row{131008, 400}, Row{131009, 400}, Row{131016, 500}, Row{131021, 400},
        Row{131026, 400}, Row{131031, 403}, Row{131042, 400}, Row{131047, 400}, Row{131048, 400}, Row{131049, 400},
        Row{131050, 400}, Row{131051, 400}, Row{131053, 400}, Row{131056, 400}, Row{131057, 500}, Row{132000, 400},
        Row{132001, 404}, Row{132012, 400}, Row{132015, 400}, Row{132016, 400}, Row{133010, 400}, Row{135000, 400},
        Row{250, 403}}) {
    EXPECT_EQ(DescribeGraphCode(row.code).http_status, row.status) << "code " << row.code;
    EXPECT_FALSE(DescribeGraphCode(row.code).title.empty()) << "code " << row.code;
  }
}

TEST(GraphErrorsTest, UnknownCodeIs400WithGenericTitle) {
  GraphCodeInfo info = DescribeGraphCode(987654);
  EXPECT_EQ(info.http_status, 400);
  EXPECT_EQ(info.title, "Unknown error");
  EXPECT_EQ(GraphErrorBody(GraphError::Of(987654, "x"), "t")["error"]["message"], "(#987654) Unknown error");
}

TEST(GraphErrorsTest, ResponseCarriesStatusAndFreshTraceId) {
  http::Response a = GraphErrorResponse(GraphError::Of(131000, "boom"));
  http::Response b = GraphErrorResponse(GraphError::Of(131000, "boom"));
  EXPECT_EQ(a.status, 500);
  auto ja = nlohmann::json::parse(a.body);
  auto jb = nlohmann::json::parse(b.body);
  EXPECT_EQ(ja["error"]["code"], 131000);
  EXPECT_EQ(ja["error"]["fbtrace_id"].get<std::string>().size(), 23u);
  EXPECT_NE(ja["error"]["fbtrace_id"], jb["error"]["fbtrace_id"]);
}

TEST(GraphErrorsTest, MissingTokenIs401Code190OAuthException) {
  GraphError e = MissingTokenError();
  EXPECT_EQ(e.code, 190);
  EXPECT_EQ(DescribeGraphCode(e.code).http_status, 401);
  EXPECT_EQ(GraphErrorBody(e, "t")["error"]["type"], "OAuthException");
}

TEST(GraphErrorsTest, UnknownObjectIsGraphMethodExceptionWithSubcode33) {
  nlohmann::ordered_json body = GraphErrorBody(UnknownObjectError("abc"), "t")["error"];
  EXPECT_EQ(body["code"], 100);
  EXPECT_EQ(body["type"], "GraphMethodException");
  EXPECT_EQ(body["error_subcode"], 33);
  EXPECT_NE(body["message"].get<std::string>().find("Unsupported post request. Object with ID 'abc'"),
            std::string::npos);
  EXPECT_FALSE(body.contains("error_data"));  // Graph's generic errors carry none
}

}  // namespace
}  // namespace wagate::sandbox
