/* agg-cli-sync.c: aggctl sync, and the supervisor's answers to refused events
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <inttypes.h>
#include <glib/gi18n-lib.h>
#include <glib-unix.h>
#include <stdio.h>
#include <string.h>

#include "agg-cli.h"
#include "agg-line.h"
#include "agg-sync.h"

#define SYNC_USAGE N_("usage: aggctl --config FILE sync [--once]")

typedef struct
{
  AggSync    *sync;
  GMainLoop  *loop;
  char       *last_line;
  gboolean    done;
  gboolean    ok;
  GError     *error;
} SyncRun;

/* A plain hyphen, not a dash: scripts read these lines. */
static const char *
text_or_dash (JsonObject *object,
              const char *name)
{
  return agg_cli_text_member (object, name, "-");
}

/* One progress line when the figures changed: key=value pairs that
 * scripts read, then the last error in words. */
static void
print_status (SyncRun *run)
{
  g_autoptr(JsonObject) status = agg_sync_dup_status (run->sync);
  g_autofree char *line = NULL;
  JsonNode *error = json_object_get_member (status, "last_error");

  line = g_strdup_printf ("state=%s online=%s pending=%" PRId64 " sent=%" PRId64
                          " exceptions=%" PRId64 " last_success=%s",
                          json_object_get_string_member (status, "state"),
                          json_object_get_boolean_member (status, "online") ? "yes" : "no",
                          json_object_get_int_member (status, "pending"),
                          json_object_get_int_member (status, "sent_total"),
                          json_object_get_int_member (status, "exceptions"),
                          text_or_dash (status, "last_success_at"));
  if (g_strcmp0 (line, run->last_line) == 0)
    return;

  printf ("%s\n", line);
  if (error != NULL && !JSON_NODE_HOLDS_NULL (error))
    /* Translators: %s says why the last delivery failed. */
    printf (_("  last error: %s\n"), json_node_get_string (error));
  fflush (stdout);
  g_free (run->last_line);
  run->last_line = g_steal_pointer (&line);
}

static void
status_changed_cb (AggSync *sync,
                   SyncRun *run)
{
  print_status (run);
}

static void
run_once_thread (GTask        *task,
                 gpointer      source_object,
                 gpointer      task_data,
                 GCancellable *cancellable)
{
  GError *error = NULL;

  if (agg_sync_run_once (AGG_SYNC (source_object), cancellable, &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

static void
run_once_done_cb (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  SyncRun *run = user_data;

  run->ok = g_task_propagate_boolean (G_TASK (result), &run->error);
  run->done = TRUE;
  g_main_loop_quit (run->loop);
}

static gboolean
stop_cb (gpointer user_data)
{
  GCancellable *cancellable = user_data;

  g_cancellable_cancel (cancellable);
  return G_SOURCE_CONTINUE;
}

static gboolean
quit_cb (gpointer user_data)
{
  SyncRun *run = user_data;

  g_main_loop_quit (run->loop);
  return G_SOURCE_CONTINUE;
}

int
agg_cli_sync (int    argc,
              char **argv)
{
  g_autoptr(AggStore) store = NULL;
  g_autoptr(AggConfig) config = NULL;
  g_autoptr(AggSync) sync = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GMainLoop) loop = NULL;
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  SyncRun run = { 0, };
  gboolean once = FALSE;
  guint term_id, int_id;
  int status;

  for (int i = 1; i < argc; i++)
    {
      if (strcmp (argv[i], "--once") == 0)
        once = TRUE;
      else
        return agg_cli_usage_error ("%s", _(SYNC_USAGE));
    }

  if (!agg_cli_open_station (&config, &store))
    return AGG_CLI_EXIT_FAILED;

  sync = agg_sync_new_from_config (store, config, &error);
  if (sync == NULL && error != NULL)
    return agg_cli_failure ("%s", error->message);
  if (sync == NULL)
    return agg_cli_failure (_("The configuration has no [sync] group: there is nowhere to send "
                              "events to."));

  loop = g_main_loop_new (NULL, FALSE);
  run.sync = sync;
  run.loop = loop;
  g_signal_connect (sync, "status-changed", G_CALLBACK (status_changed_cb), &run);

  if (once)
    {
      g_autoptr(GTask) task = g_task_new (sync, cancellable, run_once_done_cb, &run);

      term_id = g_unix_signal_add (SIGTERM, stop_cb, cancellable);
      int_id = g_unix_signal_add (SIGINT, stop_cb, cancellable);
      g_task_run_in_thread (task, run_once_thread);
      g_clear_object (&task);
      while (!run.done)
        g_main_loop_run (loop);
    }
  else
    {
      term_id = g_unix_signal_add (SIGTERM, quit_cb, &run);
      int_id = g_unix_signal_add (SIGINT, quit_cb, &run);
      if (!agg_sync_start (sync, &error))
        return agg_cli_failure ("%s", error->message);
      g_main_loop_run (loop);
      agg_sync_stop (sync);
      run.ok = TRUE;
    }

  g_source_remove (term_id);
  g_source_remove (int_id);

  /* The last figures, whatever the rate limit held back. */
  print_status (&run);

  if (run.ok)
    status = AGG_CLI_EXIT_OK;
  else if (g_error_matches (run.error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    status = AGG_CLI_EXIT_FAILED;
  else
    status = agg_cli_failure ("%s", run.error->message);

  g_signal_handlers_disconnect_by_data (sync, &run);
  g_clear_error (&run.error);
  g_free (run.last_line);
  return status;
}

/* aggctl events exceptions | resend | handled */

static void
print_exception (JsonObject *row)
{
  printf ("%6" PRId64 "  %s  %s %s  %s\n", json_object_get_int_member (row, "id"),
          text_or_dash (row, "event_id"), text_or_dash (row, "type"),
          text_or_dash (row, "action"), text_or_dash (row, "event_time"));
  /* Translators: %s is the repository's reason for refusing an event. */
  printf (_("        refused: %s\n"), text_or_dash (row, "last_error"));
}

int
agg_cli_events_exceptions (gboolean json)
{
  g_autoptr(AggStore) store = agg_cli_open_store (FALSE);
  g_autoptr(AggLine) line = NULL;
  g_autoptr(AggRequest) request = agg_request_new (AGG_ACTION_LIST_EXCEPTIONS);
  g_autoptr(AggResult) result = NULL;
  JsonArray *rows;

  if (store == NULL)
    return AGG_CLI_EXIT_FAILED;
  line = agg_line_new (store);
  result = agg_line_execute_sync (line, request);

  if (json)
    {
      g_autofree char *text = agg_result_to_json (result);
      printf ("%s\n", text);
      return agg_result_is_ok (result) ? AGG_CLI_EXIT_OK : AGG_CLI_EXIT_FAILED;
    }
  if (!agg_result_is_ok (result))
    return agg_cli_failure ("%s", result->message);

  printf ("%s\n", result->message);
  rows = json_object_get_array_member (result->details, "exceptions");
  for (guint i = 0; i < json_array_get_length (rows); i++)
    print_exception (json_array_get_object_element (rows, i));
  return AGG_CLI_EXIT_OK;
}

/* Resolving is a signed act at the line, as closing an order is: the
 * --as user logs in there and signs with the same PIN. */
int
agg_cli_events_resolve (const char *how,
                        const char *event_id,
                        const char *reason)
{
  g_autoptr(AggStore) store = NULL;
  g_autoptr(AggLine) line = NULL;
  g_autoptr(AggRequest) request = NULL;
  g_autoptr(AggRequest) logout = agg_request_new (AGG_ACTION_LOGOUT);
  g_autoptr(AggResult) result = NULL;
  g_autoptr(AggResult) logged_out = NULL;
  g_autofree char *pin = NULL;
  int status;

  status = agg_cli_read_as_pin (&pin);
  if (status != AGG_CLI_EXIT_OK)
    return status;

  store = agg_cli_open_store (FALSE);
  if (store == NULL)
    return AGG_CLI_EXIT_FAILED;
  line = agg_line_new (store);
  if (!agg_cli_log_in_as (line, pin))
    return AGG_CLI_EXIT_FAILED;

  request = agg_request_new (strcmp (how, "resend") == 0 ? AGG_ACTION_EVENT_RESEND
                                                          : AGG_ACTION_EVENT_HANDLED);
  request->code = g_strdup (event_id);
  request->reason = g_strdup (reason);
  request->signer = g_strdup (agg_cli_globals.as_user);
  request->signer_pin = g_strdup (pin);
  result = agg_line_execute_sync (line, request);

  if (agg_result_is_ok (result))
    {
      printf ("%s\n", result->message);
      status = AGG_CLI_EXIT_OK;
    }
  else
    status = agg_cli_failure ("%s", result->message);

  logged_out = agg_line_execute_sync (line, logout);
  return status;
}
