/* agg-plc.h: the case packer's PLC over Modbus
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The station tells the case packer to reject a case, to stop the line, or
 * that it is ready, and reads back whether the line runs and a case is in
 * place.  All Modbus traffic runs in a thread of the PLC's own; the rest of
 * the station sets what it wants (faults, warnings, reject pulses) and
 * hears what happened through signals in its own main context.
 */

#pragma once

#include <glib-object.h>
#include <json-glib/json-glib.h>

#include "agg-config.h"

G_BEGIN_DECLS

#define AGG_TYPE_PLC (agg_plc_get_type ())
G_DECLARE_FINAL_TYPE (AggPlc, agg_plc, AGG, PLC, GObject)

/* From [plc] and [plc.map]; NULL and no error when there is no [plc] group. */
AggPlc     *agg_plc_new_from_config  (AggConfig   *config,
                                      GError     **error);
/* Starts the PLC's thread, which connects in the background.  Signals are
 * emitted in the thread-default main context of the caller. */
gboolean    agg_plc_start            (AggPlc      *self,
                                      GError     **error);
/* Clears the outputs it can (reject, heartbeat, ready, green) and joins the
 * thread.  Pending reject pulses are dropped. */
void        agg_plc_stop             (AggPlc      *self);
/* Queues one reject pulse of the configured length.  Pulses follow each
 * other in order, each followed by as long a pause, and are never merged. */
void        agg_plc_pulse_reject     (AggPlc      *self);
/* A station fault (database refusal, printer down, SSCC range exhausted, …)
 * requests line stop and the red light; several reasons may be active at
 * once, keyed by @id; the fault clears when none is left.  A NULL
 * @message clears @id. */
void        agg_plc_set_fault        (AggPlc      *self,
                                      const char  *id,
                                      const char  *message);
/* Amber: attention without stopping (label pending, SSCC range low, …).
 * Keyed as agg_plc_set_fault (). */
void        agg_plc_set_warning      (AggPlc      *self,
                                      const char  *id,
                                      const char  *message);
/* FALSE until the PLC answers, and again once it has been silent for
 * longer than the watchdog. */
gboolean    agg_plc_get_connected    (AggPlc      *self);
gboolean    agg_plc_get_line_running (AggPlc      *self);
gboolean    agg_plc_get_case_present (AggPlc      *self);
/* type, endpoint, unit_id, connected, state, last_error (translated or
 * null), rtt_ms (last), rtt_avg_ms, requests, timeouts, reconnects, polls,
 * rejects, rejects_pending, inputs {trigger, case_present, line_running},
 * outputs {reject, ready, heartbeat, line_stop, green, amber, red} (null
 * when not mapped or not known), faults [ {id, message} ], warnings
 * [ {id, message} ].  May be called from any thread. */
JsonObject *agg_plc_dup_status       (AggPlc      *self);

G_END_DECLS
