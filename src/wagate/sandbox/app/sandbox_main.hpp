// `wagate sandbox`: runs the Cloud API simulator until SIGINT/SIGTERM.
#pragma once

namespace wagate::sandbox {

// argv as main() received it; a leading "sandbox" subcommand word is skipped if present.
// Call it before starting other threads: it blocks SIGINT/SIGTERM and waits for them with sigwait.
// Returns the process exit code: 0 after a clean stop, 2 for bad flags, 1 when it cannot start.
int RunSandbox(int argc, char** argv);

}  // namespace wagate::sandbox
