/* agg-print-queue.h: the station's printers and the labels waiting for them
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The queue reads its printers from the [printer:NAME] groups of the
 * configuration and sends the label jobs the engine records, in order,
 * one printer at a time, from a worker thread of its own.  A job goes to
 * the printer it names or, when it names none, to the first printer in
 * the file whose role fits the container (case, pallet, any).  A printer
 * that is down or reports a fault keeps its jobs, which are tried again
 * with a growing pause (up to its retry-max); nothing is lost, and the
 * container stays "label pending" until its label is sent.
 */

#pragma once

#include <json-glib/json-glib.h>

#include "agg-config.h"
#include "agg-printer.h"
#include "agg-store.h"

G_BEGIN_DECLS

#define AGG_TYPE_PRINT_QUEUE (agg_print_queue_get_type ())
G_DECLARE_FINAL_TYPE (AggPrintQueue, agg_print_queue, AGG, PRINT_QUEUE, GObject)

/* All [printer:…] groups, validated with FILE:LINE errors.  Signals are
 * emitted in the thread-default main context of the caller. */
AggPrintQueue *agg_print_queue_new_from_config (AggStore       *store,
                                                AggConfig      *config,
                                                GError        **error);
/* Starts the worker thread, which sends queued jobs in order per printer. */
gboolean       agg_print_queue_start           (AggPrintQueue  *self,
                                                GError        **error);
/* Stops the worker after the job it is sending, and waits for it. */
void           agg_print_queue_stop            (AggPrintQueue  *self);
/* New jobs may be waiting: the station calls it after each committed
 * request.  Without it, the queue still looks every second. */
void           agg_print_queue_kick            (AggPrintQueue  *self);
/* Per printer: name, type, endpoint, connected, fault_id, fault
 * (translated) or null, queued, sent, failed, last_job_ms, last_error. */
JsonArray     *agg_print_queue_dup_status      (AggPrintQueue  *self);

/* The printers, in the order of the file. */
GPtrArray     *agg_print_queue_get_printers    (AggPrintQueue  *self);
AggPrinter    *agg_print_queue_get_printer     (AggPrintQueue  *self,
                                                const char     *name);
/* The printer a label of a case (or pallet) goes to when its job names
 * none; NULL when no printer's role fits. */
AggPrinter    *agg_print_queue_choose_printer  (AggPrintQueue  *self,
                                                gboolean        pallet);
/* Sends the jobs waiting for @printer now, in the calling thread, as the
 * worker would (for aggctl print, with the worker not running).  TRUE
 * when the job @job_id was among those sent; otherwise FALSE with the
 * reason. */
gboolean       agg_print_queue_send_now_sync   (AggPrintQueue  *self,
                                                AggPrinter     *printer,
                                                gint64          job_id,
                                                GError        **error);

G_END_DECLS
