#include "wagate/http/json_fields.hpp"

#include "wagate/core/json_parse.hpp"

namespace wagate::http {

using nlohmann::json;

core::Result<json> ParseJsonObject(std::string_view body) {
  if (!core::JsonDepthWithin(body)) {
    return core::Error::Invalid("invalid_json", "the request body is nested deeper than " +
                                                    std::to_string(core::kMaxJsonDepth) + " levels");
  }
  json parsed = json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded()) return core::Error::Invalid("invalid_json", "the request body is not valid JSON");
  if (!parsed.is_object()) return core::Error::Invalid("invalid_json", "the request body must be a JSON object");
  return parsed;
}

size_t Utf8Length(std::string_view s) {
  size_t n = 0;
  for (unsigned char c : s) {
    if ((c & 0xC0) != 0x80) ++n;
  }
  return n;
}

void FieldReader::Fail(std::string_view field, std::string message) {
  if (error_) return;
  error_ = core::Error::InvalidField(std::string(field), message);
}

const json* FieldReader::Find(std::string_view name, bool required) {
  if (error_) return nullptr;
  auto it = object_.find(std::string(name));
  if (it == object_.end() || it->is_null()) {
    if (required) Fail(name, "is required");
    return nullptr;
  }
  return &*it;
}

std::optional<std::string> FieldReader::String(std::string_view name, bool required, size_t max_chars,
                                               size_t min_chars) {
  const json* v = Find(name, required);
  if (!v) return std::nullopt;
  if (!v->is_string()) {
    Fail(name, "must be a string");
    return std::nullopt;
  }
  const std::string& s = v->get_ref<const std::string&>();
  if (auto broken = LengthRuleBroken(s, min_chars, max_chars)) {
    Fail(name, *broken);
    return std::nullopt;
  }
  return s;
}

std::optional<std::string> LengthRuleBroken(std::string_view s, size_t min_chars, size_t max_chars) {
  size_t len = Utf8Length(s);
  if (len < min_chars) {
    return min_chars == 1 ? "must not be empty" : "must have at least " + std::to_string(min_chars) + " characters";
  }
  if (len > max_chars) {
    return "must have at most " + std::to_string(max_chars) + " characters (has " + std::to_string(len) + ")";
  }
  return std::nullopt;
}

std::optional<int64_t> FieldReader::Int(std::string_view name, bool required, int64_t min, int64_t max) {
  const json* v = Find(name, required);
  if (!v) return std::nullopt;
  if (!v->is_number_integer()) {
    Fail(name, "must be an integer");
    return std::nullopt;
  }
  if (v->is_number_unsigned() && v->get<uint64_t>() > static_cast<uint64_t>(max)) {
    Fail(name, "must be between " + std::to_string(min) + " and " + std::to_string(max));
    return std::nullopt;
  }
  int64_t n = v->get<int64_t>();
  if (n < min || n > max) {
    Fail(name, "must be between " + std::to_string(min) + " and " + std::to_string(max));
    return std::nullopt;
  }
  return n;
}

std::optional<bool> FieldReader::Bool(std::string_view name) {
  const json* v = Find(name, false);
  if (!v) return std::nullopt;
  if (!v->is_boolean()) {
    Fail(name, "must be true or false");
    return std::nullopt;
  }
  return v->get<bool>();
}

}  // namespace wagate::http
