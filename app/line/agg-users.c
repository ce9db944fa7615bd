/* agg-users.c: users, roles, PINs and the lockout
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * PINs are stored as libsodium argon2id strings, never in the clear and
 * never in the audit trail.  As everywhere in the engine, GError is for
 * the store failing: a lookup that finds nobody returns NULL without an
 * error, and agg_user_authenticate() gives its verdict as its result
 * (should the store fail, it sets @error and answers
 * AGG_AUTH_BAD_CREDENTIALS).  Administration of an unknown user fails
 * with AGG_LINE_ERROR_NOT_FOUND.
 */

#include "config.h"

#include <glib/gi18n-lib.h>
#include <sodium.h>
#include <string.h>

#include "agg-line-private.h"

#define DEFAULT_LOCKOUT_ATTEMPTS 5

#define USER_COLUMNS \
  "id, username, full_name, role, badge, active, locked, failed_attempts"

static const char *const role_names[] = {
  [AGG_ROLE_OPERATOR] = "operator",
  [AGG_ROLE_SUPERVISOR] = "supervisor",
  [AGG_ROLE_ADMIN] = "admin",
};

const char *
agg_role_to_string (AggRole role)
{
  g_return_val_if_fail ((guint) role < G_N_ELEMENTS (role_names), NULL);

  return role_names[role];
}

gboolean
agg_role_from_string (const char *name,
                      AggRole    *role)
{
  g_return_val_if_fail (name != NULL, FALSE);

  for (guint i = 0; i < G_N_ELEMENTS (role_names); i++)
    if (strcmp (name, role_names[i]) == 0)
      {
        if (role != NULL)
          *role = (AggRole) i;
        return TRUE;
      }

  return FALSE;
}

void
agg_user_free (AggUser *user)
{
  if (user == NULL)
    return;

  g_free (user->username);
  g_free (user->full_name);
  g_free (user->badge);
  g_free (user);
}

/* libsodium */

static gboolean
ensure_sodium (GError **error)
{
  static gsize initialised = 0;
  static gboolean ok;

  if (g_once_init_enter (&initialised))
    {
      ok = sodium_init () >= 0;
      g_once_init_leave (&initialised, 1);
    }

  if (!ok)
    g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                         _("The cryptography library could not be initialised"));
  return ok;
}

static char *
hash_pin (const char  *pin,
          GError     **error)
{
  char hash[crypto_pwhash_STRBYTES];

  if (!ensure_sodium (error))
    return NULL;

  if (crypto_pwhash_str (hash, pin, strlen (pin),
                         crypto_pwhash_OPSLIMIT_INTERACTIVE,
                         crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                           _("Not enough memory to hash the PIN"));
      return NULL;
    }

  return g_strdup (hash);
}

/* A hash of a PIN that nobody knows, made with the same cost as real
 * ones, so that a login as an unknown user takes as long as a wrong PIN. */
static const char *
dummy_hash (void)
{
  static gsize initialised = 0;
  static char hash[crypto_pwhash_STRBYTES];

  if (g_once_init_enter (&initialised))
    {
      char pin[33];

      randombytes_buf (pin, sizeof pin - 1);
      for (guint i = 0; i < sizeof pin - 1; i++)
        pin[i] = '0' + (guchar) pin[i] % 10;
      pin[sizeof pin - 1] = '\0';

      /* Should memory run out, the hash stays empty and verifying against
       * it fails at once: the login is still refused. */
      if (crypto_pwhash_str (hash, pin, strlen (pin),
                             crypto_pwhash_OPSLIMIT_INTERACTIVE,
                             crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0)
        hash[0] = '\0';
      sodium_memzero (pin, sizeof pin);
      g_once_init_leave (&initialised, 1);
    }

  return hash;
}

static gboolean
verify_pin (const char *hash,
            const char *pin)
{
  return hash[0] != '\0' && crypto_pwhash_str_verify (hash, pin, strlen (pin)) == 0;
}

/* Validation */

static gboolean
check_username (const char  *username,
                GError     **error)
{
  gsize len = strlen (username);

  if (len < 1 || len > 32)
    {
      g_set_error (error, AGG_LINE_ERROR, AGG_LINE_ERROR_INVALID,
                   _("A user name has 1 to 32 characters, not %u"), (guint) len);
      return FALSE;
    }

  for (gsize i = 0; i < len; i++)
    {
      char c = username[i];

      if (!g_ascii_islower (c) && !g_ascii_isdigit (c) && c != '.' && c != '_' && c != '-')
        {
          g_set_error (error, AGG_LINE_ERROR, AGG_LINE_ERROR_INVALID,
                       _("A user name holds only a to z, 0 to 9, “.”, “_” and “-”"));
          return FALSE;
        }
    }

  return TRUE;
}

static gboolean
check_pin (const char  *pin,
           GError     **error)
{
  gsize len = strlen (pin);
  gboolean digits = TRUE;

  for (gsize i = 0; i < len; i++)
    digits = digits && g_ascii_isdigit (pin[i]);

  /* The message never repeats the PIN. */
  if (len < 4 || len > 12 || !digits)
    {
      g_set_error_literal (error, AGG_LINE_ERROR, AGG_LINE_ERROR_INVALID,
                           _("A PIN has 4 to 12 digits"));
      return FALSE;
    }

  return TRUE;
}

/* Reading users */

/* The current row of a statement that selects USER_COLUMNS. */
static AggUser *
read_user (sqlite3_stmt *stmt)
{
  AggUser *user = g_new0 (AggUser, 1);

  user->id = sqlite3_column_int64 (stmt, 0);
  user->username = g_strdup ((const char *) sqlite3_column_text (stmt, 1));
  user->full_name = g_strdup ((const char *) sqlite3_column_text (stmt, 2));
  /* The schema admits the three roles only; anything else reads as the
   * least privileged one. */
  if (!agg_role_from_string ((const char *) sqlite3_column_text (stmt, 3), &user->role))
    user->role = AGG_ROLE_OPERATOR;
  user->badge = g_strdup ((const char *) sqlite3_column_text (stmt, 4));
  user->active = sqlite3_column_int (stmt, 5) != 0;
  user->locked = sqlite3_column_int (stmt, 6) != 0;
  user->failed_attempts = (guint) sqlite3_column_int (stmt, 7);

  return user;
}

/* Steps @stmt, which selects USER_COLUMNS and then the PIN hash when
 * @out_pin_hash is set, and resets it.  NULL without @error when there
 * is no such user. */
static AggUser *
step_user (AggStore      *store,
           sqlite3_stmt  *stmt,
           char         **out_pin_hash,
           GError       **error)
{
  AggUser *user = NULL;
  gboolean found;

  if (agg_store_step_row (store, stmt, &found, error) && found)
    {
      user = read_user (stmt);
      if (out_pin_hash != NULL)
        *out_pin_hash = g_strdup ((const char *) sqlite3_column_text (stmt, 8));
    }
  sqlite3_reset (stmt);

  return user;
}

static AggUser *
lookup_user (AggStore    *store,
             const char  *username,
             char       **out_pin_hash,
             GError     **error)
{
  sqlite3_stmt *stmt;

  stmt = agg_store_prepare (store,
                            "SELECT " USER_COLUMNS ", pin_hash FROM users WHERE username = ?",
                            error);
  if (stmt == NULL)
    return NULL;

  sqlite3_bind_text (stmt, 1, username, -1, SQLITE_STATIC);
  return step_user (store, stmt, out_pin_hash, error);
}

AggUser *
agg_user_lookup (AggStore    *store,
                 const char  *username,
                 GError     **error)
{
  g_return_val_if_fail (AGG_IS_STORE (store), NULL);
  g_return_val_if_fail (username != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  return lookup_user (store, username, NULL, error);
}

AggUser *
agg_user_lookup_badge (AggStore    *store,
                       const char  *badge,
                       GError     **error)
{
  sqlite3_stmt *stmt;

  g_return_val_if_fail (AGG_IS_STORE (store), NULL);
  g_return_val_if_fail (badge != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  stmt = agg_store_prepare (store, "SELECT " USER_COLUMNS " FROM users WHERE badge = ?", error);
  if (stmt == NULL)
    return NULL;

  sqlite3_bind_text (stmt, 1, badge, -1, SQLITE_STATIC);
  return step_user (store, stmt, NULL, error);
}

GPtrArray *
agg_user_list (AggStore  *store,
               GError   **error)
{
  g_autoptr(GPtrArray) users = NULL;
  sqlite3_stmt *stmt;
  int rc;

  g_return_val_if_fail (AGG_IS_STORE (store), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  stmt = agg_store_prepare (store, "SELECT " USER_COLUMNS " FROM users ORDER BY username", error);
  if (stmt == NULL)
    return NULL;

  users = g_ptr_array_new_with_free_func ((GDestroyNotify) agg_user_free);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    g_ptr_array_add (users, read_user (stmt));
  if (rc != SQLITE_DONE)
    agg_store_set_error (store, error, rc);
  sqlite3_reset (stmt);

  return rc == SQLITE_DONE ? g_steal_pointer (&users) : NULL;
}

/* Writing users */

/* The user to administer: NULL with AGG_LINE_ERROR_NOT_FOUND when there
 * is none. */
static AggUser *
find_user (AggStore    *store,
           const char  *username,
           GError     **error)
{
  GError *local_error = NULL;
  AggUser *user = lookup_user (store, username, NULL, &local_error);

  if (!agg_propagate_local_error (error, &local_error) && user == NULL)
    g_set_error (error, AGG_LINE_ERROR, AGG_LINE_ERROR_NOT_FOUND, _("No user “%s”"), username);

  return user;
}

static gboolean
set_failures (AggStore  *store,
              gint64     user_id,
              guint      failed_attempts,
              gboolean   locked,
              GError   **error)
{
  sqlite3_stmt *stmt;

  stmt = agg_store_prepare (store,
                            "UPDATE users SET failed_attempts = ?, locked = ? WHERE id = ?",
                            error);
  if (stmt == NULL)
    return FALSE;

  sqlite3_bind_int (stmt, 1, (int) failed_attempts);
  sqlite3_bind_int (stmt, 2, locked ? 1 : 0);
  sqlite3_bind_int64 (stmt, 3, user_id);
  return agg_store_step (store, stmt, error);
}

/* A failed login names the account it tried as the object; whoever typed
 * is not known, so the row has no actor. */
static gboolean
audit_login_failed (AggStore    *store,
                    const char  *username,
                    const char  *old_value,
                    const char  *new_value,
                    const char  *reason,
                    GError     **error)
{
  return agg_audit_append (store, NULL, "user.login-failed", username, old_value, new_value,
                           reason, NULL, NULL, error);
}

AggAuthResult
agg_user_authenticate (AggStore     *store,
                       const char   *username,
                       const char   *pin,
                       AggUser     **out_user,
                       GError      **error)
{
  g_autoptr(AggUser) user = NULL;
  g_autofree char *pin_hash = NULL;
  GError *local_error = NULL;
  char old_count[16];
  char new_count[16];
  guint failures;
  gint64 limit;
  gboolean locked;

  g_return_val_if_fail (AGG_IS_STORE (store), AGG_AUTH_BAD_CREDENTIALS);
  g_return_val_if_fail (username != NULL, AGG_AUTH_BAD_CREDENTIALS);
  g_return_val_if_fail (pin != NULL, AGG_AUTH_BAD_CREDENTIALS);
  g_return_val_if_fail (error == NULL || *error == NULL, AGG_AUTH_BAD_CREDENTIALS);

  if (out_user != NULL)
    *out_user = NULL;
  if (!ensure_sodium (error))
    return AGG_AUTH_BAD_CREDENTIALS;

  user = lookup_user (store, username, &pin_hash, &local_error);
  if (agg_propagate_local_error (error, &local_error))
    return AGG_AUTH_BAD_CREDENTIALS;

  if (user == NULL)
    {
      /* As slow as a wrong PIN, so that timing tells no user names. */
      verify_pin (dummy_hash (), pin);
      audit_login_failed (store, username, NULL, NULL, "unknown user", error);
      return AGG_AUTH_BAD_CREDENTIALS;
    }

  if (!user->active)
    return audit_login_failed (store, username, NULL, NULL, "inactive", error)
           ? AGG_AUTH_INACTIVE : AGG_AUTH_BAD_CREDENTIALS;

  /* A locked account is not even tried: guessing on would be pointless
   * and the PIN is about to be reset anyway. */
  if (user->locked)
    return audit_login_failed (store, username, NULL, NULL, "locked", error)
           ? AGG_AUTH_LOCKED : AGG_AUTH_BAD_CREDENTIALS;

  if (verify_pin (pin_hash, pin))
    {
      if (user->failed_attempts > 0)
        {
          if (!set_failures (store, user->id, 0, FALSE, error))
            return AGG_AUTH_BAD_CREDENTIALS;
          user->failed_attempts = 0;
        }
      if (out_user != NULL)
        *out_user = g_steal_pointer (&user);
      return AGG_AUTH_OK;
    }

  limit = agg_settings_get_int (store, "lockout_attempts", DEFAULT_LOCKOUT_ATTEMPTS);
  if (limit < 1)
    limit = DEFAULT_LOCKOUT_ATTEMPTS;
  failures = user->failed_attempts + 1;
  locked = (gint64) failures >= limit;

  g_snprintf (old_count, sizeof old_count, "%u", user->failed_attempts);
  g_snprintf (new_count, sizeof new_count, "%u", failures);
  if (!set_failures (store, user->id, failures, locked, error) ||
      !audit_login_failed (store, username, old_count, new_count, "wrong PIN", error))
    return AGG_AUTH_BAD_CREDENTIALS;

  if (!locked)
    return AGG_AUTH_BAD_CREDENTIALS;

  return agg_audit_append (store, NULL, "user.locked", username, "unlocked", "locked",
                           "too many failed logins", NULL, NULL, error)
         ? AGG_AUTH_LOCKED : AGG_AUTH_BAD_CREDENTIALS;
}

/* What the audit trail records of an account: never its PIN or hash. */
static char *
describe_user (const char *full_name,
               AggRole     role,
               const char *badge)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) root = NULL;

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "full_name");
  json_builder_add_string_value (builder, full_name);
  json_builder_set_member_name (builder, "role");
  json_builder_add_string_value (builder, agg_role_to_string (role));
  json_builder_set_member_name (builder, "badge");
  if (badge != NULL)
    json_builder_add_string_value (builder, badge);
  else
    json_builder_add_null_value (builder);
  json_builder_end_object (builder);

  root = json_builder_get_root (builder);
  return json_to_string (root, FALSE);
}

gboolean
agg_user_add (AggStore        *store,
              const AggActor  *actor,
              const char      *username,
              const char      *full_name,
              AggRole          role,
              const char      *pin,
              const char      *badge,
              GError         **error)
{
  g_autoptr(AggUser) existing = NULL;
  g_autofree char *pin_hash = NULL;
  g_autofree char *created_at = NULL;
  g_autofree char *description = NULL;
  g_autofree char *stripped_name = NULL;
  GError *local_error = NULL;
  sqlite3_stmt *stmt;

  g_return_val_if_fail (AGG_IS_STORE (store), FALSE);
  g_return_val_if_fail (username != NULL, FALSE);
  g_return_val_if_fail (full_name != NULL, FALSE);
  g_return_val_if_fail (pin != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!check_username (username, error))
    return FALSE;

  stripped_name = g_strstrip (g_strdup (full_name));
  if (*stripped_name == '\0' || !g_utf8_validate (stripped_name, -1, NULL))
    {
      g_set_error_literal (error, AGG_LINE_ERROR, AGG_LINE_ERROR_INVALID,
                           _("The full name must not be empty"));
      return FALSE;
    }

  if ((guint) role >= G_N_ELEMENTS (role_names))
    {
      g_set_error (error, AGG_LINE_ERROR, AGG_LINE_ERROR_INVALID, _("No role %d"), (int) role);
      return FALSE;
    }

  if (!check_pin (pin, error))
    return FALSE;

  /* An empty badge is no badge. */
  if (badge != NULL && *badge == '\0')
    badge = NULL;
  if (badge != NULL && !g_utf8_validate (badge, -1, NULL))
    {
      g_set_error_literal (error, AGG_LINE_ERROR, AGG_LINE_ERROR_INVALID,
                           _("The badge is not valid UTF-8"));
      return FALSE;
    }

  existing = lookup_user (store, username, NULL, &local_error);
  if (agg_propagate_local_error (error, &local_error))
    return FALSE;
  if (existing != NULL)
    {
      g_set_error (error, AGG_LINE_ERROR, AGG_LINE_ERROR_EXISTS,
                   _("The user “%s” already exists"), username);
      return FALSE;
    }

  if (badge != NULL)
    {
      existing = agg_user_lookup_badge (store, badge, &local_error);
      if (agg_propagate_local_error (error, &local_error))
        return FALSE;
      if (existing != NULL)
        {
          g_set_error (error, AGG_LINE_ERROR, AGG_LINE_ERROR_EXISTS,
                       _("The badge is already assigned to “%s”"), existing->username);
          return FALSE;
        }
    }

  pin_hash = hash_pin (pin, error);
  if (pin_hash == NULL)
    return FALSE;

  stmt = agg_store_prepare (store,
                            "INSERT INTO users (username, full_name, role, pin_hash, badge,"
                            " created_at) VALUES (?, ?, ?, ?, ?, ?)",
                            error);
  if (stmt == NULL)
    return FALSE;

  created_at = agg_now_utc ();
  sqlite3_bind_text (stmt, 1, username, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 2, stripped_name, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 3, agg_role_to_string (role), -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 4, pin_hash, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 5, badge, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 6, created_at, -1, SQLITE_STATIC);
  if (!agg_store_step (store, stmt, error))
    return FALSE;

  description = describe_user (stripped_name, role, badge);
  return agg_audit_append (store, actor, "user.add", username, NULL, description,
                           NULL, NULL, NULL, error);
}

gboolean
agg_user_set_pin (AggStore        *store,
                  const AggActor  *actor,
                  const char      *username,
                  const char      *pin,
                  GError         **error)
{
  g_autoptr(AggUser) user = NULL;
  g_autofree char *pin_hash = NULL;
  sqlite3_stmt *stmt;

  g_return_val_if_fail (AGG_IS_STORE (store), FALSE);
  g_return_val_if_fail (username != NULL, FALSE);
  g_return_val_if_fail (pin != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!check_pin (pin, error))
    return FALSE;

  user = find_user (store, username, error);
  if (user == NULL)
    return FALSE;

  pin_hash = hash_pin (pin, error);
  if (pin_hash == NULL)
    return FALSE;

  /* A new PIN is how a locked account is opened again. */
  stmt = agg_store_prepare (store,
                            "UPDATE users SET pin_hash = ?, failed_attempts = 0, locked = 0"
                            " WHERE id = ?",
                            error);
  if (stmt == NULL)
    return FALSE;

  sqlite3_bind_text (stmt, 1, pin_hash, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 2, user->id);
  if (!agg_store_step (store, stmt, error))
    return FALSE;

  return agg_audit_append (store, actor, "user.pin-reset", username,
                           user->locked ? "locked" : NULL, user->locked ? "unlocked" : NULL,
                           NULL, NULL, NULL, error);
}

gboolean
agg_user_set_active (AggStore        *store,
                     const AggActor  *actor,
                     const char      *username,
                     gboolean         active,
                     GError         **error)
{
  g_autoptr(AggUser) user = NULL;
  sqlite3_stmt *stmt;

  g_return_val_if_fail (AGG_IS_STORE (store), FALSE);
  g_return_val_if_fail (username != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  user = find_user (store, username, error);
  if (user == NULL)
    return FALSE;

  /* Nothing changes, so there is nothing to audit. */
  if (!user->active == !active)
    return TRUE;

  stmt = agg_store_prepare (store, "UPDATE users SET active = ? WHERE id = ?", error);
  if (stmt == NULL)
    return FALSE;

  sqlite3_bind_int (stmt, 1, active ? 1 : 0);
  sqlite3_bind_int64 (stmt, 2, user->id);
  if (!agg_store_step (store, stmt, error))
    return FALSE;

  return agg_audit_append (store, actor, active ? "user.enable" : "user.disable", username,
                           active ? "inactive" : "active", active ? "active" : "inactive",
                           NULL, NULL, NULL, error);
}
