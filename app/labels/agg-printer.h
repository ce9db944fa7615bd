/* agg-printer.h: one label printer — its transport, its status, its faults
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A printer is a [printer:NAME] group of the station's configuration.  It
 * takes jobs over raw TCP (port 9100), a serial line, a CUPS queue, or
 * appends them to a file.  A ZPL printer on TCP or serial is asked for its
 * host status (~HS) before and after each job, so that paper out, ribbon
 * out, an open head or a pause are faults the station reports instead of
 * labels that silently never come out.
 *
 * Every call that talks to the printer blocks for at most its timeouts:
 * call them from a worker thread, never from the UI thread.
 */

#pragma once

#include <gio/gio.h>

#include "agg-config.h"

G_BEGIN_DECLS

typedef enum
{
  AGG_PRINTER_TYPE_TCP,
  AGG_PRINTER_TYPE_SERIAL,
  AGG_PRINTER_TYPE_FILE,
  AGG_PRINTER_TYPE_CUPS,
} AggPrinterType;

typedef enum
{
  AGG_PRINTER_LANGUAGE_ZPL,
  AGG_PRINTER_LANGUAGE_PDF,
} AggPrinterLanguage;

/* Which containers' labels a printer takes when a job names none. */
typedef enum
{
  AGG_PRINTER_ROLE_CASE,
  AGG_PRINTER_ROLE_PALLET,
  AGG_PRINTER_ROLE_ANY,
} AggPrinterRole;

/* What stops a printer.  The ids (agg_printer_fault_to_id) are a stable
 * interface: status JSON carries them, and the station turns them into
 * line-stop requests. */
typedef enum
{
  AGG_PRINTER_FAULT_NONE,
  AGG_PRINTER_FAULT_PAPER_OUT,        /* "paper-out" */
  AGG_PRINTER_FAULT_RIBBON_OUT,       /* "ribbon-out" */
  AGG_PRINTER_FAULT_HEAD_OPEN,        /* "head-open" */
  AGG_PRINTER_FAULT_PAUSED,           /* "paused" */
  AGG_PRINTER_FAULT_BUFFER_FULL,      /* "buffer-full" */
  AGG_PRINTER_FAULT_HEAD_TOO_HOT,     /* "head-too-hot" */
  AGG_PRINTER_FAULT_NO_ANSWER,        /* "no-answer": no status within status-timeout */
  AGG_PRINTER_FAULT_UNREACHABLE,      /* "unreachable": no connection */
  AGG_PRINTER_FAULT_CONNECTION_LOST,  /* "connection-lost": the job broke off */
  AGG_PRINTER_FAULT_QUEUE_STOPPED,    /* "queue-stopped": a CUPS queue that does not print */
  AGG_PRINTER_N_FAULTS
} AggPrinterFault;

const char *agg_printer_fault_to_id      (AggPrinterFault  fault);
/* Translated; what the operator reads and does. */
const char *agg_printer_fault_to_message (AggPrinterFault  fault);

/* Errors of printers are their faults: error->code is an AggPrinterFault. */
#define AGG_PRINTER_ERROR (agg_printer_error_quark ())
GQuark agg_printer_error_quark (void);

/* The three strings a ZPL printer answers to ~HS, as the ZPL II
 * Programming Guide defines them. */
typedef struct
{
  gboolean paper_out;
  gboolean paused;
  guint    label_length;              /* dots */
  guint    formats_in_buffer;
  gboolean buffer_full;
  gboolean corrupt_ram;
  gboolean under_temperature;
  gboolean over_temperature;
  gboolean head_up;
  gboolean ribbon_out;
  gboolean thermal_transfer;
  guint    print_mode;
  gboolean label_waiting;
  guint    labels_remaining;
} AggZplHostStatus;

/* Parses a whole ~HS answer (three STX … ETX CR LF strings). */
gboolean        agg_zpl_host_status_parse (const char               *reply,
                                           gsize                     len,
                                           AggZplHostStatus         *status,
                                           GError                  **error);
/* The fault that matters most in @status, or AGG_PRINTER_FAULT_NONE. */
AggPrinterFault agg_zpl_host_status_fault (const AggZplHostStatus   *status);

#define AGG_TYPE_PRINTER (agg_printer_get_type ())
G_DECLARE_FINAL_TYPE (AggPrinter, agg_printer, AGG, PRINTER, GObject)

/* The printer of the group @group ("printer:NAME"), its keys checked with
 * "FILE:LINE: [group] key: reason" errors. */
AggPrinter         *agg_printer_new_from_config   (AggConfig     *config,
                                                   const char    *group,
                                                   GError       **error);

const char         *agg_printer_get_name          (AggPrinter    *self);
AggPrinterType      agg_printer_get_printer_type  (AggPrinter    *self);
const char         *agg_printer_get_type_name     (AggPrinter    *self);
/* "host:port", the serial device, the file's path or the CUPS queue. */
const char         *agg_printer_get_endpoint      (AggPrinter    *self);
AggPrinterLanguage  agg_printer_get_language      (AggPrinter    *self);
AggPrinterRole      agg_printer_get_role          (AggPrinter    *self);
guint               agg_printer_get_dpi           (AggPrinter    *self);
/* "a6" or "4x6". */
const char         *agg_printer_get_size          (AggPrinter    *self);
/* The template that overrides the product's, or NULL. */
const char         *agg_printer_get_template      (AggPrinter    *self);
/* The longest wait between two attempts at a job the printer refused. */
guint               agg_printer_get_retry_max_ms  (AggPrinter    *self);
/* How often an idle printer is asked for its status; 0: never. */
guint               agg_printer_get_poll_ms       (AggPrinter    *self);
/* Whether the printer takes labels of cases (or pallets) left to it. */
gboolean            agg_printer_serves            (AggPrinter    *self,
                                                   gboolean       pallet);
/* Whether the printer can say what is wrong with it (ZPL over TCP or
 * serial, or CUPS). */
gboolean            agg_printer_can_query         (AggPrinter    *self);

/* Asks the printer for its status: AGG_PRINTER_FAULT_NONE when it is
 * ready, else the fault, with @error saying what happened. */
AggPrinterFault     agg_printer_query_sync        (AggPrinter    *self,
                                                   GCancellable  *cancellable,
                                                   GError       **error);
/* Sends one job.  A printer that can say so is asked before (a fault
 * then keeps the job back: FALSE, error->code the fault) and after
 * (*@fault_after, which does not undo the sending).  FALSE when the job
 * may not have reached the printer. */
gboolean            agg_printer_send_sync         (AggPrinter       *self,
                                                   GBytes           *job,
                                                   AggPrinterFault  *fault_after,
                                                   GCancellable     *cancellable,
                                                   GError          **error);

G_END_DECLS
