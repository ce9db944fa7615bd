/* agg-line-sync.c: events the repository refused, and their resolution
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * An exception stays in the outbox until a supervisor resolves it: sent
 * again once the cause is fixed (master data, the repository's
 * configuration), or marked handled with the reason.  Both are signed
 * and audited against the event's ID.
 */

#include "config.h"

#include <inttypes.h>
#include <glib/gi18n-lib.h>
#include <string.h>

#include "agg-line-job.h"

static AggResult *
list_exceptions (AggJob  *job,
                 GError **error)
{
  sqlite3_stmt *stmt;
  JsonArray *rows;
  AggResult *result;
  guint n;

  stmt = agg_store_prepare (job->store,
                            "SELECT id, event_id, type, action, biz_step, event_time, tz_offset,"
                            "  parent, order_id, attempts, last_error"
                            " FROM events WHERE status = 'exception' ORDER BY id", error);
  if (stmt == NULL)
    return NULL;
  rows = agg_rows_to_json (job->store, stmt, NULL, error);
  sqlite3_reset (stmt);
  if (rows == NULL)
    return NULL;

  n = json_array_get_length (rows);
  result = agg_result_new (AGG_OUTCOME_ACCEPTED,
                           g_dngettext (GETTEXT_PACKAGE, "%u event refused by the repository",
                                        "%u events refused by the repository", n), n);
  json_object_set_array_member (result->details, "exceptions", rows);
  return result;
}

static AggResult *
resolve (AggJob   *job,
         gboolean  resend,
         GError  **error)
{
  AggRequest *request = job->request;
  g_autoptr(AggUser) signer = NULL;
  g_autofree char *status = NULL;
  g_autofree char *meaning = NULL;
  AggSignature signature;
  AggResult *refusal;
  sqlite3_stmt *stmt;
  gint64 audit_id;

  if (request->code == NULL || *request->code == '\0')
    return agg_result_new (AGG_OUTCOME_BAD_REQUEST, _("Name the event by its ID"));
  if (request->reason == NULL || *request->reason == '\0')
    return agg_result_new (AGG_OUTCOME_BAD_REQUEST, _("Resolving a refused event needs a reason"));

  stmt = agg_store_prepare (job->store, "SELECT status FROM events WHERE event_id = ?", error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_text (stmt, 1, request->code, -1, SQLITE_TRANSIENT);
  status = agg_store_step_text (job->store, stmt, error);
  if (status == NULL)
    {
      if (error != NULL && *error != NULL)
        return NULL;
      return agg_result_new (AGG_OUTCOME_NOT_FOUND, _("No event %s in the outbox"),
                             request->code);
    }
  if (strcmp (status, "exception") != 0)
    return agg_result_new (AGG_OUTCOME_INVALID_STATE,
                           _("Event %s is not refused by the repository: it is %s"),
                           request->code, status);

  meaning = resend ? g_strdup_printf (_("Send event %s to the repository again"), request->code)
                   : g_strdup_printf (_("Mark event %s as handled outside the station"),
                                      request->code);
  refusal = agg_job_check_signature (job, AGG_ROLE_SUPERVISOR, meaning, &signature, &signer,
                                     error);
  if (refusal != NULL || signer == NULL)
    return refusal;

  if (!agg_audit_append (job->store, &job->actor, resend ? "event.resend" : "event.handled",
                         request->code, "exception", resend ? "pending" : "handled",
                         request->reason, &signature, &audit_id, error))
    return NULL;

  stmt = agg_store_prepare (job->store,
                            "UPDATE events SET status = ?2, resolution = ?3,"
                            "  resolved_audit_id = ?4 WHERE event_id = ?1", error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_text (stmt, 1, request->code, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 2, resend ? "pending" : "handled", -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 3, request->reason, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64 (stmt, 4, audit_id);
  if (!agg_store_step (job->store, stmt, error))
    return NULL;

  if (resend)
    return agg_result_new (AGG_OUTCOME_ACCEPTED, _("Event %s will be sent again"),
                           request->code);
  return agg_result_new (AGG_OUTCOME_ACCEPTED, _("Event %s marked as handled"), request->code);
}

AggResult *
agg_line_handle_sync (AggJob  *job,
                      GError **error)
{
  if (job->request->action == AGG_ACTION_LIST_EXCEPTIONS)
    return list_exceptions (job, error);
  return resolve (job, job->request->action == AGG_ACTION_EVENT_RESEND, error);
}
