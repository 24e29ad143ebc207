// Loading settings: defaults < TOML file (--config) < environment (WAGATE_*) < command-line flags.
// Unknown keys and invalid values stop start-up with a message naming the key.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "wagate/config/settings.hpp"
#include "wagate/core/result.hpp"

namespace wagate::config {

// `args` are the arguments after the subcommand; `env` is the process environment.
core::Result<Settings> LoadSettings(const std::vector<std::string>& args,
                                    const std::map<std::string, std::string>& env);
// The table of keys, for --help and docs.
std::string DescribeKeys();
// A TOML file with every key commented out at its default and its help above it (wagate.toml.example).
std::string ExampleToml();

}  // namespace wagate::config
