/* agg-test-utils.c: what the unit tests share — scratch databases, jobs, raw reads
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include <glib/gstdio.h>
#include <string.h>

#include "agg-line-private.h"
#include "agg-test-utils.h"

/* Files and the store */

char *
agg_test_make_tmpdir (const char *name)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *template = g_strconcat (name, "-XXXXXX", NULL);
  char *dir = g_dir_make_tmp (template, &error);

  g_assert_no_error (error);
  g_assert_nonnull (dir);
  return dir;
}

void
agg_test_remove_tree (const char *path)
{
  if (g_file_test (path, G_FILE_TEST_IS_DIR) && !g_file_test (path, G_FILE_TEST_IS_SYMLINK))
    {
      g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
      const char *name;

      g_assert_nonnull (dir);
      while ((name = g_dir_read_name (dir)) != NULL)
        {
          g_autofree char *child = g_build_filename (path, name, NULL);

          agg_test_remove_tree (child);
        }
      g_assert_cmpint (g_rmdir (path), ==, 0);
    }
  else
    {
      g_assert_cmpint (g_unlink (path), ==, 0);
    }
}

AggStore *
agg_test_open_store (const char *path)
{
  g_autoptr(GError) error = NULL;
  AggStore *store = agg_store_open (path, &error);

  g_assert_no_error (error);
  g_assert_true (AGG_IS_STORE (store));
  return store;
}

gpointer
agg_test_run_job (AggStore     *store,
                  AggStoreMode  mode,
                  AggStoreFunc  func,
                  gpointer      user_data)
{
  g_autoptr(GError) error = NULL;
  gpointer result = agg_store_run_sync (store, mode, func, user_data, &error);

  g_assert_no_error (error);
  return result;
}

gpointer
agg_test_exec_job (AggStore  *store,
                   sqlite3   *db,
                   gpointer   sql,
                   GError   **error)
{
  return agg_store_exec (store, sql, error) ? GINT_TO_POINTER (TRUE) : NULL;
}

void
agg_test_exec (AggStore   *store,
               const char *sql)
{
  g_assert_true (agg_test_run_job (store, AGG_STORE_WRITE, agg_test_exec_job, (gpointer) sql));
}

static gpointer
load_demo_job (AggStore  *store,
               sqlite3   *db,
               gpointer   user_data,
               GError   **error)
{
  return agg_import_demo (store, error) ? GINT_TO_POINTER (TRUE) : NULL;
}

void
agg_test_load_demo (AggStore *store)
{
  g_assert_true (agg_test_run_job (store, AGG_STORE_WRITE, load_demo_job, NULL));
}

/* Imports and settings made by the station itself, as the demo does. */
static const AggActor station_actor = { 0, NULL, AGG_ROLE_ADMIN };

static gpointer
import_job (AggStore  *store,
            sqlite3   *db,
            gpointer   user_data,
            GError   **error)
{
  const char *contents = user_data;

  if (!agg_import_master_data (store, &station_actor, contents, strlen (contents), NULL, error))
    return NULL;
  return GINT_TO_POINTER (TRUE);
}

void
agg_test_import (AggStore   *store,
                 const char *json)
{
  g_assert_true (agg_test_run_job (store, AGG_STORE_WRITE, import_job, (gpointer) json));
}

typedef struct
{
  const char *key;
  const char *value;
} Setting;

static gpointer
setting_job (AggStore  *store,
             sqlite3   *db,
             gpointer   user_data,
             GError   **error)
{
  const Setting *setting = user_data;

  if (!agg_settings_set (store, &station_actor, setting->key, setting->value, error))
    return NULL;
  return GINT_TO_POINTER (TRUE);
}

void
agg_test_set_setting (AggStore   *store,
                      const char *key,
                      const char *value)
{
  Setting setting = { key, value };

  g_assert_true (agg_test_run_job (store, AGG_STORE_WRITE, setting_job, &setting));
}

void
agg_test_log_in (AggLine    *line,
                 const char *user,
                 const char *pin)
{
  g_autoptr(AggRequest) request = agg_request_new (AGG_ACTION_LOGIN);
  g_autoptr(AggResult) result = NULL;

  request->user = g_strdup (user);
  request->pin = g_strdup (pin);
  result = agg_line_execute_sync (line, request);
  g_assert_nonnull (result);
  g_assert_cmpstr (agg_outcome_to_string (result->outcome), ==, "ACCEPTED");
}

/* The audit trail */

typedef struct
{
  gint64   *bad_id;
  char    **problem;
  guint64  *n_rows;
} VerifyJob;

static gpointer
verify_job (AggStore  *store,
            sqlite3   *db,
            gpointer   user_data,
            GError   **error)
{
  VerifyJob *job = user_data;

  if (!agg_audit_verify (store, job->bad_id, job->problem, job->n_rows, error))
    return NULL;
  return GINT_TO_POINTER (TRUE);
}

void
agg_test_audit_verify (AggStore  *store,
                       gint64    *bad_id,
                       char     **problem,
                       guint64   *n_rows)
{
  VerifyJob job = { bad_id, problem, n_rows };

  *bad_id = -1;
  *n_rows = G_MAXUINT64;
  g_clear_pointer (problem, g_free);
  g_assert_true (agg_test_run_job (store, AGG_STORE_READ, verify_job, &job));
}

guint64
agg_test_assert_audit_intact (AggStore *store)
{
  g_autofree char *problem = NULL;
  gint64 bad_id;
  guint64 n_rows;

  agg_test_audit_verify (store, &bad_id, &problem, &n_rows);
  if (bad_id != 0)
    g_printerr ("audit row %" G_GINT64_FORMAT ": %s\n", bad_id, problem);
  g_assert_cmpint (bad_id, ==, 0);
  g_assert_null (problem);
  g_assert_cmpuint (n_rows, !=, G_MAXUINT64);
  return n_rows;
}

/* A scratch station */

void
agg_test_station_set_up (AggTestStation *station,
                         gconstpointer   data)
{
  const char *program = g_get_prgname ();
  g_autofree char *name = g_path_get_basename (program != NULL ? program : "agg-test");

  station->dir = agg_test_make_tmpdir (name);
  station->path = g_build_filename (station->dir, "station.db", NULL);
  station->store = agg_test_open_store (station->path);
  station->db = agg_test_db_open (station->path, SQLITE_OPEN_READONLY);
  sqlite3_busy_timeout (station->db, 5000);
}

void
agg_test_station_tear_down (AggTestStation *station,
                            gconstpointer   data)
{
  agg_test_db_close (station->db);
  station->db = NULL;
  if (station->store != NULL)
    agg_store_close (station->store);
  g_clear_object (&station->store);
  agg_test_remove_tree (station->dir);
  g_clear_pointer (&station->path, g_free);
  g_clear_pointer (&station->dir, g_free);
}

/* Raw connections */

sqlite3 *
agg_test_db_open (const char *path,
                  int         flags)
{
  sqlite3 *db = NULL;

  if (sqlite3_open_v2 (path, &db, flags, NULL) != SQLITE_OK)
    g_error ("%s: %s", path, sqlite3_errmsg (db));
  return db;
}

void
agg_test_db_close (sqlite3 *db)
{
  g_assert_cmpint (sqlite3_close (db), ==, SQLITE_OK);
}

static sqlite3_stmt *
db_prepare_valist (sqlite3    *db,
                   const char *sql,
                   va_list     args)
{
  sqlite3_stmt *stmt = NULL;
  const char *param;
  int i = 1;

  if (sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL) != SQLITE_OK)
    g_error ("%s: %s", sql, sqlite3_errmsg (db));
  while ((param = va_arg (args, const char *)) != NULL)
    sqlite3_bind_text (stmt, i++, param, -1, SQLITE_TRANSIENT);
  return stmt;
}

sqlite3_stmt *
agg_test_db_prepare (sqlite3    *db,
                     const char *sql,
                     ...)
{
  sqlite3_stmt *stmt;
  va_list args;

  va_start (args, sql);
  stmt = db_prepare_valist (db, sql, args);
  va_end (args);
  return stmt;
}

gint64
agg_test_db_int (sqlite3    *db,
                 const char *sql,
                 ...)
{
  sqlite3_stmt *stmt;
  va_list args;
  gint64 value;
  int rc;

  va_start (args, sql);
  stmt = db_prepare_valist (db, sql, args);
  va_end (args);
  rc = sqlite3_step (stmt);
  if (rc != SQLITE_ROW)
    g_error ("%s: no row (%s)", sql, sqlite3_errmsg (db));
  value = sqlite3_column_int64 (stmt, 0);
  sqlite3_finalize (stmt);
  return value;
}

char *
agg_test_db_text (sqlite3    *db,
                  const char *sql,
                  ...)
{
  sqlite3_stmt *stmt;
  va_list args;
  char *value = NULL;
  int rc;

  va_start (args, sql);
  stmt = db_prepare_valist (db, sql, args);
  va_end (args);
  rc = sqlite3_step (stmt);
  if (rc != SQLITE_ROW && rc != SQLITE_DONE)
    g_error ("%s: %s", sql, sqlite3_errmsg (db));
  if (rc == SQLITE_ROW)
    value = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
  sqlite3_finalize (stmt);
  return value;
}

GPtrArray *
agg_test_db_texts (sqlite3    *db,
                   const char *sql)
{
  GPtrArray *texts = g_ptr_array_new_with_free_func (g_free);
  sqlite3_stmt *stmt = NULL;
  int rc;

  if (sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL) != SQLITE_OK)
    g_error ("%s: %s", sql, sqlite3_errmsg (db));
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    for (int i = 0; i < sqlite3_column_count (stmt); i++)
      if (sqlite3_column_type (stmt, i) == SQLITE_TEXT)
        g_ptr_array_add (texts, g_strdup ((const char *) sqlite3_column_text (stmt, i)));
  if (rc != SQLITE_DONE)
    g_error ("%s: %s", sql, sqlite3_errmsg (db));
  sqlite3_finalize (stmt);
  return texts;
}
