#include "wagate/campaigns/csv_reader.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <random>
#include <string>
#include <string_view>
#include <vector>

namespace wagate::campaigns {
namespace {

// Everything a reader reported, as comparable text: "2 +4915|Ann|x" for a record (row, phone, then
// the values), "3 !wrong_field_count 2" for a row error, and how the upload ended ("ok" or a code).
struct Outcome {
  std::vector<std::string> rows;
  std::string status = "ok";
  bool operator==(const Outcome&) const = default;
};

void PrintTo(const Outcome& o, std::ostream* os) {
  *os << "status " << o.status << "; rows:";
  for (const auto& r : o.rows) *os << "\n  " << testing::PrintToString(r);
}

class Collector {
 public:
  explicit Collector(CsvReader::Settings settings = {})
      : reader_(
            std::move(settings), [this](const CsvRecord& r) { OnRecord(r); },
            [this](const CsvRowError& e) { OnError(e); }) {}

  // Feeds `input` cut at `cuts` (ascending offsets), stopping at the first failure as a server would.
  Outcome Read(std::string_view input, const std::vector<size_t>& cuts) {
    size_t at = 0;
    for (size_t cut : cuts) {
      if (!Keep(reader_.Feed(input.substr(at, cut - at)))) return outcome_;
      at = cut;
    }
    if (Keep(reader_.Feed(input.substr(at)))) Keep(reader_.Finish());
    return outcome_;
  }

  CsvReader& reader() { return reader_; }

 private:
  void OnRecord(const CsvRecord& r) {
    std::string line = std::to_string(r.row) + " " + std::string(r.phone);
    EXPECT_EQ(r.values.size(), reader_.header()->variables.size());
    for (std::string_view v : r.values) line += "|" + std::string(v);
    outcome_.rows.push_back(std::move(line));
  }
  void OnError(const CsvRowError& e) {
    std::string line = std::to_string(e.row) + " !" + std::string(CodeOf(e.kind));
    if (e.kind == CsvRowErrorKind::kWrongFieldCount) line += " " + std::to_string(e.field_count);
    outcome_.rows.push_back(std::move(line));
  }
  bool Keep(const core::Status& status) {
    if (!status.ok()) outcome_.status = status.error().code;
    return status.ok();
  }

  Outcome outcome_;
  CsvReader reader_;
};

Outcome Read(std::string_view input, const std::vector<size_t>& cuts = {}, CsvReader::Settings settings = {}) {
  return Collector(std::move(settings)).Read(input, cuts);
}

Outcome ReadByteByByte(std::string_view input, CsvReader::Settings settings = {}) {
  std::vector<size_t> cuts;
  for (size_t i = 1; i < input.size(); ++i) cuts.push_back(i);
  return Read(input, cuts, std::move(settings));
}

Outcome Expect(std::vector<std::string> rows, std::string status = "ok") {
  return {std::move(rows), std::move(status)};
}

TEST(CsvReader, ReadsRecordsWithThePhoneColumnAnywhere) {
  Collector c;
  auto outcome = c.Read("name,phone,city\nAnn,+49 151 1234567,Berlin\nBob,+14155552671,\n", {});
  EXPECT_EQ(outcome, Expect({"1 +49 151 1234567|Ann|Berlin", "2 +14155552671|Bob|"}));
  ASSERT_NE(c.reader().header(), nullptr);
  EXPECT_EQ(c.reader().header()->variables, (std::vector<std::string>{"name", "city"}));
  EXPECT_EQ(c.reader().rows(), 2U);
}

TEST(CsvReader, ThePhoneColumnIsConfigurableAndMatchedIgnoringCase) {
  CsvReader::Settings settings;
  settings.phone_column = "msisdn";
  EXPECT_EQ(Read("MSISDN,code\n628123,X1\n", {}, settings), Expect({"1 628123|X1"}));
  EXPECT_EQ(Read("phone,code\n628123,X1\n", {}, settings), Expect({}, "phone_column_missing"));
}

TEST(CsvReader, KeepsFieldsAsWrittenWithoutTrimming) {
  EXPECT_EQ(Read("phone,name\n +49 1 , Ann \n"), Expect({"1  +49 1 | Ann "}));
}

TEST(CsvReader, QuotedFieldsHoldSeparatorsLineEndsAndEscapedQuotes) {
  EXPECT_EQ(Read("phone,note\n\"+1 415\",\"a, b\"\n2,\"line 1\nline 2\r\nline 3\"\n3,\"say \"\"hi\"\"\"\n4,\"\"\n"),
            Expect({"1 +1 415|a, b", "2 2|line 1\nline 2\r\nline 3", "3 3|say \"hi\"", "4 4|"}));
}

TEST(CsvReader, StrayQuotesAreKeptLikeSpreadsheetsDo) {
  // A quote inside an unquoted field is text; text after a closing quote is kept.
  EXPECT_EQ(Read("phone,note\n1,5\" screen\n2,\"ab\"c\n3,\"x\" \n"), Expect({"1 1|5\" screen", "2 2|abc", "3 3|x "}));
}

TEST(CsvReader, AcceptsLfCrlfAndLoneCrLineEnds) {
  EXPECT_EQ(Read("phone,v\r\n1,a\r\n2,b\n3,c\r4,d"), Expect({"1 1|a", "2 2|b", "3 3|c", "4 4|d"}));
}

TEST(CsvReader, StripsAByteOrderMarkOnlyAtTheStart) {
  const std::string input =
      "\xEF\xBB\xBFphone,v\n\xEF\xBB\xBF"
      "1,a\n";
  auto expected =
      Expect({"1 \xEF\xBB\xBF"
              "1|a"});  // later, it is text like any other
  EXPECT_EQ(Read(input), expected);
  EXPECT_EQ(ReadByteByByte(input), expected);
  // A body that only starts like the mark is text: here, not UTF-8.
  EXPECT_EQ(Read("\xEF\xBBphone\n1\n"), Expect({}, "invalid_utf8"));
  EXPECT_EQ(ReadByteByByte("\xEF\xBB"), Expect({}, "invalid_utf8"));
  EXPECT_EQ(Read("\xEF\xBB\xBF"), Expect({}, "empty_header"));
}

TEST(CsvReader, IgnoresTheFinalLineEndAndSkipsBlankLinesWithoutNumberingThem) {
  EXPECT_EQ(Read("phone\n1"), Expect({"1 1"}));
  EXPECT_EQ(Read("phone\n1\n"), Expect({"1 1"}));
  EXPECT_EQ(Read("\n\r\nphone,v\n\n1,a\r\n\r\n,\n2,b\n\n\n"), Expect({"1 1|a", "2 2|b"}));
}

TEST(CsvReader, SkipsTheEmptyRowsSpreadsheetsWrite) {
  EXPECT_EQ(Read("phone,a,b\n,,\n1,x,y\n,,\n\"\",,\n"), Expect({"1 1|x|y"}));
  // Not all empty: a record (whose phone the caller will reject).
  EXPECT_EQ(Read("phone,a,b\n,x,\n"), Expect({"1 |x|"}));
}

TEST(CsvReader, NumbersRowsByRecordNotByLine) {
  EXPECT_EQ(Read("phone,address\n1,\"Main St 1\nApt 2\nBerlin\"\n2,x\n"),
            Expect({"1 1|Main St 1\nApt 2\nBerlin", "2 2|x"}));
}

TEST(CsvReader, AWrongFieldCountIsARowErrorAndReadingGoesOn) {
  EXPECT_EQ(
      Read("phone,a,b\n1,x,y\n2,x\n3,x,y,z\n4\n5,x,y\n"),
      Expect({"1 1|x|y", "2 !wrong_field_count 2", "3 !wrong_field_count 4", "4 !wrong_field_count 1", "5 5|x|y"}));
}

TEST(CsvReader, AnUnterminatedQuoteAtTheEndIsAnErrorForThatRow) {
  EXPECT_EQ(Read("phone,v\n1,a\n2,\"never closed,\nstill open\n"), Expect({"1 1|a", "2 !unterminated_quote"}));
  EXPECT_EQ(Read("phone,v\n1,\"\"\"\n"), Expect({"1 !unterminated_quote"}));  // """ opens, escapes, never closes
}

TEST(CsvReader, InvalidUtf8IsARowError) {
  EXPECT_EQ(Read("phone,name\n1,Jos\xC3\xA9\n2,Jos\xE9\n3,\xED\xA0\x80\n4,ok\n"),
            Expect({"1 1|Jos\xC3\xA9", "2 !invalid_utf8", "3 !invalid_utf8", "4 4|ok"}));
  // A character cut in two by a separator is invalid in both fields.
  EXPECT_EQ(Read("phone,a,b\n1,x\xC3,\xA9y\n"), Expect({"1 !invalid_utf8"}));
}

TEST(CsvReader, ARowOverTheLimitIsSkippedToItsEnd) {
  CsvReader::Settings settings;
  settings.max_row_bytes = 10;  // field text plus one byte per field
  EXPECT_EQ(Read("phone,a\n12345,abc\n12345,abcd\n1,\"x\ny\n\"\"z\"\"\nw\"\n2,b\n", {}, settings),
            Expect({"1 12345|abc", "2 !row_too_long", "3 !row_too_long", "4 2|b"}));
}

TEST(CsvReader, AHugeRowCostsOneErrorAndBoundedMemory) {
  const std::string huge(200 * 1024, 'x');
  // Unquoted, quoted across lines (skipped to the real end of the record), and all separators.
  std::string input =
      "phone,v\n1," + huge + "\n2,\"" + huge + "\n" + huge + "\"\n3,a\n" + std::string(200 * 1024, ',') + "\n4,b\n";
  auto expected = Expect({"1 !row_too_long", "2 !row_too_long", "3 3|a", "4 !row_too_long", "5 4|b"});
  std::vector<size_t> chunks;  // as it would arrive: 64 KiB pieces
  for (size_t at = 64 * 1024; at < input.size(); at += 64 * 1024) chunks.push_back(at);
  EXPECT_EQ(Read(input, chunks), expected);
  EXPECT_EQ(ReadByteByByte(input), expected);
}

TEST(CsvReader, AnUnterminatedQuoteSwallowsTheRestAsOneBadRow) {
  std::string input = "phone,v\n1,\"";
  for (int i = 0; i < 20'000; ++i) input += "2,not a row\n";  // 240 KB inside the open quote
  EXPECT_EQ(Read(input), Expect({"1 !row_too_long"}));
}

TEST(CsvReader, DetectsSemicolonsFromAHeaderWithoutCommas) {
  EXPECT_EQ(Read("phone;name;city\n+49 1;Ann;\"Berlin; Mitte\"\n2;a,b;c\n"),
            Expect({"1 +49 1|Ann|Berlin; Mitte", "2 2|a,b|c"}));
  // A comma in the header, or a quote, keeps the comma.
  EXPECT_EQ(Read("phone,a;b\n1,x\n"), Expect({}, "invalid_column_name"));
  EXPECT_EQ(Read("\"phone\";name\n1;x\n"), Expect({}, "phone_column_missing"));
  // The phone column alone: no semicolon, so no question.
  EXPECT_EQ(Read("phone\n1;2\n"), Expect({"1 1;2"}));
}

TEST(CsvReader, ABadHeaderFailsTheUploadAtOnce) {
  Collector c;
  EXPECT_EQ(c.reader().Feed("name,name,phone\n1,2,3\n").error().code, "duplicate_column");
  EXPECT_EQ(c.reader().Feed("4,5,6\n").error().code, "duplicate_column");
  EXPECT_EQ(c.reader().Finish().error().code, "duplicate_column");
  EXPECT_EQ(c.reader().rows(), 0U);
  EXPECT_EQ(c.reader().header(), nullptr);

  EXPECT_EQ(Read("phone,first name\n"), Expect({}, "invalid_column_name"));
  EXPECT_EQ(Read("phone,caf\xE9\n"), Expect({}, "invalid_utf8"));
  EXPECT_EQ(Read("phone,\"v\n"), Expect({}, "unterminated_quote"));
  CsvReader::Settings small;
  small.max_row_bytes = 8;
  EXPECT_EQ(Read("phone,abc\n1,2\n", {}, small), Expect({}, "row_too_long"));
  EXPECT_EQ(Read("phone,\"abc\n", {}, small), Expect({}, "row_too_long"));
}

TEST(CsvReader, AnEmptyBodyHasNoHeader) {
  for (std::string_view body : {"", "\n", "\r\n\r\n", ",,\n,\n"}) {
    EXPECT_EQ(Read(body), Expect({}, "empty_header")) << testing::PrintToString(std::string(body));
  }
}

TEST(CsvReader, StopsPastMaxRows) {
  CsvReader::Settings settings;
  settings.max_rows = 2;
  EXPECT_EQ(Read("phone\n1\n2\n", {}, settings), Expect({"1 1", "2 2"}));
  EXPECT_EQ(Read("phone\n1\nx,y\n3\n4\n", {}, settings), Expect({"1 1", "2 !wrong_field_count 2"}, "too_many_rows"));
  EXPECT_EQ(Read("phone\n1\n2\n\"3", {}, settings), Expect({"1 1", "2 2"}, "too_many_rows"));
}

// Every rule at once, to be cut anywhere.
constexpr std::string_view kTricky =
    "\xEF\xBB\xBFName,PHONE,note\r\n"
    "\"Doe, Jane\",+49 151 1234567,\"said \"\"hi\"\"\r\nthen left\"\r\n"
    "\r\n"
    "Bob,+1 415 555 2671,\xC3\xA9t\xC3\xA9\n"
    ",,\n"
    "short,row\n"
    "\"a\"\"\",\"+44\",\"x\"\n"
    "bad,\xC3(,x\r"
    "Eve,+33,\"unterminated, with\nnewline";

Outcome TrickyOutcome() {
  return Expect({"1 +49 151 1234567|Doe, Jane|said \"hi\"\r\nthen left", "2 +1 415 555 2671|Bob|\xC3\xA9t\xC3\xA9",
                 "3 !wrong_field_count 2", "4 +44|a\"|x", "5 !invalid_utf8", "6 !unterminated_quote"});
}

TEST(CsvReader, TheTrickySampleReadsAsExpectedWhole) { EXPECT_EQ(Read(kTricky), TrickyOutcome()); }

TEST(CsvReader, ChunkBoundariesAtEveryOffsetChangeNothing) {
  const Outcome expected = TrickyOutcome();
  EXPECT_EQ(ReadByteByByte(kTricky), expected);
  for (size_t i = 0; i <= kTricky.size(); ++i) {
    for (size_t j = i; j <= kTricky.size(); ++j) {
      ASSERT_EQ(Read(kTricky, {i, j}), expected) << "cut at " << i << " and " << j;
    }
  }
}

TEST(CsvReader, RandomSplitsChangeNothing) {
  const Outcome expected = TrickyOutcome();
  std::mt19937 random(20240611);  // fixed: a failure reproduces
  for (int run = 0; run < 500; ++run) {
    std::uniform_int_distribution<size_t> offset(0, kTricky.size());
    std::vector<size_t> cuts(std::uniform_int_distribution<size_t>(1, 12)(random));
    for (size_t& cut : cuts) cut = offset(random);
    std::ranges::sort(cuts);
    ASSERT_EQ(Read(kTricky, cuts), expected) << "run " << run;
  }
}

TEST(CsvReader, ReadsAMillionRowsStreamedIn64KiBPieces) {
  constexpr size_t kRows = 1'000'000;
  std::string body = "phone,first_name,address,order.id\n";
  body.reserve(kRows * 64);
  for (size_t i = 0; i < kRows; ++i) {
    const std::string n = std::to_string(i);
    body += "+49151" + std::string(8 - n.size(), '0') + n + ",Customer " + n + ",\"Street " + n + ", Apt 1\"," +
            "ORD-" + n + "\n";
  }
  size_t records = 0;
  size_t errors = 0;
  size_t last_row = 0;
  size_t value_bytes = 0;
  CsvReader reader(
      {},
      [&](const CsvRecord& r) {
        ++records;
        last_row = r.row;
        for (std::string_view v : r.values) value_bytes += v.size();
      },
      [&](const CsvRowError&) { ++errors; });
  const auto start = std::chrono::steady_clock::now();
  constexpr size_t kPiece = 64 * 1024;
  for (size_t at = 0; at < body.size(); at += kPiece)
    ASSERT_TRUE(reader.Feed(std::string_view(body).substr(at, kPiece)).ok());
  ASSERT_TRUE(reader.Finish().ok());
  const auto elapsed = std::chrono::steady_clock::now() - start;
  RecordProperty("parse_ms", std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(elapsed).count()));
  RecordProperty("body_bytes", std::to_string(body.size()));
  EXPECT_EQ(records, kRows);
  EXPECT_EQ(errors, 0U);
  EXPECT_EQ(last_row, kRows);
  EXPECT_EQ(reader.rows(), kRows);
  EXPECT_GT(value_bytes, kRows * 30);
}

}  // namespace
}  // namespace wagate::campaigns
