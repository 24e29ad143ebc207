// wagate: one binary, subcommands. Only wiring here; see src/wagate/app and src/wagate/sandbox.
#include <curl/curl.h>

#include <iostream>
#include <string>
#include <vector>

#include "wagate/app/serve_command.hpp"
#include "wagate/config/loader.hpp"
#include "wagate/sandbox/app/sandbox_main.hpp"
#include "wagate_version.hpp"  // generated at build time (cmake/version.cmake)

namespace {
void Usage() {
  std::cout << "usage: wagate <command> [options]\n\n"
               "commands:\n"
               "  serve     run the gateway (wagate serve --help)\n"
               "  sandbox   run the local WhatsApp Cloud API simulator (wagate sandbox --help)\n"
               "  config-example  print a configuration file with every setting at its default\n"
               "  version   print the version and the git revision it was built from\n";
}
}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    Usage();
    return 2;
  }
  std::string command = argv[1];
  curl_global_init(CURL_GLOBAL_DEFAULT);
  int rc = 2;
  if (command == "serve") {
    rc = wagate::app::RunServe(std::vector<std::string>(argv + 2, argv + argc));
  } else if (command == "sandbox") {
    rc = wagate::sandbox::RunSandbox(argc - 1, argv + 1);
  } else if (command == "version" || command == "--version") {
    std::cout << "wagate " << WAGATE_VERSION << " (git " << WAGATE_GIT_REVISION << ")\n";
    rc = 0;
  } else if (command == "config-example") {
    std::cout << wagate::config::ExampleToml();
    rc = 0;
  } else if (command == "help" || command == "--help" || command == "-h") {
    Usage();
    rc = 0;
  } else {
    std::cerr << "wagate: unknown command '" << command << "'\n";
    Usage();
  }
  curl_global_cleanup();
  return rc;
}
