/* agg-store.h: the station's SQLite database and the thread that owns it
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>
#include <sqlite3.h>

G_BEGIN_DECLS

#define AGG_STORE_ERROR (agg_store_error_quark ())

typedef enum
{
  AGG_STORE_ERROR_FAILED,
  AGG_STORE_ERROR_CORRUPT,          /* quick_check failed: refuse to run */
  AGG_STORE_ERROR_FULL,             /* disk or page limit full: nothing written */
  AGG_STORE_ERROR_BUSY,             /* another process holds the database */
  AGG_STORE_ERROR_CONSTRAINT,       /* a rule of the schema said no */
  AGG_STORE_ERROR_NEWER_SCHEMA,     /* written by a newer station */
  AGG_STORE_ERROR_CLOSED,
} AggStoreError;

/* How a job touches the database. */
typedef enum
{
  AGG_STORE_READ,                   /* BEGIN DEFERRED … COMMIT */
  AGG_STORE_WRITE,                  /* BEGIN IMMEDIATE … COMMIT */
} AggStoreMode;

#define AGG_TYPE_STORE (agg_store_get_type ())
G_DECLARE_FINAL_TYPE (AggStore, agg_store, AGG, STORE, GObject)

/* Runs on the store's thread inside one transaction.  Returns a result
 * (NULL is fine) and sets @error on failure; any error rolls the whole
 * transaction back.  @result_destroy frees what it returned should the
 * caller never collect it. */
typedef gpointer (*AggStoreFunc) (AggStore  *store,
                                  sqlite3   *db,
                                  gpointer   user_data,
                                  GError   **error);

GQuark        agg_store_error_quark     (void);

/* Opens (creating when missing) the database at @path, checks it, migrates
 * it to the current schema, and starts its thread.  Blocks: call it at
 * start-up or from a worker. */
AggStore     *agg_store_open            (const char          *path,
                                         GError             **error);
const char   *agg_store_get_path        (AggStore            *store);
char         *agg_store_default_path    (void);

/* Runs @func on the store thread in a transaction and waits for COMMIT.
 * Never call it from the UI thread or from the store thread itself. */
gpointer      agg_store_run_sync        (AggStore            *store,
                                         AggStoreMode         mode,
                                         AggStoreFunc         func,
                                         gpointer             user_data,
                                         GError             **error);
/* The same, with @result_destroy freeing a result that never reaches the
 * caller because COMMIT failed. */
gpointer      agg_store_run_sync_full   (AggStore            *store,
                                         AggStoreMode         mode,
                                         AggStoreFunc         func,
                                         gpointer             user_data,
                                         GDestroyNotify       result_destroy,
                                         GError             **error);

/* The same without blocking: @callback runs in the thread-default main
 * context of the caller once the transaction has committed or failed.
 * @func_data_destroy frees @func_data afterwards, in that context too;
 * @result_destroy frees an uncollected result. */
void          agg_store_run_async       (AggStore            *store,
                                         AggStoreMode         mode,
                                         AggStoreFunc         func,
                                         gpointer             func_data,
                                         GDestroyNotify       func_data_destroy,
                                         GDestroyNotify       result_destroy,
                                         GCancellable        *cancellable,
                                         GAsyncReadyCallback  callback,
                                         gpointer             user_data);
gpointer      agg_store_run_finish      (AggStore            *store,
                                         GAsyncResult        *result,
                                         GError             **error);

/* Copies the database with SQLite's online backup API. */
gboolean      agg_store_backup_sync     (AggStore            *store,
                                         const char          *dest_path,
                                         GError             **error);

/* Limits the database to @pages pages (0: no limit), which makes "disk
 * full" reproducible in tests. */
gboolean      agg_store_set_max_pages   (AggStore            *store,
                                         guint                pages,
                                         GError             **error);

/* Stops the thread and closes the connection; later calls fail with
 * AGG_STORE_ERROR_CLOSED.  Also done on finalize. */
void          agg_store_close           (AggStore            *store);

/* For AggStoreFunc implementations, on the store thread only. */
sqlite3_stmt *agg_store_prepare         (AggStore            *store,
                                         const char          *sql,
                                         GError             **error);
gboolean      agg_store_set_error       (AggStore            *store,
                                         GError             **error,
                                         int                  rc);
/* Steps a statement that returns no row, and resets it. */
gboolean      agg_store_step            (AggStore            *store,
                                         sqlite3_stmt        *stmt,
                                         GError             **error);
/* Steps a statement that returns at most one row: TRUE with *found set
 * (the row is then readable until the next reset), FALSE on an error. */
gboolean      agg_store_step_row        (AggStore            *store,
                                         sqlite3_stmt        *stmt,
                                         gboolean            *found,
                                         GError             **error);
/* Steps a statement that selects one text column: a copy of its first
 * row's value, or NULL (without @error when there is no row).  Resets it. */
char         *agg_store_step_text       (AggStore            *store,
                                         sqlite3_stmt        *stmt,
                                         GError             **error);
gboolean      agg_store_exec            (AggStore            *store,
                                         const char          *sql,
                                         GError             **error);
gboolean      agg_store_is_owner_thread (AggStore            *store);

G_END_DECLS
