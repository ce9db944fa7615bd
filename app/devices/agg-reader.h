/* agg-reader.h: a barcode reader on a serial port or on TCP
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * One [scanner:NAME] group of the configuration.  A started reader keeps
 * its port open or its connection up by itself, reopening and
 * reconnecting with backoff, and hands every complete frame to the
 * station exactly once.  All of it happens in the thread-default main
 * context of the thread that called agg_reader_start (); the reader is
 * only used from that thread.
 */

#pragma once

#include <json-glib/json-glib.h>

#include "agg-config.h"

G_BEGIN_DECLS

typedef enum
{
  AGG_READER_SERIAL,
  AGG_READER_TCP_CLIENT,
  AGG_READER_TCP_SERVER,
} AggReaderType;

/* Which scans the station expects from the reader. */
typedef enum
{
  AGG_READER_ROLE_UNIT,
  AGG_READER_ROLE_CASE,
  AGG_READER_ROLE_ANY,
} AggReaderRole;

typedef enum
{
  AGG_READER_KIND_HANDHELD,
  AGG_READER_KIND_FIXED,
} AggReaderKind;

#define AGG_READER_ERROR (agg_reader_error_quark ())

typedef enum
{
  AGG_READER_ERROR_NO_TRIGGER,        /* no trigger-command is configured */
  AGG_READER_ERROR_NOT_CONNECTED,
  AGG_READER_ERROR_SEND,              /* the trigger command could not be sent */
} AggReaderError;

GQuark agg_reader_error_quark (void);

#define AGG_TYPE_READER (agg_reader_get_type ())
G_DECLARE_FINAL_TYPE (AggReader, agg_reader, AGG, READER, GObject)

/* Every [scanner:NAME] group of @config, validated: an unknown key or a
 * bad value is an error naming the file and the line.  A GPtrArray of
 * AggReader, possibly empty, that frees its elements. */
GPtrArray     *agg_readers_new_from_config (AggConfig      *config,
                                            GError        **error);
AggReader     *agg_reader_new_from_config  (AggConfig      *config,
                                            const char     *group,
                                            GError        **error);

/* NAME of [scanner:NAME]. */
const char    *agg_reader_get_name         (AggReader      *self);
AggReaderType  agg_reader_get_reader_type  (AggReader      *self);
AggReaderRole  agg_reader_get_role         (AggReader      *self);
AggReaderKind  agg_reader_get_kind         (AggReader      *self);
/* "serial", "tcp-client", "tcp-server". */
const char    *agg_reader_type_to_string   (AggReaderType   type);
/* "unit", "case", "any". */
const char    *agg_reader_role_to_string   (AggReaderRole   role);
/* "handheld", "fixed". */
const char    *agg_reader_kind_to_string   (AggReaderKind   kind);

/* Opens the port, connects or listens, in the calling thread's
 * thread-default main context, and keeps it so until agg_reader_stop ():
 * a lost device or connection, or a port in use, is retried with
 * backoff.  Fails only when the reader is already started. */
gboolean       agg_reader_start            (AggReader      *self,
                                            GError        **error);
/* Closes everything; a frame under way is dropped.  The reader may be
 * started again. */
void           agg_reader_stop             (AggReader      *self);
/* The "connected" property: the port is open, the connection up, or
 * (tcp-server) at least one peer connected. */
gboolean       agg_reader_get_connected    (AggReader      *self);

/* Starts a read cycle on a fixed reader by sending its trigger-command
 * (to every peer of a tcp-server reader). */
gboolean       agg_reader_trigger          (AggReader      *self,
                                            GError        **error);
/* Whether the station accepted a frame, for the good and bad counters. */
void           agg_reader_note_result      (AggReader      *self,
                                            gboolean        good);
/* name, type, role, kind, endpoint (port path or host:port), connected,
 * state ("connected" "connecting" "waiting" "listening" "stopped"),
 * frames, good, bad, discarded, reconnects, bytes, last_error (translated,
 * or null), last_frame_at (ISO 8601, or null); peers for tcp-server. */
JsonObject    *agg_reader_dup_status       (AggReader      *self);

G_END_DECLS
