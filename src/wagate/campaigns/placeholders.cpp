#include "wagate/campaigns/placeholders.hpp"

#include <algorithm>

namespace wagate::campaigns {
namespace {

bool NameChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-';
}

// Calls `on_name(begin, end)` for each placeholder of `text`, and `on_text(begin, end)` for the text
// between them, in order.
template <typename OnText, typename OnName>
void Scan(std::string_view text, OnText on_text, OnName on_name) {
  size_t plain = 0;
  size_t i = 0;
  while (i < text.size()) {
    if (text[i] != '{') {
      ++i;
      continue;
    }
    size_t close = text.find('}', i + 1);
    if (close == std::string_view::npos) break;
    std::string_view name = text.substr(i + 1, close - i - 1);
    if (!IsVariableName(name)) {
      ++i;
      continue;
    }
    on_text(text.substr(plain, i - plain));
    on_name(name);
    i = plain = close + 1;
  }
  on_text(text.substr(plain));
}

void Collect(const nlohmann::json& j, std::set<std::string>& names) {
  if (j.is_string()) {
    Scan(
        j.get_ref<const std::string&>(), [](std::string_view) {}, [&](std::string_view name) { names.emplace(name); });
  } else if (j.is_structured()) {
    for (const auto& item : j) Collect(item, names);
  }
}

core::Status FillIn(nlohmann::json& j, const std::map<std::string, std::string>& variables) {
  if (j.is_string()) {
    const std::string& text = j.get_ref<const std::string&>();
    if (text.find('{') == std::string::npos) return core::Ok{};
    std::string out;
    std::string missing;
    Scan(
        text, [&](std::string_view plain) { out += plain; },
        [&](std::string_view name) {
          auto it = variables.find(std::string(name));
          if (it == variables.end() || it->second.empty()) {
            if (missing.empty()) missing = name;
            return;
          }
          out += it->second;
        });
    if (!missing.empty()) {
      return core::Error::InvalidField(missing, "has no value for this recipient (the message uses {" + missing + "})");
    }
    j = std::move(out);
  } else if (j.is_structured()) {
    for (auto& item : j) {
      if (core::Status s = FillIn(item, variables); !s.ok()) return s;
    }
  }
  return core::Ok{};
}

}  // namespace

bool IsVariableName(std::string_view name) {
  return !name.empty() && name.size() <= 64 && std::all_of(name.begin(), name.end(), NameChar);
}

std::set<std::string> Placeholders(const nlohmann::json& message) {
  std::set<std::string> names;
  Collect(message, names);
  return names;
}

core::Result<nlohmann::json> Fill(const nlohmann::json& message, const std::map<std::string, std::string>& variables) {
  nlohmann::json out = message;
  if (core::Status s = FillIn(out, variables); !s.ok()) return s.error();
  return out;
}

}  // namespace wagate::campaigns
