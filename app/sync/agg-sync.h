/* agg-sync.h: delivery of the outbox to an EPCIS 2.0 capture interface
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The station keeps every event in its outbox until the repository has
 * accepted it, so that it can work offline for as long as the disk lasts
 * and catch up afterwards.  An event is marked sent only once the
 * repository has captured it; a station killed in the middle of an upload
 * sends that upload again with the same event IDs, which a repository
 * recognises.  Events the repository refuses wait as exceptions for a
 * supervisor (AGG_ACTION_EVENT_RESEND, AGG_ACTION_EVENT_HANDLED).
 */

#pragma once

#include <json-glib/json-glib.h>

#include "agg-config.h"
#include "agg-store.h"

G_BEGIN_DECLS

#define AGG_SYNC_ERROR (agg_sync_error_quark ())

typedef enum
{
  AGG_SYNC_ERROR_FAILED,
  AGG_SYNC_ERROR_UNREACHABLE,         /* no answer: network, DNS, TLS, timeout */
  AGG_SYNC_ERROR_SERVER,              /* the repository failed (5xx) or is busy (429) */
  AGG_SYNC_ERROR_REFUSED,             /* credentials or address refused (401, 403, 404, …) */
} AggSyncError;

GQuark      agg_sync_error_quark      (void);

#define AGG_TYPE_SYNC (agg_sync_get_type ())
G_DECLARE_FINAL_TYPE (AggSync, agg_sync, AGG, SYNC, GObject)

/* Reads and checks the [sync] group; NULL without an error when the
 * configuration has none.  Secrets are read from their files here. */
AggSync    *agg_sync_new_from_config  (AggStore      *store,
                                       AggConfig     *config,
                                       GError       **error);

/* Starts the worker thread, which has its own main context and HTTP
 * session and delivers whenever there is something to deliver. */
gboolean    agg_sync_start            (AggSync       *self,
                                       GError       **error);
/* Abandons the request in flight (nothing of it counts as sent) and
 * joins the worker. */
void        agg_sync_stop             (AggSync       *self);
/* New events are committed: deliver them soon (unless backing off). */
void        agg_sync_kick             (AggSync       *self);

/* Delivers in the calling thread until the outbox is empty; FALSE at the
 * first failure.  Not while the worker runs. */
gboolean    agg_sync_run_once         (AggSync       *self,
                                       GCancellable  *cancellable,
                                       GError       **error);

/* A snapshot: online, state ("idle", "sending", "waiting", "offline",
 * "stopped"), pending, exceptions, sent_total, last_success_at (or
 * null), last_error (translated, or null; never a secret),
 * next_attempt_in_ms, capture_limit (or null), url (without
 * credentials). */
JsonObject *agg_sync_dup_status       (AggSync       *self);

/* The "status-changed" signal is emitted, at most a few times a second,
 * in the thread-default main context of the caller of
 * agg_sync_new_from_config (). */

G_END_DECLS
