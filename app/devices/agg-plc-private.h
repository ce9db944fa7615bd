/* agg-plc-private.h: what aggctl's commissioning commands need of AggPlc
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "agg-plc.h"

G_BEGIN_DECLS

/* The stack light outputs, for agg_plc_set_light_override (). */
typedef enum
{
  AGG_PLC_LIGHT_GREEN = 1 << 0,
  AGG_PLC_LIGHT_AMBER = 1 << 1,
  AGG_PLC_LIGHT_RED   = 1 << 2,
} AggPlcLights;

/* Before agg_plc_start (): a PLC that writes nothing, not even when it
 * stops, and reads back the outputs' addresses beside the inputs. */
void     agg_plc_set_passive        (AggPlc       *self,
                                     gboolean      passive);
/* Lights the lamps in @lights, whatever the faults and warnings say, until
 * agg_plc_clear_light_override (). */
void     agg_plc_set_light_override (AggPlc       *self,
                                     AggPlcLights  lights);
void     agg_plc_clear_light_override (AggPlc     *self);
/* Whether the output named as in the status ("reject", "green", …) is
 * mapped. */
gboolean agg_plc_has_output         (AggPlc       *self,
                                     const char   *name);

G_END_DECLS
