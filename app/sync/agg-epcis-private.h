/* agg-epcis-private.h: what the engine and the documents share
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "agg-epcis.h"

G_BEGIN_DECLS

/* One outbox row as the engine writes it. */
typedef struct
{
  const char *type;                   /* ObjectEvent or AggregationEvent */
  const char *action;
  const char *biz_step;               /* CBV 2.0 bare word */
  const char *disposition;            /* CBV 2.0 bare word or NULL */
  const char *event_time;             /* UTC with milliseconds */
  const char *tz_offset;
  const char *parent;                 /* Digital Link or NULL */
  GPtrArray  *epcs;                   /* Digital Link URIs */
  const char *location;               /* read point and business location */
  const char *gln;                    /* the site's GLN, for the work order's URI */
  const char *order_id;               /* NULL when no order */
} AggEpcisRow;

/* The EPCIS 2.0 JSON-LD event of @row with its eventID: the hash ID of
 * everything else.  NULL when @row is not a valid event. */
JsonObject *agg_epcis_event_build       (const AggEpcisRow  *row,
                                         GError            **error);

/* The work order as a business transaction: type "prodorder", and the
 * CBV 2.0 URI urn:epcglobal:cbv:bt:GLN:ID. */
char       *agg_epcis_order_uri         (const char         *gln,
                                         const char         *order_id);

/* On the store thread, in the correction's transaction: the ID of the
 * latest event already delivered (status "sent") of @type and @biz_step
 * that names @epc, with @parent as parentID when not NULL.  NULL without
 * @error when there is none. */
char       *agg_epcis_find_sent_event   (AggStore           *store,
                                         const char         *type,
                                         const char         *biz_step,
                                         const char         *parent,
                                         const char         *epc,
                                         GError            **error);

/* On the store thread: declares event @event_id in error for @reason (a
 * CBV 2.0 error reason: "incorrect_data", "did_not_occur"), naming as
 * corrective events those written under audit row @audit_id. */
gboolean    agg_epcis_declare_error     (AggStore           *store,
                                         const char         *event_id,
                                         const char         *reason,
                                         gint64              audit_id,
                                         GError            **error);

/* Identifiers.  A Digital Link URI of an SGTIN, SSCC, SGLN or PGLN as an
 * EPC URN for a company prefix of @gcp_length digits; NULL when it is no
 * such URI or the length does not fit. */
char       *agg_epcis_dl_to_urn         (const char         *uri,
                                         guint               gcp_length);
/* Any identifier in the constrained canonical Digital Link form of the
 * event hash algorithm: EPC URNs converted, id.gs1.org as domain, no query
 * string, the finest key only.  Other values are returned as they are. */
char       *agg_epcis_canonical_id      (const char         *value);

/* A CBV 2.0 bare word of @kind ("BizStep", "Disp", "BTT", "SDT", "ER")
 * as its URN of EPCIS 1.2 and XML (urn:epcglobal:cbv:bizstep:…). */
char       *agg_epcis_vocab_urn         (const char         *kind,
                                         const char         *word);

/* A member that is an array or an object, or NULL (json-glib 1.6 has no
 * _with_default getters for them). */
static inline JsonArray *
agg_json_array_member (JsonObject *object,
                       const char *name)
{
  JsonNode *node = json_object_get_member (object, name);

  return node != NULL && JSON_NODE_HOLDS_ARRAY (node) ? json_node_get_array (node) : NULL;
}

static inline JsonObject *
agg_json_object_member (JsonObject *object,
                        const char *name)
{
  JsonNode *node = json_object_get_member (object, name);

  return node != NULL && JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
}

G_END_DECLS
