#include "wagate/sandbox/app/sandbox_main.hpp"

#include <curl/curl.h>
#include <signal.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "wagate/core/clock.hpp"
#include "wagate/core/log.hpp"
#include "wagate/http/server.hpp"
#include "wagate/sandbox/app/sandbox_app.hpp"
#include "wagate/sandbox/app/sandbox_settings.hpp"
#include "wagate/sandbox/media/media_limits.hpp"

namespace wagate::sandbox {
namespace {

constexpr std::string_view kLog = "sandbox";

// Writes beside the target then renames, so a reader polling for the file never sees it half written.
bool WriteReadyFile(const std::string& path, const std::string& address) {
  std::string temp = path + ".tmp";
  {
    std::ofstream out(temp, std::ios::trunc);
    out << address << '\n';
    if (!out.flush()) return false;
  }
  std::error_code ec;
  std::filesystem::rename(temp, path, ec);
  return !ec;
}

// Blocks SIGINT/SIGTERM in every thread (call before starting any) and returns the set to wait on.
sigset_t BlockStopSignals() {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  return signals;
}

}  // namespace

int RunSandbox(int argc, char** argv) {
  std::vector<std::string> args(argv + std::min(argc, 1), argv + argc);
  if (!args.empty() && args.front() == "sandbox") args.erase(args.begin());
  auto parsed = ParseSandboxFlags(args);
  if (!parsed.ok()) {
    std::fprintf(stderr, "wagate sandbox: %s\n", parsed.error().message.c_str());
    return 2;
  }
  SandboxSettings settings = std::move(*parsed);
  if (settings.show_help) {
    std::fputs(SandboxUsage(), stdout);
    return 0;
  }
  core::LogLevel level = core::LogLevel::kInfo;
  core::ParseLogLevel(settings.log_level, &level);
  core::SetLogLevel(level);

  sigset_t stop_signals = BlockStopSignals();
  curl_global_init(CURL_GLOBAL_DEFAULT);
  uint64_t seed = settings.seed.value_or(std::random_device{}() * 0x9E3779B97F4A7C15ULL ^ std::random_device{}());
  core::SystemClock clock;
  int exit_code = 0;
  {
    SandboxApp app(settings, clock, seed);
    http::Router router;
    app.RegisterRoutes(router);
    http::ServerSettings server_settings;
    server_settings.host = settings.listen_host;
    server_settings.port = settings.listen_port;
    server_settings.worker_threads = settings.http_threads;
    // Everything but the media routes (which carry their own limit) keeps a small body limit.
    server_settings.max_body_bytes = kMiB;
    server_settings.kernel_arrival_stamps = true;  // Meta counts throughput by arrival
    http::HttpServer server(server_settings, router);
    app.Start();
    auto bound = server.Start();
    if (!bound.ok()) {
      core::LogError(kLog, "cannot start", {{"error", bound.error().message}});
      exit_code = 1;
    } else if (!settings.ready_file.empty() && !WriteReadyFile(settings.ready_file, *bound)) {
      core::LogError(kLog, "cannot write the ready file", {{"path", settings.ready_file}});
      exit_code = 1;
    } else {
      core::LogInfo(kLog, "Cloud API sandbox listening",
                    {{"address", *bound},
                     {"webhook_url", settings.webhook_url.empty() ? "(none)" : settings.webhook_url},
                     {"mps", settings.mps},
                     {"seed", seed}});
      int signal_number = 0;
      sigwait(&stop_signals, &signal_number);
      core::LogInfo(kLog, "stopping", {{"signal", signal_number == SIGINT ? "SIGINT" : "SIGTERM"}});
    }
    server.Stop();
    app.Stop();
  }
  curl_global_cleanup();
  if (exit_code == 0) core::LogInfo(kLog, "stopped");
  return exit_code;
}

}  // namespace wagate::sandbox
