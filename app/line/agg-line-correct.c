/* agg-line-correct.c: supervisor corrections, each signed, audited and evented
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <inttypes.h>
#include <glib/gi18n-lib.h>
#include <string.h>

#include "agg-epcis-private.h"
#include "agg-label-jobs.h"
#include "agg-line-job.h"

/* What a correction works on: the unit or container its code names. */
typedef struct
{
  AggCode       code;
  AggUnit      *unit;
  AggContainer *container;
} Target;

static void
target_clear (Target *target)
{
  g_clear_pointer (&target->unit, agg_unit_free);
  g_clear_pointer (&target->container, agg_container_free);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Target, target_clear)

/* Loads what @text names; a refusal when it names nothing known. */
static AggResult *
resolve (AggStore    *store,
         const char  *text,
         Target      *target,
         GError     **error)
{
  g_autoptr(GError) local_error = NULL;

  if (text == NULL)
    return agg_result_new (AGG_OUTCOME_BAD_REQUEST, _("Scan or type the code to correct"));

  if (!agg_code_parse (text, strlen (text), &target->code, &local_error))
    return agg_result_new (AGG_OUTCOME_NOT_FOUND, _("Not a unit or case code: %s"),
                           local_error->message);

  switch (target->code.kind)
    {
    case AGG_CODE_UNIT:
      target->unit = agg_unit_load (store, target->code.gtin, target->code.serial, &local_error);
      break;
    case AGG_CODE_CONTAINER:
      target->container = agg_container_load_sscc (store, target->code.sscc, &local_error);
      break;
    case AGG_CODE_NONE:
    default:
      return agg_result_new (AGG_OUTCOME_NOT_FOUND,
                             _("The code names neither a unit (01 + 21) nor a case (00)"));
    }

  if (agg_propagate_local_error (error, &local_error))
    return NULL;
  if (target->unit == NULL && target->container == NULL)
    return agg_result_new (AGG_OUTCOME_NOT_FOUND, _("%s is not in this station's records"),
                           target->code.kind == AGG_CODE_UNIT ? target->code.serial
                                                              : target->code.sscc);
  return NULL;
}

static char *
unit_key (const AggUnit *unit)
{
  return agg_unit_key (unit->gtin, unit->serial);
}

static gboolean
exec_bound (AggStore     *store,
            const char   *sql,
            gint64        id,
            const char   *text,
            GError      **error)
{
  sqlite3_stmt *stmt = agg_store_prepare (store, sql, error);

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, id);
  if (text != NULL)
    sqlite3_bind_text (stmt, 2, text, -1, SQLITE_TRANSIENT);
  return agg_store_step (store, stmt, error);
}

static AggContainer *
load_parent (AggStore  *store,
             gint64     parent_id,
             GError   **error)
{
  AggContainer *parent = agg_container_load (store, parent_id, error);

  if (parent == NULL && error != NULL && *error == NULL)
    g_set_error (error, AGG_STORE_ERROR, AGG_STORE_ERROR_FAILED,
                 "container %" PRId64 " is missing", parent_id);
  return parent;
}

/* Takes a unit out of its case, if it is in one. */
static gboolean
take_unit_out (AggStore    *store,
               AggUnit     *unit,
               const char  *new_status,
               gint64       audit_id,
               GError     **error)
{
  g_autoptr(AggContainer) parent = NULL;

  if (unit->parent_id == 0)
    return exec_bound (store, "UPDATE units SET status = ?2 WHERE id = ?1", unit->id,
                       new_status, error);

  parent = load_parent (store, unit->parent_id, error);
  return parent != NULL &&
         agg_container_disaggregate (store, parent, unit->id, new_status, audit_id, error);
}

/* Takes a container off its pallet, if it is on one. */
static gboolean
take_container_off (AggStore      *store,
                    AggContainer  *container,
                    gint64         audit_id,
                    GError       **error)
{
  g_autoptr(AggContainer) parent = NULL;

  if (container->parent_id == 0)
    return TRUE;

  parent = load_parent (store, container->parent_id, error);
  if (parent == NULL ||
      !agg_container_disaggregate (store, parent, container->id, NULL, audit_id, error))
    return FALSE;
  container->parent_id = 0;
  return TRUE;
}

static gboolean
set_container_status (AggStore      *store,
                      AggContainer  *container,
                      const char    *status,
                      GError       **error)
{
  if (!exec_bound (store, "UPDATE containers SET status = ?2 WHERE id = ?1", container->id,
                   status, error))
    return FALSE;
  g_free (container->status);
  container->status = g_strdup (status);
  return TRUE;
}

static gboolean
announce_add (AggStore      *store,
              AggContainer  *parent,
              char          *child_uri,
              const char    *table,
              gint64         child_id,
              gint64         audit_id,
              GError       **error)
{
  g_autoptr(GPtrArray) epcs = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *parent_uri = agg_sscc_uri (parent->sscc);
  g_autofree char *sql = g_strdup_printf ("UPDATE %s SET announced = 1 WHERE id = ?1", table);

  g_ptr_array_add (epcs, child_uri);
  return exec_bound (store, sql, child_id, NULL, error) &&
         agg_events_add (store, "AggregationEvent", "ADD", "packing", "in_progress", parent_uri,
                         epcs, parent->order_id, audit_id, error);
}

static gboolean
object_event (AggStore    *store,
              GPtrArray   *epcs,
              const char  *action,
              const char  *biz_step,
              const char  *disposition,
              const char  *order_id,
              gint64       audit_id,
              GError     **error)
{
  if (epcs->len == 0)
    return TRUE;
  return agg_events_add (store, "ObjectEvent", action, biz_step, disposition, NULL, epcs,
                         order_id, audit_id, error);
}

/* The identifiers of what a container holds: units, through its cases
 * for a pallet, and a pallet's cases. */
static gboolean
collect_contents (AggStore      *store,
                  AggContainer  *container,
                  GPtrArray     *epcs,
                  GError       **error)
{
  sqlite3_stmt *stmt;

  stmt = agg_store_prepare (store,
                            "SELECT u.gtin, u.serial FROM units u"
                            " WHERE u.parent_id = ?1"
                            "    OR u.parent_id IN (SELECT id FROM containers WHERE parent_id = ?1)"
                            " ORDER BY u.id", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, container->id);
  if (!agg_collect_uris (store, stmt, FALSE, epcs, error))
    return FALSE;

  if (container->is_pallet)
    {
      stmt = agg_store_prepare (store, "SELECT sscc FROM containers WHERE parent_id = ?1"
                                       " ORDER BY id", error);
      if (stmt == NULL)
        return FALSE;
      sqlite3_bind_int64 (stmt, 1, container->id);
      if (!agg_collect_uris (store, stmt, TRUE, epcs, error))
        return FALSE;
    }

  return TRUE;
}

/* Empties a container: its children come out (units become loose),
 * with DELETE events for what was announced.  A pallet's cases keep
 * their units. */
static gboolean
empty_container (AggStore      *store,
                 AggContainer  *container,
                 const char    *unit_status,
                 gint64         audit_id,
                 GError       **error)
{
  if (!container->is_pallet)
    return agg_container_disaggregate (store, container, 0, unit_status, audit_id, error);

  /* Cases that lose their units with the pallet's contents first. */
  if (g_strcmp0 (unit_status, "removed") != 0)
    {
      g_autoptr(GArray) ids = g_array_new (FALSE, FALSE, sizeof (gint64));

      if (!agg_container_child_ids (store, container->id, ids, error))
        return FALSE;

      for (guint i = 0; i < ids->len; i++)
        {
          g_autoptr(AggContainer) item = agg_container_load (store, g_array_index (ids, gint64, i),
                                                             error);
          if (item == NULL ||
              !agg_container_disaggregate (store, item, 0, unit_status, audit_id, error))
            return FALSE;
        }
    }

  return agg_container_disaggregate (store, container, 0, NULL, audit_id, error);
}

static AggResult *
remove_or_sample (AggJob   *job,
                  Target   *target,
                  gboolean  sample,
                  GError  **error)
{
  g_autoptr(AggUser) signer = NULL;
  g_autoptr(AggContainer) parent = NULL;
  g_autofree char *meaning = NULL;
  g_autofree char *key = NULL;
  AggSignature signature;
  AggUnit *unit = target->unit;
  AggResult *refusal;
  gint64 audit_id;

  if (unit == NULL)
    return agg_result_new (AGG_OUTCOME_BAD_REQUEST, _("Scan a unit, not a case"));
  if (!sample && strcmp (unit->status, "aggregated") != 0)
    return agg_result_new (AGG_OUTCOME_INVALID_STATE, _("Unit %s is in no case"), unit->serial);
  if (sample && strcmp (unit->status, "aggregated") != 0 && strcmp (unit->status, "removed") != 0)
    return agg_result_new (AGG_OUTCOME_INVALID_STATE, _("Unit %s is %s"), unit->serial,
                           unit->status);

  if (unit->parent_id != 0)
    {
      parent = load_parent (job->store, unit->parent_id, error);
      if (parent == NULL)
        return NULL;
    }

  key = unit_key (unit);
  meaning = sample ? g_strdup_printf (_("Take unit %s as a QC sample"), key)
                   : g_strdup_printf (_("Remove unit %s from case %s"), key, parent->sscc);
  refusal = agg_job_check_signature (job, AGG_ROLE_SUPERVISOR, meaning, &signature, &signer,
                                     error);
  if (refusal != NULL || signer == NULL)
    return refusal;

  if (!agg_audit_append (job->store, &job->actor, sample ? "unit.sample" : "unit.remove", key,
                         parent ? parent->sscc : unit->status, sample ? "sampled" : "removed",
                         job->request->reason, &signature, &audit_id, error) ||
      !take_unit_out (job->store, unit, sample ? "sampled" : "removed", audit_id, error))
    return NULL;

  if (sample)
    {
      g_autoptr(GPtrArray) epcs = g_ptr_array_new_with_free_func (g_free);

      g_ptr_array_add (epcs, agg_unit_uri (unit->gtin, unit->serial));
      if (!object_event (job->store, epcs, "OBSERVE", "sampling", "non_sellable_other",
                         unit->order_id, audit_id, error))
        return NULL;
      return agg_result_new (AGG_OUTCOME_ACCEPTED, _("Unit %s taken as a sample"),
                             unit->serial);
    }
  return agg_result_new (AGG_OUTCOME_ACCEPTED, _("Unit %s removed from case %s"), unit->serial,
                         parent->sscc);
}

static AggResult *
replace_unit (AggJob  *job,
              Target  *target,
              GError **error)
{
  g_autoptr(GError) parse_error = NULL;
  g_autoptr(GError) local_error = NULL;
  g_autofree AggGs1Data *gs1 = g_new (AggGs1Data, 1);
  g_autoptr(AggContainer) parent = NULL;
  g_autoptr(AggOrder) order = NULL;
  g_autoptr(AggUnit) existing = NULL;
  g_autoptr(AggUnit) added = NULL;
  g_autoptr(AggUser) signer = NULL;
  g_autofree char *meaning = NULL;
  g_autofree char *old_key = NULL;
  g_autofree char *new_key = NULL;
  g_autofree char *wrong_event = NULL;
  AggSignature signature;
  AggUnit *unit = target->unit;
  AggResult *refusal;
  gint64 audit_id;

  if (unit == NULL || strcmp (unit->status, "aggregated") != 0)
    return agg_result_new (AGG_OUTCOME_INVALID_STATE, _("The unit to replace must be in a case"));
  if (job->request->code2 == NULL)
    return agg_result_new (AGG_OUTCOME_BAD_REQUEST, _("Scan the unit that replaces it"));
  if (!agg_gs1_parse (job->request->code2, strlen (job->request->code2), gs1, &parse_error))
    return agg_result_new (AGG_OUTCOME_INVALID_GS1, _("Unreadable code: %s"), parse_error->message);

  parent = load_parent (job->store, unit->parent_id, error);
  if (parent == NULL)
    return NULL;
  order = agg_order_load (job->store, parent->order_id, error);
  if (order == NULL)
    return NULL;

  /* The newcomer passes the same rules as a scan into that case. */
  refusal = agg_unit_check_rules (job->store, order, gs1, parent, &existing, &local_error);
  if (agg_propagate_local_error (error, &local_error))
    return NULL;
  if (refusal != NULL)
    return refusal;

  old_key = unit_key (unit);
  new_key = agg_unit_key (agg_gs1_data_lookup (gs1, "01"), agg_gs1_data_lookup (gs1, "21"));
  meaning = g_strdup_printf (_("Replace unit %s by %s in case %s"), old_key, new_key,
                             parent->sscc);
  refusal = agg_job_check_signature (job, AGG_ROLE_SUPERVISOR, meaning, &signature, &signer,
                                     error);
  if (refusal != NULL || signer == NULL)
    return refusal;

  /* Replacing a unit corrects a wrong scan: a delivered packing event
   * that named it recorded incorrect data. */
  if (unit->announced)
    {
      g_autofree char *parent_uri = agg_sscc_uri (parent->sscc);
      g_autofree char *unit_uri = agg_unit_uri (unit->gtin, unit->serial);

      wrong_event = agg_epcis_find_sent_event (job->store, "AggregationEvent", "packing",
                                               parent_uri, unit_uri, &local_error);
      if (agg_propagate_local_error (error, &local_error))
        return NULL;
    }

  if (!agg_audit_append (job->store, &job->actor, "unit.replace", old_key, old_key, new_key,
                         job->request->reason, &signature, &audit_id, error) ||
      !take_unit_out (job->store, unit, "removed", audit_id, error))
    return NULL;

  parent->n_children--;
  if (!agg_unit_put_in_case (job, order, gs1, existing, parent, error))
    return NULL;

  /* In a closed case the newcomer is announced at once. */
  if (strcmp (parent->status, "closed") == 0)
    {
      added = agg_unit_load (job->store, agg_gs1_data_lookup (gs1, "01"),
                             agg_gs1_data_lookup (gs1, "21"), error);
      if (added == NULL ||
          !announce_add (job->store, parent, agg_unit_uri (added->gtin, added->serial), "units",
                         added->id, audit_id, error))
        return NULL;
    }

  if (wrong_event != NULL &&
      !agg_epcis_declare_error (job->store, wrong_event, "incorrect_data", audit_id, error))
    return NULL;

  return agg_result_new (AGG_OUTCOME_ACCEPTED, _("Unit %s replaced by %s in case %s"),
                         unit->serial, agg_gs1_data_lookup (gs1, "21"), parent->sscc);
}

static AggResult *
unpack (AggJob  *job,
        Target  *target,
        GError **error)
{
  g_autoptr(AggUser) signer = NULL;
  g_autoptr(GPtrArray) epcs = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *meaning = NULL;
  g_autofree char *count = NULL;
  AggSignature signature;
  AggContainer *container = target->container;
  AggResult *refusal;
  gint64 audit_id;

  if (container == NULL)
    return agg_result_new (AGG_OUTCOME_BAD_REQUEST, _("Scan a case or pallet, not a unit"));
  if (strcmp (container->status, "open") != 0 && strcmp (container->status, "closed") != 0)
    return agg_result_new (AGG_OUTCOME_INVALID_STATE, _("%s is %s"), container->sscc,
                           container->status);

  meaning = g_strdup_printf (_("Unpack %s: take out all %" PRId64
                               " items and void its SSCC"),
                             container->sscc, container->n_children);
  refusal = agg_job_check_signature (job, AGG_ROLE_SUPERVISOR, meaning, &signature, &signer,
                                     error);
  if (refusal != NULL || signer == NULL)
    return refusal;

  count = g_strdup_printf ("%" PRId64, container->n_children);
  g_ptr_array_add (epcs, agg_sscc_uri (container->sscc));
  if (!agg_audit_append (job->store, &job->actor, "container.unpack", container->sscc, count,
                         "0", job->request->reason, &signature, &audit_id, error) ||
      !take_container_off (job->store, container, audit_id, error) ||
      !empty_container (job->store, container, "removed", audit_id, error) ||
      !set_container_status (job->store, container, "voided", error) ||
      !object_event (job->store, epcs, "DELETE", "decommissioning", "inactive",
                     container->order_id, audit_id, error))
    return NULL;

  return agg_result_new (AGG_OUTCOME_ACCEPTED,
                         _("%s unpacked: %s items taken out, its SSCC voided"),
                         container->sscc, count);
}

static AggResult *
remove_or_move_case (AggJob  *job,
                     Target  *target,
                     gboolean move,
                     GError **error)
{
  g_autoptr(AggUser) signer = NULL;
  g_autoptr(AggContainer) from = NULL;
  g_autoptr(AggContainer) to = NULL;
  g_autoptr(AggOrder) order = NULL;
  g_autoptr(GError) local_error = NULL;
  g_autofree char *meaning = NULL;
  AggSignature signature;
  AggContainer *item = target->container;
  AggResult *refusal;
  gint64 audit_id;

  if (item == NULL || item->is_pallet)
    return agg_result_new (AGG_OUTCOME_BAD_REQUEST, _("Scan a case"));
  if (move && strcmp (item->status, "closed") != 0)
    return agg_result_new (AGG_OUTCOME_INVALID_STATE, _("Case %s is %s: only a closed case goes"
                                                        " on a pallet"), item->sscc, item->status);
  if (item->parent_id != 0)
    {
      from = load_parent (job->store, item->parent_id, error);
      if (from == NULL)
        return NULL;
    }
  else if (!move)
    return agg_result_new (AGG_OUTCOME_INVALID_STATE, _("Case %s is on no pallet"), item->sscc);

  if (move)
    {
      AggCode code;

      if (job->request->code2 == NULL ||
          !agg_code_parse (job->request->code2, strlen (job->request->code2), &code, NULL) ||
          code.kind != AGG_CODE_CONTAINER)
        return agg_result_new (AGG_OUTCOME_BAD_REQUEST, _("Scan the pallet to move it to"));
      to = agg_container_load_sscc (job->store, code.sscc, &local_error);
      if (agg_propagate_local_error (error, &local_error))
        return NULL;
      if (to == NULL || !to->is_pallet)
        return agg_result_new (AGG_OUTCOME_NOT_FOUND, _("%s is not a pallet of this station"),
                               code.sscc);
      if (strcmp (to->status, "open") != 0 && strcmp (to->status, "closed") != 0)
        return agg_result_new (AGG_OUTCOME_INVALID_STATE, _("Pallet %s is %s"), to->sscc,
                               to->status);
      if (from != NULL && from->id == to->id)
        return agg_result_new (AGG_OUTCOME_DUPLICATE_IN_THIS_CASE,
                               _("Case %s is already on pallet %s"), item->sscc, to->sscc);
      if (strcmp (to->order_id, item->order_id) != 0)
        return agg_result_new (AGG_OUTCOME_WRONG_PRODUCT,
                               _("Pallet %s belongs to order %s, case %s to order %s"),
                               to->sscc, to->order_id, item->sscc, item->order_id);
      order = agg_order_load (job->store, to->order_id, error);
      if (order == NULL)
        return NULL;
      if (to->n_children >= order->cases_per_pallet)
        return agg_result_new (AGG_OUTCOME_CASE_FULL, _("Pallet %s is full"), to->sscc);
    }

  meaning = move ? g_strdup_printf (_("Move case %s from pallet %s to pallet %s"), item->sscc,
                                    from ? from->sscc : "—", to->sscc)
                 : g_strdup_printf (_("Take case %s off pallet %s"), item->sscc, from->sscc);
  refusal = agg_job_check_signature (job, AGG_ROLE_SUPERVISOR, meaning, &signature, &signer,
                                     error);
  if (refusal != NULL || signer == NULL)
    return refusal;

  if (!agg_audit_append (job->store, &job->actor, move ? "case.move" : "case.remove", item->sscc,
                         from ? from->sscc : NULL, move ? to->sscc : NULL,
                         job->request->reason, &signature, &audit_id, error) ||
      !take_container_off (job->store, item, audit_id, error))
    return NULL;

  if (!move)
    return agg_result_new (AGG_OUTCOME_ACCEPTED, _("Case %s taken off pallet %s"), item->sscc,
                           from->sscc);

  if (!agg_container_set_parent (job->store, item->id, to->id, error))
    return NULL;

  if (strcmp (to->status, "closed") == 0 &&
      !announce_add (job->store, to, agg_sscc_uri (item->sscc), "containers", item->id,
                     audit_id, error))
    return NULL;

  return agg_result_new (AGG_OUTCOME_ACCEPTED, _("Case %s moved to pallet %s"), item->sscc,
                         to->sscc);
}

static AggResult *
reopen_case (AggJob  *job,
             Target  *target,
             GError **error)
{
  g_autoptr(GError) local_error = NULL;
  g_autoptr(AggUser) signer = NULL;
  g_autoptr(AggOrder) order = NULL;
  g_autoptr(AggContainer) open_case = NULL;
  g_autofree char *meaning = NULL;
  AggSignature signature;
  AggContainer *item = target->container;
  AggResult *refusal;

  if (item == NULL || item->is_pallet)
    return agg_result_new (AGG_OUTCOME_BAD_REQUEST, _("Scan a case"));
  if (strcmp (item->status, "closed") != 0)
    return agg_result_new (AGG_OUTCOME_INVALID_STATE, _("Case %s is %s, not closed"), item->sscc,
                           item->status);

  order = agg_order_load (job->store, item->order_id, error);
  if (order == NULL)
    return NULL;
  if (strcmp (order->status, "running") != 0)
    return agg_result_new (AGG_OUTCOME_NO_RUNNING_ORDER,
                           _("Start order %s before reopening its case"), order->id);
  open_case = agg_container_load_open (job->store, order->id, FALSE, &local_error);
  if (agg_propagate_local_error (error, &local_error))
    return NULL;
  if (open_case != NULL)
    return agg_result_new (AGG_OUTCOME_INVALID_STATE,
                           _("Case %s is open: close it before reopening %s"), open_case->sscc,
                           item->sscc);

  meaning = g_strdup_printf (_("Reopen case %s"), item->sscc);
  refusal = agg_job_check_signature (job, AGG_ROLE_SUPERVISOR, meaning, &signature, &signer,
                                     error);
  if (refusal != NULL || signer == NULL)
    return refusal;

  if (!agg_audit_append (job->store, &job->actor, "case.reopen", item->sscc, "closed", "open",
                         job->request->reason, &signature, NULL, error) ||
      !exec_bound (job->store,
                   "UPDATE containers SET status = 'open', closed_at = NULL,"
                   "  partial_reason = NULL WHERE id = ?1", item->id, NULL, error))
    return NULL;

  return agg_result_new (AGG_OUTCOME_ACCEPTED,
                         _("Case %s is open again: units scanned now go into it"), item->sscc);
}

static gboolean
set_status_of (AggStore    *store,
               GArray      *ids,
               const char  *status,
               GError     **error)
{
  for (guint i = 0; i < ids->len; i++)
    if (!exec_bound (store, "UPDATE containers SET status = ?2 WHERE id = ?1",
                     g_array_index (ids, gint64, i), status, error))
      return FALSE;
  return TRUE;
}

/* Decommissioning and destruction: of a unit, or of a container with or
 * without what it holds. */
static AggResult *
retire (AggJob  *job,
        Target  *target,
        gboolean destroy,
        GError **error)
{
  g_autoptr(AggUser) signer = NULL;
  g_autoptr(GPtrArray) epcs = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GArray) case_ids = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autofree char *meaning = NULL;
  g_autofree char *what = NULL;
  AggSignature signature;
  const char *status = destroy ? "destroyed" : "decommissioned";
  const char *biz_step = destroy ? "destroying" : "decommissioning";
  const char *disposition = destroy ? "destroyed" : "inactive";
  const char *order_id;
  gboolean contents = job->request->with_contents;
  AggResult *refusal;
  gint64 audit_id;

  if (target->unit != NULL)
    {
      if (strcmp (target->unit->status, "decommissioned") == 0 ||
          strcmp (target->unit->status, "destroyed") == 0)
        return agg_result_new (AGG_OUTCOME_INVALID_STATE, _("Unit %s is already %s"),
                               target->unit->serial, target->unit->status);
      what = unit_key (target->unit);
      order_id = target->unit->order_id;
    }
  else
    {
      if (strcmp (target->container->status, "open") != 0 &&
          strcmp (target->container->status, "closed") != 0)
        return agg_result_new (AGG_OUTCOME_INVALID_STATE, _("%s is already %s"),
                               target->container->sscc, target->container->status);
      what = g_strdup (target->container->sscc);
      order_id = target->container->order_id;
    }

  if (destroy)
    meaning = g_strdup_printf (contents ? _("Record the destruction of %s and all it holds")
                                        : _("Record the destruction of %s"), what);
  else
    meaning = g_strdup_printf (contents ? _("Decommission %s and all it holds")
                                        : _("Decommission %s"), what);
  refusal = agg_job_check_signature (job, AGG_ROLE_SUPERVISOR, meaning, &signature, &signer,
                                     error);
  if (refusal != NULL || signer == NULL)
    return refusal;

  if (!agg_audit_append (job->store, &job->actor, destroy ? "destroy" : "decommission", what,
                         target->unit ? target->unit->status : target->container->status,
                         status, job->request->reason, &signature, &audit_id, error))
    return NULL;

  if (target->unit != NULL)
    {
      g_ptr_array_add (epcs, agg_unit_uri (target->unit->gtin, target->unit->serial));
      if (!take_unit_out (job->store, target->unit, status, audit_id, error))
        return NULL;
    }
  else
    {
      AggContainer *container = target->container;

      /* A pallet's cases go with it when its contents do. */
      if (contents && container->is_pallet &&
          !agg_container_child_ids (job->store, container->id, case_ids, error))
        return NULL;

      g_ptr_array_add (epcs, agg_sscc_uri (container->sscc));
      if (!take_container_off (job->store, container, audit_id, error) ||
          (contents && !collect_contents (job->store, container, epcs, error)) ||
          !empty_container (job->store, container, contents ? status : "removed", audit_id,
                            error) ||
          !set_container_status (job->store, container, status, error))
        return NULL;

      if (!set_status_of (job->store, case_ids, status, error))
        return NULL;
    }

  if (!object_event (job->store, epcs, "DELETE", biz_step, disposition, order_id, audit_id,
                     error))
    return NULL;

  return agg_result_new (AGG_OUTCOME_ACCEPTED,
                         destroy ? _("%s recorded as destroyed") : _("%s decommissioned"), what);
}

static AggResult *
void_or_reprint_label (AggJob   *job,
                       Target   *target,
                       gboolean  reprint,
                       GError  **error)
{
  g_autoptr(AggUser) signer = NULL;
  g_autoptr(GPtrArray) epcs = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GError) local_error = NULL;
  g_autofree char *meaning = NULL;
  g_autofree char *wrong_event = NULL;
  AggSignature signature;
  AggContainer *container = target->container;
  AggResult *refusal;
  gint64 audit_id;

  if (container == NULL)
    return agg_result_new (AGG_OUTCOME_BAD_REQUEST, _("Scan a case or pallet label"));
  if (strcmp (container->status, "voided") == 0)
    return agg_result_new (AGG_OUTCOME_INVALID_STATE, _("Label %s is void"), container->sscc);
  if (!reprint && container->n_children > 0)
    return agg_result_new (AGG_OUTCOME_INVALID_STATE,
                           _("%s still holds %" PRId64 " items: unpack it first"),
                           container->sscc, container->n_children);

  meaning = reprint ? g_strdup_printf (_("Reprint label %s"), container->sscc)
                    : g_strdup_printf (_("Void label %s: its SSCC is never used again"),
                                       container->sscc);
  refusal = agg_job_check_signature (job, AGG_ROLE_SUPERVISOR, meaning, &signature, &signer,
                                     error);
  if (refusal != NULL || signer == NULL)
    return refusal;

  if (reprint)
    {
      /* The reprint is queued with the signature that allows it. */
      if (!exec_bound (job->store, "UPDATE containers SET reprints = reprints + 1 WHERE id = ?1",
                       container->id, NULL, error) ||
          !agg_audit_append (job->store, &job->actor, "label.reprint", container->sscc, NULL,
                             "reprint", job->request->reason, &signature, &audit_id, error) ||
          !agg_label_job_enqueue (job->store, container, job->request->code2, TRUE, audit_id,
                                  error))
        return NULL;
      return agg_result_new (AGG_OUTCOME_ACCEPTED,
                             _("Label %s queued for reprinting, marked as a reprint"),
                             container->sscc);
    }

  /* A voided label's SSCC never came to stand for a case or pallet (it
   * holds nothing): a delivered commissioning event of it did not occur. */
  g_ptr_array_add (epcs, agg_sscc_uri (container->sscc));
  wrong_event = agg_epcis_find_sent_event (job->store, "ObjectEvent", "commissioning", NULL,
                                           g_ptr_array_index (epcs, 0), &local_error);
  if (agg_propagate_local_error (error, &local_error))
    return NULL;

  if (!agg_audit_append (job->store, &job->actor, "label.void", container->sscc,
                         container->status, "voided", job->request->reason, &signature,
                         &audit_id, error) ||
      !take_container_off (job->store, container, audit_id, error) ||
      !set_container_status (job->store, container, "voided", error) ||
      !object_event (job->store, epcs, "DELETE", "decommissioning", "inactive",
                     container->order_id, audit_id, error))
    return NULL;

  if (wrong_event != NULL &&
      !agg_epcis_declare_error (job->store, wrong_event, "did_not_occur", audit_id, error))
    return NULL;

  return agg_result_new (AGG_OUTCOME_ACCEPTED, _("Label %s voided"), container->sscc);
}

AggResult *
agg_line_handle_correction (AggJob  *job,
                            GError **error)
{
  g_auto(Target) target = { { 0 }, NULL, NULL };
  AggRequest *request = job->request;
  AggResult *refusal;

  if (request->reason == NULL || *request->reason == '\0')
    return agg_result_new (AGG_OUTCOME_BAD_REQUEST, _("A correction needs a reason"));

  refusal = resolve (job->store, request->code, &target, error);
  if (refusal != NULL || (error != NULL && *error != NULL))
    return refusal;

  switch (request->action)
    {
    case AGG_ACTION_REMOVE_UNIT:
      return remove_or_sample (job, &target, FALSE, error);
    case AGG_ACTION_SAMPLE:
      return remove_or_sample (job, &target, TRUE, error);
    case AGG_ACTION_REPLACE_UNIT:
      return replace_unit (job, &target, error);
    case AGG_ACTION_UNPACK:
      return unpack (job, &target, error);
    case AGG_ACTION_REMOVE_CASE:
      return remove_or_move_case (job, &target, FALSE, error);
    case AGG_ACTION_MOVE_CASE:
      return remove_or_move_case (job, &target, TRUE, error);
    case AGG_ACTION_REOPEN_CASE:
      return reopen_case (job, &target, error);
    case AGG_ACTION_DECOMMISSION:
      return retire (job, &target, FALSE, error);
    case AGG_ACTION_DESTROY:
      return retire (job, &target, TRUE, error);
    case AGG_ACTION_VOID_LABEL:
      return void_or_reprint_label (job, &target, FALSE, error);
    case AGG_ACTION_REPRINT_LABEL:
      return void_or_reprint_label (job, &target, TRUE, error);
    case AGG_ACTION_LOGIN:
    case AGG_ACTION_LOGOUT:
    case AGG_ACTION_START_ORDER:
    case AGG_ACTION_SUSPEND_ORDER:
    case AGG_ACTION_SCAN:
    case AGG_ACTION_CLOSE_CASE:
    case AGG_ACTION_CLOSE_PALLET:
    case AGG_ACTION_SHOW:
    case AGG_ACTION_RECONCILE:
    case AGG_ACTION_CLOSE_ORDER:
    case AGG_ACTION_SET_MODE:
    case AGG_ACTION_STATUS:
    case AGG_ACTION_LIST_ORDERS:
    case AGG_ACTION_USER_ADD:
    case AGG_ACTION_USER_SET_PIN:
    case AGG_ACTION_USER_SET_ACTIVE:
    case AGG_ACTION_LIST_USERS:
    case AGG_ACTION_IMPORT:
    case AGG_ACTION_GET_SETTINGS:
    case AGG_ACTION_SET_SETTING:
    case AGG_ACTION_LIST_EXCEPTIONS:
    case AGG_ACTION_EVENT_RESEND:
    case AGG_ACTION_EVENT_HANDLED:
    case AGG_ACTION_SCAN_LAYER:
    case AGG_N_ACTIONS:
    default:
      return agg_result_new (AGG_OUTCOME_BAD_REQUEST, _("Not a correction"));
    }
}
