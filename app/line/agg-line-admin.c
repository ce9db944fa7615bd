/* agg-line-admin.c: users, master data and the station's settings
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * What an admin does on the station, as requests: each change runs in the
 * request's transaction with the session's user as actor, so the audit
 * trail records who did it, and with old and new values.  A PIN is never
 * written anywhere but as its hash.
 */

#include "config.h"

#include <glib/gi18n-lib.h>
#include <string.h>

#include "agg-gs1.h"
#include "agg-gs1-private.h"
#include "agg-line-job.h"

/* The refusals of the user and import functions, as outcomes.  Whatever
 * they may have written before refusing is rolled back. */
static AggResult *
refusal_from_error (AggJob  *job,
                    GError  *local_error,
                    GError **error)
{
  AggOutcome outcome;

  if (local_error->domain != AGG_LINE_ERROR)
    {
      g_propagate_error (error, local_error);
      return NULL;
    }

  switch ((AggLineError) local_error->code)
    {
    case AGG_LINE_ERROR_EXISTS:
      outcome = AGG_OUTCOME_INVALID_STATE;
      break;
    case AGG_LINE_ERROR_NOT_FOUND:
      outcome = AGG_OUTCOME_NOT_FOUND;
      break;
    case AGG_LINE_ERROR_INVALID:
    default:
      outcome = AGG_OUTCOME_BAD_REQUEST;
      break;
    }

  job->rollback = TRUE;
  return agg_result_new (outcome, "%s", local_error->message);
}

static AggResult *
finish (AggJob      *job,
        gboolean     ok,
        GError      *local_error,
        GError     **error,
        const char  *message)
{
  if (!ok)
    return refusal_from_error (job, local_error, error);
  return agg_result_new (AGG_OUTCOME_ACCEPTED, "%s", message);
}

/* Users */

static AggResult *
user_add (AggJob  *job,
          GError **error)
{
  AggRequest *request = job->request;
  g_autofree char *message = NULL;
  GError *local_error = NULL;
  AggRole role;
  gboolean ok;

  if (request->user == NULL || request->code == NULL || request->code2 == NULL ||
      request->pin == NULL)
    return agg_result_new (AGG_OUTCOME_BAD_REQUEST,
                           _("A new user needs a user name, a full name, a role and a PIN"));
  if (!agg_role_from_string (request->code2, &role))
    return agg_result_new (AGG_OUTCOME_BAD_REQUEST,
                           _("“%s” is no role: operator, supervisor or admin"), request->code2);

  ok = agg_user_add (job->store, &job->actor, request->user, request->code, role, request->pin,
                     request->data, &local_error);
  message = g_strdup_printf (_("User %s added"), request->user);
  return finish (job, ok, local_error, error, message);
}

static AggResult *
user_set_pin (AggJob  *job,
              GError **error)
{
  AggRequest *request = job->request;
  g_autofree char *message = NULL;
  GError *local_error = NULL;
  gboolean ok;

  if (request->user == NULL || request->pin == NULL)
    return agg_result_new (AGG_OUTCOME_BAD_REQUEST, _("A new PIN needs a user and the PIN"));

  ok = agg_user_set_pin (job->store, &job->actor, request->user, request->pin, &local_error);
  message = g_strdup_printf (_("New PIN set for %s"), request->user);
  return finish (job, ok, local_error, error, message);
}

static AggResult *
user_set_active (AggJob  *job,
                 GError **error)
{
  AggRequest *request = job->request;
  g_autofree char *message = NULL;
  GError *local_error = NULL;
  gboolean active;
  gboolean ok;

  if (request->user == NULL ||
      (g_strcmp0 (request->code, "1") != 0 && g_strcmp0 (request->code, "0") != 0))
    return agg_result_new (AGG_OUTCOME_BAD_REQUEST,
                           _("Enabling or disabling needs a user and 1 or 0"));

  active = request->code[0] == '1';
  /* Locking oneself out would leave the station without its admin. */
  if (!active && g_strcmp0 (request->user, job->actor.username) == 0)
    return agg_result_new (AGG_OUTCOME_INVALID_STATE, _("You cannot disable your own account"));

  ok = agg_user_set_active (job->store, &job->actor, request->user, active, &local_error);
  message = active ? g_strdup_printf (_("User %s enabled"), request->user)
                   : g_strdup_printf (_("User %s disabled"), request->user);
  return finish (job, ok, local_error, error, message);
}

static AggResult *
list_users (AggJob  *job,
            GError **error)
{
  g_autoptr(GPtrArray) users = agg_user_list (job->store, error);
  /* A badge logs its holder in: only an admin sees them. */
  gboolean show_badges = job->actor.role == AGG_ROLE_ADMIN;
  JsonArray *array;
  AggResult *result;

  if (users == NULL)
    return NULL;

  array = json_array_new ();
  for (guint i = 0; i < users->len; i++)
    {
      const AggUser *user = g_ptr_array_index (users, i);
      JsonObject *object = json_object_new ();

      json_object_set_string_member (object, "username", user->username);
      json_object_set_string_member (object, "full_name", user->full_name);
      json_object_set_string_member (object, "role", agg_role_to_string (user->role));
      json_object_set_boolean_member (object, "active", user->active);
      json_object_set_boolean_member (object, "locked", user->locked);
      if (show_badges && user->badge != NULL)
        json_object_set_string_member (object, "badge", user->badge);
      else
        json_object_set_null_member (object, "badge");
      json_array_add_object_element (array, object);
    }

  result = agg_result_new (AGG_OUTCOME_ACCEPTED,
                           g_dngettext (GETTEXT_PACKAGE, "%u user", "%u users", users->len),
                           users->len);
  json_object_set_array_member (result->details, "users", array);
  return result;
}

/* Master data */

static AggResult *
import (AggJob  *job,
        GError **error)
{
  AggRequest *request = job->request;
  GError *local_error = NULL;
  guint n_imported = 0;
  AggResult *result;

  if (request->data == NULL)
    return agg_result_new (AGG_OUTCOME_BAD_REQUEST, _("Nothing to import"));

  if (!agg_import_master_data (job->store, &job->actor, request->data, request->data_len,
                               &n_imported, &local_error))
    return refusal_from_error (job, local_error, error);

  result = agg_result_new (AGG_OUTCOME_ACCEPTED,
                           g_dngettext (GETTEXT_PACKAGE, "%u record imported",
                                        "%u records imported", n_imported),
                           n_imported);
  json_object_set_int_member (result->details, "imported", n_imported);
  return result;
}

/* Settings */

/* Each validator returns the value to store, or NULL with the refusal in
 * @message. */
typedef char *(*SettingCheck) (const char  *value,
                               char       **message);

static char *
check_station_name (const char  *value,
                    char       **message)
{
  g_autofree char *name = g_strstrip (g_strdup (value));

  if (*name == '\0' || g_utf8_strlen (name, -1) > 64)
    {
      *message = g_strdup (_("The station name has 1 to 64 characters"));
      return NULL;
    }
  return g_steal_pointer (&name);
}

static char *
check_gln (const char  *value,
           char       **message)
{
  gsize len = strlen (value);
  gboolean digits = len == 13;

  for (gsize i = 0; digits && i < len; i++)
    digits = g_ascii_isdigit (value[i]);

  if (!digits)
    *message = g_strdup_printf (_("“%s” is no GLN: a GLN has 13 digits"), value);
  else if (!agg_gs1_check_digit_is_valid (value, len))
    *message = g_strdup_printf (_("“%s” is no GLN: its check digit is wrong"), value);
  else
    return g_strdup (value);
  return NULL;
}

static char *
check_gln_extension (const char  *value,
                     char       **message)
{
  AggGs1LintFailure failure;
  gsize len = strlen (value);

  /* Empty: the station is the GLN itself. */
  if (len == 0)
    return g_strdup (value);
  if (len > 20 || !agg_gs1_lint_cset (AGG_GS1_CSET_X, value, len, &failure))
    {
      *message = g_strdup (_("A GLN extension has up to 20 letters, digits or GS1 symbols"));
      return NULL;
    }
  return g_strdup (value);
}

/* agg_settings_set() itself refuses a malformed offset. */
static char *
check_utc_offset (const char  *value,
                  char       **message)
{
  return g_strdup (value);
}

static char *
check_number (const char  *value,
              guint64      min,
              guint64      max,
              char       **message)
{
  guint64 number;

  if (!g_ascii_string_to_unsigned (value, 10, min, max, &number, NULL))
    {
      *message = g_strdup_printf (_("Enter a whole number from %u to %u"), (guint) min,
                                  (guint) max);
      return NULL;
    }
  return g_strdup_printf ("%" G_GUINT64_FORMAT, number);
}

static char *
check_lockout_attempts (const char  *value,
                        char       **message)
{
  return check_number (value, 1, 20, message);
}

/* Part 11 wants idle sessions to end: never is no choice, nor is a day. */
static char *
check_idle_timeout (const char  *value,
                    char       **message)
{
  return check_number (value, 60, 3600, message);
}

static char *
check_auto_close (const char  *value,
                  char       **message)
{
  return check_number (value, 0, 1, message);
}

static const struct {
  const char   *key;
  SettingCheck  check;
} settings[] = {
  { "station_name", check_station_name },
  { "gln", check_gln },
  { "gln_extension", check_gln_extension },
  { "utc_offset", check_utc_offset },
  { "lockout_attempts", check_lockout_attempts },
  { "idle_timeout", check_idle_timeout },
  { "auto_close", check_auto_close },
};

static AggResult *
get_settings (AggJob  *job,
              GError **error)
{
  g_autoptr(JsonObject) object = json_object_new ();
  AggResult *result;

  for (guint i = 0; i < G_N_ELEMENTS (settings); i++)
    {
      GError *local_error = NULL;
      g_autofree char *value = agg_settings_get (job->store, settings[i].key, &local_error);

      if (agg_propagate_local_error (error, &local_error))
        return NULL;
      if (value != NULL)
        json_object_set_string_member (object, settings[i].key, value);
      else
        json_object_set_null_member (object, settings[i].key);
    }

  result = agg_result_new (AGG_OUTCOME_ACCEPTED, _("The station’s settings"));
  json_object_set_object_member (result->details, "settings", g_steal_pointer (&object));
  return result;
}

static AggResult *
set_setting (AggJob  *job,
             GError **error)
{
  AggRequest *request = job->request;
  g_autofree char *value = NULL;
  g_autofree char *message = NULL;
  GError *local_error = NULL;
  gint i;

  if (request->code == NULL || request->code2 == NULL)
    return agg_result_new (AGG_OUTCOME_BAD_REQUEST, _("A setting needs a name and a value"));

  for (i = G_N_ELEMENTS (settings) - 1; i >= 0; i--)
    if (strcmp (settings[i].key, request->code) == 0)
      break;
  if (i < 0)
    return agg_result_new (AGG_OUTCOME_BAD_REQUEST, _("The station has no setting “%s”"),
                           request->code);

  value = settings[i].check (request->code2, &message);
  if (value == NULL)
    return agg_result_new (AGG_OUTCOME_BAD_REQUEST, "%s", message);

  if (!agg_settings_set (job->store, &job->actor, request->code, value, &local_error))
    return refusal_from_error (job, local_error, error);

  if (strcmp (request->code, "idle_timeout") == 0)
    job->new_idle_timeout = g_ascii_strtoull (value, NULL, 10);

  /* Translators: a setting's name, as stored ("idle_timeout"), and its new value. */
  return agg_result_new (AGG_OUTCOME_ACCEPTED, _("%s is now %s"), request->code, value);
}

AggResult *
agg_line_handle_admin (AggJob  *job,
                       GError **error)
{
  AggAction action = job->request->action;

  if (action == AGG_ACTION_LIST_USERS)
    return list_users (job, error);
  if (job->actor.role != AGG_ROLE_ADMIN)
    return agg_result_new (AGG_OUTCOME_NOT_PERMITTED, _("Only an administrator may do this"));

  switch (action)
    {
    case AGG_ACTION_USER_ADD:
      return user_add (job, error);
    case AGG_ACTION_USER_SET_PIN:
      return user_set_pin (job, error);
    case AGG_ACTION_USER_SET_ACTIVE:
      return user_set_active (job, error);
    case AGG_ACTION_IMPORT:
      return import (job, error);
    case AGG_ACTION_GET_SETTINGS:
      return get_settings (job, error);
    case AGG_ACTION_SET_SETTING:
      return set_setting (job, error);
    case AGG_ACTION_LIST_USERS:
    case AGG_ACTION_LOGIN:
    case AGG_ACTION_LOGOUT:
    case AGG_ACTION_START_ORDER:
    case AGG_ACTION_SUSPEND_ORDER:
    case AGG_ACTION_SCAN:
    case AGG_ACTION_CLOSE_CASE:
    case AGG_ACTION_CLOSE_PALLET:
    case AGG_ACTION_SHOW:
    case AGG_ACTION_REMOVE_UNIT:
    case AGG_ACTION_REPLACE_UNIT:
    case AGG_ACTION_UNPACK:
    case AGG_ACTION_REMOVE_CASE:
    case AGG_ACTION_MOVE_CASE:
    case AGG_ACTION_REOPEN_CASE:
    case AGG_ACTION_DECOMMISSION:
    case AGG_ACTION_DESTROY:
    case AGG_ACTION_SAMPLE:
    case AGG_ACTION_VOID_LABEL:
    case AGG_ACTION_REPRINT_LABEL:
    case AGG_ACTION_RECONCILE:
    case AGG_ACTION_CLOSE_ORDER:
    case AGG_ACTION_SET_MODE:
    case AGG_ACTION_STATUS:
    case AGG_ACTION_LIST_ORDERS:
    case AGG_ACTION_LIST_EXCEPTIONS:
    case AGG_ACTION_EVENT_RESEND:
    case AGG_ACTION_EVENT_HANDLED:
    case AGG_ACTION_SCAN_LAYER:
    case AGG_N_ACTIONS:
    default:
      return agg_result_new (AGG_OUTCOME_BAD_REQUEST, _("Not an administrative request"));
    }
}
