/*
 * api.h — the top layer: the entry points that join the layers below (heap lifecycle,
 * the gc module's surface, sys._debugmallocstats, ohm_gc_explain, the timeline
 * recorder of timeline.h) and the heap structure itself, which only this layer sees
 * whole.
 *
 * struct ohm_heap nests the layers' states, lowest first (base.h explains why):
 *   ohm_heap { ohmi_obj_heap { ohmi_gc_heap { ohmi_trace_heap { ohmi_alloc_heap {
 *       ohmi_base, alloc_state }, trace_state }, gc_state }, obj_state }, api fields }
 * Creation runs the layers' init bottom up (alloc, trace, gc, obj: each installs its
 * hooks into the layer below); destruction runs their fini top down.
 */
#ifndef OHM_API_H
#define OHM_API_H

#include "obj/obj.h"

struct ohmi_timeline_rec;

struct ohm_heap {
    struct ohmi_obj_heap obj;  /* every layer's state, nested */
    ohm_object *garbage;       /* the gc.garbage list, made on first use */
    struct ohmi_timeline_rec *timeline; /* the recording under way (timeline.c), or NULL */
};

#endif
