// Compiles the kernel template named by FOVEA_LANES_TEMPLATE (a file written over the lanes of
// vector_lanes.h) once per width: plain C everywhere, AVX2 and AVX-512 on x86. No include guard:
// each kernel file includes it once with its own template.
#define FOVEA_LANES 1
#include "vector_lanes.h"
#include FOVEA_LANES_TEMPLATE
#undef FOVEA_LANES

#ifdef FOVEA_X86
#define FOVEA_LANES 8
#include "vector_lanes.h"
#include FOVEA_LANES_TEMPLATE
#undef FOVEA_LANES

#define FOVEA_LANES 16
#include "vector_lanes.h"
#include FOVEA_LANES_TEMPLATE
#undef FOVEA_LANES
#endif

#undef FOVEA_LANES_TEMPLATE
