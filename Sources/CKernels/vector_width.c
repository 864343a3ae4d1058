#include "kernels_internal.h"
#include <stdlib.h>

int fovea_known_vector_lanes = 0;

int fovea_vector_lanes(void) {
    int lanes = __atomic_load_n(&fovea_known_vector_lanes, __ATOMIC_RELAXED);
    if (lanes == 0) {
        int available = fovea_wide_tiles_available() ? 16 : (fovea_panel_convolution_available() ? 8 : 1);
        // FOVEA_VECTOR_LANES=8 or 1 caps the width: for A/B runs, and so that tests on one CPU
        // can run the narrower variants too.
        const char *cap = getenv("FOVEA_VECTOR_LANES");
        if (cap) {
            const int limit = atoi(cap);
            if (limit == 1 || limit == 8 || limit == 16) available = limit < available ? limit : available;
        }
        // Both checks cache their answers: threads racing here store the same value.
        lanes = available;
        __atomic_store_n(&fovea_known_vector_lanes, lanes, __ATOMIC_RELAXED);
    }
    return lanes;
}
