/* test-store.c: the database, its thread, transactions, backups and limits
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "agg-store.h"
#include "agg-store-private.h"
#include "agg-test-utils.h"

/* The tests keep to a table of their own, whatever the real schema is. */
#define CREATE_TABLE \
  "CREATE TABLE IF NOT EXISTS test_scan (" \
  "  id INTEGER PRIMARY KEY," \
  "  code TEXT NOT NULL UNIQUE," \
  "  payload BLOB)"

typedef struct
{
  char *dir;
  char *path;
} Fixture;

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  fixture->dir = agg_test_make_tmpdir ("test-store");
  fixture->path = g_build_filename (fixture->dir, "station.db", NULL);
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  agg_test_remove_tree (fixture->dir);
  g_free (fixture->path);
  g_free (fixture->dir);
}

/* Jobs.  They run on the store thread, so they report failures through
 * @error rather than asserting. */

/* The first column of the first row, as a number and as text. */
typedef struct
{
  const char *sql;
  gint64      value;
  char       *text;
} Query;

static gpointer
query_job (AggStore  *store,
           sqlite3   *db,
           gpointer   user_data,
           GError   **error)
{
  Query *query = user_data;
  sqlite3_stmt *stmt = agg_store_prepare (store, query->sql, error);
  int rc;

  if (stmt == NULL)
    return NULL;
  rc = sqlite3_step (stmt);
  if (rc != SQLITE_ROW)
    {
      agg_store_set_error (store, error, rc);
      return NULL;
    }
  query->value = sqlite3_column_int64 (stmt, 0);
  query->text = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
  return GINT_TO_POINTER (TRUE);
}

/* Inserts a row named @code with a payload of @size bytes and returns its
 * id (never 0). */
static gpointer
insert_row (AggStore    *store,
            sqlite3     *db,
            const char  *code,
            int          size,
            GError     **error)
{
  sqlite3_stmt *stmt;
  int rc;

  stmt = agg_store_prepare (store, "INSERT INTO test_scan (code, payload) VALUES (?, ?)", error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_text (stmt, 1, code, -1, SQLITE_TRANSIENT);
  sqlite3_bind_zeroblob (stmt, 2, size);
  rc = sqlite3_step (stmt);
  if (rc != SQLITE_DONE)
    {
      agg_store_set_error (store, error, rc);
      return NULL;
    }
  return GSIZE_TO_POINTER ((gsize) sqlite3_last_insert_rowid (db));
}

/* The same, a small row, creating the table when it is missing. */
static gpointer
insert_job (AggStore  *store,
            sqlite3   *db,
            gpointer   code,
            GError   **error)
{
  if (!agg_store_exec (store, CREATE_TABLE, error))
    return NULL;
  return insert_row (store, db, code, 200, error);
}

static gint64
store_query_int (AggStore   *store,
                 const char *sql)
{
  Query query = { sql, -1, NULL };

  g_assert_true (agg_test_run_job (store, AGG_STORE_READ, query_job, &query));
  g_free (query.text);
  return query.value;
}

static char *
store_query_text (AggStore   *store,
                  const char *sql)
{
  Query query = { sql, -1, NULL };

  g_assert_true (agg_test_run_job (store, AGG_STORE_READ, query_job, &query));
  return query.text;
}

static gsize
store_insert (AggStore   *store,
              const char *code)
{
  gsize id = GPOINTER_TO_SIZE (agg_test_run_job (store, AGG_STORE_WRITE, insert_job,
                                                 (gpointer) code));

  g_assert_cmpuint (id, >, 0);
  return id;
}

static void
store_insert_many (AggStore *store,
                   guint     n)
{
  for (guint i = 0; i < n; i++)
    {
      g_autofree char *code = g_strdup_printf ("SSCC-%05u", i);

      store_insert (store, code);
    }
}

/* A second connection, opened with plain SQLite as another program would. */
static gint64
plain_query_int (const char *path,
                 const char *sql)
{
  sqlite3 *db = agg_test_db_open (path, SQLITE_OPEN_READWRITE);
  gint64 value = agg_test_db_int (db, sql, NULL);

  agg_test_db_close (db);
  return value;
}

/* Whether the test table exists and holds a row called @code. */
static gboolean
plain_has_code (const char *path,
                const char *code)
{
  sqlite3 *db = agg_test_db_open (path, SQLITE_OPEN_READWRITE);
  gboolean found = FALSE;

  if (agg_test_db_int (db, "SELECT count(*) FROM sqlite_schema WHERE name = 'test_scan'",
                       NULL) > 0)
    found = agg_test_db_int (db, "SELECT count(*) FROM test_scan WHERE code = ?", code,
                             NULL) > 0;
  agg_test_db_close (db);
  return found;
}

/* Damage may keep the check from even starting: that is a failure too. */
static gboolean
plain_quick_check_passes (const char *path)
{
  sqlite3 *db = agg_test_db_open (path, SQLITE_OPEN_READWRITE);
  sqlite3_stmt *stmt = NULL;
  gboolean ok;

  ok = sqlite3_prepare_v2 (db, "PRAGMA quick_check", -1, &stmt, NULL) == SQLITE_OK &&
       sqlite3_step (stmt) == SQLITE_ROW &&
       g_strcmp0 ((const char *) sqlite3_column_text (stmt, 0), "ok") == 0;
  sqlite3_finalize (stmt);
  sqlite3_close (db);
  return ok;
}

static void
test_open_pragmas (Fixture       *fixture,
                   gconstpointer  data)
{
  g_autofree char *nested = g_build_filename (fixture->dir, "a", "b", "station.db", NULL);
  g_autoptr(AggStore) store = NULL;
  g_autofree char *mode = NULL;

  /* The parent folders do not exist yet. */
  store = agg_test_open_store (nested);
  g_assert_cmpstr (agg_store_get_path (store), ==, nested);
  g_assert_true (g_file_test (nested, G_FILE_TEST_IS_REGULAR));

  mode = store_query_text (store, "PRAGMA journal_mode");
  g_assert_cmpstr (mode, ==, "wal");
  g_assert_cmpint (store_query_int (store, "PRAGMA synchronous"), ==, 2);
  g_assert_cmpint (store_query_int (store, "PRAGMA foreign_keys"), ==, 1);
  g_assert_cmpint (store_query_int (store, "PRAGMA busy_timeout"), ==, 5000);
}

static void
test_open_migrations (Fixture       *fixture,
                      gconstpointer  data)
{
  g_autoptr(AggStore) store = NULL;
  gint64 schema_version;

  store = agg_test_open_store (fixture->path);
  g_assert_cmpint (store_query_int (store, "PRAGMA user_version"), ==, agg_store_n_migrations);
  schema_version = store_query_int (store, "PRAGMA schema_version");
  if (agg_store_n_migrations > 0)
    g_assert_cmpint (schema_version, >, 0);
  agg_store_close (store);
  g_clear_object (&store);

  /* Nothing left to migrate: the schema must not change at all. */
  store = agg_test_open_store (fixture->path);
  g_assert_cmpint (store_query_int (store, "PRAGMA user_version"), ==, agg_store_n_migrations);
  g_assert_cmpint (store_query_int (store, "PRAGMA schema_version"), ==, schema_version);
  g_clear_object (&store);

  g_assert_cmpint (plain_query_int (fixture->path, "PRAGMA user_version"), ==,
                   agg_store_n_migrations);
}

static void
test_open_newer_schema (Fixture       *fixture,
                        gconstpointer  data)
{
  g_autofree char *sql = g_strdup_printf ("PRAGMA user_version = %u", agg_store_n_migrations + 1);
  g_autoptr(AggStore) store = NULL;
  g_autoptr(GError) error = NULL;
  sqlite3 *db = agg_test_db_open (fixture->path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);

  g_assert_cmpint (sqlite3_exec (db, sql, NULL, NULL, NULL), ==, SQLITE_OK);
  agg_test_db_close (db);

  store = agg_store_open (fixture->path, &error);
  g_assert_error (error, AGG_STORE_ERROR, AGG_STORE_ERROR_NEWER_SCHEMA);
  g_assert_null (store);
  g_assert_nonnull (strstr (error->message, fixture->path));

  g_assert_cmpint (plain_query_int (fixture->path, "PRAGMA user_version"), ==,
                   agg_store_n_migrations + 1);
}

static void
assert_refused_as_corrupt (const char *path)
{
  g_autoptr(AggStore) store = NULL;
  g_autoptr(GError) error = NULL;

  store = agg_store_open (path, &error);
  g_assert_error (error, AGG_STORE_ERROR, AGG_STORE_ERROR_CORRUPT);
  g_assert_null (store);
  g_assert_nonnull (strstr (error->message, path));
  g_assert_nonnull (strstr (error->message, "backup"));
}

/* Fills a database with rows, closes it and writes garbage over every page
 * from @first_page (1-based) on, or from the test table's root page on when
 * it is 0.  Returns the damaged contents. */
static char *
damage_database (const char *path,
                 gint64      first_page,
                 gsize      *length)
{
  g_autoptr(AggStore) store = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *wal = g_strconcat (path, "-wal", NULL);
  char *contents = NULL;
  gint64 page_size;

  store = agg_test_open_store (path);
  store_insert_many (store, 200);
  page_size = store_query_int (store, "PRAGMA page_size");
  if (first_page == 0)
    first_page = store_query_int (store, "SELECT rootpage FROM sqlite_schema "
                                         "WHERE name = 'test_scan'");
  agg_store_close (store);

  /* A clean close leaves everything in the main file. */
  g_assert_false (g_file_test (wal, G_FILE_TEST_EXISTS));
  g_assert_true (plain_quick_check_passes (path));

  g_file_get_contents (path, &contents, length, &error);
  g_assert_no_error (error);
  g_assert_cmpint (first_page, >, 1);
  g_assert_cmpuint (*length, >, first_page * page_size);
  memset (contents + (first_page - 1) * page_size, 0x5a, *length - (first_page - 1) * page_size);
  g_file_set_contents (path, contents, *length, &error);
  g_assert_no_error (error);
  g_assert_false (plain_quick_check_passes (path));

  return contents;
}

static void
assert_unchanged (const char *path,
                  const char *contents,
                  gsize       length)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *now = NULL;
  gsize now_length;

  g_file_get_contents (path, &now, &now_length, &error);
  g_assert_no_error (error);
  g_assert_cmpmem (now, now_length, contents, length);
}

static void
test_open_corrupt (Fixture       *fixture,
                   gconstpointer  data)
{
  g_autofree char *contents = NULL;
  gsize length;

  contents = damage_database (fixture->path, 2, &length);
  assert_refused_as_corrupt (fixture->path);

  /* Refusing wrote nothing: the evidence stays as it was. */
  assert_unchanged (fixture->path, contents, length);
}

/* Damage that nothing at start-up reads, such as old scans: the schema
 * still parses, and only the integrity check can find it. */
static void
test_open_corrupt_data (Fixture       *fixture,
                        gconstpointer  data)
{
  g_autofree char *contents = NULL;
  gsize length;

  contents = damage_database (fixture->path, 0, &length);
  g_assert_cmpint (plain_query_int (fixture->path, "PRAGMA user_version"), ==,
                   agg_store_n_migrations);
  g_assert_cmpint (plain_query_int (fixture->path, "SELECT count(*) FROM sqlite_schema"), >, 0);

  assert_refused_as_corrupt (fixture->path);
  assert_unchanged (fixture->path, contents, length);
}

static void
test_open_not_a_database (Fixture       *fixture,
                          gconstpointer  data)
{
  g_autoptr(GString) text = g_string_new (NULL);
  g_autoptr(GError) error = NULL;

  while (text->len < 8192)
    g_string_append (text, "This is a delivery note, not a database.\n");
  g_file_set_contents (fixture->path, text->str, text->len, &error);
  g_assert_no_error (error);

  assert_refused_as_corrupt (fixture->path);
  assert_unchanged (fixture->path, text->str, text->len);
}

static void
test_run_sync_commit (Fixture       *fixture,
                      gconstpointer  data)
{
  g_autoptr(AggStore) store = agg_test_open_store (fixture->path);
  gsize first, second;

  first = store_insert (store, "SSCC-1");
  second = store_insert (store, "SSCC-2");
  g_assert_cmpuint (second, ==, first + 1);

  /* Committed means another program sees it while the store stays open. */
  g_assert_true (plain_has_code (fixture->path, "SSCC-1"));
  g_assert_true (plain_has_code (fixture->path, "SSCC-2"));
}

#define TEST_ERROR (g_quark_from_static_string ("test-error"))

static gpointer
insert_then_fail_job (AggStore  *store,
                      sqlite3   *db,
                      gpointer   code,
                      GError   **error)
{
  if (insert_job (store, db, code, error) == NULL)
    return NULL;
  g_set_error_literal (error, TEST_ERROR, 42, "The operator pressed reject.");
  return g_strdup ("a result nobody collects");
}

static int destroyed;

static void
count_destroy (gpointer data)
{
  g_free (data);
  g_atomic_int_inc (&destroyed);
}

static void
test_run_sync_rollback (Fixture       *fixture,
                        gconstpointer  data)
{
  g_autoptr(AggStore) store = agg_test_open_store (fixture->path);
  g_autoptr(GError) error = NULL;
  gpointer result;

  store_insert (store, "SSCC-kept");

  destroyed = 0;
  result = agg_store_run_sync_full (store, AGG_STORE_WRITE, insert_then_fail_job,
                                    (gpointer) "SSCC-rolled-back", count_destroy, &error);
  g_assert_error (error, TEST_ERROR, 42);
  g_assert_null (result);
  g_assert_cmpint (destroyed, ==, 1);
  g_clear_error (&error);

  g_assert_true (plain_has_code (fixture->path, "SSCC-kept"));
  g_assert_false (plain_has_code (fixture->path, "SSCC-rolled-back"));

  /* The connection is out of the failed transaction and works on. */
  store_insert (store, "SSCC-after");
  g_assert_true (plain_has_code (fixture->path, "SSCC-after"));
  g_assert_false (plain_has_code (fixture->path, "SSCC-rolled-back"));
}

static void
test_run_sync_constraint (Fixture       *fixture,
                          gconstpointer  data)
{
  g_autoptr(AggStore) store = agg_test_open_store (fixture->path);
  g_autoptr(GError) error = NULL;
  gpointer result;

  store_insert (store, "SSCC-once");
  result = agg_store_run_sync (store, AGG_STORE_WRITE, insert_job, (gpointer) "SSCC-once", &error);
  g_assert_error (error, AGG_STORE_ERROR, AGG_STORE_ERROR_CONSTRAINT);
  g_assert_null (result);
  g_assert_cmpint (store_query_int (store, "SELECT count(*) FROM test_scan"), ==, 1);
}

static gpointer
nested_run_sync_job (AggStore  *store,
                     sqlite3   *db,
                     gpointer   user_data,
                     GError   **error)
{
  g_autoptr(GError) nested_error = NULL;
  gboolean *refused = user_data;
  gpointer result;

  result = agg_store_run_sync (store, AGG_STORE_READ, agg_test_exec_job,
                               (gpointer) "SELECT 1", &nested_error);
  *refused = result == NULL &&
             g_error_matches (nested_error, AGG_STORE_ERROR, AGG_STORE_ERROR_FAILED);
  return NULL;
}

static void
test_run_sync_owner_thread (Fixture       *fixture,
                            gconstpointer  data)
{
  g_autoptr(AggStore) store = agg_test_open_store (fixture->path);
  g_autoptr(GError) error = NULL;
  gboolean refused = FALSE;

  g_assert_false (agg_store_is_owner_thread (store));

  g_test_expect_message (G_LOG_DOMAIN, G_LOG_LEVEL_CRITICAL, "*store thread*");
  agg_store_run_sync (store, AGG_STORE_READ, nested_run_sync_job, &refused, &error);
  g_test_assert_expected_messages ();
  g_assert_no_error (error);
  g_assert_true (refused);

  /* The connection belongs to the store thread alone. */
  g_test_expect_message (G_LOG_DOMAIN, G_LOG_LEVEL_CRITICAL, "*is_owner_thread*");
  g_assert_null (agg_store_prepare (store, "SELECT 1", &error));
  g_test_assert_expected_messages ();
  g_assert_no_error (error);
}

static gpointer
prepare_cache_job (AggStore  *store,
                   sqlite3   *db,
                   gpointer   user_data,
                   GError   **error)
{
  const char *sql = "SELECT ?1";
  sqlite3_stmt *first, *second;

  first = agg_store_prepare (store, sql, error);
  if (first == NULL)
    return NULL;
  sqlite3_bind_int (first, 1, 7);
  if (sqlite3_step (first) != SQLITE_ROW || sqlite3_column_int (first, 0) != 7)
    return NULL;

  /* Left mid-step and bound: the cache must hand it back clean. */
  second = agg_store_prepare (store, sql, error);
  if (second != first || sqlite3_step (second) != SQLITE_ROW ||
      sqlite3_column_type (second, 0) != SQLITE_NULL)
    return NULL;

  return GINT_TO_POINTER (TRUE);
}

static void
test_prepare_cache (Fixture       *fixture,
                    gconstpointer  data)
{
  g_autoptr(AggStore) store = agg_test_open_store (fixture->path);
  g_autoptr(GError) error = NULL;
  Query bad = { "SELECT FROM WHERE", -1, NULL };

  g_assert_true (agg_test_run_job (store, AGG_STORE_READ, prepare_cache_job, NULL));

  /* A bad statement is an error, not a crash. */
  g_assert_null (agg_store_run_sync (store, AGG_STORE_READ, query_job, &bad, &error));
  g_assert_error (error, AGG_STORE_ERROR, AGG_STORE_ERROR_FAILED);
  g_assert_null (bad.text);
}

typedef struct
{
  GMainContext *context;
  GThread      *thread;
  guint         pending;
  guint         live_data;
  GArray       *order;
  GError       *error;
} AsyncState;

typedef struct
{
  AsyncState *state;
  char       *code;
} InsertData;

static gpointer
insert_data_job (AggStore  *store,
                 sqlite3   *db,
                 gpointer   user_data,
                 GError   **error)
{
  InsertData *insert = user_data;

  return insert_job (store, db, insert->code, error);
}

/* GTask's contract: the caller's context runs until the task data is
 * freed, which happens there too. */
static void
insert_data_free (gpointer data)
{
  InsertData *insert = data;

  g_assert_true (g_thread_self () == insert->state->thread);
  insert->state->live_data--;
  g_free (insert->code);
  g_free (insert);
}

static void
run_done (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  AsyncState *state = user_data;
  g_autoptr(GError) error = NULL;
  gsize id;

  g_assert_true (g_thread_self () == state->thread);
  g_assert_true (g_main_context_is_owner (state->context));
  g_assert_false (agg_store_is_owner_thread (AGG_STORE (source)));

  id = GPOINTER_TO_SIZE (agg_store_run_finish (AGG_STORE (source), result, &error));
  if (error != NULL && state->error == NULL)
    state->error = g_steal_pointer (&error);
  g_array_append_val (state->order, id);
  state->pending--;
}

/* Queues @n inserts from the calling thread and waits for their callbacks
 * in its own context. */
static void
run_async_inserts (AggStore *store,
                   guint     n)
{
  AsyncState state = { 0 };

  state.context = g_main_context_new ();
  state.thread = g_thread_self ();
  state.order = g_array_new (FALSE, FALSE, sizeof (gsize));
  g_main_context_push_thread_default (state.context);

  for (guint i = 0; i < n; i++)
    {
      InsertData *insert = g_new0 (InsertData, 1);

      insert->state = &state;
      insert->code = g_strdup_printf ("SSCC-async-%p-%u", (gpointer) state.thread, i);
      agg_store_run_async (store, AGG_STORE_WRITE, insert_data_job, insert, insert_data_free,
                           NULL, NULL, run_done, &state);
      state.pending++;
      state.live_data++;
    }
  while (state.pending > 0 || state.live_data > 0)
    g_main_context_iteration (state.context, TRUE);

  g_assert_no_error (state.error);
  g_assert_cmpuint (state.order->len, ==, n);
  for (guint i = 1; i < n; i++)
    g_assert_cmpuint (g_array_index (state.order, gsize, i), ==,
                      g_array_index (state.order, gsize, i - 1) + 1);

  g_main_context_pop_thread_default (state.context);
  g_main_context_unref (state.context);
  g_array_unref (state.order);
}

static gpointer
run_async_inserts_thread (gpointer store)
{
  run_async_inserts (store, 20);
  return NULL;
}

static void
test_run_async_context (Fixture       *fixture,
                        gconstpointer  data)
{
  g_autoptr(AggStore) store = agg_test_open_store (fixture->path);
  GThread *thread;

  run_async_inserts (store, 1);

  /* Another thread with a context of its own gets its callbacks there. */
  thread = g_thread_new ("test-caller", run_async_inserts_thread, store);
  g_thread_join (thread);

  g_assert_cmpint (store_query_int (store, "SELECT count(*) FROM test_scan"), ==, 21);
}

static void
test_run_async_order (Fixture       *fixture,
                      gconstpointer  data)
{
  g_autoptr(AggStore) store = agg_test_open_store (fixture->path);

  run_async_inserts (store, 300);
  g_assert_cmpint (store_query_int (store, "SELECT count(*) FROM test_scan"), ==, 300);
  g_assert_cmpint (plain_query_int (fixture->path, "SELECT count(*) FROM test_scan"), ==, 300);
}

typedef struct
{
  GMutex   mutex;
  GCond    cond;
  gboolean entered;
  gboolean open;
} Gate;

static gpointer
gate_job (AggStore  *store,
          sqlite3   *db,
          gpointer   user_data,
          GError   **error)
{
  Gate *gate = user_data;

  g_mutex_lock (&gate->mutex);
  gate->entered = TRUE;
  g_cond_broadcast (&gate->cond);
  while (!gate->open)
    g_cond_wait (&gate->cond, &gate->mutex);
  g_mutex_unlock (&gate->mutex);
  return NULL;
}

static int cancelled_job_runs;
static guint live_func_data;

static void
forget_func_data (gpointer data)
{
  live_func_data--;
}

static gpointer
count_job (AggStore  *store,
           sqlite3   *db,
           gpointer   user_data,
           GError   **error)
{
  g_atomic_int_inc (&cancelled_job_runs);
  return NULL;
}

/* Cancels its own job half-way; the job must still commit. */
static gpointer
cancel_then_insert_job (AggStore  *store,
                        sqlite3   *db,
                        gpointer   cancellable,
                        GError   **error)
{
  g_cancellable_cancel (cancellable);
  return insert_job (store, db, (gpointer) "SSCC-cancelled-late", error);
}

/* What one asynchronous job came to. */
typedef struct
{
  guint    *pending;
  gpointer  result;
  GError   *error;
} Outcome;

static void
outcome_done (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  Outcome *outcome = user_data;

  outcome->result = agg_store_run_finish (AGG_STORE (source), result, &outcome->error);
  (*outcome->pending)--;
}

static void
test_run_async_cancel (Fixture       *fixture,
                       gconstpointer  data)
{
  g_autoptr(AggStore) store = agg_test_open_store (fixture->path);
  g_autoptr(GCancellable) early = g_cancellable_new ();
  g_autoptr(GCancellable) late = g_cancellable_new ();
  guint pending = 3;
  Outcome gated = { &pending }, early_outcome = { &pending }, late_outcome = { &pending };
  Gate gate = { 0 };

  g_mutex_init (&gate.mutex);
  g_cond_init (&gate.cond);
  cancelled_job_runs = 0;

  /* Hold the store thread so the next job is still queued when cancelled. */
  live_func_data = 3;
  agg_store_run_async (store, AGG_STORE_WRITE, gate_job, &gate, forget_func_data, NULL, NULL,
                       outcome_done, &gated);
  g_mutex_lock (&gate.mutex);
  while (!gate.entered)
    g_cond_wait (&gate.cond, &gate.mutex);
  g_mutex_unlock (&gate.mutex);

  agg_store_run_async (store, AGG_STORE_WRITE, count_job, NULL, forget_func_data, NULL, early,
                       outcome_done, &early_outcome);
  agg_store_run_async (store, AGG_STORE_WRITE, cancel_then_insert_job, late, forget_func_data,
                       NULL, late, outcome_done, &late_outcome);
  g_cancellable_cancel (early);

  g_mutex_lock (&gate.mutex);
  gate.open = TRUE;
  g_cond_broadcast (&gate.cond);
  g_mutex_unlock (&gate.mutex);

  while (pending > 0 || live_func_data > 0)
    g_main_context_iteration (NULL, TRUE);

  g_assert_no_error (gated.error);

  g_assert_error (early_outcome.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_null (early_outcome.result);
  g_assert_cmpint (cancelled_job_runs, ==, 0);

  g_assert_true (g_cancellable_is_cancelled (late));
  g_assert_no_error (late_outcome.error);
  g_assert_nonnull (late_outcome.result);
  g_assert_true (plain_has_code (fixture->path, "SSCC-cancelled-late"));

  g_clear_error (&early_outcome.error);
  g_cond_clear (&gate.cond);
  g_mutex_clear (&gate.mutex);
}

static void
test_backup (Fixture       *fixture,
             gconstpointer  data)
{
  g_autofree char *dest = g_build_filename (fixture->dir, "backup.db", NULL);
  g_autofree char *part = g_strconcat (dest, ".part", NULL);
  g_autoptr(AggStore) store = agg_test_open_store (fixture->path);
  g_autoptr(AggStore) copy = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *before = NULL;
  g_autofree char *after = NULL;
  gsize before_length, after_length;

  store_insert_many (store, 50);

  g_assert_true (agg_store_backup_sync (store, dest, &error));
  g_assert_no_error (error);
  g_assert_false (g_file_test (part, G_FILE_TEST_EXISTS));
  g_assert_true (plain_quick_check_passes (dest));
  g_assert_cmpint (plain_query_int (dest, "SELECT count(*) FROM test_scan"), ==, 50);
  g_assert_true (plain_has_code (dest, "SSCC-00000"));
  g_assert_true (plain_has_code (dest, "SSCC-00049"));

  /* It opens as a station database of its own. */
  copy = agg_test_open_store (dest);
  g_assert_cmpint (store_query_int (copy, "PRAGMA user_version"), ==, agg_store_n_migrations);
  g_assert_cmpint (store_query_int (copy, "SELECT count(*) FROM test_scan"), ==, 50);
  agg_store_close (copy);

  /* An existing file is never overwritten. */
  g_file_get_contents (dest, &before, &before_length, &error);
  g_assert_no_error (error);
  store_insert (store, "SSCC-later");
  g_assert_false (agg_store_backup_sync (store, dest, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_EXISTS);
  g_clear_error (&error);
  g_file_get_contents (dest, &after, &after_length, &error);
  g_assert_no_error (error);
  g_assert_cmpmem (after, after_length, before, before_length);
  g_assert_false (g_file_test (part, G_FILE_TEST_EXISTS));
}

static gpointer
insert_big_job (AggStore  *store,
                sqlite3   *db,
                gpointer   code,
                GError   **error)
{
  return insert_row (store, db, code, 64 * 1024, error);
}

static void
test_max_pages (Fixture       *fixture,
                gconstpointer  data)
{
  g_autoptr(AggStore) store = agg_test_open_store (fixture->path);
  g_autoptr(GError) error = NULL;
  gint64 pages;

  store_insert_many (store, 20);
  pages = store_query_int (store, "PRAGMA page_count");

  g_assert_true (agg_store_set_max_pages (store, pages, &error));
  g_assert_no_error (error);
  g_assert_cmpint (store_query_int (store, "PRAGMA max_page_count"), ==, pages);

  agg_store_run_sync (store, AGG_STORE_WRITE, insert_big_job, (gpointer) "SSCC-too-big", &error);
  g_assert_error (error, AGG_STORE_ERROR, AGG_STORE_ERROR_FULL);
  g_clear_error (&error);

  /* Nothing of it was written, all before it is intact, reads go on. */
  g_assert_cmpint (store_query_int (store, "SELECT count(*) FROM test_scan"), ==, 20);
  g_assert_cmpint (plain_query_int (fixture->path, "SELECT count(*) FROM test_scan"), ==, 20);
  g_assert_false (plain_has_code (fixture->path, "SSCC-too-big"));
  g_assert_true (plain_has_code (fixture->path, "SSCC-00019"));
  g_assert_true (plain_quick_check_passes (fixture->path));

  g_assert_true (agg_store_set_max_pages (store, 0, &error));
  g_assert_no_error (error);
  agg_store_run_sync (store, AGG_STORE_WRITE, insert_big_job, (gpointer) "SSCC-too-big", &error);
  g_assert_no_error (error);
  g_assert_true (plain_has_code (fixture->path, "SSCC-too-big"));
  g_assert_cmpint (store_query_int (store, "PRAGMA page_count"), >, pages);
}

static void
closed_done (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  GError **error = user_data;

  g_assert_null (agg_store_run_finish (AGG_STORE (source), result, error));
}

static void
test_close (Fixture       *fixture,
            gconstpointer  data)
{
  g_autofree char *dest = g_build_filename (fixture->dir, "backup.db", NULL);
  g_autoptr(AggStore) store = agg_test_open_store (fixture->path);
  g_autoptr(GError) error = NULL;

  store_insert (store, "SSCC-before-close");
  agg_store_close (store);
  g_assert_true (plain_has_code (fixture->path, "SSCC-before-close"));

  g_assert_null (agg_store_run_sync (store, AGG_STORE_WRITE, insert_job, (gpointer) "SSCC-late",
                                     &error));
  g_assert_error (error, AGG_STORE_ERROR, AGG_STORE_ERROR_CLOSED);
  g_clear_error (&error);

  agg_store_run_async (store, AGG_STORE_WRITE, insert_job, (gpointer) "SSCC-late", NULL, NULL, NULL,
                       closed_done, &error);
  while (error == NULL)
    g_main_context_iteration (NULL, TRUE);
  g_assert_error (error, AGG_STORE_ERROR, AGG_STORE_ERROR_CLOSED);
  g_clear_error (&error);

  g_assert_false (agg_store_backup_sync (store, dest, &error));
  g_assert_error (error, AGG_STORE_ERROR, AGG_STORE_ERROR_CLOSED);
  g_clear_error (&error);
  g_assert_false (g_file_test (dest, G_FILE_TEST_EXISTS));

  g_assert_false (agg_store_set_max_pages (store, 10, &error));
  g_assert_error (error, AGG_STORE_ERROR, AGG_STORE_ERROR_CLOSED);
  g_clear_error (&error);

  /* Closing twice is harmless. */
  agg_store_close (store);
  g_assert_false (plain_has_code (fixture->path, "SSCC-late"));
}

/* What a crash leaves: the process ends right after COMMIT, without
 * closing, so the row exists only in the write-ahead log. */
static void
test_process_exit (void)
{
  Fixture fixture;
  g_autofree char *wal = NULL;
  g_autoptr(AggStore) store = NULL;

  if (g_test_subprocess ())
    {
      store = agg_test_open_store (g_getenv ("TEST_STORE_PATH"));
      store_insert (store, "SSCC-green");
      _exit (0);
    }

  fixture_set_up (&fixture, NULL);
  wal = g_strconcat (fixture.path, "-wal", NULL);
  g_setenv ("TEST_STORE_PATH", fixture.path, TRUE);
  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed ();

  g_assert_true (g_file_test (wal, G_FILE_TEST_IS_REGULAR));
  g_assert_true (plain_has_code (fixture.path, "SSCC-green"));

  store = agg_test_open_store (fixture.path);
  g_assert_cmpint (store_query_int (store, "SELECT count(*) FROM test_scan"), ==, 1);
  g_clear_object (&store);
  fixture_tear_down (&fixture, NULL);
}

static void
test_default_path (void)
{
  g_autofree char *path = agg_store_default_path ();
  g_autofree char *expected = g_build_filename (g_get_user_data_dir (), "aggregation-station",
                                                "station.db", NULL);

  g_assert_cmpstr (path, ==, expected);
}

#define ADD_TEST(name, func) \
  g_test_add (name, Fixture, NULL, fixture_set_up, func, fixture_tear_down)

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  ADD_TEST ("/store/open/pragmas", test_open_pragmas);
  ADD_TEST ("/store/open/migrations", test_open_migrations);
  ADD_TEST ("/store/open/newer-schema", test_open_newer_schema);
  ADD_TEST ("/store/open/corrupt", test_open_corrupt);
  ADD_TEST ("/store/open/corrupt-data", test_open_corrupt_data);
  ADD_TEST ("/store/open/not-a-database", test_open_not_a_database);
  ADD_TEST ("/store/run-sync/commit", test_run_sync_commit);
  ADD_TEST ("/store/run-sync/rollback", test_run_sync_rollback);
  ADD_TEST ("/store/run-sync/constraint", test_run_sync_constraint);
  ADD_TEST ("/store/run-sync/owner-thread", test_run_sync_owner_thread);
  ADD_TEST ("/store/prepare/cache", test_prepare_cache);
  ADD_TEST ("/store/run-async/context", test_run_async_context);
  ADD_TEST ("/store/run-async/order", test_run_async_order);
  ADD_TEST ("/store/run-async/cancel", test_run_async_cancel);
  ADD_TEST ("/store/backup", test_backup);
  ADD_TEST ("/store/max-pages", test_max_pages);
  ADD_TEST ("/store/close", test_close);
  g_test_add_func ("/store/process-exit", test_process_exit);
  g_test_add_func ("/store/default-path", test_default_path);

  return g_test_run ();
}
