/* agg-label-jobs.h: durable label jobs between the engine and the print queue
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The engine records a label job in the transaction that closes a case or
 * pallet, or that a supervisor's reprint signs; the print queue takes the
 * jobs in order, sends them and marks them sent.  A job whose printer is
 * "" goes to the first configured printer whose role fits the container
 * (case, pallet or any); a named one waits for that printer.
 *
 * Sending is at least once: a job is marked "in doubt" in the database
 * before its first byte leaves, and cleared once the printer's answer is
 * known.  A job interrupted between sending and being marked sent (the
 * station killed, the power gone, the connection cut mid-label) is sent
 * again as it is, and that resend is audited as "label.resend": the label
 * may come out twice, never silently and never not at all.
 */

#pragma once

#include "agg-line-job.h"

G_BEGIN_DECLS

/* One queued job, as the print queue sees it. */
typedef struct
{
  gint64    id;
  gint64    container_id;
  char      sscc[19];
  gboolean  is_pallet;
  char     *printer;                  /* "" when the queue chooses by role */
  gboolean  reprint;
  gint64    attempts;
  char     *created_at;
} AggLabelJob;

void         agg_label_job_free            (AggLabelJob   *job);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (AggLabelJob, agg_label_job_free)

/* Engine side: on the store thread, in the caller's transaction. */

/* Queues a label for @container and marks it "pending". */
gboolean     agg_label_job_enqueue         (AggStore            *store,
                                            const AggContainer  *container,
                                            const char          *printer,
                                            gboolean             reprint,
                                            gint64               audit_id,
                                            GError             **error);

/* A container has just closed (its "close" audit row is @audit_id):
 * queues its first label.  A case of a product whose case labels come
 * pre-printed (case_code "scan") has its label already, and a container
 * closing again after a reopen keeps the one it has. */
gboolean     agg_label_job_on_close        (AggStore            *store,
                                            AggContainer        *container,
                                            gint64               audit_id,
                                            GError             **error);

/* Print and verify: with the running product's print_verify set, a case
 * whose label is not yet scanned back holds the line.  NULL when nothing
 * holds it; else the refusal for a unit scan that would start a case. */
AggResult   *agg_label_check_verified      (AggJob              *job,
                                            const AggOrder      *order,
                                            GError             **error);
/* A scanned SSCC while a label awaits verification: verifies it when it
 * is the awaited one, refuses it and queues a reprint when it is not.
 * NULL without @error when no label awaits verification. */
AggResult   *agg_label_verify_scan         (AggJob              *job,
                                            const AggOrder      *order,
                                            const char          *sscc,
                                            GError             **error);

/* Queue side: blocking calls that run a transaction on the store thread. */

/* The oldest queued job for the printer @name: one named for it, or,
 * when @serves_case / @serves_pallet, one of that kind left to the
 * queue.  NULL without @error when there is none. */
AggLabelJob *agg_label_jobs_next_sync      (AggStore            *store,
                                            const char          *name,
                                            gboolean             serves_case,
                                            gboolean             serves_pallet,
                                            GError             **error);
/* How many jobs wait for the printer @name, chosen as above. */
gint64       agg_label_jobs_count_sync     (AggStore            *store,
                                            const char          *name,
                                            gboolean             serves_case,
                                            gboolean             serves_pallet,
                                            GError             **error);
/* Counts an attempt and marks the job in doubt before it is sent.  FALSE
 * without @error when the job is no longer queued (voided meanwhile);
 * *@resend says whether an earlier attempt was left in doubt, which is
 * then audited. */
gboolean     agg_label_job_begin_sync      (AggStore            *store,
                                            gint64               job_id,
                                            const char          *printer,
                                            gboolean            *resend,
                                            GError             **error);
/* The printer took the job: the job is sent, the container "printed". */
gboolean     agg_label_job_sent_sync       (AggStore            *store,
                                            gint64               job_id,
                                            const char          *printer,
                                            GError             **error);
/* An attempt failed with @message.  With @final the job is given up
 * (its label cannot be made) and the container's label is "failed";
 * otherwise it stays queued for the next attempt.  @in_doubt: some of it
 * may have reached the printer. */
gboolean     agg_label_job_failed_sync     (AggStore            *store,
                                            gint64               job_id,
                                            const char          *printer,
                                            const char          *message,
                                            gboolean             final,
                                            gboolean             in_doubt,
                                            GError             **error);
/* Queues a label for the container @sscc on @printer, for aggctl print:
 * a closed case or pallet whose label was never queued gets its first
 * label; one already queued keeps its job.  Returns the job's id, 0 with
 * @refusal set when the container cannot have a label now. */
gint64       agg_label_jobs_request_sync   (AggStore            *store,
                                            const char          *sscc,
                                            const char          *printer,
                                            char               **refusal,
                                            GError             **error);

G_END_DECLS
