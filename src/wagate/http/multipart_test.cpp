#include "wagate/http/multipart.hpp"

#include <gtest/gtest.h>

namespace wagate::http {
namespace {

constexpr std::string_view kType = "multipart/form-data; boundary=XyZ";

bool PointsInto(std::string_view part, std::string_view body) {
  return part.data() >= body.data() && part.data() + part.size() <= body.data() + body.size();
}

TEST(MultipartTest, ParsesFieldsAndAFileAsViewsIntoTheBody) {
  std::string body =
      "--XyZ\r\n"
      "Content-Disposition: form-data; name=\"messaging_product\"\r\n"
      "\r\n"
      "whatsapp\r\n"
      "--XyZ\r\n"
      "Content-Disposition: form-data; name=\"file\"; filename=\"invoice.pdf\"\r\n"
      "Content-Type: application/pdf\r\n"
      "\r\n"
      "%PDF-1.4 bytes\r\n"
      "--XyZ--\r\n";
  auto parts = ParseMultipart(kType, body);
  ASSERT_TRUE(parts.ok()) << parts.error().message;
  ASSERT_EQ(parts->size(), 2u);
  EXPECT_EQ((*parts)[0].name, "messaging_product");
  EXPECT_EQ((*parts)[0].data, "whatsapp");
  EXPECT_EQ((*parts)[0].content_type, "");
  EXPECT_EQ((*parts)[0].filename, "");
  EXPECT_EQ((*parts)[1].name, "file");
  EXPECT_EQ((*parts)[1].filename, "invoice.pdf");
  EXPECT_EQ((*parts)[1].content_type, "application/pdf");
  EXPECT_EQ((*parts)[1].data, "%PDF-1.4 bytes");
  EXPECT_TRUE(PointsInto((*parts)[1].data, body));
}

TEST(MultipartTest, QuotedBoundaryAndCaseInsensitiveHeaders) {
  std::string body =
      "--a b:c=d\r\n"
      "content-disposition: FORM-DATA; NAME=\"x\"\r\n"
      "\r\n"
      "1\r\n"
      "--a b:c=d--";
  auto parts = ParseMultipart("Multipart/Form-Data; charset=utf-8; Boundary=\"a b:c=d\"", body);
  ASSERT_TRUE(parts.ok()) << parts.error().message;
  ASSERT_EQ(parts->size(), 1u);
  EXPECT_EQ((*parts)[0].name, "x");
  EXPECT_EQ((*parts)[0].data, "1");
}

TEST(MultipartTest, PreambleEpilogueAndTransportPaddingAreSkipped) {
  std::string body =
      "preamble line\r\n"
      "--XyZ  \t\r\n"
      "Content-Disposition: form-data; name=\"a\"\r\n\r\n"
      "A\r\n"
      "--XyZ--\r\nepilogue --XyZ junk";
  auto parts = ParseMultipart(kType, body);
  ASSERT_TRUE(parts.ok()) << parts.error().message;
  ASSERT_EQ(parts->size(), 1u);
  EXPECT_EQ((*parts)[0].data, "A");
}

TEST(MultipartTest, BinaryDataWithPartialBoundariesStaysData) {
  static constexpr char kRaw[] = "\x00\xff\r\n--XyZ!\r\n--Xy\r\n-\r\n--XyZZ\r\n--XyZ\x01--XyZ\r\n\r\n";
  std::string data(kRaw, sizeof(kRaw) - 1);
  std::string body =
      "--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"b.bin\"\r\n"
      "Content-Type: application/octet-stream\r\n\r\n" +
      data + "\r\n--XyZ--";
  auto parts = ParseMultipart(kType, body);
  ASSERT_TRUE(parts.ok()) << parts.error().message;
  ASSERT_EQ(parts->size(), 1u);
  EXPECT_EQ((*parts)[0].data, data);
}

TEST(MultipartTest, CrlfAtTheEndOfDataBelongsToTheDataOnlyBeforeTheDelimiterCrlf) {
  std::string body =
      "--XyZ\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nline\r\n\r\n--XyZ\r\n"
      "Content-Disposition: form-data; name=\"empty\"\r\n\r\n\r\n--XyZ--";
  auto parts = ParseMultipart(kType, body);
  ASSERT_TRUE(parts.ok()) << parts.error().message;
  ASSERT_EQ(parts->size(), 2u);
  EXPECT_EQ((*parts)[0].data, "line\r\n");
  EXPECT_EQ((*parts)[1].data, "");
}

TEST(MultipartTest, FilenameEscapesAndExtendedFilename) {
  std::string body =
      "--XyZ\r\nContent-Disposition: form-data; name=\"f\"; filename=\"say \\\"hi\\\" C:\\dir.txt\"\r\n\r\nx\r\n"
      "--XyZ\r\nContent-Disposition: form-data; name=\"g\"; filename=\"plain.pdf\"; "
      "filename*=UTF-8''na%C3%AFve%20r%C3%A9sum%C3%A9.pdf\r\n\r\ny\r\n"
      "--XyZ\r\nContent-Disposition: form-data; name=h; filename=unquoted.txt\r\n\r\nz\r\n--XyZ--";
  auto parts = ParseMultipart(kType, body);
  ASSERT_TRUE(parts.ok()) << parts.error().message;
  ASSERT_EQ(parts->size(), 3u);
  EXPECT_EQ((*parts)[0].filename, "say \"hi\" C:\\dir.txt");
  EXPECT_EQ((*parts)[1].filename, "na\xC3\xAFve r\xC3\xA9sum\xC3\xA9.pdf");
  EXPECT_EQ((*parts)[2].name, "h");
  EXPECT_EQ((*parts)[2].filename, "unquoted.txt");
}

TEST(MultipartTest, LargeFilePartIsNotCopied) {
  std::string file(5 * 1024 * 1024, 'a');
  for (size_t i = 0; i < file.size(); i += 4099) file[i] = static_cast<char>(i % 251);
  std::string body =
      "--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.jpg\"\r\n"
      "Content-Type: image/jpeg\r\n\r\n" +
      file + "\r\n--XyZ--\r\n";
  auto parts = ParseMultipart(kType, body);
  ASSERT_TRUE(parts.ok()) << parts.error().message;
  ASSERT_EQ(parts->size(), 1u);
  EXPECT_EQ((*parts)[0].data.size(), file.size());
  EXPECT_TRUE((*parts)[0].data == file);
  EXPECT_TRUE(PointsInto((*parts)[0].data, body));
}

TEST(MultipartTest, MalformedInputIsRejectedWithInvalidMultipart) {
  const std::string ok_part = "Content-Disposition: form-data; name=\"a\"\r\n\r\nA\r\n";
  struct Case {
    const char* why;
    std::string content_type;
    std::string body;
  };
  std::vector<Case> cases = {
      {"not multipart", "application/json", "--XyZ\r\n" + ok_part + "--XyZ--"},
      {"multipart/mixed", "multipart/mixed; boundary=XyZ", "--XyZ\r\n" + ok_part + "--XyZ--"},
      {"no boundary parameter", "multipart/form-data", "--XyZ\r\n" + ok_part + "--XyZ--"},
      {"empty boundary", "multipart/form-data; boundary=\"\"", "--\r\n" + ok_part + "----"},
      {"boundary too long", "multipart/form-data; boundary=" + std::string(71, 'b'), ""},
      {"unterminated quoted boundary", "multipart/form-data; boundary=\"XyZ", "--XyZ\r\n" + ok_part + "--XyZ--"},
      {"empty body", std::string(kType), ""},
      {"boundary absent from the body", std::string(kType), "--Other\r\n" + ok_part + "--Other--"},
      {"no parts", std::string(kType), "--XyZ--\r\n"},
      {"missing close delimiter", std::string(kType), "--XyZ\r\n" + ok_part},
      {"truncated inside data", std::string(kType), "--XyZ\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nAB"},
      {"headers never end", std::string(kType), "--XyZ\r\nContent-Disposition: form-data; name=\"a\"\r\n"},
      {"LF-only line endings", std::string(kType), "--XyZ\nContent-Disposition: form-data; name=\"a\"\n\nA\n--XyZ--"},
      {"LF inside the header block", std::string(kType),
       "--XyZ\r\nContent-Disposition: form-data; name=\"a\"\nX: y\r\n\r\nA\r\n--XyZ--"},
      {"garbage after the boundary", std::string(kType), "--XyZjunk\r\n" + ok_part + "--XyZ--"},
      {"header without colon", std::string(kType), "--XyZ\r\nContent-Disposition form-data\r\n\r\nA\r\n--XyZ--"},
      {"folded header line", std::string(kType),
       "--XyZ\r\nContent-Disposition: form-data;\r\n name=\"a\"\r\n\r\nA\r\n--XyZ--"},
      {"no Content-Disposition", std::string(kType), "--XyZ\r\nContent-Type: text/plain\r\n\r\nA\r\n--XyZ--"},
      {"disposition not form-data", std::string(kType),
       "--XyZ\r\nContent-Disposition: attachment; name=\"a\"\r\n\r\nA\r\n--XyZ--"},
      {"part without a name", std::string(kType),
       "--XyZ\r\nContent-Disposition: form-data; filename=\"a.txt\"\r\n\r\nA\r\n--XyZ--"},
      {"unterminated quoted name", std::string(kType),
       "--XyZ\r\nContent-Disposition: form-data; name=\"a\r\n\r\nA\r\n--XyZ--"},
      {"huge header block", std::string(kType),
       "--XyZ\r\nContent-Disposition: form-data; name=\"a\"\r\nX-Pad: " + std::string(20000, 'p') +
           "\r\n\r\nA\r\n--XyZ--"},
  };
  for (const Case& c : cases) {
    auto parts = ParseMultipart(c.content_type, c.body);
    ASSERT_FALSE(parts.ok()) << c.why;
    EXPECT_EQ(parts.error().code, "invalid_multipart") << c.why;
    EXPECT_EQ(parts.error().kind, core::ErrorKind::kInvalidInput) << c.why;
    EXPECT_FALSE(parts.error().message.empty()) << c.why;
  }
}

TEST(MultipartTest, TooManyPartsAreRejected) {
  std::string body;
  for (int i = 0; i < 1001; ++i) body += "--XyZ\r\nContent-Disposition: form-data; name=\"p\"\r\n\r\nv\r\n";
  body += "--XyZ--";
  EXPECT_FALSE(ParseMultipart(kType, body).ok());
}

}  // namespace
}  // namespace wagate::http
