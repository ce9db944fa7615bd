/* agg-cli-print.c: aggctl print, aggctl printer, aggctl bench print
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib-unix.h>
#include <glib/gstdio.h>
#include <glib/gi18n-lib.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "agg-cli.h"
#include "agg-label-jobs.h"
#include "agg-line.h"
#include "agg-print-queue.h"

static AggPrintQueue *
load_queue (AggStore *store)
{
  g_autoptr(AggConfig) config = agg_cli_load_config ();
  g_autoptr(GError) error = NULL;
  AggPrintQueue *queue;

  if (config == NULL)
    return NULL;
  queue = agg_print_queue_new_from_config (store, config, &error);
  if (queue == NULL)
    {
      agg_cli_failure ("%s", error->message);
      return NULL;
    }
  if (agg_print_queue_get_printers (queue)->len == 0)
    {
      agg_cli_failure (_("No printer is configured: add a [printer:NAME] group to %s"),
                       agg_config_get_path (config) ? agg_config_get_path (config) : "station.conf");
      g_object_unref (queue);
      return NULL;
    }
  return queue;
}

/* Asks @printer how it is; prints one line, or fills @object. */
static AggPrinterFault
query (AggPrinter  *printer,
       const char  *when,
       JsonObject  *object)
{
  g_autoptr(GError) error = NULL;
  AggPrinterFault fault = AGG_PRINTER_FAULT_NONE;
  gboolean queried = agg_printer_can_query (printer);

  if (queried)
    fault = agg_printer_query_sync (printer, NULL, &error);

  if (object != NULL)
    {
      json_object_set_string_member (object, "name", agg_printer_get_name (printer));
      json_object_set_string_member (object, "type", agg_printer_get_type_name (printer));
      json_object_set_string_member (object, "endpoint", agg_printer_get_endpoint (printer));
      json_object_set_boolean_member (object, "queried", queried);
      json_object_set_boolean_member (object, "connected",
                                      queried && fault != AGG_PRINTER_FAULT_UNREACHABLE &&
                                      fault != AGG_PRINTER_FAULT_NO_ANSWER);
      if (fault != AGG_PRINTER_FAULT_NONE)
        {
          json_object_set_string_member (object, "fault_id", agg_printer_fault_to_id (fault));
          json_object_set_string_member (object, "fault", agg_printer_fault_to_message (fault));
          json_object_set_string_member (object, "detail", error->message);
        }
      else
        {
          json_object_set_null_member (object, "fault_id");
          json_object_set_null_member (object, "fault");
          json_object_set_null_member (object, "detail");
        }
      return fault;
    }

  /* Translators: "NAME (TYPE ENDPOINT)", then the printer's state. */
  printf (_("%s%s (%s %s): "), when, agg_printer_get_name (printer),
          agg_printer_get_type_name (printer), agg_printer_get_endpoint (printer));
  if (!queried)
    printf ("%s\n", _("takes jobs; it cannot report its status"));
  else if (fault == AGG_PRINTER_FAULT_NONE)
    printf ("%s\n", _("ready"));
  else
    printf ("%s — %s\n", agg_printer_fault_to_id (fault), error->message);
  return fault;
}

/* aggctl printer */

#define PRINTER_USAGE N_("usage: aggctl printer status [--json] [NAME] | printer serve")

static int
printer_status (int    argc,
                char **argv)
{
  g_autoptr(AggConfig) config = NULL;
  g_autoptr(JsonArray) array = json_array_new ();
  g_autoptr(GPtrArray) printers = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) groups = NULL;
  const char *name = NULL;
  gboolean json = FALSE;
  gboolean faulty = FALSE;
  gboolean found = FALSE;

  for (int i = 1; i < argc; i++)
    {
      if (strcmp (argv[i], "--json") == 0)
        json = TRUE;
      else if (argv[i][0] != '-' && name == NULL)
        name = argv[i];
      else
        return agg_cli_usage_error ("%s", _(PRINTER_USAGE));
    }

  /* Every printer is checked before any is asked, as the station does. */
  config = agg_cli_load_config ();
  if (config == NULL)
    return AGG_CLI_EXIT_FAILED;
  groups = agg_config_list_groups (config, "printer:");
  for (guint i = 0; groups[i] != NULL; i++)
    {
      AggPrinter *printer = agg_printer_new_from_config (config, groups[i], &error);

      if (printer == NULL)
        return agg_cli_failure ("%s", error->message);
      g_ptr_array_add (printers, printer);
    }
  if (printers->len == 0)
    return agg_cli_failure (_("No printer is configured: add a [printer:NAME] group to %s"),
                            agg_config_get_path (config) ? agg_config_get_path (config)
                                                         : "station.conf");

  for (guint i = 0; i < printers->len; i++)
    {
      AggPrinter *printer = g_ptr_array_index (printers, i);
      JsonObject *object;

      if (name != NULL && strcmp (agg_printer_get_name (printer), name) != 0)
        continue;
      found = TRUE;
      object = json ? json_object_new () : NULL;
      if (query (printer, "", object) != AGG_PRINTER_FAULT_NONE)
        faulty = TRUE;
      if (object != NULL)
        json_array_add_object_element (array, object);
    }
  if (!found)
    return agg_cli_failure (_("No printer is called “%s”"), name);

  if (json)
    {
      g_autoptr(JsonNode) node = json_node_init_array (json_node_alloc (), array);
      g_autofree char *text = json_to_string (node, FALSE);

      printf ("%s\n", text);
    }
  return faulty ? AGG_CLI_EXIT_FAILED : AGG_CLI_EXIT_OK;
}

/* aggctl printer serve: the queue on its own, beside a station that
 * writes jobs into the same database. */

static void
print_json_line (JsonObject *object)
{
  g_autoptr(JsonNode) node = json_node_init_object (json_node_alloc (), object);
  g_autofree char *text = json_to_string (node, FALSE);

  printf ("%s\n", text);
  fflush (stdout);
}

static void
status_changed_cb (AggPrintQueue *queue,
                   const char    *printer,
                   gpointer       user_data)
{
  g_autoptr(JsonObject) object = json_object_new ();

  json_object_set_string_member (object, "event", "status");
  json_object_set_array_member (object, "printers", agg_print_queue_dup_status (queue));
  print_json_line (object);
}

static void
fault_changed_cb (AggPrintQueue *queue,
                  const char    *printer,
                  const char    *fault_id,
                  const char    *message,
                  gpointer       user_data)
{
  g_autoptr(JsonObject) object = json_object_new ();

  json_object_set_string_member (object, "event", "fault");
  json_object_set_string_member (object, "printer", printer);
  if (fault_id != NULL)
    {
      json_object_set_string_member (object, "fault_id", fault_id);
      json_object_set_string_member (object, "fault", message);
    }
  else
    {
      json_object_set_null_member (object, "fault_id");
      json_object_set_null_member (object, "fault");
    }
  print_json_line (object);
}

static gboolean
quit_cb (gpointer user_data)
{
  /* Both handlers are removed once the loop has stopped. */
  g_main_loop_quit (user_data);
  return G_SOURCE_CONTINUE;
}

static int
printer_serve (void)
{
  g_autoptr(AggStore) store = agg_cli_open_store (FALSE);
  g_autoptr(AggPrintQueue) queue = NULL;
  g_autoptr(GMainLoop) loop = NULL;
  g_autoptr(GError) error = NULL;
  guint term_id, int_id;

  if (store == NULL)
    return AGG_CLI_EXIT_FAILED;
  queue = load_queue (store);
  if (queue == NULL)
    return AGG_CLI_EXIT_FAILED;

  loop = g_main_loop_new (NULL, FALSE);
  g_signal_connect (queue, "status-changed", G_CALLBACK (status_changed_cb), NULL);
  g_signal_connect (queue, "fault-changed", G_CALLBACK (fault_changed_cb), NULL);
  term_id = g_unix_signal_add (SIGTERM, quit_cb, loop);
  int_id = g_unix_signal_add (SIGINT, quit_cb, loop);

  if (!agg_print_queue_start (queue, &error))
    return agg_cli_failure ("%s", error->message);
  g_main_loop_run (loop);
  agg_print_queue_stop (queue);

  g_source_remove (term_id);
  g_source_remove (int_id);
  return AGG_CLI_EXIT_OK;
}

int
agg_cli_printer (int    argc,
                 char **argv)
{
  if (argc >= 2 && strcmp (argv[1], "status") == 0)
    return printer_status (argc - 1, argv + 1);
  if (argc == 2 && strcmp (argv[1], "serve") == 0)
    return printer_serve ();
  return agg_cli_usage_error ("%s", _(PRINTER_USAGE));
}

/* aggctl print */

#define PRINT_USAGE N_("usage: aggctl print [--printer NAME] [--reprint-reason REASON] CONTAINER")

/* A signed reprint through the engine, as the --as user. */
static gboolean
reprint (AggStore    *store,
         const char  *sscc,
         const char  *printer,
         const char  *reason)
{
  g_autoptr(AggLine) line = agg_line_new (store);
  g_autoptr(AggRequest) request = agg_request_new (AGG_ACTION_REPRINT_LABEL);
  g_autoptr(AggRequest) logout = agg_request_new (AGG_ACTION_LOGOUT);
  g_autoptr(AggResult) result = NULL;
  g_autoptr(AggResult) logged_out = NULL;
  g_autofree char *pin = NULL;

  /* Said here rather than by agg_cli_read_as_pin (): a reprint says why. */
  if (agg_cli_globals.as_user == NULL)
    {
      agg_cli_usage_error (_("a reprint needs --as USER before the command: a supervisor signs it"));
      return FALSE;
    }
  if (agg_cli_read_as_pin (&pin) != AGG_CLI_EXIT_OK)
    return FALSE;
  if (!agg_cli_log_in_as (line, pin))
    return FALSE;

  request->code = g_strdup (sscc);
  request->code2 = g_strdup (printer);
  request->reason = g_strdup (reason);
  request->signer = g_strdup (agg_cli_globals.as_user);
  request->signer_pin = g_strdup (pin);
  result = agg_line_execute_sync (line, request);
  logged_out = agg_line_execute_sync (line, logout);
  if (!agg_result_is_ok (result))
    {
      agg_cli_failure ("%s", result->message);
      return FALSE;
    }
  printf ("%s\n", result->message);
  return TRUE;
}

int
agg_cli_print (int    argc,
               char **argv)
{
  g_autoptr(AggStore) store = NULL;
  g_autoptr(AggPrintQueue) queue = NULL;
  g_autoptr(AggLine) line = NULL;
  g_autoptr(AggRequest) show = agg_request_new (AGG_ACTION_SHOW);
  g_autoptr(AggResult) shown = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *refusal = NULL;
  g_autofree char *sscc = NULL;
  const char *printer_name = NULL;
  const char *reason = NULL;
  const char *code = NULL;
  AggPrinter *printer;
  JsonObject *record;
  gboolean pallet;
  gint64 job_id;
  gint64 start;
  gboolean sent;

  for (int i = 1; i < argc; i++)
    {
      if (strcmp (argv[i], "--printer") == 0 && i + 1 < argc)
        printer_name = argv[++i];
      else if (strcmp (argv[i], "--reprint-reason") == 0 && i + 1 < argc && argv[i + 1][0])
        reason = argv[++i];
      else if (argv[i][0] != '-' && code == NULL)
        code = argv[i];
      else
        return agg_cli_usage_error ("%s", _(PRINT_USAGE));
    }
  if (code == NULL)
    return agg_cli_usage_error ("%s", _(PRINT_USAGE));

  store = agg_cli_open_store (FALSE);
  if (store == NULL)
    return AGG_CLI_EXIT_FAILED;
  queue = load_queue (store);
  if (queue == NULL)
    return AGG_CLI_EXIT_FAILED;

  /* What the code names, as the record has it. */
  line = agg_line_new (store);
  show->code = g_strdup (code);
  shown = agg_line_execute_sync (line, show);
  if (!agg_result_is_ok (shown))
    return agg_cli_failure ("%s", shown->message);
  record = json_object_get_object_member (shown->details, "record");
  if (g_strcmp0 (json_object_get_string_member_with_default (record, "kind", ""), "unit") == 0)
    return agg_cli_failure (_("%s is a unit: print the label of its case or pallet"), code);
  sscc = g_strdup (json_object_get_string_member (record, "sscc"));
  pallet = g_strcmp0 (json_object_get_string_member (record, "kind"), "pallet") == 0;

  if (printer_name != NULL)
    {
      printer = agg_print_queue_get_printer (queue, printer_name);
      if (printer == NULL)
        return agg_cli_failure (_("No printer is called “%s”"), printer_name);
    }
  else
    {
      printer = agg_print_queue_choose_printer (queue, pallet);
      if (printer == NULL)
        return agg_cli_failure (pallet ? _("No printer takes pallet labels: give --printer NAME")
                                       : _("No printer takes case labels: give --printer NAME"));
    }

  query (printer, _("Before: "), NULL);

  if (reason != NULL && !reprint (store, sscc, agg_printer_get_name (printer), reason))
    return AGG_CLI_EXIT_FAILED;

  job_id = agg_label_jobs_request_sync (store, sscc, agg_printer_get_name (printer), &refusal,
                                        &error);
  if (job_id == 0)
    return agg_cli_failure ("%s", refusal != NULL ? refusal : error->message);

  start = g_get_monotonic_time ();
  sent = agg_print_queue_send_now_sync (queue, printer, job_id, &error);
  if (sent)
    /* Translators: an SSCC, a printer's name and a duration in milliseconds. */
    printf (_("Label %s sent to %s in %" PRId64 " ms\n"), sscc, agg_printer_get_name (printer),
            (g_get_monotonic_time () - start) / 1000);
  else
    /* Translators: an SSCC, why it was not sent, and a printer's name. */
    printf (_("Label %s not sent: %s. It waits for %s.\n"), sscc, error->message,
            agg_printer_get_name (printer));

  query (printer, _("After: "), NULL);
  return sent ? AGG_CLI_EXIT_OK : AGG_CLI_EXIT_FAILED;
}

/* aggctl bench print: from the request that closes a case to its label's
 * last byte on a printer's socket, through the engine, the queue, the
 * label renderer and a loopback TCP printer that answers ~HS. */

#define BENCH_USAGE N_("usage: aggctl bench print [--cases N]")

/* Its three status strings: all well. */
static const char ready_status[] =
  "\002030,0,0,1218,000,0,0,0,000,0,0,0\003\r\n"
  "\002001,0,0,0,1,2,6,0,00000000,1,000\003\r\n"
  "\0021234,0\003\r\n";

typedef struct
{
  GSocket      *socket;
  GAsyncQueue  *arrivals;             /* monotonic µs of each ^XZ, as gint64 * */
} BenchPrinter;

static void
bench_serve_connection (BenchPrinter *printer,
                        GSocket      *connection)
{
  g_autoptr(GString) seen = g_string_new (NULL);
  char buf[4096];
  gssize n;

  while ((n = g_socket_receive (connection, buf, sizeof buf, NULL, NULL)) > 0)
    {
      const char *p;

      g_string_append_len (seen, buf, n);
      /* Answers every ~HS and times every end of format, in order. */
      while ((p = strstr (seen->str, "~HS")) != NULL || strstr (seen->str, "^XZ") != NULL)
        {
          const char *xz = strstr (seen->str, "^XZ");

          if (p != NULL && (xz == NULL || p < xz))
            {
              g_socket_send (connection, ready_status, sizeof ready_status - 1, NULL, NULL);
              g_string_erase (seen, 0, (p - seen->str) + 3);
            }
          else
            {
              gint64 *at = g_new (gint64, 1);

              *at = g_get_monotonic_time ();
              g_async_queue_push (printer->arrivals, at);
              g_string_erase (seen, 0, (xz - seen->str) + 3);
            }
        }
    }
}

static gpointer
bench_printer_thread (gpointer data)
{
  BenchPrinter *printer = data;
  GSocket *connection;

  while ((connection = g_socket_accept (printer->socket, NULL, NULL)) != NULL)
    {
      bench_serve_connection (printer, connection);
      g_object_unref (connection);
    }
  return NULL;
}

static int
compare_int64 (gconstpointer a,
               gconstpointer b)
{
  gint64 x = *(const gint64 *) a;
  gint64 y = *(const gint64 *) b;

  return x < y ? -1 : x > y;
}

static gpointer
bench_import_job (AggStore  *store,
                  sqlite3   *db,
                  gpointer   user_data,
                  GError   **error)
{
  agg_import_demo (store, error);
  return NULL;
}

static gboolean
bench_request (AggLine    *line,
               AggRequest *request)
{
  g_autoptr(AggResult) result = agg_line_execute_sync (line, request);

  if (agg_result_is_ok (result))
    return TRUE;
  fprintf (stderr, "aggctl: bench print: %s: %s\n", agg_outcome_to_string (result->outcome),
           result->message);
  return FALSE;
}

int
agg_cli_bench_print (int    argc,
                     char **argv)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSocketAddress) any = NULL;
  g_autoptr(GSocketAddress) bound = NULL;
  g_autoptr(GInetAddress) loopback = NULL;
  g_autoptr(AggStore) store = NULL;
  g_autoptr(AggConfig) config = NULL;
  g_autoptr(AggPrintQueue) queue = NULL;
  g_autoptr(AggLine) line = NULL;
  g_autoptr(AggRequest) login = agg_request_new (AGG_ACTION_LOGIN);
  g_autoptr(AggRequest) start = agg_request_new (AGG_ACTION_START_ORDER);
  g_autoptr(GArray) latencies = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autofree char *dir = NULL;
  g_autofree char *db_path = NULL;
  g_autofree char *conf = NULL;
  BenchPrinter printer = { NULL, NULL };
  GThread *thread;
  gint64 cases = 20;
  guint serial = 0;
  int status = AGG_CLI_EXIT_OK;

  for (int i = 2; i < argc; i++)
    {
      if (strcmp (argv[i], "--cases") == 0 && i + 1 < argc)
        {
          cases = g_ascii_strtoll (argv[++i], NULL, 10);
          if (cases < 1 || cases > 10000)
            return agg_cli_usage_error (_("--cases takes a number between 1 and 10000"));
        }
      else
        return agg_cli_usage_error ("%s", _(BENCH_USAGE));
    }

  /* The printer: a listener on a free loopback port. */
  loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  any = g_inet_socket_address_new (loopback, 0);
  printer.socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM,
                                 G_SOCKET_PROTOCOL_TCP, &error);
  if (printer.socket == NULL || !g_socket_bind (printer.socket, any, TRUE, &error) ||
      !g_socket_listen (printer.socket, &error) ||
      (bound = g_socket_get_local_address (printer.socket, &error)) == NULL)
    {
      g_clear_object (&printer.socket);
      return agg_cli_failure ("%s", error->message);
    }
  printer.arrivals = g_async_queue_new_full (g_free);
  thread = g_thread_new ("bench-printer", bench_printer_thread, &printer);

  dir = g_dir_make_tmp ("aggctl-bench-print-XXXXXX", &error);
  if (dir == NULL)
    return agg_cli_failure ("%s", error->message);
  db_path = g_build_filename (dir, "station.db", NULL);
  conf = g_strdup_printf ("[printer:bench]\ntype = tcp\nhost = 127.0.0.1\nport = %u\n"
                          "poll-interval = 0\n",
                          g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound)));

  store = agg_store_open (db_path, &error);
  if (store != NULL)
    agg_store_run_sync (store, AGG_STORE_WRITE, bench_import_job, NULL, &error);
  if (error == NULL)
    config = agg_config_load_data (conf, strlen (conf), "bench.conf", &error);
  if (config != NULL)
    queue = agg_print_queue_new_from_config (store, config, &error);
  if (queue == NULL || !agg_print_queue_start (queue, &error))
    {
      status = agg_cli_failure ("%s", error->message);
      goto out;
    }

  line = agg_line_new (store);
  login->user = g_strdup ("operator");
  login->pin = g_strdup ("1111");
  start->code = g_strdup ("WO-DEMO-1");
  if (!bench_request (line, login) || !bench_request (line, start))
    {
      status = AGG_CLI_EXIT_FAILED;
      goto out;
    }

  for (gint64 c = 0; c < cases && status == AGG_CLI_EXIT_OK; c++)
    {
      for (guint u = 1; u <= 12; u++)
        {
          g_autoptr(AggRequest) scan = agg_request_new (AGG_ACTION_SCAN);
          gint64 before = g_get_monotonic_time ();
          g_autofree gint64 *arrived = NULL;
          gint64 latency;

          scan->data = g_strdup_printf ("]d2" "01" "09506000134352" "17" "281231"
                                        "10" "DEMO01" "\035" "21" "BP%06u", ++serial);
          scan->data_len = strlen (scan->data);
          if (!bench_request (line, scan))
            {
              status = AGG_CLI_EXIT_FAILED;
              break;
            }
          if (u < 12)
            continue;

          /* The twelfth closes the case; the station kicks the queue. */
          agg_print_queue_kick (queue);
          arrived = g_async_queue_timeout_pop (printer.arrivals, 30 * G_USEC_PER_SEC);
          if (arrived == NULL)
            {
              status = agg_cli_failure (_("No label reached the printer within 30 s"));
              break;
            }
          latency = *arrived - before;
          g_array_append_val (latencies, latency);
        }
    }

  if (status == AGG_CLI_EXIT_OK)
    {
      gint64 *values = (gint64 *) latencies->data;
      guint n = latencies->len;

      g_array_sort (latencies, compare_int64);
      /* Translators: a number of cases, then milliseconds. */
      printf (_("Close case → label on the printer's socket, %u cases (ZPL, TCP, ~HS before "
                "and after):\n"), n);
      printf (_("  median %.1f ms, 95th percentile %.1f ms, max %.1f ms\n"),
              values[n / 2] / 1000.0, values[MIN (n - 1, (n * 95) / 100)] / 1000.0,
              values[n - 1] / 1000.0);
    }

out:
  if (queue != NULL)
    agg_print_queue_stop (queue);
  g_clear_object (&line);
  if (store != NULL)
    agg_store_close (store);
  g_socket_shutdown (printer.socket, TRUE, TRUE, NULL);
  g_socket_close (printer.socket, NULL);
  g_thread_join (thread);
  g_object_unref (printer.socket);
  g_async_queue_unref (printer.arrivals);
  if (dir != NULL)
    {
      g_autofree char *wal = g_strconcat (db_path, "-wal", NULL);
      g_autofree char *shm = g_strconcat (db_path, "-shm", NULL);

      g_unlink (db_path);
      g_unlink (wal);
      g_unlink (shm);
      g_rmdir (dir);
    }
  return status;
}
