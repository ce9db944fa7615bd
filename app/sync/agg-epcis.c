/* agg-epcis.c: EPCIS 2.0 documents of the outbox's events
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Each event keeps the ID the outbox gave it when it happened, so that
 * every document that carries it again names the same event.
 */

#include "config.h"

#include <glib/gi18n-lib.h>
#include <string.h>

#include "agg-epcis.h"

#define JSONLD_CONTEXT "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"
#define CBV_BIZSTEP "https://ref.gs1.org/cbv/BizStep-"
#define CBV_DISP "https://ref.gs1.org/cbv/Disp-"

struct _AggEpcisEvent
{
  gatomicrefcount  ref_count;
  gint64           row_id;
  char            *id;
  char            *parent;
  JsonObject      *json;
};

AggEpcisEvent *
agg_epcis_event_ref (AggEpcisEvent *event)
{
  g_return_val_if_fail (event != NULL, NULL);
  g_atomic_ref_count_inc (&event->ref_count);
  return event;
}

void
agg_epcis_event_unref (AggEpcisEvent *event)
{
  if (event == NULL || !g_atomic_ref_count_dec (&event->ref_count))
    return;

  g_free (event->id);
  g_free (event->parent);
  json_object_unref (event->json);
  g_free (event);
}

gint64
agg_epcis_event_get_row_id (AggEpcisEvent *event)
{
  g_return_val_if_fail (event != NULL, 0);
  return event->row_id;
}

const char *
agg_epcis_event_get_id (AggEpcisEvent *event)
{
  g_return_val_if_fail (event != NULL, NULL);
  return event->id;
}

const char *
agg_epcis_event_get_parent (AggEpcisEvent *event)
{
  g_return_val_if_fail (event != NULL, NULL);
  return event->parent;
}

JsonObject *
agg_epcis_event_get_json (AggEpcisEvent *event)
{
  g_return_val_if_fail (event != NULL, NULL);
  return event->json;
}

static const char *
column_text (sqlite3_stmt *stmt,
             int           column)
{
  return (const char *) sqlite3_column_text (stmt, column);
}

/* The CBV 2.0 URI of a bare vocabulary word; URIs stay as they are. */
static char *
cbv_uri (const char *prefix,
         const char *word)
{
  if (strchr (word, ':') != NULL)
    return g_strdup (word);
  return g_strconcat (prefix, word, NULL);
}

static void
set_uri_member (JsonObject *json,
                const char *name,
                const char *prefix,
                const char *word)
{
  g_autofree char *uri = word != NULL ? cbv_uri (prefix, word) : NULL;

  if (uri != NULL)
    json_object_set_string_member (json, name, uri);
}

static JsonObject *
place (const char *id)
{
  JsonObject *object = json_object_new ();

  json_object_set_string_member (object, "id", id);
  return object;
}

#define EVENT_SELECT \
  "SELECT id, event_id, type, action, biz_step, disposition, event_time, tz_offset," \
  "       parent, epcs, read_point, biz_location FROM events "

static AggEpcisEvent *
event_from_row (sqlite3_stmt  *stmt,
                GError       **error)
{
  g_autoptr(JsonNode) epcs = NULL;
  AggEpcisEvent *event;
  JsonObject *json;
  const char *type = column_text (stmt, 2);
  gboolean aggregation = g_strcmp0 (type, "AggregationEvent") == 0;

  epcs = json_from_string (column_text (stmt, 9), NULL);
  if (epcs == NULL || !JSON_NODE_HOLDS_ARRAY (epcs))
    {
      g_set_error (error, AGG_STORE_ERROR, AGG_STORE_ERROR_FAILED,
                   _("Event %s has unreadable identifiers"), column_text (stmt, 1));
      return NULL;
    }

  json = json_object_new ();
  json_object_set_string_member (json, "type", type);
  json_object_set_string_member (json, "eventID", column_text (stmt, 1));
  json_object_set_string_member (json, "eventTime", column_text (stmt, 6));
  json_object_set_string_member (json, "eventTimeZoneOffset", column_text (stmt, 7));
  if (aggregation && column_text (stmt, 8) != NULL)
    json_object_set_string_member (json, "parentID", column_text (stmt, 8));
  json_object_set_member (json, aggregation ? "childEPCs" : "epcList", g_steal_pointer (&epcs));
  json_object_set_string_member (json, "action", column_text (stmt, 3));
  set_uri_member (json, "bizStep", CBV_BIZSTEP, column_text (stmt, 4));
  set_uri_member (json, "disposition", CBV_DISP, column_text (stmt, 5));
  json_object_set_object_member (json, "readPoint", place (column_text (stmt, 10)));
  json_object_set_object_member (json, "bizLocation", place (column_text (stmt, 11)));

  event = g_new0 (AggEpcisEvent, 1);
  g_atomic_ref_count_init (&event->ref_count);
  event->row_id = sqlite3_column_int64 (stmt, 0);
  event->id = g_strdup (column_text (stmt, 1));
  event->parent = g_strdup (aggregation ? column_text (stmt, 8) : NULL);
  event->json = json;
  return event;
}

GPtrArray *
agg_epcis_events_read (AggStore    *store,
                       const char  *status,
                       const char  *order_id,
                       gint64       after_row_id,
                       guint        limit,
                       GError     **error)
{
  g_autoptr(GPtrArray) events = g_ptr_array_new_with_free_func ((GDestroyNotify) agg_epcis_event_unref);
  sqlite3_stmt *stmt;
  int rc;

  g_return_val_if_fail (AGG_IS_STORE (store), NULL);

  stmt = agg_store_prepare (store, EVENT_SELECT
                            "WHERE (?1 IS NULL OR status = ?1) AND (?2 IS NULL OR order_id = ?2)"
                            "  AND id > ?3 ORDER BY id LIMIT ?4", error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_text (stmt, 1, status, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 2, order_id, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64 (stmt, 3, after_row_id);
  sqlite3_bind_int64 (stmt, 4, limit);

  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      AggEpcisEvent *event = event_from_row (stmt, error);

      if (event == NULL)
        {
          sqlite3_reset (stmt);
          return NULL;
        }
      g_ptr_array_add (events, event);
    }
  if (rc != SQLITE_DONE)
    {
      agg_store_set_error (store, error, rc);
      return NULL;
    }
  sqlite3_reset (stmt);
  return g_steal_pointer (&events);
}

static char *
creation_date (void)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();

  return g_date_time_format (now, "%Y-%m-%dT%H:%M:%S.%fZ");
}

static GBytes *
document_jsonld (GPtrArray *events)
{
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  g_autoptr(JsonNode) root = json_node_new (JSON_NODE_OBJECT);
  JsonObject *document = json_object_new ();
  JsonObject *body = json_object_new ();
  JsonArray *context = json_array_new ();
  JsonArray *list = json_array_sized_new (events->len);
  g_autofree char *created = creation_date ();
  char *data;
  gsize length;

  json_array_add_string_element (context, JSONLD_CONTEXT);
  json_object_set_array_member (document, "@context", context);
  json_object_set_string_member (document, "type", "EPCISDocument");
  json_object_set_string_member (document, "schemaVersion", "2.0");
  json_object_set_string_member (document, "creationDate", created);
  for (guint i = 0; i < events->len; i++)
    json_array_add_object_element (list, json_object_ref (agg_epcis_event_get_json (events->pdata[i])));
  json_object_set_array_member (body, "eventList", list);
  json_object_set_object_member (document, "epcisBody", body);

  json_node_take_object (root, document);
  json_generator_set_root (generator, root);
  data = json_generator_to_data (generator, &length);
  return g_bytes_new_take (data, length);
}

static void
xml_element (GString    *out,
             const char *indent,
             const char *name,
             const char *text)
{
  g_autofree char *escaped = NULL;

  if (text == NULL)
    return;
  escaped = g_markup_escape_text (text, -1);
  g_string_append_printf (out, "%s<%s>%s</%s>\n", indent, name, escaped, name);
}

static const char *
json_text (JsonObject *json,
           const char *name)
{
  return json_object_has_member (json, name) ? json_object_get_string_member (json, name) : NULL;
}

/* EPCIS 1.2 knows the CBV's URNs only. */
static char *
vocabulary_1_2 (const char *uri,
                const char *urn_prefix)
{
  const char *dash = uri != NULL ? strrchr (uri, '-') : NULL;

  if (uri == NULL)
    return NULL;
  if (!g_str_has_prefix (uri, "https://ref.gs1.org/cbv/") || dash == NULL)
    return g_strdup (uri);
  return g_strconcat (urn_prefix, dash + 1, NULL);
}

static void
xml_event (GString    *out,
           JsonObject *json,
           gboolean    v1_2)
{
  const char *type = json_text (json, "type");
  gboolean aggregation = g_strcmp0 (type, "AggregationEvent") == 0;
  JsonArray *epcs = json_object_get_array_member (json, aggregation ? "childEPCs" : "epcList");
  g_autofree char *biz_step = NULL;
  g_autofree char *disposition = NULL;

  if (v1_2)
    {
      biz_step = vocabulary_1_2 (json_text (json, "bizStep"), "urn:epcglobal:cbv:bizstep:");
      disposition = vocabulary_1_2 (json_text (json, "disposition"), "urn:epcglobal:cbv:disp:");
    }
  else
    {
      biz_step = g_strdup (json_text (json, "bizStep"));
      disposition = g_strdup (json_text (json, "disposition"));
    }

  g_string_append_printf (out, "      <%s>\n", type);
  xml_element (out, "        ", "eventTime", json_text (json, "eventTime"));
  xml_element (out, "        ", "eventTimeZoneOffset", json_text (json, "eventTimeZoneOffset"));
  if (v1_2)
    {
      g_string_append (out, "        <baseExtension>\n");
      xml_element (out, "          ", "eventID", json_text (json, "eventID"));
      g_string_append (out, "        </baseExtension>\n");
    }
  else
    xml_element (out, "        ", "eventID", json_text (json, "eventID"));
  if (aggregation)
    xml_element (out, "        ", "parentID", json_text (json, "parentID"));
  g_string_append_printf (out, "        <%s>\n", aggregation ? "childEPCs" : "epcList");
  for (guint i = 0; i < json_array_get_length (epcs); i++)
    xml_element (out, "          ", "epc", json_array_get_string_element (epcs, i));
  g_string_append_printf (out, "        </%s>\n", aggregation ? "childEPCs" : "epcList");
  xml_element (out, "        ", "action", json_text (json, "action"));
  xml_element (out, "        ", "bizStep", biz_step);
  xml_element (out, "        ", "disposition", disposition);
  g_string_append (out, "        <readPoint>\n");
  xml_element (out, "          ", "id",
               json_object_get_string_member (json_object_get_object_member (json, "readPoint"), "id"));
  g_string_append (out, "        </readPoint>\n        <bizLocation>\n");
  xml_element (out, "          ", "id",
               json_object_get_string_member (json_object_get_object_member (json, "bizLocation"), "id"));
  g_string_append (out, "        </bizLocation>\n");
  g_string_append_printf (out, "      </%s>\n", type);
}

static GBytes *
document_xml (GPtrArray *events,
              gboolean   v1_2)
{
  GString *out = g_string_new ("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
  g_autofree char *created = creation_date ();

  g_string_append_printf (out, "<epcis:EPCISDocument xmlns:epcis=\"%s\" schemaVersion=\"%s\""
                          " creationDate=\"%s\">\n  <EPCISBody>\n    <EventList>\n",
                          v1_2 ? "urn:epcglobal:epcis:xsd:1" : "urn:epcglobal:epcis:xsd:2",
                          v1_2 ? "1.2" : "2.0", created);
  for (guint i = 0; i < events->len; i++)
    xml_event (out, agg_epcis_event_get_json (events->pdata[i]), v1_2);
  g_string_append (out, "    </EventList>\n  </EPCISBody>\n</epcis:EPCISDocument>\n");
  return g_string_free_to_bytes (out);
}

GBytes *
agg_epcis_document_new (GPtrArray              *events,
                        GPtrArray              *declarations,
                        AggEpcisFormat          format,
                        const AggEpcisOptions  *options,
                        GError                **error)
{
  g_autoptr(GPtrArray) all = g_ptr_array_new ();

  g_return_val_if_fail (events != NULL, NULL);

  g_ptr_array_extend (all, events, NULL, NULL);
  if (declarations != NULL)
    g_ptr_array_extend (all, declarations, NULL, NULL);

  switch (format)
    {
    case AGG_EPCIS_FORMAT_JSONLD:
      return document_jsonld (all);
    case AGG_EPCIS_FORMAT_XML:
      return document_xml (all, FALSE);
    case AGG_EPCIS_FORMAT_XML_1_2:
      return document_xml (all, TRUE);
    default:
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, _("Unknown EPCIS format"));
      return NULL;
    }
}
