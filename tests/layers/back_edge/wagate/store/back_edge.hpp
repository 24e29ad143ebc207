// A deliberate back-edge for the layering test (CMakeLists.txt, layers.back_edge_fails): the store
// reaching up into the engine must be refused by tools/check_layers.py.
#pragma once

#include "wagate/engine/dispatcher.hpp"
