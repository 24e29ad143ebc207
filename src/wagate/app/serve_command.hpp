// `wagate serve`: the composition root of the gateway — settings → objects → start → wait → stop.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace wagate::app {

int RunServe(const std::vector<std::string>& args);
// Blocks SIGINT/SIGTERM in every thread (call before starting any) and waits for one of them.
void BlockStopSignals();
void WaitForStopSignal();
// Makes every file this process creates private (umask 077), creates the data directory and tightens
// an existing one and its database to 0700 / 0600: they hold message bodies, customer numbers and the
// master key. Returns an error message, empty on success.
std::string PreparePrivateDataDir(const std::string& data_dir);
// Raises the soft limit on open files to the hard limit (each connection is a descriptor); returns it.
uint64_t RaiseOpenFileLimit();
// Writes "host:port" atomically (temp file + rename) so a reader never sees half a line.
bool WriteReadyFile(const std::string& path, const std::string& address);

}  // namespace wagate::app
