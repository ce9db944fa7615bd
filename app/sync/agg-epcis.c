/* agg-epcis.c: outbox rows as EPCIS 2.0 events, and error declarations
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n-lib.h>
#include <string.h>

#include "agg-epcis-private.h"
#include "agg-gs1.h"
#include "agg-line-private.h"

G_DEFINE_QUARK (agg-epcis-error-quark, agg_epcis_error)

gboolean
agg_epcis_options_load (AggEpcisOptions  *options,
                        AggConfig        *config,
                        GError          **error)
{
  static const char *const keys[] = {
    "epc-urns", "company-prefix-length", "sender-gln", NULL,
  };
  g_autofree char *sender = NULL;
  gboolean epc_urns = FALSE;
  gint64 length = 0;

  g_return_val_if_fail (options != NULL, FALSE);
  g_return_val_if_fail (config != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  memset (options, 0, sizeof *options);

  if (!agg_config_check_keys (config, "epcis", keys, error) ||
      !agg_config_get_boolean (config, "epcis", "epc-urns", FALSE, FALSE, &epc_urns, error) ||
      !agg_config_get_int (config, "epcis", "company-prefix-length", FALSE, 0, 6, 12, &length,
                           error) ||
      !agg_config_get_string (config, "epcis", "sender-gln", FALSE, NULL, &sender, error))
    return FALSE;

  if (epc_urns && length == 0)
    {
      /* Translators: do not translate the key names. */
      agg_config_set_error (config, error, AGG_CONFIG_ERROR_MISSING, "epcis", "epc-urns",
                            _("EPC URNs need company-prefix-length: the length of the GS1 "
                              "Company Prefix, 6 to 12 digits"));
      return FALSE;
    }

  if (sender != NULL)
    {
      if (strlen (sender) != 13 || strspn (sender, "0123456789") != 13 ||
          !agg_gs1_check_digit_is_valid (sender, 13))
        {
          agg_config_set_error (config, error, AGG_CONFIG_ERROR_INVALID, "epcis", "sender-gln",
                                _("“%s” is not a GLN: 13 digits with a valid check digit"),
                                sender);
          return FALSE;
        }
    }
  else if (!agg_config_get_string (config, "station", "gln", FALSE, NULL, &sender, error))
    return FALSE;

  options->epc_urns = epc_urns;
  options->company_prefix_length = (guint) length;
  if (sender != NULL)
    g_strlcpy (options->sender_gln, sender, sizeof options->sender_gln);
  return TRUE;
}

char *
agg_epcis_order_uri (const char *gln,
                     const char *order_id)
{
  g_autofree char *escaped = NULL;

  g_return_val_if_fail (gln != NULL && order_id != NULL, NULL);

  /* CBV 2.0 §8.5: urn:epcglobal:cbv:bt:<GLN of the issuer>:<its ID>. */
  escaped = g_uri_escape_string (order_id, "-._~'()*+,;=:@!", FALSE);
  return g_strdup_printf ("urn:epcglobal:cbv:bt:%s:%s", gln, escaped);
}

static JsonObject *
event_object (const AggEpcisRow *row,
              const char        *event_id)
{
  JsonObject *event = json_object_new ();
  JsonArray *epcs = json_array_new ();
  JsonObject *location;
  gboolean aggregation = strcmp (row->type, "AggregationEvent") == 0;

  json_object_set_string_member (event, "type", row->type);
  json_object_set_string_member (event, "eventTime", row->event_time);
  json_object_set_string_member (event, "eventTimeZoneOffset", row->tz_offset);
  if (event_id != NULL)
    json_object_set_string_member (event, "eventID", event_id);

  for (guint i = 0; i < row->epcs->len; i++)
    json_array_add_string_element (epcs, g_ptr_array_index (row->epcs, i));
  if (aggregation)
    {
      json_object_set_string_member (event, "parentID", row->parent);
      json_object_set_array_member (event, "childEPCs", epcs);
    }
  else
    json_object_set_array_member (event, "epcList", epcs);

  json_object_set_string_member (event, "action", row->action);
  json_object_set_string_member (event, "bizStep", row->biz_step);
  if (row->disposition != NULL)
    json_object_set_string_member (event, "disposition", row->disposition);

  location = json_object_new ();
  json_object_set_string_member (location, "id", row->location);
  json_object_set_object_member (event, "readPoint", location);
  location = json_object_new ();
  json_object_set_string_member (location, "id", row->location);
  json_object_set_object_member (event, "bizLocation", location);

  if (row->order_id != NULL && row->gln != NULL)
    {
      JsonArray *list = json_array_new ();
      JsonObject *transaction = json_object_new ();
      g_autofree char *uri = agg_epcis_order_uri (row->gln, row->order_id);

      json_object_set_string_member (transaction, "type", "prodorder");
      json_object_set_string_member (transaction, "bizTransaction", uri);
      json_array_add_object_element (list, transaction);
      json_object_set_array_member (event, "bizTransactionList", list);
    }

  return event;
}

JsonObject *
agg_epcis_event_build (const AggEpcisRow  *row,
                       GError            **error)
{
  g_autoptr(JsonObject) draft = NULL;
  g_autofree char *event_id = NULL;

  g_return_val_if_fail (row != NULL, NULL);

  if ((strcmp (row->type, "AggregationEvent") == 0) != (row->parent != NULL) ||
      row->epcs == NULL || row->epcs->len == 0)
    {
      g_set_error (error, AGG_EPCIS_ERROR, AGG_EPCIS_ERROR_INVALID,
                   _("An %s needs what it names, and an aggregation its parent"), row->type);
      return NULL;
    }

  /* The ID is the hash of the event without it. */
  draft = event_object (row, NULL);
  event_id = agg_epcis_event_hash_id (draft, error);
  if (event_id == NULL)
    return NULL;
  return event_object (row, event_id);
}

struct _AggEpcisEvent
{
  gatomicrefcount  ref_count;
  gint64           row_id;
  char            *id;
  char            *parent;
  char            *status;
  char            *order_id;
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
  g_return_if_fail (event != NULL);

  if (!g_atomic_ref_count_dec (&event->ref_count))
    return;
  g_free (event->id);
  g_free (event->parent);
  g_free (event->status);
  g_free (event->order_id);
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

const char *
agg_epcis_event_get_status (AggEpcisEvent *event)
{
  g_return_val_if_fail (event != NULL, NULL);
  return event->status;
}

const char *
agg_epcis_event_get_order_id (AggEpcisEvent *event)
{
  g_return_val_if_fail (event != NULL, NULL);
  return event->order_id;
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

static JsonNode *
parse_json (const char  *text,
            GError     **error)
{
  g_autoptr(JsonParser) parser = json_parser_new_immutable ();

  if (!json_parser_load_from_data (parser, text, -1, error))
    return NULL;
  return json_parser_steal_root (parser);
}

/* The body of a row, or for a row written before bodies were stored, the
 * event rebuilt from its columns under the ID it was given then. */
static JsonObject *
row_json (sqlite3_stmt  *stmt,
          GError       **error)
{
  g_autoptr(JsonNode) node = NULL;
  g_autoptr(JsonNode) epcs_node = NULL;
  g_autoptr(GPtrArray) epcs = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *gln = NULL;
  const char *location = column_text (stmt, 12);
  JsonArray *array;
  AggEpcisRow row;

  if (sqlite3_column_type (stmt, 5) != SQLITE_NULL)
    {
      node = parse_json (column_text (stmt, 5), error);
      if (node == NULL)
        return NULL;
      if (!JSON_NODE_HOLDS_OBJECT (node))
        {
          g_set_error (error, AGG_EPCIS_ERROR, AGG_EPCIS_ERROR_INVALID,
                       _("Outbox row %s holds no event"), column_text (stmt, 0));
          return NULL;
        }
      return json_node_dup_object (node);
    }

  epcs_node = parse_json (column_text (stmt, 11), error);
  if (epcs_node == NULL)
    return NULL;
  array = JSON_NODE_HOLDS_ARRAY (epcs_node) ? json_node_get_array (epcs_node) : NULL;
  for (guint i = 0; array != NULL && i < json_array_get_length (array); i++)
    g_ptr_array_add (epcs, g_strdup (json_array_get_string_element (array, i)));
  if (g_str_has_prefix (location, "https://id.gs1.org/414/"))
    gln = g_strndup (location + strlen ("https://id.gs1.org/414/"), 13);

  row.type = column_text (stmt, 6);
  row.action = column_text (stmt, 7);
  row.biz_step = column_text (stmt, 8);
  row.disposition = column_text (stmt, 9);
  row.event_time = column_text (stmt, 10);
  row.tz_offset = column_text (stmt, 13);
  row.parent = column_text (stmt, 3);
  row.epcs = epcs;
  row.location = location;
  row.gln = gln;
  row.order_id = column_text (stmt, 4);
  return event_object (&row, column_text (stmt, 1));
}

typedef struct
{
  const char *status;
  const char *order_id;
  gint64      after_row_id;
  guint       limit;
} ReadJob;

#define EVENT_COLUMNS \
  "e.id, e.event_id, e.status, e.parent, e.order_id, e.body, e.type, e.action, e.biz_step," \
  " e.disposition, e.event_time, e.epcs, e.read_point, e.tz_offset"

static gpointer
read_events_job (AggStore  *store,
                 sqlite3   *db,
                 gpointer   user_data,
                 GError   **error)
{
  ReadJob *job = user_data;
  g_autoptr(GPtrArray) events = g_ptr_array_new_with_free_func ((GDestroyNotify) agg_epcis_event_unref);
  sqlite3_stmt *stmt;
  int rc;

  stmt = agg_store_prepare (store,
                            "SELECT " EVENT_COLUMNS " FROM events e"
                            " WHERE (?1 IS NULL OR e.status = ?1)"
                            "   AND (?2 IS NULL OR e.order_id = ?2) AND e.id > ?3"
                            " ORDER BY e.id LIMIT ?4", error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_text (stmt, 1, job->status, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 2, job->order_id, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64 (stmt, 3, job->after_row_id);
  sqlite3_bind_int64 (stmt, 4, job->limit > 0 ? (gint64) job->limit : -1);

  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      AggEpcisEvent *event;
      JsonObject *json = row_json (stmt, error);

      if (json == NULL)
        {
          sqlite3_reset (stmt);
          return NULL;
        }
      event = g_new0 (AggEpcisEvent, 1);
      g_atomic_ref_count_init (&event->ref_count);
      event->row_id = sqlite3_column_int64 (stmt, 0);
      event->id = g_strdup (column_text (stmt, 1));
      event->status = g_strdup (column_text (stmt, 2));
      event->parent = g_strdup (column_text (stmt, 3));
      event->order_id = g_strdup (column_text (stmt, 4));
      event->json = json;
      g_ptr_array_add (events, event);
    }
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    {
      agg_store_set_error (store, error, rc);
      return NULL;
    }
  return g_steal_pointer (&events);
}

GPtrArray *
agg_epcis_events_read (AggStore    *store,
                       const char  *status,
                       const char  *order_id,
                       gint64       after_row_id,
                       guint        limit,
                       GError     **error)
{
  ReadJob job = { status, order_id, after_row_id, limit };

  g_return_val_if_fail (AGG_IS_STORE (store), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  return agg_store_run_sync_full (store, AGG_STORE_READ, read_events_job, &job,
                                  (GDestroyNotify) g_ptr_array_unref, error);
}

struct _AggEpcisDeclaration
{
  gatomicrefcount  ref_count;
  gint64           row_id;
  char            *event_id;
  char            *status;
  JsonObject      *json;
};

AggEpcisDeclaration *
agg_epcis_declaration_ref (AggEpcisDeclaration *declaration)
{
  g_return_val_if_fail (declaration != NULL, NULL);

  g_atomic_ref_count_inc (&declaration->ref_count);
  return declaration;
}

void
agg_epcis_declaration_unref (AggEpcisDeclaration *declaration)
{
  g_return_if_fail (declaration != NULL);

  if (!g_atomic_ref_count_dec (&declaration->ref_count))
    return;
  g_free (declaration->event_id);
  g_free (declaration->status);
  json_object_unref (declaration->json);
  g_free (declaration);
}

gint64
agg_epcis_declaration_get_row_id (AggEpcisDeclaration *declaration)
{
  g_return_val_if_fail (declaration != NULL, 0);
  return declaration->row_id;
}

const char *
agg_epcis_declaration_get_event_id (AggEpcisDeclaration *declaration)
{
  g_return_val_if_fail (declaration != NULL, NULL);
  return declaration->event_id;
}

const char *
agg_epcis_declaration_get_status (AggEpcisDeclaration *declaration)
{
  g_return_val_if_fail (declaration != NULL, NULL);
  return declaration->status;
}

JsonObject *
agg_epcis_declaration_get_json (AggEpcisDeclaration *declaration)
{
  g_return_val_if_fail (declaration != NULL, NULL);
  return declaration->json;
}

static gpointer
read_declarations_job (AggStore  *store,
                       sqlite3   *db,
                       gpointer   user_data,
                       GError   **error)
{
  ReadJob *job = user_data;
  g_autoptr(GPtrArray) declarations =
    g_ptr_array_new_with_free_func ((GDestroyNotify) agg_epcis_declaration_unref);
  sqlite3_stmt *stmt;
  int rc;

  stmt = agg_store_prepare (store,
                            "SELECT " EVENT_COLUMNS ", d.id, d.status, d.declared_at,"
                            "  d.reason, d.corrective_ids"
                            " FROM error_declarations d JOIN events e ON e.event_id = d.event_id"
                            " WHERE (?1 IS NULL OR d.status = ?1) AND d.id > ?3"
                            " ORDER BY d.id LIMIT ?4", error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_text (stmt, 1, job->status, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64 (stmt, 3, job->after_row_id);
  sqlite3_bind_int64 (stmt, 4, job->limit > 0 ? (gint64) job->limit : -1);

  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      g_autoptr(JsonObject) json = row_json (stmt, error);
      g_autoptr(JsonNode) corrective = NULL;
      AggEpcisDeclaration *declaration;
      JsonObject *details;

      if (json == NULL ||
          (corrective = parse_json (column_text (stmt, 18), error)) == NULL)
        {
          sqlite3_reset (stmt);
          return NULL;
        }

      details = json_object_new ();
      json_object_set_string_member (details, "declarationTime", column_text (stmt, 16));
      json_object_set_string_member (details, "reason", column_text (stmt, 17));
      if (JSON_NODE_HOLDS_ARRAY (corrective) &&
          json_array_get_length (json_node_get_array (corrective)) > 0)
        json_object_set_member (details, "correctiveEventIDs", g_steal_pointer (&corrective));
      json_object_set_object_member (json, "errorDeclaration", details);

      declaration = g_new0 (AggEpcisDeclaration, 1);
      g_atomic_ref_count_init (&declaration->ref_count);
      declaration->row_id = sqlite3_column_int64 (stmt, 14);
      declaration->event_id = g_strdup (column_text (stmt, 1));
      declaration->status = g_strdup (column_text (stmt, 15));
      declaration->json = g_steal_pointer (&json);
      g_ptr_array_add (declarations, declaration);
    }
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    {
      agg_store_set_error (store, error, rc);
      return NULL;
    }
  return g_steal_pointer (&declarations);
}

GPtrArray *
agg_epcis_declarations_read (AggStore    *store,
                             const char  *status,
                             gint64       after_row_id,
                             guint        limit,
                             GError     **error)
{
  ReadJob job = { status, NULL, after_row_id, limit };

  g_return_val_if_fail (AGG_IS_STORE (store), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  return agg_store_run_sync_full (store, AGG_STORE_READ, read_declarations_job, &job,
                                  (GDestroyNotify) g_ptr_array_unref, error);
}

char *
agg_epcis_find_sent_event (AggStore    *store,
                           const char  *type,
                           const char  *biz_step,
                           const char  *parent,
                           const char  *epc,
                           GError     **error)
{
  sqlite3_stmt *stmt;

  g_assert (agg_store_is_owner_thread (store));

  stmt = agg_store_prepare (store,
                            "SELECT event_id FROM events"
                            " WHERE type = ?1 AND biz_step = ?2 AND status = 'sent'"
                            "   AND (?3 IS NULL OR parent = ?3)"
                            "   AND EXISTS (SELECT 1 FROM json_each (events.epcs) WHERE value = ?4)"
                            " ORDER BY id DESC LIMIT 1", error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_text (stmt, 1, type, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 2, biz_step, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 3, parent, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 4, epc, -1, SQLITE_TRANSIENT);
  return agg_store_step_text (store, stmt, error);
}

gboolean
agg_epcis_declare_error (AggStore    *store,
                         const char  *event_id,
                         const char  *reason,
                         gint64       audit_id,
                         GError     **error)
{
  g_autofree char *now = agg_now_utc ();
  g_autofree char *offset = agg_utc_offset (store);
  g_autofree char *corrective = NULL;
  sqlite3_stmt *stmt;

  g_assert (agg_store_is_owner_thread (store));

  stmt = agg_store_prepare (store,
                            "SELECT json_group_array (event_id) FROM"
                            " (SELECT event_id FROM events WHERE audit_id = ?1 ORDER BY id)",
                            error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, audit_id);
  corrective = agg_store_step_text (store, stmt, error);
  if (corrective == NULL)
    return FALSE;

  stmt = agg_store_prepare (store,
                            "INSERT INTO error_declarations (event_id, declared_at, tz_offset,"
                            "  reason, corrective_ids, audit_id) VALUES (?, ?, ?, ?, ?, ?)",
                            error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, event_id, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 2, now, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 3, offset, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 4, reason, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 5, corrective, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64 (stmt, 6, audit_id);
  return agg_store_step (store, stmt, error);
}
