/* test-users.c: users, PINs, the lockout and what the audit trail keeps
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include <string.h>

#include "agg-line-private.h"
#include "agg-test-utils.h"

typedef AggTestStation Fixture;

/* One call of the API per job.  Its error is kept in the job and the job
 * itself succeeds, so the transaction commits as the line engine's does
 * after a failed login. */
typedef enum
{
  OP_ADD,
  OP_AUTHENTICATE,
  OP_SET_PIN,
  OP_SET_ACTIVE,
  OP_LOOKUP,
  OP_LOOKUP_BADGE,
  OP_LIST,
  OP_SET_SETTING,
  OP_EXEC,
} Op;

typedef struct
{
  Op             op;
  const char    *username;
  const char    *full_name;
  AggRole        role;
  const char    *pin;
  const char    *badge;
  gboolean       active;

  gboolean       ok;
  AggAuthResult  auth;
  AggUser       *user;
  GPtrArray     *list;
  GError        *error;
} Job;

static const AggActor admin = { 0, "admin", AGG_ROLE_ADMIN };

static gpointer
run_job (AggStore  *store,
         sqlite3   *db,
         gpointer   user_data,
         GError   **error)
{
  Job *job = user_data;

  switch (job->op)
    {
    case OP_ADD:
      job->ok = agg_user_add (store, &admin, job->username, job->full_name, job->role,
                              job->pin, job->badge, &job->error);
      break;
    case OP_AUTHENTICATE:
      job->auth = agg_user_authenticate (store, job->username, job->pin, &job->user, &job->error);
      break;
    case OP_SET_PIN:
      job->ok = agg_user_set_pin (store, &admin, job->username, job->pin, &job->error);
      break;
    case OP_SET_ACTIVE:
      job->ok = agg_user_set_active (store, &admin, job->username, job->active, &job->error);
      break;
    case OP_LOOKUP:
      job->user = agg_user_lookup (store, job->username, &job->error);
      break;
    case OP_LOOKUP_BADGE:
      job->user = agg_user_lookup_badge (store, job->badge, &job->error);
      break;
    case OP_LIST:
      job->list = agg_user_list (store, &job->error);
      break;
    case OP_SET_SETTING:
      job->ok = agg_settings_set (store, &admin, job->username, job->pin, &job->error);
      break;
    case OP_EXEC:
      job->ok = agg_store_exec (store, job->username, &job->error);
      break;
    default:
      g_assert_not_reached ();
    }

  return NULL;
}

static void
run (Fixture *fixture,
     Job     *job)
{
  agg_test_run_job (fixture->store, AGG_STORE_WRITE, run_job, job);
}

/* The same, for a call that must succeed. */
static void
run_ok (Fixture *fixture,
        Job     *job)
{
  run (fixture, job);
  g_assert_no_error (job->error);
  g_assert_true (job->ok);
}

static GError *
add_user (Fixture    *fixture,
          const char *username,
          const char *full_name,
          AggRole     role,
          const char *pin,
          const char *badge)
{
  Job job = { OP_ADD, username, full_name, role, pin, badge };

  run (fixture, &job);
  g_assert_true (job.ok == (job.error == NULL));
  return job.error;
}

static AggAuthResult
authenticate (Fixture     *fixture,
              const char  *username,
              const char  *pin,
              AggUser    **out_user)
{
  Job job = { OP_AUTHENTICATE, username, .pin = pin };

  run (fixture, &job);
  g_assert_no_error (job.error);
  g_assert_true ((job.auth == AGG_AUTH_OK) == (job.user != NULL));
  if (out_user != NULL)
    *out_user = job.user;
  else
    agg_user_free (job.user);
  return job.auth;
}

static AggUser *
lookup (Fixture    *fixture,
        const char *username)
{
  Job job = { OP_LOOKUP, username };

  run (fixture, &job);
  g_assert_no_error (job.error);
  g_assert_nonnull (job.user);
  return job.user;
}

static void
set_pin (Fixture    *fixture,
         const char *username,
         const char *pin)
{
  Job job = { OP_SET_PIN, username, .pin = pin };

  run_ok (fixture, &job);
}

static void
set_active (Fixture    *fixture,
            const char *username,
            gboolean    active)
{
  Job job = { OP_SET_ACTIVE, username, .active = active };

  run_ok (fixture, &job);
}

/* Reads what the store committed, through the fixture's own connection. */
static gint64
query_int (Fixture    *fixture,
           const char *sql)
{
  return agg_test_db_int (fixture->db, sql, NULL);
}

static gint64
count_audit (Fixture    *fixture,
             const char *action,
             const char *object)
{
  g_autofree char *sql = g_strdup_printf ("SELECT count (*) FROM audit"
                                          " WHERE action = '%s' AND object = '%s'",
                                          action, object);

  return query_int (fixture, sql);
}

static void
assert_audit_intact (Fixture *fixture)
{
  g_assert_cmpint (agg_test_assert_audit_intact (fixture->store), ==,
                   query_int (fixture, "SELECT count (*) FROM audit"));
}

/* Tests */

static void
test_roles (void)
{
  static const struct
  {
    AggRole     role;
    const char *name;
  } roles[] = {
    { AGG_ROLE_OPERATOR, "operator" },
    { AGG_ROLE_SUPERVISOR, "supervisor" },
    { AGG_ROLE_ADMIN, "admin" },
  };
  AggRole role;

  for (guint i = 0; i < G_N_ELEMENTS (roles); i++)
    {
      g_assert_cmpstr (agg_role_to_string (roles[i].role), ==, roles[i].name);
      g_assert_true (agg_role_from_string (roles[i].name, &role));
      g_assert_cmpint (role, ==, roles[i].role);
    }

  g_assert_false (agg_role_from_string ("Admin", &role));
  g_assert_false (agg_role_from_string ("root", &role));
  g_assert_false (agg_role_from_string ("", &role));
}

static void
test_add (Fixture       *fixture,
          gconstpointer  data)
{
  g_autoptr(AggUser) user = NULL;
  g_autoptr(GPtrArray) texts = NULL;
  Job job = { OP_LOOKUP_BADGE, .badge = "B-7" };
  Job list = { OP_LIST };

  g_assert_no_error (add_user (fixture, "olga.k", "Olga Kowalska", AGG_ROLE_OPERATOR,
                               "4821", "B-7"));
  g_assert_no_error (add_user (fixture, "admin", "Ada Admin", AGG_ROLE_ADMIN, "990011", NULL));
  g_assert_no_error (add_user (fixture, "sam_2", "  Sam Super ", AGG_ROLE_SUPERVISOR,
                               "123456789012", ""));

  user = lookup (fixture, "olga.k");
  g_assert_cmpint (user->id, >, 0);
  g_assert_cmpstr (user->username, ==, "olga.k");
  g_assert_cmpstr (user->full_name, ==, "Olga Kowalska");
  g_assert_cmpint (user->role, ==, AGG_ROLE_OPERATOR);
  g_assert_cmpstr (user->badge, ==, "B-7");
  g_assert_true (user->active);
  g_assert_false (user->locked);
  g_assert_cmpuint (user->failed_attempts, ==, 0);
  g_clear_pointer (&user, agg_user_free);

  run (fixture, &job);
  g_assert_no_error (job.error);
  g_assert_cmpstr (job.user->username, ==, "olga.k");
  agg_user_free (job.user);

  /* Names are trimmed; an empty badge is none. */
  user = lookup (fixture, "sam_2");
  g_assert_cmpstr (user->full_name, ==, "Sam Super");
  g_assert_null (user->badge);

  run (fixture, &list);
  g_assert_no_error (list.error);
  g_assert_cmpuint (list.list->len, ==, 3);
  g_assert_cmpstr (((AggUser *) list.list->pdata[0])->username, ==, "admin");
  g_assert_cmpstr (((AggUser *) list.list->pdata[1])->username, ==, "olga.k");
  g_assert_cmpstr (((AggUser *) list.list->pdata[2])->username, ==, "sam_2");
  g_ptr_array_unref (list.list);

  g_assert_cmpint (count_audit (fixture, "user.add", "olga.k"), ==, 1);
  texts = agg_test_db_texts (fixture->db, "SELECT new_value FROM audit WHERE object = 'olga.k'");
  g_assert_cmpuint (texts->len, ==, 1);
  g_assert_cmpstr (texts->pdata[0], ==,
                   "{\"full_name\":\"Olga Kowalska\",\"role\":\"operator\",\"badge\":\"B-7\"}");
  g_assert_cmpint (query_int (fixture, "SELECT count (*) FROM users"
                                       " WHERE pin_hash LIKE '$argon2id$%'"), ==, 3);
}

static void
test_add_invalid (Fixture       *fixture,
                  gconstpointer  data)
{
  static const char *const bad_usernames[] = {
    "", "Olga", "olga k", "olga@site", "ölga", "a23456789012345678901234567890123",
  };
  static const char *const bad_pins[] = {
    "", "123", "1234567890123", "12a4", "12 34", "\xd9\xa1\xd9\xa2\xd9\xa3\xd9\xa4",
  };
  GError *error;

  for (guint i = 0; i < G_N_ELEMENTS (bad_usernames); i++)
    {
      error = add_user (fixture, bad_usernames[i], "Name", AGG_ROLE_OPERATOR, "1234", NULL);
      g_assert_error (error, AGG_LINE_ERROR, AGG_LINE_ERROR_INVALID);
      g_clear_error (&error);
    }

  for (guint i = 0; i < G_N_ELEMENTS (bad_pins); i++)
    {
      error = add_user (fixture, "olga", "Olga", AGG_ROLE_OPERATOR, bad_pins[i], NULL);
      g_assert_error (error, AGG_LINE_ERROR, AGG_LINE_ERROR_INVALID);
      /* The refusal never repeats the PIN. */
      if (*bad_pins[i] != '\0')
        g_assert_null (strstr (error->message, bad_pins[i]));
      g_clear_error (&error);
    }

  error = add_user (fixture, "olga", " ", AGG_ROLE_OPERATOR, "1234", NULL);
  g_assert_error (error, AGG_LINE_ERROR, AGG_LINE_ERROR_INVALID);
  g_clear_error (&error);

  /* The longest name and PIN are fine. */
  g_assert_no_error (add_user (fixture, "a2345678901234567890123456789012", "Long",
                               AGG_ROLE_OPERATOR, "123456789012", NULL));
  g_assert_no_error (add_user (fixture, "olga", "Olga", AGG_ROLE_OPERATOR, "1234", "B-1"));

  error = add_user (fixture, "olga", "Another Olga", AGG_ROLE_ADMIN, "5678", NULL);
  g_assert_error (error, AGG_LINE_ERROR, AGG_LINE_ERROR_EXISTS);
  g_clear_error (&error);

  error = add_user (fixture, "olga2", "Olga Two", AGG_ROLE_OPERATOR, "5678", "B-1");
  g_assert_error (error, AGG_LINE_ERROR, AGG_LINE_ERROR_EXISTS);
  g_assert_nonnull (strstr (error->message, "olga"));
  g_clear_error (&error);

  g_assert_cmpint (query_int (fixture, "SELECT count (*) FROM users"), ==, 2);
  g_assert_cmpint (query_int (fixture, "SELECT count (*) FROM audit"), ==, 2);
}

static void
test_authenticate (Fixture       *fixture,
                   gconstpointer  data)
{
  g_autoptr(AggUser) user = NULL;
  g_autoptr(AggUser) stored = NULL;

  g_assert_no_error (add_user (fixture, "olga", "Olga", AGG_ROLE_SUPERVISOR, "4821", NULL));

  g_assert_cmpint (authenticate (fixture, "olga", "4821", &user), ==, AGG_AUTH_OK);
  g_assert_cmpstr (user->username, ==, "olga");
  g_assert_cmpint (user->role, ==, AGG_ROLE_SUPERVISOR);

  g_assert_cmpint (authenticate (fixture, "olga", "4822", NULL), ==, AGG_AUTH_BAD_CREDENTIALS);
  g_assert_cmpint (authenticate (fixture, "olga", "", NULL), ==, AGG_AUTH_BAD_CREDENTIALS);
  stored = lookup (fixture, "olga");
  g_assert_cmpuint (stored->failed_attempts, ==, 2);
  g_clear_pointer (&stored, agg_user_free);
  g_assert_cmpint (count_audit (fixture, "user.login-failed", "olga"), ==, 2);
  g_assert_cmpint (query_int (fixture, "SELECT count (*) FROM audit WHERE object = 'olga'"
                                       " AND old_value = '1' AND new_value = '2'"
                                       " AND reason = 'wrong PIN'"), ==, 1);

  /* Success forgets the failures. */
  g_assert_cmpint (authenticate (fixture, "olga", "4821", NULL), ==, AGG_AUTH_OK);
  stored = lookup (fixture, "olga");
  g_assert_cmpuint (stored->failed_attempts, ==, 0);

  g_assert_cmpint (authenticate (fixture, "nobody", "4821", NULL), ==, AGG_AUTH_BAD_CREDENTIALS);
  g_assert_cmpint (query_int (fixture, "SELECT count (*) FROM audit"
                                       " WHERE action = 'user.login-failed' AND object = 'nobody'"
                                       " AND user_id IS NULL AND reason = 'unknown user'"), ==, 1);
}

/* A login as nobody costs an argon2id verification like a wrong PIN. */
static void
test_timing (Fixture       *fixture,
             gconstpointer  data)
{
  gint64 start, known = G_MAXINT64, unknown = G_MAXINT64;

  g_assert_no_error (add_user (fixture, "olga", "Olga", AGG_ROLE_OPERATOR, "4821", NULL));
  authenticate (fixture, "nobody", "0000", NULL);

  for (guint i = 0; i < 3; i++)
    {
      start = g_get_monotonic_time ();
      g_assert_cmpint (authenticate (fixture, "olga", "0000", NULL), ==, AGG_AUTH_BAD_CREDENTIALS);
      known = MIN (known, g_get_monotonic_time () - start);

      start = g_get_monotonic_time ();
      g_assert_cmpint (authenticate (fixture, "nobody", "0000", NULL), ==,
                       AGG_AUTH_BAD_CREDENTIALS);
      unknown = MIN (unknown, g_get_monotonic_time () - start);
    }

  g_test_message ("wrong PIN %" G_GINT64_FORMAT " µs, unknown user %" G_GINT64_FORMAT " µs",
                  known, unknown);
  g_assert_cmpint (unknown * 2, >, known);
  g_assert_cmpint (known * 2, >, unknown);
}

static void
test_lockout (Fixture       *fixture,
              gconstpointer  data)
{
  g_autoptr(AggUser) user = NULL;

  g_assert_no_error (add_user (fixture, "olga", "Olga", AGG_ROLE_OPERATOR, "4821", NULL));

  for (guint i = 0; i < 4; i++)
    g_assert_cmpint (authenticate (fixture, "olga", "1111", NULL), ==, AGG_AUTH_BAD_CREDENTIALS);
  g_assert_cmpint (count_audit (fixture, "user.locked", "olga"), ==, 0);

  g_assert_cmpint (authenticate (fixture, "olga", "1111", NULL), ==, AGG_AUTH_LOCKED);
  g_assert_cmpint (count_audit (fixture, "user.login-failed", "olga"), ==, 5);
  g_assert_cmpint (count_audit (fixture, "user.locked", "olga"), ==, 1);
  user = lookup (fixture, "olga");
  g_assert_true (user->locked);
  g_assert_cmpuint (user->failed_attempts, ==, 5);
  g_clear_pointer (&user, agg_user_free);

  /* Not even the right PIN opens it, and trying is recorded. */
  g_assert_cmpint (authenticate (fixture, "olga", "4821", NULL), ==, AGG_AUTH_LOCKED);
  g_assert_cmpint (count_audit (fixture, "user.login-failed", "olga"), ==, 6);
  g_assert_cmpint (count_audit (fixture, "user.locked", "olga"), ==, 1);

  set_pin (fixture, "olga", "7395");
  g_assert_cmpint (query_int (fixture, "SELECT count (*) FROM audit WHERE action = 'user.pin-reset'"
                                       " AND object = 'olga' AND old_value = 'locked'"
                                       " AND new_value = 'unlocked'"), ==, 1);
  user = lookup (fixture, "olga");
  g_assert_false (user->locked);
  g_assert_cmpuint (user->failed_attempts, ==, 0);

  g_assert_cmpint (authenticate (fixture, "olga", "4821", NULL), ==, AGG_AUTH_BAD_CREDENTIALS);
  g_assert_cmpint (authenticate (fixture, "olga", "7395", NULL), ==, AGG_AUTH_OK);
}

static void
test_lockout_setting (Fixture       *fixture,
                      gconstpointer  data)
{
  Job setting = { OP_SET_SETTING, "lockout_attempts", .pin = "2" };

  run_ok (fixture, &setting);
  g_assert_no_error (add_user (fixture, "olga", "Olga", AGG_ROLE_OPERATOR, "4821", NULL));

  g_assert_cmpint (authenticate (fixture, "olga", "1111", NULL), ==, AGG_AUTH_BAD_CREDENTIALS);
  g_assert_cmpint (authenticate (fixture, "olga", "1111", NULL), ==, AGG_AUTH_LOCKED);
  g_assert_cmpint (authenticate (fixture, "olga", "4821", NULL), ==, AGG_AUTH_LOCKED);
}

static void
test_inactive (Fixture       *fixture,
               gconstpointer  data)
{
  g_autoptr(AggUser) user = NULL;

  g_assert_no_error (add_user (fixture, "olga", "Olga", AGG_ROLE_OPERATOR, "4821", NULL));

  set_active (fixture, "olga", FALSE);
  user = lookup (fixture, "olga");
  g_assert_false (user->active);
  g_assert_cmpint (authenticate (fixture, "olga", "4821", NULL), ==, AGG_AUTH_INACTIVE);
  g_assert_cmpint (query_int (fixture, "SELECT count (*) FROM audit WHERE action = 'user.disable'"
                                       " AND object = 'olga' AND old_value = 'active'"
                                       " AND new_value = 'inactive' AND username = 'admin'"),
                   ==, 1);
  g_assert_cmpint (query_int (fixture, "SELECT count (*) FROM audit"
                                       " WHERE action = 'user.login-failed'"
                                       " AND object = 'olga' AND reason = 'inactive'"), ==, 1);

  /* Asking for the state it is in changes and records nothing. */
  set_active (fixture, "olga", FALSE);
  g_assert_cmpint (count_audit (fixture, "user.disable", "olga"), ==, 1);

  set_active (fixture, "olga", TRUE);
  g_assert_cmpint (query_int (fixture, "SELECT count (*) FROM audit WHERE action = 'user.enable'"
                                       " AND old_value = 'inactive' AND new_value = 'active'"),
                   ==, 1);
  g_assert_cmpint (authenticate (fixture, "olga", "4821", NULL), ==, AGG_AUTH_OK);
}

static void
test_not_found (Fixture       *fixture,
                gconstpointer  data)
{
  Job lookups[] = {
    { OP_LOOKUP, "nobody" },
    { OP_LOOKUP_BADGE, .badge = "B-0" },
  };
  Job jobs[] = {
    { OP_SET_PIN, "nobody", .pin = "1234" },
    { OP_SET_ACTIVE, "nobody", .active = FALSE },
  };
  Job bad_pin = { OP_SET_PIN, "olga", .pin = "12" };

  /* Finding nobody is an answer, not a failure. */
  for (guint i = 0; i < G_N_ELEMENTS (lookups); i++)
    {
      run (fixture, &lookups[i]);
      g_assert_no_error (lookups[i].error);
      g_assert_null (lookups[i].user);
    }

  for (guint i = 0; i < G_N_ELEMENTS (jobs); i++)
    {
      run (fixture, &jobs[i]);
      g_assert_error (jobs[i].error, AGG_LINE_ERROR, AGG_LINE_ERROR_NOT_FOUND);
      g_assert_false (jobs[i].ok);
      g_clear_error (&jobs[i].error);
    }

  g_assert_no_error (add_user (fixture, "olga", "Olga", AGG_ROLE_OPERATOR, "4821", NULL));
  run (fixture, &bad_pin);
  g_assert_error (bad_pin.error, AGG_LINE_ERROR, AGG_LINE_ERROR_INVALID);
  g_clear_error (&bad_pin.error);
  g_assert_cmpint (authenticate (fixture, "olga", "4821", NULL), ==, AGG_AUTH_OK);
}

static void
test_no_delete (Fixture       *fixture,
                gconstpointer  data)
{
  Job job = { OP_EXEC, "DELETE FROM users WHERE username = 'olga'" };

  g_assert_no_error (add_user (fixture, "olga", "Olga", AGG_ROLE_OPERATOR, "4821", NULL));
  run (fixture, &job);
  g_assert_error (job.error, AGG_STORE_ERROR, AGG_STORE_ERROR_CONSTRAINT);
  g_assert_nonnull (strstr (job.error->message, "never deleted"));
  g_clear_error (&job.error);
  g_assert_cmpint (query_int (fixture, "SELECT count (*) FROM users"), ==, 1);
}

/* Neither a PIN nor its hash ever reaches the audit trail, whatever
 * happens to the account. */
static void
test_no_secrets_in_audit (Fixture       *fixture,
                          gconstpointer  data)
{
  static const char *const pins[] = {
    "739164285013", "602958137446", "815370246991", "480273619557", "957301846620",
  };
  g_autoptr(GPtrArray) hashes = NULL;
  g_autoptr(GPtrArray) texts = NULL;

  g_assert_no_error (add_user (fixture, "olga", "Olga", AGG_ROLE_OPERATOR, pins[0], "B-1"));
  g_assert_no_error (add_user (fixture, "sam", "Sam", AGG_ROLE_ADMIN, pins[1], NULL));
  g_assert_cmpint (authenticate (fixture, "olga", pins[0], NULL), ==, AGG_AUTH_OK);
  for (guint i = 0; i < 5; i++)
    authenticate (fixture, "olga", pins[2], NULL);
  authenticate (fixture, "nobody", pins[3], NULL);
  set_pin (fixture, "olga", pins[4]);
  set_active (fixture, "sam", FALSE);
  authenticate (fixture, "sam", pins[1], NULL);

  hashes = agg_test_db_texts (fixture->db, "SELECT pin_hash FROM users");
  texts = agg_test_db_texts (fixture->db, "SELECT * FROM audit");
  g_assert_cmpuint (hashes->len, ==, 2);
  g_assert_cmpuint (texts->len, >, 50);

  for (guint i = 0; i < texts->len; i++)
    {
      const char *text = texts->pdata[i];

      for (guint j = 0; j < G_N_ELEMENTS (pins); j++)
        g_assert_null (strstr (text, pins[j]));
      for (guint j = 0; j < hashes->len; j++)
        g_assert_null (strstr (text, hashes->pdata[j]));
      g_assert_null (strstr (text, "$argon2"));
    }

  assert_audit_intact (fixture);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/users/roles", test_roles);
  agg_test_add_station ("/users/add", test_add);
  agg_test_add_station ("/users/add-invalid", test_add_invalid);
  agg_test_add_station ("/users/authenticate", test_authenticate);
  agg_test_add_station ("/users/timing", test_timing);
  agg_test_add_station ("/users/lockout", test_lockout);
  agg_test_add_station ("/users/lockout-setting", test_lockout_setting);
  agg_test_add_station ("/users/inactive", test_inactive);
  agg_test_add_station ("/users/not-found", test_not_found);
  agg_test_add_station ("/users/no-delete", test_no_delete);
  agg_test_add_station ("/users/no-secrets-in-audit", test_no_secrets_in_audit);

  return g_test_run ();
}
