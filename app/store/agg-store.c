/* agg-store.c: the station's SQLite database and the thread that owns it
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <inttypes.h>
#include <errno.h>
#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>

#include "agg-store.h"
#include "agg-store-private.h"

/* SQLite waits this long for another process's lock before giving up. */
#define BUSY_TIMEOUT_MS 5000

/* One unit of work for the store thread.  Synchronous jobs live on their
 * caller's stack and wake it through @mutex and @cond; asynchronous ones
 * are the task data of @task. */
typedef struct
{
  gboolean        transaction;
  AggStoreMode    mode;
  AggStoreFunc    func;
  gpointer        func_data;
  GDestroyNotify  func_data_destroy;
  GDestroyNotify  result_destroy;

  GTask          *task;

  GMutex          mutex;
  GCond           cond;
  gboolean        done;

  gpointer        result;
  GError         *error;
} Job;

/* Queued last by agg_store_close(): the thread closes the connection and
 * ends when it gets here. */
static Job stop_job;

struct _AggStore
{
  GObject      parent_instance;

  char        *path;
  GAsyncQueue *queue;
  GThread     *thread;

  /* Guards @closed, so that no job is queued behind the stop job. */
  GMutex       lock;
  gboolean     closed;

  /* Used on the store thread only. */
  sqlite3     *db;
  GHashTable  *statements;
};

G_DEFINE_FINAL_TYPE (AggStore, agg_store, G_TYPE_OBJECT)

G_DEFINE_QUARK (agg-store-error-quark, agg_store_error)

static void
statement_free (gpointer statement)
{
  sqlite3_finalize (statement);
}

static void
job_free (gpointer data)
{
  Job *job = data;

  if (job->func_data_destroy != NULL)
    job->func_data_destroy (job->func_data);
  g_clear_error (&job->error);
  g_free (job);
}

static void
set_sqlite_error (GError    **error,
                  int         rc,
                  const char *detail)
{
  switch (rc & 0xff)
    {
    case SQLITE_FULL:
      g_set_error (error, AGG_STORE_ERROR, AGG_STORE_ERROR_FULL,
                   _("The disk is full: nothing was written (%s)."), detail);
      break;

    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
      g_set_error (error, AGG_STORE_ERROR, AGG_STORE_ERROR_CORRUPT,
                   _("The database is damaged (%s)."), detail);
      break;

    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      g_set_error (error, AGG_STORE_ERROR, AGG_STORE_ERROR_BUSY,
                   _("The database is in use by another program (%s)."), detail);
      break;

    case SQLITE_CONSTRAINT:
      g_set_error (error, AGG_STORE_ERROR, AGG_STORE_ERROR_CONSTRAINT,
                   _("The database refused the change (%s)."), detail);
      break;

    default:
      g_set_error (error, AGG_STORE_ERROR, AGG_STORE_ERROR_FAILED,
                   _("The database failed (%s)."), detail);
      break;
    }
}

/* Steps @sql to its first row and hands the statement to the caller, who
 * reads the row and finalizes it.  For PRAGMAs, which must answer. */
static sqlite3_stmt *
query_row (AggStore    *self,
           const char  *sql,
           GError     **error)
{
  sqlite3_stmt *stmt = NULL;
  int rc;

  rc = sqlite3_prepare_v2 (self->db, sql, -1, &stmt, NULL);
  if (rc == SQLITE_OK)
    rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    return stmt;

  if (rc == SQLITE_DONE)
    g_set_error (error, AGG_STORE_ERROR, AGG_STORE_ERROR_FAILED,
                 _("The database gave no answer to “%s”."), sql);
  else
    agg_store_set_error (self, error, rc);
  sqlite3_finalize (stmt);
  return NULL;
}

static gboolean
query_int (AggStore    *self,
           const char  *sql,
           gint64      *value,
           GError     **error)
{
  sqlite3_stmt *stmt = query_row (self, sql, error);

  if (stmt == NULL)
    return FALSE;
  *value = sqlite3_column_int64 (stmt, 0);
  sqlite3_finalize (stmt);
  return TRUE;
}

static char *
query_text (AggStore    *self,
            const char  *sql,
            GError     **error)
{
  sqlite3_stmt *stmt = query_row (self, sql, error);
  char *text;

  if (stmt == NULL)
    return NULL;
  text = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
  sqlite3_finalize (stmt);
  return text != NULL ? text : g_strdup ("");
}

/* SQLite rolls a transaction back by itself after some errors (a full
 * disk, an I/O error), so there may be nothing left to roll back. */
static void
rollback (AggStore *self)
{
  g_autoptr(GError) error = NULL;

  if (sqlite3_get_autocommit (self->db))
    return;
  if (!agg_store_exec (self, "ROLLBACK", &error))
    g_warning ("Could not roll back a transaction in %s: %s", self->path, error->message);
}

/* A statement left half-stepped keeps a read transaction open after
 * COMMIT, which pins an old snapshot and keeps checkpoints from finishing. */
static void
reset_busy_statements (AggStore *self)
{
  for (sqlite3_stmt *stmt = sqlite3_next_stmt (self->db, NULL);
       stmt != NULL;
       stmt = sqlite3_next_stmt (self->db, stmt))
    {
      if (sqlite3_stmt_busy (stmt))
        sqlite3_reset (stmt);
    }
}

static gboolean
migrate (AggStore  *self,
         GError   **error)
{
  gint64 version;

  if (!query_int (self, "PRAGMA user_version", &version, error))
    return FALSE;

  /* Each step reads the version again inside its write transaction, so two
   * processes opening a new database at once cannot both migrate it. */
  while (version != agg_store_n_migrations)
    {
      g_autofree char *set_version = NULL;

      if (version > agg_store_n_migrations)
        {
          g_set_error (error, AGG_STORE_ERROR, AGG_STORE_ERROR_NEWER_SCHEMA,
                       _("It was written by a newer version of Aggregation Station "
                         "(schema %" PRId64 ", this version knows up to %u). "
                         "Update the station software."),
                       version, agg_store_n_migrations);
          return FALSE;
        }
      if (version < 0)
        {
          g_set_error (error, AGG_STORE_ERROR, AGG_STORE_ERROR_FAILED,
                       _("Its schema version %" PRId64 " is not one of "
                         "Aggregation Station's."),
                       version);
          return FALSE;
        }

      if (!agg_store_exec (self, "BEGIN IMMEDIATE", error))
        return FALSE;
      if (!query_int (self, "PRAGMA user_version", &version, error))
        {
          rollback (self);
          return FALSE;
        }
      if (version < 0 || version >= agg_store_n_migrations)
        {
          rollback (self);
          continue;
        }

      set_version = g_strdup_printf ("PRAGMA user_version = %" PRId64, version + 1);
      if (!agg_store_exec (self, agg_store_migrations[version], error) ||
          !agg_store_exec (self, set_version, error) ||
          !agg_store_exec (self, "COMMIT", error))
        {
          rollback (self);
          g_prefix_error (error, _("Could not update it to schema %" PRId64 ". "),
                          version + 1);
          return FALSE;
        }
      version++;
    }

  return TRUE;
}

/* The open job, on the store thread. */
static gpointer
open_db (AggStore  *self,
         sqlite3   *db,
         gpointer   user_data,
         GError   **error)
{
  g_autofree char *dir = g_path_get_dirname (self->path);
  g_autofree char *check = NULL;
  g_autofree char *journal_mode = NULL;
  gint64 value;
  int rc;

  if (g_mkdir_with_parents (dir, 0700) != 0)
    {
      int saved_errno = errno;

      g_set_error (error, AGG_STORE_ERROR, AGG_STORE_ERROR_FAILED,
                   _("Could not create the folder “%s”: %s"), dir, g_strerror (saved_errno));
      return NULL;
    }

  /* One thread uses the connection, so SQLite need not lock it. */
  rc = sqlite3_open_v2 (self->path, &self->db,
                        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                        NULL);
  if (rc != SQLITE_OK)
    {
      agg_store_set_error (self, error, rc);
      return NULL;
    }

  if (!agg_store_exec (self, "PRAGMA busy_timeout = " G_STRINGIFY (BUSY_TIMEOUT_MS), error))
    return NULL;

  /* Check before anything writes to the file: a damaged database must stay
   * as it is for whoever investigates it. */
  check = query_text (self, "PRAGMA quick_check", error);
  if (check == NULL)
    return NULL;
  if (g_strcmp0 (check, "ok") != 0)
    {
      g_set_error (error, AGG_STORE_ERROR, AGG_STORE_ERROR_CORRUPT,
                   _("The integrity check failed (%s)."), check);
      return NULL;
    }

  /* A record the operator saw go green must survive a power cut: WAL with
   * a sync at every commit.  Anything less refuses to run. */
  journal_mode = query_text (self, "PRAGMA journal_mode = WAL", error);
  if (journal_mode == NULL)
    return NULL;
  if (g_ascii_strcasecmp (journal_mode, "wal") != 0)
    {
      g_set_error (error, AGG_STORE_ERROR, AGG_STORE_ERROR_FAILED,
                   _("It cannot use write-ahead logging (journal mode “%s”)."), journal_mode);
      return NULL;
    }

  if (!agg_store_exec (self, "PRAGMA synchronous = FULL", error) ||
      !query_int (self, "PRAGMA synchronous", &value, error))
    return NULL;
  if (value != 2)
    {
      g_set_error (error, AGG_STORE_ERROR, AGG_STORE_ERROR_FAILED,
                   _("It does not sync every commit to disk (synchronous = %" PRId64 ")."),
                   value);
      return NULL;
    }

  if (!agg_store_exec (self, "PRAGMA foreign_keys = ON", error) ||
      !query_int (self, "PRAGMA foreign_keys", &value, error))
    return NULL;
  if (value != 1)
    {
      g_set_error_literal (error, AGG_STORE_ERROR, AGG_STORE_ERROR_FAILED,
                           _("It cannot enforce foreign keys."));
      return NULL;
    }

  migrate (self, error);
  return NULL;
}

static void
close_db (AggStore *self)
{
  /* Cached statements would keep the connection open. */
  g_hash_table_remove_all (self->statements);

  if (self->db == NULL)
    return;

  if (sqlite3_close (self->db) != SQLITE_OK)
    {
      g_warning ("Could not close %s: %s", self->path, sqlite3_errmsg (self->db));
      sqlite3_close_v2 (self->db);
    }
  self->db = NULL;
}

static void
job_run (AggStore *self,
         Job      *job)
{
  gpointer result;

  /* Once started, a job runs to COMMIT or ROLLBACK; before that, a
   * cancelled one is dropped. */
  if (job->task != NULL &&
      g_cancellable_set_error_if_cancelled (g_task_get_cancellable (job->task), &job->error))
    return;

  if (!job->transaction)
    {
      job->result = job->func (self, self->db, job->func_data, &job->error);
      return;
    }

  if (!agg_store_exec (self, job->mode == AGG_STORE_WRITE ? "BEGIN IMMEDIATE" : "BEGIN",
                       &job->error))
    return;

  result = job->func (self, self->db, job->func_data, &job->error);
  reset_busy_statements (self);

  if (job->error == NULL && agg_store_exec (self, "COMMIT", &job->error))
    {
      job->result = result;
      return;
    }

  if (result != NULL && job->result_destroy != NULL)
    job->result_destroy (result);
  rollback (self);
}

static gboolean
unref_task (gpointer task)
{
  g_object_unref (task);
  return G_SOURCE_REMOVE;
}

static void
job_complete (Job *job)
{
  GTask *task = job->task;
  GSource *source;

  if (task == NULL)
    {
      g_mutex_lock (&job->mutex);
      job->done = TRUE;
      g_cond_signal (&job->cond);
      g_mutex_unlock (&job->mutex);
      return;
    }

  /* Returning from this thread keeps the order of callbacks the order of
   * the jobs: GTask queues each one to the caller's context. */
  if (job->error != NULL)
    g_task_return_error (task, g_steal_pointer (&job->error));
  else
    g_task_return_pointer (task, g_steal_pointer (&job->result), job->result_destroy);

  /* The queue's reference goes back to the caller's context too: the last
   * reference to the task may hold the last one to the store, and this
   * thread cannot join itself. */
  source = g_idle_source_new ();
  g_source_set_priority (source, g_task_get_priority (task));
  g_source_set_callback (source, unref_task, task, NULL);
  g_source_attach (source, g_task_get_context (task));
  g_source_unref (source);
}

static gpointer
store_thread (gpointer data)
{
  AggStore *self = data;
  Job *job;

  while ((job = g_async_queue_pop (self->queue)) != &stop_job)
    {
      job_run (self, job);
      job_complete (job);
    }

  close_db (self);
  return NULL;
}

static gboolean
push_job (AggStore  *self,
          Job       *job,
          GError   **error)
{
  g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&self->lock);

  if (self->closed)
    {
      g_set_error (error, AGG_STORE_ERROR, AGG_STORE_ERROR_CLOSED,
                   _("The database “%s” is closed."), self->path);
      return FALSE;
    }

  g_async_queue_push (self->queue, job);
  return TRUE;
}

static gpointer
call_sync (AggStore        *self,
           gboolean         transaction,
           AggStoreMode     mode,
           AggStoreFunc     func,
           gpointer         func_data,
           GDestroyNotify   result_destroy,
           GError         **error)
{
  Job job = {
    .transaction = transaction,
    .mode = mode,
    .func = func,
    .func_data = func_data,
    .result_destroy = result_destroy,
  };

  if (agg_store_is_owner_thread (self))
    {
      g_critical ("%s: called on the store thread, which would wait for itself", G_STRFUNC);
      g_set_error_literal (error, AGG_STORE_ERROR, AGG_STORE_ERROR_FAILED,
                           _("A database job cannot wait for another one."));
      return NULL;
    }

  g_mutex_init (&job.mutex);
  g_cond_init (&job.cond);

  if (push_job (self, &job, error))
    {
      g_mutex_lock (&job.mutex);
      while (!job.done)
        g_cond_wait (&job.cond, &job.mutex);
      g_mutex_unlock (&job.mutex);

      if (job.error != NULL)
        g_propagate_error (error, job.error);
    }

  g_cond_clear (&job.cond);
  g_mutex_clear (&job.mutex);
  return job.result;
}

static void
agg_store_finalize (GObject *object)
{
  AggStore *self = AGG_STORE (object);

  agg_store_close (self);

  g_clear_pointer (&self->statements, g_hash_table_unref);
  g_clear_pointer (&self->queue, g_async_queue_unref);
  g_clear_pointer (&self->path, g_free);
  g_mutex_clear (&self->lock);

  G_OBJECT_CLASS (agg_store_parent_class)->finalize (object);
}

static void
agg_store_class_init (AggStoreClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = agg_store_finalize;
}

static void
agg_store_init (AggStore *self)
{
  g_mutex_init (&self->lock);
  self->queue = g_async_queue_new ();
  self->statements = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, statement_free);
}

AggStore *
agg_store_open (const char  *path,
                GError     **error)
{
  g_autoptr(AggStore) self = NULL;
  g_autoptr(GError) local_error = NULL;

  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  self = g_object_new (AGG_TYPE_STORE, NULL);
  self->path = g_strdup (path);

  self->thread = g_thread_try_new ("agg-store", store_thread, self, error);
  if (self->thread == NULL)
    {
      self->closed = TRUE;
      return NULL;
    }

  call_sync (self, FALSE, AGG_STORE_WRITE, open_db, NULL, NULL, &local_error);
  if (local_error == NULL)
    return g_steal_pointer (&self);

  agg_store_close (self);

  if (g_error_matches (local_error, AGG_STORE_ERROR, AGG_STORE_ERROR_CORRUPT))
    g_set_error (error, AGG_STORE_ERROR, AGG_STORE_ERROR_CORRUPT,
                 _("The database “%s” is damaged and cannot be used. "
                   "Restore it from the latest backup. Details: %s"),
                 path, local_error->message);
  else
    g_propagate_prefixed_error (error, g_steal_pointer (&local_error),
                                _("Could not open the database “%s”. "), path);
  return NULL;
}

const char *
agg_store_get_path (AggStore *self)
{
  g_return_val_if_fail (AGG_IS_STORE (self), NULL);

  return self->path;
}

char *
agg_store_default_path (void)
{
  return g_build_filename (g_get_user_data_dir (), "aggregation-station", "station.db", NULL);
}

gpointer
agg_store_run_sync (AggStore      *self,
                    AggStoreMode   mode,
                    AggStoreFunc   func,
                    gpointer       user_data,
                    GError       **error)
{
  return agg_store_run_sync_full (self, mode, func, user_data, NULL, error);
}

gpointer
agg_store_run_sync_full (AggStore        *self,
                         AggStoreMode     mode,
                         AggStoreFunc     func,
                         gpointer         user_data,
                         GDestroyNotify   result_destroy,
                         GError         **error)
{
  g_return_val_if_fail (AGG_IS_STORE (self), NULL);
  g_return_val_if_fail (mode == AGG_STORE_READ || mode == AGG_STORE_WRITE, NULL);
  g_return_val_if_fail (func != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  return call_sync (self, TRUE, mode, func, user_data, result_destroy, error);
}

void
agg_store_run_async (AggStore            *self,
                     AggStoreMode         mode,
                     AggStoreFunc         func,
                     gpointer             func_data,
                     GDestroyNotify       func_data_destroy,
                     GDestroyNotify       result_destroy,
                     GCancellable        *cancellable,
                     GAsyncReadyCallback  callback,
                     gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GError) error = NULL;
  Job *job;

  g_return_if_fail (AGG_IS_STORE (self));
  g_return_if_fail (mode == AGG_STORE_READ || mode == AGG_STORE_WRITE);
  g_return_if_fail (func != NULL);
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, agg_store_run_async);
  /* A job that has started commits or rolls back, and the caller must
   * learn which, even if it cancelled in the meantime. */
  g_task_set_check_cancellable (task, FALSE);

  job = g_new0 (Job, 1);
  job->transaction = TRUE;
  job->mode = mode;
  job->func = func;
  job->func_data = func_data;
  job->func_data_destroy = func_data_destroy;
  job->result_destroy = result_destroy;
  job->task = task;
  g_task_set_task_data (task, job, job_free);

  /* The queue holds a reference until the job is done. */
  g_object_ref (task);
  if (!push_job (self, job, &error))
    {
      g_object_unref (task);
      g_task_return_error (task, g_steal_pointer (&error));
    }
}

gpointer
agg_store_run_finish (AggStore      *self,
                      GAsyncResult  *result,
                      GError       **error)
{
  g_return_val_if_fail (AGG_IS_STORE (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == agg_store_run_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/* The backup job, on the store thread.  The copy goes to a ".part" file
 * that takes the final name only once it is complete. */
static gpointer
backup_db (AggStore  *self,
           sqlite3   *db,
           gpointer   user_data,
           GError   **error)
{
  const char *dest_path = user_data;
  g_autofree char *part_path = g_strconcat (dest_path, ".part", NULL);
  sqlite3 *dest = NULL;
  int rc;

  if (g_file_test (dest_path, G_FILE_TEST_EXISTS | G_FILE_TEST_IS_SYMLINK))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_EXISTS,
                   _("Could not back up to “%s”: the file already exists."), dest_path);
      return NULL;
    }

  /* A ".part" file is what an interrupted backup left behind. */
  g_unlink (part_path);

  rc = sqlite3_open_v2 (part_path, &dest,
                        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                        NULL);
  if (rc == SQLITE_OK)
    {
      sqlite3_backup *backup = sqlite3_backup_init (dest, "main", self->db, "main");

      if (backup != NULL)
        {
          int step_rc = sqlite3_backup_step (backup, -1);

          /* sqlite3_backup_finish() reports errors but not a copy left
           * unfinished by a lock: only SQLITE_DONE proves it complete. */
          rc = sqlite3_backup_finish (backup);
          if (rc == SQLITE_OK && step_rc != SQLITE_DONE)
            rc = step_rc;
        }
      else
        {
          rc = sqlite3_errcode (dest);
        }
    }
  sqlite3_close (dest);

  if (rc != SQLITE_OK)
    {
      g_unlink (part_path);
      set_sqlite_error (error, rc, sqlite3_errstr (rc));
      g_prefix_error (error, _("Could not back up to “%s”: "), dest_path);
      return NULL;
    }

  if (g_rename (part_path, dest_path) != 0)
    {
      int saved_errno = errno;

      g_unlink (part_path);
      g_set_error (error, AGG_STORE_ERROR, AGG_STORE_ERROR_FAILED,
                   _("Could not back up to “%s”: %s"), dest_path, g_strerror (saved_errno));
    }
  return NULL;
}

gboolean
agg_store_backup_sync (AggStore    *self,
                       const char  *dest_path,
                       GError     **error)
{
  g_autoptr(GError) local_error = NULL;

  g_return_val_if_fail (AGG_IS_STORE (self), FALSE);
  g_return_val_if_fail (dest_path != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  call_sync (self, FALSE, AGG_STORE_READ, backup_db, (gpointer) dest_path, NULL, &local_error);
  if (local_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  return TRUE;
}

static gpointer
set_max_pages (AggStore  *self,
               sqlite3   *db,
               gpointer   user_data,
               GError   **error)
{
  g_autofree char *sql = g_strdup_printf ("PRAGMA max_page_count = %u",
                                          GPOINTER_TO_UINT (user_data));

  agg_store_exec (self, sql, error);
  return NULL;
}

gboolean
agg_store_set_max_pages (AggStore  *self,
                         guint      pages,
                         GError   **error)
{
  g_autoptr(GError) local_error = NULL;

  g_return_val_if_fail (AGG_IS_STORE (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  /* SQLite clamps this to its own largest page count. */
  if (pages == 0)
    pages = G_MAXUINT32;

  call_sync (self, FALSE, AGG_STORE_WRITE, set_max_pages, GUINT_TO_POINTER (pages), NULL,
             &local_error);
  if (local_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  return TRUE;
}

void
agg_store_close (AggStore *self)
{
  g_return_if_fail (AGG_IS_STORE (self));
  g_return_if_fail (!agg_store_is_owner_thread (self));

  g_mutex_lock (&self->lock);
  if (self->closed)
    {
      g_mutex_unlock (&self->lock);
      return;
    }
  self->closed = TRUE;
  g_async_queue_push (self->queue, &stop_job);
  g_mutex_unlock (&self->lock);

  /* The jobs queued before the stop job run first. */
  g_thread_join (self->thread);
  g_atomic_pointer_set (&self->thread, NULL);
}

sqlite3_stmt *
agg_store_prepare (AggStore    *self,
                   const char  *sql,
                   GError     **error)
{
  sqlite3_stmt *stmt;
  int rc;

  g_return_val_if_fail (AGG_IS_STORE (self), NULL);
  g_return_val_if_fail (sql != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);
  g_return_val_if_fail (agg_store_is_owner_thread (self), NULL);

  stmt = g_hash_table_lookup (self->statements, sql);
  if (stmt != NULL)
    {
      sqlite3_reset (stmt);
      sqlite3_clear_bindings (stmt);
      return stmt;
    }

  rc = sqlite3_prepare_v3 (self->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt, NULL);
  if (rc != SQLITE_OK)
    {
      agg_store_set_error (self, error, rc);
      return NULL;
    }

  g_hash_table_insert (self->statements, g_strdup (sql), stmt);
  return stmt;
}

gboolean
agg_store_set_error (AggStore  *self,
                     GError   **error,
                     int        rc)
{
  g_return_val_if_fail (AGG_IS_STORE (self), FALSE);
  g_return_val_if_fail (agg_store_is_owner_thread (self), FALSE);

  set_sqlite_error (error, rc, self->db != NULL ? sqlite3_errmsg (self->db) : sqlite3_errstr (rc));
  return FALSE;
}

gboolean
agg_store_step (AggStore      *self,
                sqlite3_stmt  *stmt,
                GError       **error)
{
  int rc;

  g_return_val_if_fail (AGG_IS_STORE (self), FALSE);
  g_return_val_if_fail (stmt != NULL, FALSE);

  rc = sqlite3_step (stmt);
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    return agg_store_set_error (self, error, rc);
  return TRUE;
}

gboolean
agg_store_step_row (AggStore      *self,
                    sqlite3_stmt  *stmt,
                    gboolean      *found,
                    GError       **error)
{
  int rc;

  g_return_val_if_fail (AGG_IS_STORE (self), FALSE);
  g_return_val_if_fail (stmt != NULL, FALSE);
  g_return_val_if_fail (found != NULL, FALSE);

  rc = sqlite3_step (stmt);
  *found = rc == SQLITE_ROW;
  if (rc != SQLITE_ROW && rc != SQLITE_DONE)
    return agg_store_set_error (self, error, rc);
  return TRUE;
}

char *
agg_store_step_text (AggStore      *self,
                     sqlite3_stmt  *stmt,
                     GError       **error)
{
  char *text = NULL;
  int rc;

  g_return_val_if_fail (AGG_IS_STORE (self), NULL);
  g_return_val_if_fail (stmt != NULL, NULL);

  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    text = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
  else if (rc != SQLITE_DONE)
    agg_store_set_error (self, error, rc);
  sqlite3_reset (stmt);
  return text;
}

gboolean
agg_store_exec (AggStore    *self,
                const char  *sql,
                GError     **error)
{
  int rc;

  g_return_val_if_fail (AGG_IS_STORE (self), FALSE);
  g_return_val_if_fail (sql != NULL, FALSE);
  g_return_val_if_fail (agg_store_is_owner_thread (self), FALSE);

  rc = sqlite3_exec (self->db, sql, NULL, NULL, NULL);
  if (rc != SQLITE_OK)
    return agg_store_set_error (self, error, rc);
  return TRUE;
}

gboolean
agg_store_is_owner_thread (AggStore *self)
{
  g_return_val_if_fail (AGG_IS_STORE (self), FALSE);

  return g_atomic_pointer_get (&self->thread) == (gpointer) g_thread_self ();
}
