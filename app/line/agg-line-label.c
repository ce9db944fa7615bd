/* agg-line-label.c: label jobs, print and verify
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <inttypes.h>
#include <glib/gi18n-lib.h>
#include <string.h>

#include "agg-label-jobs.h"

void
agg_label_job_free (AggLabelJob *job)
{
  if (job == NULL)
    return;

  g_free (job->printer);
  g_free (job->created_at);
  g_free (job);
}

gboolean
agg_label_job_enqueue (AggStore            *store,
                       const AggContainer  *container,
                       const char          *printer,
                       gboolean             reprint,
                       gint64               audit_id,
                       GError             **error)
{
  g_autofree char *now = agg_now_utc ();
  sqlite3_stmt *stmt;

  stmt = agg_store_prepare (store,
                            "INSERT INTO label_jobs (container_id, printer, reprint, audit_id,"
                            "  created_at) VALUES (?, ?, ?, nullif (?, 0), ?)", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, container->id);
  sqlite3_bind_text (stmt, 2, printer != NULL ? printer : "", -1, SQLITE_TRANSIENT);
  sqlite3_bind_int (stmt, 3, reprint ? 1 : 0);
  sqlite3_bind_int64 (stmt, 4, audit_id);
  sqlite3_bind_text (stmt, 5, now, -1, SQLITE_TRANSIENT);
  if (!agg_store_step (store, stmt, error))
    return FALSE;

  stmt = agg_store_prepare (store,
                            "UPDATE containers SET label_status = 'pending' WHERE id = ?", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, container->id);
  return agg_store_step (store, stmt, error);
}

gboolean
agg_label_job_on_close (AggStore      *store,
                        AggContainer  *container,
                        gint64         audit_id,
                        GError       **error)
{
  g_autoptr(GError) local_error = NULL;
  g_autofree char *case_code = NULL;
  sqlite3_stmt *stmt;

  if (g_strcmp0 (container->label_status, "none") != 0)
    return TRUE;

  if (!container->is_pallet)
    {
      stmt = agg_store_prepare (store,
                                "SELECT p.case_code FROM work_orders o"
                                "  JOIN products p ON p.gtin = o.gtin WHERE o.id = ?", error);
      if (stmt == NULL)
        return FALSE;
      sqlite3_bind_text (stmt, 1, container->order_id, -1, SQLITE_TRANSIENT);
      case_code = agg_store_step_text (store, stmt, &local_error);
      if (agg_propagate_local_error (error, &local_error))
        return FALSE;
      if (g_strcmp0 (case_code, "scan") == 0)
        return TRUE;
    }

  if (!agg_label_job_enqueue (store, container, "", FALSE, audit_id, error))
    return FALSE;
  g_free (container->label_status);
  container->label_status = g_strdup ("pending");
  return TRUE;
}

/* The closed case of @order whose label has not been scanned back yet,
 * when its product wants that; NULL without @error otherwise.
 * *@label_status is its label's state. */
static AggContainer *
awaiting_verification (AggStore        *store,
                       const AggOrder  *order,
                       char           **label_status,
                       GError         **error)
{
  sqlite3_stmt *stmt;
  gboolean found = FALSE;
  gint64 id;

  stmt = agg_store_prepare (store,
                            "SELECT c.id, c.label_status FROM containers c"
                            "  JOIN products p ON p.gtin = ?2"
                            " WHERE p.print_verify = 1 AND c.order_id = ?1 AND c.kind = 'case'"
                            "   AND c.status = 'closed'"
                            "   AND c.label_status IN ('pending', 'printed', 'failed')"
                            " ORDER BY c.id LIMIT 1", error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_text (stmt, 1, order->id, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 2, order->gtin, -1, SQLITE_TRANSIENT);
  if (!agg_store_step_row (store, stmt, &found, error) || !found)
    return NULL;
  id = sqlite3_column_int64 (stmt, 0);
  *label_status = g_strdup ((const char *) sqlite3_column_text (stmt, 1));
  sqlite3_reset (stmt);
  return agg_container_load (store, id, error);
}

static AggResult *
not_verified (const AggContainer *container,
              const char         *label_status)
{
  AggResult *result;

  if (strcmp (label_status, "pending") == 0)
    result = agg_result_new (AGG_OUTCOME_LABEL_NOT_VERIFIED,
                             _("The label of case %s is not printed yet: wait for the printer, "
                               "then scan the label"), container->sscc);
  else if (strcmp (label_status, "failed") == 0)
    result = agg_result_new (AGG_OUTCOME_LABEL_NOT_VERIFIED,
                             _("The label of case %s could not be printed: a supervisor "
                               "reprints it"), container->sscc);
  else
    result = agg_result_new (AGG_OUTCOME_LABEL_NOT_VERIFIED,
                             _("Scan the label of case %s before the next case"),
                             container->sscc);
  json_object_set_string_member (result->details, "awaiting_label", container->sscc);
  json_object_set_string_member (result->details, "label_status", label_status);
  return result;
}

AggResult *
agg_label_check_verified (AggJob          *job,
                          const AggOrder  *order,
                          GError         **error)
{
  g_autoptr(GError) local_error = NULL;
  g_autoptr(AggContainer) awaited = NULL;
  g_autofree char *label_status = NULL;

  awaited = awaiting_verification (job->store, order, &label_status, &local_error);
  if (agg_propagate_local_error (error, &local_error) || awaited == NULL)
    return NULL;
  return not_verified (awaited, label_status);
}

AggResult *
agg_label_verify_scan (AggJob          *job,
                       const AggOrder  *order,
                       const char      *sscc,
                       GError         **error)
{
  g_autoptr(GError) local_error = NULL;
  g_autoptr(AggContainer) awaited = NULL;
  g_autofree char *label_status = NULL;
  sqlite3_stmt *stmt;
  AggResult *result;
  gint64 audit_id;

  awaited = awaiting_verification (job->store, order, &label_status, &local_error);
  if (agg_propagate_local_error (error, &local_error) || awaited == NULL)
    return NULL;

  if (strcmp (awaited->sscc, sscc) == 0)
    {
      /* Only a label that came out of the printer can be read back. */
      if (strcmp (label_status, "printed") != 0)
        return not_verified (awaited, label_status);

      stmt = agg_store_prepare (job->store,
                                "UPDATE containers SET label_status = 'verified' WHERE id = ?",
                                error);
      if (stmt == NULL)
        return NULL;
      sqlite3_bind_int64 (stmt, 1, awaited->id);
      if (!agg_store_step (job->store, stmt, error) ||
          !agg_audit_append (job->store, &job->actor, "label.verify", awaited->sscc,
                             "printed", "verified", NULL, NULL, NULL, error))
        return NULL;
      g_free (awaited->label_status);
      awaited->label_status = g_strdup ("verified");
      result = agg_result_new (AGG_OUTCOME_ACCEPTED, _("Label of case %s verified"),
                               awaited->sscc);
      json_object_set_object_member (result->details, "case",
                                     agg_container_to_json (job->store, awaited));
      return result;
    }

  /* Another SSCC on the case than the one recorded: the label on it is
   * wrong, so a new one is printed, and it too must be scanned back. */
  if (!agg_audit_append (job->store, &job->actor, "label.verify-mismatch", awaited->sscc,
                         awaited->sscc, sscc, NULL, NULL, &audit_id, error) ||
      !agg_label_job_enqueue (job->store, awaited, "", TRUE, audit_id, error) ||
      !agg_job_log_reject (job, order->id, AGG_OUTCOME_LABEL_MISMATCH, NULL, NULL, error))
    return NULL;

  result = agg_result_new (AGG_OUTCOME_LABEL_MISMATCH,
                           _("Wrong label: %s scanned, case %s expected — a new label is "
                             "printing, scan it"), sscc, awaited->sscc);
  json_object_set_string_member (result->details, "awaiting_label", awaited->sscc);
  json_object_set_string_member (result->details, "scanned", sscc);
  return result;
}

/* Queue side */

typedef struct
{
  const char *name;
  gboolean    serves_case;
  gboolean    serves_pallet;
  gint64      count;
} NextJob;

#define JOB_FOR_PRINTER \
  " WHERE j.status = 'queued'" \
  "   AND (j.printer = ?1 OR (j.printer = ''" \
  "        AND ((c.kind = 'case' AND ?2) OR (c.kind = 'pallet' AND ?3))))"

static void
bind_printer (sqlite3_stmt  *stmt,
              const NextJob *next)
{
  sqlite3_bind_text (stmt, 1, next->name, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int (stmt, 2, next->serves_case);
  sqlite3_bind_int (stmt, 3, next->serves_pallet);
}

static gpointer
next_job (AggStore  *store,
          sqlite3   *db,
          gpointer   user_data,
          GError   **error)
{
  NextJob *next = user_data;
  AggLabelJob *job;
  sqlite3_stmt *stmt;
  gboolean found = FALSE;

  stmt = agg_store_prepare (store,
                            "SELECT j.id, j.container_id, c.sscc, c.kind, j.printer, j.reprint,"
                            "       j.attempts, j.created_at"
                            "  FROM label_jobs j JOIN containers c ON c.id = j.container_id"
                            JOB_FOR_PRINTER " ORDER BY j.id LIMIT 1", error);
  if (stmt == NULL)
    return NULL;
  bind_printer (stmt, next);
  if (!agg_store_step_row (store, stmt, &found, error) || !found)
    return NULL;

  job = g_new0 (AggLabelJob, 1);
  job->id = sqlite3_column_int64 (stmt, 0);
  job->container_id = sqlite3_column_int64 (stmt, 1);
  g_strlcpy (job->sscc, (const char *) sqlite3_column_text (stmt, 2), sizeof job->sscc);
  job->is_pallet = g_strcmp0 ((const char *) sqlite3_column_text (stmt, 3), "pallet") == 0;
  job->printer = g_strdup ((const char *) sqlite3_column_text (stmt, 4));
  job->reprint = sqlite3_column_int (stmt, 5) != 0;
  job->attempts = sqlite3_column_int64 (stmt, 6);
  job->created_at = g_strdup ((const char *) sqlite3_column_text (stmt, 7));
  sqlite3_reset (stmt);
  return job;
}

AggLabelJob *
agg_label_jobs_next_sync (AggStore    *store,
                          const char  *name,
                          gboolean     serves_case,
                          gboolean     serves_pallet,
                          GError     **error)
{
  NextJob next = { name, serves_case, serves_pallet, 0 };

  g_return_val_if_fail (AGG_IS_STORE (store), NULL);
  g_return_val_if_fail (name != NULL, NULL);

  return agg_store_run_sync_full (store, AGG_STORE_READ, next_job, &next,
                                  (GDestroyNotify) agg_label_job_free, error);
}

static gpointer
count_jobs (AggStore  *store,
            sqlite3   *db,
            gpointer   user_data,
            GError   **error)
{
  NextJob *next = user_data;
  sqlite3_stmt *stmt;
  gboolean found = FALSE;

  stmt = agg_store_prepare (store,
                            "SELECT count (*)"
                            "  FROM label_jobs j JOIN containers c ON c.id = j.container_id"
                            JOB_FOR_PRINTER, error);
  if (stmt == NULL)
    return NULL;
  bind_printer (stmt, next);
  if (!agg_store_step_row (store, stmt, &found, error))
    return NULL;
  next->count = found ? sqlite3_column_int64 (stmt, 0) : 0;
  sqlite3_reset (stmt);
  return GINT_TO_POINTER (TRUE);
}

gint64
agg_label_jobs_count_sync (AggStore    *store,
                           const char  *name,
                           gboolean     serves_case,
                           gboolean     serves_pallet,
                           GError     **error)
{
  NextJob next = { name, serves_case, serves_pallet, 0 };

  g_return_val_if_fail (AGG_IS_STORE (store), -1);
  g_return_val_if_fail (name != NULL, -1);

  if (agg_store_run_sync (store, AGG_STORE_READ, count_jobs, &next, error) == NULL)
    return -1;
  return next.count;
}

typedef struct
{
  gint64      job_id;
  const char *printer;
  const char *message;
  gboolean    final;
  gboolean    in_doubt;
  gboolean    resend;
} JobUpdate;

/* The station itself acts on the queue's behalf in the audit trail. */
static const AggActor queue_actor = { 0, NULL, AGG_ROLE_OPERATOR };

static gpointer
begin_job (AggStore  *store,
           sqlite3   *db,
           gpointer   user_data,
           GError   **error)
{
  JobUpdate *update = user_data;
  sqlite3_stmt *stmt;
  gboolean found = FALSE;
  g_autofree char *sscc = NULL;

  stmt = agg_store_prepare (store,
                            "SELECT j.in_doubt, c.sscc"
                            "  FROM label_jobs j JOIN containers c ON c.id = j.container_id"
                            " WHERE j.id = ? AND j.status = 'queued'", error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, update->job_id);
  if (!agg_store_step_row (store, stmt, &found, error) || !found)
    return NULL;
  update->resend = sqlite3_column_int (stmt, 0) != 0;
  sscc = g_strdup ((const char *) sqlite3_column_text (stmt, 1));
  sqlite3_reset (stmt);

  /* An attempt left in doubt was cut short after bytes left: the
   * printer may have the label already. */
  if (update->resend &&
      !agg_audit_append (store, &queue_actor, "label.resend", sscc, NULL, update->printer,
                         _("an earlier attempt was interrupted: the label may print twice"),
                         NULL, NULL, error))
    return NULL;

  stmt = agg_store_prepare (store,
                            "UPDATE label_jobs SET attempts = attempts + 1, in_doubt = 1"
                            " WHERE id = ?", error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, update->job_id);
  if (!agg_store_step (store, stmt, error))
    return NULL;
  return GINT_TO_POINTER (TRUE);
}

gboolean
agg_label_job_begin_sync (AggStore    *store,
                          gint64       job_id,
                          const char  *printer,
                          gboolean    *resend,
                          GError     **error)
{
  JobUpdate update = { job_id, printer, NULL, FALSE, FALSE, FALSE };
  gboolean queued;

  g_return_val_if_fail (AGG_IS_STORE (store), FALSE);

  queued = agg_store_run_sync (store, AGG_STORE_WRITE, begin_job, &update, error) != NULL;
  if (resend != NULL)
    *resend = update.resend;
  return queued;
}

static gpointer
job_sent (AggStore  *store,
          sqlite3   *db,
          gpointer   user_data,
          GError   **error)
{
  JobUpdate *update = user_data;
  g_autofree char *now = agg_now_utc ();
  g_autofree char *sscc = NULL;
  g_autofree char *label_status = NULL;
  sqlite3_stmt *stmt;
  gboolean found = FALSE;
  gboolean reprint;
  gint64 container_id;

  stmt = agg_store_prepare (store,
                            "SELECT j.container_id, j.reprint, c.sscc, c.label_status"
                            "  FROM label_jobs j JOIN containers c ON c.id = j.container_id"
                            " WHERE j.id = ?", error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, update->job_id);
  if (!agg_store_step_row (store, stmt, &found, error))
    return NULL;
  if (!found)
    {
      g_set_error (error, AGG_LINE_ERROR, AGG_LINE_ERROR_NOT_FOUND,
                   _("Label job %" PRId64 " is not in this station's records"), update->job_id);
      return NULL;
    }
  container_id = sqlite3_column_int64 (stmt, 0);
  reprint = sqlite3_column_int (stmt, 1) != 0;
  sscc = g_strdup ((const char *) sqlite3_column_text (stmt, 2));
  label_status = g_strdup ((const char *) sqlite3_column_text (stmt, 3));
  sqlite3_reset (stmt);

  stmt = agg_store_prepare (store,
                            "UPDATE label_jobs SET status = 'sent', sent_at = ?2, printer = ?3,"
                            "  last_error = NULL, in_doubt = 0 WHERE id = ?1", error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, update->job_id);
  sqlite3_bind_text (stmt, 2, now, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 3, update->printer, -1, SQLITE_TRANSIENT);
  if (!agg_store_step (store, stmt, error))
    return NULL;

  /* The container waits for its label until no job for it is left. */
  stmt = agg_store_prepare (store,
                            "UPDATE containers SET label_status = 'printed' WHERE id = ?1"
                            "  AND NOT EXISTS (SELECT 1 FROM label_jobs"
                            "                   WHERE container_id = ?1 AND status = 'queued')",
                            error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, container_id);
  if (!agg_store_step (store, stmt, error))
    return NULL;

  if (!agg_audit_append (store, &queue_actor, reprint ? "label.reprinted" : "label.print", sscc,
                         label_status, update->printer, NULL, NULL, NULL, error))
    return NULL;
  return GINT_TO_POINTER (TRUE);
}

gboolean
agg_label_job_sent_sync (AggStore    *store,
                         gint64       job_id,
                         const char  *printer,
                         GError     **error)
{
  JobUpdate update = { job_id, printer, NULL, FALSE, FALSE, FALSE };

  g_return_val_if_fail (AGG_IS_STORE (store), FALSE);
  g_return_val_if_fail (printer != NULL, FALSE);

  return agg_store_run_sync (store, AGG_STORE_WRITE, job_sent, &update, error) != NULL;
}

static gpointer
job_failed (AggStore  *store,
            sqlite3   *db,
            gpointer   user_data,
            GError   **error)
{
  JobUpdate *update = user_data;
  sqlite3_stmt *stmt;
  g_autofree char *sscc = NULL;

  stmt = agg_store_prepare (store,
                            "UPDATE label_jobs SET last_error = ?2, in_doubt = ?4,"
                            "  status = CASE WHEN ?3 THEN 'failed' ELSE status END"
                            " WHERE id = ?1 AND status = 'queued'", error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, update->job_id);
  sqlite3_bind_text (stmt, 2, update->message, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int (stmt, 3, update->final);
  sqlite3_bind_int (stmt, 4, update->in_doubt);
  if (!agg_store_step (store, stmt, error))
    return NULL;
  if (!update->final)
    return GINT_TO_POINTER (TRUE);

  stmt = agg_store_prepare (store,
                            "UPDATE containers SET label_status = 'failed'"
                            " WHERE id = (SELECT container_id FROM label_jobs WHERE id = ?)"
                            " RETURNING sscc", error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, update->job_id);
  sscc = agg_store_step_text (store, stmt, error);
  if (sscc == NULL)
    return NULL;
  if (!agg_audit_append (store, &queue_actor, "label.failed", sscc, "pending", "failed",
                         update->message, NULL, NULL, error))
    return NULL;
  return GINT_TO_POINTER (TRUE);
}

gboolean
agg_label_job_failed_sync (AggStore    *store,
                           gint64       job_id,
                           const char  *printer,
                           const char  *message,
                           gboolean     final,
                           gboolean     in_doubt,
                           GError     **error)
{
  JobUpdate update = { job_id, printer, message, final, in_doubt, FALSE };

  g_return_val_if_fail (AGG_IS_STORE (store), FALSE);
  g_return_val_if_fail (message != NULL, FALSE);

  return agg_store_run_sync (store, AGG_STORE_WRITE, job_failed, &update, error) != NULL;
}

typedef struct
{
  const char *sscc;
  const char *printer;
  char       *refusal;
  gint64      job_id;
} Request;

static gpointer
request_job (AggStore  *store,
             sqlite3   *db,
             gpointer   user_data,
             GError   **error)
{
  Request *request = user_data;
  g_autoptr(GError) local_error = NULL;
  g_autoptr(AggContainer) container = NULL;
  g_autofree char *label_status = NULL;
  sqlite3_stmt *stmt;
  gboolean found = FALSE;
  gint64 audit_id;

  container = agg_container_load_sscc (store, request->sscc, &local_error);
  if (agg_propagate_local_error (error, &local_error))
    return NULL;
  if (container == NULL)
    {
      request->refusal = g_strdup_printf (_("%s is not in this station's records"),
                                          request->sscc);
      return GINT_TO_POINTER (TRUE);
    }
  if (strcmp (container->status, "closed") != 0)
    {
      /* Translators: an SSCC and the container's status ("open", "voided", …). */
      request->refusal = g_strdup_printf (_("%s is %s: only a closed case or pallet gets its "
                                            "label"), container->sscc, container->status);
      return GINT_TO_POINTER (TRUE);
    }

  /* A job already waiting is the one to send, now on this printer. */
  stmt = agg_store_prepare (store,
                            "UPDATE label_jobs SET printer = ?2"
                            " WHERE id = (SELECT min (id) FROM label_jobs"
                            "              WHERE container_id = ?1 AND status = 'queued')"
                            " RETURNING id", error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, container->id);
  sqlite3_bind_text (stmt, 2, request->printer, -1, SQLITE_TRANSIENT);
  if (!agg_store_step_row (store, stmt, &found, error))
    return NULL;
  if (found)
    {
      request->job_id = sqlite3_column_int64 (stmt, 0);
      sqlite3_reset (stmt);
      return GINT_TO_POINTER (TRUE);
    }

  stmt = agg_store_prepare (store, "SELECT label_status FROM containers WHERE id = ?", error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, container->id);
  label_status = agg_store_step_text (store, stmt, error);
  if (label_status == NULL)
    return NULL;

  /* A label that exists is printed again only as a signed reprint. */
  if (strcmp (label_status, "none") != 0)
    {
      request->refusal = g_strdup_printf (_("The label of %s was printed already: a reprint "
                                            "needs a reason and a supervisor's signature"),
                                          container->sscc);
      return GINT_TO_POINTER (TRUE);
    }

  if (!agg_audit_append (store, &queue_actor, "label.queue", container->sscc, "none",
                         request->printer, NULL, NULL, &audit_id, error) ||
      !agg_label_job_enqueue (store, container, request->printer, FALSE, audit_id, error))
    return NULL;
  request->job_id = sqlite3_last_insert_rowid (db);
  return GINT_TO_POINTER (TRUE);
}

gint64
agg_label_jobs_request_sync (AggStore    *store,
                             const char  *sscc,
                             const char  *printer,
                             char       **refusal,
                             GError     **error)
{
  Request request = { sscc, printer, NULL, 0 };

  g_return_val_if_fail (AGG_IS_STORE (store), 0);
  g_return_val_if_fail (sscc != NULL && printer != NULL, 0);
  g_return_val_if_fail (refusal != NULL && *refusal == NULL, 0);

  if (agg_store_run_sync (store, AGG_STORE_WRITE, request_job, &request, error) == NULL)
    return 0;
  *refusal = request.refusal;
  return request.job_id;
}
