// Stand-in for the engine header the back-edge test includes.
#pragma once
