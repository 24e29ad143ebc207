#include "wagate/campaigns/csv_reader.hpp"

#include <algorithm>
#include <cstring>
#include <utility>

#include "wagate/core/utf8.hpp"

namespace wagate::campaigns {
namespace {

constexpr std::string_view kByteOrderMark = "\xEF\xBB\xBF";

// The header's names when ';' is the separator (no quotes were involved, so the text is as written).
std::vector<std::string_view> SplitOnSemicolons(std::string_view line) {
  std::vector<std::string_view> names;
  for (size_t start = 0;;) {
    size_t end = line.find(';', start);
    names.push_back(line.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start));
    if (end == std::string_view::npos) return names;
    start = end + 1;
  }
}

}  // namespace

std::string_view CodeOf(CsvRowErrorKind kind) {
  switch (kind) {
    case CsvRowErrorKind::kWrongFieldCount:
      return "wrong_field_count";
    case CsvRowErrorKind::kUnterminatedQuote:
      return "unterminated_quote";
    case CsvRowErrorKind::kRowTooLong:
      return "row_too_long";
    case CsvRowErrorKind::kInvalidUtf8:
      return "invalid_utf8";
  }
  return "invalid_row";
}

CsvReader::CsvReader(Settings settings, RecordCallback on_record, RowErrorCallback on_row_error)
    : settings_(std::move(settings)), on_record_(std::move(on_record)), on_row_error_(std::move(on_row_error)) {}

core::Status CsvReader::Feed(std::string_view chunk) {
  if (!failure_ && !finished_) Scan(SkipByteOrderMark(chunk));
  return status();
}

core::Status CsvReader::Finish() {
  if (failure_ || finished_) return status();
  finished_ = true;
  if (!bom_decided_) {  // the whole body was a prefix of the mark: it is text after all
    bom_decided_ = true;
    Scan(kByteOrderMark.substr(0, bom_matched_));
    if (failure_) return status();
  }
  if (state_ == State::kQuoted) {
    if (!header_) {
      Fail(skipping_ ? HeaderTooLong()
                     : core::Error::Invalid("unterminated_quote", "the header row ends inside a quoted field"));
    } else if (NumberRow()) {
      RowError(skipping_ ? CsvRowErrorKind::kRowTooLong : CsvRowErrorKind::kUnterminatedQuote);
    }
  } else if (state_ != State::kAfterCr) {
    EndField();
    EndRecord();
  }
  if (!failure_ && !header_) {
    Fail(core::Error::Invalid("empty_header", "the CSV has no header row naming its columns"));
  }
  return status();
}

// The mark may arrive split over several chunks: its bytes are held back until it is complete, or
// replayed as text as soon as the input differs from it.
std::string_view CsvReader::SkipByteOrderMark(std::string_view chunk) {
  while (!bom_decided_ && !chunk.empty()) {
    if (chunk.front() != kByteOrderMark[bom_matched_]) {
      bom_decided_ = true;
      Scan(kByteOrderMark.substr(0, bom_matched_));
      break;
    }
    chunk.remove_prefix(1);
    bom_decided_ = ++bom_matched_ == kByteOrderMark.size();
  }
  return chunk;
}

// The state machine, over runs rather than single bytes where it can: an unquoted field's text up to
// the next separator or line end, and a quoted field's up to the next quote, are appended at once.
void CsvReader::Scan(std::string_view chunk) {
  const char* p = chunk.data();
  const char* const end = p + chunk.size();
  while (p < end && !failure_) {
    switch (state_) {
      case State::kAfterCr:
        if (*p == '\n') ++p;  // CRLF: the record ended at the CR
        state_ = State::kFieldStart;
        break;
      case State::kFieldStart:
        if (*p == '"') {
          ++p;
          record_had_quote_ = true;
          state_ = State::kQuoted;
          break;
        }
        state_ = State::kUnquoted;
        [[fallthrough]];
      case State::kUnquoted: {
        const char* run = p;
        const char separator = separator_;
        while (p < end && *p != separator && *p != '\n' && *p != '\r') ++p;
        Append(run, static_cast<size_t>(p - run));
        if (p == end) break;
        const char c = *p++;
        EndField();
        if (c == separator) {
          state_ = State::kFieldStart;
        } else {
          state_ = c == '\r' ? State::kAfterCr : State::kFieldStart;
          EndRecord();
        }
        break;
      }
      case State::kQuoted: {
        const auto* quote = static_cast<const char*>(std::memchr(p, '"', static_cast<size_t>(end - p)));
        const char* run_end = quote ? quote : end;
        Append(p, static_cast<size_t>(run_end - p));
        p = run_end;
        if (quote) {
          ++p;
          state_ = State::kQuoteInQuoted;
        }
        break;
      }
      case State::kQuoteInQuoted:
        if (*p == '"') {  // "" inside quotes: a literal quote
          Append(p, 1);
          ++p;
          state_ = State::kQuoted;
        } else {  // the closing quote: a separator or line end follows (or, leniently, more text)
          state_ = State::kUnquoted;
        }
        break;
    }
  }
}

void CsvReader::Append(const char* bytes, size_t n) {
  if (skipping_ || n == 0) return;
  if (text_.size() + field_ends_.size() + n > settings_.max_row_bytes) {
    skipping_ = true;
    return;
  }
  text_.append(bytes, n);
}

void CsvReader::EndField() {
  if (skipping_) return;
  if (text_.size() + field_ends_.size() + 1 > settings_.max_row_bytes) {
    skipping_ = true;
    return;
  }
  field_ends_.push_back(text_.size());
}

void CsvReader::EndRecord() {
  if (skipping_) {
    if (!header_) {
      Fail(HeaderTooLong());
    } else if (NumberRow()) {
      RowError(CsvRowErrorKind::kRowTooLong);
    }
  } else if (!text_.empty()) {  // all fields empty: a blank line or ",,,"
    if (header_) {
      OnDataRecord();
    } else {
      OnHeader();
    }
  }
  text_.clear();
  field_ends_.clear();
  record_had_quote_ = false;
  skipping_ = false;
}

void CsvReader::OnHeader() {
  std::vector<std::string_view> names;
  if (field_ends_.size() == 1 && !record_had_quote_ && text_.find(';') != std::string::npos) {
    separator_ = ';';
    names = SplitOnSemicolons(text_);
  } else {
    for (size_t i = 0; i < field_ends_.size(); ++i) names.push_back(Field(i));
  }
  if (!std::ranges::all_of(names, core::IsValidUtf8)) {
    Fail(core::Error::Invalid("invalid_utf8", "the header row is not valid UTF-8"));
    return;
  }
  auto header = CsvHeader::Parse(names, settings_.phone_column);
  if (!header) {
    Fail(header.error());
    return;
  }
  header_ = std::move(*header);
  values_.reserve(header_->variables.size());
}

void CsvReader::OnDataRecord() {
  if (!NumberRow()) return;
  const size_t count = field_ends_.size();
  if (count != header_->columns.size()) {
    RowError(CsvRowErrorKind::kWrongFieldCount, count);
    return;
  }
  // Field by field, so that a character split across two fields is caught too.
  values_.clear();
  std::string_view phone;
  for (size_t i = 0; i < count; ++i) {
    std::string_view field = Field(i);
    if (!core::IsValidUtf8(field)) {
      RowError(CsvRowErrorKind::kInvalidUtf8);
      return;
    }
    if (i == header_->phone_index) {
      phone = field;
    } else {
      values_.push_back(field);
    }
  }
  if (on_record_) on_record_(CsvRecord{rows_, phone, values_});
}

bool CsvReader::NumberRow() {
  if (rows_ == settings_.max_rows) {
    Fail({core::ErrorKind::kTooLarge, "too_many_rows",
          "the CSV has more than " + std::to_string(settings_.max_rows) + " data rows"});
    return false;
  }
  ++rows_;
  return true;
}

void CsvReader::RowError(CsvRowErrorKind kind, size_t field_count) {
  if (on_row_error_) on_row_error_(CsvRowError{rows_, kind, field_count});
}

std::string_view CsvReader::Field(size_t i) const {
  const size_t begin = i == 0 ? 0 : field_ends_[i - 1];
  return std::string_view(text_).substr(begin, field_ends_[i] - begin);
}

core::Error CsvReader::HeaderTooLong() const {
  return core::Error::Invalid("row_too_long",
                              "the header row is longer than " + std::to_string(settings_.max_row_bytes) + " bytes");
}

void CsvReader::Fail(core::Error error) { failure_ = std::move(error); }

core::Status CsvReader::status() const {
  if (failure_) return *failure_;
  return core::Ok{};
}

}  // namespace wagate::campaigns
