/* agg-station.h: the running station — engine, devices, printers, upstream
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * AggStation builds everything the configuration names around one
 * AggLine and keeps them working together: each reader's frames become
 * scans, refused scans pulse the PLC's reject output, faults stop the
 * line, closed cases reach the printers and events the upstream.  The
 * headless station (aggctl run) and the GUI both run one.
 */

#pragma once

#include <json-glib/json-glib.h>

#include "agg-config.h"
#include "agg-line.h"

G_BEGIN_DECLS

#define AGG_TYPE_STATION (agg_station_get_type ())
G_DECLARE_FINAL_TYPE (AggStation, agg_station, AGG, STATION, GObject)

/* Validates the whole configuration, failing with the file, line and
 * reason of the first problem, and builds the devices without opening
 * anything yet. */
AggStation *agg_station_new          (AggLine             *line,
                                      AggConfig           *config,
                                      GError             **error);
AggLine    *agg_station_get_line     (AggStation          *self);
AggConfig  *agg_station_get_config   (AggStation          *self);

/* Records the [station] identity in the database's settings, audited
 * when it changes.  Blocks on the store: a UI calls it from a worker
 * thread; agg_station_start () does it when nobody did. */
gboolean    agg_station_record_identity_sync (AggStation  *self,
                                              GError     **error);
/* Opens the devices in the caller's thread-default main context.  Devices
 * that are not there yet are retried in the background: only a
 * configuration no retry can fix is an error. */
gboolean    agg_station_start        (AggStation          *self,
                                      GError             **error);
void        agg_station_stop         (AggStation          *self);

/* Runs @request through the same queue as the readers' scans, so that
 * every scan, whichever its source, is handled in arrival order. */
void        agg_station_execute_async  (AggStation          *self,
                                        const AggRequest    *request,
                                        GCancellable        *cancellable,
                                        GAsyncReadyCallback  callback,
                                        gpointer             user_data);
AggResult  *agg_station_execute_finish (AggStation          *self,
                                        GAsyncResult        *result,
                                        GError             **error);

/* A condition that stops the line until it clears, keyed by @id
 * ("database", "sscc", "plc", "printer:NAME", …); @message NULL clears it.
 * Warnings light the amber lamp without stopping. */
void        agg_station_set_fault    (AggStation          *self,
                                      const char          *id,
                                      const char          *message);
void        agg_station_set_warning  (AggStation          *self,
                                      const char          *id,
                                      const char          *message);
gboolean    agg_station_has_fault    (AggStation          *self);

/* The live picture: name, faults, warnings, and per device kind its
 * status ("readers", "plc", "printers", "sync", "cameras"). */
JsonObject *agg_station_dup_status   (AggStation          *self);
/* One entry per device, in the shape the status page lists: kind, name,
 * connected, state, detail, last_error, and the device's own figures. */
JsonArray  *agg_station_dup_devices  (AggStation          *self);

/* The configured cameras (AggCamera), for a view of their images; the
 * station itself sends their layers to the engine. */
GPtrArray  *agg_station_get_cameras  (AggStation          *self);

/* Where a running station publishes its status for "aggctl status":
 * beside the database.  The file names the process that wrote it. */
char       *agg_station_status_path  (const char          *db_path);
/* Reads that file; NULL without error when no station has written one.
 * *@running tells whether its writer is still alive. */
JsonObject *agg_station_read_status  (const char          *db_path,
                                      gboolean            *running,
                                      GError             **error);

G_END_DECLS
