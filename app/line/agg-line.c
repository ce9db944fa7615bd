/* agg-line.c: the line engine — sessions, orders, scans, cases and pallets
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <inttypes.h>
#include <glib/gi18n-lib.h>
#include <string.h>

#include "agg-label-jobs.h"
#include "agg-line-job.h"

G_DEFINE_QUARK (agg-line-error-quark, agg_line_error)

static const char *const outcome_names[] = {
  [AGG_OUTCOME_ACCEPTED] = "ACCEPTED",
  [AGG_OUTCOME_NOT_GS1] = "NOT_GS1",
  [AGG_OUTCOME_INVALID_GS1] = "INVALID_GS1",
  [AGG_OUTCOME_NOT_A_UNIT] = "NOT_A_UNIT",
  [AGG_OUTCOME_WRONG_PRODUCT] = "WRONG_PRODUCT",
  [AGG_OUTCOME_WRONG_LOT] = "WRONG_LOT",
  [AGG_OUTCOME_WRONG_EXPIRY] = "WRONG_EXPIRY",
  [AGG_OUTCOME_EXPIRED] = "EXPIRED",
  [AGG_OUTCOME_NOT_COMMISSIONED] = "NOT_COMMISSIONED",
  [AGG_OUTCOME_DUPLICATE_IN_THIS_CASE] = "DUPLICATE_IN_THIS_CASE",
  [AGG_OUTCOME_ALREADY_AGGREGATED] = "ALREADY_AGGREGATED",
  [AGG_OUTCOME_UNIT_DECOMMISSIONED] = "UNIT_DECOMMISSIONED",
  [AGG_OUTCOME_CASE_FULL] = "CASE_FULL",
  [AGG_OUTCOME_NO_OPEN_CASE] = "NO_OPEN_CASE",
  [AGG_OUTCOME_NO_RUNNING_ORDER] = "NO_RUNNING_ORDER",
  [AGG_OUTCOME_SSCC_RANGE_EXHAUSTED] = "SSCC_RANGE_EXHAUSTED",
  [AGG_OUTCOME_NOT_PERMITTED] = "NOT_PERMITTED",
  [AGG_OUTCOME_NOT_LOGGED_IN] = "NOT_LOGGED_IN",
  [AGG_OUTCOME_BAD_CREDENTIALS] = "BAD_CREDENTIALS",
  [AGG_OUTCOME_LOCKED_OUT] = "LOCKED_OUT",
  [AGG_OUTCOME_SIGNATURE_REQUIRED] = "SIGNATURE_REQUIRED",
  [AGG_OUTCOME_NOT_FOUND] = "NOT_FOUND",
  [AGG_OUTCOME_INVALID_STATE] = "INVALID_STATE",
  [AGG_OUTCOME_OPEN_CONTAINERS] = "OPEN_CONTAINERS",
  [AGG_OUTCOME_STORE_FAILED] = "STORE_FAILED",
  [AGG_OUTCOME_BAD_REQUEST] = "BAD_REQUEST",
  [AGG_OUTCOME_LABEL_NOT_VERIFIED] = "LABEL_NOT_VERIFIED",
  [AGG_OUTCOME_LABEL_MISMATCH] = "LABEL_MISMATCH",
  [AGG_OUTCOME_LAYER_INCOMPLETE] = "LAYER_INCOMPLETE",
};
G_STATIC_ASSERT (G_N_ELEMENTS (outcome_names) == AGG_N_OUTCOMES);

static const char *const action_names[] = {
  [AGG_ACTION_LOGIN] = "login",
  [AGG_ACTION_LOGOUT] = "logout",
  [AGG_ACTION_START_ORDER] = "start",
  [AGG_ACTION_SUSPEND_ORDER] = "suspend",
  [AGG_ACTION_SCAN] = "scan",
  [AGG_ACTION_CLOSE_CASE] = "close-case",
  [AGG_ACTION_CLOSE_PALLET] = "close-pallet",
  [AGG_ACTION_SHOW] = "show",
  [AGG_ACTION_REMOVE_UNIT] = "remove-unit",
  [AGG_ACTION_REPLACE_UNIT] = "replace-unit",
  [AGG_ACTION_UNPACK] = "unpack",
  [AGG_ACTION_REMOVE_CASE] = "remove-case",
  [AGG_ACTION_MOVE_CASE] = "move-case",
  [AGG_ACTION_REOPEN_CASE] = "reopen-case",
  [AGG_ACTION_DECOMMISSION] = "decommission",
  [AGG_ACTION_DESTROY] = "destroy",
  [AGG_ACTION_SAMPLE] = "sample",
  [AGG_ACTION_VOID_LABEL] = "void-label",
  [AGG_ACTION_REPRINT_LABEL] = "reprint-label",
  [AGG_ACTION_RECONCILE] = "reconcile",
  [AGG_ACTION_CLOSE_ORDER] = "close-order",
  [AGG_ACTION_SET_MODE] = "mode",
  [AGG_ACTION_STATUS] = "status",
  [AGG_ACTION_USER_ADD] = "user-add",
  [AGG_ACTION_USER_SET_PIN] = "user-set-pin",
  [AGG_ACTION_USER_SET_ACTIVE] = "user-set-active",
  [AGG_ACTION_LIST_USERS] = "users",
  [AGG_ACTION_IMPORT] = "import",
  [AGG_ACTION_GET_SETTINGS] = "settings",
  [AGG_ACTION_SET_SETTING] = "set-setting",
  [AGG_ACTION_LIST_ORDERS] = "orders",
  [AGG_ACTION_LIST_EXCEPTIONS] = "exceptions",
  [AGG_ACTION_EVENT_RESEND] = "event-resend",
  [AGG_ACTION_EVENT_HANDLED] = "event-handled",
  [AGG_ACTION_SCAN_LAYER] = "scan-layer",
};
G_STATIC_ASSERT (G_N_ELEMENTS (action_names) == AGG_N_ACTIONS);

const char *
agg_outcome_to_string (AggOutcome outcome)
{
  g_return_val_if_fail (outcome < AGG_N_OUTCOMES, NULL);
  return outcome_names[outcome];
}

const char *
agg_action_to_string (AggAction action)
{
  g_return_val_if_fail (action < AGG_N_ACTIONS, NULL);
  return action_names[action];
}

gboolean
agg_action_from_string (const char *name,
                        AggAction  *action)
{
  g_return_val_if_fail (name != NULL, FALSE);

  for (guint i = 0; i < AGG_N_ACTIONS; i++)
    if (strcmp (action_names[i], name) == 0)
      {
        *action = i;
        return TRUE;
      }
  return FALSE;
}

AggRequest *
agg_request_new (AggAction action)
{
  AggRequest *request = g_new0 (AggRequest, 1);

  request->action = action;
  return request;
}

AggRequest *
agg_request_copy (const AggRequest *request)
{
  AggRequest *copy;

  g_return_val_if_fail (request != NULL, NULL);

  copy = g_new0 (AggRequest, 1);
  copy->action = request->action;
  copy->user = g_strdup (request->user);
  copy->pin = g_strdup (request->pin);
  copy->data = request->data ? g_memdup2 (request->data, request->data_len + 1) : NULL;
  copy->data_len = request->data_len;
  copy->source = g_strdup (request->source);
  copy->code = g_strdup (request->code);
  copy->code2 = g_strdup (request->code2);
  copy->reason = g_strdup (request->reason);
  copy->with_contents = request->with_contents;
  copy->signer = g_strdup (request->signer);
  copy->signer_pin = g_strdup (request->signer_pin);
  return copy;
}

void
agg_request_free (AggRequest *request)
{
  if (request == NULL)
    return;

  g_free (request->user);
  g_free (request->pin);
  g_free (request->data);
  g_free (request->source);
  g_free (request->code);
  g_free (request->code2);
  g_free (request->reason);
  g_free (request->signer);
  g_free (request->signer_pin);
  g_free (request);
}

AggResult *
agg_result_new (AggOutcome  outcome,
                const char *format,
                ...)
{
  AggResult *result = g_new0 (AggResult, 1);
  va_list args;

  va_start (args, format);
  result->outcome = outcome;
  result->message = g_strdup_vprintf (format, args);
  result->details = json_object_new ();
  va_end (args);
  return result;
}

gboolean
agg_propagate_local_error (GError **error,
                           GError **local_error)
{
  if (*local_error == NULL)
    return FALSE;

  g_propagate_error (error, g_steal_pointer (local_error));
  return TRUE;
}

gboolean
agg_result_is_ok (const AggResult *result)
{
  g_return_val_if_fail (result != NULL, FALSE);
  return result->outcome == AGG_OUTCOME_ACCEPTED;
}

void
agg_result_free (AggResult *result)
{
  if (result == NULL)
    return;

  g_free (result->message);
  if (result->details != NULL)
    json_object_unref (result->details);
  g_free (result);
}

char *
agg_result_to_json (const AggResult *result)
{
  g_autoptr(JsonNode) root = json_node_new (JSON_NODE_OBJECT);
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  JsonObject *object = json_object_new ();

  g_return_val_if_fail (result != NULL, NULL);

  json_object_set_boolean_member (object, "ok", agg_result_is_ok (result));
  json_object_set_string_member (object, "outcome", agg_outcome_to_string (result->outcome));
  json_object_set_string_member (object, "message", result->message);
  if (result->details != NULL)
    {
      g_autoptr(GList) members = json_object_get_members (result->details);

      for (GList *l = members; l != NULL; l = l->next)
        json_object_set_member (object, l->data,
                                json_node_copy (json_object_get_member (result->details, l->data)));
    }

  json_node_take_object (root, object);
  json_generator_set_root (generator, root);
  return json_generator_to_data (generator, NULL);
}

struct _AggLine
{
  GObject   parent_instance;

  AggStore *store;

  /* The session, shared between the caller's thread and completions. */
  GMutex    lock;
  gboolean  logged_in;
  gint64    user_id;
  char     *username;
  char     *full_name;
  AggRole   role;
  gboolean  pallet_mode;
  gint64    last_activity;
  guint     idle_timeout;

  /* StatusSource: what other parts add to the status. */
  GPtrArray *status_sources;
};

typedef struct
{
  char              *name;
  AggLineStatusFunc  func;
  gpointer           user_data;
  GDestroyNotify     destroy;
} StatusSource;

static void
status_source_free (StatusSource *source)
{
  if (source->destroy != NULL)
    source->destroy (source->user_data);
  g_free (source->name);
  g_free (source);
}

G_DEFINE_FINAL_TYPE (AggLine, agg_line, G_TYPE_OBJECT)

enum
{
  SIGNAL_EXECUTED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void
agg_line_finalize (GObject *object)
{
  AggLine *self = AGG_LINE (object);

  g_clear_object (&self->store);
  g_free (self->username);
  g_free (self->full_name);
  g_ptr_array_unref (self->status_sources);
  g_mutex_clear (&self->lock);

  G_OBJECT_CLASS (agg_line_parent_class)->finalize (object);
}

static void
agg_line_class_init (AggLineClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = agg_line_finalize;

  /**
   * AggLine::executed:
   * @request: the request
   * @result: its result, committed
   *
   * Every request, whoever asked, once its result is final: the station
   * runtime drives the PLC, printers and upstream from it.  Emitted in
   * the thread that completes the request (the caller's main context for
   * agg_line_execute_async ()).
   */
  signals[SIGNAL_EXECUTED] =
    g_signal_new ("executed",
                  G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL,
                  G_TYPE_NONE, 2, G_TYPE_POINTER, G_TYPE_POINTER);
}

static void
agg_line_init (AggLine *self)
{
  g_mutex_init (&self->lock);
  self->idle_timeout = 900;
  self->status_sources = g_ptr_array_new_with_free_func ((GDestroyNotify) status_source_free);
}

void
agg_line_add_status_source (AggLine           *self,
                            const char        *name,
                            AggLineStatusFunc  func,
                            gpointer           user_data,
                            GDestroyNotify     destroy)
{
  StatusSource *source;

  g_return_if_fail (AGG_IS_LINE (self));
  g_return_if_fail (name != NULL && func != NULL);

  source = g_new0 (StatusSource, 1);
  source->name = g_strdup (name);
  source->func = func;
  source->user_data = user_data;
  source->destroy = destroy;
  g_mutex_lock (&self->lock);
  g_ptr_array_add (self->status_sources, source);
  g_mutex_unlock (&self->lock);
}

/* The status request's figures from the other parts of the station. */
static void
add_status_sources (AggLine   *self,
                    AggResult *result)
{
  JsonObject *status;

  if (result->details == NULL || !json_object_has_member (result->details, "status"))
    return;
  status = json_object_get_object_member (result->details, "status");

  g_mutex_lock (&self->lock);
  for (guint i = 0; i < self->status_sources->len; i++)
    {
      StatusSource *source = self->status_sources->pdata[i];

      json_object_set_object_member (status, source->name, source->func (source->user_data));
    }
  g_mutex_unlock (&self->lock);
}

AggLine *
agg_line_new (AggStore *store)
{
  AggLine *self;

  g_return_val_if_fail (AGG_IS_STORE (store), NULL);

  self = g_object_new (AGG_TYPE_LINE, NULL);
  self->store = g_object_ref (store);
  return self;
}

AggStore *
agg_line_get_store (AggLine *self)
{
  g_return_val_if_fail (AGG_IS_LINE (self), NULL);
  return self->store;
}

const char *
agg_line_get_username (AggLine *self)
{
  g_return_val_if_fail (AGG_IS_LINE (self), NULL);
  return self->logged_in ? self->username : NULL;
}

gboolean
agg_line_get_role (AggLine *self,
                   AggRole *role)
{
  g_return_val_if_fail (AGG_IS_LINE (self), FALSE);

  if (self->logged_in && role != NULL)
    *role = self->role;
  return self->logged_in;
}

void
agg_line_set_idle_timeout (AggLine *self,
                           guint    seconds)
{
  g_return_if_fail (AGG_IS_LINE (self));
  self->idle_timeout = seconds;
}

guint
agg_line_get_idle_timeout (AggLine *self)
{
  g_return_val_if_fail (AGG_IS_LINE (self), 0);
  return self->idle_timeout;
}

static gpointer
read_idle_timeout (AggStore  *store,
                   sqlite3   *db,
                   gpointer   user_data,
                   GError   **error)
{
  gint64 *seconds = user_data;

  *seconds = agg_settings_get_int (store, "idle_timeout", *seconds);
  return NULL;
}

gboolean
agg_line_load_settings_sync (AggLine  *self,
                             GError  **error)
{
  g_autoptr(GError) local_error = NULL;
  gint64 idle_timeout = -1;

  g_return_val_if_fail (AGG_IS_LINE (self), FALSE);

  agg_store_run_sync (self->store, AGG_STORE_READ, read_idle_timeout, &idle_timeout,
                      &local_error);
  if (local_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }

  /* Without the setting, the engine's own default stands. */
  if (idle_timeout >= 0)
    self->idle_timeout = MIN (idle_timeout, G_MAXUINT);
  return TRUE;
}

static gboolean
role_at_least (AggRole role,
               AggRole minimum)
{
  return role >= minimum;
}

AggResult *
agg_job_check_signature (AggJob        *job,
                         AggRole        min_role,
                         const char    *meaning,
                         AggSignature  *signature,
                         AggUser      **signer,
                         GError       **error)
{
  g_autoptr(AggUser) user = NULL;
  AggAuthResult auth;
  AggResult *result;

  if (job->request->signer == NULL || job->request->signer_pin == NULL)
    {
      result = agg_result_new (AGG_OUTCOME_SIGNATURE_REQUIRED,
                               _("Signature required: %s"), meaning);
      json_object_set_string_member (result->details, "meaning", meaning);
      json_object_set_string_member (result->details, "role", agg_role_to_string (min_role));
      return result;
    }

  auth = agg_user_authenticate (job->store, job->request->signer, job->request->signer_pin,
                                &user, error);
  switch (auth)
    {
    case AGG_AUTH_OK:
      break;
    case AGG_AUTH_LOCKED:
      return agg_result_new (AGG_OUTCOME_LOCKED_OUT, _("%s is locked out: ask an administrator"),
                             job->request->signer);
    case AGG_AUTH_INACTIVE:
      return agg_result_new (AGG_OUTCOME_NOT_PERMITTED, _("The account %s is disabled"),
                             job->request->signer);
    case AGG_AUTH_BAD_CREDENTIALS:
    default:
      if (error != NULL && *error != NULL)
        return NULL;
      return agg_result_new (AGG_OUTCOME_BAD_CREDENTIALS, _("Signature refused: wrong user or PIN"));
    }

  if (!role_at_least (user->role, min_role))
    return agg_result_new (AGG_OUTCOME_NOT_PERMITTED, _("%s may not sign this: a %s must"),
                           user->username, agg_role_to_string (min_role));

  signature->username = user->username;
  signature->full_name = user->full_name;
  signature->meaning = meaning;
  *signer = g_steal_pointer (&user);
  return NULL;
}

gboolean
agg_job_log_reject (AggJob      *job,
                    const char  *order_id,
                    AggOutcome   outcome,
                    const char  *gtin,
                    const char  *serial,
                    GError     **error)
{
  return agg_job_log_reject_data (job, order_id, outcome, gtin, serial, job->request->data,
                                  error);
}

gboolean
agg_job_log_reject_data (AggJob      *job,
                         const char  *order_id,
                         AggOutcome   outcome,
                         const char  *gtin,
                         const char  *serial,
                         const char  *scanned,
                         GError     **error)
{
  g_autofree char *now = agg_now_utc ();
  g_autofree char *data = g_strescape (scanned ? scanned : "", NULL);
  sqlite3_stmt *stmt;

  stmt = agg_store_prepare (job->store,
                            "INSERT INTO rejects (order_id, outcome, gtin, serial, data, source,"
                            "  user_id, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, order_id, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 2, agg_outcome_to_string (outcome), -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 3, gtin, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 4, serial, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 5, data, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 6, job->request->source, -1, SQLITE_TRANSIENT);
  if (job->logged_in)
    sqlite3_bind_int64 (stmt, 7, job->actor.user_id);
  else
    sqlite3_bind_null (stmt, 7);
  sqlite3_bind_text (stmt, 8, now, -1, SQLITE_TRANSIENT);
  return agg_store_step (job->store, stmt, error);
}

static void
set_user_details (AggResult     *result,
                  const AggUser *user)
{
  JsonObject *object = json_object_new ();

  json_object_set_string_member (object, "username", user->username);
  json_object_set_string_member (object, "full_name", user->full_name);
  json_object_set_string_member (object, "role", agg_role_to_string (user->role));
  json_object_set_object_member (result->details, "user", object);
}

static AggResult *
start_session (AggJob      *job,
               AggUser     *user,
               const char  *how,
               GError     **error)
{
  AggActor actor = { user->id, user->username, user->role };
  AggResult *result;

  if (!agg_audit_append (job->store, &actor, "session.login", user->username, NULL, how,
                         NULL, NULL, NULL, error))
    return NULL;

  result = agg_result_new (AGG_OUTCOME_ACCEPTED, _("Welcome, %s"), user->full_name);
  set_user_details (result, user);
  job->session_changed = TRUE;
  job->new_logged_in = TRUE;
  job->new_user = user;
  return result;
}

static AggResult *
handle_login (AggJob  *job,
              GError **error)
{
  g_autoptr(AggUser) user = NULL;
  AggRequest *request = job->request;

  if (request->user == NULL || request->pin == NULL)
    return agg_result_new (AGG_OUTCOME_BAD_REQUEST, _("Login needs a user and a PIN"));

  switch (agg_user_authenticate (job->store, request->user, request->pin, &user, error))
    {
    case AGG_AUTH_OK:
      return start_session (job, g_steal_pointer (&user), "pin", error);
    case AGG_AUTH_LOCKED:
      return agg_result_new (AGG_OUTCOME_LOCKED_OUT,
                             _("Too many wrong PINs: %s is locked out. Ask an administrator."),
                             request->user);
    case AGG_AUTH_INACTIVE:
      return agg_result_new (AGG_OUTCOME_NOT_PERMITTED, _("The account %s is disabled"),
                             request->user);
    case AGG_AUTH_BAD_CREDENTIALS:
    default:
      if (error != NULL && *error != NULL)
        return NULL;
      return agg_result_new (AGG_OUTCOME_BAD_CREDENTIALS, _("Wrong user or PIN"));
    }
}

static AggResult *
handle_logout (AggJob  *job,
               GError **error)
{
  /* The screen saw nobody touch it for the idle time: a timeout, even
   * when a request of its own kept the engine's clock running. */
  gboolean idle = g_strcmp0 (job->request->code, "idle") == 0;

  if (!agg_audit_append (job->store, &job->actor, idle ? "session.timeout" : "session.logout",
                         job->actor.username, NULL, NULL, NULL, NULL, NULL, error))
    return NULL;

  job->session_changed = TRUE;
  job->new_logged_in = FALSE;
  return agg_result_new (AGG_OUTCOME_ACCEPTED, _("Logged out"));
}

static void
set_order_details (AggResult      *result,
                   const AggOrder *order)
{
  JsonObject *object = json_object_new ();

  json_object_set_string_member (object, "id", order->id);
  json_object_set_string_member (object, "gtin", order->gtin);
  json_object_set_string_member (object, "description", order->description);
  json_object_set_string_member (object, "lot", order->lot);
  json_object_set_string_member (object, "expiry", order->expiry);
  json_object_set_string_member (object, "status", order->status);
  json_object_set_int_member (object, "planned", order->planned);
  json_object_set_int_member (object, "units_per_case", order->units_per_case);
  json_object_set_int_member (object, "cases_per_pallet", order->cases_per_pallet);
  if (order->layer_rows > 0 && order->layer_cols > 0)
    {
      json_object_set_int_member (object, "layer_rows", order->layer_rows);
      json_object_set_int_member (object, "layer_cols", order->layer_cols);
    }
  json_object_set_object_member (result->details, "order", object);
}

static gboolean
set_order_status (AggJob      *job,
                  AggOrder    *order,
                  const char  *status,
                  const char  *reason,
                  const AggSignature *signature,
                  GError     **error)
{
  g_autofree char *now = agg_now_utc ();
  sqlite3_stmt *stmt;

  stmt = agg_store_prepare (job->store,
                            "UPDATE work_orders SET status = ?,"
                            "  closed_at = CASE WHEN ? = 'closed' THEN ? END WHERE id = ?", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, status, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 2, status, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 3, now, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 4, order->id, -1, SQLITE_TRANSIENT);
  if (!agg_store_step (job->store, stmt, error))
    return FALSE;

  if (!agg_audit_append (job->store, &job->actor, "order.status", order->id, order->status,
                         status, reason, signature, NULL, error))
    return FALSE;

  g_free (order->status);
  order->status = g_strdup (status);
  return TRUE;
}

/* An order's barcode may come with a symbology identifier (]C0 …). */
static const char *
strip_symbology (const char *code)
{
  if (code[0] == ']' && code[1] != '\0' && code[2] != '\0')
    return code + 3;
  return code;
}

/* Sets @order running; no other order may be. */
static AggResult *
start_order (AggJob    *job,
             AggOrder  *order,
             GError   **error)
{
  AggResult *result;

  if (!set_order_status (job, order, "running", NULL, NULL, error))
    return NULL;

  result = agg_result_new (AGG_OUTCOME_ACCEPTED, _("Order %s started: %s, lot %s"),
                           order->id, order->description, order->lot);
  set_order_details (result, order);
  return result;
}

static AggResult *
handle_start_order (AggJob  *job,
                    GError **error)
{
  g_autoptr(GError) local_error = NULL;
  g_autoptr(AggOrder) order = NULL;
  g_autoptr(AggOrder) running = NULL;
  AggResult *result;
  const char *id;

  if (job->request->code == NULL)
    return agg_result_new (AGG_OUTCOME_BAD_REQUEST, _("Which order? Give its number"));

  id = strip_symbology (job->request->code);
  order = agg_order_load (job->store, id, &local_error);
  if (agg_propagate_local_error (error, &local_error))
    return NULL;
  if (order == NULL)
    return agg_result_new (AGG_OUTCOME_NOT_FOUND, _("No work order %s"), id);

  running = agg_order_load_running (job->store, &local_error);
  if (agg_propagate_local_error (error, &local_error))
    return NULL;

  if (running != NULL && strcmp (running->id, order->id) == 0)
    {
      result = agg_result_new (AGG_OUTCOME_ACCEPTED, _("Order %s is running"), order->id);
      set_order_details (result, order);
      return result;
    }
  if (running != NULL)
    return agg_result_new (AGG_OUTCOME_INVALID_STATE,
                           _("Order %s is running: suspend it before starting %s"),
                           running->id, order->id);
  if (strcmp (order->status, "closed") == 0)
    return agg_result_new (AGG_OUTCOME_INVALID_STATE, _("Order %s is closed"), order->id);

  return start_order (job, order, error);
}

static AggResult *
handle_suspend_order (AggJob  *job,
                      GError **error)
{
  g_autoptr(GError) local_error = NULL;
  g_autoptr(AggOrder) order = agg_order_load_running (job->store, &local_error);
  AggResult *result;

  if (agg_propagate_local_error (error, &local_error))
    return NULL;
  if (order == NULL)
    return agg_result_new (AGG_OUTCOME_NO_RUNNING_ORDER, _("No order is running"));

  if (!set_order_status (job, order, "suspended", job->request->reason, NULL, error))
    return NULL;

  result = agg_result_new (AGG_OUTCOME_ACCEPTED, _("Order %s suspended"), order->id);
  set_order_details (result, order);
  return result;
}

/* A rule refused the scan: log it, and answer with the unit it was. */
static AggResult *
reject_scan (AggJob      *job,
             AggResult   *refusal,
             const char  *order_id,
             const char  *gtin,
             const char  *serial,
             GError     **error)
{
  if (!agg_job_log_reject (job, order_id, refusal->outcome, gtin, serial, error))
    {
      agg_result_free (refusal);
      return NULL;
    }

  if (gtin != NULL && serial != NULL)
    {
      JsonObject *unit = json_object_new ();

      json_object_set_string_member (unit, "gtin", gtin);
      json_object_set_string_member (unit, "serial", serial);
      json_object_set_object_member (refusal->details, "unit", unit);
    }
  return refusal;
}

static gboolean
auto_close_enabled (AggStore *store)
{
  return agg_settings_get_int (store, "auto_close", 1) != 0;
}

AggContainer *
agg_job_new_case (AggJob          *job,
                  const AggOrder  *order,
                  gboolean        *sscc_low,
                  AggResult      **refusal,
                  GError         **error)
{
  g_autofree char *sscc = NULL;
  GError *local_error = NULL;
  gboolean exhausted;

  /* Print and verify: the last case's label is scanned back first. */
  *refusal = agg_label_check_verified (job, order, &local_error);
  if (agg_propagate_local_error (error, &local_error) || *refusal != NULL)
    return NULL;

  if (order->scan_case_code)
    {
      *refusal = agg_result_new (AGG_OUTCOME_NO_OPEN_CASE,
                                 _("No open case: scan the case label first"));
      return NULL;
    }

  sscc = agg_sscc_allocate (job->store, &exhausted, sscc_low, error);
  if (sscc == NULL)
    {
      if (exhausted)
        *refusal = agg_result_new (AGG_OUTCOME_SSCC_RANGE_EXHAUSTED,
                                   _("No SSCC left in the configured ranges"));
      return NULL;
    }
  return agg_container_create (job->store, job, order, FALSE, sscc, error);
}

gboolean
agg_job_close_if_full (AggJob          *job,
                       const AggOrder  *order,
                       AggContainer    *open_case,
                       gboolean        *closed,
                       GError         **error)
{
  *closed = FALSE;
  if (open_case->n_children < order->units_per_case || !auto_close_enabled (job->store))
    return TRUE;
  if (!agg_container_close (job->store, job, open_case, NULL, NULL, error))
    return FALSE;
  *closed = TRUE;
  return TRUE;
}

/* Pallet building: a closed case goes onto the open pallet of its order. */
static AggResult *
palletise (AggJob        *job,
           AggOrder      *order,
           AggContainer  *item,
           GError       **error)
{
  g_autoptr(GError) local_error = NULL;
  g_autoptr(AggContainer) pallet = NULL;
  g_autoptr(AggContainer) current = NULL;
  g_autofree char *key = NULL;
  AggResult *result;
  gboolean closed = FALSE;

  if (item->is_pallet)
    return agg_result_new (AGG_OUTCOME_INVALID_STATE, _("%s is a pallet, not a case"), item->sscc);
  if (strcmp (item->order_id, order->id) != 0)
    return agg_result_new (AGG_OUTCOME_WRONG_PRODUCT, _("Case %s belongs to order %s, not %s"),
                           item->sscc, item->order_id, order->id);
  if (strcmp (item->status, "open") == 0)
    return agg_result_new (AGG_OUTCOME_INVALID_STATE, _("Case %s is still open: close it first"),
                           item->sscc);
  if (strcmp (item->status, "closed") != 0)
    return agg_result_new (AGG_OUTCOME_UNIT_DECOMMISSIONED, _("Case %s is %s"), item->sscc,
                           item->status);

  pallet = agg_container_load_open (job->store, order->id, TRUE, &local_error);
  if (agg_propagate_local_error (error, &local_error))
    return NULL;

  if (item->parent_id != 0)
    {
      if (pallet != NULL && item->parent_id == pallet->id)
        return agg_result_new (AGG_OUTCOME_DUPLICATE_IN_THIS_CASE,
                               _("Case %s is already on this pallet"), item->sscc);
      current = agg_container_load (job->store, item->parent_id, error);
      return agg_result_new (AGG_OUTCOME_ALREADY_AGGREGATED, _("Case %s is already on pallet %s"),
                             item->sscc, current ? current->sscc : "?");
    }

  if (pallet == NULL)
    {
      gboolean exhausted, low;
      g_autofree char *sscc = agg_sscc_allocate (job->store, &exhausted, &low, error);

      if (sscc == NULL)
        return exhausted ? agg_result_new (AGG_OUTCOME_SSCC_RANGE_EXHAUSTED,
                                           _("No SSCC left in the configured ranges"))
                         : NULL;
      pallet = agg_container_create (job->store, job, order, TRUE, sscc, error);
      if (pallet == NULL)
        return NULL;
    }

  if (pallet->n_children >= order->cases_per_pallet)
    return agg_result_new (AGG_OUTCOME_CASE_FULL, _("Pallet %s is full: close it"), pallet->sscc);

  if (!agg_container_set_parent (job->store, item->id, pallet->id, error))
    return NULL;
  if (!agg_audit_append (job->store, &job->actor, "case.palletise", item->sscc, NULL,
                         pallet->sscc, NULL, NULL, NULL, error))
    return NULL;
  pallet->n_children++;

  if (pallet->n_children == order->cases_per_pallet && auto_close_enabled (job->store))
    {
      if (!agg_container_close (job->store, job, pallet, NULL, NULL, error))
        return NULL;
      closed = TRUE;
    }

  key = g_strdup (item->sscc);
  if (closed)
    result = agg_result_new (AGG_OUTCOME_ACCEPTED, _("Case %s on pallet — pallet %s complete"),
                             key, pallet->sscc);
  else
    result = agg_result_new (AGG_OUTCOME_ACCEPTED, _("Case %s on pallet %s: %" PRId64
                                                     " / %" PRId64),
                             key, pallet->sscc, pallet->n_children, order->cases_per_pallet);
  json_object_set_object_member (result->details, "case", agg_container_to_json (job->store, item));
  json_object_set_object_member (result->details, "pallet",
                                 agg_container_to_json (job->store, pallet));
  json_object_set_boolean_member (result->details, "pallet_closed", closed);
  return result;
}

/* A scanned case or pallet code. */
static AggResult *
scan_container (AggJob      *job,
                AggOrder    *order,
                const char  *sscc,
                GError     **error)
{
  g_autoptr(GError) local_error = NULL;
  g_autoptr(AggContainer) item = NULL;
  g_autoptr(AggContainer) open_case = NULL;
  AggResult *result;

  /* A label awaiting verification is what an SSCC scan answers first. */
  result = agg_label_verify_scan (job, order, sscc, &local_error);
  if (result != NULL || agg_propagate_local_error (error, &local_error))
    return result;

  item = agg_container_load_sscc (job->store, sscc, &local_error);
  if (agg_propagate_local_error (error, &local_error))
    return NULL;
  if (item != NULL)
    return palletise (job, order, item, error);

  /* A pre-printed case label opens the next case. */
  if (!order->scan_case_code)
    return agg_result_new (AGG_OUTCOME_NOT_FOUND, _("Unknown case code %s"), sscc);

  open_case = agg_container_load_open (job->store, order->id, FALSE, &local_error);
  if (agg_propagate_local_error (error, &local_error))
    return NULL;
  if (open_case != NULL)
    return agg_result_new (AGG_OUTCOME_INVALID_STATE,
                           _("Case %s is still open: finish it before starting %s"),
                           open_case->sscc, sscc);

  open_case = agg_container_create (job->store, job, order, FALSE, sscc, error);
  if (open_case == NULL)
    return NULL;
  result = agg_result_new (AGG_OUTCOME_ACCEPTED, _("Case %s opened"), sscc);
  json_object_set_object_member (result->details, "case",
                                 agg_container_to_json (job->store, open_case));
  return result;
}

gboolean
agg_unit_put_in_case (AggJob            *job,
                      const AggOrder    *order,
                      const AggGs1Data  *gs1,
                      AggUnit           *existing,
                      AggContainer      *target,
                      GError           **error)
{
  const char *gtin = agg_gs1_data_lookup (gs1, "01");
  const char *serial = agg_gs1_data_lookup (gs1, "21");
  const char *lot = agg_gs1_data_lookup (gs1, "10");
  const char *expiry = agg_gs1_data_lookup (gs1, "17");
  g_autofree char *now = agg_now_utc ();
  g_autofree char *key = agg_unit_key (gtin, serial);
  sqlite3_stmt *stmt;

  if (existing != NULL)
    {
      stmt = agg_store_prepare (job->store,
                                "UPDATE units SET status = 'aggregated', parent_id = ?,"
                                "  announced = 0, order_id = ?, scanned_at = ? WHERE id = ?",
                                error);
      if (stmt == NULL)
        return FALSE;
      sqlite3_bind_int64 (stmt, 1, target->id);
      sqlite3_bind_text (stmt, 2, order->id, -1, SQLITE_TRANSIENT);
      sqlite3_bind_text (stmt, 3, now, -1, SQLITE_TRANSIENT);
      sqlite3_bind_int64 (stmt, 4, existing->id);
    }
  else
    {
      stmt = agg_store_prepare (job->store,
                                "INSERT INTO units (gtin, serial, lot, expiry, order_id, status,"
                                "  parent_id, scanned_at) VALUES (?, ?, ?, ?, ?, 'aggregated', ?, ?)",
                                error);
      if (stmt == NULL)
        return FALSE;
      sqlite3_bind_text (stmt, 1, gtin, -1, SQLITE_TRANSIENT);
      sqlite3_bind_text (stmt, 2, serial, -1, SQLITE_TRANSIENT);
      sqlite3_bind_text (stmt, 3, lot ? lot : order->lot, -1, SQLITE_TRANSIENT);
      sqlite3_bind_text (stmt, 4, expiry ? expiry : order->expiry, -1, SQLITE_TRANSIENT);
      sqlite3_bind_text (stmt, 5, order->id, -1, SQLITE_TRANSIENT);
      sqlite3_bind_int64 (stmt, 6, target->id);
      sqlite3_bind_text (stmt, 7, now, -1, SQLITE_TRANSIENT);
    }
  if (!agg_store_step (job->store, stmt, error))
    return FALSE;

  target->n_children++;
  return agg_audit_append (job->store, &job->actor, "unit.aggregate", key,
                           existing ? existing->status : NULL, target->sscc,
                           NULL, NULL, NULL, error);
}

static AggResult *
scan_unit (AggJob            *job,
           AggOrder          *order,
           const AggGs1Data  *gs1,
           GError           **error)
{
  g_autoptr(GError) local_error = NULL;
  g_autoptr(AggContainer) open_case = NULL;
  g_autoptr(AggUnit) existing = NULL;
  const char *gtin = agg_gs1_data_lookup (gs1, "01");
  const char *serial = agg_gs1_data_lookup (gs1, "21");
  gboolean closed = FALSE;
  gboolean sscc_low = FALSE;
  AggResult *refusal;
  AggResult *result;
  JsonObject *unit;

  open_case = agg_container_load_open (job->store, order->id, FALSE, &local_error);
  if (agg_propagate_local_error (error, &local_error))
    return NULL;

  refusal = agg_unit_check_rules (job->store, order, gs1, open_case, &existing, &local_error);
  if (agg_propagate_local_error (error, &local_error))
    return NULL;
  if (refusal != NULL)
    return reject_scan (job, refusal, order->id, gtin, serial, error);

  if (open_case == NULL)
    {
      open_case = agg_job_new_case (job, order, &sscc_low, &refusal, error);
      if (open_case == NULL)
        return refusal != NULL ? reject_scan (job, refusal, order->id, gtin, serial, error)
                               : NULL;
    }

  if (open_case->n_children >= order->units_per_case)
    return reject_scan (job, agg_result_new (AGG_OUTCOME_CASE_FULL,
                                             _("Case %s is full: close it"), open_case->sscc),
                        order->id, gtin, serial, error);

  if (!agg_unit_put_in_case (job, order, gs1, existing, open_case, error) ||
      !agg_job_close_if_full (job, order, open_case, &closed, error))
    return NULL;

  if (closed)
    result = agg_result_new (AGG_OUTCOME_ACCEPTED, _("%s — case %s complete"), serial,
                             open_case->sscc);
  else
    result = agg_result_new (AGG_OUTCOME_ACCEPTED, _("%s — %" PRId64 " / %" PRId64),
                             serial, open_case->n_children, order->units_per_case);

  unit = json_object_new ();
  json_object_set_string_member (unit, "gtin", gtin);
  json_object_set_string_member (unit, "serial", serial);
  json_object_set_string_member (unit, "lot", agg_gs1_data_lookup (gs1, "10"));
  json_object_set_string_member (unit, "expiry", agg_gs1_data_lookup (gs1, "17"));
  json_object_set_object_member (result->details, "unit", unit);
  json_object_set_object_member (result->details, "case",
                                 agg_container_to_json (job->store, open_case));
  json_object_set_boolean_member (result->details, "case_closed", closed);
  if (sscc_low)
    json_object_set_boolean_member (result->details, "sscc_range_low", TRUE);
  return result;
}

AggResult *
agg_scan_parse (const char  *data,
                gsize        len,
                AggGs1Data  *gs1)
{
  g_autoptr(GError) parse_error = NULL;
  AggOutcome outcome;
  AggResult *refusal;

  if (agg_gs1_parse (data, len, gs1, &parse_error))
    return NULL;

  outcome = g_error_matches (parse_error, AGG_GS1_ERROR, AGG_GS1_ERROR_NOT_GS1)
            ? AGG_OUTCOME_NOT_GS1 : AGG_OUTCOME_INVALID_GS1;
  refusal = outcome == AGG_OUTCOME_NOT_GS1
            ? agg_result_new (outcome, _("Not a GS1 code: %s"), parse_error->message)
            : agg_result_new (outcome, _("Unreadable code: %s"), parse_error->message);
  if (gs1->error_ai[0] != '\0')
    json_object_set_string_member (refusal->details, "ai", gs1->error_ai);
  if (gs1->error_offset >= 0)
    json_object_set_int_member (refusal->details, "offset", gs1->error_offset);
  return refusal;
}

static AggResult *
handle_scan (AggJob  *job,
             GError **error)
{
  g_autoptr(GError) local_error = NULL;
  g_autoptr(AggOrder) order = NULL;
  g_autofree AggGs1Data *gs1 = g_new (AggGs1Data, 1);
  AggRequest *request = job->request;
  AggResult *refusal;
  const char *sscc;
  const char *gtin;
  const char *serial;

  if (request->data == NULL)
    return agg_result_new (AGG_OUTCOME_BAD_REQUEST, _("Nothing was scanned"));

  /* A user's badge logs that user in. */
  if (!job->logged_in)
    {
      g_autoptr(AggUser) user = agg_user_lookup_badge (job->store, request->data, &local_error);

      if (g_error_matches (local_error, AGG_LINE_ERROR, AGG_LINE_ERROR_NOT_FOUND))
        g_clear_error (&local_error);
      if (agg_propagate_local_error (error, &local_error))
        return NULL;
      if (user == NULL)
        return agg_result_new (AGG_OUTCOME_NOT_LOGGED_IN, _("Log in first"));
      if (!user->active)
        return agg_result_new (AGG_OUTCOME_NOT_PERMITTED, _("The account %s is disabled"),
                               user->username);
      if (user->locked)
        return agg_result_new (AGG_OUTCOME_LOCKED_OUT, _("%s is locked out: ask an administrator"),
                               user->username);
      return start_session (job, g_steal_pointer (&user), "badge", error);
    }

  order = agg_order_load_running (job->store, &local_error);
  if (agg_propagate_local_error (error, &local_error))
    return NULL;

  /* With no order running, an order's barcode starts or resumes it. */
  if (order == NULL)
    {
      g_autoptr(AggOrder) scanned = agg_order_load (job->store, strip_symbology (request->data),
                                                    &local_error);

      if (agg_propagate_local_error (error, &local_error))
        return NULL;
      if (scanned != NULL && (strcmp (scanned->status, "planned") == 0 ||
                              strcmp (scanned->status, "suspended") == 0))
        return start_order (job, scanned, error);
    }

  /* The human-readable line of a case label, typed or read from a plain
   * Code 128, is the bare SSCC. */
  if (request->data_len == 18 && strspn (request->data, "0123456789") == 18 &&
      agg_gs1_check_digit_is_valid (request->data, 18))
    {
      if (order == NULL)
        return reject_scan (job, agg_result_new (AGG_OUTCOME_NO_RUNNING_ORDER,
                                                 _("No order is running: start one first")),
                            NULL, NULL, NULL, error);
      return scan_container (job, order, request->data, error);
    }

  refusal = agg_scan_parse (request->data, request->data_len, gs1);
  if (refusal != NULL)
    return reject_scan (job, refusal, order ? order->id : NULL, NULL, NULL, error);

  sscc = agg_gs1_data_lookup (gs1, "00");
  gtin = agg_gs1_data_lookup (gs1, "01");
  serial = agg_gs1_data_lookup (gs1, "21");

  if (order == NULL)
    return reject_scan (job, agg_result_new (AGG_OUTCOME_NO_RUNNING_ORDER,
                                             _("No order is running: start one first")),
                        NULL, gtin, serial, error);

  if (sscc != NULL)
    return scan_container (job, order, sscc, error);

  /* On the pallet page a unit stands for the case it is in. */
  if (job->pallet_mode && gtin != NULL && serial != NULL)
    {
      g_autoptr(AggUnit) unit = agg_unit_load (job->store, gtin, serial, &local_error);
      g_autoptr(AggContainer) item = NULL;

      if (agg_propagate_local_error (error, &local_error))
        return NULL;
      if (unit == NULL || unit->parent_id == 0)
        return reject_scan (job, agg_result_new (AGG_OUTCOME_NOT_FOUND,
                                                 _("Unit %s is in no case"), serial),
                            order->id, gtin, serial, error);
      item = agg_container_load (job->store, unit->parent_id, error);
      if (item == NULL)
        return NULL;
      return palletise (job, order, item, error);
    }

  return scan_unit (job, order, gs1, error);
}

static AggResult *
handle_close (AggJob  *job,
              gboolean pallet,
              GError **error)
{
  g_autoptr(GError) local_error = NULL;
  g_autoptr(AggOrder) order = agg_order_load_running (job->store, &local_error);
  g_autoptr(AggContainer) container = NULL;
  g_autoptr(AggUser) signer = NULL;
  AggSignature signature;
  const char *reason = job->request->reason;
  gint64 capacity;
  AggResult *result;

  if (agg_propagate_local_error (error, &local_error))
    return NULL;
  if (order == NULL)
    return agg_result_new (AGG_OUTCOME_NO_RUNNING_ORDER, _("No order is running"));

  container = agg_container_load_open (job->store, order->id, pallet, &local_error);
  if (agg_propagate_local_error (error, &local_error))
    return NULL;
  if (container == NULL)
    return agg_result_new (AGG_OUTCOME_NO_OPEN_CASE,
                           pallet ? _("No pallet is open") : _("No case is open"));

  if (container->n_children == 0)
    return agg_result_new (AGG_OUTCOME_INVALID_STATE,
                           _("%s is empty: nothing to close (void its label instead)"),
                           container->sscc);

  capacity = pallet ? order->cases_per_pallet : order->units_per_case;
  if (container->n_children < capacity)
    {
      g_autofree char *meaning = NULL;

      /* A partial case leaves the line only with a supervisor's signature. */
      if (reason == NULL || *reason == '\0')
        return agg_result_new (AGG_OUTCOME_NOT_PERMITTED,
                               _("%s holds %" PRId64 " of %" PRId64
                                 ": a partial close needs a reason"),
                               container->sscc, container->n_children, capacity);
      meaning = g_strdup_printf (pallet ? _("Approve partial pallet %s with %" PRId64
                                            " of %" PRId64 " cases")
                                        : _("Approve partial case %s with %" PRId64
                                            " of %" PRId64 " units"),
                                 container->sscc, container->n_children, capacity);
      result = agg_job_check_signature (job, AGG_ROLE_SUPERVISOR, meaning, &signature, &signer,
                                        error);
      if (result != NULL || signer == NULL)
        return result;
      if (!agg_container_close (job->store, job, container, reason, &signature, error))
        return NULL;
    }
  else if (!agg_container_close (job->store, job, container, NULL, NULL, error))
    return NULL;

  result = agg_result_new (AGG_OUTCOME_ACCEPTED,
                           pallet ? _("Pallet %s closed") : _("Case %s closed"), container->sscc);
  json_object_set_object_member (result->details, pallet ? "pallet" : "case",
                                 agg_container_to_json (job->store, container));
  return result;
}

static AggResult *
handle_set_mode (AggJob  *job,
                 GError **error)
{
  const char *mode = job->request->code;

  if (g_strcmp0 (mode, "case") != 0 && g_strcmp0 (mode, "pallet") != 0)
    return agg_result_new (AGG_OUTCOME_BAD_REQUEST, _("The mode is “case” or “pallet”"));

  job->session_changed = TRUE;
  job->new_logged_in = TRUE;
  job->new_pallet_mode = strcmp (mode, "pallet") == 0;
  return agg_result_new (AGG_OUTCOME_ACCEPTED,
                         job->new_pallet_mode ? _("Pallet building: scan cases")
                                              : _("Case packing: scan units"));
}

static gint64
count (AggStore    *store,
       const char  *sql,
       const char  *order_id,
       GError     **error)
{
  sqlite3_stmt *stmt = agg_store_prepare (store, sql, error);
  gint64 n;
  int rc;

  if (stmt == NULL)
    return -1;
  sqlite3_bind_text (stmt, 1, order_id, -1, SQLITE_TRANSIENT);
  rc = sqlite3_step (stmt);
  if (rc != SQLITE_ROW)
    {
      agg_store_set_error (store, error, rc);
      return -1;
    }
  n = sqlite3_column_int64 (stmt, 0);
  sqlite3_reset (stmt);
  return n;
}

/* The numbers a work order closes with. */
static JsonObject *
reconcile (AggStore  *store,
           AggOrder  *order,
           gint64    *open_containers,
           GError   **error)
{
  static const struct {
    const char *name;
    const char *sql;
  } figures[] = {
    { "aggregated", "SELECT count (*) FROM units WHERE order_id = ? AND status = 'aggregated'" },
    { "in_full_cases",
      "SELECT count (*) FROM units u JOIN containers c ON c.id = u.parent_id"
      " WHERE u.order_id = ?1 AND u.status = 'aggregated' AND c.status = 'closed'"
      "   AND c.partial_reason IS NULL" },
    { "in_partial_cases",
      "SELECT count (*) FROM units u JOIN containers c ON c.id = u.parent_id"
      " WHERE u.order_id = ?1 AND u.status = 'aggregated' AND c.status = 'closed'"
      "   AND c.partial_reason IS NOT NULL" },
    { "in_open_cases",
      "SELECT count (*) FROM units u JOIN containers c ON c.id = u.parent_id"
      " WHERE u.order_id = ?1 AND u.status = 'aggregated' AND c.status = 'open'" },
    { "on_pallets",
      "SELECT count (*) FROM units u JOIN containers c ON c.id = u.parent_id"
      " WHERE u.order_id = ?1 AND u.status = 'aggregated' AND c.parent_id IS NOT NULL" },
    { "cases", "SELECT count (*) FROM containers WHERE order_id = ? AND kind = 'case'"
               " AND status = 'closed'" },
    { "pallets", "SELECT count (*) FROM containers WHERE order_id = ? AND kind = 'pallet'"
                 " AND status = 'closed'" },
    { "sampled", "SELECT count (*) FROM units WHERE order_id = ? AND status = 'sampled'" },
    { "decommissioned", "SELECT count (*) FROM units WHERE order_id = ?"
                        " AND status = 'decommissioned'" },
    { "destroyed", "SELECT count (*) FROM units WHERE order_id = ? AND status = 'destroyed'" },
    { "removed", "SELECT count (*) FROM units WHERE order_id = ? AND status = 'removed'" },
    { "rejected", "SELECT count (*) FROM rejects WHERE order_id = ?" },
    { "open_containers", "SELECT count (*) FROM containers WHERE order_id = ?"
                         " AND status = 'open'" },
  };
  g_autoptr(JsonObject) object = json_object_new ();
  JsonObject *by_reason = json_object_new ();
  sqlite3_stmt *stmt;
  int rc;

  json_object_set_string_member (object, "order", order->id);
  json_object_set_int_member (object, "planned", order->planned);
  for (guint i = 0; i < G_N_ELEMENTS (figures); i++)
    {
      gint64 n = count (store, figures[i].sql, order->id, error);

      if (n < 0)
        {
          json_object_unref (by_reason);
          return NULL;
        }
      json_object_set_int_member (object, figures[i].name, n);
    }
  *open_containers = json_object_get_int_member (object, "open_containers");

  stmt = agg_store_prepare (store,
                            "SELECT outcome, count (*) FROM rejects WHERE order_id = ?"
                            " GROUP BY outcome ORDER BY outcome", error);
  if (stmt == NULL)
    {
      json_object_unref (by_reason);
      return NULL;
    }
  sqlite3_bind_text (stmt, 1, order->id, -1, SQLITE_TRANSIENT);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    json_object_set_int_member (by_reason, (const char *) sqlite3_column_text (stmt, 0),
                                sqlite3_column_int64 (stmt, 1));
  json_object_set_object_member (object, "rejected_by_reason", by_reason);
  if (rc != SQLITE_DONE)
    {
      agg_store_set_error (store, error, rc);
      return NULL;
    }

  return g_steal_pointer (&object);
}

static AggOrder *
order_for_request (AggJob     *job,
                   AggResult **refusal,
                   GError    **error)
{
  g_autoptr(GError) local_error = NULL;
  AggOrder *order;

  *refusal = NULL;
  if (job->request->code != NULL)
    order = agg_order_load (job->store, job->request->code, &local_error);
  else
    order = agg_order_load_running (job->store, &local_error);

  if (!agg_propagate_local_error (error, &local_error) && order == NULL)
    *refusal = job->request->code
               ? agg_result_new (AGG_OUTCOME_NOT_FOUND, _("No work order %s"), job->request->code)
               : agg_result_new (AGG_OUTCOME_NO_RUNNING_ORDER, _("No order is running"));
  return order;
}

static AggResult *
handle_reconcile (AggJob  *job,
                  GError **error)
{
  AggResult *refusal;
  g_autoptr(AggOrder) order = order_for_request (job, &refusal, error);
  JsonObject *figures;
  gint64 open_containers;
  AggResult *result;

  if (order == NULL)
    return refusal;

  figures = reconcile (job->store, order, &open_containers, error);
  if (figures == NULL)
    return NULL;

  result = agg_result_new (AGG_OUTCOME_ACCEPTED, _("Order %s: %" PRId64 " of %"
                                                   PRId64 " units packed"),
                           order->id, json_object_get_int_member (figures, "aggregated"),
                           order->planned);
  json_object_set_object_member (result->details, "reconciliation", figures);
  return result;
}

static AggResult *
handle_close_order (AggJob  *job,
                    GError **error)
{
  AggResult *refusal;
  g_autoptr(AggOrder) order = order_for_request (job, &refusal, error);
  g_autoptr(AggUser) signer = NULL;
  g_autoptr(JsonObject) figures = NULL;
  g_autoptr(JsonNode) node = NULL;
  g_autofree char *meaning = NULL;
  g_autofree char *figures_json = NULL;
  AggSignature signature;
  gint64 open_containers;
  AggResult *result;

  if (order == NULL)
    return refusal;
  if (strcmp (order->status, "closed") == 0)
    return agg_result_new (AGG_OUTCOME_INVALID_STATE, _("Order %s is already closed"), order->id);
  if (job->request->reason == NULL || *job->request->reason == '\0')
    return agg_result_new (AGG_OUTCOME_BAD_REQUEST, _("Closing an order needs a reason"));

  figures = reconcile (job->store, order, &open_containers, error);
  if (figures == NULL)
    return NULL;

  if (open_containers > 0)
    {
      result = agg_result_new (AGG_OUTCOME_OPEN_CONTAINERS,
                               _("Order %s still has %" PRId64
                                 " open cases or pallets: close or void them first"),
                               order->id, open_containers);
      json_object_set_object_member (result->details, "reconciliation",
                                     g_steal_pointer (&figures));
      return result;
    }

  meaning = g_strdup_printf (_("Approve the reconciliation of order %s and close it: %"
                               PRId64 " of %" PRId64 " units packed"),
                             order->id, json_object_get_int_member (figures, "aggregated"),
                             order->planned);
  result = agg_job_check_signature (job, AGG_ROLE_SUPERVISOR, meaning, &signature, &signer,
                                    error);
  if (result != NULL || signer == NULL)
    {
      if (result != NULL)
        json_object_set_object_member (result->details, "reconciliation",
                                       json_object_ref (figures));
      return result;
    }

  node = json_node_init_object (json_node_alloc (), figures);
  figures_json = json_to_string (node, FALSE);
  if (!set_order_status (job, order, "closed", job->request->reason, &signature, error) ||
      !agg_audit_append (job->store, &job->actor, "order.reconciliation", order->id, NULL,
                         figures_json, job->request->reason, &signature, NULL, error))
    return NULL;

  result = agg_result_new (AGG_OUTCOME_ACCEPTED, _("Order %s closed"), order->id);
  json_object_set_object_member (result->details, "reconciliation", g_steal_pointer (&figures));
  return result;
}

static AggResult *
dispatch (AggJob  *job,
          GError **error)
{
  AggAction action = job->request->action;

  /* Reading the record (and the refused events) and logging in need no
   * session; everything else is done by someone.  Any user may work the
   * line; what needs more (partial closes, corrections, closing an
   * order) asks for the signature of a supervisor. */
  if (action == AGG_ACTION_LOGIN)
    return handle_login (job, error);
  if (action == AGG_ACTION_SHOW)
    return agg_line_handle_show (job, error);
  if (action == AGG_ACTION_STATUS)
    return agg_line_handle_status (job, error);
  if (action == AGG_ACTION_LIST_EXCEPTIONS)
    return agg_line_handle_sync (job, error);
  if (action == AGG_ACTION_SCAN && !job->logged_in)
    return handle_scan (job, error);
  if (!job->logged_in)
    return agg_result_new (AGG_OUTCOME_NOT_LOGGED_IN, _("Log in first"));

  switch (action)
    {
    case AGG_ACTION_LOGOUT:
      return handle_logout (job, error);
    case AGG_ACTION_START_ORDER:
      return handle_start_order (job, error);
    case AGG_ACTION_SUSPEND_ORDER:
      return handle_suspend_order (job, error);
    case AGG_ACTION_SCAN:
      return handle_scan (job, error);
    case AGG_ACTION_SCAN_LAYER:
      return agg_line_handle_scan_layer (job, error);
    case AGG_ACTION_CLOSE_CASE:
      return handle_close (job, FALSE, error);
    case AGG_ACTION_CLOSE_PALLET:
      return handle_close (job, TRUE, error);
    case AGG_ACTION_SET_MODE:
      return handle_set_mode (job, error);
    case AGG_ACTION_LIST_ORDERS:
      return agg_line_handle_list_orders (job, error);
    case AGG_ACTION_RECONCILE:
      return handle_reconcile (job, error);
    case AGG_ACTION_CLOSE_ORDER:
      return handle_close_order (job, error);
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
      return agg_line_handle_correction (job, error);
    case AGG_ACTION_USER_ADD:
    case AGG_ACTION_USER_SET_PIN:
    case AGG_ACTION_USER_SET_ACTIVE:
    case AGG_ACTION_LIST_USERS:
    case AGG_ACTION_IMPORT:
    case AGG_ACTION_GET_SETTINGS:
    case AGG_ACTION_SET_SETTING:
      return agg_line_handle_admin (job, error);
    case AGG_ACTION_EVENT_RESEND:
    case AGG_ACTION_EVENT_HANDLED:
      return agg_line_handle_sync (job, error);
    case AGG_ACTION_LOGIN:
    case AGG_ACTION_SHOW:
    case AGG_ACTION_STATUS:
    case AGG_ACTION_LIST_EXCEPTIONS:
    case AGG_N_ACTIONS:
    default:
      return agg_result_new (AGG_OUTCOME_BAD_REQUEST, _("Unknown request"));
    }
}

/* The store's job: a refusal that already wrote asks for a rollback,
 * carried out by failing with this private error. */
#define ROLLBACK_QUARK (g_quark_from_static_string ("agg-line-rollback"))

typedef struct
{
  AggJob     job;
  AggResult *rolled_back;
  /* Who the idle timeout logged out before this request, to audit it. */
  gint64     timed_out_id;
  char      *timed_out_user;
  AggRole    timed_out_role;
} JobState;

static gpointer
run_job (AggStore  *store,
         sqlite3   *db,
         gpointer   user_data,
         GError   **error)
{
  JobState *state = user_data;
  AggResult *result;

  if (state->timed_out_user != NULL)
    {
      AggActor actor = { state->timed_out_id, state->timed_out_user, state->timed_out_role };

      if (!agg_audit_append (store, &actor, "session.timeout", state->timed_out_user, NULL,
                             NULL, NULL, NULL, NULL, error))
        return NULL;
    }

  result = dispatch (&state->job, error);

  if (result != NULL && state->job.rollback)
    {
      state->rolled_back = result;
      g_set_error_literal (error, ROLLBACK_QUARK, 0, "rolled back");
      return NULL;
    }

  /* A handler that found its records inconsistent answers nothing; what
   * it may have written must not commit. */
  if (result == NULL && (error == NULL || *error == NULL))
    g_set_error_literal (error, AGG_STORE_ERROR, AGG_STORE_ERROR_FAILED,
                         _("the records are inconsistent: a container is missing"));
  return result;
}

static void
job_state_free (JobState *state)
{
  agg_request_free (state->job.request);
  g_free (state->job.username);
  g_free (state->timed_out_user);
  if (state->job.new_user != NULL)
    agg_user_free (state->job.new_user);
  if (state->rolled_back != NULL)
    agg_result_free (state->rolled_back);
  g_free (state);
}

static JobState *
job_state_new (AggLine          *self,
               const AggRequest *request)
{
  JobState *state = g_new0 (JobState, 1);
  gint64 now = g_get_monotonic_time ();

  state->job.store = self->store;
  state->job.request = agg_request_copy (request);

  g_mutex_lock (&self->lock);
  /* An idle station logs its user out before anything else happens. */
  if (self->logged_in && self->idle_timeout > 0 &&
      now - self->last_activity > (gint64) self->idle_timeout * G_USEC_PER_SEC)
    {
      self->logged_in = FALSE;
      state->timed_out_id = self->user_id;
      state->timed_out_user = g_steal_pointer (&self->username);
      state->timed_out_role = self->role;
    }
  state->job.logged_in = self->logged_in;
  state->job.username = g_strdup (self->username);
  state->job.actor.user_id = self->logged_in ? self->user_id : 0;
  state->job.actor.username = state->job.username;
  state->job.actor.role = self->role;
  state->job.pallet_mode = self->pallet_mode;
  self->last_activity = now;
  g_mutex_unlock (&self->lock);

  return state;
}

/* After COMMIT: the session follows what the request decided. */
static void
apply_session (AggLine  *self,
               JobState *state)
{
  AggJob *job = &state->job;

  /* A new idle timeout holds from the next request on. */
  if (job->new_idle_timeout > 0)
    {
      g_mutex_lock (&self->lock);
      self->idle_timeout = job->new_idle_timeout;
      g_mutex_unlock (&self->lock);
    }

  if (!job->session_changed)
    return;

  g_mutex_lock (&self->lock);
  if (job->new_user != NULL)
    {
      self->logged_in = TRUE;
      self->user_id = job->new_user->id;
      g_free (self->username);
      self->username = g_strdup (job->new_user->username);
      g_free (self->full_name);
      self->full_name = g_strdup (job->new_user->full_name);
      self->role = job->new_user->role;
      self->pallet_mode = FALSE;
    }
  else if (!job->new_logged_in)
    {
      self->logged_in = FALSE;
      g_clear_pointer (&self->username, g_free);
      g_clear_pointer (&self->full_name, g_free);
      self->pallet_mode = FALSE;
    }
  else
    self->pallet_mode = job->new_pallet_mode;
  g_mutex_unlock (&self->lock);
}

static AggResult *
complete (AggLine   *self,
          JobState  *state,
          AggResult *result,
          GError    *error)
{
  if (result != NULL)
    {
      apply_session (self, state);
      if (state->job.request->action == AGG_ACTION_STATUS && agg_result_is_ok (result))
        add_status_sources (self, result);
    }
  else if (error != NULL && error->domain == ROLLBACK_QUARK)
    result = g_steal_pointer (&state->rolled_back);
  else
    /* Nothing was written: say why, in words the line understands. */
    result = agg_result_new (AGG_OUTCOME_STORE_FAILED, _("Not recorded: %s"),
                             error ? error->message : _("unknown failure"));

  g_signal_emit (self, signals[SIGNAL_EXECUTED], 0, state->job.request, result);
  return result;
}

static gboolean
read_only (AggAction action)
{
  return action == AGG_ACTION_SHOW || action == AGG_ACTION_STATUS ||
         action == AGG_ACTION_LIST_ORDERS || action == AGG_ACTION_LIST_USERS ||
         action == AGG_ACTION_GET_SETTINGS || action == AGG_ACTION_LIST_EXCEPTIONS;
}

AggResult *
agg_line_execute_sync (AggLine          *self,
                       const AggRequest *request)
{
  g_autoptr(GError) error = NULL;
  JobState *state;
  AggResult *result;
  AggStoreMode mode;

  g_return_val_if_fail (AGG_IS_LINE (self), NULL);
  g_return_val_if_fail (request != NULL, NULL);

  state = job_state_new (self, request);
  mode = read_only (request->action) ? AGG_STORE_READ : AGG_STORE_WRITE;
  result = agg_store_run_sync_full (self->store, mode, run_job, state,
                                    (GDestroyNotify) agg_result_free, &error);
  result = complete (self, state, result, error);
  job_state_free (state);
  return result;
}

static void
execute_cb (GObject      *source,
            GAsyncResult *res,
            gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GError) error = NULL;
  AggLine *self = g_task_get_source_object (task);
  JobState *state = g_task_get_task_data (task);
  AggResult *result = agg_store_run_finish (AGG_STORE (source), res, &error);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  g_task_return_pointer (task, complete (self, state, result, error),
                         (GDestroyNotify) agg_result_free);
}

void
agg_line_execute_async (AggLine             *self,
                        const AggRequest    *request,
                        GCancellable        *cancellable,
                        GAsyncReadyCallback  callback,
                        gpointer             user_data)
{
  GTask *task;
  JobState *state;

  g_return_if_fail (AGG_IS_LINE (self));
  g_return_if_fail (request != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, agg_line_execute_async);
  state = job_state_new (self, request);
  g_task_set_task_data (task, state, (GDestroyNotify) job_state_free);

  agg_store_run_async (self->store,
                       read_only (request->action) ? AGG_STORE_READ : AGG_STORE_WRITE,
                       run_job, state, NULL, (GDestroyNotify) agg_result_free,
                       cancellable, execute_cb, task);
}

AggResult *
agg_line_execute_finish (AggLine       *self,
                         GAsyncResult  *result,
                         GError       **error)
{
  g_return_val_if_fail (AGG_IS_LINE (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

static gpointer
list_users_job (AggStore  *store,
                sqlite3   *db,
                gpointer   user_data,
                GError   **error)
{
  g_autoptr(GPtrArray) users = agg_user_list (store, error);
  GStrvBuilder *builder;

  if (users == NULL)
    return NULL;

  builder = g_strv_builder_new ();
  for (guint i = 0; i < users->len; i++)
    {
      AggUser *user = g_ptr_array_index (users, i);

      if (user->active)
        g_strv_builder_add (builder, user->username);
    }
  return g_strv_builder_end (builder);
}

static void
list_users_cb (GObject      *source,
               GAsyncResult *res,
               gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  GError *error = NULL;
  char **users = agg_store_run_finish (AGG_STORE (source), res, &error);

  if (users == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, users, (GDestroyNotify) g_strfreev);
}

void
agg_line_list_users_async (AggLine             *self,
                           GCancellable        *cancellable,
                           GAsyncReadyCallback  callback,
                           gpointer             user_data)
{
  GTask *task;

  g_return_if_fail (AGG_IS_LINE (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, agg_line_list_users_async);
  agg_store_run_async (self->store, AGG_STORE_READ, list_users_job, NULL, NULL,
                       (GDestroyNotify) g_strfreev, cancellable, list_users_cb, task);
}

char **
agg_line_list_users_finish (AggLine       *self,
                            GAsyncResult  *result,
                            GError       **error)
{
  g_return_val_if_fail (AGG_IS_LINE (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}
