// Fuzz target: campaign recipient CSV uploads (campaigns::CsvReader). The input is the body. It is read
// whole, cut in two places chosen from its bytes, and (when short) one byte at a time; all three must
// report the same rows, numbered 1, 2, 3... with exactly one record or row error each, every record
// within the limits and valid UTF-8.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "wagate/campaigns/csv_reader.hpp"
#include "wagate/core/utf8.hpp"

namespace {

using wagate::campaigns::CsvReader;

constexpr size_t kMaxRowBytes = 256;  // small, so row_too_long is within reach of short inputs
constexpr size_t kMaxRows = 64;

void Check(bool ok) {
  if (!ok) __builtin_trap();
}

// What a reading reported, one string per row, and how it ended.
std::vector<std::string> ReadAll(std::string_view body, const std::vector<size_t>& cuts) {
  std::vector<std::string> log;
  CsvReader::Settings settings;
  settings.max_row_bytes = kMaxRowBytes;
  settings.max_rows = kMaxRows;
  CsvReader* self = nullptr;
  CsvReader reader(
      settings,
      [&](const wagate::campaigns::CsvRecord& r) {
        Check(self->header() != nullptr && r.values.size() == self->header()->variables.size());
        Check(r.row == log.size() + 1);
        Check(wagate::core::IsValidUtf8(r.phone));
        size_t bytes = r.phone.size() + 1;
        std::string entry = "R" + std::to_string(r.row) + ":" + std::string(r.phone);
        for (std::string_view v : r.values) {
          Check(wagate::core::IsValidUtf8(v));
          bytes += v.size() + 1;
          entry += '\0' + std::string(v);
        }
        Check(bytes <= kMaxRowBytes);
        log.push_back(std::move(entry));
      },
      [&](const wagate::campaigns::CsvRowError& e) {
        Check(e.row == log.size() + 1);
        log.push_back("E" + std::to_string(e.row) + ":" + std::string(CodeOf(e.kind)) + ":" +
                      std::to_string(e.field_count));
      });
  self = &reader;
  wagate::core::Status status = wagate::core::Ok{};
  size_t at = 0;
  for (size_t cut : cuts) {
    status = reader.Feed(body.substr(at, cut - at));
    if (!status.ok()) break;
    at = cut;
  }
  if (status.ok()) status = reader.Feed(body.substr(at));
  if (status.ok()) status = reader.Finish();
  Check(reader.rows() <= kMaxRows && reader.rows() == log.size());
  log.push_back(status.ok() ? "ok" : "failed:" + status.error().code);
  return log;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view body(reinterpret_cast<const char*>(data), size);
  const auto whole = ReadAll(body, {});

  uint64_t hash = 1469598103934665603ULL;  // FNV-1a: cut points that follow the input, reproducibly
  for (unsigned char c : body) hash = (hash ^ c) * 1099511628211ULL;
  size_t first = size == 0 ? 0 : hash % (size + 1);
  size_t second = size == 0 ? 0 : (hash >> 32) % (size + 1);
  if (first > second) std::swap(first, second);
  Check(ReadAll(body, {first, second}) == whole);

  if (size <= 4096) {
    std::vector<size_t> every;
    for (size_t i = 1; i < size; ++i) every.push_back(i);
    Check(ReadAll(body, every) == whole);
  }
  return 0;
}
