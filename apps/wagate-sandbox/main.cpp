// wagate-sandbox: the Cloud API simulator alone, the same code as `wagate sandbox`. It links only the
// sandbox's library (core, http, security below it), so it builds and runs without the gateway.
#include "wagate/sandbox/app/sandbox_main.hpp"

int main(int argc, char** argv) { return wagate::sandbox::RunSandbox(argc, argv); }
