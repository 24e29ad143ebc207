#include "wagate/sandbox/media/media_endpoints.hpp"

#include <charconv>
#include <memory>

#include "wagate/core/log.hpp"
#include "wagate/http/multipart.hpp"
#include "wagate/sandbox/graph/graph_request.hpp"
#include "wagate/sandbox/media/media_limits.hpp"

namespace wagate::sandbox {
namespace {

using nlohmann::ordered_json;

constexpr std::string_view kLog = "sandbox.media";

GraphError BadParam(std::string details) { return GraphError::Of(100, std::move(details)); }

// A Meta-shaped error with an HTTP status of our choosing: the download URL answers 404, not 400.
http::Response ErrorWithStatus(int status, const GraphError& error) {
  http::Response response = GraphErrorResponse(error);
  response.status = status;
  return response;
}

const http::MultipartPart* FindPart(const std::vector<http::MultipartPart>& parts, std::string_view name) {
  for (const auto& part : parts) {
    if (part.name == name) return &part;
  }
  return nullptr;
}

// `phone_number_id`, if given, must be the number that uploaded (or received) the media.
std::optional<GraphError> CheckOwner(const http::Request& request, const MediaRecord& media) {
  auto owner = request.Query("phone_number_id");
  if (owner && *owner != media.phone_number_id) {
    return BadParam("Param phone_number_id (" + *owner + ") is not the number that uploaded media " + media.id + ".");
  }
  return std::nullopt;
}

}  // namespace

MediaEndpoints::MediaEndpoints(MediaStore& store, const core::Clock& clock, std::string access_token, ConfigFn config)
    : store_(store), clock_(clock), access_token_(std::move(access_token)), config_(std::move(config)) {}

void MediaEndpoints::RegisterRoutes(http::Router& router) {
  // A 100 MB document upload (Meta's largest media) plus its multipart envelope.
  AddGraphRoute(
      router, "POST", "/{phone_number_id}/media",
      [this](http::Request& request, http::Responder respond) { HandleUpload(request, std::move(respond)); },
      kMaxMediaBytes + kMiB);
  router.Add("GET", "/_media/{media_id}",
             [this](http::Request& request, http::Responder respond) { HandleDownload(request, std::move(respond)); });
}

// multipart/form-data: messaging_product=whatsapp, file (with its Content-Type), optional `type`.
void MediaEndpoints::HandleUpload(http::Request& request, http::Responder respond) {
  if (auto e = CheckGraphAccess(request.params["version"], BearerOf(request), access_token_)) {
    return respond(GraphErrorResponse(*e));
  }
  const std::string phone_number_id = request.params["phone_number_id"];
  if (!AllDigits(phone_number_id)) return respond(GraphErrorResponse(UnknownObjectError(phone_number_id)));
  auto parts = http::ParseMultipart(request.Header("content-type"), request.body);
  if (!parts.ok())
    return respond(GraphErrorResponse(BadParam("Invalid multipart/form-data body: " + parts.error().message + ".")));
  // Graph reads a parameter from the form or, failing that, the query string (`file` is a form part).
  auto param = [&](std::string_view name) -> std::optional<std::string> {
    if (const http::MultipartPart* part = FindPart(*parts, name)) return std::string(part->data);
    return request.Query(name);
  };
  std::optional<std::string> product = param("messaging_product");
  if (!product) return respond(GraphErrorResponse(BadParam("The parameter messaging_product is required.")));
  if (*product != "whatsapp")
    return respond(GraphErrorResponse(BadParam("Param messaging_product must be 'whatsapp'.")));
  const http::MultipartPart* file = FindPart(*parts, "file");
  if (!file) return respond(GraphErrorResponse(BadParam("The parameter file is required.")));
  std::optional<std::string> type = param("type");
  std::string mime = file->content_type.empty() && type ? *type : file->content_type;
  if (mime.empty()) return respond(GraphErrorResponse(BadParam("Param file needs a Content-Type (or a type field).")));
  if (type && MimeEssence(*type) != MimeEssence(mime)) {
    return respond(GraphErrorResponse(
        BadParam("Param type (" + *type + ") does not match the file's Content-Type (" + mime + ").")));
  }
  if (auto problem = CheckUploadLimits(mime, file->data.size())) return respond(GraphErrorResponse(BadParam(*problem)));

  // Keep the request body itself and point into it: the file is never copied.
  size_t offset = static_cast<size_t>(file->data.data() - request.body.data());
  size_t size = file->data.size();
  auto buffer = std::make_shared<const std::string>(std::move(request.body));
  MediaRecord record =
      store_.Put(phone_number_id, MimeEssence(mime), buffer, std::string_view(*buffer).substr(offset, size),
                 clock_.NowMs(), kUploadedMediaLifetimeMs);
  core::LogInfo(kLog, "media uploaded", {{"id", record.id}, {"mime_type", record.mime_type}, {"bytes", record.size}});
  respond(GraphJson(200, ordered_json{{"id", record.id}}));
}

std::optional<http::Response> MediaEndpoints::Describe(const http::Request& request, std::string_view id) {
  int64_t now = clock_.NowMs();
  auto media = store_.Get(id, now);
  if (!media) return std::nullopt;
  if (auto e = CheckOwner(request, *media)) return GraphErrorResponse(*e);
  int64_t exp = now + config_().media_url_ttl_ms;
  std::string url = BaseUrlOf(request) + "/_media/" + media->id + "?sig=" + store_.Signature(media->id, exp) +
                    "&exp=" + std::to_string(exp);
  return GraphJson(200, ordered_json{{"messaging_product", "whatsapp"},
                                     {"url", url},
                                     {"mime_type", media->mime_type},
                                     {"sha256", media->sha256},
                                     {"file_size", media->size},
                                     {"id", media->id}});
}

std::optional<http::Response> MediaEndpoints::Remove(const http::Request& request, std::string_view id) {
  auto media = store_.Get(id, clock_.NowMs());
  if (!media) return std::nullopt;
  if (auto e = CheckOwner(request, *media)) return GraphErrorResponse(*e);
  store_.Delete(id);
  core::LogInfo(kLog, "media deleted", {{"id", media->id}});
  return GraphJson(200, ordered_json{{"success", true}});
}

// The signed URL: the bearer token first (401), then signature, expiry and existence (404 alike, as
// Meta's expired URLs answer).
void MediaEndpoints::HandleDownload(http::Request& request, http::Responder respond) {
  std::string bearer = BearerOf(request);
  if (bearer.empty() || (!access_token_.empty() && bearer != access_token_)) {
    return respond(GraphErrorResponse(MissingTokenError()));
  }
  const std::string& id = request.params["media_id"];
  std::string exp_text = request.Query("exp").value_or("");
  int64_t exp = 0;
  auto [end, ec] = std::from_chars(exp_text.data(), exp_text.data() + exp_text.size(), exp);
  bool parsed = ec == std::errc() && end == exp_text.data() + exp_text.size() && !exp_text.empty();
  int64_t now = clock_.NowMs();
  std::optional<MediaRecord> media;
  if (parsed && now <= exp && store_.SignatureValid(id, exp, request.Query("sig").value_or(""))) {
    media = store_.Get(id, now);
  }
  if (!media) {
    return respond(ErrorWithStatus(
        404, BadParam("The media URL is invalid or expired (URLs last " + std::to_string(config_().media_url_ttl_ms) +
                      " ms): GET the media id again for a fresh one.")));
  }
  http::Response response;
  response.status = 200;
  response.content_type = media->mime_type;
  response.body.assign(media->data.data(), media->data.size());  // the one copy: Response owns its body
  respond(std::move(response));
}

}  // namespace wagate::sandbox
