/* agg-cli-admin.c: aggctl user, product, workorder, events, audit, backup
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * What changes the station's data runs as the user named by --as, who
 * proves it with a PIN: the check counts failures and is audited like a
 * login at the line.  What only reads needs nobody.
 */

#include "config.h"

#include <inttypes.h>
#include <glib/gi18n-lib.h>
#include <stdio.h>
#include <string.h>

#include "agg-cli.h"
#include "agg-line-private.h"

/* Authenticated commands */

typedef gboolean (*AdminFunc) (AggStore        *store,
                               const AggActor  *actor,
                               gpointer         data,
                               GError         **error);

typedef struct
{
  const char    *username;
  const char    *pin;
  AggRole        min_role;
  AdminFunc      func;
  gpointer       data;

  AggAuthResult  auth;
  AggRole        role;
} AdminJob;

/* One transaction: who it is, whether they may, and what they do. */
static gpointer
admin_job (AggStore  *store,
           sqlite3   *db,
           gpointer   user_data,
           GError   **error)
{
  AdminJob *job = user_data;
  g_autoptr(AggUser) user = NULL;
  AggActor actor;

  job->auth = agg_user_authenticate (store, job->username, job->pin, &user, error);
  if (job->auth != AGG_AUTH_OK || (error != NULL && *error != NULL))
    return NULL;

  job->role = user->role;
  if (user->role < job->min_role)
    return NULL;

  actor.user_id = user->id;
  actor.username = user->username;
  actor.role = user->role;
  job->func (store, &actor, job->data, error);
  return NULL;
}

/* The PIN of the --as user, read before anything else. */
static int
run_admin (const char *pin,
           AggRole     min_role,
           AdminFunc   func,
           gpointer    data)
{
  g_autoptr(AggStore) store = agg_cli_open_store (FALSE);
  g_autoptr(GError) error = NULL;
  AdminJob job = { agg_cli_globals.as_user, pin, min_role, func, data, 0, 0 };

  if (store == NULL)
    return AGG_CLI_EXIT_FAILED;

  agg_store_run_sync (store, AGG_STORE_WRITE, admin_job, &job, &error);
  if (error != NULL)
    return agg_cli_failure ("%s", error->message);

  switch (job.auth)
    {
    case AGG_AUTH_OK:
      break;
    case AGG_AUTH_LOCKED:
      return agg_cli_failure (_("%s is locked out: an administrator must reset the PIN."),
                              job.username);
    case AGG_AUTH_INACTIVE:
      return agg_cli_failure (_("The account %s is disabled."), job.username);
    case AGG_AUTH_BAD_CREDENTIALS:
    default:
      return agg_cli_failure (_("Wrong user or PIN."));
    }

  if (job.role < min_role)
    /* Translators: the first %s is a user name, the others are roles. */
    return agg_cli_failure (_("%s has the role %s; this needs %s or above."), job.username,
                            agg_role_to_string (job.role), agg_role_to_string (min_role));

  return AGG_CLI_EXIT_OK;
}

/* Reading */

static void
print_json (JsonNode *node)
{
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  g_autofree char *text = NULL;

  json_generator_set_root (generator, node);
  text = json_generator_to_data (generator, NULL);
  printf ("%s\n", text);
}

typedef struct
{
  const char  *sql;
  const char  *bind;                  /* the one parameter, if any */
  const char  *json_column;           /* a column holding JSON, copied as such */
} QueryJob;

/* Every row as an object of its columns. */
static gpointer
query_job (AggStore  *store,
           sqlite3   *db,
           gpointer   user_data,
           GError   **error)
{
  QueryJob *job = user_data;
  sqlite3_stmt *stmt = agg_store_prepare (store, job->sql, error);

  if (stmt == NULL)
    return NULL;
  if (job->bind != NULL)
    sqlite3_bind_text (stmt, 1, job->bind, -1, SQLITE_TRANSIENT);
  return agg_rows_to_json (store, stmt, job->json_column, error);
}

static void
print_rows_json (JsonArray *rows)
{
  g_autoptr(JsonNode) node = json_node_new (JSON_NODE_ARRAY);

  json_node_set_array (node, rows);
  print_json (node);
}

typedef void (*PrintRow) (JsonObject *row);

/* Runs a read-only query and prints its rows: all as one JSON array with
 * @json, else each with @print_row. */
static int
list_rows (const char *sql,
           const char *bind,
           const char *json_column,
           gboolean    json,
           PrintRow    print_row)
{
  g_autoptr(AggStore) store = agg_cli_open_store (FALSE);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonArray) rows = NULL;
  QueryJob job = { sql, bind, json_column };

  if (store == NULL)
    return AGG_CLI_EXIT_FAILED;

  rows = agg_store_run_sync_full (store, AGG_STORE_READ, query_job, &job,
                                  (GDestroyNotify) json_array_unref, &error);
  if (error != NULL)
    return agg_cli_failure ("%s", error->message);

  if (json)
    print_rows_json (rows);
  else
    for (guint i = 0; i < json_array_get_length (rows); i++)
      print_row (json_array_get_object_element (rows, i));
  return AGG_CLI_EXIT_OK;
}

static const char *
member (JsonObject *row,
        const char *name)
{
  return agg_cli_text_member (row, name, "–");
}

/* Parses "[--json]" and other flags: @flags lists the names, @values gets
 * TRUE for each one given; @option and @option_value take one option
 * with a value.  Returns FALSE for anything else. */
static gboolean
parse_flags (int          argc,
             char       **argv,
             const char  *const *flags,
             gboolean    *values,
             const char  *option,
             const char **option_value)
{
  for (int i = 1; i < argc; i++)
    {
      gboolean known = FALSE;

      for (guint f = 0; flags[f] != NULL; f++)
        if (strcmp (argv[i], flags[f]) == 0)
          {
            values[f] = TRUE;
            known = TRUE;
          }

      if (known)
        continue;
      if (option != NULL && strcmp (argv[i], option) == 0 && i + 1 < argc)
        *option_value = argv[++i];
      else
        return FALSE;
    }
  return TRUE;
}

/* aggctl user */

typedef enum
{
  USER_ADD,
  USER_SET_PIN,
  USER_SET_ACTIVE,
} UserVerb;

typedef struct
{
  UserVerb    verb;
  const char *username;
  const char *full_name;
  AggRole     role;
  const char *pin;
  const char *badge;
  gboolean    active;
} UserChange;

static gboolean
change_user (AggStore        *store,
             const AggActor  *actor,
             gpointer         data,
             GError         **error)
{
  UserChange *change = data;

  switch (change->verb)
    {
    case USER_ADD:
      return agg_user_add (store, actor, change->username, change->full_name, change->role,
                           change->pin, change->badge, error);
    case USER_SET_PIN:
      return agg_user_set_pin (store, actor, change->username, change->pin, error);
    case USER_SET_ACTIVE:
    default:
      return agg_user_set_active (store, actor, change->username, change->active, error);
    }
}

#define USER_USAGE N_("usage: aggctl --as ADMIN user add USERNAME --name \"FULL NAME\" " \
                      "--role operator|supervisor|admin [--badge CODE]\n" \
                      "       aggctl --as ADMIN user passwd|disable|enable USERNAME\n" \
                      "       aggctl user list [--json]")

static gpointer
list_users (AggStore  *store,
            sqlite3   *db,
            gpointer   user_data,
            GError   **error)
{
  return agg_user_list (store, error);
}

static int
user_list (int    argc,
           char **argv)
{
  static const char *const flags[] = { "--json", NULL };
  gboolean json = FALSE;
  g_autoptr(AggStore) store = NULL;
  g_autoptr(GPtrArray) users = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonArray) rows = json_array_new ();

  if (!parse_flags (argc, argv, flags, &json, NULL, NULL))
    return agg_cli_usage_error ("%s", _(USER_USAGE));

  store = agg_cli_open_store (FALSE);
  if (store == NULL)
    return AGG_CLI_EXIT_FAILED;
  users = agg_store_run_sync (store, AGG_STORE_READ, list_users, NULL, &error);
  if (users == NULL)
    return agg_cli_failure ("%s", error->message);

  for (guint i = 0; i < users->len; i++)
    {
      AggUser *user = g_ptr_array_index (users, i);
      JsonObject *row = json_object_new ();

      json_object_set_string_member (row, "username", user->username);
      json_object_set_string_member (row, "full_name", user->full_name);
      json_object_set_string_member (row, "role", agg_role_to_string (user->role));
      if (user->badge != NULL)
        json_object_set_string_member (row, "badge", user->badge);
      else
        json_object_set_null_member (row, "badge");
      json_object_set_boolean_member (row, "active", user->active);
      json_object_set_boolean_member (row, "locked", user->locked);
      json_object_set_int_member (row, "failed_attempts", user->failed_attempts);
      json_array_add_object_element (rows, row);

      if (json)
        continue;
      printf ("%-16s %-10s %s", user->username, agg_role_to_string (user->role),
              user->full_name);
      if (!user->active)
        printf (" %s", _("(disabled)"));
      if (user->locked)
        printf (" %s", _("(locked out)"));
      printf ("\n");
    }

  if (json)
    print_rows_json (rows);
  return AGG_CLI_EXIT_OK;
}

int
agg_cli_user (int    argc,
              char **argv)
{
  g_autofree char *pin = NULL;
  g_autofree char *new_pin = NULL;
  UserChange change = { USER_ADD, NULL, NULL, AGG_ROLE_OPERATOR, NULL, NULL, FALSE };
  const char *role = NULL;
  const char *verb;
  int status;

  if (argc < 2)
    return agg_cli_usage_error ("%s", _(USER_USAGE));
  verb = argv[1];

  if (strcmp (verb, "list") == 0)
    return user_list (argc - 1, argv + 1);

  if (argc < 3 || argv[2][0] == '-')
    return agg_cli_usage_error ("%s", _(USER_USAGE));
  change.username = argv[2];

  if (strcmp (verb, "add") == 0)
    {
      for (int i = 3; i < argc; i++)
        {
          if (i + 1 >= argc)
            return agg_cli_usage_error ("%s", _(USER_USAGE));
          if (strcmp (argv[i], "--name") == 0)
            change.full_name = argv[++i];
          else if (strcmp (argv[i], "--role") == 0)
            role = argv[++i];
          else if (strcmp (argv[i], "--badge") == 0)
            change.badge = argv[++i];
          else
            return agg_cli_usage_error ("%s", _(USER_USAGE));
        }
      if (change.full_name == NULL || role == NULL)
        return agg_cli_usage_error ("%s", _(USER_USAGE));
      if (!agg_role_from_string (role, &change.role))
        return agg_cli_usage_error (_("unknown role “%s”: operator, supervisor or admin"),
                                    role);
    }
  else if (argc != 3)
    return agg_cli_usage_error ("%s", _(USER_USAGE));
  else if (strcmp (verb, "passwd") == 0)
    change.verb = USER_SET_PIN;
  else if (strcmp (verb, "disable") == 0 || strcmp (verb, "enable") == 0)
    {
      change.verb = USER_SET_ACTIVE;
      change.active = strcmp (verb, "enable") == 0;
    }
  else
    return agg_cli_usage_error ("%s", _(USER_USAGE));

  status = agg_cli_read_as_pin (&pin);
  if (status != AGG_CLI_EXIT_OK)
    return status;

  if (change.verb != USER_SET_ACTIVE)
    {
      g_autofree char *prompt = NULL;

      /* Translators: %s is a user name. */
      prompt = g_strdup_printf (_("New PIN for %s:"), change.username);
      new_pin = agg_cli_read_secret ("AGGCTL_NEW_PIN", prompt);
      if (new_pin == NULL)
        return agg_cli_failure (_("No new PIN: set AGGCTL_NEW_PIN or give it on the next line "
                                  "of input."));
      change.pin = new_pin;
    }

  status = run_admin (pin, AGG_ROLE_ADMIN, change_user, &change);
  if (status != AGG_CLI_EXIT_OK)
    return status;

  if (change.verb == USER_ADD)
    /* Translators: the first %s is a user name, the second a role. */
    printf (_("Added %s as %s.\n"), change.username, agg_role_to_string (change.role));
  else if (change.verb == USER_SET_PIN)
    printf (_("Changed the PIN of %s.\n"), change.username);
  else if (change.active)
    printf (_("Enabled %s.\n"), change.username);
  else
    printf (_("Disabled %s.\n"), change.username);
  return AGG_CLI_EXIT_OK;
}

/* aggctl product import, workorder import */

typedef struct
{
  const char *contents;
  gsize       length;
  guint       n_imported;
} ImportJob;

static gboolean
import_master_data (AggStore        *store,
                    const AggActor  *actor,
                    gpointer         data,
                    GError         **error)
{
  ImportJob *job = data;

  return agg_import_master_data (store, actor, job->contents, job->length,
                                 &job->n_imported, error);
}

static int
import_file (const char *path)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *pin = NULL;
  g_autofree char *contents = NULL;
  ImportJob job = { NULL, 0, 0 };
  int status;

  if (!g_file_get_contents (path, &contents, &job.length, &error))
    return agg_cli_failure ("%s", error->message);
  job.contents = contents;

  status = agg_cli_read_as_pin (&pin);
  if (status != AGG_CLI_EXIT_OK)
    return status;

  status = run_admin (pin, AGG_ROLE_ADMIN, import_master_data, &job);
  if (status != AGG_CLI_EXIT_OK)
    return status;

  /* Translators: %u is a number of records, %s a file name. */
  printf (g_dngettext (GETTEXT_PACKAGE, "Imported %u record from %s.\n",
                       "Imported %u records from %s.\n", job.n_imported),
          job.n_imported, path);
  return AGG_CLI_EXIT_OK;
}

int
agg_cli_product (int    argc,
                 char **argv)
{
  if (argc == 3 && strcmp (argv[1], "import") == 0)
    return import_file (argv[2]);

  return agg_cli_usage_error (_("usage: aggctl --as ADMIN product import FILE"));
}

/* aggctl workorder */

#define WORKORDER_USAGE N_("usage: aggctl --as ADMIN workorder import FILE\n" \
                           "       aggctl workorder list [--json]\n" \
                           "       aggctl --as SUPERVISOR workorder close ORDER REASON")

static void
print_workorder (JsonObject *row)
{
  printf ("%-16s %-9s %s  %s %-10s %s %s  %" PRId64 "/%" PRId64 "  %s\n",
          member (row, "id"), member (row, "status"), member (row, "gtin"),
          /* Translators: "lot 12345", a batch number follows. */
          _("lot"), member (row, "lot"),
          /* Translators: "expiry 281231", a date YYMMDD follows. */
          _("expiry"), member (row, "expiry"),
          json_object_get_int_member (row, "aggregated"),
          json_object_get_int_member (row, "planned"), member (row, "description"));
}

static int
workorder_list (int    argc,
                char **argv)
{
  static const char *const flags[] = { "--json", NULL };
  gboolean json = FALSE;

  if (!parse_flags (argc, argv, flags, &json, NULL, NULL))
    return agg_cli_usage_error ("%s", _(WORKORDER_USAGE));

  return list_rows ("SELECT o.id, o.gtin, p.description, o.lot, o.expiry, o.planned,"
                    "  (SELECT count (*) FROM units u"
                    "    WHERE u.order_id = o.id AND u.status = 'aggregated') AS aggregated,"
                    "  o.status, o.created_at, o.closed_at"
                    " FROM work_orders o LEFT JOIN products p ON p.gtin = o.gtin"
                    " ORDER BY o.created_at, o.id", NULL, NULL, json, print_workorder);
}

static void
print_figures (JsonObject *figures)
{
  g_autoptr(GList) names = json_object_get_members (figures);

  for (GList *l = names; l != NULL; l = l->next)
    {
      JsonNode *node = json_object_get_member (figures, l->data);

      if (JSON_NODE_HOLDS_OBJECT (node))
        {
          JsonObject *inner = json_node_get_object (node);
          g_autoptr(GList) inner_names = json_object_get_members (inner);

          if (inner_names != NULL)
            printf ("  %s:\n", (const char *) l->data);
          for (GList *m = inner_names; m != NULL; m = m->next)
            printf ("    %-24s %" PRId64 "\n", (const char *) m->data,
                    json_object_get_int_member (inner, m->data));
        }
      else if (JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_INT64)
        printf ("  %-26s %" PRId64 "\n", (const char *) l->data,
                json_node_get_int (node));
    }
}

/* Closing an order is a signed act at the line: the --as user logs in
 * there and signs with the same PIN. */
static int
workorder_close (const char *order_id,
                 const char *reason)
{
  g_autoptr(AggStore) store = NULL;
  g_autoptr(AggLine) line = NULL;
  g_autoptr(AggRequest) close = agg_request_new (AGG_ACTION_CLOSE_ORDER);
  g_autoptr(AggRequest) logout = agg_request_new (AGG_ACTION_LOGOUT);
  g_autoptr(AggResult) result = NULL;
  g_autoptr(AggResult) logged_out = NULL;
  g_autofree char *pin = NULL;
  JsonObject *figures;
  AggRole role = AGG_ROLE_OPERATOR;
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

  if (!agg_line_get_role (line, &role) || role < AGG_ROLE_SUPERVISOR)
    {
      /* Translators: the first %s is a user name, the others are roles. */
      agg_cli_failure (_("%s has the role %s; this needs %s or above."), agg_cli_globals.as_user,
                       agg_role_to_string (role), agg_role_to_string (AGG_ROLE_SUPERVISOR));
      status = AGG_CLI_EXIT_FAILED;
    }
  else
    {
      close->code = g_strdup (order_id);
      close->reason = g_strdup (reason);
      close->signer = g_strdup (agg_cli_globals.as_user);
      close->signer_pin = g_strdup (pin);
      result = agg_line_execute_sync (line, close);

      printf ("%s\n", result->message);
      figures = json_object_get_object_member (result->details, "reconciliation");
      if (figures != NULL)
        print_figures (figures);
      status = agg_result_is_ok (result) ? AGG_CLI_EXIT_OK : AGG_CLI_EXIT_FAILED;
    }

  logged_out = agg_line_execute_sync (line, logout);
  return status;
}

int
agg_cli_workorder (int    argc,
                   char **argv)
{
  if (argc >= 2 && strcmp (argv[1], "list") == 0)
    return workorder_list (argc - 1, argv + 1);
  if (argc == 3 && strcmp (argv[1], "import") == 0)
    return import_file (argv[2]);
  if (argc == 4 && strcmp (argv[1], "close") == 0)
    return workorder_close (argv[2], argv[3]);

  return agg_cli_usage_error ("%s", _(WORKORDER_USAGE));
}

/* aggctl events */

static void
print_event (JsonObject *row)
{
  JsonNode *epcs = json_object_get_member (row, "epcs");
  guint n_epcs = JSON_NODE_HOLDS_ARRAY (epcs)
                 ? json_array_get_length (json_node_get_array (epcs)) : 0;
  const char *biz_step = member (row, "biz_step");

  /* The CBV's URIs end in the word a person reads. */
  if (strrchr (biz_step, ':') != NULL)
    biz_step = strrchr (biz_step, ':') + 1;

  printf ("%6" PRId64 "  %s%s  %-16s %-7s %-14s %-8s",
          json_object_get_int_member (row, "id"), member (row, "event_time"),
          member (row, "tz_offset"), member (row, "type"), member (row, "action"),
          biz_step, member (row, "status"));
  if (!json_object_get_null_member (row, "parent"))
    printf (" %s", member (row, "parent"));
  /* Translators: %u is a number of identifiers (EPCs) in an event. */
  printf (g_dngettext (GETTEXT_PACKAGE, " (%u EPC)\n", " (%u EPCs)\n", n_epcs), n_epcs);
}

int
agg_cli_events (int    argc,
                char **argv)
{
  static const char *const flags[] = { "--json", "--pending", NULL };
  gboolean values[2] = { FALSE, FALSE };

  if (argc == 4 && (strcmp (argv[1], "resend") == 0 || strcmp (argv[1], "handled") == 0))
    return agg_cli_events_resolve (argv[1], argv[2], argv[3]);
  if (argc >= 2 && strcmp (argv[1], "exceptions") == 0)
    {
      if (argc > 3 || (argc == 3 && strcmp (argv[2], "--json") != 0))
        return agg_cli_usage_error (_("usage: aggctl events exceptions [--json]"));
      return agg_cli_events_exceptions (argc == 3);
    }

  if (argc < 2 || strcmp (argv[1], "list") != 0 ||
      !parse_flags (argc - 1, argv + 1, flags, values, NULL, NULL))
    return agg_cli_usage_error (_("usage: aggctl events list [--pending] [--json] | "
                                  "exceptions [--json] | resend|handled ID REASON"));

  return list_rows ("SELECT id, event_id, type, action, biz_step, disposition, event_time,"
                    "  tz_offset, parent, epcs, read_point, biz_location, order_id, status"
                    " FROM events WHERE ?1 IS NULL OR status = ?1 ORDER BY id",
                    values[1] ? "pending" : NULL, "epcs", values[0], print_event);
}

/* aggctl audit */

#define AUDIT_USAGE N_("usage: aggctl audit list [--json] [--object CODE] | audit verify")

typedef struct
{
  gint64   bad_id;
  char    *problem;
  guint64  n_rows;
} VerifyJob;

static gpointer
verify_job (AggStore  *store,
            sqlite3   *db,
            gpointer   user_data,
            GError   **error)
{
  VerifyJob *job = user_data;

  agg_audit_verify (store, &job->bad_id, &job->problem, &job->n_rows, error);
  return NULL;
}

static int
audit_verify (void)
{
  g_autoptr(AggStore) store = agg_cli_open_store (FALSE);
  g_autoptr(GError) error = NULL;
  VerifyJob job = { 0, NULL, 0 };
  g_autofree char *problem = NULL;
  g_autofree char *n_rows = NULL;

  if (store == NULL)
    return AGG_CLI_EXIT_FAILED;

  agg_store_run_sync (store, AGG_STORE_READ, verify_job, &job, &error);
  problem = job.problem;
  if (error != NULL)
    return agg_cli_failure ("%s", error->message);

  if (job.bad_id != 0)
    {
      g_autofree char *row = g_strdup_printf ("%" PRId64, job.bad_id);

      /* Translators: the first %s is a row number, the second says what is
       * wrong with it, e.g. "row 7 was altered". */
      printf (_("Audit trail broken at row %s: %s\n"), row, problem != NULL ? problem : "");
      return AGG_CLI_EXIT_FAILED;
    }

  n_rows = g_strdup_printf ("%" PRIu64, job.n_rows);
  /* Translators: %s is a number of rows. */
  printf (g_dngettext (GETTEXT_PACKAGE, "Audit trail intact: %s row\n",
                       "Audit trail intact: %s rows\n", job.n_rows), n_rows);
  return AGG_CLI_EXIT_OK;
}

static void
print_audit_row (JsonObject *row)
{
  printf ("%6" PRId64 "  %s%s  %-12s %-22s %s\n",
          json_object_get_int_member (row, "id"), member (row, "at"),
          member (row, "utc_offset"), member (row, "username"), member (row, "action"),
          member (row, "object"));
  if (!json_object_get_null_member (row, "old_value") ||
      !json_object_get_null_member (row, "new_value"))
    printf ("        %s → %s\n", member (row, "old_value"), member (row, "new_value"));
  if (!json_object_get_null_member (row, "reason"))
    /* Translators: %s is the reason given for a change. */
    printf (_("        reason: %s\n"), member (row, "reason"));
  if (!json_object_get_null_member (row, "signer"))
    /* Translators: signer's user name, full name, and what the signature means. */
    printf (_("        signed by %s (%s): %s\n"), member (row, "signer"),
            member (row, "signer_name"), member (row, "meaning"));
}

static int
audit_list (int    argc,
            char **argv)
{
  static const char *const flags[] = { "--json", NULL };
  gboolean json = FALSE;
  const char *object = NULL;

  if (!parse_flags (argc, argv, flags, &json, "--object", &object))
    return agg_cli_usage_error ("%s", _(AUDIT_USAGE));

  return list_rows ("SELECT id, at, utc_offset, username, action, object, old_value, new_value,"
                    "  reason, signer, signer_name, meaning"
                    " FROM audit WHERE ?1 IS NULL OR object = ?1 ORDER BY id",
                    object, NULL, json, print_audit_row);
}

int
agg_cli_audit (int    argc,
               char **argv)
{
  if (argc == 2 && strcmp (argv[1], "verify") == 0)
    return audit_verify ();
  if (argc >= 2 && strcmp (argv[1], "list") == 0)
    return audit_list (argc - 1, argv + 1);

  return agg_cli_usage_error ("%s", _(AUDIT_USAGE));
}

/* aggctl backup */

int
agg_cli_backup (int    argc,
                char **argv)
{
  g_autoptr(AggStore) store = NULL;
  g_autoptr(GError) error = NULL;

  if (argc != 2)
    return agg_cli_usage_error (_("usage: aggctl backup PATH"));

  store = agg_cli_open_store (FALSE);
  if (store == NULL)
    return AGG_CLI_EXIT_FAILED;

  if (!agg_store_backup_sync (store, argv[1], &error))
    return agg_cli_failure ("%s", error->message);

  /* Translators: %s is the path of the copy. */
  printf (_("Backed up to “%s”.\n"), argv[1]);
  return AGG_CLI_EXIT_OK;
}
