/* agg-line-private.h: building blocks of the line engine
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Everything here runs on the store thread, inside the transaction of the
 * job that calls it (see AggStoreFunc): it either all commits or none of
 * it does.  GError is for the store failing; business refusals are
 * outcomes.
 */

#pragma once

#include "agg-line.h"

G_BEGIN_DECLS

/* Who does something.  user_id 0 is the station itself (imports, demo). */
typedef struct
{
  gint64      user_id;
  const char *username;
  AggRole     role;
} AggActor;

/* A verified electronic signature, recorded in the audit row it signs. */
typedef struct
{
  const char *username;
  const char *full_name;
  const char *meaning;
} AggSignature;

typedef struct
{
  gint64   id;
  char    *username;
  char    *full_name;
  AggRole  role;
  char    *badge;
  gboolean active;
  gboolean locked;
  guint    failed_attempts;
} AggUser;

void agg_user_free (AggUser *user);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (AggUser, agg_user_free)

typedef enum
{
  AGG_AUTH_OK,
  AGG_AUTH_BAD_CREDENTIALS,           /* unknown user or wrong PIN */
  AGG_AUTH_LOCKED,                    /* too many failures; an admin resets the PIN */
  AGG_AUTH_INACTIVE,
} AggAuthResult;

/* Moves *@local_error, when set, into @error and returns TRUE.  Lookups
 * return NULL both when there is nothing and when the store fails: a
 * local error tells the two apart. */
gboolean       agg_propagate_local_error   (GError         **error,
                                            GError         **local_error);

/* Time stamps: UTC with milliseconds ("2026-11-24T17:30:00.123Z"), and the
 * station's offset from UTC at that moment ("+01:00"), from the setting
 * "utc_offset" when present, else the local time zone. */
char          *agg_now_utc                 (void);
char          *agg_utc_offset              (AggStore        *store);

/* Settings: a plain key-value table.  Changes are audited with old and new
 * values. */
char          *agg_settings_get            (AggStore        *store,
                                            const char      *key,
                                            GError         **error);
gint64         agg_settings_get_int        (AggStore        *store,
                                            const char      *key,
                                            gint64           fallback);
gboolean       agg_settings_set            (AggStore        *store,
                                            const AggActor  *actor,
                                            const char      *key,
                                            const char      *value,
                                            GError         **error);

/* The audit trail.  Each row's hash covers its fields and the hash of the
 * row before, so altering, removing or inserting a row breaks the chain. */
gboolean       agg_audit_append            (AggStore            *store,
                                            const AggActor      *actor,
                                            const char          *action,
                                            const char          *object,
                                            const char          *old_value,
                                            const char          *new_value,
                                            const char          *reason,
                                            const AggSignature  *signature,
                                            gint64              *out_id,
                                            GError             **error);
/* TRUE with *bad_id = 0 when the chain holds; TRUE with the first bad
 * row's id and a translated @problem when it does not; FALSE on a store
 * error. */
gboolean       agg_audit_verify            (AggStore            *store,
                                            gint64              *bad_id,
                                            char               **problem,
                                            guint64             *n_rows,
                                            GError             **error);

/* Users.  PINs are hashed with argon2id; failures count towards a lockout
 * after "lockout_attempts" (default 5), which is audited. */
AggUser       *agg_user_lookup             (AggStore        *store,
                                            const char      *username,
                                            GError         **error);
AggUser       *agg_user_lookup_badge       (AggStore        *store,
                                            const char      *badge,
                                            GError         **error);
AggAuthResult  agg_user_authenticate       (AggStore        *store,
                                            const char      *username,
                                            const char      *pin,
                                            AggUser        **out_user,
                                            GError         **error);
gboolean       agg_user_add                (AggStore        *store,
                                            const AggActor  *actor,
                                            const char      *username,
                                            const char      *full_name,
                                            AggRole          role,
                                            const char      *pin,
                                            const char      *badge,
                                            GError         **error);
gboolean       agg_user_set_pin            (AggStore        *store,
                                            const AggActor  *actor,
                                            const char      *username,
                                            const char      *pin,
                                            GError         **error);
gboolean       agg_user_set_active         (AggStore        *store,
                                            const AggActor  *actor,
                                            const char      *username,
                                            gboolean         active,
                                            GError         **error);
/* A list of AggUser, by username. */
GPtrArray     *agg_user_list               (AggStore        *store,
                                            GError         **error);

/* Every row @stmt gives, as an object of its columns by name: NULL as
 * null, integers as numbers and anything else as text, except that
 * @json_column (if not NULL) holds JSON, which is kept as such.  NULL on
 * a store error. */
JsonArray     *agg_rows_to_json            (AggStore        *store,
                                            sqlite3_stmt    *stmt,
                                            const char      *json_column,
                                            GError         **error);

/* Master data import: one documented JSON format,
 *   { "products": [ … ], "work_orders": [ … ], "sscc_ranges": [ … ] }
 * with every section optional, or CSV with a header row (products or work
 * orders, told apart by the header).  Audited. */
gboolean       agg_import_master_data      (AggStore        *store,
                                            const AggActor  *actor,
                                            const char      *contents,
                                            gsize            length,
                                            guint           *n_imported,
                                            GError         **error);
/* Camera evidence retention: marks as removed the images of @camera
 * taken before @before (UTC as agg_now_utc () writes it; NULL: any age)
 * and those older than its newest @keep (0: no limit), and returns their
 * paths for the caller to delete. */
GPtrArray     *agg_case_images_expire      (AggStore        *store,
                                            const char      *camera,
                                            const char      *before,
                                            gint64           keep,
                                            GError         **error);
/* The demo line of the README and the GUI's demo mode. */
gboolean       agg_import_demo             (AggStore        *store,
                                            GError         **error);

G_END_DECLS
