// The header row of a campaign's recipient CSV: which column holds the phone number, and the names of
// the per-recipient variables (the other columns), which templates use as `{name}` placeholders.
#pragma once

#include <cstddef>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "wagate/campaigns/placeholders.hpp"  // IsVariableName: what a column must be named to be a placeholder
#include "wagate/core/result.hpp"

namespace wagate::campaigns {

struct CsvHeader {
  std::vector<std::string> columns;    // every column's name, trimmed, in file order
  size_t phone_index = 0;              // the column holding the phone number
  std::vector<std::string> variables;  // the other columns' names, in file order

  // Builds the header from a row's raw fields. Names are trimmed of spaces and tabs and compared
  // case-insensitively (ASCII), both to find `phone_column` and to find duplicates ("Name" and "name"
  // would make one placeholder ambiguous). Errors (all ErrorKind::kInvalidInput):
  //   empty_header          no names at all, or every name empty
  //   duplicate_column      two columns with the same name
  //   phone_column_missing  no column named `phone_column` (the message names it)
  //   invalid_column_name   a variable column whose name is not IsVariableName (e.g. empty, "first name")
  // The phone column's own name is not held to the variable-name rule: it never becomes a placeholder.
  static core::Result<CsvHeader> Parse(std::span<const std::string_view> names, std::string_view phone_column);
};

}  // namespace wagate::campaigns
