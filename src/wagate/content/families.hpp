// Internal to the content module: one parser per message family, and the object parsers that
// several families share (media objects, locations). Not for use outside src/wagate/content/.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "wagate/content/message_content.hpp"
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

// Each family reads the member named after out.type from the request root and fills
// out.graph_fields, out.summary and, where relevant, media_ids / template_use / needs_recipient.
// Failures are left in root.errors().
void ParseText(const ObjectReader& root, MessageContent& out);         // text_media.cpp
void ParseMedia(const ObjectReader& root, MessageContent& out);        // text_media.cpp
void ParseLocation(const ObjectReader& root, MessageContent& out);     // location_contacts.cpp
void ParseContacts(const ObjectReader& root, MessageContent& out);     // location_contacts.cpp
void ParseInteractive(const ObjectReader& root, MessageContent& out);  // interactive.cpp
void ParseTemplate(const ObjectReader& root, MessageContent& out);     // template_message.cpp
void ParseReaction(const ObjectReader& root, MessageContent& out);     // reaction_mark_read.cpp
void ParseMarkRead(const ObjectReader& root, MessageContent& out);     // reaction_mark_read.cpp

// Which optional members a media object may carry besides exactly one of `id` / `link`.
struct MediaRules {
  bool caption = false;   // image, video, document messages
  bool filename = false;  // documents
  bool voice = false;     // audio messages
};
// A media object {id|link, …} at `path`; the Graph object built from its valid members. An `id` is
// appended to `media_ids`.
std::optional<Json> ParseMediaObject(const Json& value, const std::string& path, MediaRules rules, FieldErrors& errors,
                                     std::vector<std::string>& media_ids);

// A location object {latitude, longitude, name?, address?} at `path` (location messages and
// template location headers). Coordinates are kept as given (number or numeric string).
std::optional<Json> ParseLocationObject(const Json& value, const std::string& path, FieldErrors& errors);

}  // namespace wagate::content::detail
