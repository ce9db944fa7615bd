/* test-station.c: the station runtime around the engine
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include <glib.h>
#include <string.h>
#include <unistd.h>

#include "agg-station.h"
#include "agg-test-utils.h"

static AggConfig *
config_from (const char *text)
{
  g_autoptr(GError) error = NULL;
  AggConfig *config = agg_config_load_data (text, strlen (text), "station.conf", &error);

  g_assert_no_error (error);
  return config;
}

static void
test_station_refuses_unknown_groups (AggTestStation *fixture,
                                     gconstpointer   data)
{
  g_autoptr(AggLine) line = agg_line_new (fixture->store);
  g_autoptr(AggConfig) config = config_from ("[station]\nname = L1\n\n[scaner:hand]\ntype = serial\n");
  g_autoptr(GError) error = NULL;
  g_autoptr(AggStation) station = agg_station_new (line, config, &error);

  g_assert_null (station);
  g_assert_error (error, AGG_CONFIG_ERROR, AGG_CONFIG_ERROR_INVALID);
  g_assert_cmpstr (error->message, ==, "station.conf:4: [scaner:hand]: unknown group");
}

static void
test_station_refuses_bad_identity (AggTestStation *fixture,
                                   gconstpointer   data)
{
  g_autoptr(AggLine) line = agg_line_new (fixture->store);
  g_autoptr(AggConfig) config = config_from ("[station]\nname = L1\ncolour = blue\n");
  g_autoptr(GError) error = NULL;
  g_autoptr(AggStation) station = agg_station_new (line, config, &error);

  g_assert_null (station);
  g_assert_cmpstr (error->message, ==, "station.conf:3: [station] colour: unknown key");
}

/* The configured identity lands in the settings once, audited as the
 * station's own change. */
static void
test_station_records_identity (AggTestStation *fixture,
                               gconstpointer   data)
{
  g_autoptr(AggLine) line = agg_line_new (fixture->store);
  g_autoptr(AggConfig) config = config_from ("[station]\nname = Line 7\ngln = 9506000000008\n"
                                             "extension = L7\ntime-zone = utc\n");
  g_autoptr(GError) error = NULL;
  g_autoptr(AggStation) station = agg_station_new (line, config, &error);
  g_autoptr(AggStation) again = NULL;
  gint64 audit_rows;

  g_assert_no_error (error);
  g_assert_true (agg_station_start (station, &error));
  g_assert_no_error (error);
  agg_station_stop (station);

  g_assert_cmpstr (agg_test_db_text (fixture->db, "SELECT value FROM settings WHERE key = 'station_name'", NULL), ==, "Line 7");
  g_assert_cmpstr (agg_test_db_text (fixture->db, "SELECT value FROM settings WHERE key = 'gln'", NULL), ==, "9506000000008");
  g_assert_cmpstr (agg_test_db_text (fixture->db, "SELECT value FROM settings WHERE key = 'gln_extension'", NULL), ==, "L7");
  g_assert_cmpstr (agg_test_db_text (fixture->db, "SELECT value FROM settings WHERE key = 'utc_offset'", NULL), ==, "+00:00");
  audit_rows = agg_test_db_int (fixture->db, "SELECT count (*) FROM audit WHERE user_id IS NULL AND object IN ('station_name', 'gln', 'gln_extension', 'utc_offset')", NULL);
  g_assert_cmpint (audit_rows, ==, 4);

  /* Starting again on the same configuration changes nothing. */
  again = agg_station_new (line, config, &error);
  g_assert_true (agg_station_start (again, &error));
  agg_station_stop (again);
  g_assert_cmpint (agg_test_db_int (fixture->db, "SELECT count (*) FROM audit WHERE user_id IS NULL AND object IN ('station_name', 'gln', 'gln_extension', 'utc_offset')", NULL), ==, audit_rows);
  agg_test_assert_audit_intact (fixture->store);
}

static void
status_changed_cb (AggStation *station,
                   guint      *count)
{
  (*count)++;
}

static const char *
condition_message (JsonObject *status,
                   const char *list,
                   const char *id)
{
  JsonArray *array = json_object_get_array_member (status, list);

  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonObject *item = json_array_get_object_element (array, i);

      if (strcmp (json_object_get_string_member (item, "id"), id) == 0)
        return json_object_get_string_member (item, "message");
    }
  return NULL;
}

/* The published status once it names @fault; fails after 10 s. */
static JsonObject *
wait_for_published_fault (const char *path,
                          const char *fault,
                          gboolean   *running)
{
  gint64 deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;

  while (g_get_monotonic_time () < deadline)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(JsonObject) status = agg_station_read_status (path, running, &error);

      g_assert_no_error (error);
      if (status != NULL && condition_message (status, "faults", fault) != NULL)
        return g_steal_pointer (&status);
      g_main_context_iteration (NULL, TRUE);
    }
  g_assert_not_reached ();
}

static void
test_station_faults_and_published_status (AggTestStation *fixture,
                                          gconstpointer   data)
{
  g_autoptr(AggLine) line = agg_line_new (fixture->store);
  g_autoptr(AggConfig) config = agg_config_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(AggStation) station = agg_station_new (line, config, &error);
  g_autoptr(JsonObject) status = NULL;
  g_autoptr(JsonObject) published = NULL;
  gboolean running = TRUE;
  guint changes = 0;

  g_assert_null (agg_station_read_status (fixture->path, &running, &error));
  g_assert_no_error (error);
  g_assert_false (running);

  g_assert_true (agg_station_start (station, &error));
  g_signal_connect (station, "status-changed", G_CALLBACK (status_changed_cb), &changes);

  agg_station_set_fault (station, "printer:zebra", "Paper out");
  agg_station_set_fault (station, "printer:zebra", "Paper out");
  agg_station_set_warning (station, "labels", "2 labels pending");
  g_assert_cmpuint (changes, ==, 2);
  g_assert_true (agg_station_has_fault (station));

  status = agg_station_dup_status (station);
  g_assert_cmpstr (condition_message (status, "faults", "printer:zebra"), ==, "Paper out");
  g_assert_cmpstr (condition_message (status, "warnings", "labels"), ==, "2 labels pending");

  /* Changes are published as the main loop turns, coalesced. */
  published = wait_for_published_fault (fixture->path, "printer:zebra", &running);
  g_assert_true (running);
  g_assert_cmpint (json_object_get_int_member (published, "pid"), ==, getpid ());
  g_assert_cmpstr (condition_message (published, "faults", "printer:zebra"), ==, "Paper out");

  agg_station_set_fault (station, "printer:zebra", NULL);
  g_assert_false (agg_station_has_fault (station));

  agg_station_stop (station);
  g_clear_pointer (&published, json_object_unref);
  published = agg_station_read_status (fixture->path, &running, &error);
  g_assert_nonnull (published);
  g_assert_false (running);
  g_assert_null (condition_message (published, "faults", "printer:zebra"));
}

typedef struct
{
  GPtrArray *order;
  guint      pending;
} Collect;

static void
request_processed_cb (AggStation       *station,
                      const AggRequest *request,
                      const AggResult  *result,
                      Collect          *collect)
{
  g_ptr_array_add (collect->order, g_strdup (agg_outcome_to_string (result->outcome)));
}

static void
execute_cb (GObject      *source,
            GAsyncResult *res,
            gpointer      user_data)
{
  Collect *collect = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(AggResult) result = agg_station_execute_finish (AGG_STATION (source), res, &error);

  g_assert_no_error (error);
  g_assert_nonnull (result);
  collect->pending--;
}

/* Requests run in the order they came, each reported once; a refusal by
 * the database is a station fault until a request commits again. */
static void
test_station_queue_order_and_database_fault (AggTestStation *fixture,
                                             gconstpointer   data)
{
  g_autoptr(AggLine) line = agg_line_new (fixture->store);
  g_autoptr(AggConfig) config = agg_config_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(AggStation) station = agg_station_new (line, config, &error);
  g_autoptr(AggRequest) login = agg_request_new (AGG_ACTION_LOGIN);
  g_autoptr(AggRequest) scan = agg_request_new (AGG_ACTION_SCAN);
  g_autoptr(AggRequest) logout = agg_request_new (AGG_ACTION_LOGOUT);
  Collect collect = { g_ptr_array_new_with_free_func (g_free), 0 };

  agg_test_load_demo (fixture->store);
  g_assert_true (agg_station_start (station, &error));
  g_signal_connect (station, "request-processed", G_CALLBACK (request_processed_cb), &collect);

  login->user = g_strdup ("operator");
  login->pin = g_strdup ("1111");
  scan->data = g_strdup ("not a code");
  scan->data_len = strlen (scan->data);
  scan->source = g_strdup ("hand");

  collect.pending = 3;
  agg_station_execute_async (station, login, NULL, execute_cb, &collect);
  agg_station_execute_async (station, scan, NULL, execute_cb, &collect);
  agg_station_execute_async (station, logout, NULL, execute_cb, &collect);
  while (collect.pending > 0)
    g_main_context_iteration (NULL, TRUE);

  g_assert_cmpuint (collect.order->len, ==, 3);
  g_assert_cmpstr (collect.order->pdata[0], ==, "ACCEPTED");
  g_assert_cmpstr (collect.order->pdata[1], ==, "NOT_GS1");
  g_assert_cmpstr (collect.order->pdata[2], ==, "ACCEPTED");
  g_assert_false (agg_station_has_fault (station));

  /* A database that refuses every write: the station faults. */
  g_assert_true (agg_store_set_max_pages (fixture->store, 1, &error));
  for (guint i = 0; i < 5000 && !agg_station_has_fault (station); i++)
    {
      collect.pending = 1;
      agg_station_execute_async (station, login, NULL, execute_cb, &collect);
      while (collect.pending > 0)
        g_main_context_iteration (NULL, TRUE);
    }
  g_assert_true (agg_station_has_fault (station));
  g_assert_cmpstr (g_ptr_array_index (collect.order, collect.order->len - 1), ==, "STORE_FAILED");

  agg_station_stop (station);
  g_ptr_array_unref (collect.order);
}

/* The documented example names every group and key: the station must
 * take it as it stands. */
static void
test_station_accepts_the_example (AggTestStation *fixture,
                                  gconstpointer   data)
{
  g_autofree char *path = g_test_build_filename (G_TEST_DIST, "..", "data", "station.conf.example", NULL);
  g_autoptr(AggLine) line = agg_line_new (fixture->store);
  g_autoptr(GError) error = NULL;
  g_autoptr(AggConfig) config = agg_config_load (path, &error);
  g_autoptr(AggStation) station = NULL;
  g_autoptr(JsonArray) devices = NULL;

  g_assert_no_error (error);
  station = agg_station_new (line, config, &error);
  g_assert_no_error (error);
  g_assert_nonnull (station);

  /* Four readers, the PLC, three printers, the upstream, three cameras. */
  devices = agg_station_dup_devices (station);
  g_assert_cmpuint (json_array_get_length (devices), ==, 12);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  agg_test_add_station ("/station/accepts-the-example", test_station_accepts_the_example);
  agg_test_add_station ("/station/refuses-unknown-groups", test_station_refuses_unknown_groups);
  agg_test_add_station ("/station/refuses-bad-identity", test_station_refuses_bad_identity);
  agg_test_add_station ("/station/records-identity", test_station_records_identity);
  agg_test_add_station ("/station/faults-and-published-status", test_station_faults_and_published_status);
  agg_test_add_station ("/station/queue-order-and-database-fault", test_station_queue_order_and_database_fault);

  return g_test_run ();
}
