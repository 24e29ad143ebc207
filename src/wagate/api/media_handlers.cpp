// Media with an outlet's credentials: upload (multipart), metadata, delete, streamed download.
#include "wagate/api/auth.hpp"
#include "wagate/api/response_sink.hpp"
#include "wagate/api/routes.hpp"
#include "wagate/http/multipart.hpp"
#include "wagate/http/responses.hpp"
#include "wagate/media/media_kinds.hpp"

namespace wagate::api {
namespace {

// The largest upload (a 100 MiB document) plus room for the multipart envelope.
constexpr size_t kUploadBodyLimit = media::kMaxMediaBytes + 64 * 1024;

void Upload(ApiContext& ctx, http::Request& req, http::Responder respond) {
  auto parts = http::ParseMultipart(req.Header("content-type"), req.body);
  if (!parts) return respond(http::ErrorResponse(parts.error()));
  std::optional<std::string> outlet_id = req.Query("outlet_id");
  const http::MultipartPart* file = nullptr;
  std::string type;
  for (const auto& p : *parts) {
    if (p.name == "outlet_id" && p.filename.empty()) outlet_id = std::string(p.data);
    if (p.name == "type" && p.filename.empty()) type = std::string(p.data);
    if (p.name == "file") file = &p;
  }
  auto outlet = AuthenticateForOutlet(ctx, req, outlet_id.value_or(""));
  if (!outlet) return respond(http::ErrorResponse(outlet.error()));
  if (!file)
    return respond(http::ErrorResponse(core::Error::InvalidField("file", "is required (a multipart file part)")));
  // The file part's own type wins; the `type` field (Graph's form) is the fallback.
  std::string mime =
      !file->content_type.empty() && file->content_type != "application/octet-stream" ? file->content_type : type;
  if (mime.empty()) mime = file->content_type;
  auto uploaded = ctx.media.Upload(**outlet, media::Upload{file->data, mime, file->filename});
  if (!uploaded) return respond(http::ErrorResponse(uploaded.error()));
  respond(http::JsonResponse(201, *uploaded));
}

void Metadata(ApiContext& ctx, http::Request& req, http::Responder respond) {
  auto outlet = AuthenticateForOutlet(ctx, req, req.Query("outlet_id").value_or(""));
  if (!outlet) return respond(http::ErrorResponse(outlet.error()));
  auto meta = ctx.media.Metadata(**outlet, req.params["id"]);
  if (!meta) return respond(http::ErrorResponse(meta.error()));
  respond(http::JsonResponse(200, *meta));
}

void Delete(ApiContext& ctx, http::Request& req, http::Responder respond) {
  auto outlet = AuthenticateForOutlet(ctx, req, req.Query("outlet_id").value_or(""));
  if (!outlet) return respond(http::ErrorResponse(outlet.error()));
  core::Status s = ctx.media.Delete(**outlet, req.params["id"]);
  if (!s.ok()) return respond(http::ErrorResponse(s.error()));
  respond(http::JsonResponse(200, {{"deleted", true}}));
}

void Content(ApiContext& ctx, http::Request& req, http::Responder respond) {
  auto outlet = AuthenticateForOutlet(ctx, req, req.Query("outlet_id").value_or(""));
  if (!outlet) return respond(http::ErrorResponse(outlet.error()));
  ResponseSink sink(respond);
  auto done = ctx.media.Download(**outlet, req.params["id"], sink);
  if (done) return sink.Finish();
  // Once the head went out the status is spent: leaving the body unfinished aborts the connection,
  // so the client never takes a truncated body for the whole media.
  if (!sink.opened()) respond(http::ErrorResponse(done.error()));
}

// Before the body: a valid key (401), the outlet when the query names it (404: the form may name it
// instead, checked after the body), and a free upload slot of the tenant (429).
core::Result<std::shared_ptr<void>> AdmitUpload(ApiContext& ctx, const http::Request& head) {
  auto who = Authenticate(ctx, head);
  if (!who) return who.error();
  std::string tenant = who->tenant_id;
  if (auto outlet_id = head.Query("outlet_id")) {
    auto outlet = AuthenticateForOutlet(ctx, head, *outlet_id);
    if (!outlet) return outlet.error();
    tenant = (*outlet)->tenant_id;
  }
  if (auto ticket = ctx.upload_slots.TryTake(tenant)) return ticket;
  return core::Error{core::ErrorKind::kQuotaExceeded, "too_many_requests",
                     "too many media uploads at once for this tenant; retry when one has finished"};
}

// Before a download starts: the outlet and a free download slot of its tenant (each download holds
// an upstream thread for as long as the client takes to read it).
core::Result<std::shared_ptr<void>> AdmitDownload(ApiContext& ctx, const http::Request& head) {
  auto outlet = AuthenticateForOutlet(ctx, head, head.Query("outlet_id").value_or(""));
  if (!outlet) return outlet.error();
  if (auto ticket = ctx.download_slots.TryTake((*outlet)->tenant_id)) return ticket;
  return core::Error{core::ErrorKind::kQuotaExceeded, "too_many_requests",
                     "too many media downloads at once for this tenant; retry when one has finished"};
}

}  // namespace

void RegisterMediaRoutes(http::Router& router, ApiContext& ctx) {
  // Upstream pool: every media route waits on Graph (and downloads on the client as well).
  router.Add(
      "POST", "/api/v1/media", [&ctx](http::Request& r, http::Responder p) { Upload(ctx, r, p); },
      http::Execution::kUpstream, kUploadBodyLimit,
      [&ctx](const http::Request& head) { return AdmitUpload(ctx, head); });
  router.Add(
      "GET", "/api/v1/media/{id}", [&ctx](http::Request& r, http::Responder p) { Metadata(ctx, r, p); },
      http::Execution::kUpstream);
  router.Add(
      "DELETE", "/api/v1/media/{id}", [&ctx](http::Request& r, http::Responder p) { Delete(ctx, r, p); },
      http::Execution::kUpstream);
  router.Add(
      "GET", "/api/v1/media/{id}/content", [&ctx](http::Request& r, http::Responder p) { Content(ctx, r, p); },
      http::Execution::kUpstream, 0, [&ctx](const http::Request& head) { return AdmitDownload(ctx, head); });
}

}  // namespace wagate::api
