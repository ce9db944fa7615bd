/* agg-cli-line.c: aggctl init, run and show
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <inttypes.h>
#include <errno.h>
#include <glib/gi18n-lib.h>
#include <glib-unix.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "agg-cli.h"
#include "agg-line-private.h"
#include "agg-station.h"

/* A longer line is no scan and no command: it is refused, not buffered. */
#define MAX_LINE_LENGTH 65536

AggCliGlobals agg_cli_globals;

/* Usage errors and failures read alike: only the exit status differs. */
static void print_error (const char *format,
                         va_list     args) G_GNUC_PRINTF (1, 0);

static void
print_error (const char *format,
             va_list     args)
{
  g_autofree char *message = g_strdup_vprintf (format, args);

  fprintf (stderr, "aggctl: %s\n", message);
}

int
agg_cli_usage_error (const char *format,
                     ...)
{
  va_list args;

  va_start (args, format);
  print_error (format, args);
  va_end (args);
  return AGG_CLI_EXIT_USAGE;
}

int
agg_cli_failure (const char *format,
                 ...)
{
  va_list args;

  va_start (args, format);
  print_error (format, args);
  va_end (args);
  return AGG_CLI_EXIT_FAILED;
}

AggStore *
agg_cli_open_store (gboolean create)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *default_path = NULL;
  const char *path = agg_cli_globals.db_path;
  AggStore *store;

  if (path == NULL)
    path = default_path = agg_store_default_path ();

  /* Opening creates a missing database: a mistyped --db must not leave an
   * empty one behind and report on it. */
  if (!create && !g_file_test (path, G_FILE_TEST_EXISTS))
    {
      agg_cli_failure (_("There is no database “%s”; “aggctl init” creates one."), path);
      return NULL;
    }

  store = agg_store_open (path, &error);
  if (store == NULL)
    agg_cli_failure ("%s", error->message);
  return store;
}

AggConfig *
agg_cli_load_config (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *default_path = NULL;
  AggConfig *config;

  if (agg_cli_globals.config_path == NULL)
    {
      default_path = agg_config_default_path ();
      if (!g_file_test (default_path, G_FILE_TEST_EXISTS))
        return agg_config_new ();
    }

  config = agg_config_load (agg_cli_globals.config_path != NULL ? agg_cli_globals.config_path
                                                                 : default_path, &error);
  if (config == NULL)
    agg_cli_failure ("%s", error->message);
  return config;
}

gboolean
agg_cli_open_station (AggConfig **config,
                      AggStore  **store)
{
  g_autoptr(AggConfig) loaded = NULL;
  AggStore *opened;

  g_return_val_if_fail (config != NULL && *config == NULL, FALSE);
  g_return_val_if_fail (store != NULL && *store == NULL, FALSE);

  loaded = agg_cli_load_config ();
  if (loaded == NULL)
    return FALSE;
  opened = agg_cli_open_store (FALSE);
  if (opened == NULL)
    return FALSE;

  *config = g_steal_pointer (&loaded);
  *store = opened;
  return TRUE;
}

int
agg_cli_read_as_pin (char **pin)
{
  g_autofree char *prompt = NULL;

  g_return_val_if_fail (pin != NULL, AGG_CLI_EXIT_FAILED);

  if (agg_cli_globals.as_user == NULL)
    return agg_cli_usage_error (_("this command needs --as USER before it"));

  /* Translators: %s is a user name. */
  prompt = g_strdup_printf (_("PIN for %s:"), agg_cli_globals.as_user);
  *pin = agg_cli_read_secret ("AGGCTL_PIN", prompt);
  if (*pin == NULL)
    return agg_cli_failure (_("No PIN: set AGGCTL_PIN or give it on the first line of input."));
  return AGG_CLI_EXIT_OK;
}

gboolean
agg_cli_log_in_as (AggLine    *line,
                   const char *pin)
{
  g_autoptr(AggRequest) login = agg_request_new (AGG_ACTION_LOGIN);
  g_autoptr(AggResult) result = NULL;

  g_return_val_if_fail (AGG_IS_LINE (line), FALSE);

  login->user = g_strdup (agg_cli_globals.as_user);
  login->pin = g_strdup (pin);
  result = agg_line_execute_sync (line, login);
  if (!agg_result_is_ok (result))
    {
      agg_cli_failure ("%s", result->message);
      return FALSE;
    }
  return TRUE;
}

const char *
agg_cli_text_member (JsonObject *object,
                     const char *name,
                     const char *absent)
{
  JsonNode *node = json_object_get_member (object, name);

  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return absent;
  return json_node_get_string (node);
}

char *
agg_cli_read_secret (const char *env_var,
                     const char *prompt)
{
  const char *value = g_getenv (env_var);
  struct termios saved, quiet;
  gboolean echo_off = FALSE;
  char *line = NULL;
  size_t size = 0;
  gssize n;

  if (value != NULL)
    return g_strdup (value);

  if (isatty (STDIN_FILENO))
    {
      fprintf (stderr, "%s ", prompt);
      fflush (stderr);
      if (tcgetattr (STDIN_FILENO, &saved) == 0)
        {
          quiet = saved;
          quiet.c_lflag &= ~ECHO;
          echo_off = tcsetattr (STDIN_FILENO, TCSAFLUSH, &quiet) == 0;
        }
    }

  n = getline (&line, &size, stdin);

  if (echo_off)
    {
      tcsetattr (STDIN_FILENO, TCSAFLUSH, &saved);
      fputc ('\n', stderr);
    }

  if (n < 0)
    {
      free (line);
      return NULL;
    }

  while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
    line[--n] = '\0';
  return line;
}

/* aggctl init */

typedef struct
{
  gboolean    demo;
  const char *admin;
  const char *full_name;
  const char *pin;

  gboolean    has_users;
  GString    *report;
} InitJob;

static gboolean
count_rows (AggStore    *store,
            const char  *sql,
            gint64      *count,
            GError     **error)
{
  sqlite3_stmt *stmt = agg_store_prepare (store, sql, error);
  int rc;

  if (stmt == NULL)
    return FALSE;
  rc = sqlite3_step (stmt);
  if (rc != SQLITE_ROW)
    return agg_store_set_error (store, error, rc);
  *count = sqlite3_column_int64 (stmt, 0);
  return TRUE;
}

/* Appends one line per row of @sql, its columns two spaces apart. */
static gboolean
report_rows (AggStore    *store,
             GString     *report,
             const char  *title,
             const char  *sql,
             GError     **error)
{
  sqlite3_stmt *stmt = agg_store_prepare (store, sql, error);
  int rc;

  if (stmt == NULL)
    return FALSE;

  g_string_append_printf (report, "%s\n", title);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      for (int i = 0; i < sqlite3_column_count (stmt); i++)
        {
          const char *text = (const char *) sqlite3_column_text (stmt, i);

          g_string_append_printf (report, i == 0 ? "  %-16s" : "  %s", text != NULL ? text : "–");
        }
      g_string_append_c (report, '\n');
    }
  if (rc != SQLITE_DONE)
    return agg_store_set_error (store, error, rc);
  return TRUE;
}

/* What init prints: the station as it now stands. */
static const struct
{
  const char *title;
  const char *sql;
} init_reports[] = {
  { N_("Users:"), "SELECT username, role, full_name FROM users ORDER BY username" },
  { N_("Products:"), "SELECT gtin, description FROM products ORDER BY gtin" },
  { N_("Work orders:"), "SELECT id, gtin, lot, expiry, planned FROM work_orders ORDER BY id" },
};

static gpointer
init_job (AggStore  *store,
          sqlite3   *db,
          gpointer   user_data,
          GError   **error)
{
  InitJob *job = user_data;
  const AggActor station = { 0, NULL, AGG_ROLE_ADMIN };
  gint64 n_users = 0;

  if (!count_rows (store, "SELECT count(*) FROM users", &n_users, error))
    return NULL;

  /* Init is no reset: a station with users keeps its data. */
  job->has_users = n_users > 0;
  if (job->has_users)
    return NULL;

  if (job->demo)
    {
      if (!agg_import_demo (store, error))
        return NULL;
    }
  else if (!agg_user_add (store, &station, job->admin, job->full_name, AGG_ROLE_ADMIN,
                          job->pin, NULL, error))
    return NULL;

  for (guint i = 0; i < G_N_ELEMENTS (init_reports); i++)
    if (!report_rows (store, job->report, _(init_reports[i].title), init_reports[i].sql, error))
      break;
  return NULL;
}

#define INIT_USAGE N_("usage: aggctl init --demo | init --admin USER --name \"FULL NAME\"")

int
agg_cli_init (int    argc,
              char **argv)
{
  g_autoptr(AggStore) store = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *pin = NULL;
  g_autoptr(GString) report = g_string_new (NULL);
  InitJob job = { 0, };

  for (int i = 1; i < argc; i++)
    {
      if (strcmp (argv[i], "--demo") == 0)
        job.demo = TRUE;
      else if (strcmp (argv[i], "--admin") == 0 && i + 1 < argc)
        job.admin = argv[++i];
      else if (strcmp (argv[i], "--name") == 0 && i + 1 < argc)
        job.full_name = argv[++i];
      else
        return agg_cli_usage_error ("%s", _(INIT_USAGE));
    }

  /* Either the demo line, or a first administrator and nothing else. */
  if (job.demo ? (job.admin != NULL || job.full_name != NULL)
               : (job.admin == NULL || job.full_name == NULL))
    return agg_cli_usage_error ("%s", _(INIT_USAGE));

  if (!job.demo)
    {
      pin = agg_cli_read_secret ("AGGCTL_PIN", _("PIN for the administrator:"));
      if (pin == NULL)
        return agg_cli_failure (_("No PIN: set AGGCTL_PIN or give it on the first line of input."));
      job.pin = pin;
    }

  store = agg_cli_open_store (TRUE);
  if (store == NULL)
    return AGG_CLI_EXIT_FAILED;

  job.report = report;
  agg_store_run_sync (store, AGG_STORE_WRITE, init_job, &job, &error);
  if (error != NULL)
    return agg_cli_failure ("%s", error->message);
  if (job.has_users)
    return agg_cli_failure (_("The database “%s” already has users; init only sets up a new "
                              "station."), agg_store_get_path (store));

  /* Translators: %s is the path of the database file. */
  printf (_("Set up the station in “%s”.\n"), agg_store_get_path (store));
  if (job.demo)
    printf ("%s\n", _("Loaded the demo line."));
  printf ("%s", report->str);
  return AGG_CLI_EXIT_OK;
}

/* aggctl run: the headless station */

typedef enum
{
  ARG_USER = 1,
  ARG_PIN,
  ARG_CODE,
  ARG_CODE2,
  ARG_REASON,
} ArgField;

typedef enum
{
  KIND_REQUEST,
  KIND_SIGN,
  KIND_HELP,
} CommandKind;

enum
{
  OPTION_PARTIAL = 1 << 0,            /* --partial REASON */
  OPTION_WITH_CONTENTS = 1 << 1,      /* --with-contents */
};

typedef struct
{
  const char  *name;
  CommandKind  kind;
  AggAction    action;                /* for KIND_REQUEST */
  guint8       n_required;            /* words after the name */
  guint8       n_optional;
  ArgField     fields[3];             /* where the words go, in order */
  guint        options;
  const char  *usage;
} LineCommand;

/* Translators: in the usage lines of the run protocol, only the words in
 * capitals may be translated; the rest is what a script types. */
static const LineCommand line_commands[] = {
  { "login", KIND_REQUEST, AGG_ACTION_LOGIN, 2, 0, { ARG_USER, ARG_PIN }, 0,
    N_("login USER PIN") },
  { "logout", KIND_REQUEST, AGG_ACTION_LOGOUT, 0, 0, { 0 }, 0,
    "logout" },
  { "start", KIND_REQUEST, AGG_ACTION_START_ORDER, 1, 0, { ARG_CODE }, 0,
    N_("start ORDER") },
  { "suspend", KIND_REQUEST, AGG_ACTION_SUSPEND_ORDER, 0, 0, { 0 }, 0,
    "suspend" },
  { "scan", KIND_REQUEST, AGG_ACTION_SCAN, 1, 0, { 0 }, 0,
    N_("scan DATA") },
  { "close-case", KIND_REQUEST, AGG_ACTION_CLOSE_CASE, 0, 0, { 0 }, OPTION_PARTIAL,
    N_("close-case [--partial REASON]") },
  { "close-pallet", KIND_REQUEST, AGG_ACTION_CLOSE_PALLET, 0, 0, { 0 }, OPTION_PARTIAL,
    N_("close-pallet [--partial REASON]") },
  { "mode", KIND_REQUEST, AGG_ACTION_SET_MODE, 1, 0, { ARG_CODE }, 0,
    "mode case|pallet" },
  { "show", KIND_REQUEST, AGG_ACTION_SHOW, 1, 0, { ARG_CODE }, 0,
    N_("show CODE") },
  { "status", KIND_REQUEST, AGG_ACTION_STATUS, 0, 0, { 0 }, 0,
    "status" },
  { "remove-unit", KIND_REQUEST, AGG_ACTION_REMOVE_UNIT, 2, 0, { ARG_CODE, ARG_REASON }, 0,
    N_("remove-unit CODE REASON") },
  { "replace-unit", KIND_REQUEST, AGG_ACTION_REPLACE_UNIT, 3, 0,
    { ARG_CODE, ARG_CODE2, ARG_REASON }, 0,
    N_("replace-unit OLD NEW REASON") },
  { "unpack", KIND_REQUEST, AGG_ACTION_UNPACK, 2, 0, { ARG_CODE, ARG_REASON }, 0,
    N_("unpack CODE REASON") },
  { "remove-case", KIND_REQUEST, AGG_ACTION_REMOVE_CASE, 2, 0, { ARG_CODE, ARG_REASON }, 0,
    N_("remove-case CODE REASON") },
  { "move-case", KIND_REQUEST, AGG_ACTION_MOVE_CASE, 3, 0,
    { ARG_CODE, ARG_CODE2, ARG_REASON }, 0,
    N_("move-case CODE PALLET REASON") },
  { "reopen-case", KIND_REQUEST, AGG_ACTION_REOPEN_CASE, 2, 0, { ARG_CODE, ARG_REASON }, 0,
    N_("reopen-case CODE REASON") },
  { "decommission", KIND_REQUEST, AGG_ACTION_DECOMMISSION, 2, 0, { ARG_CODE, ARG_REASON },
    OPTION_WITH_CONTENTS,
    N_("decommission CODE REASON [--with-contents]") },
  { "destroy", KIND_REQUEST, AGG_ACTION_DESTROY, 2, 0, { ARG_CODE, ARG_REASON },
    OPTION_WITH_CONTENTS,
    N_("destroy CODE REASON [--with-contents]") },
  { "sample", KIND_REQUEST, AGG_ACTION_SAMPLE, 2, 0, { ARG_CODE, ARG_REASON }, 0,
    N_("sample CODE REASON") },
  { "void-label", KIND_REQUEST, AGG_ACTION_VOID_LABEL, 2, 0, { ARG_CODE, ARG_REASON }, 0,
    N_("void-label SSCC REASON") },
  { "reprint-label", KIND_REQUEST, AGG_ACTION_REPRINT_LABEL, 2, 0, { ARG_CODE, ARG_REASON }, 0,
    N_("reprint-label SSCC REASON") },
  { "reconcile", KIND_REQUEST, AGG_ACTION_RECONCILE, 0, 1, { ARG_CODE }, 0,
    N_("reconcile [ORDER]") },
  { "close-order", KIND_REQUEST, AGG_ACTION_CLOSE_ORDER, 2, 0, { ARG_CODE, ARG_REASON }, 0,
    N_("close-order ORDER REASON") },
  { "sign", KIND_SIGN, AGG_ACTION_LOGIN, 2, 0, { ARG_USER, ARG_PIN }, 0,
    N_("sign USER PIN") },
  { "help", KIND_HELP, AGG_ACTION_LOGIN, 0, 0, { 0 }, 0,
    "help" },
};

typedef struct
{
  AggStation *station;
  GMainLoop  *loop;
  /* The request that last answered SIGNATURE_REQUIRED, for "sign". */
  AggRequest *pending;
  /* Standard input, read as it comes. */
  GByteArray *input;
  gboolean    too_long;
  gboolean    eof;
  guint       input_source;
  /* With devices, the end of standard input does not stop the station. */
  gboolean    has_devices;
} Station;

/* @source names where a scan came from: "stdin" or a reader. */
static void
print_result (const AggResult  *result,
              const AggRequest *request)
{
  g_autofree char *json = NULL;

  if (request != NULL && request->source != NULL && result->details != NULL &&
      (request->action == AGG_ACTION_SCAN))
    json_object_set_string_member (result->details, "source", request->source);
  json = agg_result_to_json (result);
  printf ("%s\n", json);
  fflush (stdout);
}

static AggResult *
help_result (void)
{
  AggResult *result = agg_result_new (AGG_OUTCOME_ACCEPTED, "%s",
                                      _("One command per line; each gets one JSON line back."));
  JsonArray *usage = json_array_new ();

  for (guint i = 0; i < G_N_ELEMENTS (line_commands); i++)
    json_array_add_string_element (usage, _(line_commands[i].usage));
  json_object_set_array_member (result->details, "commands", usage);
  return result;
}

typedef struct
{
  AggResult *result;
  gboolean   done;
} Waiter;

static void
execute_cb (GObject      *source,
            GAsyncResult *res,
            gpointer      user_data)
{
  Waiter *waiter = user_data;
  g_autoptr(GError) error = NULL;

  waiter->result = agg_station_execute_finish (AGG_STATION (source), res, &error);
  if (waiter->result == NULL)
    waiter->result = agg_result_new (AGG_OUTCOME_BAD_REQUEST, "%s", error->message);
  waiter->done = TRUE;
}

/* Runs @request behind whatever the readers brought first, and waits for
 * its answer while they go on. */
static AggResult *
execute (Station    *station,
         AggRequest *request)
{
  Waiter waiter = { NULL, FALSE };

  agg_station_execute_async (station->station, request, NULL, execute_cb, &waiter);
  while (!waiter.done)
    g_main_context_iteration (NULL, TRUE);

  g_clear_pointer (&station->pending, agg_request_free);
  if (waiter.result->outcome == AGG_OUTCOME_SIGNATURE_REQUIRED)
    {
      station->pending = agg_request_copy (request);
      g_clear_pointer (&station->pending->signer, g_free);
      g_clear_pointer (&station->pending->signer_pin, g_free);
    }
  return waiter.result;
}

static AggResult *
sign_pending (Station    *station,
              const char *signer,
              const char *pin)
{
  g_autoptr(AggRequest) request = g_steal_pointer (&station->pending);
  AggResult *result;

  if (request == NULL)
    return agg_result_new (AGG_OUTCOME_BAD_REQUEST, "%s", _("There is nothing to sign."));

  request->signer = g_strdup (signer);
  request->signer_pin = g_strdup (pin);
  result = execute (station, request);

  /* A mistyped PIN may be typed again; the failures count all the same. */
  if (result->outcome == AGG_OUTCOME_BAD_CREDENTIALS)
    {
      g_clear_pointer (&request->signer, g_free);
      g_clear_pointer (&request->signer_pin, g_free);
      station->pending = g_steal_pointer (&request);
    }
  return result;
}

static AggResult *
usage_result (const LineCommand *command)
{
  /* Translators: %s is the usage line of a command, e.g. "start ORDER". */
  return agg_result_new (AGG_OUTCOME_BAD_REQUEST, _("Usage: %s"), _(command->usage));
}

/* Runs one line and returns its answer, or NULL for a line that asks
 * nothing (blank, or a comment). */
static AggResult *
handle_line (Station    *station,
             const char *line,
             gsize       len)
{
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) words = NULL;
  g_autoptr(AggRequest) request = NULL;
  g_autoptr(GPtrArray) args = g_ptr_array_new ();
  const LineCommand *command = NULL;
  const char *reason = NULL;
  gboolean with_contents = FALSE;

  /* Scan data goes to the engine byte for byte: it may hold GS, quotes
   * and anything else a code carries. */
  if (len >= 5 && memcmp (line, "scan ", 5) == 0)
    {
      request = agg_request_new (AGG_ACTION_SCAN);
      request->data = g_memdup2 (line + 5, len - 5 + 1);
      request->data[len - 5] = '\0';
      request->data_len = len - 5;
      request->source = g_strdup ("stdin");
      return execute (station, request);
    }

  if (memchr (line, '\0', len) != NULL || !g_utf8_validate (line, len, NULL))
    {
      g_clear_pointer (&station->pending, agg_request_free);
      return agg_result_new (AGG_OUTCOME_BAD_REQUEST, "%s",
                             _("A command must be UTF-8 text."));
    }

  if (!g_shell_parse_argv (line, NULL, &words, &error))
    {
      if (g_error_matches (error, G_SHELL_ERROR, G_SHELL_ERROR_EMPTY_STRING))
        return NULL;
      g_clear_pointer (&station->pending, agg_request_free);
      return agg_result_new (AGG_OUTCOME_BAD_REQUEST, "%s", error->message);
    }

  for (guint i = 0; i < G_N_ELEMENTS (line_commands); i++)
    if (strcmp (words[0], line_commands[i].name) == 0)
      command = &line_commands[i];

  if (command == NULL || command->kind != KIND_SIGN)
    g_clear_pointer (&station->pending, agg_request_free);

  if (command == NULL)
    /* Translators: %s is what was typed as a command. */
    return agg_result_new (AGG_OUTCOME_BAD_REQUEST, _("Unknown command “%s”; “help” lists them."),
                           words[0]);

  /* "scan" with nothing after it; data always takes the short path. */
  if (command->action == AGG_ACTION_SCAN && command->kind == KIND_REQUEST)
    return usage_result (command);

  for (guint i = 1; words[i] != NULL; i++)
    {
      if ((command->options & OPTION_PARTIAL) && strcmp (words[i], "--partial") == 0 &&
          words[i + 1] != NULL && reason == NULL)
        reason = words[++i];
      else if ((command->options & OPTION_WITH_CONTENTS) &&
               strcmp (words[i], "--with-contents") == 0)
        with_contents = TRUE;
      else if (g_str_has_prefix (words[i], "--"))
        return usage_result (command);
      else
        g_ptr_array_add (args, words[i]);
    }

  if (args->len < command->n_required || args->len > command->n_required + command->n_optional)
    return usage_result (command);

  if (command->action == AGG_ACTION_SET_MODE && command->kind == KIND_REQUEST &&
      strcmp (args->pdata[0], "case") != 0 && strcmp (args->pdata[0], "pallet") != 0)
    return usage_result (command);

  switch (command->kind)
    {
    case KIND_HELP:
      return help_result ();

    case KIND_SIGN:
      return sign_pending (station, args->pdata[0], args->pdata[1]);

    case KIND_REQUEST:
    default:
      break;
    }

  request = agg_request_new (command->action);
  request->reason = g_strdup (reason);
  request->with_contents = with_contents;
  for (guint i = 0; i < args->len; i++)
    {
      char **field = NULL;

      switch (command->fields[i])
        {
        case ARG_USER:
          field = &request->user;
          break;
        case ARG_PIN:
          field = &request->pin;
          break;
        case ARG_CODE:
          field = &request->code;
          break;
        case ARG_CODE2:
          field = &request->code2;
          break;
        case ARG_REASON:
        default:
          field = &request->reason;
          break;
        }
      *field = g_strdup (args->pdata[i]);
    }

  return execute (station, request);
}

/* @line is NUL-terminated at @len, and may be changed. */
static void
handle_and_print (Station *station,
                  guint8  *line,
                  gsize    len)
{
  g_autoptr(AggResult) result = NULL;
  gboolean is_scan = len >= 5 && memcmp (line, "scan ", 5) == 0;

  if (len > 0 && line[len - 1] == '\r')
    line[--len] = '\0';
  if (len == 0)
    return;

  result = handle_line (station, (const char *) line, len);
  if (result != NULL)
    {
      if (is_scan && result->details != NULL)
        json_object_set_string_member (result->details, "source", "stdin");
      print_result (result, NULL);
    }
}

/* Runs every complete line in the buffer; at the end of input, the last
 * line may lack its newline. */
static void
handle_input (Station *station)
{
  GByteArray *buffer = station->input;

  for (;;)
    {
      guint8 *newline = buffer->len > 0 ? memchr (buffer->data, '\n', buffer->len) : NULL;
      gsize len;

      if (newline == NULL && station->eof && (buffer->len > 0 || station->too_long))
        {
          g_byte_array_append (buffer, (const guint8 *) "\n", 1);
          continue;
        }
      if (newline == NULL)
        break;

      len = newline - buffer->data;
      if (station->too_long)
        {
          g_autoptr(AggResult) result = NULL;

          g_clear_pointer (&station->pending, agg_request_free);
          result = agg_result_new (AGG_OUTCOME_BAD_REQUEST,
                                   _("A line is limited to %d bytes."), MAX_LINE_LENGTH);
          print_result (result, NULL);
          station->too_long = FALSE;
        }
      else
        {
          *newline = '\0';
          handle_and_print (station, buffer->data, len);
        }
      g_byte_array_remove_range (buffer, 0, len + 1);
    }

  /* Of an overlong line, only its end matters: where the next begins. */
  if (buffer->len > MAX_LINE_LENGTH)
    {
      station->too_long = TRUE;
      g_byte_array_set_size (buffer, 0);
    }
}

static gboolean
stdin_ready (int          fd,
             GIOCondition condition,
             gpointer     user_data)
{
  Station *station = user_data;
  guint8 chunk[4096];
  gssize n;

  n = read (fd, chunk, sizeof chunk);
  if (n > 0)
    g_byte_array_append (station->input, chunk, n);
  else if (n == 0 || (errno != EINTR && errno != EAGAIN))
    station->eof = TRUE;

  handle_input (station);

  if (!station->eof)
    return G_SOURCE_CONTINUE;

  station->input_source = 0;
  if (!station->has_devices)
    g_main_loop_quit (station->loop);
  return G_SOURCE_REMOVE;
}

static gboolean
stop_signal (gpointer user_data)
{
  Station *station = user_data;

  g_main_loop_quit (station->loop);
  return G_SOURCE_CONTINUE;
}

/* A reader's scan: printed as it is processed, with the reader's name. */
static void
request_processed (AggStation       *agg_station,
                   const AggRequest *request,
                   const AggResult  *result,
                   Station          *station)
{
  if (request->source == NULL || strcmp (request->source, "stdin") == 0)
    return;
  print_result (result, request);
}

#define RUN_USAGE N_("usage: aggctl [--db PATH] run [--max-pages N]")

static void
print_run_help (void)
{
  printf ("%s\n\n", _(RUN_USAGE));
  printf ("%s\n", _("Reads one command per line from standard input and answers each with "
                    "one JSON object on one line, once it is recorded. The data of “scan” is "
                    "the rest of its line, byte for byte; other commands take words, quoted "
                    "like a shell's. Blank lines and lines starting with “#” are skipped. "
                    "A request that needs a signature is kept until the next line: "
                    "“sign USER PIN” signs and runs it."));
  printf ("\n%s\n", _("Commands:"));
  for (guint i = 0; i < G_N_ELEMENTS (line_commands); i++)
    printf ("  %s\n", _(line_commands[i].usage));
  printf ("\n%s\n", _("Options:"));
  printf ("  %-14s %s\n", "--max-pages N",
          _("Test aid: limit the database to N pages, so that a full disk can be tried out"));
}

int
agg_cli_run (int    argc,
             char **argv)
{
  g_autoptr(AggStore) store = NULL;
  g_autoptr(AggLine) line = NULL;
  g_autoptr(AggConfig) config = NULL;
  g_autoptr(AggStation) agg_station = NULL;
  g_autoptr(GMainLoop) loop = NULL;
  g_autoptr(GByteArray) input = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonArray) devices = NULL;
  Station station = { 0, };
  guint64 max_pages = 0;
  guint term_source;
  guint int_source;

  for (int i = 1; i < argc; i++)
    {
      if (strcmp (argv[i], "--help") == 0)
        {
          print_run_help ();
          return AGG_CLI_EXIT_OK;
        }
      else if (strcmp (argv[i], "--max-pages") == 0 && i + 1 < argc)
        {
          if (!g_ascii_string_to_unsigned (argv[++i], 10, 1, G_MAXUINT32, &max_pages, NULL))
            return agg_cli_usage_error (_("--max-pages takes a number of pages"));
        }
      else
        return agg_cli_usage_error ("%s", _(RUN_USAGE));
    }

  if (!agg_cli_open_station (&config, &store))
    return AGG_CLI_EXIT_FAILED;

  if (max_pages > 0 && !agg_store_set_max_pages (store, max_pages, &error))
    return agg_cli_failure ("%s", error->message);

  line = agg_line_new (store);
  if (!agg_line_load_settings_sync (line, &error))
    return agg_cli_failure ("%s", error->message);

  agg_station = agg_station_new (line, config, &error);
  if (agg_station == NULL || !agg_station_start (agg_station, &error))
    return agg_cli_failure ("%s", error->message);

  loop = g_main_loop_new (NULL, FALSE);
  input = g_byte_array_new ();
  devices = agg_station_dup_devices (agg_station);
  station.station = agg_station;
  station.loop = loop;
  station.input = input;
  station.has_devices = json_array_get_length (devices) > 0;

  g_signal_connect (agg_station, "request-processed", G_CALLBACK (request_processed), &station);
  term_source = g_unix_signal_add (SIGTERM, stop_signal, &station);
  int_source = g_unix_signal_add (SIGINT, stop_signal, &station);
  station.input_source = g_unix_fd_add (STDIN_FILENO, G_IO_IN | G_IO_HUP | G_IO_ERR,
                                        stdin_ready, &station);

  g_main_loop_run (loop);

  g_clear_handle_id (&station.input_source, g_source_remove);
  g_source_remove (term_source);
  g_source_remove (int_source);
  g_signal_handlers_disconnect_by_data (agg_station, &station);
  agg_station_stop (agg_station);
  g_clear_pointer (&station.pending, agg_request_free);
  return AGG_CLI_EXIT_OK;
}

/* aggctl show */

static const char *
text_member (JsonObject *object,
             const char *name)
{
  JsonNode *node = json_object_get_member (object, name);

  if (node == NULL || json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;
  return json_node_get_string (node);
}

static JsonArray *
array_member (JsonObject *object,
              const char *name)
{
  JsonNode *node = json_object_get_member (object, name);

  return node != NULL && JSON_NODE_HOLDS_ARRAY (node) ? json_node_get_array (node) : NULL;
}

/* What a missing value prints as. */
static const char *
shown (const char *text)
{
  return text != NULL ? text : "–";
}

/* One line for a unit or container, as lists and trees show it. */
static void
print_item (JsonObject *item,
            const char *indent)
{
  const char *kind = text_member (item, "kind");

  if (g_strcmp0 (kind, "unit") == 0)
    {
      printf ("%s%s (01)%s(21)%s  %s", indent, _("unit"), shown (text_member (item, "gtin")),
              shown (text_member (item, "serial")), shown (text_member (item, "status")));
      if (text_member (item, "lot") != NULL)
        printf ("  %s %s", _("lot"), text_member (item, "lot"));
      if (text_member (item, "expiry") != NULL)
        printf ("  %s %s", _("expiry"), text_member (item, "expiry"));
    }
  else
    {
      printf ("%s%s %s  %s", indent, g_strcmp0 (kind, "pallet") == 0 ? _("pallet") : _("case"),
              shown (text_member (item, "sscc")), shown (text_member (item, "status")));
      if (json_object_has_member (item, "count"))
        printf ("  %" PRId64 "/%" PRId64,
                json_object_get_int_member (item, "count"),
                json_object_get_int_member (item, "capacity"));
    }
  printf ("\n");
}

static void
print_tree (JsonArray  *children,
            const char *indent)
{
  for (guint i = 0; i < json_array_get_length (children); i++)
    {
      JsonObject *child = json_array_get_object_element (children, i);
      gboolean last = i + 1 == json_array_get_length (children);
      JsonArray *grandchildren = array_member (child, "children");
      g_autofree char *branch = g_strconcat (indent, last ? "└─ " : "├─ ", NULL);

      print_item (child, branch);
      if (grandchildren != NULL)
        {
          g_autofree char *deeper = g_strconcat (indent, last ? "   " : "│  ", NULL);
          print_tree (grandchildren, deeper);
        }
    }
}

static void
print_history (JsonArray *history)
{
  for (guint i = 0; i < json_array_get_length (history); i++)
    {
      JsonObject *row = json_array_get_object_element (history, i);
      const char *user = text_member (row, "user");

      printf ("  %s%s  %s  %s", shown (text_member (row, "at")),
              shown (text_member (row, "utc_offset")), user != NULL ? user : _("station"),
              shown (text_member (row, "action")));
      if (text_member (row, "old") != NULL || text_member (row, "new") != NULL)
        printf ("  %s → %s", shown (text_member (row, "old")), shown (text_member (row, "new")));
      printf ("\n");
      if (text_member (row, "reason") != NULL)
        /* Translators: %s is the reason given for a change. */
        printf (_("      reason: %s\n"), text_member (row, "reason"));
      if (text_member (row, "signer") != NULL)
        /* Translators: signer's user name, full name, and what the signature means. */
        printf (_("      signed by %s (%s): %s\n"), shown (text_member (row, "signer")),
                shown (text_member (row, "signer_name")), shown (text_member (row, "meaning")));
    }
}

static void
print_record (const AggResult *result)
{
  JsonNode *node = json_object_get_member (result->details, "record");
  JsonObject *record;
  JsonArray *array;

  printf ("%s\n", result->message);
  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    return;
  record = json_node_get_object (node);

  printf ("%s %s", _("Status:"), shown (text_member (record, "status")));
  if (json_object_has_member (record, "count"))
    printf ("  %" PRId64 "/%" PRId64,
            json_object_get_int_member (record, "count"),
            json_object_get_int_member (record, "capacity"));
  printf ("\n");
  if (text_member (record, "order") != NULL)
    printf ("%s %s\n", _("Order:"), text_member (record, "order"));

  array = array_member (record, "parents");
  if (array != NULL && json_array_get_length (array) > 0)
    {
      printf ("%s\n", _("Inside:"));
      for (guint i = 0; i < json_array_get_length (array); i++)
        print_item (json_array_get_object_element (array, i), "  ");
    }

  array = array_member (record, "children");
  if (array != NULL)
    {
      printf ("%s\n", _("Contents:"));
      if (json_array_get_length (array) == 0)
        printf ("  %s\n", _("(empty)"));
      print_tree (array, "  ");
    }

  array = array_member (record, "rejections");
  if (array != NULL && json_array_get_length (array) > 0)
    {
      printf ("%s\n", _("Refused scans:"));
      for (guint i = 0; i < json_array_get_length (array); i++)
        {
          JsonObject *row = json_array_get_object_element (array, i);

          printf ("  %s  %s  %s\n", shown (text_member (row, "at")),
                  shown (text_member (row, "outcome")), shown (text_member (row, "order")));
        }
    }

  array = array_member (record, "history");
  if (array != NULL)
    {
      printf ("%s\n", _("History:"));
      print_history (array);
    }
}

int
agg_cli_show (int    argc,
              char **argv)
{
  g_autoptr(AggStore) store = NULL;
  g_autoptr(AggLine) line = NULL;
  g_autoptr(AggRequest) request = agg_request_new (AGG_ACTION_SHOW);
  g_autoptr(AggResult) result = NULL;
  gboolean json = FALSE;

  for (int i = 1; i < argc; i++)
    {
      if (strcmp (argv[i], "--json") == 0)
        json = TRUE;
      else if (request->code == NULL && argv[i][0] != '-')
        request->code = g_strdup (argv[i]);
      else
        return agg_cli_usage_error (_("usage: aggctl show [--json] CODE"));
    }
  if (request->code == NULL)
    return agg_cli_usage_error (_("usage: aggctl show [--json] CODE"));

  store = agg_cli_open_store (FALSE);
  if (store == NULL)
    return AGG_CLI_EXIT_FAILED;

  /* Reading the record needs no login: the engine lets anyone look. */
  line = agg_line_new (store);
  result = agg_line_execute_sync (line, request);

  if (json)
    {
      g_autofree char *text = agg_result_to_json (result);
      printf ("%s\n", text);
    }
  else
    print_record (result);

  return agg_result_is_ok (result) ? AGG_CLI_EXIT_OK : AGG_CLI_EXIT_FAILED;
}
