// POST /_sandbox/inbound: a simulated customer writes to a business number, with any message type Meta
// delivers (cloud-api.md §4.4): text, media the sandbox then serves like any other, or the type's object.

#include "wagate/core/json/object_reader.hpp"
#include "wagate/http/responses.hpp"
#include "wagate/sandbox/app/inbound_message_types.hpp"
#include "wagate/sandbox/app/sandbox_app.hpp"
#include "wagate/sandbox/graph/base64.hpp"
#include "wagate/sandbox/graph/graph_ids.hpp"
#include "wagate/sandbox/graph/graph_request.hpp"
#include "wagate/sandbox/media/media_limits.hpp"

namespace wagate::sandbox {
namespace {

using nlohmann::json;

http::Response BadField(const std::string& message) { return http::ErrorResponse(400, "invalid_field", message); }

constexpr int64_t kMaxTimestampS = 253'402'300'799;  // the last second of year 9999

// The same size always gives the same bytes (xorshift64 seeded with the size), so a test that asked for
// `size` bytes can also rebuild them; the answer's sha256 is simpler to compare.
std::string DeterministicBytes(uint64_t size) {
  std::string bytes(size, '\0');
  uint64_t x = 0x9E3779B97F4A7C15ULL ^ size;
  for (uint64_t i = 0; i < size; ++i) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    bytes[i] = static_cast<char>(x & 0xFF);
  }
  return bytes;
}

// {"mime_type", "size" | "data_base64", "filename", "caption", "voice", "animated"}: the media object
// of an inbound message; its size lands in `size`, and its bytes in `bytes` unless it is larger than Meta
// downloads (then the message becomes a 131052, with no bytes to keep).
std::optional<http::Response> ReadMedia(const std::string& type, const json& object, InboundMedia* media,
                                        std::string* bytes, uint64_t* size_out) {
  if (!object.is_object()) return BadField("field '" + type + "' must be an object");
  core::FieldErrors errors;
  core::ObjectReader fields(object, "", errors);
  auto mime = fields.String("mime_type", true, 255, 1);
  auto size = fields.Int("size", false, 1, static_cast<int64_t>(kMaxCustomerFileBytes));
  auto data = fields.String("data_base64", false, SIZE_MAX, 0);
  auto filename = fields.String("filename", false, 240, 0);
  auto caption = fields.String("caption", false, 1024, 0);
  auto voice = fields.Bool("voice");
  auto animated = fields.Bool("animated");
  if (!fields.ok()) return BadField("in '" + type + "': " + fields.error().message);
  if (size.has_value() == data.has_value())
    return BadField("field '" + type + "' needs exactly one of 'size' or 'data_base64'");
  if (filename && type != "document") return BadField("only a document has a 'filename'");
  if (caption && type != "image" && type != "video" && type != "document")
    return BadField("a " + type + " has no 'caption'");
  if (data) {
    auto decoded = Base64Decode(*data);
    if (!decoded || decoded->empty()) return BadField("field '" + type + ".data_base64' is not non-empty base64");
    *size_out = decoded->size();
    if (*size_out <= kMaxInboundMediaBytes) *bytes = std::move(*decoded);
  } else {
    *size_out = static_cast<uint64_t>(*size);
    if (*size_out <= kMaxInboundMediaBytes) *bytes = DeterministicBytes(*size_out);
  }
  media->mime_type = *mime;
  media->filename = filename.value_or("");
  media->caption = caption.value_or("");
  media->voice = voice.value_or(false);
  media->animated = animated.value_or(false);
  return std::nullopt;
}

}  // namespace

// {phone_number_id, from, name?, type?, text | <type object>, context?, referral?, timestamp?, id?}: every
// field is checked before anything is stored or scheduled, so a 400 leaves no trace.
void SandboxApp::HandleInbound(http::Request& request, http::Responder respond) {
  auto parsed = core::ParseJsonObject(request.body);
  if (!parsed.ok()) return respond(http::ErrorResponse(parsed.error()));
  core::FieldErrors errors;
  core::ObjectReader fields(*parsed, "", errors);
  auto phone_number_id = fields.String("phone_number_id", true, 20, 1);
  auto from = fields.String("from", true, 32, 1);
  auto type = fields.String("type", false, 32, 1);
  auto name = fields.String("name", false, 256, 0);
  std::string message_type = type.value_or("text");
  auto text = fields.String("text", message_type == "text", 4096, 1);
  auto timestamp_s = fields.Int("timestamp", false, 0, kMaxTimestampS);
  auto id = fields.String("id", false, 256, 1);
  if (!fields.ok()) return respond(http::ErrorResponse(fields.error()));
  if (!AllDigits(*phone_number_id)) return respond(BadField("field 'phone_number_id' must be digits"));
  std::string from_digits = DigitsOf(*from);
  if (from_digits.empty()) return respond(BadField("field 'from' must be a phone number"));
  if (auto problem = InboundTypeProblem(message_type))
    return respond(http::ErrorResponse(core::Error::InvalidField("type", *problem)));
  auto extras = ReadMessageExtras(*parsed, message_type, DisplayNumberFor(*phone_number_id));
  if (!extras.ok()) return respond(http::ErrorResponse(extras.error()));
  std::shared_ptr<InboundMedia> media;
  std::string bytes;
  std::optional<std::string> undownloadable;  // the details of Meta's 131052 for media too large
  if (IsInboundMediaType(message_type)) {
    if (!parsed->contains(message_type)) return respond(BadField("field '" + message_type + "' is required"));
    media = std::make_shared<InboundMedia>();
    uint64_t size = 0;
    if (auto bad = ReadMedia(message_type, (*parsed)[message_type], media.get(), &bytes, &size))
      return respond(std::move(*bad));
    undownloadable = CheckInboundMediaLimit(message_type, size);
  }
  if (undownloadable) {  // nothing is stored: the business gets an unsupported message instead
    MarkMediaUndownloadable(message_type, *undownloadable, &*extras);
    media.reset();
  }

  WebhookEvent event;
  event.kind = WebhookEvent::Kind::kInbound;
  event.waba_id = WabaForWebhooks(*phone_number_id);
  event.phone_number_id = *phone_number_id;
  event.wamid = id ? *id : NewWamid();  // a given id simulates Meta delivering the same message again
  event.peer_wa_id = from_digits;
  event.timestamp_s = timestamp_s.value_or(clock_.NowMs() / 1000);
  event.message_type = undownloadable ? "unsupported" : message_type;
  event.text = message_type == "text" ? text.value_or("") : "";
  event.profile_name = name.value_or("Sandbox Customer");
  if (!extras->empty()) event.extra = std::make_shared<const json>(std::move(*extras));
  json answer = {{"wamid", event.wamid}};
  if (undownloadable) {
    answer["media_id"] = nullptr;
    answer["sha256"] = nullptr;
    answer["error_code"] = 131052;
  }
  if (media) {
    auto buffer = std::make_shared<const std::string>(std::move(bytes));
    MediaRecord stored =
        media_store_.Put(*phone_number_id, media->mime_type, buffer, *buffer, clock_.NowMs(), kInboundMediaLifetimeMs);
    media->id = stored.id;
    media->sha256 = stored.sha256;
    answer["media_id"] = stored.id;
    answer["sha256"] = stored.sha256;
    event.media = std::move(media);
  }
  wamids_.Add(event.wamid, WamidRegistry::Entry{true, event.message_type, *phone_number_id});
  // Any message the customer sends opens (or refreshes) the window, at its arrival whatever its
  // `timestamp`; a system message is Meta's notice, not the customer writing.
  if (message_type != "system") windows_.RecordInbound(*phone_number_id, from_digits);
  answer["webhook_scheduled"] = webhooks_.Schedule(std::move(event), std::chrono::steady_clock::now());
  respond(http::JsonResponse(200, answer));
}

}  // namespace wagate::sandbox
