#include "kernels_internal.h"
#include <stdlib.h>

int fovea_vector_lanes(void) {
    static int lanes = 0;
    if (lanes == 0) {
        int available = fovea_wide_tiles_available() ? 16 : (fovea_panel_convolution_available() ? 8 : 1);
        // FOVEA_VECTOR_LANES=8 or 1 caps the width: for A/B runs, and so that tests on one CPU
        // can run the narrower variants too.
        const char *cap = getenv("FOVEA_VECTOR_LANES");
        if (cap) {
            const int limit = atoi(cap);
            if (limit == 1 || limit == 8 || limit == 16) available = limit < available ? limit : available;
        }
        lanes = available;   // both checks cache their answers: a race here stores the same value twice
    }
    return lanes;
}
