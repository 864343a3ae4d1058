// Patch offsets kept between a kernel's calls on one thread (see kernels_internal.h).
#include "kernels_internal.h"
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    fovea_window window;
    int padded_height, padded_width;
    int *offsets;
} kept_offsets;

static _Thread_local kept_offsets kept[FOVEA_OFFSETS_KINDS];
static pthread_key_t exit_key;
static pthread_once_t exit_key_once = PTHREAD_ONCE_INIT;

/// At a thread's exit: its kept offsets (the key's value is the thread's `kept`).
static void free_kept(void *value) {
    kept_offsets *all = value;
    for (int kind = 0; kind < FOVEA_OFFSETS_KINDS; kind++) {
        free(all[kind].offsets);
        all[kind].offsets = NULL;
    }
}

static void make_exit_key(void) {
    if (pthread_key_create(&exit_key, free_kept) != 0) abort();
}

const int *fovea_keep_offsets(fovea_offsets_kind kind, const fovea_window *g, int padded_height, int padded_width,
                              int *(*make)(const fovea_window *, int, int)) {
    kept_offsets *k = &kept[kind];
    if (k->offsets && k->padded_height == padded_height && k->padded_width == padded_width &&
        memcmp(&k->window, g, sizeof *g) == 0)
        return k->offsets;
    if (!k->offsets) {   // this thread's first: free them when it exits
        pthread_once(&exit_key_once, make_exit_key);
        pthread_setspecific(exit_key, kept);
    }
    free(k->offsets);
    k->offsets = make(g, padded_height, padded_width);
    k->window = *g;
    k->padded_height = padded_height;
    k->padded_width = padded_width;
    return k->offsets;
}
