/* test-line.c: the line engine — sessions, rules, cases, pallets, corrections
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Every test runs the engine against a real database made from the demo
 * line, and checks both what the engine answers and what it wrote: units,
 * containers, the EPCIS outbox, the audit trail and the rejects.  The
 * database is read through a second, read-only connection, as another
 * process would see it.
 */

#include <string.h>

#include "agg-gs1.h"
#include "agg-line.h"
#include "agg-line-private.h"
#include "agg-test-utils.h"

/* The demo line. */
#define GTIN        "09506000134352"
#define OTHER_GTIN  "09506000134376"
#define LOT         "DEMO01"
#define EXPIRY      "281231"
#define ORDER       "WO-DEMO-1"
#define PREFIX      "0950600"
#define UNITS_PER_CASE   12
#define CASES_PER_PALLET 4

#define SUPERVISOR_NAME "Demo Supervisor"

typedef struct
{
  AggTestStation  station;            /* the demo line, and a read-only connection */
  AggLine        *line;
} Fixture;

/* Imports and settings made by the station itself, as the demo does. */
static const AggActor station = { 0, NULL, AGG_ROLE_ADMIN };

/* Jobs on the store thread */

static void
import (Fixture    *f,
        const char *json)
{
  agg_test_import (f->station.store, json);
}

static void
set_setting (Fixture    *f,
             const char *key,
             const char *value)
{
  agg_test_set_setting (f->station.store, key, value);
}

/* The fixture */

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  agg_test_station_set_up (&f->station, data);
  agg_test_load_demo (f->station.store);

  f->line = agg_line_new (f->station.store);
  g_assert_true (AGG_IS_LINE (f->line));
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  g_assert_cmpuint (agg_test_assert_audit_intact (f->station.store), >, 0);

  g_clear_object (&f->line);
  agg_test_station_tear_down (&f->station, data);
}

/* Reading the database: text parameters, terminated by NULL */

#define db_int(f, ...)  agg_test_db_int ((f)->station.db, __VA_ARGS__)
#define db_text(f, ...) agg_test_db_text ((f)->station.db, __VA_ARGS__)

/* Everything a refused scan or request must leave alone. */
static char *
db_state (Fixture *f)
{
  return db_text (f,
                  "SELECT ifnull ((SELECT group_concat (id || ':' || gtin || ':' || serial"
                  "                  || ':' || status || ':' || ifnull (parent_id, '-')"
                  "                  || ':' || announced, ',') FROM units), '')"
                  " || '|' || ifnull ((SELECT group_concat (id || ':' || sscc || ':' || status"
                  "                  || ':' || ifnull (parent_id, '-') || ':' || announced"
                  "                  || ':' || ifnull (partial_reason, '-') || ':' || reprints,"
                  "                  ',') FROM containers), '')"
                  " || '|' || (SELECT count (*) FROM events)"
                  " || '|' || (SELECT group_concat (next_ref) FROM sscc_ranges)"
                  " || '|' || (SELECT group_concat (id || ':' || status) FROM work_orders)",
                  NULL);
}

static gint64
count_rows (Fixture    *f,
            const char *table)
{
  g_autofree char *sql = g_strdup_printf ("SELECT count (*) FROM %s", table);

  return db_int (f, sql, NULL);
}

static gint64
last_id (Fixture    *f,
         const char *table)
{
  g_autofree char *sql = g_strdup_printf ("SELECT ifnull (max (id), 0) FROM %s", table);

  return db_int (f, sql, NULL);
}

/* Codes */

static char *
unit_data_full (const char *gtin,
                const char *expiry,
                const char *lot,
                const char *serial)
{
  /* GS1 DataMatrix scan data; the GS ends the variable-length lot. */
  return g_strconcat ("]d2", "01", gtin, "17", expiry, "10", lot, "\x1d", "21", serial, NULL);
}

static char *
unit_data (const char *serial)
{
  return unit_data_full (GTIN, EXPIRY, LOT, serial);
}

/* The form a supervisor types into a correction. */
static char *
unit_key (const char *serial)
{
  return g_strconcat ("(01)", GTIN, "(21)", serial, NULL);
}

static char *
case_label (const char *sscc)
{
  return g_strconcat ("]C1", "00", sscc, NULL);
}

static char *
unit_uri (const char *serial)
{
  return g_strconcat ("https://id.gs1.org/01/", GTIN, "/21/", serial, NULL);
}

static char *
sscc_uri (const char *sscc)
{
  return g_strconcat ("https://id.gs1.org/00/", sscc, NULL);
}

/* Frees the @n strings of an array on the stack. */
static void
strings_clear (char  **strings,
               gsize   n)
{
  for (gsize i = 0; i < n; i++)
    g_clear_pointer (&strings[i], g_free);
}

static char *
serial_name (const char *prefix,
             guint       i)
{
  return g_strdup_printf ("%s%02u", prefix, i);
}

/* Requests */

static AggResult *
execute (Fixture          *f,
         const AggRequest *request)
{
  AggResult *result = agg_line_execute_sync (f->line, request);

  g_assert_nonnull (result);
  g_assert_nonnull (result->message);
  g_assert_nonnull (result->details);
  g_test_message ("%s → %s: %s", agg_action_to_string (request->action),
                  agg_outcome_to_string (result->outcome), result->message);
  return result;
}

#define assert_outcome(result, expected) \
  G_STMT_START { \
    const AggResult *r_ = (result); \
    if (r_->outcome != (expected)) \
      g_printerr ("unexpected answer: %s\n", r_->message); \
    g_assert_cmpstr (agg_outcome_to_string (r_->outcome), ==, \
                     agg_outcome_to_string (expected)); \
  } G_STMT_END

static JsonObject *
detail (const AggResult *result,
        const char      *name)
{
  g_assert_true (json_object_has_member (result->details, name));
  return json_object_get_object_member (result->details, name);
}

/* A request refused with @outcome that leaves units, containers, the
 * outbox, the SSCC ranges and the orders as they were. */
static AggResult *
execute_refused (Fixture          *f,
                 const AggRequest *request,
                 AggOutcome        outcome)
{
  g_autofree char *before = db_state (f);
  g_autofree char *after = NULL;
  AggResult *result = execute (f, request);

  assert_outcome (result, outcome);
  after = db_state (f);
  g_assert_cmpstr (after, ==, before);
  return result;
}

static AggResult *
login (Fixture    *f,
       const char *user,
       const char *pin)
{
  g_autoptr(AggRequest) request = agg_request_new (AGG_ACTION_LOGIN);

  request->user = g_strdup (user);
  request->pin = g_strdup (pin);
  return execute (f, request);
}

static void
login_ok (Fixture    *f,
          const char *user,
          const char *pin)
{
  g_autoptr(AggResult) result = login (f, user, pin);

  assert_outcome (result, AGG_OUTCOME_ACCEPTED);
  g_assert_cmpstr (agg_line_get_username (f->line), ==, user);
}

static AggResult *
simple (Fixture    *f,
        AggAction   action,
        const char *code)
{
  g_autoptr(AggRequest) request = agg_request_new (action);

  request->code = g_strdup (code);
  return execute (f, request);
}

static void
simple_ok (Fixture    *f,
           AggAction   action,
           const char *code)
{
  g_autoptr(AggResult) result = simple (f, action, code);

  assert_outcome (result, AGG_OUTCOME_ACCEPTED);
}

static AggRequest *
scan_new (const char *data)
{
  AggRequest *request = agg_request_new (AGG_ACTION_SCAN);

  request->data = g_strdup (data);
  request->data_len = strlen (data);
  request->source = g_strdup ("reader-1");
  return request;
}

static AggResult *
scan (Fixture    *f,
      const char *data)
{
  g_autoptr(AggRequest) request = scan_new (data);

  return execute (f, request);
}

static AggResult *
scan_unit (Fixture    *f,
           const char *serial)
{
  g_autofree char *data = unit_data (serial);

  return scan (f, data);
}

static AggResult *
scan_unit_ok (Fixture    *f,
              const char *serial)
{
  AggResult *result = scan_unit (f, serial);

  assert_outcome (result, AGG_OUTCOME_ACCEPTED);
  g_assert_cmpstr (json_object_get_string_member (detail (result, "unit"), "serial"), ==, serial);
  return result;
}

/* Scans units @prefix01 … @prefixNN; returns the SSCC of their case. */
static char *
fill_case (Fixture    *f,
           const char *prefix,
           guint       n)
{
  char *sscc = NULL;

  for (guint i = 1; i <= n; i++)
    {
      g_autofree char *serial = serial_name (prefix, i);
      g_autoptr(AggResult) result = scan_unit_ok (f, serial);
      const char *this_sscc = json_object_get_string_member (detail (result, "case"), "sscc");

      if (sscc == NULL)
        sscc = g_strdup (this_sscc);
      g_assert_cmpstr (this_sscc, ==, sscc);
    }
  return sscc;
}

static void
login_and_start (Fixture *f)
{
  login_ok (f, "operator", "1111");
  simple_ok (f, AGG_ACTION_START_ORDER, ORDER);
}

/* Imports @json, then logs in and starts @order from it. */
static void
import_and_start (Fixture    *f,
                  const char *json,
                  const char *order)
{
  import (f, json);
  login_ok (f, "operator", "1111");
  simple_ok (f, AGG_ACTION_START_ORDER, order);
}

/* Scans the label of the case @sscc, as on the pallet page. */
static AggResult *
scan_case_label (Fixture    *f,
                 const char *sscc)
{
  g_autofree char *label = case_label (sscc);

  return scan (f, label);
}

/* Puts the closed case @sscc on a pallet; returns the pallet's SSCC. */
static char *
palletise (Fixture    *f,
           const char *sscc)
{
  g_autoptr(AggResult) result = scan_case_label (f, sscc);

  assert_outcome (result, AGG_OUTCOME_ACCEPTED);
  return g_strdup (json_object_get_string_member (detail (result, "pallet"), "sscc"));
}

/* A scan the rules refuse: one rejects row with the outcome, and nothing
 * else written. */
static AggResult *
scan_rejected (Fixture    *f,
               const char *data,
               AggOutcome  outcome)
{
  g_autoptr(AggRequest) request = scan_new (data);
  g_autofree char *logged = NULL;
  gint64 n_rejects = count_rows (f, "rejects");
  gint64 n_audit = count_rows (f, "audit");
  AggResult *result = execute_refused (f, request, outcome);

  g_assert_cmpint (count_rows (f, "audit"), ==, n_audit);
  g_assert_cmpint (count_rows (f, "rejects"), ==, n_rejects + 1);
  logged = db_text (f, "SELECT outcome FROM rejects ORDER BY id DESC LIMIT 1", NULL);
  g_assert_cmpstr (logged, ==, agg_outcome_to_string (outcome));
  return result;
}

static AggRequest *
correction_new (AggAction   action,
                const char *code,
                const char *reason)
{
  AggRequest *request = agg_request_new (action);

  request->code = g_strdup (code);
  request->reason = g_strdup (reason);
  return request;
}

static void
sign (AggRequest *request,
      const char *user,
      const char *pin)
{
  g_free (request->signer);
  g_free (request->signer_pin);
  request->signer = g_strdup (user);
  request->signer_pin = g_strdup (pin);
}

/* A correction of @code (and @code2), signed by the supervisor. */
static AggRequest *
signed_correction_new (AggAction   action,
                       const char *code,
                       const char *code2)
{
  AggRequest *request = correction_new (action, code, "test correction");

  request->code2 = g_strdup (code2);
  sign (request, "supervisor", "2222");
  return request;
}

/* A signed correction, expected to go through. */
static void
correct_ok (Fixture    *f,
            AggAction   action,
            const char *code,
            const char *code2,
            gboolean    with_contents)
{
  g_autoptr(AggRequest) request = signed_correction_new (action, code, code2);
  g_autoptr(AggResult) result = NULL;

  request->with_contents = with_contents;
  result = execute (f, request);
  assert_outcome (result, AGG_OUTCOME_ACCEPTED);
}

/* A signed correction, refused without writing anything. */
static void
correct_refused (Fixture    *f,
                 AggAction   action,
                 const char *code,
                 const char *code2,
                 AggOutcome  outcome)
{
  g_autoptr(AggRequest) request = signed_correction_new (action, code, code2);
  g_autoptr(AggResult) result = NULL;
  gint64 n_audit = count_rows (f, "audit");

  result = execute_refused (f, request, outcome);
  g_assert_cmpint (count_rows (f, "audit"), ==, n_audit);
}

/* The outbox */

typedef struct
{
  gint64   id;
  char    *type;
  char    *action;
  char    *biz_step;
  char    *disposition;
  char    *parent;
  char   **epcs;
  char    *order_id;
  gint64   audit_id;
  char    *read_point;
  char    *biz_location;
  char    *event_time;
  char    *tz_offset;
} Event;

static void
event_free (Event *event)
{
  g_free (event->type);
  g_free (event->action);
  g_free (event->biz_step);
  g_free (event->disposition);
  g_free (event->parent);
  g_strfreev (event->epcs);
  g_free (event->order_id);
  g_free (event->read_point);
  g_free (event->biz_location);
  g_free (event->event_time);
  g_free (event->tz_offset);
  g_free (event);
}

static char *
column_dup (sqlite3_stmt *stmt,
            int           column)
{
  return g_strdup ((const char *) sqlite3_column_text (stmt, column));
}

static char **
parse_epcs (const char *json)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) node = json_from_string (json, &error);
  g_autoptr(GPtrArray) epcs = g_ptr_array_new ();
  JsonArray *array;

  g_assert_no_error (error);
  g_assert_true (JSON_NODE_HOLDS_ARRAY (node));
  array = json_node_get_array (node);
  for (guint i = 0; i < json_array_get_length (array); i++)
    g_ptr_array_add (epcs, g_strdup (json_array_get_string_element (array, i)));
  g_ptr_array_add (epcs, NULL);
  return (char **) g_ptr_array_free (g_steal_pointer (&epcs), FALSE);
}

/* The events written after @after_id, in order: @n of them. */
static GPtrArray *
events_after (Fixture *f,
              gint64   after_id,
              guint    n)
{
  g_autofree char *after = g_strdup_printf ("%" G_GINT64_FORMAT, after_id);
  GPtrArray *events = g_ptr_array_new_with_free_func ((GDestroyNotify) event_free);
  sqlite3_stmt *stmt;
  int rc;

  stmt = agg_test_db_prepare (f->station.db,
                              "SELECT id, type, action, biz_step, disposition, parent, epcs,"
                              "       order_id, ifnull (audit_id, 0), read_point, biz_location,"
                              "       event_time, tz_offset"
                              "  FROM events WHERE id > ? ORDER BY id", after, NULL);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      Event *event = g_new0 (Event, 1);

      event->id = sqlite3_column_int64 (stmt, 0);
      event->type = column_dup (stmt, 1);
      event->action = column_dup (stmt, 2);
      event->biz_step = column_dup (stmt, 3);
      event->disposition = column_dup (stmt, 4);
      event->parent = column_dup (stmt, 5);
      event->epcs = parse_epcs ((const char *) sqlite3_column_text (stmt, 6));
      event->order_id = column_dup (stmt, 7);
      event->audit_id = sqlite3_column_int64 (stmt, 8);
      event->read_point = column_dup (stmt, 9);
      event->biz_location = column_dup (stmt, 10);
      event->event_time = column_dup (stmt, 11);
      event->tz_offset = column_dup (stmt, 12);
      g_ptr_array_add (events, event);
    }
  g_assert_cmpint (rc, ==, SQLITE_DONE);
  sqlite3_finalize (stmt);
  g_assert_cmpuint (events->len, ==, n);
  return events;
}

static int
compare_strings (gconstpointer a,
                 gconstpointer b)
{
  return strcmp (*(const char *const *) a, *(const char *const *) b);
}

static char **
sorted_copy (const char *const *strv)
{
  char **copy = g_strdupv ((char **) strv);

  qsort (copy, g_strv_length (copy), sizeof (char *), compare_strings);
  return copy;
}

/* Compares the identifiers as a set: only the close of a container
 * promises an order. */
static void
assert_event (const Event        *event,
              const char         *type,
              const char         *action,
              const char         *biz_step,
              const char         *disposition,
              const char         *parent,
              const char *const  *epcs)
{
  g_auto(GStrv) expected = sorted_copy (epcs);
  g_auto(GStrv) actual = sorted_copy ((const char *const *) event->epcs);

  g_assert_cmpstr (event->type, ==, type);
  g_assert_cmpstr (event->action, ==, action);
  g_assert_cmpstr (event->biz_step, ==, biz_step);
  g_assert_cmpstr (event->disposition, ==, disposition);
  g_assert_cmpstr (event->parent, ==, parent);
  g_assert_cmpuint (g_strv_length (actual), ==, g_strv_length (expected));
  for (guint i = 0; expected[i] != NULL; i++)
    g_assert_cmpstr (actual[i], ==, expected[i]);

  /* Every event is ready for EPCIS: when, where, and the audit row it
   * comes with. */
  g_assert_nonnull (event->event_time);
  g_assert_true (g_str_has_suffix (event->event_time, "Z"));
  g_assert_nonnull (event->tz_offset);
  g_assert_true (g_str_has_prefix (event->read_point, "https://id.gs1.org/414/9506000000008"));
  g_assert_cmpstr (event->biz_location, ==, event->read_point);
  g_assert_cmpint (event->audit_id, >, 0);
}

/* The two events after @after_id that end the case @case_uri holding
 * @unit_uris (NULL-terminated): its units unpacked, then the case, with
 * them when @with_contents, gone with @biz_step and @disposition. */
static void
assert_case_ended (Fixture    *f,
                   gint64      after_id,
                   const char *case_uri,
                   GPtrArray  *unit_uris,
                   gboolean    with_contents,
                   const char *biz_step,
                   const char *disposition)
{
  g_autoptr(GPtrArray) events = events_after (f, after_id, 2);
  g_autoptr(GPtrArray) gone = g_ptr_array_new ();

  assert_event (g_ptr_array_index (events, 0), "AggregationEvent", "DELETE", "unpacking", NULL,
                case_uri, (const char *const *) unit_uris->pdata);
  g_ptr_array_add (gone, (gpointer) case_uri);
  for (guint i = 0; with_contents && i < unit_uris->len - 1; i++)
    g_ptr_array_add (gone, g_ptr_array_index (unit_uris, i));
  g_ptr_array_add (gone, NULL);
  assert_event (g_ptr_array_index (events, 1), "ObjectEvent", "DELETE", biz_step, disposition,
                NULL, (const char *const *) gone->pdata);
}

/* The URIs of @prefix01 … @prefixNN, NULL-terminated. */
static GPtrArray *
unit_uris (const char *prefix,
           guint       first,
           guint       last)
{
  GPtrArray *uris = g_ptr_array_new_with_free_func (g_free);

  for (guint i = first; i <= last; i++)
    {
      g_autofree char *serial = serial_name (prefix, i);

      g_ptr_array_add (uris, unit_uri (serial));
    }
  g_ptr_array_add (uris, NULL);
  return uris;
}

/* The audit trail */

typedef struct
{
  gint64  id;
  char   *username;
  char   *action;
  char   *object;
  char   *old_value;
  char   *new_value;
  char   *reason;
  char   *signer;
  char   *signer_name;
  char   *meaning;
} AuditRow;

static void
audit_row_free (AuditRow *row)
{
  g_free (row->username);
  g_free (row->action);
  g_free (row->object);
  g_free (row->old_value);
  g_free (row->new_value);
  g_free (row->reason);
  g_free (row->signer);
  g_free (row->signer_name);
  g_free (row->meaning);
  g_free (row);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (AuditRow, audit_row_free)

/* The latest row of @action on @object, or NULL. */
static AuditRow *
audit_find (Fixture    *f,
            const char *action,
            const char *object)
{
  sqlite3_stmt *stmt;
  AuditRow *row = NULL;
  int rc;

  /* Without @object the list ends early, and ?2 stays NULL. */
  stmt = agg_test_db_prepare (f->station.db,
                              "SELECT id, username, action, object, old_value, new_value,"
                              "       reason, signer, signer_name, meaning"
                              "  FROM audit WHERE action = ?1 AND (?2 IS NULL OR object = ?2)"
                              " ORDER BY id DESC LIMIT 1", action, object, NULL);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    {
      row = g_new0 (AuditRow, 1);
      row->id = sqlite3_column_int64 (stmt, 0);
      row->username = column_dup (stmt, 1);
      row->action = column_dup (stmt, 2);
      row->object = column_dup (stmt, 3);
      row->old_value = column_dup (stmt, 4);
      row->new_value = column_dup (stmt, 5);
      row->reason = column_dup (stmt, 6);
      row->signer = column_dup (stmt, 7);
      row->signer_name = column_dup (stmt, 8);
      row->meaning = column_dup (stmt, 9);
    }
  else
    g_assert_cmpint (rc, ==, SQLITE_DONE);
  sqlite3_finalize (stmt);
  return row;
}

/* The row exists, signed by the supervisor for the reason given. */
static AuditRow *
assert_signed_audit (Fixture    *f,
                     const char *action,
                     const char *object,
                     const char *reason)
{
  AuditRow *row = audit_find (f, action, object);

  if (row == NULL)
    g_printerr ("no audit row %s on %s\n", action, object);
  g_assert_nonnull (row);
  g_assert_cmpstr (row->username, ==, "operator");
  g_assert_cmpstr (row->signer, ==, "supervisor");
  g_assert_cmpstr (row->signer_name, ==, SUPERVISOR_NAME);
  g_assert_nonnull (row->meaning);
  g_assert_cmpstr (row->meaning, !=, "");
  g_assert_cmpstr (row->reason, ==, reason);
  return row;
}

/* Units and containers as stored */

static char *
unit_status (Fixture    *f,
             const char *serial)
{
  return db_text (f, "SELECT status FROM units WHERE gtin = ? AND serial = ?", GTIN, serial, NULL);
}

/* The SSCC of the unit's case, or NULL when it is in none. */
static char *
case_of (Fixture    *f,
         const char *serial)
{
  return db_text (f,
                  "SELECT c.sscc FROM units u JOIN containers c ON c.id = u.parent_id"
                  " WHERE u.gtin = ? AND u.serial = ?", GTIN, serial, NULL);
}

static char *
container_status (Fixture    *f,
                  const char *sscc)
{
  return db_text (f, "SELECT status FROM containers WHERE sscc = ?", sscc, NULL);
}

/* The SSCC of the container's parent, or NULL. */
static char *
parent_of (Fixture    *f,
           const char *sscc)
{
  return db_text (f,
                  "SELECT p.sscc FROM containers c JOIN containers p ON p.id = c.parent_id"
                  " WHERE c.sscc = ?", sscc, NULL);
}

static gint64
units_in (Fixture    *f,
          const char *sscc)
{
  return db_int (f,
                 "SELECT count (*) FROM units u JOIN containers c ON c.id = u.parent_id"
                 " WHERE c.sscc = ?", sscc, NULL);
}

#define assert_text(value, expected) \
  G_STMT_START { \
    g_autofree char *v_ = (value); \
    g_assert_cmpstr (v_, ==, (expected)); \
  } G_STMT_END

/* Sessions */

static void
test_login (Fixture       *f,
            gconstpointer  data)
{
  g_autoptr(AggResult) result = NULL;
  g_autoptr(AuditRow) row = NULL;
  AggRole role = AGG_ROLE_ADMIN;

  g_assert_null (agg_line_get_username (f->line));
  g_assert_false (agg_line_get_role (f->line, &role));

  result = login (f, "operator", "9999");
  assert_outcome (result, AGG_OUTCOME_BAD_CREDENTIALS);
  g_assert_null (agg_line_get_username (f->line));
  g_assert_cmpint (db_int (f, "SELECT failed_attempts FROM users WHERE username = 'operator'",
                           NULL), ==, 1);
  row = audit_find (f, "user.login-failed", "operator");
  g_assert_nonnull (row);
  g_clear_pointer (&row, audit_row_free);
  g_clear_pointer (&result, agg_result_free);

  result = login (f, "nobody", "1111");
  assert_outcome (result, AGG_OUTCOME_BAD_CREDENTIALS);
  g_clear_pointer (&result, agg_result_free);

  result = login (f, "operator", "1111");
  assert_outcome (result, AGG_OUTCOME_ACCEPTED);
  g_assert_cmpstr (json_object_get_string_member (detail (result, "user"), "username"), ==,
                   "operator");
  g_assert_cmpstr (json_object_get_string_member (detail (result, "user"), "role"), ==,
                   "operator");
  g_assert_cmpstr (agg_line_get_username (f->line), ==, "operator");
  g_assert_true (agg_line_get_role (f->line, &role));
  g_assert_cmpint (role, ==, AGG_ROLE_OPERATOR);
  /* A good PIN forgives the earlier mistake. */
  g_assert_cmpint (db_int (f, "SELECT failed_attempts FROM users WHERE username = 'operator'",
                           NULL), ==, 0);
  row = audit_find (f, "session.login", "operator");
  g_assert_nonnull (row);
  g_assert_cmpstr (row->new_value, ==, "pin");
  g_clear_pointer (&row, audit_row_free);
  g_clear_pointer (&result, agg_result_free);

  result = simple (f, AGG_ACTION_LOGOUT, NULL);
  assert_outcome (result, AGG_OUTCOME_ACCEPTED);
  g_assert_null (agg_line_get_username (f->line));
  row = audit_find (f, "session.logout", "operator");
  g_assert_nonnull (row);
  g_clear_pointer (&result, agg_result_free);

  result = simple (f, AGG_ACTION_LOGOUT, NULL);
  assert_outcome (result, AGG_OUTCOME_NOT_LOGGED_IN);
  g_clear_pointer (&result, agg_result_free);

  /* A login without a PIN is malformed. */
  {
    g_autoptr(AggRequest) request = agg_request_new (AGG_ACTION_LOGIN);

    request->user = g_strdup ("operator");
    result = execute (f, request);
    assert_outcome (result, AGG_OUTCOME_BAD_REQUEST);
  }
}

static void
test_lockout (Fixture       *f,
              gconstpointer  data)
{
  g_autoptr(AggResult) result = NULL;
  g_autoptr(AuditRow) row = NULL;

  for (guint i = 1; i < 5; i++)
    {
      result = login (f, "supervisor", "0000");
      assert_outcome (result, AGG_OUTCOME_BAD_CREDENTIALS);
      g_clear_pointer (&result, agg_result_free);
      g_assert_cmpint (db_int (f, "SELECT locked FROM users WHERE username = 'supervisor'",
                               NULL), ==, 0);
    }

  /* The fifth wrong PIN locks the account, … */
  result = login (f, "supervisor", "0000");
  assert_outcome (result, AGG_OUTCOME_LOCKED_OUT);
  g_clear_pointer (&result, agg_result_free);
  g_assert_cmpint (db_int (f, "SELECT locked FROM users WHERE username = 'supervisor'", NULL),
                   ==, 1);
  g_assert_cmpint (db_int (f, "SELECT count (*) FROM audit WHERE action = 'user.login-failed'"
                              " AND object = 'supervisor'", NULL), ==, 5);
  row = audit_find (f, "user.locked", "supervisor");
  g_assert_nonnull (row);
  g_clear_pointer (&row, audit_row_free);

  /* … and then even the right one is refused, and so is the badge. */
  result = login (f, "supervisor", "2222");
  assert_outcome (result, AGG_OUTCOME_LOCKED_OUT);
  g_assert_null (agg_line_get_username (f->line));
  g_clear_pointer (&result, agg_result_free);

  result = scan (f, "BADGE-SUPERVISOR");
  assert_outcome (result, AGG_OUTCOME_LOCKED_OUT);
  g_assert_null (agg_line_get_username (f->line));
  g_clear_pointer (&result, agg_result_free);

  /* Other accounts are not concerned. */
  login_ok (f, "operator", "1111");
}

static void
test_badge (Fixture       *f,
            gconstpointer  data)
{
  g_autoptr(AggResult) result = NULL;
  g_autoptr(AuditRow) row = NULL;
  g_autofree char *code = unit_data ("A01");
  AggRole role = AGG_ROLE_OPERATOR;

  /* Logged out, a unit is no login and is not packed. */
  result = scan (f, code);
  assert_outcome (result, AGG_OUTCOME_NOT_LOGGED_IN);
  g_clear_pointer (&result, agg_result_free);
  g_assert_cmpint (count_rows (f, "units"), ==, 0);
  g_assert_cmpint (count_rows (f, "containers"), ==, 0);

  result = simple (f, AGG_ACTION_START_ORDER, ORDER);
  assert_outcome (result, AGG_OUTCOME_NOT_LOGGED_IN);
  g_clear_pointer (&result, agg_result_free);
  assert_text (db_text (f, "SELECT status FROM work_orders WHERE id = ?", ORDER, NULL), "planned");

  result = scan (f, "BADGE-SUPERVISOR");
  assert_outcome (result, AGG_OUTCOME_ACCEPTED);
  g_assert_cmpstr (json_object_get_string_member (detail (result, "user"), "username"), ==,
                   "supervisor");
  g_assert_cmpstr (agg_line_get_username (f->line), ==, "supervisor");
  g_assert_true (agg_line_get_role (f->line, &role));
  g_assert_cmpint (role, ==, AGG_ROLE_SUPERVISOR);
  row = audit_find (f, "session.login", "supervisor");
  g_assert_nonnull (row);
  g_assert_cmpstr (row->new_value, ==, "badge");
  g_clear_pointer (&result, agg_result_free);

  /* Logged in, the same unit is now packed. */
  simple_ok (f, AGG_ACTION_START_ORDER, ORDER);
  result = scan_unit_ok (f, "A01");
  g_assert_cmpint (count_rows (f, "units"), ==, 1);
}

static void
test_idle_timeout (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(AggResult) result = NULL;

  login_and_start (f);
  agg_line_set_idle_timeout (f->line, 1);
  g_usleep (1300 * 1000);

  result = scan_unit (f, "A01");
  assert_outcome (result, AGG_OUTCOME_NOT_LOGGED_IN);
  g_assert_null (agg_line_get_username (f->line));
  g_assert_cmpint (count_rows (f, "units"), ==, 0);
  /* Part 11: the automatic logout is on the record, under the user. */
  g_assert_cmpint (db_int (f, "SELECT count (*) FROM audit WHERE action = 'session.timeout'"
                              " AND username = 'operator'", NULL), ==, 1);
}

/* Orders */

static void
test_start_order (Fixture       *f,
                  gconstpointer  data)
{
  g_autoptr(AggResult) result = NULL;
  g_autofree char *code = unit_data ("A01");
  JsonObject *order;

  login_ok (f, "operator", "1111");

  /* Nothing runs yet. */
  result = scan_rejected (f, code, AGG_OUTCOME_NO_RUNNING_ORDER);
  g_clear_pointer (&result, agg_result_free);
  assert_text (db_text (f, "SELECT ifnull (order_id, 'none') || ':' || serial FROM rejects"
                           " ORDER BY id DESC LIMIT 1", NULL), "none:A01");

  result = simple (f, AGG_ACTION_START_ORDER, "WO-NOPE");
  assert_outcome (result, AGG_OUTCOME_NOT_FOUND);
  g_clear_pointer (&result, agg_result_free);

  /* An order's barcode may carry a symbology identifier. */
  result = simple (f, AGG_ACTION_START_ORDER, "]C0" ORDER);
  assert_outcome (result, AGG_OUTCOME_ACCEPTED);
  order = detail (result, "order");
  g_assert_cmpstr (json_object_get_string_member (order, "id"), ==, ORDER);
  g_assert_cmpstr (json_object_get_string_member (order, "gtin"), ==, GTIN);
  g_assert_cmpstr (json_object_get_string_member (order, "lot"), ==, LOT);
  g_assert_cmpstr (json_object_get_string_member (order, "expiry"), ==, EXPIRY);
  g_assert_cmpstr (json_object_get_string_member (order, "description"), ==,
                   "Demo tablets 30 x 10 mg");
  g_assert_cmpint (json_object_get_int_member (order, "planned"), ==, 480);
  g_assert_cmpint (json_object_get_int_member (order, "units_per_case"), ==, UNITS_PER_CASE);
  g_assert_cmpint (json_object_get_int_member (order, "cases_per_pallet"), ==, CASES_PER_PALLET);
  g_clear_pointer (&result, agg_result_free);
  assert_text (db_text (f, "SELECT status FROM work_orders WHERE id = ?", ORDER, NULL), "running");
  {
    g_autoptr(AuditRow) row = audit_find (f, "order.status", ORDER);

    g_assert_nonnull (row);
    g_assert_cmpstr (row->old_value, ==, "planned");
    g_assert_cmpstr (row->new_value, ==, "running");
  }

  /* Starting it again is harmless. */
  simple_ok (f, AGG_ACTION_START_ORDER, ORDER);
  result = scan_unit_ok (f, "A01");
  g_clear_pointer (&result, agg_result_free);

  /* A second order may not start while the first runs. */
  import (f, "{ \"work_orders\": [ { \"id\": \"WO-2\", \"gtin\": \"" GTIN "\","
             " \"lot\": \"DEMO02\", \"expiry\": \"" EXPIRY "\", \"planned\": 24 } ] }");
  result = simple (f, AGG_ACTION_START_ORDER, "WO-2");
  assert_outcome (result, AGG_OUTCOME_INVALID_STATE);
  g_clear_pointer (&result, agg_result_free);
  assert_text (db_text (f, "SELECT status FROM work_orders WHERE id = 'WO-2'", NULL), "planned");
  assert_text (db_text (f, "SELECT status FROM work_orders WHERE id = ?", ORDER, NULL), "running");

  /* Suspended, the line takes no units; the other order may start. */
  simple_ok (f, AGG_ACTION_SUSPEND_ORDER, NULL);
  assert_text (db_text (f, "SELECT status FROM work_orders WHERE id = ?", ORDER, NULL),
               "suspended");
  g_free (code);
  code = unit_data ("A02");
  result = scan_rejected (f, code, AGG_OUTCOME_NO_RUNNING_ORDER);
  g_clear_pointer (&result, agg_result_free);

  result = simple (f, AGG_ACTION_SUSPEND_ORDER, NULL);
  assert_outcome (result, AGG_OUTCOME_NO_RUNNING_ORDER);
  g_clear_pointer (&result, agg_result_free);

  simple_ok (f, AGG_ACTION_START_ORDER, "WO-2");
  assert_text (db_text (f, "SELECT status FROM work_orders WHERE id = 'WO-2'", NULL), "running");
  result = simple (f, AGG_ACTION_START_ORDER, ORDER);
  assert_outcome (result, AGG_OUTCOME_INVALID_STATE);
  g_clear_pointer (&result, agg_result_free);

  /* WO-2 packs lot DEMO02. */
  g_free (code);
  code = unit_data_full (GTIN, EXPIRY, "DEMO02", "B01");
  result = scan (f, code);
  assert_outcome (result, AGG_OUTCOME_ACCEPTED);
  assert_text (db_text (f, "SELECT order_id FROM units WHERE serial = 'B01'", NULL), "WO-2");
}

static void
test_list_orders (Fixture       *f,
                  gconstpointer  data)
{
  static const struct {
    const char *id;
    const char *status;
    const char *lot;
    gint64      planned;
    gint64      aggregated;
  } expected[] = {
    { "WO-2", "running", "DEMO02", 24, 0 },
    { ORDER, "suspended", LOT, 480, 1 },
    { "WO-3", "planned", "DEMO03", 36, 0 },
  };
  g_autoptr(AggResult) result = NULL;
  JsonArray *orders;

  result = simple (f, AGG_ACTION_LIST_ORDERS, NULL);
  assert_outcome (result, AGG_OUTCOME_NOT_LOGGED_IN);
  g_clear_pointer (&result, agg_result_free);

  login_ok (f, "operator", "1111");
  import (f, "{ \"work_orders\": ["
             " { \"id\": \"WO-3\", \"gtin\": \"" GTIN "\", \"lot\": \"DEMO03\","
             "   \"expiry\": \"" EXPIRY "\", \"planned\": 36 },"
             " { \"id\": \"WO-2\", \"gtin\": \"" GTIN "\", \"lot\": \"DEMO02\","
             "   \"expiry\": \"" EXPIRY "\", \"planned\": 24 } ] }");
  simple_ok (f, AGG_ACTION_START_ORDER, ORDER);
  result = scan_unit_ok (f, "A01");
  g_clear_pointer (&result, agg_result_free);
  simple_ok (f, AGG_ACTION_SUSPEND_ORDER, NULL);
  simple_ok (f, AGG_ACTION_START_ORDER, "WO-2");

  /* Running first, then by status and id. */
  result = simple (f, AGG_ACTION_LIST_ORDERS, NULL);
  assert_outcome (result, AGG_OUTCOME_ACCEPTED);
  orders = json_object_get_array_member (result->details, "orders");
  g_assert_nonnull (orders);
  g_assert_cmpuint (json_array_get_length (orders), ==, G_N_ELEMENTS (expected));
  for (guint i = 0; i < G_N_ELEMENTS (expected); i++)
    {
      JsonObject *order = json_array_get_object_element (orders, i);

      g_assert_cmpstr (json_object_get_string_member (order, "id"), ==, expected[i].id);
      g_assert_cmpstr (json_object_get_string_member (order, "status"), ==, expected[i].status);
      g_assert_cmpstr (json_object_get_string_member (order, "gtin"), ==, GTIN);
      g_assert_cmpstr (json_object_get_string_member (order, "description"), ==,
                       "Demo tablets 30 x 10 mg");
      g_assert_cmpstr (json_object_get_string_member (order, "lot"), ==, expected[i].lot);
      g_assert_cmpstr (json_object_get_string_member (order, "expiry"), ==, EXPIRY);
      g_assert_cmpint (json_object_get_int_member (order, "planned"), ==, expected[i].planned);
      g_assert_cmpint (json_object_get_int_member (order, "aggregated"), ==,
                       expected[i].aggregated);
    }
}

static void
test_scan_order (Fixture       *f,
                 gconstpointer  data)
{
  g_autoptr(AggResult) result = NULL;
  g_autofree char *before = NULL;
  g_autofree char *after = NULL;

  login_ok (f, "operator", "1111");

  /* With nothing running, the order's barcode starts it. */
  result = scan (f, "]C0" ORDER);
  assert_outcome (result, AGG_OUTCOME_ACCEPTED);
  g_assert_cmpstr (json_object_get_string_member (detail (result, "order"), "id"), ==, ORDER);
  g_clear_pointer (&result, agg_result_free);
  assert_text (db_text (f, "SELECT status FROM work_orders WHERE id = ?", ORDER, NULL), "running");

  /* While it runs, another order's barcode is no unit and starts nothing. */
  import (f, "{ \"work_orders\": [ { \"id\": \"WO-2\", \"gtin\": \"" GTIN "\","
             " \"lot\": \"DEMO02\", \"expiry\": \"" EXPIRY "\", \"planned\": 24 } ] }");
  before = db_state (f);
  result = scan_rejected (f, "]C0WO-2", AGG_OUTCOME_NOT_GS1);
  after = db_state (f);
  g_assert_cmpstr (after, ==, before);
  assert_text (db_text (f, "SELECT order_id FROM rejects ORDER BY id DESC LIMIT 1", NULL), ORDER);
  assert_text (db_text (f, "SELECT status FROM work_orders WHERE id = 'WO-2'", NULL), "planned");
}

/* The rules */

static void
test_rules (Fixture       *f,
            gconstpointer  data)
{
  g_autoptr(AggResult) result = NULL;
  g_autofree char *code = NULL;

  login_and_start (f);

  result = scan_unit_ok (f, "A01");
  g_assert_cmpstr (json_object_get_string_member (detail (result, "unit"), "gtin"), ==, GTIN);
  g_assert_cmpstr (json_object_get_string_member (detail (result, "unit"), "lot"), ==, LOT);
  g_assert_cmpstr (json_object_get_string_member (detail (result, "unit"), "expiry"), ==, EXPIRY);
  g_assert_false (json_object_get_boolean_member (result->details, "case_closed"));
  g_clear_pointer (&result, agg_result_free);
  assert_text (unit_status (f, "A01"), "aggregated");
  assert_text (db_text (f, "SELECT lot || ':' || expiry || ':' || order_id || ':' || announced"
                           " FROM units WHERE serial = 'A01'", NULL),
               LOT ":" EXPIRY ":" ORDER ":0");

  /* Not GS1 at all: a plain DataMatrix, plain text. */
  result = scan_rejected (f, "]d1HELLO", AGG_OUTCOME_NOT_GS1);
  g_clear_pointer (&result, agg_result_free);
  result = scan_rejected (f, "hello", AGG_OUTCOME_NOT_GS1);
  g_clear_pointer (&result, agg_result_free);

  /* GS1, but broken: a wrong check digit, month 13. */
  result = scan_rejected (f, "]d2" "0109506000134353" "17" EXPIRY "10" LOT "\x1d" "21" "A02",
                          AGG_OUTCOME_INVALID_GS1);
  g_assert_cmpstr (json_object_get_string_member (result->details, "ai"), ==, "01");
  g_clear_pointer (&result, agg_result_free);
  result = scan_rejected (f, "]d2" "01" GTIN "17281331" "10" LOT "\x1d" "21" "A02",
                          AGG_OUTCOME_INVALID_GS1);
  g_assert_cmpstr (json_object_get_string_member (result->details, "ai"), ==, "17");
  g_clear_pointer (&result, agg_result_free);

  /* A GTIN, an expiry and a lot, but no serial number. */
  result = scan_rejected (f, "]d2" "01" GTIN "17" EXPIRY "10" LOT, AGG_OUTCOME_NOT_A_UNIT);
  g_clear_pointer (&result, agg_result_free);

  code = unit_data_full (OTHER_GTIN, EXPIRY, LOT, "A02");
  result = scan_rejected (f, code, AGG_OUTCOME_WRONG_PRODUCT);
  g_assert_cmpstr (json_object_get_string_member (detail (result, "unit"), "gtin"), ==,
                   OTHER_GTIN);
  g_clear_pointer (&result, agg_result_free);
  g_free (code);

  code = unit_data_full (GTIN, EXPIRY, "DEMO02", "A02");
  result = scan_rejected (f, code, AGG_OUTCOME_WRONG_LOT);
  g_assert_nonnull (strstr (result->message, "DEMO02"));
  g_assert_nonnull (strstr (result->message, "DEMO01"));
  g_clear_pointer (&result, agg_result_free);
  g_free (code);

  code = unit_data_full (GTIN, "291231", LOT, "A02");
  result = scan_rejected (f, code, AGG_OUTCOME_WRONG_EXPIRY);
  g_clear_pointer (&result, agg_result_free);
  g_free (code);

  code = unit_data ("A01");
  result = scan_rejected (f, code, AGG_OUTCOME_DUPLICATE_IN_THIS_CASE);
  g_clear_pointer (&result, agg_result_free);

  /* The rejects name the unit when the code did, and the order. */
  g_assert_cmpint (db_int (f, "SELECT count (*) FROM rejects WHERE order_id = ?", ORDER, NULL),
                   ==, 9);
  assert_text (db_text (f, "SELECT group_concat (outcome || '=' || ifnull (serial, '-'), ' ')"
                           " FROM (SELECT * FROM rejects ORDER BY id)", NULL),
               "NOT_GS1=- NOT_GS1=- INVALID_GS1=- INVALID_GS1=- NOT_A_UNIT=-"
               " WRONG_PRODUCT=A02 WRONG_LOT=A02 WRONG_EXPIRY=A02 DUPLICATE_IN_THIS_CASE=A01");
  assert_text (db_text (f, "SELECT DISTINCT source || ':' || u.username FROM rejects r"
                           " JOIN users u ON u.id = r.user_id", NULL), "reader-1:operator");

  /* After all that, the next good unit still goes in. */
  result = scan_unit_ok (f, "A02");
  g_assert_cmpint (json_object_get_int_member (detail (result, "case"), "count"), ==, 2);
}

static void
test_already_aggregated (Fixture       *f,
                         gconstpointer  data)
{
  g_autoptr(AggResult) result = NULL;
  g_autofree char *sscc = NULL;
  g_autofree char *code = unit_data ("A05");

  login_and_start (f);
  sscc = fill_case (f, "A", UNITS_PER_CASE);

  /* No case is open now: the refusal opens none. */
  result = scan_rejected (f, code, AGG_OUTCOME_ALREADY_AGGREGATED);
  g_assert_nonnull (strstr (result->message, sscc));
  g_clear_pointer (&result, agg_result_free);

  /* Nor does a second case take it. */
  result = scan_unit_ok (f, "B01");
  g_clear_pointer (&result, agg_result_free);
  result = scan_rejected (f, code, AGG_OUTCOME_ALREADY_AGGREGATED);
  g_assert_nonnull (strstr (result->message, sscc));
  assert_text (case_of (f, "A05"), sscc);
}

static void
test_unit_decommissioned (Fixture       *f,
                          gconstpointer  data)
{
  g_autoptr(AggResult) result = NULL;
  g_autofree char *key = unit_key ("A02");
  g_autofree char *code = unit_data ("A02");

  login_and_start (f);
  g_free (fill_case (f, "A", 3));

  correct_ok (f, AGG_ACTION_DECOMMISSION, key, NULL, FALSE);
  assert_text (unit_status (f, "A02"), "decommissioned");

  result = scan_rejected (f, code, AGG_OUTCOME_UNIT_DECOMMISSIONED);
  g_assert_null (case_of (f, "A02"));
}

static void
test_expired (Fixture       *f,
              gconstpointer  data)
{
  static const char json[] =
    "{ \"products\": [ { \"gtin\": \"09506000134383\", \"description\": \"Old stock\","
    " \"units_per_case\": 10, \"cases_per_pallet\": 2,"
    " \"require_future_expiry\": true } ],"
    " \"work_orders\": [ { \"id\": \"WO-OLD\", \"gtin\": \"09506000134383\","
    " \"lot\": \"OLD1\", \"expiry\": \"200131\", \"planned\": 10 } ] }";
  g_autoptr(AggResult) result = NULL;
  g_autofree char *code = NULL;

  import_and_start (f, json, "WO-OLD");

  code = unit_data_full ("09506000134383", "200131", "OLD1", "S1");
  result = scan_rejected (f, code, AGG_OUTCOME_EXPIRED);
  g_assert_nonnull (strstr (result->message, "200131"));
  g_assert_cmpint (count_rows (f, "units"), ==, 0);
  g_assert_cmpint (count_rows (f, "containers"), ==, 0);
}

static void
test_not_commissioned (Fixture       *f,
                       gconstpointer  data)
{
  static const char json[] =
    "{ \"products\": [ { \"gtin\": \"09506000134390\", \"description\": \"Listed\","
    " \"units_per_case\": 10, \"cases_per_pallet\": 2,"
    " \"require_serial_list\": true } ],"
    " \"work_orders\": [ { \"id\": \"WO-LIST\", \"gtin\": \"09506000134390\","
    " \"lot\": \"L1\", \"expiry\": \"" EXPIRY "\", \"planned\": 2,"
    " \"serials\": [ \"S1\", \"S2\" ] } ] }";
  g_autoptr(AggResult) result = NULL;
  g_autofree char *code = NULL;

  import_and_start (f, json, "WO-LIST");

  code = unit_data_full ("09506000134390", EXPIRY, "L1", "S3");
  result = scan_rejected (f, code, AGG_OUTCOME_NOT_COMMISSIONED);
  g_assert_nonnull (strstr (result->message, "S3"));
  g_clear_pointer (&result, agg_result_free);
  g_free (code);

  code = unit_data_full ("09506000134390", EXPIRY, "L1", "S1");
  result = scan (f, code);
  assert_outcome (result, AGG_OUTCOME_ACCEPTED);
  assert_text (db_text (f, "SELECT status || ':' || order_id FROM units WHERE serial = 'S1'",
                        NULL), "aggregated:WO-LIST");
}

static void
test_case_full (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(AggResult) result = NULL;
  g_autofree char *sscc = NULL;
  g_autofree char *code = unit_data ("A13");

  set_setting (f, "auto_close", "0");
  login_and_start (f);
  sscc = fill_case (f, "A", UNITS_PER_CASE);

  /* Without auto-close the full case stays open … */
  assert_text (container_status (f, sscc), "open");
  g_assert_cmpint (count_rows (f, "events"), ==, 1);

  /* … and refuses a thirteenth unit. */
  result = scan_rejected (f, code, AGG_OUTCOME_CASE_FULL);
  g_assert_nonnull (strstr (result->message, sscc));
  g_clear_pointer (&result, agg_result_free);

  /* Closing it by hand needs no signature: it is full. */
  result = simple (f, AGG_ACTION_CLOSE_CASE, NULL);
  assert_outcome (result, AGG_OUTCOME_ACCEPTED);
  g_assert_cmpstr (json_object_get_string_member (detail (result, "case"), "status"), ==,
                   "closed");
  assert_text (container_status (f, sscc), "closed");
  g_assert_null (db_text (f, "SELECT partial_reason FROM containers WHERE sscc = ?", sscc, NULL));
  g_clear_pointer (&result, agg_result_free);

  result = scan (f, code);
  assert_outcome (result, AGG_OUTCOME_ACCEPTED);
  g_assert_cmpstr (json_object_get_string_member (detail (result, "case"), "sscc"), !=, sscc);
}

static void
test_no_open_case (Fixture       *f,
                   gconstpointer  data)
{
  static const char json[] =
    "{ \"products\": [ { \"gtin\": \"09506000134406\", \"description\": \"Labelled\","
    " \"units_per_case\": 2, \"cases_per_pallet\": 2, \"case_code\": \"scan\" } ],"
    " \"work_orders\": [ { \"id\": \"WO-SCAN\", \"gtin\": \"09506000134406\","
    " \"lot\": \"L1\", \"expiry\": \"" EXPIRY "\", \"planned\": 4 } ] }";
  g_autoptr(AggResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *code = NULL;
  g_autofree char *sscc = agg_gs1_sscc_make ("0950601", 0, 42, &error);
  g_autofree char *label = NULL;

  g_assert_no_error (error);
  label = case_label (sscc);

  import_and_start (f, json, "WO-SCAN");

  code = unit_data_full ("09506000134406", EXPIRY, "L1", "S1");
  result = scan_rejected (f, code, AGG_OUTCOME_NO_OPEN_CASE);
  g_clear_pointer (&result, agg_result_free);
  g_assert_cmpint (count_rows (f, "containers"), ==, 0);

  /* The pre-printed label opens the case, with the SSCC on it. */
  result = scan (f, label);
  assert_outcome (result, AGG_OUTCOME_ACCEPTED);
  g_assert_cmpstr (json_object_get_string_member (detail (result, "case"), "sscc"), ==, sscc);
  g_clear_pointer (&result, agg_result_free);
  assert_text (container_status (f, sscc), "open");
  assert_text (db_text (f, "SELECT kind || ':' || order_id FROM containers WHERE sscc = ?",
                        sscc, NULL), "case:WO-SCAN");
  /* The station's own range is untouched. */
  g_assert_cmpint (db_int (f, "SELECT next_ref FROM sscc_ranges", NULL), ==, 1);

  result = scan (f, code);
  assert_outcome (result, AGG_OUTCOME_ACCEPTED);
  g_assert_cmpstr (json_object_get_string_member (detail (result, "case"), "sscc"), ==, sscc);
  g_clear_pointer (&result, agg_result_free);
  g_free (code);

  code = unit_data_full ("09506000134406", EXPIRY, "L1", "S2");
  result = scan (f, code);
  assert_outcome (result, AGG_OUTCOME_ACCEPTED);
  g_assert_true (json_object_get_boolean_member (result->details, "case_closed"));
  g_clear_pointer (&result, agg_result_free);
  g_free (code);

  /* Full and closed: the next unit again waits for a label. */
  code = unit_data_full ("09506000134406", EXPIRY, "L1", "S3");
  result = scan_rejected (f, code, AGG_OUTCOME_NO_OPEN_CASE);
  g_clear_pointer (&result, agg_result_free);

  /* A label typed from its digits opens the next case as well. */
  g_free (sscc);
  sscc = agg_gs1_sscc_make ("0950601", 0, 43, NULL);
  result = scan (f, sscc);
  assert_outcome (result, AGG_OUTCOME_ACCEPTED);
  g_assert_cmpstr (json_object_get_string_member (detail (result, "case"), "sscc"), ==, sscc);
  g_clear_pointer (&result, agg_result_free);
  result = scan (f, code);
  assert_outcome (result, AGG_OUTCOME_ACCEPTED);
  g_assert_cmpstr (json_object_get_string_member (detail (result, "case"), "sscc"), ==, sscc);
}

static void
test_sscc_exhausted (Fixture       *f,
                     gconstpointer  data)
{
  g_autoptr(AggResult) result = NULL;
  g_autofree char *code = unit_data ("B01");
  g_autofree char *expected = NULL;
  const char *sscc;

  login_and_start (f);

  /* Running low is said with the case that uses one of the last SSCCs. */
  agg_test_exec (f->station.store, "UPDATE sscc_ranges SET next_ref = last_ref - 5");
  result = scan_unit_ok (f, "A01");
  g_assert_true (json_object_get_boolean_member (result->details, "sscc_range_low"));
  sscc = json_object_get_string_member (detail (result, "case"), "sscc");
  expected = agg_gs1_sscc_make (PREFIX, 0, 999999999 - 5, NULL);
  g_assert_cmpstr (sscc, ==, expected);
  g_clear_pointer (&result, agg_result_free);
  g_assert_cmpint (db_int (f, "SELECT last_ref - next_ref FROM sscc_ranges", NULL), ==, 4);

  /* Used up: the unit that would need a new case is refused. */
  correct_ok (f, AGG_ACTION_UNPACK, expected, NULL, FALSE);
  agg_test_exec (f->station.store, "UPDATE sscc_ranges SET next_ref = last_ref + 1");
  result = scan_rejected (f, code, AGG_OUTCOME_SSCC_RANGE_EXHAUSTED);
  g_assert_cmpint (count_rows (f, "units"), ==, 1);
  g_assert_cmpint (count_rows (f, "containers"), ==, 1);
  g_assert_null (unit_status (f, "B01"));
}

/* What a product allows: past expiry dates, several lots. */
static void
test_product_options (Fixture       *f,
                      gconstpointer  data)
{
  static const char json[] =
    "{ \"products\": [ { \"gtin\": \"09506000134383\", \"description\": \"Bulk\","
    " \"units_per_case\": 10, \"cases_per_pallet\": 2,"
    " \"require_future_expiry\": false, \"allow_mixed_lots\": true } ],"
    " \"work_orders\": [ { \"id\": \"WO-BULK\", \"gtin\": \"09506000134383\","
    " \"lot\": \"L1\", \"expiry\": \"200131\", \"planned\": 10 } ] }";
  g_autoptr(AggResult) result = NULL;
  g_autofree char *code = NULL;

  import_and_start (f, json, "WO-BULK");

  code = unit_data_full ("09506000134383", "200131", "L1", "S1");
  result = scan (f, code);
  assert_outcome (result, AGG_OUTCOME_ACCEPTED);
  g_clear_pointer (&result, agg_result_free);
  g_free (code);

  code = unit_data_full ("09506000134383", "200131", "L2", "S2");
  result = scan (f, code);
  assert_outcome (result, AGG_OUTCOME_ACCEPTED);
  g_clear_pointer (&result, agg_result_free);
  assert_text (db_text (f, "SELECT group_concat (lot, ',') FROM (SELECT lot FROM units"
                           " ORDER BY id)", NULL), "L1,L2");
  g_free (code);

  /* The expiry date still has to be the order's. */
  code = unit_data_full ("09506000134383", "200229", "L2", "S3");
  result = scan_rejected (f, code, AGG_OUTCOME_WRONG_EXPIRY);
}

/* Signatures */

static void
test_signatures (Fixture       *f,
                 gconstpointer  data)
{
  g_autoptr(AggRequest) request = NULL;
  g_autoptr(AggResult) result = NULL;
  g_autofree char *key = unit_key ("A01");
  gint64 n_audit;

  login_and_start (f);
  g_free (fill_case (f, "A", 2));
  n_audit = count_rows (f, "audit");

  request = correction_new (AGG_ACTION_REMOVE_UNIT, key, "damaged");

  /* Unsigned: the answer says what the signature will mean. */
  result = execute_refused (f, request, AGG_OUTCOME_SIGNATURE_REQUIRED);
  g_assert_true (json_object_has_member (result->details, "meaning"));
  g_assert_cmpstr (json_object_get_string_member (result->details, "meaning"), !=, "");
  g_assert_nonnull (strstr (json_object_get_string_member (result->details, "meaning"), key));
  g_assert_cmpstr (json_object_get_string_member (result->details, "role"), ==, "supervisor");
  g_clear_pointer (&result, agg_result_free);
  g_assert_cmpint (count_rows (f, "audit"), ==, n_audit);

  /* An operator may not sign it. */
  sign (request, "operator", "1111");
  result = execute_refused (f, request, AGG_OUTCOME_NOT_PERMITTED);
  g_clear_pointer (&result, agg_result_free);

  /* A wrong PIN is refused, and counts as a failed attempt. */
  sign (request, "supervisor", "2223");
  result = execute_refused (f, request, AGG_OUTCOME_BAD_CREDENTIALS);
  g_clear_pointer (&result, agg_result_free);
  g_assert_cmpint (db_int (f, "SELECT failed_attempts FROM users WHERE username = 'supervisor'",
                           NULL), ==, 1);

  /* The supervisor's signature is accepted. */
  sign (request, "supervisor", "2222");
  result = execute (f, request);
  assert_outcome (result, AGG_OUTCOME_ACCEPTED);
  assert_text (unit_status (f, "A01"), "removed");
  g_free (assert_signed_audit (f, "unit.remove", key, "damaged"));

  /* So is an administrator's. */
  g_clear_pointer (&result, agg_result_free);
  g_free (key);
  key = unit_key ("A02");
  g_free (request->code);
  request->code = g_strdup (key);
  sign (request, "admin", "3333");
  result = execute (f, request);
  assert_outcome (result, AGG_OUTCOME_ACCEPTED);
  {
    g_autoptr(AuditRow) row = audit_find (f, "unit.remove", key);

    g_assert_nonnull (row);
    g_assert_cmpstr (row->signer, ==, "admin");
  }
}

/* Cases */

static void
test_case_auto_close (Fixture       *f,
                      gconstpointer  data)
{
  g_autoptr(AggResult) result = NULL;
  g_autoptr(GPtrArray) events = NULL;
  g_autoptr(GPtrArray) uris = unit_uris ("A", 1, UNITS_PER_CASE);
  g_autoptr(GError) error = NULL;
  g_autofree char *sscc = NULL;
  g_autofree char *uri = NULL;
  g_autofree char *second = NULL;
  const char *closed_sscc;
  Event *event;

  login_and_start (f);

  result = scan_unit_ok (f, "A01");
  sscc = g_strdup (json_object_get_string_member (detail (result, "case"), "sscc"));
  g_clear_pointer (&result, agg_result_free);
  uri = sscc_uri (sscc);

  /* The SSCC is the station's: valid, from its prefix and extension. */
  g_assert_cmpuint (strlen (sscc), ==, 18);
  g_assert_true (agg_gs1_sscc_check (sscc, &error));
  g_assert_no_error (error);
  g_assert_true (g_str_has_prefix (sscc, "0" PREFIX));
  g_assert_cmpint (db_int (f, "SELECT next_ref FROM sscc_ranges", NULL), ==, 2);

  /* Opening the case commissions its SSCC. */
  events = events_after (f, 0, 1);
  event = g_ptr_array_index (events, 0);
  assert_event (event, "ObjectEvent", "ADD", "commissioning", "active", NULL,
                (const char *[]) { uri, NULL });
  g_assert_cmpstr (event->order_id, ==, ORDER);
  g_clear_pointer (&events, g_ptr_array_unref);
  {
    g_autoptr(AuditRow) row = audit_find (f, "case.open", sscc);

    g_assert_nonnull (row);
    g_assert_cmpint (db_int (f, "SELECT audit_id FROM events", NULL), ==, row->id);
  }

  for (guint i = 2; i < UNITS_PER_CASE; i++)
    {
      g_autofree char *serial = serial_name ("A", i);

      result = scan_unit_ok (f, serial);
      g_assert_cmpint (json_object_get_int_member (detail (result, "case"), "count"), ==, i);
      g_assert_cmpint (json_object_get_int_member (detail (result, "case"), "capacity"), ==,
                       UNITS_PER_CASE);
      g_assert_false (json_object_get_boolean_member (result->details, "case_closed"));
      g_clear_pointer (&result, agg_result_free);
    }
  g_assert_cmpint (count_rows (f, "events"), ==, 1);
  assert_text (container_status (f, sscc), "open");

  /* The twelfth closes the case. */
  result = scan_unit_ok (f, "A12");
  g_assert_true (json_object_get_boolean_member (result->details, "case_closed"));
  closed_sscc = json_object_get_string_member (detail (result, "case"), "sscc");
  g_assert_cmpstr (closed_sscc, ==, sscc);
  g_assert_cmpstr (json_object_get_string_member (detail (result, "case"), "status"), ==,
                   "closed");
  g_assert_cmpint (json_object_get_int_member (detail (result, "case"), "count"), ==,
                   UNITS_PER_CASE);
  g_clear_pointer (&result, agg_result_free);

  assert_text (container_status (f, sscc), "closed");
  g_assert_nonnull (db_text (f, "SELECT closed_at FROM containers WHERE sscc = ?", sscc, NULL));
  g_assert_cmpint (db_int (f, "SELECT count (*) FROM units WHERE announced = 1", NULL), ==,
                   UNITS_PER_CASE);
  g_assert_cmpint (units_in (f, sscc), ==, UNITS_PER_CASE);

  events = events_after (f, 1, 1);
  event = g_ptr_array_index (events, 0);
  assert_event (event, "AggregationEvent", "ADD", "packing", "in_progress", uri,
                (const char *const *) uris->pdata);
  /* In the order they went in. */
  for (guint i = 0; i < UNITS_PER_CASE; i++)
    g_assert_cmpstr (event->epcs[i], ==, g_ptr_array_index (uris, i));
  {
    g_autoptr(AuditRow) row = audit_find (f, "case.close", sscc);

    g_assert_nonnull (row);
    g_assert_cmpstr (row->new_value, ==, "12");
    g_assert_null (row->signer);
    g_assert_cmpint (event->audit_id, ==, row->id);
  }
  g_clear_pointer (&events, g_ptr_array_unref);

  /* The next unit opens a new case, with the next SSCC. */
  result = scan_unit_ok (f, "B01");
  second = g_strdup (json_object_get_string_member (detail (result, "case"), "sscc"));
  g_assert_cmpstr (second, !=, sscc);
  g_assert_true (agg_gs1_sscc_check (second, &error));
  g_assert_no_error (error);
  g_assert_true (g_str_has_prefix (second, "0" PREFIX));
  g_assert_cmpint (db_int (f, "SELECT count (DISTINCT sscc) FROM containers", NULL), ==, 2);

  /* Closing a case with nothing open says so. */
  g_clear_pointer (&result, agg_result_free);
  g_free (fill_case (f, "C", UNITS_PER_CASE - 1));
  assert_text (container_status (f, second), "closed");
  result = simple (f, AGG_ACTION_CLOSE_CASE, NULL);
  assert_outcome (result, AGG_OUTCOME_NO_OPEN_CASE);
}

static void
test_partial_close (Fixture       *f,
                    gconstpointer  data)
{
  g_autoptr(AggRequest) request = NULL;
  g_autoptr(AggResult) result = NULL;
  g_autoptr(GPtrArray) events = NULL;
  g_autoptr(GPtrArray) uris = unit_uris ("A", 1, 5);
  g_autoptr(AuditRow) row = NULL;
  g_autofree char *sscc = NULL;
  g_autofree char *uri = NULL;
  gint64 last_event;

  login_and_start (f);
  sscc = fill_case (f, "A", 5);
  uri = sscc_uri (sscc);
  last_event = last_id (f, "events");

  request = agg_request_new (AGG_ACTION_CLOSE_CASE);

  /* No reason: refused. */
  result = execute_refused (f, request, AGG_OUTCOME_NOT_PERMITTED);
  g_clear_pointer (&result, agg_result_free);

  /* A reason, but no signature. */
  request->reason = g_strdup ("end of the lot");
  result = execute_refused (f, request, AGG_OUTCOME_SIGNATURE_REQUIRED);
  g_assert_nonnull (strstr (json_object_get_string_member (result->details, "meaning"), sscc));
  g_clear_pointer (&result, agg_result_free);

  /* The operator's own signature is not enough. */
  sign (request, "operator", "1111");
  result = execute_refused (f, request, AGG_OUTCOME_NOT_PERMITTED);
  g_clear_pointer (&result, agg_result_free);

  sign (request, "supervisor", "2222");
  result = execute (f, request);
  assert_outcome (result, AGG_OUTCOME_ACCEPTED);
  g_assert_cmpstr (json_object_get_string_member (detail (result, "case"), "sscc"), ==, sscc);
  g_assert_cmpint (json_object_get_int_member (detail (result, "case"), "count"), ==, 5);

  assert_text (container_status (f, sscc), "closed");
  assert_text (db_text (f, "SELECT partial_reason FROM containers WHERE sscc = ?", sscc, NULL),
               "end of the lot");
  row = assert_signed_audit (f, "case.close", sscc, "end of the lot");
  g_assert_cmpstr (row->new_value, ==, "5");

  events = events_after (f, last_event, 1);
  assert_event (g_ptr_array_index (events, 0), "AggregationEvent", "ADD", "packing",
                "in_progress", uri, (const char *const *) uris->pdata);
}

/* Pallets */

static void
test_pallet (Fixture       *f,
             gconstpointer  data)
{
  g_autoptr(AggResult) result = NULL;
  g_autoptr(GPtrArray) events = NULL;
  g_autofree char *pallet = NULL;
  g_autofree char *pallet_uri = NULL;
  g_autofree char *open_case = NULL;
  g_autofree char *label = NULL;
  char *ssccs[CASES_PER_PALLET] = { NULL };
  char *uris[CASES_PER_PALLET + 1] = { NULL };
  const char *prefixes[] = { "A", "B", "C", "D" };
  gint64 last_event;
  Event *event;

  login_and_start (f);
  for (guint i = 0; i < CASES_PER_PALLET; i++)
    {
      ssccs[i] = fill_case (f, prefixes[i], UNITS_PER_CASE);
      uris[i] = sscc_uri (ssccs[i]);
    }
  result = scan_unit_ok (f, "E01");
  open_case = g_strdup (json_object_get_string_member (detail (result, "case"), "sscc"));
  g_clear_pointer (&result, agg_result_free);

  /* The first case label starts a pallet, with an SSCC of its own. */
  last_event = last_id (f, "events");
  result = scan_case_label (f, ssccs[0]);
  assert_outcome (result, AGG_OUTCOME_ACCEPTED);
  g_assert_false (json_object_get_boolean_member (result->details, "pallet_closed"));
  pallet = g_strdup (json_object_get_string_member (detail (result, "pallet"), "sscc"));
  g_assert_cmpstr (json_object_get_string_member (detail (result, "case"), "sscc"), ==,
                   ssccs[0]);
  g_clear_pointer (&result, agg_result_free);
  pallet_uri = sscc_uri (pallet);
  g_assert_true (agg_gs1_sscc_check (pallet, NULL));
  g_assert_true (g_str_has_prefix (pallet, "0" PREFIX));
  for (guint i = 0; i < CASES_PER_PALLET; i++)
    g_assert_cmpstr (pallet, !=, ssccs[i]);
  assert_text (db_text (f, "SELECT kind || ':' || status FROM containers WHERE sscc = ?",
                        pallet, NULL), "pallet:open");
  assert_text (parent_of (f, ssccs[0]), pallet);

  events = events_after (f, last_event, 1);
  assert_event (g_ptr_array_index (events, 0), "ObjectEvent", "ADD", "commissioning", "active",
                NULL, (const char *[]) { pallet_uri, NULL });
  g_clear_pointer (&events, g_ptr_array_unref);

  /* The same case again is refused, as is a case still open. */
  result = scan_case_label (f, ssccs[0]);
  assert_outcome (result, AGG_OUTCOME_DUPLICATE_IN_THIS_CASE);
  g_clear_pointer (&result, agg_result_free);
  result = scan_case_label (f, open_case);
  assert_outcome (result, AGG_OUTCOME_INVALID_STATE);
  g_clear_pointer (&result, agg_result_free);
  g_assert_null (parent_of (f, open_case));

  /* The bracketed form is as good as scan data. */
  label = g_strconcat ("(00)", ssccs[1], NULL);
  result = scan (f, label);
  assert_outcome (result, AGG_OUTCOME_ACCEPTED);
  g_clear_pointer (&result, agg_result_free);
  result = scan_case_label (f, ssccs[2]);
  assert_outcome (result, AGG_OUTCOME_ACCEPTED);
  g_assert_cmpint (json_object_get_int_member (detail (result, "pallet"), "count"), ==, 3);
  g_clear_pointer (&result, agg_result_free);

  /* On the pallet page a unit stands for its case; the fourth case
   * completes the pallet. */
  simple_ok (f, AGG_ACTION_SET_MODE, "pallet");
  last_event = last_id (f, "events");
  result = scan_unit (f, "D07");
  assert_outcome (result, AGG_OUTCOME_ACCEPTED);
  g_assert_true (json_object_get_boolean_member (result->details, "pallet_closed"));
  g_assert_cmpstr (json_object_get_string_member (detail (result, "case"), "sscc"), ==,
                   ssccs[3]);
  g_assert_cmpstr (json_object_get_string_member (detail (result, "pallet"), "status"), ==,
                   "closed");
  g_clear_pointer (&result, agg_result_free);

  assert_text (container_status (f, pallet), "closed");
  for (guint i = 0; i < CASES_PER_PALLET; i++)
    assert_text (parent_of (f, ssccs[i]), pallet);
  g_assert_cmpint (db_int (f, "SELECT count (*) FROM containers WHERE kind = 'case'"
                              " AND announced = 1", NULL), ==, CASES_PER_PALLET);
  events = events_after (f, last_event, 1);
  event = g_ptr_array_index (events, 0);
  assert_event (event, "AggregationEvent", "ADD", "packing", "in_progress", pallet_uri,
                (const char *const *) uris);
  g_clear_pointer (&events, g_ptr_array_unref);
  {
    g_autoptr(AuditRow) row = audit_find (f, "pallet.close", pallet);

    g_assert_nonnull (row);
    g_assert_cmpstr (row->new_value, ==, "4");
  }

  /* A unit in no case has no case to stand for. */
  {
    g_autofree char *loose = unit_data ("Z01");

    result = scan_rejected (f, loose, AGG_OUTCOME_NOT_FOUND);
    g_clear_pointer (&result, agg_result_free);
  }

  /* Back to packing: units go into the open case again. */
  simple_ok (f, AGG_ACTION_SET_MODE, "case");
  result = scan_unit_ok (f, "E02");
  g_assert_cmpstr (json_object_get_string_member (detail (result, "case"), "sscc"), ==,
                   open_case);
  g_clear_pointer (&result, agg_result_free);

  result = simple (f, AGG_ACTION_SET_MODE, "crate");
  assert_outcome (result, AGG_OUTCOME_BAD_REQUEST);

  strings_clear (ssccs, G_N_ELEMENTS (ssccs));
  strings_clear (uris, G_N_ELEMENTS (uris));
}

/* A case label typed from its human-readable line: 18 digits. */
static void
test_pallet_bare_sscc (Fixture       *f,
                       gconstpointer  data)
{
  g_autoptr(AggResult) result = NULL;
  g_autofree char *sscc = NULL;
  g_autofree char *second = NULL;
  g_autofree char *label = NULL;
  g_autofree char *bad = NULL;

  login_and_start (f);
  sscc = fill_case (f, "A", UNITS_PER_CASE);
  second = fill_case (f, "B", UNITS_PER_CASE);

  result = scan (f, sscc);
  assert_outcome (result, AGG_OUTCOME_ACCEPTED);
  g_assert_cmpstr (json_object_get_string_member (detail (result, "case"), "sscc"), ==, sscc);
  g_assert_nonnull (parent_of (f, sscc));
  g_clear_pointer (&result, agg_result_free);

  /* Eighteen digits with a wrong check digit are no SSCC. */
  bad = g_strdup (second);
  bad[17] = bad[17] == '9' ? '0' : bad[17] + 1;
  result = scan_rejected (f, bad, AGG_OUTCOME_INVALID_GS1);
  g_clear_pointer (&result, agg_result_free);

  /* With no order running, either form of the label is refused, and
   * logged alike. */
  simple_ok (f, AGG_ACTION_SUSPEND_ORDER, NULL);
  label = case_label (second);
  result = scan_rejected (f, label, AGG_OUTCOME_NO_RUNNING_ORDER);
  g_clear_pointer (&result, agg_result_free);
  result = scan_rejected (f, second, AGG_OUTCOME_NO_RUNNING_ORDER);
  g_assert_null (parent_of (f, second));
}

/* Corrections */

static void
test_remove_unit (Fixture       *f,
                  gconstpointer  data)
{
  g_autoptr(GPtrArray) events = NULL;
  g_autofree char *sscc = NULL;
  g_autofree char *open_sscc = NULL;
  g_autofree char *uri = NULL;
  g_autofree char *a05 = unit_key ("A05");
  g_autofree char *a05_uri = unit_uri ("A05");
  g_autofree char *b01 = unit_key ("B01");
  gint64 last_event;
  Event *event;

  login_and_start (f);
  sscc = fill_case (f, "A", UNITS_PER_CASE);
  uri = sscc_uri (sscc);
  open_sscc = fill_case (f, "B", 2);

  /* From a closed case: the outbox takes the unit back out. */
  last_event = last_id (f, "events");
  correct_ok (f, AGG_ACTION_REMOVE_UNIT, a05, NULL, FALSE);
  assert_text (unit_status (f, "A05"), "removed");
  g_assert_null (case_of (f, "A05"));
  g_assert_cmpint (units_in (f, sscc), ==, UNITS_PER_CASE - 1);
  assert_text (db_text (f, "SELECT announced FROM units WHERE serial = 'A05'", NULL), "0");
  {
    g_autoptr(AuditRow) row = assert_signed_audit (f, "unit.remove", a05, "test correction");

    g_assert_cmpstr (row->old_value, ==, sscc);
    g_assert_cmpstr (row->new_value, ==, "removed");

    events = events_after (f, last_event, 1);
    event = g_ptr_array_index (events, 0);
    assert_event (event, "AggregationEvent", "DELETE", "unpacking", NULL, uri,
                  (const char *[]) { a05_uri, NULL });
    g_assert_cmpint (event->audit_id, ==, row->id);
    g_clear_pointer (&events, g_ptr_array_unref);
  }

  /* From an open case: nothing was announced, so nothing to take back. */
  last_event = last_id (f, "events");
  correct_ok (f, AGG_ACTION_REMOVE_UNIT, b01, NULL, FALSE);
  assert_text (unit_status (f, "B01"), "removed");
  g_assert_cmpint (units_in (f, open_sscc), ==, 1);
  g_assert_cmpint (last_id (f, "events"), ==, last_event);
  g_free (assert_signed_audit (f, "unit.remove", b01, "test correction"));

  /* Once out, it cannot come out again; unknown units are not found. */
  correct_refused (f, AGG_ACTION_REMOVE_UNIT, b01, NULL, AGG_OUTCOME_INVALID_STATE);
  {
    g_autofree char *unknown = unit_key ("NOPE");

    correct_refused (f, AGG_ACTION_REMOVE_UNIT, unknown, NULL, AGG_OUTCOME_NOT_FOUND);
  }

  /* A removed unit may be packed again. */
  {
    g_autoptr(AggResult) result = scan_unit_ok (f, "A05");

    g_assert_cmpstr (json_object_get_string_member (detail (result, "case"), "sscc"), ==,
                     open_sscc);
    assert_text (unit_status (f, "A05"), "aggregated");
  }
}

static void
test_replace_unit (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(GPtrArray) events = NULL;
  g_autofree char *sscc = NULL;
  g_autofree char *open_sscc = NULL;
  g_autofree char *uri = NULL;
  g_autofree char *a03 = unit_key ("A03");
  g_autofree char *a03_uri = unit_uri ("A03");
  g_autofree char *x01 = unit_data ("X01");
  g_autofree char *x01_uri = unit_uri ("X01");
  g_autofree char *b01 = unit_key ("B01");
  g_autofree char *x02 = unit_data ("X02");
  g_autofree char *wrong_lot = unit_data_full (GTIN, EXPIRY, "DEMO02", "X03");
  g_autofree char *a04 = unit_data ("A04");
  gint64 last_event;

  login_and_start (f);
  sscc = fill_case (f, "A", UNITS_PER_CASE);
  uri = sscc_uri (sscc);
  open_sscc = fill_case (f, "B", 2);

  /* The newcomer passes the rules of a scan. */
  correct_refused (f, AGG_ACTION_REPLACE_UNIT, a03, wrong_lot, AGG_OUTCOME_WRONG_LOT);
  correct_refused (f, AGG_ACTION_REPLACE_UNIT, a03, a04, AGG_OUTCOME_DUPLICATE_IN_THIS_CASE);
  correct_refused (f, AGG_ACTION_REPLACE_UNIT, a03, NULL, AGG_OUTCOME_BAD_REQUEST);

  /* In a closed case: the old unit out, the new one in, both announced. */
  last_event = last_id (f, "events");
  correct_ok (f, AGG_ACTION_REPLACE_UNIT, a03, x01, FALSE);
  assert_text (unit_status (f, "A03"), "removed");
  g_assert_null (case_of (f, "A03"));
  assert_text (unit_status (f, "X01"), "aggregated");
  assert_text (case_of (f, "X01"), sscc);
  assert_text (db_text (f, "SELECT announced FROM units WHERE serial = 'X01'", NULL), "1");
  g_assert_cmpint (units_in (f, sscc), ==, UNITS_PER_CASE);
  {
    g_autoptr(AuditRow) row = assert_signed_audit (f, "unit.replace", a03, "test correction");
    g_autofree char *x01_key = unit_key ("X01");

    g_assert_cmpstr (row->new_value, ==, x01_key);
  }
  events = events_after (f, last_event, 2);
  assert_event (g_ptr_array_index (events, 0), "AggregationEvent", "DELETE", "unpacking", NULL,
                uri, (const char *[]) { a03_uri, NULL });
  assert_event (g_ptr_array_index (events, 1), "AggregationEvent", "ADD", "packing",
                "in_progress", uri, (const char *[]) { x01_uri, NULL });
  g_clear_pointer (&events, g_ptr_array_unref);

  /* In an open case the close announces the newcomer later. */
  last_event = last_id (f, "events");
  correct_ok (f, AGG_ACTION_REPLACE_UNIT, b01, x02, FALSE);
  assert_text (unit_status (f, "B01"), "removed");
  assert_text (case_of (f, "X02"), open_sscc);
  assert_text (db_text (f, "SELECT announced FROM units WHERE serial = 'X02'", NULL), "0");
  g_assert_cmpint (last_id (f, "events"), ==, last_event);

  /* The unit replaced is no longer in a case to be replaced. */
  correct_refused (f, AGG_ACTION_REPLACE_UNIT, a03, x02, AGG_OUTCOME_INVALID_STATE);
}

static void
test_unpack (Fixture       *f,
             gconstpointer  data)
{
  g_autoptr(GPtrArray) uris = unit_uris ("A", 1, UNITS_PER_CASE);
  g_autoptr(AggResult) result = NULL;
  g_autofree char *sscc = NULL;
  g_autofree char *uri = NULL;
  gint64 last_event;

  login_and_start (f);
  sscc = fill_case (f, "A", UNITS_PER_CASE);
  uri = sscc_uri (sscc);

  last_event = last_id (f, "events");
  correct_ok (f, AGG_ACTION_UNPACK, sscc, NULL, FALSE);
  assert_text (container_status (f, sscc), "voided");
  g_assert_cmpint (units_in (f, sscc), ==, 0);
  g_assert_cmpint (db_int (f, "SELECT count (*) FROM units WHERE status = 'removed'"
                              " AND parent_id IS NULL AND announced = 0", NULL), ==,
                   UNITS_PER_CASE);
  {
    g_autoptr(AuditRow) row = assert_signed_audit (f, "container.unpack", sscc,
                                                   "test correction");

    g_assert_cmpstr (row->old_value, ==, "12");
  }

  assert_case_ended (f, last_event, uri, uris, FALSE, "decommissioning", "inactive");

  /* The SSCC is gone for good; the units go into a new case. */
  correct_refused (f, AGG_ACTION_UNPACK, sscc, NULL, AGG_OUTCOME_INVALID_STATE);
  result = scan_unit_ok (f, "A01");
  g_assert_cmpstr (json_object_get_string_member (detail (result, "case"), "sscc"), !=, sscc);
}

/* Five cases: A–D on a closed pallet, E on an open one. */
static char *
build_two_pallets (Fixture  *f,
                   char    **ssccs,
                   char    **second)
{
  const char *prefixes[] = { "A", "B", "C", "D", "E" };
  char *pallet = NULL;

  for (guint i = 0; i < 5; i++)
    ssccs[i] = fill_case (f, prefixes[i], UNITS_PER_CASE);

  for (guint i = 0; i < 5; i++)
    {
      g_autofree char *on = palletise (f, ssccs[i]);

      if (i == 0)
        pallet = g_steal_pointer (&on);
      if (i == 4)
        *second = g_steal_pointer (&on);
    }

  assert_text (container_status (f, pallet), "closed");
  assert_text (container_status (f, *second), "open");
  return pallet;
}

static void
test_remove_and_move_case (Fixture       *f,
                           gconstpointer  data)
{
  g_autoptr(GPtrArray) events = NULL;
  g_autoptr(AggRequest) request = NULL;
  g_autoptr(AggResult) result = NULL;
  g_autofree char *first = NULL;
  g_autofree char *second = NULL;
  g_autofree char *first_uri = NULL;
  g_autofree char *second_uri = NULL;
  g_autofree char *second_label = NULL;
  char *ssccs[5] = { NULL };
  char *uris[5] = { NULL };
  gint64 last_event;

  login_and_start (f);
  first = build_two_pallets (f, ssccs, &second);
  first_uri = sscc_uri (first);
  second_uri = sscc_uri (second);
  second_label = case_label (second);
  for (guint i = 0; i < 5; i++)
    uris[i] = sscc_uri (ssccs[i]);

  /* Case B off the closed pallet. */
  last_event = last_id (f, "events");
  correct_ok (f, AGG_ACTION_REMOVE_CASE, ssccs[1], NULL, FALSE);
  g_assert_null (parent_of (f, ssccs[1]));
  assert_text (container_status (f, ssccs[1]), "closed");
  g_assert_cmpint (units_in (f, ssccs[1]), ==, UNITS_PER_CASE);
  {
    g_autoptr(AuditRow) row = assert_signed_audit (f, "case.remove", ssccs[1],
                                                   "test correction");

    g_assert_cmpstr (row->old_value, ==, first);
  }
  events = events_after (f, last_event, 1);
  assert_event (g_ptr_array_index (events, 0), "AggregationEvent", "DELETE", "unpacking", NULL,
                first_uri, (const char *[]) { uris[1], NULL });
  g_clear_pointer (&events, g_ptr_array_unref);

  /* A case on no pallet cannot come off one. */
  correct_refused (f, AGG_ACTION_REMOVE_CASE, ssccs[1], NULL, AGG_OUTCOME_INVALID_STATE);

  /* Case A to the open pallet: taken back from the first, announced on
   * the second only when it closes. */
  last_event = last_id (f, "events");
  correct_ok (f, AGG_ACTION_MOVE_CASE, ssccs[0], second_label, FALSE);
  assert_text (parent_of (f, ssccs[0]), second);
  {
    g_autoptr(AuditRow) row = assert_signed_audit (f, "case.move", ssccs[0], "test correction");

    g_assert_cmpstr (row->old_value, ==, first);
    g_assert_cmpstr (row->new_value, ==, second);
  }
  events = events_after (f, last_event, 1);
  assert_event (g_ptr_array_index (events, 0), "AggregationEvent", "DELETE", "unpacking", NULL,
                first_uri, (const char *[]) { uris[0], NULL });
  g_clear_pointer (&events, g_ptr_array_unref);

  correct_refused (f, AGG_ACTION_MOVE_CASE, ssccs[0], second_label,
                   AGG_OUTCOME_DUPLICATE_IN_THIS_CASE);

  /* The second pallet closes partial with A and E. */
  last_event = last_id (f, "events");
  request = agg_request_new (AGG_ACTION_CLOSE_PALLET);
  request->reason = g_strdup ("last pallet");
  result = execute (f, request);
  assert_outcome (result, AGG_OUTCOME_SIGNATURE_REQUIRED);
  g_clear_pointer (&result, agg_result_free);
  sign (request, "supervisor", "2222");
  result = execute (f, request);
  assert_outcome (result, AGG_OUTCOME_ACCEPTED);
  g_clear_pointer (&result, agg_result_free);
  assert_text (container_status (f, second), "closed");
  assert_text (db_text (f, "SELECT partial_reason FROM containers WHERE sscc = ?", second, NULL),
               "last pallet");
  events = events_after (f, last_event, 1);
  assert_event (g_ptr_array_index (events, 0), "AggregationEvent", "ADD", "packing",
                "in_progress", second_uri, (const char *[]) { uris[0], uris[4], NULL });
  g_clear_pointer (&events, g_ptr_array_unref);

  /* Case C from one closed pallet to another: out of one, into the
   * other, both in the outbox at once. */
  last_event = last_id (f, "events");
  correct_ok (f, AGG_ACTION_MOVE_CASE, ssccs[2], second_label, FALSE);
  assert_text (parent_of (f, ssccs[2]), second);
  events = events_after (f, last_event, 2);
  assert_event (g_ptr_array_index (events, 0), "AggregationEvent", "DELETE", "unpacking", NULL,
                first_uri, (const char *[]) { uris[2], NULL });
  assert_event (g_ptr_array_index (events, 1), "AggregationEvent", "ADD", "packing",
                "in_progress", second_uri, (const char *[]) { uris[2], NULL });
  g_assert_cmpint (db_int (f, "SELECT announced FROM containers WHERE sscc = ?", ssccs[2], NULL),
                   ==, 1);

  /* Where it goes must be a pallet. */
  {
    g_autofree char *case_b = case_label (ssccs[1]);

    correct_refused (f, AGG_ACTION_MOVE_CASE, ssccs[3], case_b, AGG_OUTCOME_NOT_FOUND);
  }

  strings_clear (ssccs, G_N_ELEMENTS (ssccs));
  strings_clear (uris, G_N_ELEMENTS (uris));
}

/* Moving a case onto a pallet is palletising it: only a closed case may
 * go on one, whichever way it gets there. */
static void
test_move_unclosed_case (Fixture       *f,
                         gconstpointer  data)
{
  g_autoptr(AggResult) result = NULL;
  g_autofree char *full = NULL;
  g_autofree char *voided = NULL;
  g_autofree char *open_case = NULL;
  g_autofree char *pallet = NULL;
  g_autofree char *pallet_label = NULL;

  login_and_start (f);
  full = fill_case (f, "A", UNITS_PER_CASE);
  voided = fill_case (f, "B", UNITS_PER_CASE);
  correct_ok (f, AGG_ACTION_UNPACK, voided, NULL, FALSE);
  open_case = fill_case (f, "C", 3);
  pallet = palletise (f, full);
  pallet_label = case_label (pallet);

  /* Scanned at the pallet, both are refused … */
  result = scan_case_label (f, open_case);
  assert_outcome (result, AGG_OUTCOME_INVALID_STATE);
  g_clear_pointer (&result, agg_result_free);
  result = scan_case_label (f, voided);
  g_assert_cmpint (result->outcome, !=, AGG_OUTCOME_ACCEPTED);
  g_clear_pointer (&result, agg_result_free);

  /* … and moved there, too. */
  correct_refused (f, AGG_ACTION_MOVE_CASE, open_case, pallet_label, AGG_OUTCOME_INVALID_STATE);
  g_assert_null (parent_of (f, open_case));
  correct_refused (f, AGG_ACTION_MOVE_CASE, voided, pallet_label, AGG_OUTCOME_INVALID_STATE);
  g_assert_null (parent_of (f, voided));
}

static void
test_reopen_case (Fixture       *f,
                  gconstpointer  data)
{
  g_autoptr(GPtrArray) events = NULL;
  g_autoptr(AggResult) result = NULL;
  g_autofree char *sscc = NULL;
  g_autofree char *other = NULL;
  g_autofree char *uri = NULL;
  g_autofree char *a12 = unit_key ("A12");
  g_autofree char *n01_uri = unit_uri ("N01");
  gint64 last_event;

  login_and_start (f);
  sscc = fill_case (f, "A", UNITS_PER_CASE);
  uri = sscc_uri (sscc);
  correct_ok (f, AGG_ACTION_REMOVE_UNIT, a12, NULL, FALSE);

  /* Only one case is open at a time. */
  other = fill_case (f, "B", 1);
  correct_refused (f, AGG_ACTION_REOPEN_CASE, sscc, NULL, AGG_OUTCOME_INVALID_STATE);
  correct_ok (f, AGG_ACTION_UNPACK, other, NULL, FALSE);
  correct_refused (f, AGG_ACTION_REOPEN_CASE, other, NULL, AGG_OUTCOME_INVALID_STATE);

  last_event = last_id (f, "events");
  correct_ok (f, AGG_ACTION_REOPEN_CASE, sscc, NULL, FALSE);
  assert_text (container_status (f, sscc), "open");
  g_assert_null (db_text (f, "SELECT closed_at FROM containers WHERE sscc = ?", sscc, NULL));
  {
    g_autoptr(AuditRow) row = assert_signed_audit (f, "case.reopen", sscc, "test correction");

    g_assert_cmpstr (row->old_value, ==, "closed");
    g_assert_cmpstr (row->new_value, ==, "open");
  }
  g_assert_cmpint (last_id (f, "events"), ==, last_event);

  /* An open case does not reopen. */
  correct_refused (f, AGG_ACTION_REOPEN_CASE, sscc, NULL, AGG_OUTCOME_INVALID_STATE);

  /* The next unit goes into it, completes it, and only it is announced. */
  result = scan_unit_ok (f, "N01");
  g_assert_cmpstr (json_object_get_string_member (detail (result, "case"), "sscc"), ==, sscc);
  g_assert_true (json_object_get_boolean_member (result->details, "case_closed"));
  assert_text (container_status (f, sscc), "closed");
  g_assert_cmpint (units_in (f, sscc), ==, UNITS_PER_CASE);
  events = events_after (f, last_event, 1);
  assert_event (g_ptr_array_index (events, 0), "AggregationEvent", "ADD", "packing",
                "in_progress", uri, (const char *[]) { n01_uri, NULL });
  g_assert_cmpint (db_int (f, "SELECT count (*) FROM units WHERE parent_id IS NOT NULL"
                              " AND announced = 0", NULL), ==, 0);
}

static void
test_decommission (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(GPtrArray) events = NULL;
  g_autoptr(GPtrArray) a_uris = unit_uris ("A", 2, UNITS_PER_CASE);
  g_autoptr(GPtrArray) b_uris = unit_uris ("B", 1, UNITS_PER_CASE);
  g_autoptr(AggResult) result = NULL;
  g_autofree char *first = NULL;
  g_autofree char *second = NULL;
  g_autofree char *first_uri = NULL;
  g_autofree char *second_uri = NULL;
  g_autofree char *a01 = unit_key ("A01");
  g_autofree char *a01_uri = unit_uri ("A01");
  gint64 last_event;

  login_and_start (f);
  first = fill_case (f, "A", UNITS_PER_CASE);
  second = fill_case (f, "B", UNITS_PER_CASE);
  first_uri = sscc_uri (first);
  second_uri = sscc_uri (second);

  /* A unit out of its closed case. */
  last_event = last_id (f, "events");
  correct_ok (f, AGG_ACTION_DECOMMISSION, a01, NULL, FALSE);
  assert_text (unit_status (f, "A01"), "decommissioned");
  g_assert_null (case_of (f, "A01"));
  {
    g_autoptr(AuditRow) row = assert_signed_audit (f, "decommission", a01, "test correction");

    g_assert_cmpstr (row->old_value, ==, "aggregated");
    g_assert_cmpstr (row->new_value, ==, "decommissioned");
  }
  events = events_after (f, last_event, 2);
  assert_event (g_ptr_array_index (events, 0), "AggregationEvent", "DELETE", "unpacking", NULL,
                first_uri, (const char *[]) { a01_uri, NULL });
  assert_event (g_ptr_array_index (events, 1), "ObjectEvent", "DELETE", "decommissioning",
                "inactive", NULL, (const char *[]) { a01_uri, NULL });
  g_clear_pointer (&events, g_ptr_array_unref);
  correct_refused (f, AGG_ACTION_DECOMMISSION, a01, NULL, AGG_OUTCOME_INVALID_STATE);

  /* A case with what it holds: everything goes. */
  last_event = last_id (f, "events");
  correct_ok (f, AGG_ACTION_DECOMMISSION, first, NULL, TRUE);
  assert_text (container_status (f, first), "decommissioned");
  g_assert_cmpint (db_int (f, "SELECT count (*) FROM units WHERE serial LIKE 'A%'"
                              " AND status = 'decommissioned' AND parent_id IS NULL", NULL), ==,
                   UNITS_PER_CASE);
  g_free (assert_signed_audit (f, "decommission", first, "test correction"));
  assert_case_ended (f, last_event, first_uri, a_uris, TRUE, "decommissioning", "inactive");
  correct_refused (f, AGG_ACTION_DECOMMISSION, first, NULL, AGG_OUTCOME_INVALID_STATE);

  /* A case without: its units come out, still good. */
  last_event = last_id (f, "events");
  correct_ok (f, AGG_ACTION_DECOMMISSION, second, NULL, FALSE);
  assert_text (container_status (f, second), "decommissioned");
  g_assert_cmpint (db_int (f, "SELECT count (*) FROM units WHERE serial LIKE 'B%'"
                              " AND status = 'removed' AND parent_id IS NULL", NULL), ==,
                   UNITS_PER_CASE);
  assert_case_ended (f, last_event, second_uri, b_uris, FALSE, "decommissioning", "inactive");

  /* Those units may be packed again; the decommissioned ones may not. */
  result = scan_unit_ok (f, "B01");
  g_clear_pointer (&result, agg_result_free);
  {
    g_autofree char *code = unit_data ("A02");

    result = scan_rejected (f, code, AGG_OUTCOME_UNIT_DECOMMISSIONED);
  }
}

static void
test_destroy (Fixture       *f,
              gconstpointer  data)
{
  g_autoptr(GPtrArray) events = NULL;
  g_autoptr(GPtrArray) b_uris = unit_uris ("B", 1, UNITS_PER_CASE);
  g_autoptr(AggResult) result = NULL;
  g_autofree char *open_case = NULL;
  g_autofree char *full = NULL;
  g_autofree char *full_uri = NULL;
  g_autofree char *a01 = unit_key ("A01");
  g_autofree char *a01_uri = unit_uri ("A01");
  gint64 last_event;

  login_and_start (f);
  open_case = fill_case (f, "A", 3);

  /* A unit from an open case: nothing announced to take back. */
  last_event = last_id (f, "events");
  correct_ok (f, AGG_ACTION_DESTROY, a01, NULL, FALSE);
  assert_text (unit_status (f, "A01"), "destroyed");
  g_assert_null (case_of (f, "A01"));
  g_free (assert_signed_audit (f, "destroy", a01, "test correction"));
  events = events_after (f, last_event, 1);
  assert_event (g_ptr_array_index (events, 0), "ObjectEvent", "DELETE", "destroying",
                "destroyed", NULL, (const char *[]) { a01_uri, NULL });
  g_clear_pointer (&events, g_ptr_array_unref);

  {
    g_autofree char *code = unit_data ("A01");

    result = scan_rejected (f, code, AGG_OUTCOME_UNIT_DECOMMISSIONED);
    g_clear_pointer (&result, agg_result_free);
  }

  /* A full case with its contents. */
  for (guint i = 4; i <= UNITS_PER_CASE + 1; i++)
    {
      g_autofree char *serial = serial_name ("A", i);

      result = scan_unit_ok (f, serial);
      g_clear_pointer (&result, agg_result_free);
    }
  assert_text (container_status (f, open_case), "closed");
  full = fill_case (f, "B", UNITS_PER_CASE);
  full_uri = sscc_uri (full);

  last_event = last_id (f, "events");
  correct_ok (f, AGG_ACTION_DESTROY, full, NULL, TRUE);
  assert_text (container_status (f, full), "destroyed");
  g_assert_cmpint (db_int (f, "SELECT count (*) FROM units WHERE serial LIKE 'B%'"
                              " AND status = 'destroyed' AND parent_id IS NULL", NULL), ==,
                   UNITS_PER_CASE);
  assert_case_ended (f, last_event, full_uri, b_uris, TRUE, "destroying", "destroyed");
  correct_refused (f, AGG_ACTION_DESTROY, full, NULL, AGG_OUTCOME_INVALID_STATE);
}

static void
test_sample (Fixture       *f,
             gconstpointer  data)
{
  g_autoptr(GPtrArray) events = NULL;
  g_autoptr(AggResult) result = NULL;
  g_autofree char *sscc = NULL;
  g_autofree char *uri = NULL;
  g_autofree char *a04 = unit_key ("A04");
  g_autofree char *a04_uri = unit_uri ("A04");
  g_autofree char *code = unit_data ("A04");
  gint64 last_event;

  login_and_start (f);
  sscc = fill_case (f, "A", UNITS_PER_CASE);
  uri = sscc_uri (sscc);

  last_event = last_id (f, "events");
  correct_ok (f, AGG_ACTION_SAMPLE, a04, NULL, FALSE);
  assert_text (unit_status (f, "A04"), "sampled");
  g_assert_null (case_of (f, "A04"));
  g_assert_cmpint (units_in (f, sscc), ==, UNITS_PER_CASE - 1);
  {
    g_autoptr(AuditRow) row = assert_signed_audit (f, "unit.sample", a04, "test correction");

    g_assert_cmpstr (row->new_value, ==, "sampled");
  }
  events = events_after (f, last_event, 2);
  assert_event (g_ptr_array_index (events, 0), "AggregationEvent", "DELETE", "unpacking", NULL,
                uri, (const char *[]) { a04_uri, NULL });
  assert_event (g_ptr_array_index (events, 1), "ObjectEvent", "OBSERVE", "sampling",
                "non_sellable_other", NULL, (const char *[]) { a04_uri, NULL });

  /* A sample is not packed again, nor sampled twice. */
  result = scan_rejected (f, code, AGG_OUTCOME_UNIT_DECOMMISSIONED);
  correct_refused (f, AGG_ACTION_SAMPLE, a04, NULL, AGG_OUTCOME_INVALID_STATE);
  correct_refused (f, AGG_ACTION_SAMPLE, sscc, NULL, AGG_OUTCOME_BAD_REQUEST);
}

static void
test_void_label (Fixture       *f,
                 gconstpointer  data)
{
  g_autoptr(GPtrArray) events = NULL;
  g_autoptr(AggResult) result = NULL;
  g_autofree char *full = NULL;
  g_autofree char *empty = NULL;
  g_autofree char *empty_uri = NULL;
  g_autofree char *b01 = unit_key ("B01");
  gint64 last_event;

  login_and_start (f);
  full = fill_case (f, "A", UNITS_PER_CASE);

  /* A label on a full case stays. */
  correct_refused (f, AGG_ACTION_VOID_LABEL, full, NULL, AGG_OUTCOME_INVALID_STATE);
  assert_text (container_status (f, full), "closed");

  /* An empty one goes: open a case, take its only unit out. */
  empty = fill_case (f, "B", 1);
  empty_uri = sscc_uri (empty);
  correct_ok (f, AGG_ACTION_REMOVE_UNIT, b01, NULL, FALSE);
  g_assert_cmpint (units_in (f, empty), ==, 0);

  /* Empty, it cannot be closed either. */
  {
    g_autoptr(AggRequest) close = agg_request_new (AGG_ACTION_CLOSE_CASE);

    result = execute_refused (f, close, AGG_OUTCOME_INVALID_STATE);
    g_clear_pointer (&result, agg_result_free);
  }

  last_event = last_id (f, "events");
  correct_ok (f, AGG_ACTION_VOID_LABEL, empty, NULL, FALSE);
  assert_text (container_status (f, empty), "voided");
  {
    g_autoptr(AuditRow) row = assert_signed_audit (f, "label.void", empty, "test correction");

    g_assert_cmpstr (row->old_value, ==, "open");
    g_assert_cmpstr (row->new_value, ==, "voided");
  }
  events = events_after (f, last_event, 1);
  assert_event (g_ptr_array_index (events, 0), "ObjectEvent", "DELETE", "decommissioning",
                "inactive", NULL, (const char *[]) { empty_uri, NULL });
  correct_refused (f, AGG_ACTION_VOID_LABEL, empty, NULL, AGG_OUTCOME_INVALID_STATE);
  correct_refused (f, AGG_ACTION_REPRINT_LABEL, empty, NULL, AGG_OUTCOME_INVALID_STATE);

  /* The next unit gets a new case, never the voided SSCC. */
  result = scan_unit_ok (f, "B02");
  g_assert_cmpstr (json_object_get_string_member (detail (result, "case"), "sscc"), !=, empty);
  g_assert_cmpstr (json_object_get_string_member (detail (result, "case"), "sscc"), !=, full);
}

static void
test_reprint_label (Fixture       *f,
                    gconstpointer  data)
{
  g_autofree char *sscc = NULL;
  g_autofree char *label = NULL;
  gint64 n_events;

  login_and_start (f);
  sscc = fill_case (f, "A", UNITS_PER_CASE);
  label = case_label (sscc);
  n_events = count_rows (f, "events");

  correct_ok (f, AGG_ACTION_REPRINT_LABEL, sscc, NULL, FALSE);
  g_assert_cmpint (db_int (f, "SELECT reprints FROM containers WHERE sscc = ?", sscc, NULL), ==, 1);
  {
    g_autoptr(AuditRow) row = assert_signed_audit (f, "label.reprint", sscc, "test correction");

    g_assert_cmpstr (row->new_value, ==, "reprint");
  }

  /* Any form of the code names it; a reprint changes nothing else. */
  correct_ok (f, AGG_ACTION_REPRINT_LABEL, label, NULL, FALSE);
  g_assert_cmpint (db_int (f, "SELECT reprints FROM containers WHERE sscc = ?", sscc, NULL), ==, 2);
  assert_text (container_status (f, sscc), "closed");
  g_assert_cmpint (count_rows (f, "events"), ==, n_events);

  {
    g_autofree char *unit = unit_key ("A01");

    correct_refused (f, AGG_ACTION_REPRINT_LABEL, unit, NULL, AGG_OUTCOME_BAD_REQUEST);
  }
}

/* Every correction wants a reason, signed or not. */
static void
test_corrections_need_reason (Fixture       *f,
                              gconstpointer  data)
{
  static const AggAction actions[] = {
    AGG_ACTION_REMOVE_UNIT, AGG_ACTION_REPLACE_UNIT, AGG_ACTION_UNPACK,
    AGG_ACTION_REMOVE_CASE, AGG_ACTION_MOVE_CASE, AGG_ACTION_REOPEN_CASE,
    AGG_ACTION_DECOMMISSION, AGG_ACTION_DESTROY, AGG_ACTION_SAMPLE,
    AGG_ACTION_VOID_LABEL, AGG_ACTION_REPRINT_LABEL,
  };
  g_autofree char *sscc = NULL;
  g_autofree char *pallet = NULL;
  g_autofree char *pallet_label = NULL;
  g_autofree char *a01 = unit_key ("A01");
  g_autofree char *x01 = unit_data ("X01");
  gint64 n_audit;

  login_and_start (f);
  sscc = fill_case (f, "A", UNITS_PER_CASE);
  pallet = palletise (f, sscc);
  pallet_label = case_label (pallet);
  n_audit = count_rows (f, "audit");

  for (guint i = 0; i < G_N_ELEMENTS (actions); i++)
    {
      gboolean on_unit = actions[i] == AGG_ACTION_REMOVE_UNIT ||
                         actions[i] == AGG_ACTION_REPLACE_UNIT ||
                         actions[i] == AGG_ACTION_SAMPLE ||
                         actions[i] == AGG_ACTION_DECOMMISSION;

      for (guint empty = 0; empty < 2; empty++)
        {
          g_autoptr(AggRequest) request = correction_new (actions[i], on_unit ? a01 : sscc,
                                                          empty ? "" : NULL);
          g_autoptr(AggResult) result = NULL;

          if (actions[i] == AGG_ACTION_REPLACE_UNIT)
            request->code2 = g_strdup (x01);
          if (actions[i] == AGG_ACTION_MOVE_CASE)
            request->code2 = g_strdup (pallet_label);
          sign (request, "supervisor", "2222");
          result = execute_refused (f, request, AGG_OUTCOME_BAD_REQUEST);
        }
    }
  g_assert_cmpint (count_rows (f, "audit"), ==, n_audit);
}

/* No unit in two cases */

static void
test_schema_one_case_per_unit (Fixture       *f,
                               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *sscc = NULL;
  g_autofree char *insert = NULL;
  sqlite3 *db = NULL;
  gpointer ok;
  gint64 case_id;
  int rc;

  login_and_start (f);
  sscc = fill_case (f, "A", 2);
  case_id = db_int (f, "SELECT id FROM containers WHERE sscc = ?", sscc, NULL);

  db = agg_test_db_open (f->station.path, SQLITE_OPEN_READWRITE);
  sqlite3_busy_timeout (db, 5000);
  sqlite3_extended_result_codes (db, 1);

  /* The same GTIN and serial twice, even outside any case. */
  rc = sqlite3_exec (db, "INSERT INTO units (gtin, serial, order_id, status, scanned_at)"
                         " VALUES ('" GTIN "', 'A01', '" ORDER "', 'removed', 'now')",
                     NULL, NULL, NULL);
  g_assert_cmpint (rc, ==, SQLITE_CONSTRAINT_UNIQUE);

  /* Aggregated means in exactly one case, and in a case means aggregated. */
  rc = sqlite3_exec (db, "INSERT INTO units (gtin, serial, order_id, status, scanned_at)"
                         " VALUES ('" GTIN "', 'Z01', '" ORDER "', 'aggregated', 'now')",
                     NULL, NULL, NULL);
  g_assert_cmpint (rc, ==, SQLITE_CONSTRAINT_CHECK);
  rc = sqlite3_exec (db, "UPDATE units SET status = 'removed' WHERE serial = 'A01'",
                     NULL, NULL, NULL);
  g_assert_cmpint (rc, ==, SQLITE_CONSTRAINT_CHECK);
  insert = g_strdup_printf ("INSERT INTO units (gtin, serial, order_id, status, parent_id,"
                            " scanned_at) VALUES ('" GTIN "', 'A02', '" ORDER "', 'aggregated',"
                            " %" G_GINT64_FORMAT ", 'now')", case_id);
  rc = sqlite3_exec (db, insert, NULL, NULL, NULL);
  g_assert_cmpint (rc, ==, SQLITE_CONSTRAINT_UNIQUE);

  /* Only cases have parents. */
  rc = sqlite3_exec (db, "UPDATE containers SET parent_id = id WHERE kind = 'case'",
                     NULL, NULL, NULL);
  g_assert_cmpint (rc, ==, SQLITE_OK);
  rc = sqlite3_exec (db, "UPDATE containers SET parent_id = NULL", NULL, NULL, NULL);
  g_assert_cmpint (rc, ==, SQLITE_OK);
  agg_test_db_close (db);

  /* The store reports the same refusal as a constraint error. */
  ok = agg_store_run_sync (f->station.store, AGG_STORE_WRITE, agg_test_exec_job,
                           (gpointer) "INSERT INTO units (gtin, serial, order_id, status,"
                                      " scanned_at) VALUES ('" GTIN "', 'A02', '" ORDER "',"
                                      " 'removed', 'now')", &error);
  g_assert_error (error, AGG_STORE_ERROR, AGG_STORE_ERROR_CONSTRAINT);
  g_assert_null (ok);

  g_assert_cmpint (count_rows (f, "units"), ==, 2);
  g_assert_cmpint (units_in (f, sscc), ==, 2);
}

/* Reconciliation and the close of an order */

static JsonObject *
figures_of (const AggResult *result)
{
  return detail (result, "reconciliation");
}

static void
test_reconcile_and_close (Fixture       *f,
                          gconstpointer  data)
{
  g_autoptr(AggRequest) request = NULL;
  g_autoptr(AggResult) result = NULL;
  g_autofree char *full = NULL;
  g_autofree char *partial = NULL;
  g_autofree char *open_case = NULL;
  g_autofree char *pallet = NULL;
  g_autofree char *c01 = unit_key ("C01");
  g_autofree char *c02 = unit_key ("C02");
  JsonObject *figures;
  JsonObject *by_reason;

  login_and_start (f);

  /* A full case on a pallet still open. */
  full = fill_case (f, "A", UNITS_PER_CASE);
  pallet = palletise (f, full);

  /* A partial case, signed off. */
  partial = fill_case (f, "B", 5);
  request = agg_request_new (AGG_ACTION_CLOSE_CASE);
  request->reason = g_strdup ("short run");
  sign (request, "supervisor", "2222");
  result = execute (f, request);
  assert_outcome (result, AGG_OUTCOME_ACCEPTED);
  g_clear_pointer (&result, agg_result_free);
  g_clear_pointer (&request, agg_request_free);

  /* Three refused scans. */
  {
    g_autofree char *lot1 = unit_data_full (GTIN, EXPIRY, "DEMO02", "R01");
    g_autofree char *lot2 = unit_data_full (GTIN, EXPIRY, "DEMO03", "R02");

    result = scan_rejected (f, lot1, AGG_OUTCOME_WRONG_LOT);
    g_clear_pointer (&result, agg_result_free);
    result = scan_rejected (f, lot2, AGG_OUTCOME_WRONG_LOT);
    g_clear_pointer (&result, agg_result_free);
    result = scan_rejected (f, "hello", AGG_OUTCOME_NOT_GS1);
    g_clear_pointer (&result, agg_result_free);
  }

  /* An open case that loses one unit to QC and one to decommissioning. */
  open_case = fill_case (f, "C", 2);
  correct_ok (f, AGG_ACTION_SAMPLE, c01, NULL, FALSE);
  correct_ok (f, AGG_ACTION_DECOMMISSION, c02, NULL, FALSE);

  result = simple (f, AGG_ACTION_RECONCILE, NULL);
  assert_outcome (result, AGG_OUTCOME_ACCEPTED);
  figures = figures_of (result);
  g_assert_cmpstr (json_object_get_string_member (figures, "order"), ==, ORDER);
  g_assert_cmpint (json_object_get_int_member (figures, "planned"), ==, 480);
  g_assert_cmpint (json_object_get_int_member (figures, "aggregated"), ==, 17);
  g_assert_cmpint (json_object_get_int_member (figures, "in_full_cases"), ==, 12);
  g_assert_cmpint (json_object_get_int_member (figures, "in_partial_cases"), ==, 5);
  g_assert_cmpint (json_object_get_int_member (figures, "on_pallets"), ==, 12);
  g_assert_cmpint (json_object_get_int_member (figures, "sampled"), ==, 1);
  g_assert_cmpint (json_object_get_int_member (figures, "decommissioned"), ==, 1);
  g_assert_cmpint (json_object_get_int_member (figures, "rejected"), ==, 3);
  g_assert_cmpint (json_object_get_int_member (figures, "open_containers"), ==, 2);
  g_assert_cmpint (json_object_get_int_member (figures, "cases"), ==, 2);
  g_assert_cmpint (json_object_get_int_member (figures, "pallets"), ==, 0);
  by_reason = json_object_get_object_member (figures, "rejected_by_reason");
  g_assert_nonnull (by_reason);
  g_assert_cmpuint (json_object_get_size (by_reason), ==, 2);
  g_assert_cmpint (json_object_get_int_member (by_reason, "WRONG_LOT"), ==, 2);
  g_assert_cmpint (json_object_get_int_member (by_reason, "NOT_GS1"), ==, 1);
  g_clear_pointer (&result, agg_result_free);

  /* The same by order number. */
  result = simple (f, AGG_ACTION_RECONCILE, ORDER);
  assert_outcome (result, AGG_OUTCOME_ACCEPTED);
  g_assert_cmpint (json_object_get_int_member (figures_of (result), "aggregated"), ==, 17);
  g_clear_pointer (&result, agg_result_free);
  result = simple (f, AGG_ACTION_RECONCILE, "WO-NOPE");
  assert_outcome (result, AGG_OUTCOME_NOT_FOUND);
  g_clear_pointer (&result, agg_result_free);

  /* No reason, no close. */
  request = agg_request_new (AGG_ACTION_CLOSE_ORDER);
  sign (request, "supervisor", "2222");
  result = execute_refused (f, request, AGG_OUTCOME_BAD_REQUEST);
  g_clear_pointer (&result, agg_result_free);

  /* Open containers first. */
  request->reason = g_strdup ("lot finished");
  result = execute_refused (f, request, AGG_OUTCOME_OPEN_CONTAINERS);
  g_assert_cmpint (json_object_get_int_member (figures_of (result), "open_containers"), ==, 2);
  g_clear_pointer (&result, agg_result_free);

  correct_ok (f, AGG_ACTION_VOID_LABEL, open_case, NULL, FALSE);
  {
    g_autoptr(AggRequest) close = agg_request_new (AGG_ACTION_CLOSE_PALLET);

    close->reason = g_strdup ("lot finished");
    sign (close, "supervisor", "2222");
    result = execute (f, close);
    assert_outcome (result, AGG_OUTCOME_ACCEPTED);
    g_clear_pointer (&result, agg_result_free);
  }

  /* Unsigned: the reconciliation comes with what the signature means. */
  g_clear_pointer (&request->signer, g_free);
  g_clear_pointer (&request->signer_pin, g_free);
  result = execute_refused (f, request, AGG_OUTCOME_SIGNATURE_REQUIRED);
  g_assert_cmpstr (json_object_get_string_member (result->details, "meaning"), !=, "");
  g_assert_cmpint (json_object_get_int_member (figures_of (result), "open_containers"), ==, 0);
  g_clear_pointer (&result, agg_result_free);
  assert_text (db_text (f, "SELECT status FROM work_orders WHERE id = ?", ORDER, NULL), "running");

  sign (request, "operator", "1111");
  result = execute_refused (f, request, AGG_OUTCOME_NOT_PERMITTED);
  g_clear_pointer (&result, agg_result_free);

  sign (request, "supervisor", "2222");
  result = execute (f, request);
  assert_outcome (result, AGG_OUTCOME_ACCEPTED);
  figures = figures_of (result);
  g_assert_cmpint (json_object_get_int_member (figures, "aggregated"), ==, 17);
  g_assert_cmpint (json_object_get_int_member (figures, "pallets"), ==, 1);
  g_assert_cmpint (json_object_get_int_member (figures, "open_containers"), ==, 0);
  g_clear_pointer (&result, agg_result_free);

  assert_text (db_text (f, "SELECT status FROM work_orders WHERE id = ?", ORDER, NULL), "closed");
  g_assert_nonnull (db_text (f, "SELECT closed_at FROM work_orders WHERE id = ?", ORDER, NULL));
  {
    g_autoptr(AuditRow) row = assert_signed_audit (f, "order.reconciliation", ORDER,
                                                   "lot finished");
    g_autoptr(JsonNode) node = json_from_string (row->new_value, NULL);

    g_assert_nonnull (node);
    g_assert_cmpint (json_object_get_int_member (json_node_get_object (node), "aggregated"), ==,
                     17);
  }
  {
    g_autoptr(AuditRow) row = audit_find (f, "order.status", ORDER);

    g_assert_nonnull (row);
    g_assert_cmpstr (row->old_value, ==, "running");
    g_assert_cmpstr (row->new_value, ==, "closed");
  }

  /* Closed is closed. */
  result = scan_unit (f, "D01");
  assert_outcome (result, AGG_OUTCOME_NO_RUNNING_ORDER);
  g_clear_pointer (&result, agg_result_free);
  g_free (request->code);
  request->code = g_strdup (ORDER);
  result = execute (f, request);
  assert_outcome (result, AGG_OUTCOME_INVALID_STATE);
  g_clear_pointer (&result, agg_result_free);
  result = simple (f, AGG_ACTION_START_ORDER, ORDER);
  assert_outcome (result, AGG_OUTCOME_INVALID_STATE);
}

/* The record */

static AggResult *
show (Fixture    *f,
      const char *code)
{
  return simple (f, AGG_ACTION_SHOW, code);
}

/* The figures of the status page: readable without a session, and in
 * step with what the line did. */
static void
test_status (Fixture       *f,
             gconstpointer  data)
{
  g_autoptr(AggResult) before = NULL;
  g_autoptr(AggResult) after = NULL;
  JsonObject *status;

  before = simple (f, AGG_ACTION_STATUS, NULL);
  assert_outcome (before, AGG_OUTCOME_ACCEPTED);
  status = detail (before, "status");
  g_assert_cmpint (json_object_get_int_member (status, "units_total"), ==, 0);
  g_assert_true (json_object_get_null_member (status, "running_order"));
  g_assert_cmpint (json_object_get_int_member (status, "database_bytes"), >, 0);

  login_and_start (f);
  for (guint i = 1; i <= UNITS_PER_CASE; i++)
    {
      g_autofree char *serial = g_strdup_printf ("S%02u", i);
      g_autoptr(AggResult) result = scan_unit_ok (f, serial);
    }

  after = simple (f, AGG_ACTION_STATUS, NULL);
  status = detail (after, "status");
  g_assert_cmpint (json_object_get_int_member (status, "units_total"), ==, UNITS_PER_CASE);
  g_assert_cmpstr (json_object_get_string_member (status, "running_order"), ==, ORDER);
  /* The case's commissioning and its aggregation wait in the outbox. */
  g_assert_cmpint (json_object_get_int_member (status, "events_pending"), ==, 2);
  g_assert_cmpint (json_object_get_int_member (status, "events_pending"), ==,
                   count_rows (f, "events"));
  g_assert_cmpint (json_object_get_int_member (status, "sscc_remaining"), ==,
                   json_object_get_int_member (detail (before, "status"), "sscc_remaining") - 1);
}

static void
test_show (Fixture       *f,
           gconstpointer  data)
{
  g_autoptr(AggResult) result = NULL;
  g_autofree char *sscc = NULL;
  g_autofree char *pallet = NULL;
  g_autofree char *key = unit_key ("A03");
  g_autofree char *before = NULL;
  g_autofree char *after = NULL;
  JsonObject *record;
  JsonArray *array;
  JsonObject *item;
  gboolean aggregated = FALSE;

  login_and_start (f);
  sscc = fill_case (f, "A", UNITS_PER_CASE);
  pallet = palletise (f, sscc);
  {
    g_autofree char *wrong = unit_data_full (GTIN, EXPIRY, "DEMO02", "R01");

    result = scan_rejected (f, wrong, AGG_OUTCOME_WRONG_LOT);
    g_clear_pointer (&result, agg_result_free);
  }

  /* The record is open to anyone, and reading it writes nothing. */
  simple_ok (f, AGG_ACTION_LOGOUT, NULL);
  before = db_state (f);

  /* A unit: where it is, up to the pallet, and what happened to it. */
  result = show (f, key);
  assert_outcome (result, AGG_OUTCOME_ACCEPTED);
  record = detail (result, "record");
  g_assert_cmpstr (json_object_get_string_member (record, "kind"), ==, "unit");
  g_assert_cmpstr (json_object_get_string_member (record, "gtin"), ==, GTIN);
  g_assert_cmpstr (json_object_get_string_member (record, "serial"), ==, "A03");
  g_assert_cmpstr (json_object_get_string_member (record, "status"), ==, "aggregated");
  g_assert_cmpstr (json_object_get_string_member (record, "lot"), ==, LOT);
  g_assert_cmpstr (json_object_get_string_member (record, "order"), ==, ORDER);
  array = json_object_get_array_member (record, "parents");
  g_assert_cmpuint (json_array_get_length (array), ==, 2);
  item = json_array_get_object_element (array, 0);
  g_assert_cmpstr (json_object_get_string_member (item, "kind"), ==, "case");
  g_assert_cmpstr (json_object_get_string_member (item, "sscc"), ==, sscc);
  item = json_array_get_object_element (array, 1);
  g_assert_cmpstr (json_object_get_string_member (item, "kind"), ==, "pallet");
  g_assert_cmpstr (json_object_get_string_member (item, "sscc"), ==, pallet);
  array = json_object_get_array_member (record, "history");
  g_assert_cmpuint (json_array_get_length (array), >=, 1);
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      item = json_array_get_object_element (array, i);
      if (g_strcmp0 (json_object_get_string_member (item, "action"), "unit.aggregate") == 0)
        {
          aggregated = TRUE;
          g_assert_cmpstr (json_object_get_string_member (item, "new"), ==, sscc);
          g_assert_cmpstr (json_object_get_string_member (item, "user"), ==, "operator");
        }
    }
  g_assert_true (aggregated);
  g_clear_pointer (&result, agg_result_free);

  /* Its case, by the digits of its label: twelve units, on the pallet. */
  result = show (f, sscc);
  assert_outcome (result, AGG_OUTCOME_ACCEPTED);
  record = detail (result, "record");
  g_assert_cmpstr (json_object_get_string_member (record, "kind"), ==, "case");
  g_assert_cmpstr (json_object_get_string_member (record, "status"), ==, "closed");
  g_assert_cmpint (json_object_get_int_member (record, "count"), ==, UNITS_PER_CASE);
  g_assert_cmpstr (json_object_get_string_member (record, "parent"), ==, pallet);
  array = json_object_get_array_member (record, "children");
  g_assert_cmpuint (json_array_get_length (array), ==, UNITS_PER_CASE);
  for (guint i = 0; i < UNITS_PER_CASE; i++)
    {
      g_autofree char *serial = serial_name ("A", i + 1);

      item = json_array_get_object_element (array, i);
      g_assert_cmpstr (json_object_get_string_member (item, "serial"), ==, serial);
      g_assert_cmpstr (json_object_get_string_member (item, "status"), ==, "aggregated");
    }
  array = json_object_get_array_member (record, "parents");
  g_assert_cmpuint (json_array_get_length (array), ==, 1);
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (array, 0),
                                                  "sscc"), ==, pallet);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (record, "history")), >=,
                    2);
  g_clear_pointer (&result, agg_result_free);

  /* The pallet, by its bracketed code: its case with its units. */
  {
    g_autofree char *code = g_strconcat ("(00)", pallet, NULL);

    result = show (f, code);
  }
  assert_outcome (result, AGG_OUTCOME_ACCEPTED);
  record = detail (result, "record");
  g_assert_cmpstr (json_object_get_string_member (record, "kind"), ==, "pallet");
  g_assert_cmpstr (json_object_get_string_member (record, "status"), ==, "open");
  g_assert_cmpint (json_object_get_int_member (record, "count"), ==, 1);
  array = json_object_get_array_member (record, "children");
  g_assert_cmpuint (json_array_get_length (array), ==, 1);
  item = json_array_get_object_element (array, 0);
  g_assert_cmpstr (json_object_get_string_member (item, "sscc"), ==, sscc);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (item, "children")), ==,
                    UNITS_PER_CASE);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (record, "parents")), ==,
                    0);
  g_clear_pointer (&result, agg_result_free);

  /* A unit only ever refused: why. */
  {
    g_autofree char *code = unit_key ("R01");

    result = show (f, code);
  }
  assert_outcome (result, AGG_OUTCOME_ACCEPTED);
  record = detail (result, "record");
  g_assert_cmpstr (json_object_get_string_member (record, "status"), ==, "rejected");
  array = json_object_get_array_member (record, "rejections");
  g_assert_cmpuint (json_array_get_length (array), ==, 1);
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (array, 0),
                                                  "outcome"), ==, "WRONG_LOT");
  g_clear_pointer (&result, agg_result_free);

  /* What the station never saw. */
  {
    g_autofree char *code = unit_key ("NOPE");
    g_autofree char *unknown = agg_gs1_sscc_make ("0950601", 0, 7, NULL);

    result = show (f, code);
    assert_outcome (result, AGG_OUTCOME_NOT_FOUND);
    g_clear_pointer (&result, agg_result_free);
    result = show (f, unknown);
    assert_outcome (result, AGG_OUTCOME_NOT_FOUND);
    g_clear_pointer (&result, agg_result_free);
    result = show (f, "hello");
    assert_outcome (result, AGG_OUTCOME_NOT_FOUND);
    g_clear_pointer (&result, agg_result_free);
  }

  after = db_state (f);
  g_assert_cmpstr (after, ==, before);
}

/* From a main loop */

typedef struct
{
  GMainLoop *loop;
  GThread   *thread;
  AggResult *result;
  gboolean   called;
} AsyncData;

static void
execute_cb (GObject      *source,
            GAsyncResult *res,
            gpointer      user_data)
{
  g_autoptr(GError) error = NULL;
  AsyncData *async = user_data;

  /* Delivered in the caller's context, on the caller's thread. */
  g_assert_true (g_thread_self () == async->thread);
  g_assert_true (g_main_context_is_owner (g_main_context_default ()));
  g_assert_true (AGG_IS_LINE (source));

  async->called = TRUE;
  async->result = agg_line_execute_finish (AGG_LINE (source), res, &error);
  g_assert_no_error (error);
  g_main_loop_quit (async->loop);
}

static gboolean
timeout_cb (gpointer user_data)
{
  g_error ("no answer from the line");
  return G_SOURCE_REMOVE;
}

static AggResult *
execute_async (Fixture          *f,
               const AggRequest *request)
{
  AsyncData async = { g_main_loop_new (NULL, FALSE), g_thread_self (), NULL, FALSE };
  guint timeout = g_timeout_add_seconds (30, timeout_cb, NULL);

  agg_line_execute_async (f->line, request, NULL, execute_cb, &async);
  /* Never before the loop runs. */
  g_assert_false (async.called);
  g_main_loop_run (async.loop);
  g_source_remove (timeout);
  g_main_loop_unref (async.loop);

  g_assert_true (async.called);
  g_assert_nonnull (async.result);
  return async.result;
}

static void
test_async (Fixture       *f,
            gconstpointer  data)
{
  g_autoptr(AggRequest) login_request = agg_request_new (AGG_ACTION_LOGIN);
  g_autoptr(AggRequest) start = agg_request_new (AGG_ACTION_START_ORDER);
  g_autoptr(AggRequest) scan_request = agg_request_new (AGG_ACTION_SCAN);
  g_autoptr(AggResult) result = NULL;
  g_autofree char *code = unit_data ("A01");

  login_request->user = g_strdup ("operator");
  login_request->pin = g_strdup ("1111");
  result = execute_async (f, login_request);
  assert_outcome (result, AGG_OUTCOME_ACCEPTED);
  g_assert_cmpstr (agg_line_get_username (f->line), ==, "operator");
  g_clear_pointer (&result, agg_result_free);

  start->code = g_strdup (ORDER);
  result = execute_async (f, start);
  assert_outcome (result, AGG_OUTCOME_ACCEPTED);
  g_clear_pointer (&result, agg_result_free);

  scan_request->data = g_strdup (code);
  scan_request->data_len = strlen (code);
  result = execute_async (f, scan_request);
  assert_outcome (result, AGG_OUTCOME_ACCEPTED);
  g_assert_cmpstr (json_object_get_string_member (detail (result, "unit"), "serial"), ==, "A01");
  g_clear_pointer (&result, agg_result_free);
  assert_text (unit_status (f, "A01"), "aggregated");

  /* A refusal arrives the same way, and is logged. */
  result = execute_async (f, scan_request);
  assert_outcome (result, AGG_OUTCOME_DUPLICATE_IN_THIS_CASE);
  g_assert_cmpint (count_rows (f, "rejects"), ==, 1);
}

/* Administration */

static AggRequest *
admin_request (AggAction   action,
               const char *user,
               const char *code,
               const char *code2,
               const char *pin)
{
  AggRequest *request = agg_request_new (action);

  request->user = g_strdup (user);
  request->code = g_strdup (code);
  request->code2 = g_strdup (code2);
  request->pin = g_strdup (pin);
  return request;
}

static AggResult *
admin (Fixture    *f,
       AggAction   action,
       const char *user,
       const char *code,
       const char *code2,
       const char *pin)
{
  g_autoptr(AggRequest) request = admin_request (action, user, code, code2, pin);

  return execute (f, request);
}

/* Refused with @outcome, with nothing written: no user, setting or audit
 * row changes. */
static void
admin_refused (Fixture    *f,
               AggOutcome  outcome,
               AggAction   action,
               const char *user,
               const char *code,
               const char *code2,
               const char *pin)
{
  g_autofree char *users = db_text (f, "SELECT group_concat (username || active || locked"
                                       " || pin_hash) FROM users", NULL);
  g_autofree char *settings = db_text (f, "SELECT group_concat (key || value) FROM settings",
                                       NULL);
  gint64 n_audit = count_rows (f, "audit");
  g_autoptr(AggResult) result = admin (f, action, user, code, code2, pin);

  assert_outcome (result, outcome);
  assert_text (db_text (f, "SELECT group_concat (username || active || locked || pin_hash)"
                           " FROM users", NULL), users);
  assert_text (db_text (f, "SELECT group_concat (key || value) FROM settings", NULL), settings);
  g_assert_cmpint (count_rows (f, "audit"), ==, n_audit);
}

/* No column of the audit trail holds @pin. */
static void
assert_pin_not_audited (Fixture    *f,
                        const char *pin)
{
  g_assert_cmpint (db_int (f,
                           "SELECT count (*) FROM audit WHERE instr (ifnull (object, '') || '|'"
                           " || ifnull (old_value, '') || '|' || ifnull (new_value, '') || '|'"
                           " || ifnull (reason, ''), ?) > 0", pin, NULL), ==, 0);
}

static const char admin_import_json[] =
  "{ \"products\": [ { \"gtin\": \"09506000134376\", \"description\": \"Admin drops\","
  "    \"units_per_case\": 6, \"cases_per_pallet\": 2 } ] }";

static void
test_admin_permissions (Fixture       *f,
                        gconstpointer  data)
{
  static const AggAction admin_only[] = {
    AGG_ACTION_USER_ADD, AGG_ACTION_USER_SET_PIN, AGG_ACTION_USER_SET_ACTIVE,
    AGG_ACTION_IMPORT, AGG_ACTION_GET_SETTINGS, AGG_ACTION_SET_SETTING,
  };
  g_autoptr(AggResult) result = NULL;
  JsonArray *users;

  for (guint i = 0; i < G_N_ELEMENTS (admin_only); i++)
    {
      g_autoptr(AggResult) refused = admin (f, admin_only[i], "operator", "0", "x", "1234");

      assert_outcome (refused, AGG_OUTCOME_NOT_LOGGED_IN);
    }

  login_ok (f, "operator", "1111");
  admin_refused (f, AGG_OUTCOME_NOT_PERMITTED, AGG_ACTION_USER_ADD, "jdoe", "Jane Doe",
                 "operator", "4321");
  admin_refused (f, AGG_OUTCOME_NOT_PERMITTED, AGG_ACTION_USER_SET_PIN, "operator", NULL, NULL,
                 "4321");
  admin_refused (f, AGG_OUTCOME_NOT_PERMITTED, AGG_ACTION_USER_SET_ACTIVE, "supervisor", "0",
                 NULL, NULL);
  admin_refused (f, AGG_OUTCOME_NOT_PERMITTED, AGG_ACTION_GET_SETTINGS, NULL, NULL, NULL, NULL);
  admin_refused (f, AGG_OUTCOME_NOT_PERMITTED, AGG_ACTION_SET_SETTING, NULL, "idle_timeout",
                 "3600", NULL);
  {
    g_autoptr(AggRequest) request = agg_request_new (AGG_ACTION_IMPORT);
    g_autoptr(AggResult) refused = NULL;

    request->data = g_strdup (admin_import_json);
    request->data_len = strlen (admin_import_json);
    refused = execute (f, request);
    assert_outcome (refused, AGG_OUTCOME_NOT_PERMITTED);
    g_assert_cmpint (db_int (f, "SELECT count (*) FROM products WHERE gtin = ?", OTHER_GTIN,
                             NULL), ==, 0);
  }

  /* Anyone may see who works here, but not the badges that log them in. */
  result = admin (f, AGG_ACTION_LIST_USERS, NULL, NULL, NULL, NULL);
  assert_outcome (result, AGG_OUTCOME_ACCEPTED);
  users = json_object_get_array_member (result->details, "users");
  g_assert_cmpuint (json_array_get_length (users), ==, 3);
  for (guint i = 0; i < json_array_get_length (users); i++)
    g_assert_true (json_object_get_null_member (json_array_get_object_element (users, i),
                                                "badge"));
}

static void
test_admin_user_add (Fixture       *f,
                     gconstpointer  data)
{
  g_autoptr(AggResult) result = NULL;
  g_autoptr(AggRequest) request = NULL;
  g_autoptr(AuditRow) row = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  JsonObject *described;

  login_ok (f, "admin", "3333");
  request = admin_request (AGG_ACTION_USER_ADD, "jdoe", "  Jane Doe ", "supervisor", "975310");
  request->data = g_strdup ("BADGE-JDOE");
  request->data_len = strlen (request->data);
  result = execute (f, request);
  assert_outcome (result, AGG_OUTCOME_ACCEPTED);

  assert_text (db_text (f, "SELECT full_name || '|' || role || '|' || badge || '|' || active"
                           " FROM users WHERE username = 'jdoe'", NULL),
               "Jane Doe|supervisor|BADGE-JDOE|1");
  row = audit_find (f, "user.add", "jdoe");
  g_assert_nonnull (row);
  g_assert_cmpstr (row->username, ==, "admin");
  g_assert_null (row->old_value);
  g_assert_true (json_parser_load_from_data (parser, row->new_value, -1, NULL));
  described = json_node_get_object (json_parser_get_root (parser));
  g_assert_cmpstr (json_object_get_string_member (described, "full_name"), ==, "Jane Doe");
  g_assert_cmpstr (json_object_get_string_member (described, "role"), ==, "supervisor");
  assert_pin_not_audited (f, "975310");

  /* The list shows the newcomer, with the badge for the admin. */
  g_clear_pointer (&result, agg_result_free);
  result = admin (f, AGG_ACTION_LIST_USERS, NULL, NULL, NULL, NULL);
  assert_outcome (result, AGG_OUTCOME_ACCEPTED);
  {
    JsonArray *users = json_object_get_array_member (result->details, "users");
    JsonObject *jdoe = NULL;

    for (guint i = 0; i < json_array_get_length (users); i++)
      if (g_strcmp0 (json_object_get_string_member (json_array_get_object_element (users, i),
                                                    "username"), "jdoe") == 0)
        jdoe = json_array_get_object_element (users, i);
    g_assert_nonnull (jdoe);
    g_assert_cmpstr (json_object_get_string_member (jdoe, "full_name"), ==, "Jane Doe");
    g_assert_cmpstr (json_object_get_string_member (jdoe, "role"), ==, "supervisor");
    g_assert_true (json_object_get_boolean_member (jdoe, "active"));
    g_assert_false (json_object_get_boolean_member (jdoe, "locked"));
    g_assert_cmpstr (json_object_get_string_member (jdoe, "badge"), ==, "BADGE-JDOE");
  }

  /* Refusals carry the reason, and write nothing. */
  admin_refused (f, AGG_OUTCOME_INVALID_STATE, AGG_ACTION_USER_ADD, "jdoe", "Jane Again",
                 "operator", "4321");
  admin_refused (f, AGG_OUTCOME_BAD_REQUEST, AGG_ACTION_USER_ADD, "ann", "Ann", "boss", "4321");
  admin_refused (f, AGG_OUTCOME_BAD_REQUEST, AGG_ACTION_USER_ADD, "ann", "Ann", "operator",
                 "12");
  admin_refused (f, AGG_OUTCOME_BAD_REQUEST, AGG_ACTION_USER_ADD, "Ann Smith", "Ann",
                 "operator", "4321");
  admin_refused (f, AGG_OUTCOME_BAD_REQUEST, AGG_ACTION_USER_ADD, "ann", " ", "operator",
                 "4321");
  admin_refused (f, AGG_OUTCOME_BAD_REQUEST, AGG_ACTION_USER_ADD, "ann", "Ann", "operator",
                 NULL);

  /* The new account works. */
  simple_ok (f, AGG_ACTION_LOGOUT, NULL);
  login_ok (f, "jdoe", "975310");
}

static void
test_admin_user_pin (Fixture       *f,
                     gconstpointer  data)
{
  g_autoptr(AggResult) result = NULL;
  g_autoptr(AuditRow) row = NULL;

  /* The operator locks the account out with wrong PINs. */
  for (guint i = 0; i < 5; i++)
    {
      g_autoptr(AggResult) wrong = login (f, "operator", "0000");

      g_assert_cmpint (wrong->outcome, !=, AGG_OUTCOME_ACCEPTED);
    }
  g_assert_cmpint (db_int (f, "SELECT locked FROM users WHERE username = 'operator'", NULL),
                   ==, 1);

  login_ok (f, "admin", "3333");
  result = admin (f, AGG_ACTION_USER_SET_PIN, "operator", NULL, NULL, "864213");
  assert_outcome (result, AGG_OUTCOME_ACCEPTED);
  row = audit_find (f, "user.pin-reset", "operator");
  g_assert_nonnull (row);
  g_assert_cmpstr (row->username, ==, "admin");
  g_assert_cmpstr (row->old_value, ==, "locked");
  g_assert_cmpstr (row->new_value, ==, "unlocked");
  assert_pin_not_audited (f, "864213");

  admin_refused (f, AGG_OUTCOME_NOT_FOUND, AGG_ACTION_USER_SET_PIN, "nobody", NULL, NULL, "4321");
  admin_refused (f, AGG_OUTCOME_BAD_REQUEST, AGG_ACTION_USER_SET_PIN, "operator", NULL, NULL,
                 "12ab");
  admin_refused (f, AGG_OUTCOME_BAD_REQUEST, AGG_ACTION_USER_SET_PIN, "operator", NULL, NULL,
                 NULL);

  simple_ok (f, AGG_ACTION_LOGOUT, NULL);
  login_ok (f, "operator", "864213");
}

static void
test_admin_user_active (Fixture       *f,
                        gconstpointer  data)
{
  g_autoptr(AggResult) result = NULL;
  g_autoptr(AuditRow) row = NULL;

  login_ok (f, "admin", "3333");
  result = admin (f, AGG_ACTION_USER_SET_ACTIVE, "operator", "0", NULL, NULL);
  assert_outcome (result, AGG_OUTCOME_ACCEPTED);
  g_assert_cmpint (db_int (f, "SELECT active FROM users WHERE username = 'operator'", NULL),
                   ==, 0);
  row = audit_find (f, "user.disable", "operator");
  g_assert_nonnull (row);
  g_assert_cmpstr (row->username, ==, "admin");
  g_assert_cmpstr (row->old_value, ==, "active");
  g_assert_cmpstr (row->new_value, ==, "inactive");

  admin_refused (f, AGG_OUTCOME_INVALID_STATE, AGG_ACTION_USER_SET_ACTIVE, "admin", "0", NULL,
                 NULL);
  admin_refused (f, AGG_OUTCOME_NOT_FOUND, AGG_ACTION_USER_SET_ACTIVE, "nobody", "0", NULL, NULL);
  admin_refused (f, AGG_OUTCOME_BAD_REQUEST, AGG_ACTION_USER_SET_ACTIVE, "operator", "yes", NULL,
                 NULL);

  simple_ok (f, AGG_ACTION_LOGOUT, NULL);
  g_clear_pointer (&result, agg_result_free);
  result = login (f, "operator", "1111");
  assert_outcome (result, AGG_OUTCOME_NOT_PERMITTED);

  login_ok (f, "admin", "3333");
  g_clear_pointer (&result, agg_result_free);
  result = admin (f, AGG_ACTION_USER_SET_ACTIVE, "operator", "1", NULL, NULL);
  assert_outcome (result, AGG_OUTCOME_ACCEPTED);
  g_clear_pointer (&row, audit_row_free);
  row = audit_find (f, "user.enable", "operator");
  g_assert_nonnull (row);
  g_assert_cmpstr (row->old_value, ==, "inactive");
  g_assert_cmpstr (row->new_value, ==, "active");
}

static void
test_admin_import (Fixture       *f,
                   gconstpointer  data)
{
  static const char bad[] = "{ \"products\": [ { \"gtin\": \"09506000134370\" } ] }";
  g_autoptr(AggRequest) request = agg_request_new (AGG_ACTION_IMPORT);
  g_autoptr(AggResult) result = NULL;
  g_autoptr(AuditRow) row = NULL;
  gint64 n_audit;

  login_ok (f, "admin", "3333");
  request->data = g_strdup (admin_import_json);
  request->data_len = strlen (admin_import_json);
  result = execute (f, request);
  assert_outcome (result, AGG_OUTCOME_ACCEPTED);
  g_assert_cmpint (json_object_get_int_member (result->details, "imported"), ==, 1);
  assert_text (db_text (f, "SELECT description FROM products WHERE gtin = ?", OTHER_GTIN, NULL),
               "Admin drops");
  row = audit_find (f, "product.import", OTHER_GTIN);
  g_assert_nonnull (row);
  g_assert_cmpstr (row->username, ==, "admin");
  g_assert_nonnull (row->new_value);

  /* A bad file is refused with where it is wrong, and nothing written. */
  n_audit = count_rows (f, "audit");
  g_free (request->data);
  request->data = g_strdup (bad);
  request->data_len = strlen (bad);
  g_clear_pointer (&result, agg_result_free);
  result = execute (f, request);
  assert_outcome (result, AGG_OUTCOME_BAD_REQUEST);
  g_assert_cmpint (count_rows (f, "audit"), ==, n_audit);
  g_assert_cmpint (db_int (f, "SELECT count (*) FROM products WHERE gtin = '09506000134370'",
                           NULL), ==, 0);

  g_clear_pointer (&request->data, g_free);
  request->data_len = 0;
  g_clear_pointer (&result, agg_result_free);
  result = execute (f, request);
  assert_outcome (result, AGG_OUTCOME_BAD_REQUEST);
}

static void
test_admin_settings (Fixture       *f,
                     gconstpointer  data)
{
  static const struct {
    const char *key;
    const char *value;
  } refused[] = {
    { "gln", "9506000000009" },         /* wrong check digit */
    { "gln", "950600000000" },          /* 12 digits */
    { "gln", "95060000000O8" },
    { "gln_extension", "way too long for an extension" },
    { "gln_extension", "tab\there" },
    { "utc_offset", "+1:00" },
    { "utc_offset", "CET" },
    { "lockout_attempts", "0" },
    { "idle_timeout", "0" },
    { "idle_timeout", "10" },
    { "idle_timeout", "-600" },
    { "idle_timeout", "ten" },
    { "auto_close", "2" },
    { "station_name", "  " },
    { "pin_pepper", "x" },              /* no such setting */
  };
  g_autoptr(AggResult) result = NULL;
  g_autoptr(AuditRow) row = NULL;
  JsonObject *settings;

  login_ok (f, "admin", "3333");
  result = admin (f, AGG_ACTION_GET_SETTINGS, NULL, NULL, NULL, NULL);
  assert_outcome (result, AGG_OUTCOME_ACCEPTED);
  settings = detail (result, "settings");
  g_assert_cmpstr (json_object_get_string_member (settings, "station_name"), ==, "Demo line 1");
  g_assert_cmpstr (json_object_get_string_member (settings, "idle_timeout"), ==, "900");
  g_assert_cmpstr (json_object_get_string_member (settings, "gln"), ==, "9506000000008");
  g_assert_true (json_object_get_null_member (settings, "utc_offset"));

  g_clear_pointer (&result, agg_result_free);
  result = admin (f, AGG_ACTION_SET_SETTING, NULL, "idle_timeout", "600", NULL);
  assert_outcome (result, AGG_OUTCOME_ACCEPTED);
  row = audit_find (f, "setting.change", "idle_timeout");
  g_assert_nonnull (row);
  g_assert_cmpstr (row->username, ==, "admin");
  g_assert_cmpstr (row->old_value, ==, "900");
  g_assert_cmpstr (row->new_value, ==, "600");
  /* The session follows the new timeout at once. */
  g_assert_cmpuint (agg_line_get_idle_timeout (f->line), ==, 600);

  g_clear_pointer (&result, agg_result_free);
  result = admin (f, AGG_ACTION_SET_SETTING, NULL, "gln", "4012345000009", NULL);
  assert_outcome (result, AGG_OUTCOME_ACCEPTED);
  g_clear_pointer (&result, agg_result_free);
  result = admin (f, AGG_ACTION_SET_SETTING, NULL, "utc_offset", "+01:00", NULL);
  assert_outcome (result, AGG_OUTCOME_ACCEPTED);
  g_clear_pointer (&row, audit_row_free);
  row = audit_find (f, "setting.change", "utc_offset");
  g_assert_nonnull (row);
  g_assert_null (row->old_value);
  g_assert_cmpstr (row->new_value, ==, "+01:00");

  for (guint i = 0; i < G_N_ELEMENTS (refused); i++)
    admin_refused (f, AGG_OUTCOME_BAD_REQUEST, AGG_ACTION_SET_SETTING, NULL, refused[i].key,
                   refused[i].value, NULL);
  admin_refused (f, AGG_OUTCOME_BAD_REQUEST, AGG_ACTION_SET_SETTING, NULL, "gln", NULL, NULL);
  g_assert_cmpint (db_int (f, "SELECT count (*) FROM settings WHERE key = 'pin_pepper'", NULL),
                   ==, 0);
}

/* Camera layers */

#define LAYERED_PRODUCT \
  "{ \"products\": [ { \"gtin\": \"" GTIN "\", \"description\": \"Demo tablets 30 x 10 mg\"," \
  "  \"units_per_case\": 12, \"cases_per_pallet\": 4, \"layer_rows\": 3, \"layer_cols\": 4 } ] }"

/* One code of a layer read: its slot and its scan data. */
typedef struct
{
  int         slot;
  const char *data;
} LayerRead;

/* The JSON of a layer read of @n codes, with the evidence @image. */
static AggRequest *
layer_new (const LayerRead *reads,
           guint            n,
           const char      *image)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) root = NULL;
  AggRequest *request = agg_request_new (AGG_ACTION_SCAN_LAYER);

  json_builder_begin_object (builder);
  if (image != NULL)
    {
      json_builder_set_member_name (builder, "image");
      json_builder_add_string_value (builder, image);
    }
  json_builder_set_member_name (builder, "width");
  json_builder_add_int_value (builder, 640);
  json_builder_set_member_name (builder, "height");
  json_builder_add_int_value (builder, 480);
  json_builder_set_member_name (builder, "codes");
  json_builder_begin_array (builder);
  for (guint i = 0; i < n; i++)
    {
      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "slot");
      json_builder_add_int_value (builder, reads[i].slot);
      json_builder_set_member_name (builder, "data");
      json_builder_add_string_value (builder, reads[i].data);
      /* A square a pixel wide at x = i, for the evidence's overlay. */
      json_builder_set_member_name (builder, "corners");
      json_builder_begin_array (builder);
      for (guint c = 0; c < 4; c++)
        {
          json_builder_begin_array (builder);
          json_builder_add_double_value (builder, i + (c == 1 || c == 2));
          json_builder_add_double_value (builder, c >= 2);
          json_builder_end_array (builder);
        }
      json_builder_end_array (builder);
      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);
  json_builder_end_object (builder);
  root = json_builder_get_root (builder);

  request->data = json_to_string (root, FALSE);
  request->data_len = strlen (request->data);
  request->source = g_strdup ("camera-1");
  return request;
}

/* The codes of units @prefix01 … in slots 0 … @n - 1, except @skip
 * (-1: none); free with strings_clear (). */
static void
layer_codes (char       **codes,
             LayerRead   *reads,
             guint        n,
             const char  *prefix,
             guint       *n_reads,
             int          skip)
{
  *n_reads = 0;
  for (guint i = 0; i < n; i++)
    {
      g_autofree char *serial = serial_name (prefix, i + 1);

      codes[i] = unit_data (serial);
      if ((int) i == skip)
        continue;
      reads[*n_reads].slot = i;
      reads[*n_reads].data = codes[i];
      (*n_reads)++;
    }
}

static AggResult *
scan_layer (Fixture         *f,
            const LayerRead *reads,
            guint            n,
            const char      *image)
{
  g_autoptr(AggRequest) request = layer_new (reads, n, image);

  return execute (f, request);
}

static JsonObject *
layer_slot (const AggResult *result,
            guint            slot)
{
  JsonArray *slots = json_object_get_array_member (detail (result, "layer"), "slots");

  g_assert_cmpuint (slot, <, json_array_get_length (slots));
  g_assert_cmpint (json_object_get_int_member (json_array_get_object_element (slots, slot),
                                               "slot"), ==, slot);
  return json_array_get_object_element (slots, slot);
}

static void
assert_slot (const AggResult *result,
             guint            slot,
             const char      *state,
             AggOutcome       outcome)
{
  JsonObject *object = layer_slot (result, slot);

  g_assert_cmpstr (json_object_get_string_member (object, "state"), ==, state);
  if (strcmp (state, "refused") == 0)
    g_assert_cmpstr (json_object_get_string_member (object, "outcome"), ==,
                     agg_outcome_to_string (outcome));
  else
    g_assert_false (json_object_has_member (object, "outcome"));
}

static void
test_layer_complete (Fixture       *f,
                     gconstpointer  data)
{
  char *codes[UNITS_PER_CASE] = { NULL, };
  LayerRead reads[UNITS_PER_CASE];
  g_autoptr(AggResult) result = NULL;
  g_autoptr(GPtrArray) uris = unit_uris ("L", 1, UNITS_PER_CASE);
  g_autoptr(GPtrArray) events = NULL;
  g_autofree char *reads_json = NULL;
  g_autofree char *case_uri = NULL;
  const char *sscc;
  gint64 n_audit;
  guint n;

  import_and_start (f, LAYERED_PRODUCT, ORDER);
  layer_codes (codes, reads, UNITS_PER_CASE, "L", &n, -1);
  n_audit = count_rows (f, "audit");

  /* Every slot read and valid: the whole case in one request. */
  result = scan_layer (f, reads, n, "evidence/camera-1/0001.png");
  assert_outcome (result, AGG_OUTCOME_ACCEPTED);
  g_assert_true (json_object_get_boolean_member (detail (result, "layer"), "complete"));
  g_assert_cmpint (json_object_get_int_member (detail (result, "layer"), "expected"), ==, 12);
  g_assert_cmpint (json_object_get_int_member (detail (result, "layer"), "rows"), ==, 3);
  g_assert_cmpint (json_object_get_int_member (detail (result, "layer"), "accepted"), ==, 12);
  for (guint i = 0; i < UNITS_PER_CASE; i++)
    assert_slot (result, i, "accepted", AGG_OUTCOME_ACCEPTED);
  g_assert_true (json_object_get_boolean_member (result->details, "case_closed"));
  sscc = json_object_get_string_member (detail (result, "case"), "sscc");
  assert_text (container_status (f, sscc), "closed");

  g_assert_cmpint (db_int (f, "SELECT count (*) FROM units u JOIN containers c"
                              " ON c.id = u.parent_id WHERE c.sscc = ?", sscc, NULL), ==, 12);
  /* One audit row per unit, the case's opening and closing, and the layer. */
  g_assert_cmpint (count_rows (f, "audit"), ==, n_audit + 12 + 3);
  g_assert_cmpint (count_rows (f, "rejects"), ==, 0);

  /* The case's AggregationEvent holds the twelve units. */
  case_uri = sscc_uri (sscc);
  events = events_after (f, 1, 1);
  assert_event (g_ptr_array_index (events, 0), "AggregationEvent", "ADD", "packing",
                "in_progress", case_uri, (const char **) uris->pdata);

  /* The evidence: the image with what was read in it, with the case. */
  g_assert_cmpint (db_int (f, "SELECT count (*) FROM case_images i JOIN containers c"
                              " ON c.id = i.container_id WHERE c.sscc = ?"
                              " AND i.camera = 'camera-1' AND i.path = 'evidence/camera-1/0001.png'"
                              " AND i.read_count = 12 AND i.expected = 12"
                              " AND i.removed_at IS NULL", sscc, NULL), ==, 1);
  g_assert_cmpint (db_int (f, "SELECT i.audit_id = a.id FROM case_images i, audit a"
                              " WHERE a.action = 'case.layer'", NULL), ==, 1);
  reads_json = db_text (f, "SELECT json_extract (reads, '$.slots[11].serial') FROM case_images",
                        NULL);
  g_assert_cmpstr (reads_json, ==, "L12");
  g_assert_cmpint (db_int (f, "SELECT json_extract (reads, '$.slots[11].corners[2][0]') * 1000"
                              " + json_extract (reads, '$.width') FROM case_images", NULL),
                   ==, 12 * 1000 + 640);
  g_assert_cmpint (json_object_get_int_member (detail (result, "layer"), "image_id"), ==,
                   db_int (f, "SELECT id FROM case_images", NULL));

  /* The case's record shows the image with its reads. */
  {
    g_autoptr(AggResult) shown = simple (f, AGG_ACTION_SHOW, sscc);
    JsonArray *images;
    JsonObject *image;

    assert_outcome (shown, AGG_OUTCOME_ACCEPTED);
    images = json_object_get_array_member (detail (shown, "record"), "images");
    g_assert_cmpuint (json_array_get_length (images), ==, 1);
    image = json_array_get_object_element (images, 0);
    g_assert_cmpstr (json_object_get_string_member (image, "path"), ==,
                     "evidence/camera-1/0001.png");
    g_assert_cmpint (json_array_get_length (json_object_get_array_member (
                       json_object_get_object_member (image, "reads"), "slots")), ==, 12);
  }
  strings_clear (codes, UNITS_PER_CASE);
}

static void
test_layer_missing_slot (Fixture       *f,
                         gconstpointer  data)
{
  char *codes[UNITS_PER_CASE] = { NULL, };
  LayerRead reads[UNITS_PER_CASE];
  g_autoptr(AggResult) result = NULL;
  g_autofree char *sscc = NULL;
  guint n;

  import_and_start (f, LAYERED_PRODUCT, ORDER);
  layer_codes (codes, reads, UNITS_PER_CASE, "M", &n, 5);
  g_assert_cmpuint (n, ==, 11);

  /* Slot 5 unread: the eleven others go in, the case stays open and
   * slot 5 is flagged for the handheld. */
  result = scan_layer (f, reads, n, "m.png");
  assert_outcome (result, AGG_OUTCOME_LAYER_INCOMPLETE);
  g_assert_false (agg_result_is_ok (result));
  g_assert_false (json_object_get_boolean_member (detail (result, "layer"), "complete"));
  g_assert_cmpint (json_object_get_int_member (detail (result, "layer"), "read"), ==, 11);
  g_assert_cmpint (json_object_get_int_member (detail (result, "layer"), "empty"), ==, 1);
  assert_slot (result, 5, "empty", AGG_OUTCOME_ACCEPTED);
  assert_slot (result, 4, "accepted", AGG_OUTCOME_ACCEPTED);
  g_assert_false (json_object_get_boolean_member (result->details, "case_closed"));
  sscc = g_strdup (json_object_get_string_member (detail (result, "case"), "sscc"));
  assert_text (container_status (f, sscc), "open");
  g_assert_cmpint (json_object_get_int_member (detail (result, "case"), "count"), ==, 11);
  g_assert_cmpint (db_int (f, "SELECT read_count FROM case_images", NULL), ==, 11);

  /* A second picture, nothing fixed yet: the eleven are present, not
   * duplicates, and nothing is written twice. */
  g_clear_pointer (&result, agg_result_free);
  result = scan_layer (f, reads, n, "m2.png");
  assert_outcome (result, AGG_OUTCOME_LAYER_INCOMPLETE);
  g_assert_cmpint (json_object_get_int_member (detail (result, "layer"), "present"), ==, 11);
  g_assert_cmpint (json_object_get_int_member (detail (result, "layer"), "accepted"), ==, 0);
  assert_slot (result, 0, "present", AGG_OUTCOME_ACCEPTED);
  g_assert_cmpint (count_rows (f, "units"), ==, 11);
  g_assert_cmpint (count_rows (f, "rejects"), ==, 0);
  g_assert_cmpint (count_rows (f, "case_images"), ==, 2);

  /* The handheld fills slot 5 with a normal scan, which completes the case. */
  g_clear_pointer (&result, agg_result_free);
  result = scan_unit_ok (f, "M06");
  g_assert_true (json_object_get_boolean_member (result->details, "case_closed"));
  g_assert_cmpstr (json_object_get_string_member (detail (result, "case"), "sscc"), ==, sscc);
  assert_text (container_status (f, sscc), "closed");
  strings_clear (codes, UNITS_PER_CASE);
}

static void
test_layer_refusals (Fixture       *f,
                     gconstpointer  data)
{
  char *codes[UNITS_PER_CASE] = { NULL, };
  LayerRead reads[UNITS_PER_CASE + 1];
  g_autoptr(AggResult) result = NULL;
  g_autofree char *earlier = NULL;
  g_autofree char *wrong_lot = unit_data_full (GTIN, EXPIRY, "DEMO02", "R03");
  g_autofree char *wrong_product = unit_data_full (OTHER_GTIN, EXPIRY, LOT, "R04");
  g_autofree char *packed = unit_data ("P01");
  g_autoptr(GPtrArray) rejects = NULL;
  const char *sscc;
  guint n;

  import_and_start (f, LAYERED_PRODUCT, ORDER);
  earlier = fill_case (f, "P", UNITS_PER_CASE);

  layer_codes (codes, reads, UNITS_PER_CASE, "R", &n, -1);
  reads[1].data = codes[0];             /* the same code in slots 0 and 1 */
  reads[2].data = wrong_lot;
  reads[3].data = wrong_product;
  reads[6].data = packed;               /* packed in the earlier case */
  reads[7].data = "not a gs1 code";
  reads[8].data = "]d201" GTIN "10" LOT;   /* GS1, but no serial */
  /* The same unit read again outside the layout counts as well. */
  reads[n].slot = -1;
  reads[n].data = codes[9];

  result = scan_layer (f, reads, n + 1, "r.png");
  assert_outcome (result, AGG_OUTCOME_LAYER_INCOMPLETE);
  assert_slot (result, 0, "refused", AGG_OUTCOME_DUPLICATE_IN_THIS_CASE);
  assert_slot (result, 1, "refused", AGG_OUTCOME_DUPLICATE_IN_THIS_CASE);
  assert_slot (result, 2, "refused", AGG_OUTCOME_WRONG_LOT);
  assert_slot (result, 3, "refused", AGG_OUTCOME_WRONG_PRODUCT);
  assert_slot (result, 4, "accepted", AGG_OUTCOME_ACCEPTED);
  assert_slot (result, 5, "accepted", AGG_OUTCOME_ACCEPTED);
  assert_slot (result, 6, "refused", AGG_OUTCOME_ALREADY_AGGREGATED);
  assert_slot (result, 7, "refused", AGG_OUTCOME_NOT_GS1);
  assert_slot (result, 8, "refused", AGG_OUTCOME_NOT_A_UNIT);
  assert_slot (result, 9, "refused", AGG_OUTCOME_DUPLICATE_IN_THIS_CASE);
  assert_slot (result, 10, "accepted", AGG_OUTCOME_ACCEPTED);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (detail (result, "layer"),
                                                                         "extra")), ==, 1);
  g_assert_cmpint (json_object_get_int_member (detail (result, "layer"), "refused"), ==, 9);
  g_assert_cmpint (json_object_get_int_member (detail (result, "layer"), "accepted"), ==, 4);

  /* The valid ones went into a new case; the earlier one is untouched. */
  sscc = json_object_get_string_member (detail (result, "case"), "sscc");
  g_assert_cmpstr (sscc, !=, earlier);
  g_assert_cmpint (json_object_get_int_member (detail (result, "case"), "count"), ==, 4);
  assert_text (db_text (f, "SELECT c.sscc FROM units u JOIN containers c ON c.id = u.parent_id"
                           " WHERE u.serial = 'P01'", NULL), earlier);
  g_assert_cmpint (db_int (f, "SELECT count (*) FROM units WHERE serial LIKE 'R%'", NULL), ==, 4);

  /* Each refusal is logged with its own code, for reconciliation. */
  rejects = agg_test_db_texts (f->station.db,
                               "SELECT outcome || ':' || ifnull (serial, '-') || ':' || source"
                               " FROM rejects ORDER BY id");
  g_assert_cmpuint (rejects->len, ==, 9);
  g_assert_cmpstr (g_ptr_array_index (rejects, 0), ==, "DUPLICATE_IN_THIS_CASE:R01:camera-1");
  g_assert_cmpstr (g_ptr_array_index (rejects, 2), ==, "WRONG_LOT:R03:camera-1");
  g_assert_cmpstr (g_ptr_array_index (rejects, 5), ==, "NOT_GS1:-:camera-1");
  assert_text (db_text (f, "SELECT data FROM rejects WHERE outcome = 'NOT_GS1'", NULL),
               "not a gs1 code");
  strings_clear (codes, UNITS_PER_CASE);
}

static void
test_layer_refused_requests (Fixture       *f,
                             gconstpointer  data)
{
  char *codes[UNITS_PER_CASE] = { NULL, };
  LayerRead reads[UNITS_PER_CASE];
  static const char *const malformed[] = {
    "", "[]", "{}", "{\"codes\": 3}", "{\"codes\": [{\"slot\": 0}]}",
    "{\"codes\": [{\"slot\": \"a\", \"data\": \"x\"}]}",
    "{\"codes\": [], \"rows\": 3}", "{\"codes\": [], \"rows\": 0, \"cols\": 4}",
    "{\"codes\": [], \"image\": 7}",
    "{\"codes\": [{\"slot\": 0, \"data\": \"x\", \"corners\": [[0, 0]]}]}",
    "{\"codes\": [], \"width\": -5}",
  };
  g_autoptr(AggRequest) request = NULL;
  g_autoptr(AggResult) result = NULL;
  guint n;

  layer_codes (codes, reads, UNITS_PER_CASE, "B", &n, -1);

  /* Not logged in, then no order running. */
  request = layer_new (reads, n, "b.png");
  result = execute_refused (f, request, AGG_OUTCOME_NOT_LOGGED_IN);
  g_clear_pointer (&result, agg_result_free);
  login_ok (f, "operator", "1111");
  result = execute_refused (f, request, AGG_OUTCOME_NO_RUNNING_ORDER);
  g_clear_pointer (&result, agg_result_free);
  g_clear_pointer (&request, agg_request_free);

  import (f, LAYERED_PRODUCT);
  simple_ok (f, AGG_ACTION_START_ORDER, ORDER);
  for (guint i = 0; i < G_N_ELEMENTS (malformed); i++)
    {
      request = agg_request_new (AGG_ACTION_SCAN_LAYER);
      request->data = g_strdup (malformed[i]);
      request->data_len = strlen (malformed[i]);
      result = execute_refused (f, request, AGG_OUTCOME_BAD_REQUEST);
      g_clear_pointer (&result, agg_result_free);
      g_clear_pointer (&request, agg_request_free);
    }

  /* A camera counting slots on another grid than the product's. */
  request = agg_request_new (AGG_ACTION_SCAN_LAYER);
  request->data = g_strdup ("{\"rows\": 4, \"cols\": 3, \"codes\": []}");
  request->data_len = strlen (request->data);
  result = execute_refused (f, request, AGG_OUTCOME_BAD_REQUEST);
  g_clear_pointer (&result, agg_result_free);
  g_clear_pointer (&request, agg_request_free);

  /* On the pallet page, layers are no cases. */
  simple_ok (f, AGG_ACTION_SET_MODE, "pallet");
  request = layer_new (reads, n, "b.png");
  result = execute_refused (f, request, AGG_OUTCOME_INVALID_STATE);
  g_assert_cmpint (count_rows (f, "case_images"), ==, 0);
  strings_clear (codes, UNITS_PER_CASE);
}

/* Without a layout the layer is what the open case still lacks. */
static void
test_layer_without_layout (Fixture       *f,
                           gconstpointer  data)
{
  char *codes[UNITS_PER_CASE] = { NULL, };
  LayerRead reads[UNITS_PER_CASE];
  g_autoptr(AggResult) result = NULL;
  guint n;

  login_and_start (f);
  g_clear_pointer (&result, agg_result_free);
  result = scan_unit_ok (f, "N01");
  layer_codes (codes, reads, UNITS_PER_CASE, "N", &n, -1);
  for (guint i = 0; i < n; i++)
    reads[i].slot = -1;

  /* N01 is present, N02 … N12 fill the case. */
  g_clear_pointer (&result, agg_result_free);
  result = scan_layer (f, reads, n, NULL);
  assert_outcome (result, AGG_OUTCOME_ACCEPTED);
  g_assert_cmpint (json_object_get_int_member (detail (result, "layer"), "expected"), ==, 11);
  g_assert_cmpint (json_object_get_int_member (detail (result, "layer"), "present"), ==, 1);
  g_assert_cmpint (json_object_get_int_member (detail (result, "layer"), "accepted"), ==, 11);
  g_assert_true (json_object_get_boolean_member (result->details, "case_closed"));
  /* No image, no evidence row; the audit trail still has the read. */
  g_assert_cmpint (count_rows (f, "case_images"), ==, 0);
  g_assert_cmpint (db_int (f, "SELECT count (*) FROM audit WHERE action = 'case.layer'", NULL),
                   ==, 1);
  strings_clear (codes, UNITS_PER_CASE);
}

/* A camera that placed nothing, on a product with a layout: a count. */
static void
test_layer_unplaced (Fixture       *f,
                     gconstpointer  data)
{
  char *codes[UNITS_PER_CASE] = { NULL, };
  LayerRead reads[UNITS_PER_CASE];
  g_autoptr(AggResult) result = NULL;
  guint n;

  import_and_start (f, LAYERED_PRODUCT, ORDER);
  layer_codes (codes, reads, UNITS_PER_CASE, "U", &n, 3);
  for (guint i = 0; i < n; i++)
    reads[i].slot = -1;

  result = scan_layer (f, reads, n, "u.png");
  assert_outcome (result, AGG_OUTCOME_LAYER_INCOMPLETE);
  g_assert_cmpint (json_object_get_int_member (detail (result, "layer"), "expected"), ==, 12);
  g_assert_cmpint (json_object_get_int_member (detail (result, "layer"), "rows"), ==, 0);
  g_assert_cmpint (json_object_get_int_member (detail (result, "layer"), "read"), ==, 11);
  g_assert_cmpint (json_object_get_int_member (detail (result, "layer"), "accepted"), ==, 11);
  g_assert_cmpint (json_object_get_int_member (detail (result, "layer"), "empty"), ==, 1);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (detail (result, "layer"),
                                                                         "extra")), ==, 11);
  strings_clear (codes, UNITS_PER_CASE);
}

typedef struct
{
  const char *camera;
  const char *before;
  gint64      keep;
} Expiry;

static gpointer
expire_job (AggStore  *store,
            sqlite3   *db,
            gpointer   user_data,
            GError   **error)
{
  const Expiry *expiry = user_data;

  return agg_case_images_expire (store, expiry->camera, expiry->before, expiry->keep, error);
}

static void
test_layer_evidence_retention (Fixture       *f,
                               gconstpointer  data)
{
  char *codes[UNITS_PER_CASE] = { NULL, };
  LayerRead reads[UNITS_PER_CASE];
  g_autoptr(GPtrArray) paths = NULL;
  guint n;

  import_and_start (f, LAYERED_PRODUCT, ORDER);
  layer_codes (codes, reads, UNITS_PER_CASE, "E", &n, 0);
  for (guint i = 0; i < 5; i++)
    {
      g_autofree char *path = g_strdup_printf ("e%u.png", i);
      g_autoptr(AggResult) result = scan_layer (f, reads, n, path);

      assert_outcome (result, AGG_OUTCOME_LAYER_INCOMPLETE);
    }
  agg_test_exec (f->station.store, "UPDATE case_images SET taken_at = '2020-01-01T00:00:00.000Z'"
                                   " WHERE path = 'e0.png'");

  /* Another camera's images are not this one's to remove. */
  paths = agg_test_run_job (f->station.store, AGG_STORE_WRITE, expire_job,
                            &(Expiry) { "camera-2", NULL, 1 });
  g_assert_cmpuint (paths->len, ==, 0);
  g_clear_pointer (&paths, g_ptr_array_unref);

  /* By age: only the old one. */
  paths = agg_test_run_job (f->station.store, AGG_STORE_WRITE, expire_job,
                            &(Expiry) { "camera-1", "2021-01-01T00:00:00.000Z", 0 });
  g_assert_cmpuint (paths->len, ==, 1);
  g_assert_cmpstr (g_ptr_array_index (paths, 0), ==, "e0.png");
  g_clear_pointer (&paths, g_ptr_array_unref);

  /* By count: the newest two stay. */
  paths = agg_test_run_job (f->station.store, AGG_STORE_WRITE, expire_job,
                            &(Expiry) { "camera-1", NULL, 2 });
  g_assert_cmpuint (paths->len, ==, 2);
  g_assert_cmpstr (g_ptr_array_index (paths, 0), ==, "e1.png");
  g_assert_cmpstr (g_ptr_array_index (paths, 1), ==, "e2.png");

  /* The rows stay, marked, with what was read. */
  g_assert_cmpint (count_rows (f, "case_images"), ==, 5);
  g_assert_cmpint (db_int (f, "SELECT count (*) FROM case_images WHERE removed_at IS NOT NULL",
                           NULL), ==, 3);
  g_assert_cmpint (db_int (f, "SELECT count (*) FROM case_images WHERE removed_at IS NULL"
                              " AND path IN ('e3.png', 'e4.png')", NULL), ==, 2);
  strings_clear (codes, UNITS_PER_CASE);
}

static gpointer
import_fails_job (AggStore  *store,
                  sqlite3   *db,
                  gpointer   user_data,
                  GError   **error)
{
  const char *contents = user_data;
  g_autoptr(GError) local_error = NULL;

  g_assert_false (agg_import_master_data (store, &station, contents, strlen (contents), NULL,
                                          &local_error));
  g_assert_error (local_error, AGG_LINE_ERROR, AGG_LINE_ERROR_INVALID);
  g_test_message ("%s", local_error->message);
  return g_strdup (local_error->message);
}

static void
test_layer_import (Fixture       *f,
                   gconstpointer  data)
{
  static const struct {
    const char *contents;
    const char *fragment;
  } refused[] = {
    { "{ \"products\": [ { \"gtin\": \"" GTIN "\", \"description\": \"x\", \"units_per_case\": 12,"
      " \"cases_per_pallet\": 4, \"layer_rows\": 3 } ] }", "layer_cols" },
    { "{ \"products\": [ { \"gtin\": \"" GTIN "\", \"description\": \"x\", \"units_per_case\": 12,"
      " \"cases_per_pallet\": 4, \"layer_rows\": 4, \"layer_cols\": 4 } ] }", "12 units" },
    { "{ \"products\": [ { \"gtin\": \"" GTIN "\", \"description\": \"x\", \"units_per_case\": 12,"
      " \"cases_per_pallet\": 4, \"layer_rows\": -1, \"layer_cols\": 4 } ] }", "layer_rows" },
    { "{ \"products\": [ { \"gtin\": \"" GTIN "\", \"description\": \"x\", \"units_per_case\": 12,"
      " \"cases_per_pallet\": 4, \"layer_rows\": \"3\", \"layer_cols\": 4 } ] }", "whole number" },
    { "gtin,description,units_per_case,cases_per_pallet,layer_rows,layer_cols\n"
      GTIN ",x,12,4,three,4\n", "three" },
  };
  g_autoptr(AuditRow) row = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (refused); i++)
    {
      g_autofree char *message = agg_test_run_job (f->station.store, AGG_STORE_WRITE,
                                                   import_fails_job,
                                                   (gpointer) refused[i].contents);

      g_assert_nonnull (strstr (message, refused[i].fragment));
    }
  g_assert_cmpint (db_int (f, "SELECT count (*) FROM products WHERE layer_rows IS NOT NULL",
                           NULL), ==, 0);

  /* JSON, then CSV; the change of layout is audited. */
  import (f, LAYERED_PRODUCT);
  g_assert_cmpint (db_int (f, "SELECT layer_rows * 100 + layer_cols FROM products"
                              " WHERE gtin = ?", GTIN, NULL), ==, 304);
  row = audit_find (f, "product.import", GTIN);
  g_assert_nonnull (row);
  import (f, "gtin,description,units_per_case,cases_per_pallet,layer_rows,layer_cols\n"
             OTHER_GTIN ",Other,24,2,2,6\n"
             GTIN ",Demo tablets 30 x 10 mg,12,4,,\n");
  g_assert_cmpint (db_int (f, "SELECT layer_rows * 100 + layer_cols FROM products"
                              " WHERE gtin = ?", OTHER_GTIN, NULL), ==, 206);
  g_assert_cmpint (db_int (f, "SELECT layer_rows IS NULL FROM products WHERE gtin = ?", GTIN,
                           NULL), ==, 1);

  /* The running order tells the camera its layout. */
  import (f, LAYERED_PRODUCT);
  login_ok (f, "operator", "1111");
  {
    g_autoptr(AggResult) result = simple (f, AGG_ACTION_START_ORDER, ORDER);

    assert_outcome (result, AGG_OUTCOME_ACCEPTED);
    g_assert_cmpint (json_object_get_int_member (detail (result, "order"), "layer_rows"), ==, 3);
    g_assert_cmpint (json_object_get_int_member (detail (result, "order"), "layer_cols"), ==, 4);
  }
}

typedef void (*LineTestFunc) (Fixture       *f,
                              gconstpointer  data);

typedef struct
{
  const char   *path;
  LineTestFunc  func;
} LineTest;

static const LineTest line_tests[] = {
  { "/line/session/login", test_login },
  { "/line/session/lockout", test_lockout },
  { "/line/session/badge", test_badge },
  { "/line/session/idle-timeout", test_idle_timeout },
  { "/line/order/start", test_start_order },
  { "/line/order/list", test_list_orders },
  { "/line/order/scan", test_scan_order },
  { "/line/rules/refusals", test_rules },
  { "/line/rules/already-aggregated", test_already_aggregated },
  { "/line/rules/unit-decommissioned", test_unit_decommissioned },
  { "/line/rules/expired", test_expired },
  { "/line/rules/not-commissioned", test_not_commissioned },
  { "/line/rules/case-full", test_case_full },
  { "/line/rules/no-open-case", test_no_open_case },
  { "/line/rules/sscc-exhausted", test_sscc_exhausted },
  { "/line/rules/product-options", test_product_options },
  { "/line/signatures", test_signatures },
  { "/line/case/auto-close", test_case_auto_close },
  { "/line/case/partial-close", test_partial_close },
  { "/line/pallet/build", test_pallet },
  { "/line/pallet/bare-sscc", test_pallet_bare_sscc },
  { "/line/correct/remove-unit", test_remove_unit },
  { "/line/correct/replace-unit", test_replace_unit },
  { "/line/correct/unpack", test_unpack },
  { "/line/correct/remove-and-move-case", test_remove_and_move_case },
  { "/line/correct/move-unclosed-case", test_move_unclosed_case },
  { "/line/correct/reopen-case", test_reopen_case },
  { "/line/correct/decommission", test_decommission },
  { "/line/correct/destroy", test_destroy },
  { "/line/correct/sample", test_sample },
  { "/line/correct/void-label", test_void_label },
  { "/line/correct/reprint-label", test_reprint_label },
  { "/line/correct/need-reason", test_corrections_need_reason },
  { "/line/schema/one-case-per-unit", test_schema_one_case_per_unit },
  { "/line/order/reconcile-and-close", test_reconcile_and_close },
  { "/line/show", test_show },
  { "/line/status", test_status },
  { "/line/async", test_async },
  { "/line/admin/permissions", test_admin_permissions },
  { "/line/admin/user-add", test_admin_user_add },
  { "/line/admin/user-pin", test_admin_user_pin },
  { "/line/admin/user-active", test_admin_user_active },
  { "/line/admin/import", test_admin_import },
  { "/line/admin/settings", test_admin_settings },
  { "/line/layer/complete", test_layer_complete },
  { "/line/layer/missing-slot", test_layer_missing_slot },
  { "/line/layer/refusals", test_layer_refusals },
  { "/line/layer/refused-requests", test_layer_refused_requests },
  { "/line/layer/without-layout", test_layer_without_layout },
  { "/line/layer/unplaced", test_layer_unplaced },
  { "/line/layer/evidence-retention", test_layer_evidence_retention },
  { "/line/layer/import", test_layer_import },
};

/* Each test runs in a process of its own, so that one failure does not
 * hide the verdicts of the tests after it. */
static void
run_test (gconstpointer data)
{
  const LineTest *test = data;

  if (g_test_subprocess ())
    {
      Fixture fixture = { 0 };

      fixture_set_up (&fixture, NULL);
      test->func (&fixture, NULL);
      fixture_tear_down (&fixture, NULL);
      return;
    }

  g_test_trap_subprocess (NULL, 300 * G_USEC_PER_SEC, G_TEST_SUBPROCESS_INHERIT_STDERR);
  g_test_trap_assert_passed ();
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  /* The parent only collects verdicts: a failed child marks its test
   * failed and the run goes on. */
  if (!g_test_subprocess ())
    g_test_set_nonfatal_assertions ();

  for (guint i = 0; i < G_N_ELEMENTS (line_tests); i++)
    g_test_add_data_func (line_tests[i].path, &line_tests[i], run_test);

  return g_test_run ();
}
