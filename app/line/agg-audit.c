/* agg-audit.c: time stamps, settings and the hash-chained audit trail
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Each audit row's hash is the lowercase hex SHA-256 of its fields in
 * this order: id, at, utc_offset, user_id, username, action, object,
 * old_value, new_value, reason, signer, signer_name, meaning, prev_hash.
 * A field is written as its length in bytes in decimal, a colon and its
 * bytes ("5:admin"); SQL NULL is a lone "-", which no length starts with.
 * Integers are their decimal text.  The length prefixes make the
 * encoding injective: no two different rows hash the same input.  The
 * first row's prev_hash is 64 zeros.
 */

#include "config.h"

#include <inttypes.h>
#include <glib/gi18n-lib.h>
#include <string.h>

#include "agg-line-private.h"

#define GENESIS_HASH "0000000000000000000000000000000000000000000000000000000000000000"

/* The hashed fields of a row, in hash order, with their lengths; a NULL
 * value is SQL NULL. */
enum
{
  FIELD_ID,
  FIELD_AT,
  FIELD_UTC_OFFSET,
  FIELD_USER_ID,
  FIELD_USERNAME,
  FIELD_ACTION,
  FIELD_OBJECT,
  FIELD_OLD_VALUE,
  FIELD_NEW_VALUE,
  FIELD_REASON,
  FIELD_SIGNER,
  FIELD_SIGNER_NAME,
  FIELD_MEANING,
  FIELD_PREV_HASH,
  N_FIELDS
};

typedef struct
{
  const char *value[N_FIELDS];
  gsize       len[N_FIELDS];
} AuditFields;

char *
agg_now_utc (void)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  g_autofree char *seconds = g_date_time_format (now, "%Y-%m-%dT%H:%M:%S");

  return g_strdup_printf ("%s.%03dZ", seconds, g_date_time_get_microsecond (now) / 1000);
}

/* "+HH:MM" or "-HH:MM", as ISO 8601 and EPCIS write an offset. */
static gboolean
is_utc_offset (const char *text)
{
  if (text == NULL || strlen (text) != 6)
    return FALSE;
  if ((text[0] != '+' && text[0] != '-') || text[3] != ':')
    return FALSE;
  for (guint i = 1; i < 6; i++)
    if (i != 3 && !g_ascii_isdigit (text[i]))
      return FALSE;

  return (text[1] - '0') * 10 + (text[2] - '0') <= 14 && text[4] <= '5';
}

char *
agg_utc_offset (AggStore *store)
{
  g_autofree char *setting = NULL;
  g_autoptr(GDateTime) now = NULL;

  g_return_val_if_fail (AGG_IS_STORE (store), NULL);

  /* A station may run on a clock whose zone is not the site's; the
   * setting wins.  Should it be unreadable, the local zone is still a
   * truthful answer. */
  setting = agg_settings_get (store, "utc_offset", NULL);
  if (is_utc_offset (setting))
    return g_steal_pointer (&setting);

  now = g_date_time_new_now_local ();
  return g_date_time_format (now, "%:z");
}

/* Settings */

char *
agg_settings_get (AggStore    *store,
                  const char  *key,
                  GError     **error)
{
  sqlite3_stmt *stmt;

  g_return_val_if_fail (AGG_IS_STORE (store), NULL);
  g_return_val_if_fail (key != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  stmt = agg_store_prepare (store, "SELECT value FROM settings WHERE key = ?", error);
  if (stmt == NULL)
    return NULL;

  sqlite3_bind_text (stmt, 1, key, -1, SQLITE_STATIC);
  return agg_store_step_text (store, stmt, error);
}

gint64
agg_settings_get_int (AggStore   *store,
                      const char *key,
                      gint64      fallback)
{
  g_autofree char *text = NULL;
  gint64 value;

  g_return_val_if_fail (AGG_IS_STORE (store), fallback);
  g_return_val_if_fail (key != NULL, fallback);

  text = agg_settings_get (store, key, NULL);
  if (text == NULL ||
      !g_ascii_string_to_signed (text, 10, G_MININT64, G_MAXINT64, &value, NULL))
    return fallback;

  return value;
}

gboolean
agg_settings_set (AggStore        *store,
                  const AggActor  *actor,
                  const char      *key,
                  const char      *value,
                  GError         **error)
{
  g_autofree char *old_value = NULL;
  GError *local_error = NULL;
  sqlite3_stmt *stmt;

  g_return_val_if_fail (AGG_IS_STORE (store), FALSE);
  g_return_val_if_fail (key != NULL && *key != '\0', FALSE);
  g_return_val_if_fail (value != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  /* Every time stamp of the audit trail and of EPCIS carries this offset:
   * a malformed one must never get in. */
  if (strcmp (key, "utc_offset") == 0 && !is_utc_offset (value))
    {
      g_set_error (error, AGG_LINE_ERROR, AGG_LINE_ERROR_INVALID,
                   _("“%s” is not an offset from UTC like +01:00 or -05:30"), value);
      return FALSE;
    }

  old_value = agg_settings_get (store, key, &local_error);
  if (agg_propagate_local_error (error, &local_error))
    return FALSE;

  /* Setting the same value again changes nothing, so nothing is audited. */
  if (g_strcmp0 (old_value, value) == 0)
    return TRUE;

  stmt = agg_store_prepare (store,
                            "INSERT INTO settings (key, value) VALUES (?, ?)"
                            " ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                            error);
  if (stmt == NULL)
    return FALSE;

  sqlite3_bind_text (stmt, 1, key, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 2, value, -1, SQLITE_STATIC);
  if (!agg_store_step (store, stmt, error))
    return FALSE;

  return agg_audit_append (store, actor, "setting.change", key, old_value, value,
                           NULL, NULL, NULL, error);
}

/* The hash chain */

static void
hash_fields (GChecksum         *checksum,
             const AuditFields *fields,
             char               out[65])
{
  g_checksum_reset (checksum);

  for (guint i = 0; i < N_FIELDS; i++)
    {
      char prefix[24];
      int n;

      if (fields->value[i] == NULL)
        {
          g_checksum_update (checksum, (const guchar *) "-", 1);
          continue;
        }

      n = g_snprintf (prefix, sizeof prefix, "%" G_GSIZE_FORMAT ":", fields->len[i]);
      g_checksum_update (checksum, (const guchar *) prefix, n);
      g_checksum_update (checksum, (const guchar *) fields->value[i], fields->len[i]);
    }

  memcpy (out, g_checksum_get_string (checksum), 65);
}

static void
set_field (AuditFields *fields,
           guint        field,
           const char  *value)
{
  fields->value[field] = value;
  fields->len[field] = value != NULL ? strlen (value) : 0;
}

gboolean
agg_audit_append (AggStore            *store,
                  const AggActor      *actor,
                  const char          *action,
                  const char          *object,
                  const char          *old_value,
                  const char          *new_value,
                  const char          *reason,
                  const AggSignature  *signature,
                  gint64              *out_id,
                  GError             **error)
{
  g_autoptr(GChecksum) checksum = NULL;
  g_autofree char *at = NULL;
  g_autofree char *utc_offset = NULL;
  AuditFields fields = { { NULL } };
  char prev_hash[65] = GENESIS_HASH;
  char hash[65];
  char id_text[24];
  char user_id_text[24];
  sqlite3_stmt *stmt;
  gint64 id = 1;
  gboolean has_user;
  gboolean found;
  gboolean ok;

  g_return_val_if_fail (AGG_IS_STORE (store), FALSE);
  g_return_val_if_fail (action != NULL && *action != '\0', FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  stmt = agg_store_prepare (store, "SELECT id, hash FROM audit ORDER BY id DESC LIMIT 1", error);
  if (stmt == NULL)
    return FALSE;

  ok = agg_store_step_row (store, stmt, &found, error);
  if (ok && found)
    {
      const char *last_hash = (const char *) sqlite3_column_text (stmt, 1);

      id = sqlite3_column_int64 (stmt, 0) + 1;
      g_strlcpy (prev_hash, last_hash != NULL ? last_hash : "", sizeof prev_hash);
    }
  sqlite3_reset (stmt);
  if (!ok)
    return FALSE;

  at = agg_now_utc ();
  utc_offset = agg_utc_offset (store);
  /* User 0 is the station itself, which is no row of the users table. */
  has_user = actor != NULL && actor->user_id > 0;

  g_snprintf (id_text, sizeof id_text, "%" PRId64, id);
  if (has_user)
    g_snprintf (user_id_text, sizeof user_id_text, "%" PRId64, actor->user_id);

  set_field (&fields, FIELD_ID, id_text);
  set_field (&fields, FIELD_AT, at);
  set_field (&fields, FIELD_UTC_OFFSET, utc_offset);
  set_field (&fields, FIELD_USER_ID, has_user ? user_id_text : NULL);
  set_field (&fields, FIELD_USERNAME, actor != NULL ? actor->username : NULL);
  set_field (&fields, FIELD_ACTION, action);
  set_field (&fields, FIELD_OBJECT, object);
  set_field (&fields, FIELD_OLD_VALUE, old_value);
  set_field (&fields, FIELD_NEW_VALUE, new_value);
  set_field (&fields, FIELD_REASON, reason);
  set_field (&fields, FIELD_SIGNER, signature != NULL ? signature->username : NULL);
  set_field (&fields, FIELD_SIGNER_NAME, signature != NULL ? signature->full_name : NULL);
  set_field (&fields, FIELD_MEANING, signature != NULL ? signature->meaning : NULL);
  set_field (&fields, FIELD_PREV_HASH, prev_hash);

  checksum = g_checksum_new (G_CHECKSUM_SHA256);
  hash_fields (checksum, &fields, hash);

  stmt = agg_store_prepare (store,
                            "INSERT INTO audit (id, at, utc_offset, user_id, username, action,"
                            " object, old_value, new_value, reason, signer, signer_name,"
                            " meaning, prev_hash, hash)"
                            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                            error);
  if (stmt == NULL)
    return FALSE;

  /* The columns are bound from the very bytes that were hashed. */
  sqlite3_bind_int64 (stmt, 1, id);
  if (has_user)
    sqlite3_bind_int64 (stmt, 4, actor->user_id);
  else
    sqlite3_bind_null (stmt, 4);
  for (guint i = FIELD_AT; i < N_FIELDS; i++)
    if (i != FIELD_USER_ID)
      sqlite3_bind_text (stmt, i + 1, fields.value[i], fields.len[i], SQLITE_STATIC);
  sqlite3_bind_text (stmt, N_FIELDS + 1, hash, 64, SQLITE_STATIC);
  if (!agg_store_step (store, stmt, error))
    return FALSE;

  if (out_id != NULL)
    *out_id = id;
  return TRUE;
}

/* Points @fields at column @column of the current row of @stmt. */
static void
read_field (AuditFields  *fields,
            guint         field,
            sqlite3_stmt *stmt,
            int           column)
{
  if (sqlite3_column_type (stmt, column) == SQLITE_NULL)
    {
      fields->value[field] = NULL;
      fields->len[field] = 0;
      return;
    }

  fields->value[field] = (const char *) sqlite3_column_text (stmt, column);
  fields->len[field] = sqlite3_column_bytes (stmt, column);
}

gboolean
agg_audit_verify (AggStore  *store,
                  gint64    *bad_id,
                  char     **problem,
                  guint64   *n_rows,
                  GError   **error)
{
  g_autoptr(GChecksum) checksum = NULL;
  g_autofree char *found = NULL;
  char prev_hash[65] = GENESIS_HASH;
  sqlite3_stmt *stmt;
  gint64 expected_id = 1;
  gint64 first_bad = 0;
  guint64 n = 0;
  int rc;

  g_return_val_if_fail (AGG_IS_STORE (store), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  stmt = agg_store_prepare (store,
                            "SELECT id, at, utc_offset, user_id, username, action, object,"
                            " old_value, new_value, reason, signer, signer_name, meaning,"
                            " prev_hash, hash"
                            " FROM audit ORDER BY id",
                            error);
  if (stmt == NULL)
    return FALSE;

  checksum = g_checksum_new (G_CHECKSUM_SHA256);

  /* One row at a time, keeping only the previous row's hash: the trail
   * may hold millions of rows. */
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      AuditFields fields;
      const char *stored_hash;
      char hash[65];
      char id_text[24];
      char prev_id_text[24];
      gint64 id = sqlite3_column_int64 (stmt, 0);

      n++;
      g_snprintf (id_text, sizeof id_text, "%" PRId64, id);
      g_snprintf (prev_id_text, sizeof prev_id_text, "%" PRId64, id - 1);

      if (id != expected_id)
        {
          first_bad = id;
          found = id > expected_id
                  ? g_strdup_printf (_("row %s follows a removed row"), id_text)
                  : g_strdup_printf (_("row %s was inserted before the first row"), id_text);
          break;
        }

      read_field (&fields, FIELD_ID, stmt, 0);
      for (guint i = FIELD_AT; i < N_FIELDS; i++)
        read_field (&fields, i, stmt, i);
      stored_hash = (const char *) sqlite3_column_text (stmt, N_FIELDS);

      if (fields.value[FIELD_PREV_HASH] == NULL ||
          strcmp (fields.value[FIELD_PREV_HASH], prev_hash) != 0)
        {
          first_bad = id;
          found = id == 1
                  ? g_strdup_printf (_("row %s does not start the trail: inserted or reordered"),
                                     id_text)
                  : g_strdup_printf (_("row %s does not follow row %s: inserted or reordered"),
                                     id_text, prev_id_text);
          break;
        }

      hash_fields (checksum, &fields, hash);
      if (stored_hash == NULL || strcmp (stored_hash, hash) != 0)
        {
          first_bad = id;
          found = g_strdup_printf (_("row %s was altered"), id_text);
          break;
        }

      memcpy (prev_hash, hash, sizeof prev_hash);
      expected_id = id + 1;
    }

  if (rc != SQLITE_ROW && rc != SQLITE_DONE)
    agg_store_set_error (store, error, rc);
  sqlite3_reset (stmt);
  if (rc != SQLITE_ROW && rc != SQLITE_DONE)
    return FALSE;

  if (bad_id != NULL)
    *bad_id = first_bad;
  if (problem != NULL)
    *problem = g_steal_pointer (&found);
  if (n_rows != NULL)
    *n_rows = n;
  return TRUE;
}
