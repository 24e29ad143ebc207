// Internal to the content module: one template component parameter (cloud-api.md §1.7).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "wagate/core/json/object_reader.hpp"

namespace wagate::content {
// The content parsers read with core's one JSON reader; these names keep their rules short.
using core::ElementPath;
using core::FieldErrors;
using core::JoinChoices;
using core::Json;
using core::MemberPath;
using core::ObjectReader;
using core::ToLower;
}  // namespace wagate::content

namespace wagate::content::detail {

enum class ComponentKind { kHeader, kBody, kButton };

struct ParameterPlace {
  ComponentKind kind = ComponentKind::kBody;
  std::string sub_type;  // buttons only: quick_reply|url|copy_code|flow|catalog (lowercase)
};

// The parameter at `path` as Graph takes it (types lowercased), or nullopt with the failure in
// `errors`. `parameter_name` is set when the parameter is named; media ids go to `media_ids`.
std::optional<Json> ParseTemplateParameter(const Json& value, const std::string& path, const ParameterPlace& place,
                                           FieldErrors& errors, std::vector<std::string>& media_ids,
                                           std::optional<std::string>& parameter_name);

}  // namespace wagate::content::detail
