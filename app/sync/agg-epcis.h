/* agg-epcis.h: EPCIS events and documents from the outbox
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The interface the uploader builds on.  The readers run on the store
 * thread, inside the caller's job, like the helpers of agg-line-private.h.
 */

#pragma once

#include <json-glib/json-glib.h>

#include "agg-store.h"

G_BEGIN_DECLS

typedef enum
{
  AGG_EPCIS_FORMAT_JSONLD,
  AGG_EPCIS_FORMAT_XML,
  AGG_EPCIS_FORMAT_XML_1_2,
} AggEpcisFormat;

typedef struct
{
  gboolean epc_urns;                  /* EPC URNs instead of Digital Link URIs */
  guint    company_prefix_length;     /* needed to write EPC URNs */
} AggEpcisOptions;

typedef struct _AggEpcisEvent AggEpcisEvent;

AggEpcisEvent *agg_epcis_event_ref        (AggEpcisEvent *event);
void           agg_epcis_event_unref      (AggEpcisEvent *event);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (AggEpcisEvent, agg_epcis_event_unref)

gint64         agg_epcis_event_get_row_id (AggEpcisEvent *event);
/* The event's stable ID: the same every time the row is read. */
const char    *agg_epcis_event_get_id     (AggEpcisEvent *event);
/* The parent's URI of an AggregationEvent; NULL otherwise. */
const char    *agg_epcis_event_get_parent (AggEpcisEvent *event);
JsonObject    *agg_epcis_event_get_json   (AggEpcisEvent *event);

/* Up to @limit events of the outbox with @status (NULL: any) and
 * @order_id (NULL: any) whose row id is above @after_row_id, in row
 * order; an array of AggEpcisEvent.  On the store thread. */
GPtrArray     *agg_epcis_events_read      (AggStore       *store,
                                           const char     *status,
                                           const char     *order_id,
                                           gint64          after_row_id,
                                           guint           limit,
                                           GError        **error);

/* An EPCISDocument of @events (and of @declarations, events that declare
 * errors, which may be NULL). */
GBytes        *agg_epcis_document_new     (GPtrArray              *events,
                                           GPtrArray              *declarations,
                                           AggEpcisFormat          format,
                                           const AggEpcisOptions  *options,
                                           GError                **error);

G_END_DECLS
