/* test-audit.c: time stamps, settings and the tamper-evident audit trail
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include <string.h>

#include "agg-line-private.h"
#include "agg-test-utils.h"

#define ZERO_HASH "0000000000000000000000000000000000000000000000000000000000000000"
#define N_COLUMNS 15

/* The columns of the audit table in hash order, the hash last. */
static const char *const columns[N_COLUMNS] = {
  "id", "at", "utc_offset", "user_id", "username", "action", "object", "old_value",
  "new_value", "reason", "signer", "signer_name", "meaning", "prev_hash", "hash",
};

typedef AggTestStation Fixture;

/* What an attacker with the sqlite3 shell does: the station is stopped,
 * the file edited behind its back. */
static void
tamper (Fixture    *fixture,
        const char *sql)
{
  sqlite3 *db = NULL;
  char *message = NULL;

  agg_store_close (fixture->store);
  g_clear_object (&fixture->store);

  db = agg_test_db_open (fixture->path, SQLITE_OPEN_READWRITE);
  if (sqlite3_exec (db, sql, NULL, NULL, &message) != SQLITE_OK)
    g_error ("%s: %s", sql, message);
  agg_test_db_close (db);

  fixture->store = agg_test_open_store (fixture->path);
}

/* Jobs */

typedef struct
{
  guint               count;
  const char         *action;
  const AggActor     *actor;
  const AggSignature *signature;
  gint64              last_id;
} AppendJob;

static gpointer
append_job (AggStore  *store,
            sqlite3   *db,
            gpointer   user_data,
            GError   **error)
{
  AppendJob *job = user_data;

  for (guint i = 0; i < job->count; i++)
    {
      g_autofree char *object = g_strdup_printf ("object-%u", i);
      g_autofree char *new_value = g_strdup_printf ("%u", i);

      /* Vary which fields are NULL. */
      if (!agg_audit_append (store, job->actor, job->action, i % 3 ? object : NULL,
                             i % 2 ? "old" : NULL, new_value, i % 5 ? NULL : "because",
                             job->signature, &job->last_id, error))
        return NULL;
    }

  return NULL;
}

static gint64
append (Fixture            *fixture,
        guint               count,
        const AggSignature *signature)
{
  const AggActor actor = { 0, "station", AGG_ROLE_ADMIN };
  AppendJob job = { count, "test.event", &actor, signature, 0 };

  agg_test_run_job (fixture->store, AGG_STORE_WRITE, append_job, &job);
  return job.last_id;
}

typedef struct
{
  gint64   bad_id;
  char    *problem;
  guint64  n_rows;
} Verdict;

static void
verdict_clear (Verdict *verdict)
{
  g_clear_pointer (&verdict->problem, g_free);
}

static void
assert_intact (Fixture *fixture,
               guint64  n_rows)
{
  g_assert_cmpuint (agg_test_assert_audit_intact (fixture->store), ==, n_rows);
}

/* @n_rows: how many rows verification read, the bad one included. */
static void
assert_broken (Fixture    *fixture,
               gint64      bad_id,
               guint64     n_rows,
               const char *problem)
{
  Verdict verdict = { 0 };

  agg_test_audit_verify (fixture->store, &verdict.bad_id, &verdict.problem, &verdict.n_rows);
  g_assert_cmpint (verdict.bad_id, ==, bad_id);
  g_assert_cmpstr (verdict.problem, ==, problem);
  g_assert_cmpuint (verdict.n_rows, ==, n_rows);
  verdict_clear (&verdict);
}

/* One row of the audit table; NULL columns are NULL. */
typedef struct
{
  gint64  id;
  char   *value[N_COLUMNS];
} Row;

static void
row_clear (Row *row)
{
  for (guint i = 0; i < N_COLUMNS; i++)
    g_clear_pointer (&row->value[i], g_free);
}

static gpointer
read_row_job (AggStore  *store,
              sqlite3   *db,
              gpointer   user_data,
              GError   **error)
{
  Row *row = user_data;
  g_autofree char *sql = NULL;
  sqlite3_stmt *stmt;

  sql = g_strdup_printf ("SELECT %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s"
                         " FROM audit WHERE id = ?",
                         columns[0], columns[1], columns[2], columns[3], columns[4],
                         columns[5], columns[6], columns[7], columns[8], columns[9],
                         columns[10], columns[11], columns[12], columns[13], columns[14]);
  stmt = agg_store_prepare (store, sql, error);
  g_assert_nonnull (stmt);
  sqlite3_bind_int64 (stmt, 1, row->id);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  for (guint i = 0; i < N_COLUMNS; i++)
    row->value[i] = g_strdup ((const char *) sqlite3_column_text (stmt, i));
  sqlite3_reset (stmt);

  return NULL;
}

static void
read_row (Fixture *fixture,
          gint64   id,
          Row     *row)
{
  row->id = id;
  agg_test_run_job (fixture->store, AGG_STORE_READ, read_row_job, row);
}

/* The serialisation, written out again from its description, so that the
 * format cannot change by accident. */
static char *
expected_hash (const Row *row)
{
  g_autoptr(GChecksum) checksum = g_checksum_new (G_CHECKSUM_SHA256);

  for (guint i = 0; i < N_COLUMNS - 1; i++)
    {
      g_autofree char *field = NULL;

      if (row->value[i] == NULL)
        field = g_strdup ("-");
      else
        field = g_strdup_printf ("%zu:%s", strlen (row->value[i]), row->value[i]);
      g_checksum_update (checksum, (const guchar *) field, -1);
    }

  return g_strdup (g_checksum_get_string (checksum));
}

typedef struct
{
  const char *sql;
  GError     *error;
} ExecJob;

static gpointer
exec_job (AggStore  *store,
          sqlite3   *db,
          gpointer   user_data,
          GError   **error)
{
  ExecJob *job = user_data;

  agg_store_exec (store, job->sql, &job->error);
  return NULL;
}

static gint64
count_rows (Fixture    *fixture,
            const char *where)
{
  g_autofree char *sql = g_strdup_printf ("SELECT count (*) FROM audit WHERE %s", where);

  /* A second connection reads what the store committed. */
  return agg_test_db_int (fixture->db, sql, NULL);
}

/* Tests */

static void
test_now_utc (void)
{
  g_autofree char *now = agg_now_utc ();

  g_assert_true (g_regex_match_simple ("^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}"
                                       "\\.[0-9]{3}Z$", now, 0, 0));
}

typedef struct
{
  const char *value;
  char       *offset;
  GError     *error;
} OffsetJob;

static gpointer
offset_job (AggStore  *store,
            sqlite3   *db,
            gpointer   user_data,
            GError   **error)
{
  OffsetJob *job = user_data;

  if (job->value != NULL)
    agg_settings_set (store, NULL, "utc_offset", job->value, &job->error);
  job->offset = agg_utc_offset (store);
  return NULL;
}

/* Sets the offset to @value unless it is NULL, then reads it back. */
static void
utc_offset (Fixture    *fixture,
            OffsetJob  *job,
            const char *value)
{
  job->value = value;
  g_clear_pointer (&job->offset, g_free);
  agg_test_run_job (fixture->store, AGG_STORE_WRITE, offset_job, job);
}

static void
test_utc_offset (Fixture       *fixture,
                 gconstpointer  data)
{
  OffsetJob job = { NULL, NULL, NULL };
  Row row = { 0 };
  gint64 id;

  utc_offset (fixture, &job, NULL);
  g_assert_no_error (job.error);
  g_assert_true (g_regex_match_simple ("^[+-][0-9]{2}:[0-9]{2}$", job.offset, 0, 0));

  utc_offset (fixture, &job, "+05:30");
  g_assert_no_error (job.error);
  g_assert_cmpstr (job.offset, ==, "+05:30");

  /* The offset is stamped on every audit row. */
  id = append (fixture, 1, NULL);
  read_row (fixture, id, &row);
  g_assert_cmpstr (row.value[2], ==, "+05:30");
  row_clear (&row);

  for (guint i = 0; i < 4; i++)
    {
      static const char *const bad[] = { "+5:30", "UTC", "+15:00", "+01:60" };

      utc_offset (fixture, &job, bad[i]);
      g_assert_error (job.error, AGG_LINE_ERROR, AGG_LINE_ERROR_INVALID);
      g_clear_error (&job.error);
      g_assert_cmpstr (job.offset, ==, "+05:30");
    }
  g_free (job.offset);
}

static void
test_empty (Fixture       *fixture,
            gconstpointer  data)
{
  assert_intact (fixture, 0);
}

static void
test_chain (Fixture       *fixture,
            gconstpointer  data)
{
  const AggSignature signature = { "qa", "Quality Assurance", "approved" };
  g_autofree char *hash1 = NULL;
  Row row1 = { 0 }, row2 = { 0 }, row_signed = { 0 };
  gint64 last;

  append (fixture, 1500, NULL);
  append (fixture, 10, &signature);
  last = append (fixture, 490, NULL);
  g_assert_cmpint (last, ==, 2000);
  assert_intact (fixture, 2000);

  read_row (fixture, 1, &row1);
  read_row (fixture, 2, &row2);
  g_assert_cmpstr (row1.value[13], ==, ZERO_HASH);
  g_assert_true (g_regex_match_simple ("^[0-9a-f]{64}$", row1.value[14], 0, 0));
  g_assert_cmpstr (row2.value[13], ==, row1.value[14]);
  g_assert_true (g_regex_match_simple ("^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}\\.[0-9]{3}Z$",
                                       row1.value[1], 0, 0));
  /* The station is no user: no user id, but the name it gave. */
  g_assert_null (row1.value[3]);
  g_assert_cmpstr (row1.value[4], ==, "station");

  /* The hash is the documented serialisation. */
  hash1 = expected_hash (&row1);
  g_assert_cmpstr (row1.value[14], ==, hash1);

  read_row (fixture, 1501, &row_signed);
  g_assert_cmpstr (row_signed.value[10], ==, "qa");
  g_assert_cmpstr (row_signed.value[11], ==, "Quality Assurance");
  g_assert_cmpstr (row_signed.value[12], ==, "approved");

  row_clear (&row1);
  row_clear (&row2);
  row_clear (&row_signed);
}

/* Edits of the file that verification must catch: what is done, and what
 * verification then says. */
typedef struct
{
  const char *sql;
  gint64      bad_id;
  guint64     n_rows;                 /* read, the bad row included */
  const char *problem;
} Tampering;

typedef struct
{
  guint     n_appended;
  Tampering steps[2];                 /* one after the other; sql NULL: none */
} TamperCase;

static const TamperCase altered = {
  30, { { "DROP TRIGGER audit_no_update;"
          "UPDATE audit SET new_value = 'forged' WHERE id = 17;",
          17, 17, "row 17 was altered" } }
};

static const TamperCase removed = {
  30, { { "DROP TRIGGER audit_no_delete;"
          "DELETE FROM audit WHERE id = 10;",
          11, 10, "row 11 follows a removed row" },
        { "DELETE FROM audit WHERE id < 10;",
          11, 1, "row 11 follows a removed row" } }
};

static const TamperCase removed_first = {
  5, { { "DROP TRIGGER audit_no_delete;"
         "DELETE FROM audit WHERE id = 1;",
         2, 1, "row 2 follows a removed row" } }
};

static const TamperCase swapped = {
  10, { { "DROP TRIGGER audit_no_update;"
          "UPDATE audit SET id = -5 WHERE id = 5;"
          "UPDATE audit SET id = 5 WHERE id = 6;"
          "UPDATE audit SET id = 6 WHERE id = -5;",
          5, 5, "row 5 does not follow row 4: inserted or reordered" } }
};

static void
test_tampered (Fixture       *fixture,
               gconstpointer  data)
{
  const TamperCase *c = data;

  append (fixture, c->n_appended, NULL);
  for (guint i = 0; i < G_N_ELEMENTS (c->steps) && c->steps[i].sql != NULL; i++)
    {
      tamper (fixture, c->steps[i].sql);
      assert_broken (fixture, c->steps[i].bad_id, c->steps[i].n_rows, c->steps[i].problem);
    }
}

/* A forger who knows the algorithm replaces row 10 with a row of his own
 * whose hash is right: the row after it no longer follows. */
static void
test_forged_in_the_middle (Fixture       *fixture,
                           gconstpointer  data)
{
  g_autofree char *sql = NULL;
  g_autofree char *hash = NULL;
  Row row9 = { 0 }, forged = { 0 };

  append (fixture, 20, NULL);
  read_row (fixture, 9, &row9);
  read_row (fixture, 10, &forged);

  g_free (forged.value[8]);
  forged.value[8] = g_strdup ("forged");
  g_free (forged.value[13]);
  forged.value[13] = g_strdup (row9.value[14]);
  hash = expected_hash (&forged);

  sql = g_strdup_printf ("DROP TRIGGER audit_no_update;"
                         "UPDATE audit SET new_value = 'forged', hash = '%s' WHERE id = 10;",
                         hash);
  tamper (fixture, sql);
  assert_broken (fixture, 11, 11, "row 11 does not follow row 10: inserted or reordered");

  row_clear (&row9);
  row_clear (&forged);
}

static void
test_forged_at_the_end (Fixture       *fixture,
                        gconstpointer  data)
{
  Row row = { 0 };
  g_autofree char *sql = NULL;

  append (fixture, 30, NULL);

  tamper (fixture,
          "INSERT INTO audit (id, at, utc_offset, action, prev_hash, hash)"
          " VALUES (31, '2030-01-01T00:00:00.000Z', '+00:00', 'user.add',"
          " '" ZERO_HASH "', '" ZERO_HASH "');");
  assert_broken (fixture, 31, 31, "row 31 does not follow row 30: inserted or reordered");

  /* With the right predecessor but a made-up hash. */
  read_row (fixture, 30, &row);
  sql = g_strdup_printf ("DROP TRIGGER audit_no_update;"
                         "UPDATE audit SET prev_hash = '%s' WHERE id = 31;", row.value[14]);
  tamper (fixture, sql);
  assert_broken (fixture, 31, 31, "row 31 was altered");
  row_clear (&row);
}

/* Tampering inside one job that then fails, so it is rolled back. */
typedef struct
{
  const char *sql;
  Verdict     verdict;
} TamperJob;

static gpointer
tamper_job (AggStore  *store,
            sqlite3   *db,
            gpointer   user_data,
            GError   **error)
{
  TamperJob *job = user_data;
  g_autoptr(GError) local_error = NULL;

  g_assert_true (agg_store_exec (store, "DROP TRIGGER audit_no_update", &local_error));
  g_assert_no_error (local_error);
  g_assert_true (agg_store_exec (store, job->sql, &local_error));
  g_assert_no_error (local_error);
  g_assert_true (agg_audit_verify (store, &job->verdict.bad_id, &job->verdict.problem,
                                   &job->verdict.n_rows, &local_error));
  g_assert_no_error (local_error);

  g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_CANCELLED, "roll back");
  return NULL;
}

/* Verifies the trail as @sql leaves it, in a job that is then rolled
 * back. */
static void
verify_tampered (Fixture    *fixture,
                 const char *sql,
                 Verdict    *verdict)
{
  g_autoptr(GError) error = NULL;
  TamperJob job = { sql, { 0 } };

  agg_store_run_sync (fixture->store, AGG_STORE_WRITE, tamper_job, &job, &error);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  *verdict = job.verdict;
}

static gpointer
add_users_job (AggStore  *store,
               sqlite3   *db,
               gpointer   user_data,
               GError   **error)
{
  g_assert_true (agg_store_exec (store,
                                 "INSERT INTO users (id, username, full_name, role, pin_hash,"
                                 " created_at) VALUES"
                                 " (7, 'qa', 'QA', 'admin', 'x', '2026-01-01T00:00:00.000Z'),"
                                 " (8, 'qb', 'QB', 'admin', 'x', '2026-01-01T00:00:00.000Z')",
                                 error));
  return NULL;
}

/* Appends a row with every field set, then one with as many NULL as
 * allowed. */
static gpointer
full_and_bare_job (AggStore  *store,
                   sqlite3   *db,
                   gpointer   user_data,
                   GError   **error)
{
  const AggSignature signature = { "qa", "Quality Assurance", "approved" };
  const AggActor actor = { 7, "qa", AGG_ROLE_ADMIN };

  g_assert_true (agg_audit_append (store, &actor, "order.close", "WO-1", "running", "closed",
                                   "end of shift", &signature, NULL, error));
  g_assert_true (agg_audit_append (store, NULL, "station.start", NULL, NULL, NULL,
                                   NULL, NULL, NULL, error));
  return NULL;
}

/* Every field, the signature's included, is covered by the hash, and
 * NULL is told apart from an empty string. */
static void
test_every_field (Fixture       *fixture,
                  gconstpointer  data)
{
  Row row = { 0 };

  agg_test_run_job (fixture->store, AGG_STORE_WRITE, add_users_job, NULL);
  append (fixture, 4, NULL);
  agg_test_run_job (fixture->store, AGG_STORE_WRITE, full_and_bare_job, NULL);
  append (fixture, 4, NULL);

  read_row (fixture, 5, &row);
  for (guint i = 0; i < N_COLUMNS; i++)
    g_assert_nonnull (row.value[i]);
  row_clear (&row);

  for (guint i = 1; i < N_COLUMNS; i++)
    {
      g_autofree char *set_row5 = NULL;
      g_autofree char *set_row6 = NULL;
      g_autofree char *expected = NULL;
      Verdict verdict = { 0 };

      if (strcmp (columns[i], "user_id") == 0)
        {
          set_row5 = g_strdup ("UPDATE audit SET user_id = 8 WHERE id = 5");
          set_row6 = g_strdup ("UPDATE audit SET user_id = 7 WHERE id = 6");
        }
      else
        {
          set_row5 = g_strdup_printf ("UPDATE audit SET %s = %s || 'x' WHERE id = 5",
                                      columns[i], columns[i]);
          set_row6 = g_strdup_printf ("UPDATE audit SET %s = coalesce (%s, '') WHERE id = 6",
                                      columns[i], columns[i]);
        }

      expected = strcmp (columns[i], "prev_hash") == 0
                 ? g_strdup ("row 5 does not follow row 4: inserted or reordered")
                 : g_strdup ("row 5 was altered");
      verify_tampered (fixture, set_row5, &verdict);
      g_test_message ("%s changed", columns[i]);
      g_assert_cmpint (verdict.bad_id, ==, 5);
      g_assert_cmpstr (verdict.problem, ==, expected);
      verdict_clear (&verdict);

      /* NULL became empty; columns that cannot be NULL do not change. */
      verify_tampered (fixture, set_row6, &verdict);
      if (g_strv_contains ((const char *const[]) { "at", "utc_offset", "action",
                                                   "prev_hash", "hash", NULL }, columns[i]))
        g_assert_cmpint (verdict.bad_id, ==, 0);
      else
        g_assert_cmpint (verdict.bad_id, ==, 6);
      verdict_clear (&verdict);
    }

  /* All of it was rolled back. */
  assert_intact (fixture, 10);
}

static void
test_triggers (Fixture       *fixture,
               gconstpointer  data)
{
  static const char *const statements[] = {
    "UPDATE audit SET reason = 'tidied up' WHERE id = 2",
    "DELETE FROM audit WHERE id = 2",
    "DELETE FROM audit",
  };
  append (fixture, 3, NULL);

  for (guint i = 0; i < G_N_ELEMENTS (statements); i++)
    {
      ExecJob job = { statements[i], NULL };

      agg_test_run_job (fixture->store, AGG_STORE_WRITE, exec_job, &job);
      g_assert_error (job.error, AGG_STORE_ERROR, AGG_STORE_ERROR_CONSTRAINT);
      g_assert_nonnull (strstr (job.error->message, "append-only"));
      g_clear_error (&job.error);
    }

  g_assert_cmpint (count_rows (fixture, "reason IS NULL OR reason <> 'tidied up'"), ==, 3);
  assert_intact (fixture, 3);
}

typedef struct
{
  const char *key;
  const char *value;
  gint64      fallback;
  char       *got;
  gint64      got_int;
} SettingJob;

static gpointer
setting_job (AggStore  *store,
             sqlite3   *db,
             gpointer   user_data,
             GError   **error)
{
  SettingJob *job = user_data;
  const AggActor actor = { 0, "admin", AGG_ROLE_ADMIN };

  if (job->value != NULL && !agg_settings_set (store, &actor, job->key, job->value, error))
    return NULL;

  g_clear_pointer (&job->got, g_free);
  job->got = agg_settings_get (store, job->key, error);
  job->got_int = agg_settings_get_int (store, job->key, job->fallback);
  return NULL;
}

static void
setting (Fixture    *fixture,
         SettingJob *job,
         const char *key,
         const char *value)
{
  job->key = key;
  job->value = value;
  agg_test_run_job (fixture->store, AGG_STORE_WRITE, setting_job, job);
}

static void
test_settings (Fixture       *fixture,
               gconstpointer  data)
{
  SettingJob job = { .fallback = 42 };
  Row row = { 0 };

  setting (fixture, &job, "station_name", NULL);
  g_assert_null (job.got);
  g_assert_cmpint (job.got_int, ==, 42);
  g_assert_cmpint (count_rows (fixture, "1"), ==, 0);

  setting (fixture, &job, "station_name", "Line A");
  g_assert_cmpstr (job.got, ==, "Line A");
  g_assert_cmpint (job.got_int, ==, 42);
  read_row (fixture, 1, &row);
  g_assert_cmpstr (row.value[4], ==, "admin");
  g_assert_cmpstr (row.value[5], ==, "setting.change");
  g_assert_cmpstr (row.value[6], ==, "station_name");
  g_assert_null (row.value[7]);
  g_assert_cmpstr (row.value[8], ==, "Line A");
  row_clear (&row);

  setting (fixture, &job, "station_name", "Line B");
  read_row (fixture, 2, &row);
  g_assert_cmpstr (row.value[7], ==, "Line A");
  g_assert_cmpstr (row.value[8], ==, "Line B");
  row_clear (&row);

  /* The same value again is no change. */
  setting (fixture, &job, "station_name", "Line B");
  g_assert_cmpint (count_rows (fixture, "1"), ==, 2);

  setting (fixture, &job, "lockout_attempts", "7");
  g_assert_cmpint (job.got_int, ==, 7);
  setting (fixture, &job, "lockout_attempts", "-3");
  g_assert_cmpint (job.got_int, ==, -3);
  setting (fixture, &job, "lockout_attempts", "seven");
  g_assert_cmpint (job.got_int, ==, 42);
  g_assert_cmpint (count_rows (fixture, "action = 'setting.change'"), ==, 5);

  g_free (job.got);
  assert_intact (fixture, 5);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

#define ADD_TAMPERED(name, data) \
  g_test_add (name, Fixture, data, agg_test_station_set_up, test_tampered, \
              agg_test_station_tear_down)

  g_test_add_func ("/audit/now-utc", test_now_utc);
  agg_test_add_station ("/audit/utc-offset", test_utc_offset);
  agg_test_add_station ("/audit/empty", test_empty);
  agg_test_add_station ("/audit/chain", test_chain);
  ADD_TAMPERED ("/audit/altered", &altered);
  ADD_TAMPERED ("/audit/removed", &removed);
  ADD_TAMPERED ("/audit/removed-first", &removed_first);
  agg_test_add_station ("/audit/forged-in-the-middle", test_forged_in_the_middle);
  agg_test_add_station ("/audit/forged-at-the-end", test_forged_at_the_end);
  ADD_TAMPERED ("/audit/swapped", &swapped);
  agg_test_add_station ("/audit/every-field", test_every_field);
  agg_test_add_station ("/audit/triggers", test_triggers);
  agg_test_add_station ("/audit/settings", test_settings);

#undef ADD_TAMPERED

  return g_test_run ();
}
