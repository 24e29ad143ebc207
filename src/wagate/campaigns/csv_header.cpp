#include "wagate/campaigns/csv_header.hpp"

#include <algorithm>
#include <utility>

namespace wagate::campaigns {
namespace {

std::string_view Trim(std::string_view s) {
  auto blank = [](char c) { return c == ' ' || c == '\t'; };
  while (!s.empty() && blank(s.front())) s.remove_prefix(1);
  while (!s.empty() && blank(s.back())) s.remove_suffix(1);
  return s;
}

char AsciiLower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

bool SameName(std::string_view a, std::string_view b) {
  return std::ranges::equal(a, b, [](char x, char y) { return AsciiLower(x) == AsciiLower(y); });
}

// Column names as the user wrote them, for messages: quoted, and cut (never inside a UTF-8 character)
// so an error stays short.
std::string Quoted(std::string_view name) {
  constexpr size_t kShown = 64;
  if (name.size() <= kShown) return "'" + std::string(name) + "'";
  size_t cut = kShown;
  while (cut > 0 && (static_cast<unsigned char>(name[cut]) & 0xC0) == 0x80) --cut;
  return "'" + std::string(name.substr(0, cut)) + "...'";
}

}  // namespace

core::Result<CsvHeader> CsvHeader::Parse(std::span<const std::string_view> names, std::string_view phone_column) {
  CsvHeader header;
  header.columns.reserve(names.size());
  for (std::string_view name : names) header.columns.emplace_back(Trim(name));
  if (std::ranges::all_of(header.columns, [](const std::string& c) { return c.empty(); })) {
    return core::Error::Invalid("empty_header", "the CSV has no header row naming its columns");
  }
  // Quadratic, but a header has a handful of columns and at most a row's worth of bytes.
  for (size_t i = 0; i < header.columns.size(); ++i) {
    for (size_t j = 0; j < i; ++j) {
      if (!header.columns[i].empty() && SameName(header.columns[i], header.columns[j])) {
        return core::Error::Invalid("duplicate_column", "the header names column " + Quoted(header.columns[i]) +
                                                            " twice (columns " + std::to_string(j + 1) + " and " +
                                                            std::to_string(i + 1) + ")");
      }
    }
  }
  auto phone = std::ranges::find_if(header.columns, [&](const std::string& c) { return SameName(c, phone_column); });
  if (phone == header.columns.end()) {
    return core::Error::Invalid("phone_column_missing",
                                "the header has no column named " + Quoted(phone_column) + " for the phone number");
  }
  header.phone_index = static_cast<size_t>(phone - header.columns.begin());
  for (size_t i = 0; i < header.columns.size(); ++i) {
    if (i == header.phone_index) continue;
    if (!IsVariableName(header.columns[i])) {
      return core::Error::Invalid("invalid_column_name",
                                  "column " + std::to_string(i + 1) + " is named " + Quoted(header.columns[i]) +
                                      "; a column name may hold only letters, digits, '_', '.' and '-'");
    }
    header.variables.push_back(header.columns[i]);
  }
  return header;
}

}  // namespace wagate::campaigns
