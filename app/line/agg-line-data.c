/* agg-line-data.c: orders, containers, units, codes and the outbox
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <inttypes.h>
#include <glib/gi18n-lib.h>
#include <string.h>
#include <time.h>

#include "agg-epcis-private.h"
#include "agg-label-jobs.h"
#include "agg-line-job.h"

static const char *
column_text (sqlite3_stmt *stmt,
             int           column)
{
  return (const char *) sqlite3_column_text (stmt, column);
}

/* @sql prepared with @text bound to its one parameter; NULL on an error. */
static sqlite3_stmt *
prepare_with_text (AggStore    *store,
                   const char  *sql,
                   const char  *text,
                   GError     **error)
{
  sqlite3_stmt *stmt = agg_store_prepare (store, sql, error);

  if (stmt != NULL)
    sqlite3_bind_text (stmt, 1, text, -1, SQLITE_TRANSIENT);
  return stmt;
}

/* Steps @stmt, which may be NULL after a failed prepare, to its one row:
 * FALSE when there is none, with @error set when the store failed. */
static gboolean
step_to_row (AggStore      *store,
             sqlite3_stmt  *stmt,
             GError       **error)
{
  gboolean found = FALSE;

  return stmt != NULL && agg_store_step_row (store, stmt, &found, error) && found;
}

void
agg_order_free (AggOrder *order)
{
  g_free (order->id);
  g_free (order->gtin);
  g_free (order->lot);
  g_free (order->expiry);
  g_free (order->status);
  g_free (order->description);
  g_free (order);
}

#define ORDER_SELECT \
  "SELECT o.id, o.gtin, o.lot, o.expiry, o.status, o.planned, p.description," \
  "       p.units_per_case, p.cases_per_pallet, p.allow_mixed_lots," \
  "       p.require_future_expiry, p.require_serial_list, p.case_code," \
  "       ifnull (p.layer_rows, 0), ifnull (p.layer_cols, 0)" \
  "  FROM work_orders o JOIN products p ON p.gtin = o.gtin "

/* The order in the row @stmt selects; @stmt is NULL when preparing it failed. */
static AggOrder *
order_from_statement (AggStore      *store,
                      sqlite3_stmt  *stmt,
                      GError       **error)
{
  AggOrder *order;

  if (!step_to_row (store, stmt, error))
    return NULL;

  order = g_new0 (AggOrder, 1);
  order->id = g_strdup (column_text (stmt, 0));
  order->gtin = g_strdup (column_text (stmt, 1));
  order->lot = g_strdup (column_text (stmt, 2));
  order->expiry = g_strdup (column_text (stmt, 3));
  order->status = g_strdup (column_text (stmt, 4));
  order->planned = sqlite3_column_int64 (stmt, 5);
  order->description = g_strdup (column_text (stmt, 6));
  order->units_per_case = sqlite3_column_int64 (stmt, 7);
  order->cases_per_pallet = sqlite3_column_int64 (stmt, 8);
  order->allow_mixed_lots = sqlite3_column_int (stmt, 9);
  order->require_future_expiry = sqlite3_column_int (stmt, 10);
  order->require_serial_list = sqlite3_column_int (stmt, 11);
  order->scan_case_code = g_strcmp0 (column_text (stmt, 12), "scan") == 0;
  order->layer_rows = sqlite3_column_int64 (stmt, 13);
  order->layer_cols = sqlite3_column_int64 (stmt, 14);
  return order;
}

AggOrder *
agg_order_load (AggStore    *store,
                const char  *id,
                GError     **error)
{
  sqlite3_stmt *stmt = prepare_with_text (store, ORDER_SELECT "WHERE o.id = ?", id, error);

  return order_from_statement (store, stmt, error);
}

AggOrder *
agg_order_load_running (AggStore  *store,
                        GError   **error)
{
  sqlite3_stmt *stmt = agg_store_prepare (store, ORDER_SELECT "WHERE o.status = 'running'", error);

  return order_from_statement (store, stmt, error);
}

void
agg_container_free (AggContainer *container)
{
  g_free (container->order_id);
  g_free (container->status);
  g_free (container->label_status);
  g_free (container);
}

#define CONTAINER_SELECT \
  "SELECT c.id, c.sscc, c.kind, c.order_id, c.status, c.parent_id, c.announced," \
  "       (SELECT count (*) FROM units u WHERE u.parent_id = c.id)" \
  "     + (SELECT count (*) FROM containers k WHERE k.parent_id = c.id)," \
  "       c.label_status" \
  "  FROM containers c "

/* The container in the row @stmt selects; @stmt is NULL when preparing it failed. */
static AggContainer *
container_from_statement (AggStore      *store,
                          sqlite3_stmt  *stmt,
                          GError       **error)
{
  AggContainer *container;

  if (!step_to_row (store, stmt, error))
    return NULL;

  container = g_new0 (AggContainer, 1);
  container->id = sqlite3_column_int64 (stmt, 0);
  g_strlcpy (container->sscc, column_text (stmt, 1), sizeof container->sscc);
  container->is_pallet = g_strcmp0 (column_text (stmt, 2), "pallet") == 0;
  container->order_id = g_strdup (column_text (stmt, 3));
  container->status = g_strdup (column_text (stmt, 4));
  container->parent_id = sqlite3_column_int64 (stmt, 5);
  container->announced = sqlite3_column_int (stmt, 6);
  container->n_children = sqlite3_column_int64 (stmt, 7);
  container->label_status = g_strdup (column_text (stmt, 8));
  return container;
}

AggContainer *
agg_container_load (AggStore  *store,
                    gint64     id,
                    GError   **error)
{
  sqlite3_stmt *stmt = agg_store_prepare (store, CONTAINER_SELECT "WHERE c.id = ?", error);

  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, id);
  return container_from_statement (store, stmt, error);
}

AggContainer *
agg_container_load_sscc (AggStore    *store,
                         const char  *sscc,
                         GError     **error)
{
  sqlite3_stmt *stmt = prepare_with_text (store, CONTAINER_SELECT "WHERE c.sscc = ?", sscc, error);

  return container_from_statement (store, stmt, error);
}

AggContainer *
agg_container_load_open (AggStore    *store,
                         const char  *order_id,
                         gboolean     pallet,
                         GError     **error)
{
  sqlite3_stmt *stmt = agg_store_prepare (store, CONTAINER_SELECT
                                          "WHERE c.order_id = ? AND c.kind = ?"
                                          "  AND c.status = 'open' ORDER BY c.id LIMIT 1",
                                          error);

  if (stmt == NULL)
    return NULL;
  sqlite3_bind_text (stmt, 1, order_id, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 2, pallet ? "pallet" : "case", -1, SQLITE_STATIC);
  return container_from_statement (store, stmt, error);
}

gboolean
agg_container_set_parent (AggStore  *store,
                          gint64     case_id,
                          gint64     pallet_id,
                          GError   **error)
{
  sqlite3_stmt *stmt = agg_store_prepare (store, "UPDATE containers SET parent_id = ? WHERE id = ?",
                                          error);

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, pallet_id);
  sqlite3_bind_int64 (stmt, 2, case_id);
  return agg_store_step (store, stmt, error);
}

gboolean
agg_container_child_ids (AggStore  *store,
                         gint64     pallet_id,
                         GArray    *ids,
                         GError   **error)
{
  sqlite3_stmt *stmt = agg_store_prepare (store, "SELECT id FROM containers WHERE parent_id = ?"
                                                 " ORDER BY id", error);
  int rc;

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, pallet_id);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      gint64 id = sqlite3_column_int64 (stmt, 0);
      g_array_append_val (ids, id);
    }
  if (rc != SQLITE_DONE)
    return agg_store_set_error (store, error, rc);
  return TRUE;
}

void
agg_unit_free (AggUnit *unit)
{
  g_free (unit->gtin);
  g_free (unit->serial);
  g_free (unit->lot);
  g_free (unit->expiry);
  g_free (unit->order_id);
  g_free (unit->status);
  g_free (unit);
}

AggUnit *
agg_unit_load (AggStore    *store,
               const char  *gtin,
               const char  *serial,
               GError     **error)
{
  sqlite3_stmt *stmt;
  AggUnit *unit;

  stmt = agg_store_prepare (store,
                            "SELECT id, gtin, serial, lot, expiry, order_id, status, parent_id,"
                            "       announced"
                            "  FROM units WHERE gtin = ? AND serial = ?", error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_text (stmt, 1, gtin, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 2, serial, -1, SQLITE_TRANSIENT);
  if (!step_to_row (store, stmt, error))
    return NULL;

  unit = g_new0 (AggUnit, 1);
  unit->id = sqlite3_column_int64 (stmt, 0);
  unit->gtin = g_strdup (column_text (stmt, 1));
  unit->serial = g_strdup (column_text (stmt, 2));
  unit->lot = g_strdup (column_text (stmt, 3));
  unit->expiry = g_strdup (column_text (stmt, 4));
  unit->order_id = g_strdup (column_text (stmt, 5));
  unit->status = g_strdup (column_text (stmt, 6));
  unit->parent_id = sqlite3_column_int64 (stmt, 7);
  unit->announced = sqlite3_column_int (stmt, 8);
  return unit;
}

char *
agg_unit_uri (const char *gtin,
              const char *serial)
{
  g_autofree char *escaped = g_uri_escape_string (serial, NULL, FALSE);

  return g_strdup_printf ("https://id.gs1.org/01/%s/21/%s", gtin, escaped);
}

char *
agg_sscc_uri (const char *sscc)
{
  return g_strdup_printf ("https://id.gs1.org/00/%s", sscc);
}

char *
agg_unit_key (const char *gtin,
              const char *serial)
{
  return g_strdup_printf ("(01)%s(21)%s", gtin, serial);
}

gboolean
agg_collect_uris (AggStore      *store,
                  sqlite3_stmt  *stmt,
                  gboolean       ssccs,
                  GPtrArray     *epcs,
                  GError       **error)
{
  int rc;

  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      if (ssccs)
        g_ptr_array_add (epcs, agg_sscc_uri (column_text (stmt, 0)));
      else
        g_ptr_array_add (epcs, agg_unit_uri (column_text (stmt, 0), column_text (stmt, 1)));
    }
  if (rc != SQLITE_DONE)
    return agg_store_set_error (store, error, rc);
  return TRUE;
}

/* The station's GLN, and its read point and business location: the GLN
 * with the extension when one is configured. */
static char *
station_gln (AggStore *store)
{
  g_autofree char *gln = agg_settings_get (store, "gln", NULL);

  return gln != NULL ? g_steal_pointer (&gln) : g_strdup ("0000000000000");
}

static char *
station_location (AggStore    *store,
                  const char  *gln)
{
  g_autofree char *extension = agg_settings_get (store, "gln_extension", NULL);

  if (extension != NULL && *extension != '\0')
    {
      g_autofree char *escaped = g_uri_escape_string (extension, NULL, FALSE);
      return g_strdup_printf ("https://id.gs1.org/414/%s/254/%s", gln, escaped);
    }
  return g_strdup_printf ("https://id.gs1.org/414/%s", gln);
}

gboolean
agg_events_add (AggStore    *store,
                const char  *type,
                const char  *action,
                const char  *biz_step,
                const char  *disposition,
                const char  *parent,
                GPtrArray   *epcs,
                const char  *order_id,
                gint64       audit_id,
                GError     **error)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(JsonNode) body_node = NULL;
  g_autoptr(JsonObject) body = NULL;
  g_autofree char *epcs_json = NULL;
  g_autofree char *body_json = NULL;
  g_autofree char *now = agg_now_utc ();
  g_autofree char *offset = agg_utc_offset (store);
  g_autofree char *gln = station_gln (store);
  g_autofree char *location = station_location (store, gln);
  AggEpcisRow row = {
    type, action, biz_step, disposition, now, offset, parent, epcs, location, gln, order_id,
  };
  sqlite3_stmt *stmt;

  json_builder_begin_array (builder);
  for (guint i = 0; i < epcs->len; i++)
    json_builder_add_string_value (builder, g_ptr_array_index (epcs, i));
  json_builder_end_array (builder);
  root = json_builder_get_root (builder);
  json_generator_set_root (generator, root);
  epcs_json = json_generator_to_data (generator, NULL);

  /* The ID is the event's CBV 2.0 hash, fixed now with the body it was
   * computed from: a resent event keeps it, so that a repository
   * recognises it. */
  body = agg_epcis_event_build (&row, error);
  if (body == NULL)
    return FALSE;
  body_node = json_node_init_object (json_node_alloc (), body);
  json_generator_set_root (generator, body_node);
  body_json = json_generator_to_data (generator, NULL);

  stmt = agg_store_prepare (store,
                            "INSERT INTO events (event_id, type, action, biz_step, disposition,"
                            "  event_time, tz_offset, parent, epcs, read_point, biz_location,"
                            "  order_id, audit_id, body)"
                            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, json_object_get_string_member (body, "eventID"), -1,
                     SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 2, type, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 3, action, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 4, biz_step, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 5, disposition, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 6, now, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 7, offset, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 8, parent, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 9, epcs_json, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 10, location, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 11, location, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 12, order_id, -1, SQLITE_TRANSIENT);
  if (audit_id > 0)
    sqlite3_bind_int64 (stmt, 13, audit_id);
  else
    sqlite3_bind_null (stmt, 13);
  sqlite3_bind_text (stmt, 14, body_json, -1, SQLITE_TRANSIENT);
  return agg_store_step (store, stmt, error);
}

gboolean
agg_code_parse (const char  *text,
                gsize        len,
                AggCode     *code,
                GError     **error)
{
  g_autofree AggGs1Data *gs1 = g_new (AggGs1Data, 1);
  const char *sscc;
  const char *gtin;
  const char *serial;

  memset (code, 0, sizeof *code);

  /* A bare SSCC, as typed from a label's human-readable line. */
  if (len == 18 && strspn (text, "0123456789") == 18)
    {
      if (!agg_gs1_sscc_check (text, error))
        return FALSE;
      code->kind = AGG_CODE_CONTAINER;
      memcpy (code->sscc, text, 18);
      return TRUE;
    }

  if (!agg_gs1_parse (text, len, gs1, error))
    return FALSE;

  sscc = agg_gs1_data_lookup (gs1, "00");
  gtin = agg_gs1_data_lookup (gs1, "01");
  serial = agg_gs1_data_lookup (gs1, "21");
  if (sscc != NULL)
    {
      code->kind = AGG_CODE_CONTAINER;
      g_strlcpy (code->sscc, sscc, sizeof code->sscc);
    }
  else if (gtin != NULL && serial != NULL)
    {
      code->kind = AGG_CODE_UNIT;
      g_strlcpy (code->gtin, gtin, sizeof code->gtin);
      g_strlcpy (code->serial, serial, sizeof code->serial);
    }
  return TRUE;
}

char *
agg_sscc_allocate (AggStore  *store,
                   gboolean  *exhausted,
                   gboolean  *low,
                   GError   **error)
{
  sqlite3_stmt *stmt;
  g_autofree char *prefix = NULL;
  gint64 id, ref, last, warn_below;
  guint extension;
  gboolean found;

  *exhausted = FALSE;
  *low = FALSE;

  /* The first range with numbers left; ranges are used up in order. */
  stmt = agg_store_prepare (store,
                            "SELECT id, company_prefix, extension, next_ref, last_ref, warn_below"
                            "  FROM sscc_ranges WHERE next_ref <= last_ref ORDER BY id LIMIT 1",
                            error);
  if (stmt == NULL || !agg_store_step_row (store, stmt, &found, error))
    return NULL;
  if (!found)
    {
      *exhausted = TRUE;
      return NULL;
    }
  id = sqlite3_column_int64 (stmt, 0);
  prefix = g_strdup (column_text (stmt, 1));
  extension = sqlite3_column_int (stmt, 2);
  ref = sqlite3_column_int64 (stmt, 3);
  last = sqlite3_column_int64 (stmt, 4);
  warn_below = sqlite3_column_int64 (stmt, 5);
  sqlite3_reset (stmt);

  /* Counted up in the same transaction that uses the number: a crash
   * before COMMIT leaves both undone, so no SSCC is ever used twice. */
  stmt = agg_store_prepare (store, "UPDATE sscc_ranges SET next_ref = next_ref + 1 WHERE id = ?",
                            error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, id);
  if (!agg_store_step (store, stmt, error))
    return NULL;

  *low = last - ref < warn_below;
  return agg_gs1_sscc_make (prefix, extension, (guint64) ref, error);
}

AggContainer *
agg_container_create (AggStore        *store,
                      AggJob          *job,
                      const AggOrder  *order,
                      gboolean         pallet,
                      const char      *sscc,
                      GError         **error)
{
  g_autoptr(GPtrArray) epcs = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *now = agg_now_utc ();
  sqlite3_stmt *stmt;
  gint64 audit_id;

  stmt = agg_store_prepare (store,
                            "INSERT INTO containers (sscc, kind, order_id, created_at)"
                            " VALUES (?, ?, ?, ?)", error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_text (stmt, 1, sscc, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 2, pallet ? "pallet" : "case", -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 3, order->id, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 4, now, -1, SQLITE_TRANSIENT);
  if (!agg_store_step (store, stmt, error))
    return NULL;

  if (!agg_audit_append (store, &job->actor, pallet ? "pallet.open" : "case.open", sscc,
                         NULL, "open", NULL, NULL, &audit_id, error))
    return NULL;

  /* The SSCC comes into being: commissioning. */
  g_ptr_array_add (epcs, agg_sscc_uri (sscc));
  if (!agg_events_add (store, "ObjectEvent", "ADD", "commissioning", "active", NULL, epcs,
                       order->id, audit_id, error))
    return NULL;

  return agg_container_load_sscc (store, sscc, error);
}

/* The children of @container not yet announced, as URIs, and marks them
 * announced. */
static gboolean
announce_children (AggStore      *store,
                   AggContainer  *container,
                   GPtrArray     *epcs,
                   GError       **error)
{
  sqlite3_stmt *stmt;

  if (container->is_pallet)
    stmt = agg_store_prepare (store,
                              "SELECT sscc, NULL FROM containers"
                              " WHERE parent_id = ? AND announced = 0 ORDER BY id", error);
  else
    stmt = agg_store_prepare (store,
                              "SELECT gtin, serial FROM units"
                              " WHERE parent_id = ? AND announced = 0 ORDER BY id", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, container->id);
  if (!agg_collect_uris (store, stmt, container->is_pallet, epcs, error))
    return FALSE;

  stmt = agg_store_prepare (store,
                            container->is_pallet
                              ? "UPDATE containers SET announced = 1 WHERE parent_id = ?"
                              : "UPDATE units SET announced = 1 WHERE parent_id = ?",
                            error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, container->id);
  return agg_store_step (store, stmt, error);
}

gboolean
agg_container_close (AggStore            *store,
                     AggJob              *job,
                     AggContainer        *container,
                     const char          *reason,
                     const AggSignature  *signature,
                     GError             **error)
{
  g_autoptr(GPtrArray) epcs = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *now = agg_now_utc ();
  g_autofree char *parent = agg_sscc_uri (container->sscc);
  g_autofree char *count = g_strdup_printf ("%" PRId64, container->n_children);
  sqlite3_stmt *stmt;
  gint64 audit_id;

  stmt = agg_store_prepare (store,
                            "UPDATE containers SET status = 'closed', closed_at = ?,"
                            "  partial_reason = ? WHERE id = ?", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, now, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 2, reason, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64 (stmt, 3, container->id);
  if (!agg_store_step (store, stmt, error))
    return FALSE;

  if (!agg_audit_append (store, &job->actor,
                         container->is_pallet ? "pallet.close" : "case.close",
                         container->sscc, "open", count, reason, signature, &audit_id, error))
    return FALSE;

  if (!announce_children (store, container, epcs, error))
    return FALSE;

  g_free (container->status);
  container->status = g_strdup ("closed");

  /* Its label is queued in the same transaction: it cannot be lost. */
  if (!agg_label_job_on_close (store, container, audit_id, error))
    return FALSE;

  /* A reopened container closing again announces only what is new. */
  if (epcs->len == 0)
    return TRUE;
  return agg_events_add (store, "AggregationEvent", "ADD", "packing", "in_progress", parent,
                         epcs, container->order_id, audit_id, error);
}

gboolean
agg_container_disaggregate (AggStore      *store,
                            AggContainer  *container,
                            gint64         only_child_id,
                            const char    *new_unit_status,
                            gint64         audit_id,
                            GError       **error)
{
  g_autoptr(GPtrArray) epcs = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *parent = agg_sscc_uri (container->sscc);
  sqlite3_stmt *stmt;

  if (container->is_pallet)
    stmt = agg_store_prepare (store,
                              "SELECT sscc, NULL FROM containers"
                              " WHERE parent_id = ?1 AND announced = 1 AND (?2 = 0 OR id = ?2)",
                              error);
  else
    stmt = agg_store_prepare (store,
                              "SELECT gtin, serial FROM units"
                              " WHERE parent_id = ?1 AND announced = 1 AND (?2 = 0 OR id = ?2)",
                              error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, container->id);
  sqlite3_bind_int64 (stmt, 2, only_child_id);
  if (!agg_collect_uris (store, stmt, container->is_pallet, epcs, error))
    return FALSE;

  if (container->is_pallet)
    stmt = agg_store_prepare (store,
                              "UPDATE containers SET parent_id = NULL, announced = 0"
                              " WHERE parent_id = ?1 AND (?2 = 0 OR id = ?2)", error);
  else
    stmt = agg_store_prepare (store,
                              "UPDATE units SET parent_id = NULL, announced = 0, status = ?3"
                              " WHERE parent_id = ?1 AND (?2 = 0 OR id = ?2)", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, container->id);
  sqlite3_bind_int64 (stmt, 2, only_child_id);
  if (!container->is_pallet)
    sqlite3_bind_text (stmt, 3, new_unit_status, -1, SQLITE_STATIC);
  if (!agg_store_step (store, stmt, error))
    return FALSE;

  /* Only what the outbox already announced needs taking back. */
  if (epcs->len == 0)
    return TRUE;
  return agg_events_add (store, "AggregationEvent", "DELETE", "unpacking", NULL, parent, epcs,
                         container->order_id, audit_id, error);
}

/* YYMMDD as the last valid day: DD = 00 means the end of the month.  The
 * century follows GS1's sliding window around the current year. */
static GDate *
gs1_date (const char *yymmdd)
{
  GDateTime *now = g_date_time_new_now_utc ();
  int this_year = g_date_time_get_year (now);
  int yy = (yymmdd[0] - '0') * 10 + (yymmdd[1] - '0');
  int mm = (yymmdd[2] - '0') * 10 + (yymmdd[3] - '0');
  int dd = (yymmdd[4] - '0') * 10 + (yymmdd[5] - '0');
  int year = this_year - this_year % 100 + yy;
  int diff = year - this_year;

  g_date_time_unref (now);
  if (diff >= 51)
    year -= 100;
  else if (diff <= -50)
    year += 100;

  if (!g_date_valid_month (mm) || !g_date_valid_year (year))
    return NULL;
  if (dd == 0)
    dd = g_date_get_days_in_month (mm, year);
  if (!g_date_valid_dmy (dd, mm, year))
    return NULL;
  return g_date_new_dmy (dd, mm, year);
}

static gboolean
is_expired (const char *yymmdd)
{
  GDate *expiry = gs1_date (yymmdd);
  GDate *today = g_date_new ();
  gboolean expired;

  g_date_set_time_t (today, time (NULL));
  expired = expiry == NULL || g_date_compare (expiry, today) < 0;
  if (expiry != NULL)
    g_date_free (expiry);
  g_date_free (today);
  return expired;
}

static gboolean
is_commissioned (AggStore    *store,
                 const char  *order_id,
                 const char  *serial,
                 gboolean    *commissioned,
                 GError     **error)
{
  sqlite3_stmt *stmt = agg_store_prepare (store,
                                          "SELECT 1 FROM commissioned_serials"
                                          " WHERE order_id = ? AND serial = ?", error);

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, order_id, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 2, serial, -1, SQLITE_TRANSIENT);
  return agg_store_step_row (store, stmt, commissioned, error);
}

static char *
container_sscc_of (AggStore  *store,
                   gint64     id)
{
  g_autoptr(AggContainer) container = agg_container_load (store, id, NULL);

  return g_strdup (container ? container->sscc : "?");
}

AggResult *
agg_unit_check_rules (AggStore            *store,
                      const AggOrder      *order,
                      const AggGs1Data    *gs1,
                      const AggContainer  *target,
                      AggUnit            **existing,
                      GError             **error)
{
  const char *gtin = agg_gs1_data_lookup (gs1, "01");
  const char *serial = agg_gs1_data_lookup (gs1, "21");
  const char *lot = agg_gs1_data_lookup (gs1, "10");
  const char *expiry = agg_gs1_data_lookup (gs1, "17");
  g_autoptr(GError) local_error = NULL;
  g_autoptr(AggUnit) unit = NULL;

  *existing = NULL;

  if (gtin == NULL || serial == NULL)
    return agg_result_new (AGG_OUTCOME_NOT_A_UNIT,
                           _("Not a unit code: it needs a GTIN (01) and a serial number (21)"));

  if (strcmp (gtin, order->gtin) != 0)
    return agg_result_new (AGG_OUTCOME_WRONG_PRODUCT, _("Wrong product: %s, expected %s"),
                           gtin, order->gtin);

  if (!order->allow_mixed_lots && g_strcmp0 (lot, order->lot) != 0)
    {
      if (lot == NULL)
        return agg_result_new (AGG_OUTCOME_WRONG_LOT, _("No lot on the code, expected %s"),
                               order->lot);
      return agg_result_new (AGG_OUTCOME_WRONG_LOT, _("Wrong lot: %s, expected %s"),
                             lot, order->lot);
    }

  if (expiry != NULL && strcmp (expiry, order->expiry) != 0)
    return agg_result_new (AGG_OUTCOME_WRONG_EXPIRY, _("Wrong expiry date: %s, expected %s"),
                           expiry, order->expiry);

  if (order->require_future_expiry && is_expired (expiry ? expiry : order->expiry))
    return agg_result_new (AGG_OUTCOME_EXPIRED, _("Expired: %s"),
                           expiry ? expiry : order->expiry);

  if (order->require_serial_list)
    {
      gboolean commissioned;

      if (!is_commissioned (store, order->id, serial, &commissioned, error))
        return NULL;
      if (!commissioned)
        return agg_result_new (AGG_OUTCOME_NOT_COMMISSIONED,
                               _("Serial %s was not commissioned for order %s"),
                               serial, order->id);
    }

  unit = agg_unit_load (store, gtin, serial, &local_error);
  if (agg_propagate_local_error (error, &local_error))
    return NULL;

  if (unit != NULL)
    {
      if (strcmp (unit->status, "aggregated") == 0)
        {
          g_autofree char *parent = NULL;

          if (target != NULL && unit->parent_id == target->id)
            return agg_result_new (AGG_OUTCOME_DUPLICATE_IN_THIS_CASE,
                                   _("Already in this case: %s"), serial);
          parent = container_sscc_of (store, unit->parent_id);
          return agg_result_new (AGG_OUTCOME_ALREADY_AGGREGATED,
                                 _("Already packed in case %s: %s"), parent, serial);
        }
      if (strcmp (unit->status, "decommissioned") == 0 ||
          strcmp (unit->status, "destroyed") == 0 ||
          strcmp (unit->status, "sampled") == 0)
        return agg_result_new (AGG_OUTCOME_UNIT_DECOMMISSIONED,
                               _("Unit %s is %s and may not be packed"), serial,
                               strcmp (unit->status, "sampled") == 0 ? _("a QC sample")
                               : strcmp (unit->status, "destroyed") == 0 ? _("destroyed")
                               : _("decommissioned"));
    }

  *existing = g_steal_pointer (&unit);
  return NULL;
}

JsonObject *
agg_container_to_json (AggStore            *store,
                       const AggContainer  *container)
{
  JsonObject *object = json_object_new ();
  g_autoptr(AggOrder) order = agg_order_load (store, container->order_id, NULL);
  gint64 capacity = 0;

  if (order != NULL)
    capacity = container->is_pallet ? order->cases_per_pallet : order->units_per_case;

  json_object_set_string_member (object, "sscc", container->sscc);
  json_object_set_string_member (object, "kind", container->is_pallet ? "pallet" : "case");
  json_object_set_string_member (object, "status", container->status);
  json_object_set_int_member (object, "count", container->n_children);
  json_object_set_int_member (object, "capacity", capacity);
  json_object_set_string_member (object, "order", container->order_id);
  json_object_set_string_member (object, "label_status", container->label_status);
  if (container->parent_id != 0)
    {
      g_autofree char *parent = container_sscc_of (store, container->parent_id);
      json_object_set_string_member (object, "parent", parent);
    }
  return object;
}
