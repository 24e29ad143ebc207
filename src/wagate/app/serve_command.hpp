// `wagate serve`: the composition root of the gateway — settings → objects → start → wait → stop.
#pragma once

#include <string>
#include <vector>

namespace wagate::app {

int RunServe(const std::vector<std::string>& args);
// Blocks SIGINT/SIGTERM in every thread (call before starting any) and waits for one of them.
void BlockStopSignals();
void WaitForStopSignal();
// Writes "host:port" atomically (temp file + rename) so a reader never sees half a line.
bool WriteReadyFile(const std::string& path, const std::string& address);

}  // namespace wagate::app
