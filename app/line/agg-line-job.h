/* agg-line-job.h: one request on its way through the store thread
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "agg-gs1.h"
#include "agg-line-private.h"

G_BEGIN_DECLS

/* What a handler sees: the request, a snapshot of the session taken when
 * it was queued, and what it decides for the session afterwards. */
typedef struct
{
  AggStore   *store;
  AggRequest *request;

  gboolean    logged_in;
  AggActor    actor;
  char       *username;               /* owns actor.username */
  gboolean    pallet_mode;

  /* Session changes, applied once the transaction has committed. */
  gboolean    session_changed;
  gboolean    new_logged_in;
  AggUser    *new_user;
  gboolean    new_pallet_mode;
  guint       new_idle_timeout;       /* 0: unchanged */

  /* Set by a handler that refuses after it already wrote: the wrapper
   * then rolls the transaction back and still answers with the result. */
  gboolean    rollback;
} AggJob;

typedef AggResult *(*AggHandler) (AggJob  *job,
                                  GError **error);

/* The order being packed, read from the database. */
typedef struct
{
  char    *id;
  char    *gtin;
  char    *lot;
  char    *expiry;
  char    *status;
  gint64   planned;
  char    *description;
  gint64   units_per_case;
  gint64   cases_per_pallet;
  gboolean allow_mixed_lots;
  gboolean require_future_expiry;
  gboolean require_serial_list;
  gboolean scan_case_code;
  gint64   layer_rows;                /* the camera's layer layout; 0: none */
  gint64   layer_cols;
} AggOrder;

void      agg_order_free          (AggOrder    *order);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (AggOrder, agg_order_free)

AggOrder *agg_order_load          (AggStore    *store,
                                   const char  *id,
                                   GError     **error);
AggOrder *agg_order_load_running  (AggStore    *store,
                                   GError     **error);

/* A case or pallet row. */
typedef struct
{
  gint64   id;
  char     sscc[19];
  gboolean is_pallet;
  char    *order_id;
  char    *status;
  gint64   parent_id;                 /* 0: none */
  gboolean announced;
  gint64   n_children;
  char    *label_status;              /* none, pending, printed, verified, failed */
} AggContainer;

void          agg_container_free      (AggContainer *container);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (AggContainer, agg_container_free)

AggContainer *agg_container_load      (AggStore     *store,
                                       gint64        id,
                                       GError      **error);
AggContainer *agg_container_load_sscc (AggStore     *store,
                                       const char   *sscc,
                                       GError      **error);
AggContainer *agg_container_load_open (AggStore     *store,
                                       const char   *order_id,
                                       gboolean      pallet,
                                       GError      **error);
/* Puts case @case_id on pallet @pallet_id; the caller audits it. */
gboolean      agg_container_set_parent (AggStore    *store,
                                        gint64       case_id,
                                        gint64       pallet_id,
                                        GError     **error);
/* Appends the ids of the cases on pallet @pallet_id to @ids, in order. */
gboolean      agg_container_child_ids (AggStore     *store,
                                       gint64        pallet_id,
                                       GArray       *ids,
                                       GError      **error);

/* A unit row. */
typedef struct
{
  gint64   id;
  char    *gtin;
  char    *serial;
  char    *lot;
  char    *expiry;
  char    *order_id;
  char    *status;
  gint64   parent_id;
  gboolean announced;
} AggUnit;

void      agg_unit_free     (AggUnit     *unit);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (AggUnit, agg_unit_free)

AggUnit  *agg_unit_load     (AggStore    *store,
                             const char  *gtin,
                             const char  *serial,
                             GError     **error);

/* Identifiers as the outbox writes them: GS1 Digital Link URIs. */
char     *agg_unit_uri      (const char  *gtin,
                             const char  *serial);
char     *agg_sscc_uri      (const char  *sscc);
/* "(01)…(21)…", for people and the audit trail. */
char     *agg_unit_key      (const char  *gtin,
                             const char  *serial);
/* Appends to @epcs the URI of what each row of @stmt names: an SSCC in
 * its first column when @ssccs, else a GTIN and a serial number. */
gboolean  agg_collect_uris  (AggStore     *store,
                             sqlite3_stmt *stmt,
                             gboolean      ssccs,
                             GPtrArray    *epcs,
                             GError      **error);

/* Writes one EPCIS-ready event into the outbox.  @epcs holds identifiers
 * (URIs); @parent is an SSCC URI for AggregationEvents. */
gboolean  agg_events_add    (AggStore    *store,
                             const char  *type,
                             const char  *action,
                             const char  *biz_step,
                             const char  *disposition,
                             const char  *parent,
                             GPtrArray   *epcs,
                             const char  *order_id,
                             gint64       audit_id,
                             GError     **error);

/* Scanned or typed codes of units and containers.  What a code names. */
typedef enum
{
  AGG_CODE_NONE,
  AGG_CODE_UNIT,
  AGG_CODE_CONTAINER,
} AggCodeKind;

typedef struct
{
  AggCodeKind kind;
  char        gtin[15];
  char        serial[21];
  char        sscc[19];
} AggCode;

/* Accepts any GS1 form, a bare 18-digit SSCC, or a Digital Link. */
gboolean  agg_code_parse    (const char  *text,
                             gsize        len,
                             AggCode     *code,
                             GError     **error);

/* Shared steps of scans and corrections. */
char     *agg_sscc_allocate          (AggStore      *store,
                                      gboolean      *exhausted,
                                      gboolean      *low,
                                      GError       **error);
AggContainer *agg_container_create   (AggStore      *store,
                                      AggJob        *job,
                                      const AggOrder *order,
                                      gboolean       pallet,
                                      const char    *sscc,
                                      GError       **error);
gboolean  agg_container_close        (AggStore      *store,
                                      AggJob        *job,
                                      AggContainer  *container,
                                      const char    *reason,
                                      const AggSignature *signature,
                                      GError       **error);
/* Takes children out of @container, writing the DELETE event for those
 * whose ADD was announced.  @unit_id / @case_id restrict it to one child;
 * 0 takes them all. */
gboolean  agg_container_disaggregate (AggStore      *store,
                                      AggContainer  *container,
                                      gint64         only_child_id,
                                      const char    *new_unit_status,
                                      gint64         audit_id,
                                      GError       **error);

/* The rules a unit must pass to go into a case of @order.  NULL when it
 * may; else the refusal. */
AggResult *agg_unit_check_rules      (AggStore       *store,
                                      const AggOrder *order,
                                      const AggGs1Data *gs1,
                                      const AggContainer *target,
                                      AggUnit       **existing,
                                      GError        **error);

/* Puts a unit that passed the rules into @target (not announced yet). */
gboolean   agg_unit_put_in_case      (AggJob         *job,
                                      const AggOrder *order,
                                      const AggGs1Data *gs1,
                                      AggUnit        *existing,
                                      AggContainer   *target,
                                      GError        **error);

/* A scanned code parsed into @gs1: NULL when it is GS1 data, else the
 * refusal (NOT_GS1 or INVALID_GS1, with "ai" and "offset" when known). */
AggResult *agg_scan_parse            (const char     *data,
                                      gsize           len,
                                      AggGs1Data     *gs1);

/* Opens a new case for @order: NULL with *@refusal set when it may not
 * (its cases come with pre-printed labels, no SSCC is left), or with
 * @error when the store failed. */
AggContainer *agg_job_new_case       (AggJob         *job,
                                      const AggOrder *order,
                                      gboolean       *sscc_low,
                                      AggResult     **refusal,
                                      GError        **error);

/* Closes @open_case when it is full and the station closes full cases
 * by itself (setting "auto_close"); *@closed tells whether it did. */
gboolean   agg_job_close_if_full     (AggJob         *job,
                                      const AggOrder *order,
                                      AggContainer   *open_case,
                                      gboolean       *closed,
                                      GError        **error);

/* Checks the electronic signature a request carries for @meaning: NULL
 * when it is valid and the signer may do it, else the refusal (which may
 * be SIGNATURE_REQUIRED, with the meaning to show). */
AggResult *agg_job_check_signature   (AggJob         *job,
                                      AggRole         min_role,
                                      const char     *meaning,
                                      AggSignature   *signature,
                                      AggUser       **signer,
                                      GError        **error);

/* Records a refused scan for reconciliation by reason. */
gboolean   agg_job_log_reject        (AggJob         *job,
                                      const char     *order_id,
                                      AggOutcome      outcome,
                                      const char     *gtin,
                                      const char     *serial,
                                      GError        **error);
/* The same for @scanned, one code among those a request carries. */
gboolean   agg_job_log_reject_data   (AggJob         *job,
                                      const char     *order_id,
                                      AggOutcome      outcome,
                                      const char     *gtin,
                                      const char     *serial,
                                      const char     *scanned,
                                      GError        **error);

AggResult *agg_line_handle_correction (AggJob  *job,
                                       GError **error);
AggResult *agg_line_handle_show       (AggJob  *job,
                                       GError **error);
AggResult *agg_line_handle_status     (AggJob  *job,
                                       GError **error);
AggResult *agg_line_handle_list_orders (AggJob  *job,
                                        GError **error);
/* The exceptions of the upstream sync, and their resolution. */
AggResult *agg_line_handle_sync       (AggJob  *job,
                                       GError **error);
/* A camera's layer read (agg-line-layer.c). */
AggResult *agg_line_handle_scan_layer (AggJob  *job,
                                       GError **error);
/* Users, master data and settings. */
AggResult *agg_line_handle_admin      (AggJob  *job,
                                       GError **error);

JsonObject *agg_container_to_json     (AggStore      *store,
                                       const AggContainer *container);

G_END_DECLS
