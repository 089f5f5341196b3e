/*
 * jni_glue.h - what the JNI glue's files share: the instance as Java names it (a jlong naming a
 * struct host: the core instance and its call gate, walloc_gate.h) and the macros that run a call
 * inside the gate. See walloc_jni.c for the glue's rules.
 */
#ifndef WALLOC_JNI_GLUE_H
#define WALLOC_JNI_GLUE_H

#include <stdint.h>
#include <stdlib.h>

#include <jni.h>

#include "io_walloc_WallocNative.h"
#include "gate_fast.h" /* walloc_gate.h, its enter and exit inline */
#include "walloc.h"

/* Status of a call refused because the instance is closed (io.walloc.WallocNative.CLOSED): not a
 * core status, and below 256 so that bulkCopy's packed result holds it. */
#define HOST_CLOSED 255

struct host {
    walloc_gate *gate;
    walloc *core; /* NULL once destroyed */
};

static inline struct host *H(jlong w)
{
    return (struct host *)(uintptr_t)w;
}

/* The core of w, for calls made while the gate is shut by their caller (reset, compact, destroy)
 * or before anyone else can call (the region's range, read at creation). */
static inline walloc *W(jlong w)
{
    return H(w)->core;
}

/* Returns expr, computed inside w's gate entered with enter (gate_enter or gate_try_enter), or
 * refused when enter refuses: the instance is closed, or (gate_try_enter) the gate is not open now. */
#define INSIDE(enter, w, refused, expr)                                                            \
    do {                                                                                           \
        struct host *h_ = H(w);                                                                    \
        if (!enter(h_->gate))                                                                      \
            return (refused);                                                                      \
        __typeof__(expr) r_ = (expr);                                                              \
        gate_exit(h_->gate);                                                                       \
        return r_;                                                                                 \
    } while (0)

/* expr inside w's gate, waiting while it is exclusive; closed once the instance is closed. */
#define GATED(w, closed, expr) INSIDE(gate_enter, w, closed, expr)

/* expr inside w's gate for callers that must never wait: busy when the gate is not open now. */
#define TRIED(w, busy, expr) INSIDE(gate_try_enter, w, busy, expr)

#endif
