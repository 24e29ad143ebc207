#include "wagate/campaigns/recipient_upload.hpp"

#include <cstdint>
#include <istream>
#include <map>
#include <nlohmann/json.hpp>
#include <streambuf>
#include <utility>

#include "wagate/campaigns/csv_reader.hpp"
#include "wagate/core/phone.hpp"

namespace wagate::campaigns {
namespace {

// Rows per batch: large enough that a commit's fixed cost (an fsync) is spread thin, small enough
// that a batch holds the single writer for milliseconds, not longer.
constexpr size_t kBatchRows = 4000;

// Checks rows and hands them to the sink in batches. Not thread-safe; lives for one upload.
class RowChecker final {
 public:
  RowChecker(const std::set<std::string>& needed, int64_t max_rows, const BatchSink& sink)
      : needed_(needed), max_rows_(max_rows), sink_(sink) {}

  // A row with its number (1 = the first data row), phone as given, variables by name.
  core::Status Row(int64_t row, const std::string& phone, const std::map<std::string, std::string>& variables) {
    if (++rows_ > max_rows_) {
      return core::Error{core::ErrorKind::kTooLarge, "too_many_recipients",
                         "this campaign can take " + std::to_string(max_rows_) +
                             " more rows (campaigns.max_recipients); this upload has more"};
    }
    auto e164 = core::NormalizePhoneNumber(phone);
    if (!e164) return Reject(row, phone, "invalid_phone_number");
    for (const auto& name : needed_) {
      auto it = variables.find(name);
      if (it == variables.end() || it->second.empty()) return Reject(row, phone, "missing_variable:" + name);
    }
    nlohmann::json vars = nlohmann::json::object();
    for (const auto& [name, value] : variables) vars[name] = value;
    rows_out_.push_back(store::RecipientRow{row, std::move(*e164), vars.dump()});
    return MaybeFlush();
  }

  core::Status Reject(int64_t row, const std::string& phone, std::string reason) {
    // A phone cell can be anything: keep what identifies the row, not an unbounded copy.
    rejected_.push_back(store::RejectedRow{row, phone.substr(0, 64), std::move(reason)});
    return MaybeFlush();
  }

  core::Status Flush() {
    if (rows_out_.empty() && rejected_.empty()) return core::Ok{};
    core::Status s = sink_(std::exchange(rows_out_, {}), std::exchange(rejected_, {}));
    rows_out_.reserve(kBatchRows);
    return s;
  }

 private:
  core::Status MaybeFlush() { return rows_out_.size() + rejected_.size() >= kBatchRows ? Flush() : core::Ok{}; }

  const std::set<std::string>& needed_;
  const int64_t max_rows_;
  const BatchSink& sink_;
  int64_t rows_ = 0;
  std::vector<store::RecipientRow> rows_out_;
  std::vector<store::RejectedRow> rejected_;
};

// The body as a std::istream for the JSON parser, pulled piece by piece; the first transport error
// ends the stream and is kept.
class ChunkStreamBuf final : public std::streambuf {
 public:
  explicit ChunkStreamBuf(const ChunkReader& read) : read_(read) {}
  const std::optional<core::Error>& error() const { return error_; }

 protected:
  int_type underflow() override {
    if (gptr() < egptr()) return traits_type::to_int_type(*gptr());
    while (true) {
      auto more = read_(chunk_);
      if (!more) {
        error_ = more.error();
        return traits_type::eof();
      }
      if (!*more) return traits_type::eof();
      if (chunk_.empty()) continue;
      setg(chunk_.data(), chunk_.data(), chunk_.data() + chunk_.size());
      return traits_type::to_int_type(*gptr());
    }
  }

 private:
  const ChunkReader& read_;
  std::string chunk_;
  std::optional<core::Error> error_;
};

std::optional<std::string> VariableText(const nlohmann::json& v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_number() || v.is_boolean()) return v.dump();
  return std::nullopt;
}

// {"recipients":[{"phone":"…","variables":{…}}, …]}: each element is checked as soon as it is
// parsed and then dropped, so the document is never held whole.
core::Status ReadJson(const ChunkReader& read, RowChecker& rows) {
  ChunkStreamBuf buf(read);
  std::istream in(&buf);
  int64_t row = 0;
  std::optional<core::Error> failure;
  std::string key;
  using Event = nlohmann::json::parse_event_t;
  auto on_event = [&](int depth, Event event, nlohmann::json& parsed) -> bool {
    if (failure) return false;
    if (depth == 1 && event == Event::key) {
      key = parsed.get<std::string>();
      if (key != "recipients") failure = core::Error::InvalidField(key, "is not allowed (only 'recipients')");
      return true;
    }
    if (depth == 1 && key == "recipients" && (event == Event::value || event == Event::object_end)) {
      failure = core::Error::InvalidField("recipients", "must be an array of objects");
      return false;
    }
    if (depth != 2 || (event != Event::object_end && event != Event::value && event != Event::array_end)) return true;
    ++row;
    std::string phone;
    std::map<std::string, std::string> variables;
    bool shaped = parsed.is_object() && parsed.contains("phone") && parsed["phone"].is_string();
    if (shaped) {
      phone = parsed["phone"].get<std::string>();
      for (const auto& [name, value] : parsed.items()) {
        if (name == "phone") continue;
        if (name != "variables" || !value.is_object()) {
          shaped = false;
          break;
        }
        for (const auto& [var, v] : value.items()) {
          auto text = VariableText(v);
          if (!text) {
            shaped = false;
            break;
          }
          variables[var] = *text;
        }
      }
    }
    core::Status s = shaped ? rows.Row(row, phone, variables) : rows.Reject(row, phone, "invalid_row");
    if (!s.ok()) failure = s.error();
    return false;  // dropped: memory stays bounded by one element
  };
  nlohmann::json root = nlohmann::json::parse(in, on_event, /*allow_exceptions=*/false);
  if (buf.error()) return *buf.error();
  if (failure) return *failure;
  if (root.is_discarded()) {
    return core::Error::Invalid("invalid_json", "the body is not valid JSON (expected {\"recipients\":[…]})");
  }
  if (!root.is_object() || !root.contains("recipients")) return core::Error::InvalidField("recipients", "is required");
  return core::Ok{};
}

// A CSV whose header names the phone column; every other column is a variable.
core::Status ReadCsv(const ChunkReader& read, const std::string& phone_column, RowChecker& rows) {
  std::optional<core::Error> failure;
  std::map<std::string, std::string> variables;
  const CsvReader* reader_ptr = nullptr;
  CsvReader::Settings settings;
  settings.phone_column = phone_column;
  settings.max_rows = SIZE_MAX;  // RowChecker counts rows against the campaign's room
  auto on_record = [&](const CsvRecord& r) {
    if (failure) return;
    const std::vector<std::string>& names = reader_ptr->header()->variables;
    variables.clear();
    for (size_t i = 0; i < names.size() && i < r.values.size(); ++i) variables[names[i]] = std::string(r.values[i]);
    core::Status s = rows.Row(static_cast<int64_t>(r.row), std::string(r.phone), variables);
    if (!s.ok()) failure = s.error();
  };
  auto on_row_error = [&](const CsvRowError& e) {
    if (failure) return;
    core::Status s = rows.Reject(static_cast<int64_t>(e.row), "", std::string(CodeOf(e.kind)));
    if (!s.ok()) failure = s.error();
  };
  CsvReader reader(settings, on_record, on_row_error);
  reader_ptr = &reader;
  std::string chunk;
  while (true) {
    auto more = read(chunk);
    if (!more) return more.error();
    if (!*more) break;
    if (core::Status s = reader.Feed(chunk); !s.ok()) return s;
    if (failure) return *failure;
  }
  if (core::Status s = reader.Finish(); !s.ok()) return s;
  if (failure) return *failure;
  return core::Ok{};
}

}  // namespace

core::Status ReadRecipients(const UploadFormat& format, const ChunkReader& read, const std::set<std::string>& needed,
                            int64_t max_rows, const BatchSink& sink) {
  RowChecker rows(needed, max_rows, sink);
  core::Status s =
      format.kind == UploadFormat::Kind::kJson ? ReadJson(read, rows) : ReadCsv(read, format.phone_column, rows);
  if (!s.ok()) return s;
  return rows.Flush();
}

}  // namespace wagate::campaigns
