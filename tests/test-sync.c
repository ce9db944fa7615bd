/* test-sync.c: the [sync] configuration, the worker's status, and the
 * supervisor's resolution of refused events
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Delivery itself is proven against a real capture interface by
 * test-sync.py; here the parts that need no network: every refusal of a
 * bad [sync] group names its file and line and never repeats a secret,
 * and exceptions are resent or marked handled only with a supervisor's
 * signature, audited.
 */

#include <string.h>

#include "agg-config.h"
#include "agg-line.h"
#include "agg-sync.h"
#include "agg-test-utils.h"

#define SECRET "pa55-w0rd-that-must-not-show"

typedef struct
{
  AggTestStation  station;
  AggLine        *line;
} Fixture;

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  agg_test_station_set_up (&f->station, data);
  agg_test_load_demo (f->station.store);
  f->line = agg_line_new (f->station.store);
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  g_clear_object (&f->line);
  agg_test_station_tear_down (&f->station, data);
}

static AggSync *
sync_from (AggStore    *store,
           const char  *text,
           GError     **error)
{
  g_autoptr(AggConfig) config = agg_config_load_data (text, strlen (text), "station.conf", NULL);

  g_assert_nonnull (config);
  return agg_sync_new_from_config (store, config, error);
}

static void
test_no_group (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(AggSync) sync = sync_from (f->station.store, "[station]\nname = L1\n", &error);

  g_assert_no_error (error);
  g_assert_null (sync);
}

static const struct
{
  const char *text;
  const char *where;
} bad_configs[] = {
  { "[sync]\nmode = capture-job\n", "station.conf:1: [sync]: the key" },
  { "[sync]\nurl = ftp://example.com/epcis\n", "station.conf:2: [sync] url" },
  { "[sync]\nurl = https://user:" SECRET "@example.com/epcis\n", "station.conf:2: [sync] url" },
  { "[sync]\nurl = https://example.com\nformat = csv\n", "station.conf:3: [sync] format" },
  { "[sync]\nurl = https://example.com\nbatch-size = 0\n", "station.conf:3: [sync] batch-size" },
  { "[sync]\nurl = https://example.com\nauth = basic\npassword = " SECRET "\n",
    "station.conf:1: [sync]: the key" },
  { "[sync]\nurl = http://example.com\nauth = bearer\ntoken = " SECRET "\n",
    "station.conf:3: [sync] auth" },
  { "[sync]\nurl = https://example.com\nauth = bearer\n", "station.conf:3: [sync] auth" },
  { "[sync]\nurl = https://example.com\ntls-verify = no\n", "station.conf:3: [sync] tls-verify" },
  { "[sync]\nurl = https://example.com\nretry-min = 10s\nretry-max = 1s\n",
    "station.conf:4: [sync] retry-max" },
  { "[sync]\nurl = https://example.com\nca-file = /nonexistent/ca.pem\n",
    "station.conf:3: [sync] ca-file" },
  { "[sync]\nurl = https://example.com\ntimeout = soon\n", "station.conf:3: [sync] timeout" },
  { "[sync]\nurl = https://example.com\nsecret = " SECRET "\n", "station.conf:3:" },
};

static void
test_bad_config (Fixture       *f,
                 gconstpointer  data)
{
  for (guint i = 0; i < G_N_ELEMENTS (bad_configs); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(AggSync) sync = sync_from (f->station.store, bad_configs[i].text, &error);

      g_test_message ("%s", bad_configs[i].text);
      g_assert_null (sync);
      g_assert_nonnull (error);
      g_assert_true (g_str_has_prefix (error->message, bad_configs[i].where));
      g_assert_null (strstr (error->message, SECRET));
    }
}

static void
test_status (Fixture       *f,
             gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(AggSync) sync = sync_from (f->station.store,
                                       "[sync]\nurl = https://repo.example.com/epcis/\n"
                                       "auth = bearer\ntoken = " SECRET "\n"
                                       "tls-verify = false\ntls-insecure-acknowledged = true\n",
                                       &error);
  g_autoptr(JsonObject) status = NULL;
  g_autoptr(JsonNode) node = NULL;
  g_autofree char *text = NULL;

  g_assert_no_error (error);
  g_assert_nonnull (sync);

  status = agg_sync_dup_status (sync);
  g_assert_cmpstr (json_object_get_string_member (status, "state"), ==, "stopped");
  g_assert_false (json_object_get_boolean_member (status, "online"));
  g_assert_cmpstr (json_object_get_string_member (status, "url"), ==,
                   "https://repo.example.com/epcis");
  g_assert_true (json_object_get_null_member (status, "last_success_at"));
  g_assert_true (json_object_get_null_member (status, "capture_limit"));

  node = json_node_init_object (json_node_alloc (), status);
  text = json_to_string (node, FALSE);
  g_assert_null (strstr (text, SECRET));
}

static void
make_exception (Fixture    *f,
                const char *event_id)
{
  g_autofree char *sql = g_strdup_printf (
    "INSERT INTO events (event_id, type, action, biz_step, event_time, tz_offset, epcs,"
    "  read_point, biz_location, status, last_error)"
    " VALUES ('%s', 'ObjectEvent', 'OBSERVE', 'packing', '2026-11-24T10:00:00.000Z', '+00:00',"
    "  '[]', 'x', 'x', 'exception', 'Unknown product')", event_id);

  agg_test_exec (f->station.store, sql);
}

static AggResult *
execute (Fixture    *f,
         AggAction   action,
         const char *code,
         const char *reason,
         const char *signer,
         const char *pin)
{
  g_autoptr(AggRequest) request = agg_request_new (action);

  request->code = g_strdup (code);
  request->reason = g_strdup (reason);
  request->signer = g_strdup (signer);
  request->signer_pin = g_strdup (pin);
  return agg_line_execute_sync (f->line, request);
}

static void
test_resolve (Fixture       *f,
              gconstpointer  data)
{
  g_autoptr(AggResult) result = NULL;
  sqlite3 *db = f->station.db;
  JsonArray *rows;

  make_exception (f, "urn:uuid:ex-1");
  make_exception (f, "urn:uuid:ex-2");

  /* Not without a session. */
  result = execute (f, AGG_ACTION_EVENT_RESEND, "urn:uuid:ex-1", "fixed", NULL, NULL);
  g_assert_cmpint (result->outcome, ==, AGG_OUTCOME_NOT_LOGGED_IN);
  g_clear_pointer (&result, agg_result_free);

  agg_test_log_in (f->line, "operator", "1111");
  result = execute (f, AGG_ACTION_LIST_EXCEPTIONS, NULL, NULL, NULL, NULL);
  g_assert_cmpint (result->outcome, ==, AGG_OUTCOME_ACCEPTED);
  rows = json_object_get_array_member (result->details, "exceptions");
  g_assert_cmpuint (json_array_get_length (rows), ==, 2);
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (rows, 0),
                                                  "last_error"), ==, "Unknown product");
  g_clear_pointer (&result, agg_result_free);

  result = execute (f, AGG_ACTION_EVENT_RESEND, "urn:uuid:ex-1", NULL, NULL, NULL);
  g_assert_cmpint (result->outcome, ==, AGG_OUTCOME_BAD_REQUEST);
  g_clear_pointer (&result, agg_result_free);

  result = execute (f, AGG_ACTION_EVENT_RESEND, "urn:uuid:ex-1", "fixed", NULL, NULL);
  g_assert_cmpint (result->outcome, ==, AGG_OUTCOME_SIGNATURE_REQUIRED);
  g_clear_pointer (&result, agg_result_free);

  result = execute (f, AGG_ACTION_EVENT_RESEND, "urn:uuid:ex-1", "fixed", "operator", "1111");
  g_assert_cmpint (result->outcome, ==, AGG_OUTCOME_NOT_PERMITTED);
  g_clear_pointer (&result, agg_result_free);

  result = execute (f, AGG_ACTION_EVENT_RESEND, "urn:uuid:nope", "fixed", "supervisor", "2222");
  g_assert_cmpint (result->outcome, ==, AGG_OUTCOME_NOT_FOUND);
  g_clear_pointer (&result, agg_result_free);

  g_assert_cmpint (agg_test_db_int (db, "SELECT count (*) FROM audit WHERE action LIKE 'event.%'",
                                    NULL), ==, 0);

  result = execute (f, AGG_ACTION_EVENT_RESEND, "urn:uuid:ex-1", "master data loaded",
                    "supervisor", "2222");
  g_assert_cmpint (result->outcome, ==, AGG_OUTCOME_ACCEPTED);
  g_clear_pointer (&result, agg_result_free);

  result = execute (f, AGG_ACTION_EVENT_HANDLED, "urn:uuid:ex-2", "sent by hand",
                    "supervisor", "2222");
  g_assert_cmpint (result->outcome, ==, AGG_OUTCOME_ACCEPTED);
  g_clear_pointer (&result, agg_result_free);

  result = execute (f, AGG_ACTION_EVENT_HANDLED, "urn:uuid:ex-1", "twice", "supervisor", "2222");
  g_assert_cmpint (result->outcome, ==, AGG_OUTCOME_INVALID_STATE);
  g_clear_pointer (&result, agg_result_free);

  g_assert_cmpint (agg_test_db_int (db, "SELECT count (*) FROM events WHERE event_id = ?"
                                        " AND status = 'pending' AND resolution = ?"
                                        " AND resolved_audit_id IS NOT NULL",
                                    "urn:uuid:ex-1", "master data loaded", NULL), ==, 1);
  g_assert_cmpint (agg_test_db_int (db, "SELECT count (*) FROM events WHERE event_id = ?"
                                        " AND status = 'handled' AND resolution = ?",
                                    "urn:uuid:ex-2", "sent by hand", NULL), ==, 1);
  g_assert_cmpint (agg_test_db_int (db, "SELECT count (*) FROM audit a JOIN events e"
                                        " ON e.resolved_audit_id = a.id"
                                        " WHERE a.signer = 'supervisor' AND a.object = e.event_id"
                                        " AND a.action IN ('event.resend', 'event.handled')",
                                    NULL), ==, 2);
  agg_test_assert_audit_intact (f->station.store);
}

static JsonObject *
sync_status_source (gpointer user_data)
{
  JsonObject *object = json_object_new ();

  json_object_set_int_member (object, "pending", GPOINTER_TO_INT (user_data));
  return object;
}

static void
test_status_source (Fixture       *f,
                    gconstpointer  data)
{
  g_autoptr(AggRequest) request = agg_request_new (AGG_ACTION_STATUS);
  g_autoptr(AggResult) result = NULL;
  JsonObject *status;

  agg_line_add_status_source (f->line, "sync", sync_status_source, GINT_TO_POINTER (42), NULL);
  result = agg_line_execute_sync (f->line, request);
  g_assert_cmpint (result->outcome, ==, AGG_OUTCOME_ACCEPTED);
  status = json_object_get_object_member (result->details, "status");
  g_assert_cmpint (json_object_get_int_member (json_object_get_object_member (status, "sync"),
                                               "pending"), ==, 42);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)

  ADD ("/sync/config/no-group", test_no_group);
  ADD ("/sync/config/refused-with-line-and-no-secret", test_bad_config);
  ADD ("/sync/status/before-start", test_status);
  ADD ("/sync/exceptions/resend-and-handled-signed", test_resolve);
  ADD ("/sync/status/in-the-engine-status", test_status_source);

  return g_test_run ();
}
