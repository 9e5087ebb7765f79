// Everything is in include/CByteScan.h (static inline); SwiftPM needs one source file for a C target.
#include "CByteScan.h"
