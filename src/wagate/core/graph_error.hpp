// An error as Meta's Graph API reports it (code, title, details), or ours for a transport failure:
// kept on a failed message, shown by the status API, classified by the engine.
#pragma once

#include <cstdint>
#include <string>

namespace wagate::core {

struct GraphError {
  int64_t code = 0;
  std::string title;
  std::string details;
};

}  // namespace wagate::core
