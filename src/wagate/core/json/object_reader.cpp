#include "wagate/core/json/object_reader.hpp"

#include <algorithm>
#include <cctype>

#include "wagate/core/json/text_length.hpp"
#include "wagate/core/json_parse.hpp"

namespace wagate::core {

Result<Json> ParseJsonObject(std::string_view body) {
  if (!JsonDepthWithin(body)) {
    return Error::Invalid("invalid_json",
                          "the request body is nested deeper than " + std::to_string(kMaxJsonDepth) + " levels");
  }
  Json parsed = Json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded()) return Error::Invalid("invalid_json", "the request body is not valid JSON");
  if (!parsed.is_object()) return Error::Invalid("invalid_json", "the request body must be a JSON object");
  return parsed;
}

std::string MemberPath(std::string_view parent, std::string_view name) {
  if (parent.empty()) return std::string(name);
  std::string path(parent);
  path += '.';
  path += name;
  return path;
}

std::string ElementPath(std::string_view parent, size_t index) {
  return std::string(parent) + "[" + std::to_string(index) + "]";
}

std::string ToLower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string JoinChoices(const std::vector<std::string>& choices) {
  std::string joined;
  for (const auto& c : choices) joined += (joined.empty() ? "" : ", ") + c;
  return joined;
}

void FieldErrors::Fail(const std::string& path, const std::string& rule) {
  if (error_) return;
  // The request root has no path of its own; "body" names it for the rare root-level failure.
  error_ = Error::InvalidField(path.empty() ? "body" : path, rule);
}

ObjectReader::ObjectReader(const Json& value, std::string path, FieldErrors& errors)
    : path_(std::move(path)), errors_(errors) {
  if (value.is_object()) {
    object_ = &value;
  } else {
    errors_.Fail(path_, "must be an object");
  }
}

bool ObjectReader::Has(std::string_view name) const {
  if (!object_) return false;
  auto it = object_->find(name);
  return it != object_->end() && !it->is_null();
}

void ObjectReader::AllowOnly(const std::vector<std::string_view>& allowed) const {
  if (!object_ || !ok()) return;
  for (const auto& [key, value] : object_->items()) {
    if (std::find(allowed.begin(), allowed.end(), key) == allowed.end()) {
      Fail(key, "is not allowed");
      return;
    }
  }
}

const Json* ObjectReader::Get(std::string_view name, bool required) const {
  if (!object_ || !ok()) return nullptr;
  auto it = object_->find(name);
  if (it == object_->end() || it->is_null()) {
    if (required) Fail(name, "is required");
    return nullptr;
  }
  return &*it;
}

std::optional<std::string> ObjectReader::String(std::string_view name, bool required, size_t max_chars,
                                                size_t min_chars) const {
  const Json* v = Get(name, required);
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

std::optional<std::string> ObjectReader::OneOf(std::string_view name, bool required,
                                               const std::vector<std::string>& choices, bool fold_case) const {
  const Json* v = Get(name, required);
  if (!v) return std::nullopt;
  std::string given = v->is_string() ? v->get<std::string>() : std::string();
  if (fold_case) given = ToLower(given);
  if (!v->is_string() || std::find(choices.begin(), choices.end(), given) == choices.end()) {
    Fail(name, "must be one of: " + JoinChoices(choices));
    return std::nullopt;
  }
  return given;
}

std::optional<bool> ObjectReader::Bool(std::string_view name) const {
  const Json* v = Get(name, false);
  if (!v) return std::nullopt;
  if (!v->is_boolean()) {
    Fail(name, "must be true or false");
    return std::nullopt;
  }
  return v->get<bool>();
}

std::optional<int64_t> ObjectReader::Int(std::string_view name, bool required, int64_t min, int64_t max) const {
  const Json* v = Get(name, required);
  if (!v) return std::nullopt;
  if (!v->is_number_integer()) {
    Fail(name, "must be an integer");
    return std::nullopt;
  }
  bool too_big = v->is_number_unsigned() && v->get<uint64_t>() > static_cast<uint64_t>(max);
  if (too_big || v->get<int64_t>() < min || v->get<int64_t>() > max) {
    Fail(name, "must be between " + std::to_string(min) + " and " + std::to_string(max));
    return std::nullopt;
  }
  return v->get<int64_t>();
}

const Json* ObjectReader::Array(std::string_view name, bool required, size_t min_items, size_t max_items) const {
  const Json* v = Get(name, required);
  if (!v) return nullptr;
  if (!v->is_array()) {
    Fail(name, "must be an array");
    return nullptr;
  }
  if (v->size() < min_items) {
    Fail(name, "must have at least " + std::to_string(min_items) + (min_items == 1 ? " item" : " items"));
    return nullptr;
  }
  if (v->size() > max_items) {
    Fail(name, "must have at most " + std::to_string(max_items) + " items (has " + std::to_string(v->size()) + ")");
    return nullptr;
  }
  return v;
}

ObjectReader ObjectReader::Child(std::string_view name, bool required) const {
  const Json* v = Get(name, required);
  if (!v) return ObjectReader(PathOf(name), errors_);
  return ObjectReader(*v, PathOf(name), errors_);
}

void ObjectReader::CopyString(Json& out, std::string_view name, bool required, size_t max_chars) const {
  if (auto s = String(name, required, max_chars)) out[std::string(name)] = *s;
}

void ObjectReader::CopyBool(Json& out, std::string_view name) const {
  if (auto b = Bool(name)) out[std::string(name)] = *b;
}

}  // namespace wagate::core
