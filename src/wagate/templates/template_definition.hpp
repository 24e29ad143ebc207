// What a template's definition (as Graph lists it) demands of a send, and the check of a send
// against it before queueing: Meta's 132000/132001/132012 answered by us, at once, with words.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "wagate/content/message_content.hpp"
#include "wagate/core/result.hpp"
#include "wagate/store/template_store.hpp"

namespace wagate::templates {

// A row of the registry from one element of GET /{waba}/message_templates (or a create request
// plus its answer). Unknown or malformed parts yield a row with fewer demands, never an exception.
store::TemplateRecord FromGraph(const std::string& waba_id, const nlohmann::json& graph_template, int64_t now);

// The placeholders ({{1}}, {{first_name}}) of a component text, distinct, in order of appearance.
std::vector<std::string> Placeholders(const std::string& text);

// Checks a template send: status APPROVED, the parameter format, and every component's parameter
// count (and names for named templates). 400 errors name the component.
core::Status CheckSend(const store::TemplateRecord& t, const content::TemplateUse& use);

}  // namespace wagate::templates
