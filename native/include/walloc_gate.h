/*
 * walloc_gate.h - close- and reset-safety for a host's calls into an instance, without a locked
 * instruction on the calling path.
 *
 * A host that lets any thread call into an instance while another thread may close it (or reset
 * a tier, which must not race allocation: see walloc.h) needs to know when no call is inside.
 * A shared counter does it with two atomic read-modify-writes per call, which cost several ns on
 * some CPUs (bench/java/RESULTS.md). A gate does it asymmetrically: a call stores "I am inside
 * this gate" in its thread's own slot and then reads the gate's state, with no fence between the
 * two; the rare closer writes the state and then makes every other thread of the process execute
 * a full memory barrier (Linux membarrier(2), Windows FlushProcessWriteBuffers), after which it
 * sees every slot that was set before the caller read the state (Dekker's handshake with the
 * expensive half moved to the closer). Where the OS offers no such barrier, calls fence instead.
 *
 * Thread safety: every function may be called from any thread. A thread may be inside at most
 * one gate at a time (calls do not nest). walloc_gate_shut and walloc_gate_open of one gate are
 * serialized by the caller, and never called by a thread inside that gate.
 *
 * Cost: walloc_gate_enter and walloc_gate_exit are a few plain loads and stores (a thread's first
 * enter takes a slot: a lock and a small allocation). walloc_gate_shut is one system call plus a
 * scan of one slot per thread that ever entered a gate, plus the wait for calls inside.
 */
#ifndef WALLOC_GATE_H
#define WALLOC_GATE_H

#include <stdbool.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct walloc_gate walloc_gate;

/** What a gate lets through. Values are stable: hosts pass them as integers. */
typedef enum walloc_gate_state {
    /** Calls enter. */
    WALLOC_GATE_OPEN = 0,
    /** Calls wait until the gate opens again (or closes): a reset or compaction runs alone. */
    WALLOC_GATE_EXCLUSIVE = 1,
    /** Calls are refused, for good: the instance is closed. */
    WALLOC_GATE_CLOSED = 2
} walloc_gate_state;

/** A new open gate, or NULL when out of memory. */
walloc_gate *walloc_gate_new(void);

/** Frees a gate. No thread may be inside it or use it afterwards. NULL is a no-op. */
void walloc_gate_delete(walloc_gate *g);

/** Enters a call: true when the gate is open (the caller must walloc_gate_exit), false when it
 *  is closed (the caller must not touch what the gate guards). Waits while it is exclusive. */
bool walloc_gate_enter(walloc_gate *g);

/** Leaves a call entered with walloc_gate_enter. */
void walloc_gate_exit(walloc_gate *g);

/** Sets the state to WALLOC_GATE_EXCLUSIVE or WALLOC_GATE_CLOSED and returns once no call is
 *  inside: until walloc_gate_open, the caller alone touches what the gate guards. */
void walloc_gate_shut(walloc_gate *g, walloc_gate_state state);

/** Lets calls in again after walloc_gate_shut(g, WALLOC_GATE_EXCLUSIVE). */
void walloc_gate_open(walloc_gate *g);

/** Whether calls skip the fence because the process-wide barrier works here (for reports and
 *  tests; decided at the first walloc_gate_new). */
bool walloc_gate_asymmetric(void);

#ifdef __cplusplus
}
#endif

#endif
