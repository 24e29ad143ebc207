// Media as Meta serves it: upload (POST /{version}/{phone_number_id}/media, multipart), metadata with a
// short-lived signed URL (GET /{version}/{media_id}), delete, and the download of that URL.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "wagate/core/clock.hpp"
#include "wagate/http/router.hpp"
#include "wagate/sandbox/app/control_json.hpp"
#include "wagate/sandbox/media/media_store.hpp"

namespace wagate::sandbox {

// Uploaded media live 30 days on Meta; media of inbound messages 7 days.
inline constexpr int64_t kUploadedMediaLifetimeMs = 30LL * 86'400'000;
inline constexpr int64_t kInboundMediaLifetimeMs = 7LL * 86'400'000;

// Thread-safe (the store is).
class MediaEndpoints final {
 public:
  using ConfigFn = std::function<LiveConfig()>;

  MediaEndpoints(MediaStore& store, const core::Clock& clock, std::string access_token, ConfigFn config);

  // The upload route and the download route (/_media/{media_id}).
  void RegisterRoutes(http::Router& router);

  // GET and DELETE /{version}/{id} when `id` is media (the caller checked version and token); nullopt
  // when it is not.
  std::optional<http::Response> Describe(const http::Request& request, std::string_view id);
  std::optional<http::Response> Remove(const http::Request& request, std::string_view id);

 private:
  void HandleUpload(http::Request& request, http::Responder respond);
  void HandleDownload(http::Request& request, http::Responder respond);

  MediaStore& store_;
  const core::Clock& clock_;
  const std::string access_token_;
  const ConfigFn config_;
};

}  // namespace wagate::sandbox
