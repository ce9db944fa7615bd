/* agg-epcis.h: the outbox as EPCIS 2.0 events and documents
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Each outbox row holds its event in the EPCIS 2.0 JSON-LD form, with
 * GS1 Digital Link identifiers and the CBV 2.0 event hash ID that was
 * assigned once, when the event was written.  Documents render the same
 * events as JSON-LD, EPCIS 2.0 XML or EPCIS 1.2 XML; the event IDs are the
 * same in all three.
 */

#pragma once

#include <json-glib/json-glib.h>

#include "agg-config.h"
#include "agg-store.h"

G_BEGIN_DECLS

#define AGG_EPCIS_ERROR (agg_epcis_error_quark ())

typedef enum
{
  AGG_EPCIS_ERROR_INVALID,            /* an event or value the standard does not allow */
  AGG_EPCIS_ERROR_UNSUPPORTED,        /* valid EPCIS the station does not handle */
} AggEpcisError;

GQuark agg_epcis_error_quark (void);

typedef enum
{
  AGG_EPCIS_FORMAT_JSONLD,
  AGG_EPCIS_FORMAT_XML,               /* EPCIS 2.0 XML */
  AGG_EPCIS_FORMAT_XML_1_2,           /* EPCIS 1.2 XML, for older repositories */
} AggEpcisFormat;

typedef struct
{
  /* Identifiers as urn:epc:id:sgtin/sscc/sgln instead of Digital Link. */
  gboolean epc_urns;
  /* Needed for URNs (6–12); 0 = unknown: Digital Link even if epc_urns. */
  guint    company_prefix_length;
  /* The GLN named as the document's sender; empty: the read point's. */
  char     sender_gln[14];
} AggEpcisOptions;

/* The [epcis] group:
 *   epc-urns = false               identifiers as EPC URNs
 *   company-prefix-length = 7      the GS1 Company Prefix's length, 6–12
 *   sender-gln = 4012345000009     the document's sender, else [station] gln
 * Missing keys give the defaults; a bad value is an error with its line. */
gboolean    agg_epcis_options_load        (AggEpcisOptions  *options,
                                           AggConfig        *config,
                                           GError          **error);

/* One outbox row; refcounted. */
typedef struct _AggEpcisEvent AggEpcisEvent;

AggEpcisEvent *agg_epcis_event_ref        (AggEpcisEvent    *event);
void        agg_epcis_event_unref         (AggEpcisEvent    *event);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (AggEpcisEvent, agg_epcis_event_unref)

/* events.id: the delivery order. */
gint64      agg_epcis_event_get_row_id    (AggEpcisEvent    *event);
/* The ni:///sha-256;…?ver=CBV2.0 event ID. */
const char *agg_epcis_event_get_id        (AggEpcisEvent    *event);
/* The container's URI (parentID) or NULL, for "in order per container". */
const char *agg_epcis_event_get_parent    (AggEpcisEvent    *event);
/* "pending", "sent", "exception" or "handled". */
const char *agg_epcis_event_get_status    (AggEpcisEvent    *event);
const char *agg_epcis_event_get_order_id  (AggEpcisEvent    *event);
/* The EPCIS 2.0 JSON-LD form of the event (not a document). */
JsonObject *agg_epcis_event_get_json      (AggEpcisEvent    *event);

/* Reads outbox rows in order.  @status: "pending", "exception", … or
 * NULL for all; @order_id: NULL or a work order; rows with
 * id > @after_row_id, at most @limit (0: no limit).  Runs a read job on
 * the store's owner thread: blocking.  An array of AggEpcisEvent. */
GPtrArray  *agg_epcis_events_read         (AggStore         *store,
                                           const char       *status,
                                           const char       *order_id,
                                           gint64            after_row_id,
                                           guint             limit,
                                           GError          **error);

/* An error declaration: a sent event whose meaning was wrong, the
 * reason, and the corrective events that replace it; refcounted. */
typedef struct _AggEpcisDeclaration AggEpcisDeclaration;

AggEpcisDeclaration *agg_epcis_declaration_ref (AggEpcisDeclaration *declaration);
void        agg_epcis_declaration_unref   (AggEpcisDeclaration *declaration);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (AggEpcisDeclaration, agg_epcis_declaration_unref)

/* error_declarations.id: the delivery order among declarations. */
gint64      agg_epcis_declaration_get_row_id   (AggEpcisDeclaration *declaration);
/* The ID of the event declared in error. */
const char *agg_epcis_declaration_get_event_id (AggEpcisDeclaration *declaration);
const char *agg_epcis_declaration_get_status   (AggEpcisDeclaration *declaration);
/* The declared event as EPCIS 2.0 JSON-LD: the original event with its
 * errorDeclaration {declarationTime, reason, correctiveEventIDs}. */
JsonObject *agg_epcis_declaration_get_json     (AggEpcisDeclaration *declaration);

/* As agg_epcis_events_read (), for error declarations. */
GPtrArray  *agg_epcis_declarations_read   (AggStore         *store,
                                           const char       *status,
                                           gint64            after_row_id,
                                           guint             limit,
                                           GError          **error);

/* One EPCIS document (EPCISDocument with @context, schemaVersion,
 * creationDate and the sender) of @events in order, then the error
 * declarations in @declarations (may be NULL). */
GBytes     *agg_epcis_document_new        (GPtrArray              *events,
                                           GPtrArray              *declarations,
                                           AggEpcisFormat          format,
                                           const AggEpcisOptions  *options,
                                           GError                **error);

/* The CBV 2.0 event hash ID of an EPCIS 2.0 JSON event, and its canonical
 * pre-hash string.  Extension prefixes are resolved through the event's
 * own "@context" member when it has one. */
char       *agg_epcis_event_hash_id       (JsonObject       *event,
                                           GError          **error);
char       *agg_epcis_event_prehash       (JsonObject       *event,
                                           GError          **error);

G_END_DECLS
