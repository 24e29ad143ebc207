// Reactions (cloud-api.md §1.8) and mark-as-read with the optional typing indicator (§1.10).
#include "wagate/content/families.hpp"
#include "wagate/content/text_rules.hpp"

namespace wagate::content::detail {
namespace {

// The longest emoji ZWJ sequences run to about ten code points; anything longer is not one emoji.
constexpr size_t kMaxEmojiChars = 32;

}  // namespace

void ParseReaction(const ObjectReader& root, MessageContent& out) {
  ObjectReader reaction = root.Child("reaction", true);
  reaction.AllowOnly({"message_id", "emoji"});
  auto message_id = reaction.String("message_id", true, kMaxWamidChars);
  auto emoji = reaction.String("emoji", true, kMaxEmojiChars, /*min_chars=*/0);  // "" removes the reaction
  if (emoji && !emoji->empty() && !IsSingleNonAsciiGrapheme(*emoji)) {
    reaction.Fail("emoji", "must be a single emoji, or \"\" to remove the reaction");
  }
  if (!reaction.ok()) return;
  out.summary = emoji->empty() ? "(reaction removed)" : *emoji;
  out.graph_fields = {{"type", "reaction"}, {"reaction", {{"message_id", *message_id}, {"emoji", *emoji}}}};
}

void ParseMarkRead(const ObjectReader& root, MessageContent& out) {
  ObjectReader mark_read = root.Child("mark_read", true);
  mark_read.AllowOnly({"message_id", "typing_indicator"});
  auto message_id = mark_read.String("message_id", true, kMaxWamidChars);
  ObjectReader typing = mark_read.Child("typing_indicator", false);
  if (typing.present()) {
    typing.AllowOnly({"type"});
    typing.OneOf("type", true, {"text"});
  }
  if (!mark_read.ok()) return;
  out.needs_recipient = false;
  out.graph_fields = {{"status", "read"}, {"message_id", *message_id}};
  out.summary = "marked as read";
  if (typing.present()) {
    out.graph_fields["typing_indicator"] = {{"type", "text"}};
    out.summary += ", typing";
  }
}

}  // namespace wagate::content::detail
