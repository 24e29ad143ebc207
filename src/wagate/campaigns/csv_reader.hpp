// An incremental CSV reader for campaign recipient uploads: fed the body piece by piece as it arrives,
// it never holds more than one record, and reports bad rows one by one instead of failing the upload.
#pragma once

#include <cstddef>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "wagate/campaigns/csv_header.hpp"
#include "wagate/core/result.hpp"

namespace wagate::campaigns {

// One recipient. The views point into the reader's buffers and are valid only during the callback.
struct CsvRecord {
  size_t row = 0;                            // data row number: 1 is the first record after the header
  std::string_view phone;                    // as written (not trimmed, not normalised: core/phone does that)
  std::span<const std::string_view> values;  // the variables' values, aligned with CsvHeader::variables
};

enum class CsvRowErrorKind {
  kWrongFieldCount,    // the record has more or fewer fields than the header
  kUnterminatedQuote,  // the input ended inside a quoted field
  kRowTooLong,         // the record exceeds Settings::max_row_bytes; skipped to its end
  kInvalidUtf8,        // a field is not well-formed UTF-8
};
// The stable snake_case code: "wrong_field_count", "unterminated_quote", "row_too_long", "invalid_utf8".
std::string_view CodeOf(CsvRowErrorKind kind);

// A data row that yields no recipient. Parsing goes on with the next record.
struct CsvRowError {
  size_t row = 0;  // numbered like CsvRecord::row
  CsvRowErrorKind kind = CsvRowErrorKind::kWrongFieldCount;
  size_t field_count = 0;  // kWrongFieldCount: how many fields the record had (the header's count is known)
};

// The format (RFC 4180, with the leniencies spreadsheets need):
// - Fields are separated by ',', or by ';' when the header row holds no ',' and no '"' but a ';' (what
//   spreadsheets write in locales with a decimal comma). The header decides for the whole file.
// - A field starting with '"' is quoted: it may hold separators, CR and LF, and '""' stands for '"'.
//   After the closing quote, anything up to the next separator or line end is kept as written
//   ("ab"c → abc); a '"' inside an unquoted field is an ordinary character.
// - Records end at LF, CRLF or a lone CR outside quotes. A UTF-8 byte-order mark at the very start is
//   dropped. Records whose fields are all empty (blank lines, and the ",,," spreadsheets write for empty
//   rows) are skipped and not numbered, so a file's final line end adds nothing.
// - Row numbers count records, not physical lines: a quoted field spanning three lines is one row, and
//   every numbered row yields exactly one record or one row error. Row N is the Nth non-empty record
//   after the header, i.e. spreadsheet row N+1 when the sheet has no empty rows.
// - The first non-empty record is the header (CsvHeader::Parse); a bad header fails the whole upload.
// - The size of a record is its field text (after unquoting) plus one byte per field. A record over
//   max_row_bytes is a row error, and its bytes are discarded up to its end (its line end outside quotes),
//   so memory stays bounded whatever the input: about max_row_bytes of text plus one offset per field.
//
// Owned by one upload; not thread-safe. Callbacks run on the caller's thread, inside Feed and Finish.
class CsvReader final {
 public:
  struct Settings {
    std::string phone_column = "phone";  // matched case-insensitively
    size_t max_row_bytes = 64 * 1024;    // applies to the header too
    size_t max_rows = 1'000'000;         // numbered data rows, good or bad
  };
  using RecordCallback = std::function<void(const CsvRecord&)>;
  using RowErrorCallback = std::function<void(const CsvRowError&)>;

  CsvReader(Settings settings, RecordCallback on_record, RowErrorCallback on_row_error);

  // Parses a piece of the body (any size, split anywhere, even inside a UTF-8 character or a quoted
  // field), calling back for each record completed. An error fails the upload and is final: the same
  // error is returned again and no more callbacks run. Header errors (see CsvHeader::Parse, plus
  // invalid_utf8, row_too_long and unterminated_quote in the header row) and `too_many_rows`
  // (ErrorKind::kTooLarge) past max_rows.
  core::Status Feed(std::string_view chunk);
  // The end of the body: completes the last record (a missing final line end is fine) or reports it as
  // unterminated. `empty_header` when the body held no header row. Call once, and Feed no more after it.
  core::Status Finish();

  // Set once the header row has been read (before the first callback); nullptr until then.
  const CsvHeader* header() const { return header_ ? &*header_ : nullptr; }
  // Data rows numbered so far (records and row errors).
  size_t rows() const { return rows_; }

 private:
  enum class State { kFieldStart, kUnquoted, kQuoted, kQuoteInQuoted, kAfterCr };

  std::string_view SkipByteOrderMark(std::string_view chunk);
  void Scan(std::string_view chunk);
  void Append(const char* bytes, size_t n);
  void EndField();
  void EndRecord();
  void OnHeader();
  void OnDataRecord();
  bool NumberRow();  // false (and fails the upload) past max_rows
  void RowError(CsvRowErrorKind kind, size_t field_count = 0);
  std::string_view Field(size_t i) const;
  core::Error HeaderTooLong() const;
  void Fail(core::Error error);
  core::Status status() const;

  Settings settings_;
  RecordCallback on_record_;
  RowErrorCallback on_row_error_;

  State state_ = State::kFieldStart;
  char separator_ = ',';
  size_t bom_matched_ = 0;  // bytes of the byte-order mark seen at the start so far
  bool bom_decided_ = false;
  // The record being read: its fields' unquoted text back to back, and where each field ends.
  std::string text_;
  std::vector<size_t> field_ends_;
  bool record_had_quote_ = false;         // for the separator choice on the header row
  bool skipping_ = false;                 // the record is too long: read on to its end, keeping nothing
  std::vector<std::string_view> values_;  // reused for every record's CsvRecord::values

  std::optional<CsvHeader> header_;
  size_t rows_ = 0;
  std::optional<core::Error> failure_;
  bool finished_ = false;
};

}  // namespace wagate::campaigns
