/* agg-test-utils.h: what the unit tests share — scratch databases, jobs, raw reads
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Everything here asserts: a helper that returns has succeeded.  Jobs run
 * on the store thread as the engine's do; the raw reads go through a
 * connection of their own, as another process sees the file.
 */

#pragma once

#include <glib.h>
#include <sqlite3.h>

#include "agg-line.h"
#include "agg-store.h"

G_BEGIN_DECLS

/* A new directory "@name-XXXXXX" in the temporary directory. */
char          *agg_test_make_tmpdir         (const char      *name);
/* Removes @path: a file, or a directory with everything in it. */
void           agg_test_remove_tree         (const char      *path);

AggStore      *agg_test_open_store          (const char      *path);
/* Runs @func in a job on @store and returns its result; the job must not
 * fail. */
gpointer       agg_test_run_job             (AggStore        *store,
                                             AggStoreMode     mode,
                                             AggStoreFunc     func,
                                             gpointer         user_data);
/* A job that runs the SQL it is given; non-NULL when that worked. */
gpointer       agg_test_exec_job            (AggStore        *store,
                                             sqlite3         *db,
                                             gpointer         sql,
                                             GError         **error);
/* Runs @sql in a write job; it must succeed. */
void           agg_test_exec                (AggStore        *store,
                                             const char      *sql);
/* Imports the demo line: its product, order, SSCC range, users and
 * settings. */
void           agg_test_load_demo           (AggStore        *store);
/* Imports the master data in @json, as the station itself does; it must
 * succeed. */
void           agg_test_import              (AggStore        *store,
                                             const char      *json);
/* Sets the setting @key to @value, as the station itself does; it must
 * succeed. */
void           agg_test_set_setting         (AggStore        *store,
                                             const char      *key,
                                             const char      *value);

/* Logs @user in on @line with @pin; the engine must accept it. */
void           agg_test_log_in              (AggLine         *line,
                                             const char      *user,
                                             const char      *pin);

/* Verifies the audit trail in a job.  *@bad_id and *@n_rows start out as
 * -1 and G_MAXUINT64, so that a verification that sets neither fails;
 * *@problem is freed first. */
void           agg_test_audit_verify        (AggStore        *store,
                                             gint64          *bad_id,
                                             char           **problem,
                                             guint64         *n_rows);
/* Asserts that the chain holds; returns how many rows it read. */
guint64        agg_test_assert_audit_intact (AggStore        *store);

/* A scratch station: a directory of its own named after the test program,
 * "station.db" in it, the store open on it, and @db, a read-only
 * connection beside the store's.  The two functions fit g_test_add(). */
typedef struct
{
  char     *dir;
  char     *path;
  AggStore *store;
  sqlite3  *db;
} AggTestStation;

void           agg_test_station_set_up      (AggTestStation  *station,
                                             gconstpointer    data);
void           agg_test_station_tear_down   (AggTestStation  *station,
                                             gconstpointer    data);
/* g_test_add() for @func (AggTestStation *, gconstpointer) on a station of
 * its own. */
#define agg_test_add_station(path, func) \
  g_test_add (path, AggTestStation, NULL, agg_test_station_set_up, func, \
              agg_test_station_tear_down)

/* Raw connections, opened with plain SQLite as another program would. */
sqlite3       *agg_test_db_open             (const char      *path,
                                             int              flags);
void           agg_test_db_close            (sqlite3         *db);
/* @sql prepared, its text parameters given after it and terminated by
 * NULL; parameters left out are NULL. */
sqlite3_stmt  *agg_test_db_prepare          (sqlite3         *db,
                                             const char      *sql,
                                             ...) G_GNUC_NULL_TERMINATED;
/* The first column of the first row of @sql, its parameters as for
 * agg_test_db_prepare().  For agg_test_db_int() the row must exist;
 * agg_test_db_text() returns NULL when there is none. */
gint64         agg_test_db_int              (sqlite3         *db,
                                             const char      *sql,
                                             ...) G_GNUC_NULL_TERMINATED;
char          *agg_test_db_text             (sqlite3         *db,
                                             const char      *sql,
                                             ...) G_GNUC_NULL_TERMINATED;
/* Every text value of every row @sql selects, one per element. */
GPtrArray     *agg_test_db_texts            (sqlite3         *db,
                                             const char      *sql);

G_END_DECLS
