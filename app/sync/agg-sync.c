/* agg-sync.c: delivery of the outbox to an EPCIS 2.0 capture interface
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The worker reads pending events in row order, a batch at a time, and
 * posts each batch as one EPCISDocument.  Only the repository's
 * acceptance (a capture job finished with success, or a synchronous 2xx)
 * marks events sent, in one transaction.  A batch that is too large is
 * halved until it fits; a batch the repository refuses is halved until
 * the refused events stand alone, and those become exceptions.  Network
 * failures and server errors leave the outbox as it is and retry with
 * exponential backoff and full jitter.
 */

#include "config.h"

#include <inttypes.h>
#include <glib/gi18n-lib.h>
#include <libsoup/soup.h>
#include <string.h>

#include "agg-epcis.h"
#include "agg-line-private.h"
#include "agg-sync.h"

G_DEFINE_QUARK (agg-sync-error-quark, agg_sync_error)

/* The fewest milliseconds between two "status-changed" emissions. */
#define NOTIFY_INTERVAL_MS 200

typedef enum
{
  MODE_CAPTURE_JOB,
  MODE_SYNCHRONOUS,
} Mode;

typedef enum
{
  AUTH_NONE,
  AUTH_BASIC,
  AUTH_BEARER,
} Auth;

struct _AggSync
{
  GObject          parent_instance;

  AggStore        *store;

  /* Configuration: read once, never changed afterwards. */
  char            *base_url;
  char            *capture_url;
  Mode             mode;
  AggEpcisFormat   format;
  AggEpcisOptions  options;
  guint            batch_size;
  char            *authorization;     /* the Authorization header: a secret */
  char            *ca_file;
  gboolean         tls_verify;
  guint            timeout_s;
  guint64          retry_min_ms;
  guint64          retry_max_ms;
  guint64          poll_interval_ms;
  guint64          poll_timeout_ms;
  guint64          check_interval_ms;
  char            *master_data_url;
  guint64          master_data_interval_ms;

  GMainContext    *owner_context;

  /* The worker and everything the status shows, under the lock. */
  GMutex           lock;
  GCond            cond;
  GThread         *thread;
  GCancellable    *cancellable;
  gboolean         stopping;
  gboolean         kicked;
  gboolean         running_once;

  gboolean         online;
  const char      *state;
  gint64           pending;
  gint64           exceptions;
  gint64           sent_total;
  char            *last_success_at;
  char            *last_error;
  gint64           next_attempt_at;   /* monotonic µs; 0: none */
  gint64           capture_limit;     /* 0: unknown or none */
  gint64           size_limit;
  gboolean         limits_known;
  guint            failures;

  GSource         *notify_source;
  gint64           last_notify;

  /* Master data: when to look next, and what was imported last. */
  gint64           master_next_at;
  char            *master_etag;
  char            *master_checksum;
};

G_DEFINE_FINAL_TYPE (AggSync, agg_sync, G_TYPE_OBJECT)

enum
{
  STATUS_CHANGED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static const char *const sync_keys[] = {
  "url", "mode", "format", "batch-size", "auth", "user", "password", "password-file",
  "token", "token-file", "ca-file", "tls-verify", "tls-insecure-acknowledged", "timeout",
  "retry-min", "retry-max", "poll-interval", "poll-timeout", "check-interval",
  "master-data-url", "master-data-interval", NULL
};

static void
agg_sync_finalize (GObject *object)
{
  AggSync *self = AGG_SYNC (object);

  g_assert (self->thread == NULL);

  g_clear_object (&self->store);
  g_free (self->base_url);
  g_free (self->capture_url);
  if (self->authorization != NULL)
    memset (self->authorization, 0, strlen (self->authorization));
  g_free (self->authorization);
  g_free (self->ca_file);
  g_free (self->master_data_url);
  g_clear_pointer (&self->owner_context, g_main_context_unref);
  g_clear_object (&self->cancellable);
  g_free (self->last_success_at);
  g_free (self->last_error);
  g_free (self->master_etag);
  g_free (self->master_checksum);
  g_mutex_clear (&self->lock);
  g_cond_clear (&self->cond);

  G_OBJECT_CLASS (agg_sync_parent_class)->finalize (object);
}

static void
agg_sync_dispose (GObject *object)
{
  AggSync *self = AGG_SYNC (object);

  if (self->notify_source != NULL)
    {
      g_source_destroy (self->notify_source);
      g_clear_pointer (&self->notify_source, g_source_unref);
    }

  G_OBJECT_CLASS (agg_sync_parent_class)->dispose (object);
}

static void
agg_sync_class_init (AggSyncClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = agg_sync_dispose;
  object_class->finalize = agg_sync_finalize;

  signals[STATUS_CHANGED] = g_signal_new ("status-changed", G_TYPE_FROM_CLASS (klass),
                                          G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                          G_TYPE_NONE, 0);
}

static void
agg_sync_init (AggSync *self)
{
  g_mutex_init (&self->lock);
  g_cond_init (&self->cond);
  self->state = "stopped";
}

/* Configuration */

#define GROUP "sync"

static gboolean
is_loopback_host (const char *host)
{
  return g_strcmp0 (host, "localhost") == 0 || g_strcmp0 (host, "::1") == 0 ||
         g_str_has_prefix (host, "127.");
}

/* An http(s) URL with a host and without credentials; @key names it in
 * errors.  The value itself is never quoted: it could hold a password. */
static GUri *
parse_url (AggConfig   *config,
           const char  *key,
           const char  *text,
           GError     **error)
{
  g_autoptr(GUri) uri = g_uri_parse (text, G_URI_FLAGS_ENCODED, NULL);

  if (uri == NULL || g_uri_get_host (uri) == NULL || *g_uri_get_host (uri) == '\0' ||
      (g_strcmp0 (g_uri_get_scheme (uri), "http") != 0 &&
       g_strcmp0 (g_uri_get_scheme (uri), "https") != 0))
    {
      agg_config_set_error (config, error, AGG_CONFIG_ERROR_INVALID, GROUP, key,
                            _("not an http:// or https:// address"));
      return NULL;
    }
  if (g_uri_get_userinfo (uri) != NULL)
    {
      agg_config_set_error (config, error, AGG_CONFIG_ERROR_INVALID, GROUP, key,
                            _("credentials belong in “user” and “password” or “token”, "
                              "not in the address"));
      return NULL;
    }
  if (g_uri_get_query (uri) != NULL || g_uri_get_fragment (uri) != NULL)
    {
      agg_config_set_error (config, error, AGG_CONFIG_ERROR_INVALID, GROUP, key,
                            _("the address may have no query or fragment"));
      return NULL;
    }
  return g_steal_pointer (&uri);
}

/* A secret from @key or from the file @file_key names (its first line);
 * exactly one of them. */
static gboolean
read_secret (AggConfig   *config,
             const char  *key,
             const char  *file_key,
             char       **secret,
             GError     **error)
{
  g_autofree char *value = NULL;
  g_autofree char *path = NULL;
  g_autofree char *contents = NULL;
  g_autoptr(GError) local_error = NULL;
  char *newline;

  if (!agg_config_get_string (config, GROUP, key, FALSE, NULL, &value, error) ||
      !agg_config_get_string (config, GROUP, file_key, FALSE, NULL, &path, error))
    return FALSE;

  if (value != NULL && path != NULL)
    {
      agg_config_set_error (config, error, AGG_CONFIG_ERROR_INVALID, GROUP, file_key,
                            _("give “%s” or “%s”, not both"), key, file_key);
      return FALSE;
    }
  if (value == NULL && path == NULL)
    {
      agg_config_set_error (config, error, AGG_CONFIG_ERROR_MISSING, GROUP, "auth",
                            _("this authentication needs “%s” or “%s”"), key, file_key);
      return FALSE;
    }

  if (path != NULL)
    {
      if (!g_file_get_contents (path, &contents, NULL, &local_error))
        {
          agg_config_set_error (config, error, AGG_CONFIG_ERROR_INVALID, GROUP, file_key,
                                "%s", local_error->message);
          return FALSE;
        }
      newline = strpbrk (contents, "\r\n");
      if (newline != NULL)
        *newline = '\0';
      value = g_strdup (contents);
      memset (contents, 0, strlen (contents));
    }

  if (*value == '\0')
    {
      agg_config_set_error (config, error, AGG_CONFIG_ERROR_INVALID, GROUP,
                            path != NULL ? file_key : key, _("the secret is empty"));
      return FALSE;
    }

  *secret = g_steal_pointer (&value);
  return TRUE;
}

static gboolean
read_auth (AggSync    *self,
           AggConfig  *config,
           gboolean    loopback_http,
           gboolean    https,
           GError    **error)
{
  static const char *const auth_names[] = { "none", "basic", "bearer", NULL };
  g_autofree char *user = NULL;
  g_autofree char *secret = NULL;
  guint auth;

  if (!agg_config_get_choice (config, GROUP, "auth", FALSE, auth_names, AUTH_NONE, &auth, error))
    return FALSE;
  if (auth == AUTH_NONE)
    return TRUE;

  /* A secret never crosses a network in clear text; a loopback address
   * (a tunnel, or the tests) stays on this machine. */
  if (!https && !loopback_http)
    {
      agg_config_set_error (config, error, AGG_CONFIG_ERROR_INVALID, GROUP, "auth",
                            _("credentials are only sent over https://"));
      return FALSE;
    }

  if (auth == AUTH_BASIC)
    {
      g_autofree char *pair = NULL;
      g_autofree char *encoded = NULL;

      if (!agg_config_get_string (config, GROUP, "user", TRUE, NULL, &user, error) ||
          !read_secret (config, "password", "password-file", &secret, error))
        return FALSE;
      if (strchr (user, ':') != NULL)
        {
          agg_config_set_error (config, error, AGG_CONFIG_ERROR_INVALID, GROUP, "user",
                                _("a user name for basic authentication has no “:”"));
          return FALSE;
        }
      pair = g_strconcat (user, ":", secret, NULL);
      encoded = g_base64_encode ((const guchar *) pair, strlen (pair));
      self->authorization = g_strconcat ("Basic ", encoded, NULL);
      memset (pair, 0, strlen (pair));
      memset (encoded, 0, strlen (encoded));
    }
  else
    {
      if (!read_secret (config, "token", "token-file", &secret, error))
        return FALSE;
      self->authorization = g_strconcat ("Bearer ", secret, NULL);
    }

  memset (secret, 0, strlen (secret));
  return TRUE;
}

static gboolean
read_config (AggSync    *self,
             AggConfig  *config,
             GError    **error)
{
  static const char *const mode_names[] = { "capture-job", "synchronous", NULL };
  static const char *const format_names[] = { "jsonld", "xml", "xml12", NULL };
  g_autofree char *url = NULL;
  g_autofree char *master = NULL;
  g_autoptr(GUri) uri = NULL;
  guint mode, format;
  gint64 batch_size;
  guint64 timeout_ms;
  gboolean acknowledged;
  gboolean https;

  if (!agg_config_check_keys (config, GROUP, sync_keys, error) ||
      !agg_config_get_string (config, GROUP, "url", TRUE, NULL, &url, error))
    return FALSE;

  uri = parse_url (config, "url", url, error);
  if (uri == NULL)
    return FALSE;
  https = strcmp (g_uri_get_scheme (uri), "https") == 0;

  /* The base URL without a trailing slash: capture is at {url}/capture. */
  self->base_url = g_uri_to_string (uri);
  while (g_str_has_suffix (self->base_url, "/"))
    self->base_url[strlen (self->base_url) - 1] = '\0';
  self->capture_url = g_strconcat (self->base_url, "/capture", NULL);

  if (!agg_config_get_choice (config, GROUP, "mode", FALSE, mode_names, MODE_CAPTURE_JOB,
                              &mode, error) ||
      !agg_config_get_choice (config, GROUP, "format", FALSE, format_names,
                              AGG_EPCIS_FORMAT_JSONLD, &format, error) ||
      !agg_config_get_int (config, GROUP, "batch-size", FALSE, 500, 1, 10000, &batch_size,
                           error) ||
      !read_auth (self, config, !https && is_loopback_host (g_uri_get_host (uri)), https, error) ||
      !agg_config_get_string (config, GROUP, "ca-file", FALSE, NULL, &self->ca_file, error) ||
      !agg_config_get_boolean (config, GROUP, "tls-verify", FALSE, TRUE, &self->tls_verify,
                               error) ||
      !agg_config_get_boolean (config, GROUP, "tls-insecure-acknowledged", FALSE, FALSE,
                               &acknowledged, error) ||
      !agg_config_get_duration (config, GROUP, "timeout", FALSE, 60000, 1000, 3600000, 1000,
                                &timeout_ms, error) ||
      !agg_config_get_duration (config, GROUP, "retry-min", FALSE, 1000, 10, 3600000, 1000,
                                &self->retry_min_ms, error) ||
      !agg_config_get_duration (config, GROUP, "retry-max", FALSE, 300000, 10, 86400000, 1000,
                                &self->retry_max_ms, error) ||
      !agg_config_get_duration (config, GROUP, "poll-interval", FALSE, 1000, 10, 600000, 1000,
                                &self->poll_interval_ms, error) ||
      !agg_config_get_duration (config, GROUP, "poll-timeout", FALSE, 600000, 1000, 86400000,
                                1000, &self->poll_timeout_ms, error) ||
      !agg_config_get_duration (config, GROUP, "check-interval", FALSE, 5000, 10, 3600000,
                                1000, &self->check_interval_ms, error) ||
      !agg_config_get_string (config, GROUP, "master-data-url", FALSE, NULL, &master, error) ||
      !agg_config_get_duration (config, GROUP, "master-data-interval", FALSE, 3600000, 1000,
                                86400000 * 7ULL, 1000, &self->master_data_interval_ms, error) ||
      !agg_epcis_options_load (&self->options, config, error))
    return FALSE;

  self->mode = mode;
  self->format = format;
  self->batch_size = batch_size;
  self->timeout_s = MAX (timeout_ms / 1000, 1);

  if (self->retry_max_ms < self->retry_min_ms)
    {
      agg_config_set_error (config, error, AGG_CONFIG_ERROR_INVALID, GROUP, "retry-max",
                            _("must not be shorter than “retry-min”"));
      return FALSE;
    }

  /* Turning verification off lets anyone on the path read the credentials
   * and forge the answers: it takes a second key that says so. */
  if (!self->tls_verify && !acknowledged)
    {
      agg_config_set_error (config, error, AGG_CONFIG_ERROR_INVALID, GROUP, "tls-verify",
                            _("turning certificate checks off also needs "
                              "“tls-insecure-acknowledged = true”"));
      return FALSE;
    }

  if (self->ca_file != NULL && !g_file_test (self->ca_file, G_FILE_TEST_IS_REGULAR))
    {
      agg_config_set_error (config, error, AGG_CONFIG_ERROR_INVALID, GROUP, "ca-file",
                            _("no such file"));
      return FALSE;
    }

  if (master != NULL)
    {
      g_autoptr(GUri) master_uri = NULL;
      gboolean master_https;

      /* The query may carry a site's parameters, unlike the capture URL. */
      master_uri = g_uri_parse (master, G_URI_FLAGS_ENCODED, NULL);
      if (master_uri == NULL || g_uri_get_host (master_uri) == NULL ||
          (g_strcmp0 (g_uri_get_scheme (master_uri), "http") != 0 &&
           g_strcmp0 (g_uri_get_scheme (master_uri), "https") != 0) ||
          g_uri_get_userinfo (master_uri) != NULL)
        {
          agg_config_set_error (config, error, AGG_CONFIG_ERROR_INVALID, GROUP,
                                "master-data-url",
                                _("not an http:// or https:// address without credentials"));
          return FALSE;
        }
      master_https = strcmp (g_uri_get_scheme (master_uri), "https") == 0;
      if (self->authorization != NULL && !master_https &&
          !is_loopback_host (g_uri_get_host (master_uri)))
        {
          agg_config_set_error (config, error, AGG_CONFIG_ERROR_INVALID, GROUP,
                                "master-data-url", _("credentials are only sent over https://"));
          return FALSE;
        }
      self->master_data_url = g_steal_pointer (&master);
    }

  return TRUE;
}

AggSync *
agg_sync_new_from_config (AggStore   *store,
                          AggConfig  *config,
                          GError    **error)
{
  g_autoptr(AggSync) self = NULL;

  g_return_val_if_fail (AGG_IS_STORE (store), NULL);
  g_return_val_if_fail (config != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!agg_config_has_group (config, GROUP))
    return NULL;

  self = g_object_new (AGG_TYPE_SYNC, NULL);
  self->store = g_object_ref (store);
  self->owner_context = g_main_context_ref_thread_default ();
  if (!read_config (self, config, error))
    return NULL;
  return g_steal_pointer (&self);
}

/* Status */

static gboolean
emit_status_cb (gpointer user_data)
{
  AggSync *self = user_data;

  g_mutex_lock (&self->lock);
  g_clear_pointer (&self->notify_source, g_source_unref);
  self->last_notify = g_get_monotonic_time ();
  g_mutex_unlock (&self->lock);

  g_signal_emit (self, signals[STATUS_CHANGED], 0);
  return G_SOURCE_REMOVE;
}

/* Called with the lock held: schedules one emission in the owner's
 * context, no sooner than NOTIFY_INTERVAL_MS after the last. */
static void
notify_locked (AggSync *self)
{
  gint64 since;
  guint delay_ms = 0;

  if (self->notify_source != NULL)
    return;

  since = (g_get_monotonic_time () - self->last_notify) / 1000;
  if (since < NOTIFY_INTERVAL_MS)
    delay_ms = NOTIFY_INTERVAL_MS - since;

  self->notify_source = g_timeout_source_new (delay_ms);
  g_source_set_priority (self->notify_source, G_PRIORITY_DEFAULT_IDLE);
  g_source_set_callback (self->notify_source, emit_status_cb, g_object_ref (self),
                         g_object_unref);
  g_source_attach (self->notify_source, self->owner_context);
}

static void
set_state (AggSync    *self,
           const char *state)
{
  g_mutex_lock (&self->lock);
  if (self->state != state)
    {
      self->state = state;
      notify_locked (self);
    }
  g_mutex_unlock (&self->lock);
}

static void
set_error (AggSync    *self,
           gboolean    online,
           const char *message)
{
  g_mutex_lock (&self->lock);
  self->online = online;
  g_free (self->last_error);
  self->last_error = g_strdup (message);
  notify_locked (self);
  g_mutex_unlock (&self->lock);
}

JsonObject *
agg_sync_dup_status (AggSync *self)
{
  JsonObject *status = json_object_new ();
  gint64 now = g_get_monotonic_time ();

  g_return_val_if_fail (AGG_IS_SYNC (self), NULL);

  g_mutex_lock (&self->lock);
  json_object_set_boolean_member (status, "online", self->online);
  json_object_set_string_member (status, "state", self->state);
  json_object_set_int_member (status, "pending", self->pending);
  json_object_set_int_member (status, "exceptions", self->exceptions);
  json_object_set_int_member (status, "sent_total", self->sent_total);
  if (self->last_success_at != NULL)
    json_object_set_string_member (status, "last_success_at", self->last_success_at);
  else
    json_object_set_null_member (status, "last_success_at");
  if (self->last_error != NULL)
    json_object_set_string_member (status, "last_error", self->last_error);
  else
    json_object_set_null_member (status, "last_error");
  json_object_set_int_member (status, "next_attempt_in_ms",
                              self->next_attempt_at > now
                              ? (self->next_attempt_at - now) / 1000 : 0);
  if (self->capture_limit > 0)
    json_object_set_int_member (status, "capture_limit", self->capture_limit);
  else
    json_object_set_null_member (status, "capture_limit");
  json_object_set_string_member (status, "url", self->base_url);
  g_mutex_unlock (&self->lock);

  return status;
}

/* The outbox, through store jobs */

typedef struct
{
  gint64 pending;
  gint64 exceptions;
  gint64 sent;
} Counts;

static gboolean
count (AggStore    *store,
       const char  *status,
       gint64      *value,
       GError     **error)
{
  sqlite3_stmt *stmt = agg_store_prepare (store, "SELECT count (*) FROM events WHERE status = ?",
                                          error);
  gboolean found;

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, status, -1, SQLITE_STATIC);
  if (!agg_store_step_row (store, stmt, &found, error))
    return FALSE;
  *value = sqlite3_column_int64 (stmt, 0);
  sqlite3_reset (stmt);
  return TRUE;
}

static gpointer
count_job (AggStore  *store,
           sqlite3   *db,
           gpointer   user_data,
           GError   **error)
{
  Counts *counts = user_data;

  if (!count (store, "pending", &counts->pending, error) ||
      !count (store, "exception", &counts->exceptions, error) ||
      !count (store, "sent", &counts->sent, error))
    return NULL;
  return NULL;
}

static gboolean
refresh_counts (AggSync  *self,
                GError  **error)
{
  g_autoptr(GError) local_error = NULL;
  Counts counts = { 0, 0, 0 };

  agg_store_run_sync (self->store, AGG_STORE_READ, count_job, &counts, &local_error);
  if (local_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }

  g_mutex_lock (&self->lock);
  self->pending = counts.pending;
  self->exceptions = counts.exceptions;
  self->sent_total = counts.sent;
  notify_locked (self);
  g_mutex_unlock (&self->lock);
  return TRUE;
}

/* How the repository settled one event. */
typedef enum
{
  SETTLED_SENT,
  SETTLED_DUPLICATE,                  /* the repository had it already: delivered */
  SETTLED_EXCEPTION,
  SETTLED_ATTEMPTED,                  /* nothing settled: count the attempt */
} Settled;

typedef struct
{
  GPtrArray  *events;                 /* AggEpcisEvent */
  Settled    *settled;
  char      **reasons;                /* for exceptions and attempts */
  gint64      n_sent;
  gint64      n_exceptions;
} SettleJob;

static gpointer
settle_job (AggStore  *store,
            sqlite3   *db,
            gpointer   user_data,
            GError   **error)
{
  SettleJob *job = user_data;
  g_autofree char *now = agg_now_utc ();
  const AggActor station = { 0, NULL, AGG_ROLE_ADMIN };

  for (guint i = 0; i < job->events->len; i++)
    {
      AggEpcisEvent *event = job->events->pdata[i];
      g_autofree char *outbox_id = NULL;
      sqlite3_stmt *stmt;
      gint64 audit_id = 0;

      switch (job->settled[i])
        {
        case SETTLED_SENT:
        case SETTLED_DUPLICATE:
          stmt = agg_store_prepare (store,
                                    "UPDATE events SET status = 'sent', sent_at = ?2,"
                                    "  attempts = attempts + 1, last_error = NULL"
                                    " WHERE id = ?1 AND status = 'pending'", error);
          if (stmt == NULL)
            return NULL;
          sqlite3_bind_text (stmt, 2, now, -1, SQLITE_TRANSIENT);
          job->n_sent++;
          break;

        case SETTLED_EXCEPTION:
          /* The repository's verdict is part of the record, under the
           * outbox's ID that the supervisor resolves it by. */
          stmt = agg_store_prepare (store, "SELECT event_id FROM events WHERE id = ?", error);
          if (stmt == NULL)
            return NULL;
          sqlite3_bind_int64 (stmt, 1, agg_epcis_event_get_row_id (event));
          outbox_id = agg_store_step_text (store, stmt, error);
          if (outbox_id == NULL ||
              !agg_audit_append (store, &station, "event.exception", outbox_id, "pending",
                                 "exception", job->reasons[i], NULL, &audit_id, error))
            return NULL;
          stmt = agg_store_prepare (store,
                                    "UPDATE events SET status = 'exception', last_error = ?2,"
                                    "  attempts = attempts + 1"
                                    " WHERE id = ?1 AND status = 'pending'", error);
          if (stmt == NULL)
            return NULL;
          sqlite3_bind_text (stmt, 2, job->reasons[i], -1, SQLITE_TRANSIENT);
          job->n_exceptions++;
          break;

        case SETTLED_ATTEMPTED:
        default:
          stmt = agg_store_prepare (store,
                                    "UPDATE events SET attempts = attempts + 1, last_error = ?2"
                                    " WHERE id = ?1 AND status = 'pending'", error);
          if (stmt == NULL)
            return NULL;
          sqlite3_bind_text (stmt, 2, job->reasons[i], -1, SQLITE_TRANSIENT);
          break;
        }

      sqlite3_bind_int64 (stmt, 1, agg_epcis_event_get_row_id (event));
      if (!agg_store_step (store, stmt, error))
        return NULL;
    }
  return NULL;
}

/* Deliveries: one batch at a time */

typedef struct
{
  AggSync      *self;
  SoupSession  *session;
  GCancellable *cancellable;
} Worker;

typedef enum
{
  VERDICT_ACCEPTED,
  VERDICT_TOO_LARGE,
  VERDICT_REJECTED,                   /* the whole document; reason set */
  VERDICT_REJECTED_EVENTS,            /* per event: rejected and duplicates */
} VerdictKind;

typedef struct
{
  VerdictKind  kind;
  char        *reason;
  GHashTable  *rejected;              /* event ID → reason */
  GHashTable  *duplicates;            /* event IDs */
} Verdict;

static void
verdict_clear (Verdict *verdict)
{
  g_clear_pointer (&verdict->reason, g_free);
  g_clear_pointer (&verdict->rejected, g_hash_table_unref);
  g_clear_pointer (&verdict->duplicates, g_hash_table_unref);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Verdict, verdict_clear)

static gboolean
accept_certificate_cb (SoupMessage          *message,
                       GTlsCertificate      *certificate,
                       GTlsCertificateFlags  errors,
                       gpointer              user_data)
{
  return TRUE;
}

static SoupMessage *
new_message (AggSync     *self,
             const char  *method,
             const char  *url,
             GError     **error)
{
  g_autoptr(GUri) uri = g_uri_parse (url, SOUP_HTTP_URI_FLAGS, NULL);
  SoupMessage *message;
  SoupMessageHeaders *headers;

  if (uri == NULL)
    {
      g_set_error (error, AGG_SYNC_ERROR, AGG_SYNC_ERROR_REFUSED,
                   _("The repository gave an address that is not one"));
      return NULL;
    }

  message = soup_message_new_from_uri (method, uri);
  headers = soup_message_get_request_headers (message);
  if (self->authorization != NULL)
    soup_message_headers_replace (headers, "Authorization", self->authorization);
  soup_message_headers_replace (headers, "GS1-EPCIS-Version", "2.0.0");
  soup_message_headers_replace (headers, "GS1-CBV-Version", "2.0.0");
  soup_message_headers_replace (headers, "Accept", "application/json");
  if (!self->tls_verify)
    g_signal_connect (message, "accept-certificate", G_CALLBACK (accept_certificate_cb), NULL);
  return message;
}

/* A failure to talk to the repository at all, worded for people. */
static void
set_transport_error (GError  **error,
                     GError   *cause)
{
  if (g_error_matches (cause, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      g_propagate_error (error, g_error_copy (cause));
      return;
    }
  g_set_error (error, AGG_SYNC_ERROR, AGG_SYNC_ERROR_UNREACHABLE,
               _("Cannot reach the repository: %s"), cause->message);
}

/* Sends @message; the body, or NULL with @error when no answer came. */
static GBytes *
send (Worker       *worker,
      SoupMessage  *message,
      GError      **error)
{
  g_autoptr(GError) local_error = NULL;
  GBytes *body;

  body = soup_session_send_and_read (worker->session, message, worker->cancellable,
                                     &local_error);
  if (body == NULL)
    set_transport_error (error, local_error);
  return body;
}

/* An HTTP status that says nothing about the events themselves. */
static gboolean
status_error (guint    status,
              GError **error)
{
  if (status == 401 || status == 403)
    g_set_error (error, AGG_SYNC_ERROR, AGG_SYNC_ERROR_REFUSED,
                 _("The repository refused the credentials (HTTP %u)"), status);
  else if (status == 404 || status == 405 || status == 406 || status == 415)
    g_set_error (error, AGG_SYNC_ERROR, AGG_SYNC_ERROR_REFUSED,
                 _("The repository has no EPCIS capture interface at this address (HTTP %u)"),
                 status);
  else if (status == 408 || status == 429 || status >= 500)
    g_set_error (error, AGG_SYNC_ERROR, AGG_SYNC_ERROR_SERVER,
                 _("The repository is failing or busy (HTTP %u)"), status);
  else
    return FALSE;
  return TRUE;
}

static gint64
header_int (SoupMessageHeaders *headers,
            const char         *name)
{
  g_autofree char *value = g_strdup (soup_message_headers_get_one (headers, name));
  guint64 number;

  if (value == NULL ||
      !g_ascii_string_to_unsigned (g_strstrip (value), 10, 1, G_MAXINT64, &number, NULL))
    return 0;
  return number;
}

/* OPTIONS /capture: the repository's limits per request. */
static gboolean
discover_limits (Worker  *worker,
                 GError **error)
{
  AggSync *self = worker->self;
  g_autoptr(SoupMessage) message = new_message (self, "OPTIONS", self->capture_url, error);
  g_autoptr(GBytes) body = NULL;
  SoupMessageHeaders *headers;
  guint status;
  gint64 size_limit;

  if (message == NULL)
    return FALSE;
  body = send (worker, message, error);
  if (body == NULL)
    return FALSE;

  status = soup_message_get_status (message);
  if (status == 401 || status == 403 || status == 408 || status == 429 || status >= 500)
    {
      status_error (status, error);
      return FALSE;
    }

  /* A repository without discovery takes what it takes; a 413 will say. */
  headers = soup_message_get_response_headers (message);
  size_limit = header_int (headers, "GS1-EPCIS-Capture-File-Size-Limit");
  if (size_limit == 0)
    size_limit = header_int (headers, "GS1-Capture-File-Size-Limit");

  g_mutex_lock (&self->lock);
  self->online = TRUE;
  self->capture_limit = header_int (headers, "GS1-EPCIS-Capture-Limit");
  self->size_limit = size_limit;
  self->limits_known = TRUE;
  notify_locked (self);
  g_mutex_unlock (&self->lock);
  return TRUE;
}

static const char *
member_text (JsonObject *object,
             const char *name)
{
  JsonNode *node = json_object_get_member (object, name);

  if (node == NULL || json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;
  return json_node_get_string (node);
}

/* The words of an RFC 7807 problem: its detail, else its title. */
static char *
problem_text (JsonObject *problem,
              guint       http_status)
{
  const char *detail = member_text (problem, "detail");
  const char *title = member_text (problem, "title");
  const char *type = member_text (problem, "type");

  if (detail != NULL && title != NULL)
    return g_strdup_printf ("%s: %s", title, detail);
  if (detail != NULL || title != NULL)
    return g_strdup (detail != NULL ? detail : title);
  if (type != NULL)
    return g_strdup (type);
  return g_strdup_printf (_("Refused by the repository (HTTP %u)"), http_status);
}

/* A problem that says the event is already captured: status 409, or a
 * type that names a duplicate. */
static gboolean
problem_is_duplicate (JsonObject *problem)
{
  const char *type = member_text (problem, "type");

  return (json_object_has_member (problem, "status") &&
          json_object_get_int_member (problem, "status") == 409) ||
         (type != NULL && (strstr (type, "uplicate") != NULL));
}

/* Reads a list of problems, each naming its event by "instance" (the
 * event ID); FALSE when none names one. */
static gboolean
read_event_errors (JsonArray *errors,
                   guint      http_status,
                   Verdict   *verdict)
{
  gboolean any = FALSE;

  verdict->rejected = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  verdict->duplicates = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  for (guint i = 0; errors != NULL && i < json_array_get_length (errors); i++)
    {
      JsonNode *node = json_array_get_element (errors, i);
      JsonObject *problem;
      const char *instance;

      if (!JSON_NODE_HOLDS_OBJECT (node))
        continue;
      problem = json_node_get_object (node);
      instance = member_text (problem, "instance");
      if (instance == NULL)
        {
          if (verdict->reason == NULL)
            verdict->reason = problem_text (problem, http_status);
          continue;
        }
      any = TRUE;
      if (problem_is_duplicate (problem))
        g_hash_table_add (verdict->duplicates, g_strdup (instance));
      else
        g_hash_table_replace (verdict->rejected, g_strdup (instance),
                              problem_text (problem, http_status));
    }
  return any;
}

/* What a refusal's body says: per-event errors, or one reason. */
static void
read_refusal (GBytes  *body,
              guint    http_status,
              Verdict *verdict)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  gsize size = 0;
  const char *data = body != NULL ? g_bytes_get_data (body, &size) : NULL;
  JsonNode *root;

  verdict->kind = VERDICT_REJECTED;
  if (data != NULL && size > 0 && json_parser_load_from_data (parser, data, size, NULL) &&
      (root = json_parser_get_root (parser)) != NULL && JSON_NODE_HOLDS_OBJECT (root))
    {
      JsonObject *object = json_node_get_object (root);
      JsonNode *errors = json_object_get_member (object, "errors");

      if (errors != NULL && JSON_NODE_HOLDS_ARRAY (errors) &&
          read_event_errors (json_node_get_array (errors), http_status, verdict))
        {
          verdict->kind = VERDICT_REJECTED_EVENTS;
          return;
        }
      if (verdict->reason == NULL)
        verdict->reason = problem_text (object, http_status);
      return;
    }

  if (verdict->reason == NULL)
    verdict->reason = g_strdup_printf (_("Refused by the repository (HTTP %u)"), http_status);
}

/* Cancellable sleep in the worker's thread. */
static gboolean
sleep_ms (Worker   *worker,
          guint64   ms,
          GError  **error)
{
  AggSync *self = worker->self;
  gint64 end = g_get_monotonic_time () + ms * 1000;

  g_mutex_lock (&self->lock);
  while (!self->stopping && !g_cancellable_is_cancelled (worker->cancellable))
    if (!g_cond_wait_until (&self->cond, &self->lock, end))
      break;
  g_mutex_unlock (&self->lock);

  return !g_cancellable_set_error_if_cancelled (worker->cancellable, error);
}

/* A job that failed for the repository's own reasons (a 5xx problem, an
 * ImplementationException) says nothing against the events: the batch
 * goes again later. */
static gboolean
job_failed_itself (JsonArray  *errors,
                   GError    **error)
{
  for (guint i = 0; i < json_array_get_length (errors); i++)
    {
      JsonNode *node = json_array_get_element (errors, i);
      JsonObject *problem;
      const char *type;

      if (!JSON_NODE_HOLDS_OBJECT (node))
        continue;
      problem = json_node_get_object (node);
      type = member_text (problem, "type");
      if ((json_object_has_member (problem, "status") &&
           json_object_get_int_member (problem, "status") >= 500) ||
          (type != NULL && strstr (type, "ImplementationException") != NULL))
        {
          g_autofree char *text = problem_text (problem, 500);

          g_set_error (error, AGG_SYNC_ERROR, AGG_SYNC_ERROR_SERVER,
                       _("The repository's capture job failed: %s"), text);
          return TRUE;
        }
    }
  return FALSE;
}

/* Follows a capture job until it finishes. */
static gboolean
poll_job (Worker      *worker,
          const char  *location,
          Verdict     *verdict,
          GError     **error)
{
  AggSync *self = worker->self;
  g_autoptr(GUri) base = g_uri_parse (self->capture_url, SOUP_HTTP_URI_FLAGS, NULL);
  g_autoptr(GUri) job_uri = g_uri_parse_relative (base, location, SOUP_HTTP_URI_FLAGS, NULL);
  g_autofree char *job_url = NULL;
  gint64 deadline = g_get_monotonic_time () + self->poll_timeout_ms * 1000;

  if (job_uri == NULL)
    {
      g_set_error (error, AGG_SYNC_ERROR, AGG_SYNC_ERROR_SERVER,
                   _("The repository gave an address that is not one"));
      return FALSE;
    }
  job_url = g_uri_to_string (job_uri);

  for (;;)
    {
      g_autoptr(SoupMessage) message = new_message (self, "GET", job_url, error);
      g_autoptr(GBytes) body = NULL;
      g_autoptr(JsonParser) parser = json_parser_new ();
      const char *data;
      gsize size;
      JsonNode *root;
      JsonObject *job;
      guint status;

      if (message == NULL)
        return FALSE;
      body = send (worker, message, error);
      if (body == NULL)
        return FALSE;
      status = soup_message_get_status (message);
      if (status_error (status, error))
        return FALSE;
      if (status != 200)
        {
          /* A job the repository forgot: the batch goes again, and the
           * event IDs keep it from counting twice. */
          g_set_error (error, AGG_SYNC_ERROR, AGG_SYNC_ERROR_SERVER,
                       _("The repository lost the capture job (HTTP %u)"), status);
          return FALSE;
        }

      data = g_bytes_get_data (body, &size);
      if (!json_parser_load_from_data (parser, data, size, NULL) ||
          (root = json_parser_get_root (parser)) == NULL || !JSON_NODE_HOLDS_OBJECT (root))
        {
          g_set_error (error, AGG_SYNC_ERROR, AGG_SYNC_ERROR_SERVER,
                       _("The repository answered with an unreadable capture job"));
          return FALSE;
        }
      job = json_node_get_object (root);

      if (!json_object_get_boolean_member_with_default (job, "running", FALSE))
        {
          JsonNode *errors = json_object_get_member (job, "errors");

          if (json_object_get_boolean_member_with_default (job, "success", FALSE))
            {
              verdict->kind = VERDICT_ACCEPTED;
              return TRUE;
            }
          if (errors != NULL && JSON_NODE_HOLDS_ARRAY (errors) &&
              job_failed_itself (json_node_get_array (errors), error))
            return FALSE;
          verdict->kind = VERDICT_REJECTED;
          if (errors != NULL && JSON_NODE_HOLDS_ARRAY (errors) &&
              read_event_errors (json_node_get_array (errors), 400, verdict))
            verdict->kind = VERDICT_REJECTED_EVENTS;
          else if (verdict->reason == NULL)
            verdict->reason = g_strdup (_("The repository's capture job failed"));
          return TRUE;
        }

      if (g_get_monotonic_time () > deadline)
        {
          g_set_error (error, AGG_SYNC_ERROR, AGG_SYNC_ERROR_SERVER,
                       _("The repository's capture job did not finish in time"));
          return FALSE;
        }
      if (!sleep_ms (worker, self->poll_interval_ms, error))
        return FALSE;
    }
}

static const char *
content_type (AggEpcisFormat format)
{
  return format == AGG_EPCIS_FORMAT_JSONLD ? "application/ld+json" : "application/xml";
}

/* Posts one document: TRUE with the repository's verdict, FALSE with
 * @error when there is none (network, server, credentials). */
static gboolean
post (Worker   *worker,
      GBytes   *document,
      Verdict  *verdict,
      GError  **error)
{
  AggSync *self = worker->self;
  g_autoptr(SoupMessage) message = new_message (self, "POST", self->capture_url, error);
  g_autoptr(GBytes) body = NULL;
  const char *location;
  guint status;

  if (message == NULL)
    return FALSE;
  soup_message_headers_replace (soup_message_get_request_headers (message),
                                "GS1-Capture-Error-Behaviour", "rollback");
  soup_message_set_request_body_from_bytes (message, content_type (self->format), document);

  body = send (worker, message, error);
  if (body == NULL)
    return FALSE;

  g_mutex_lock (&self->lock);
  self->online = TRUE;
  g_mutex_unlock (&self->lock);

  status = soup_message_get_status (message);
  if (status == 413)
    {
      verdict->kind = VERDICT_TOO_LARGE;
      return TRUE;
    }
  if (status == 409)
    {
      /* Everything in it was captured before: delivered. */
      verdict->kind = VERDICT_ACCEPTED;
      return TRUE;
    }
  if (status_error (status, error))
    return FALSE;

  if (status >= 200 && status < 300)
    {
      location = soup_message_headers_get_one (soup_message_get_response_headers (message),
                                               "Location");
      if (self->mode == MODE_CAPTURE_JOB && status == 202 && location != NULL)
        return poll_job (worker, location, verdict, error);
      verdict->kind = VERDICT_ACCEPTED;
      return TRUE;
    }

  read_refusal (body, status, verdict);
  return TRUE;
}

static gboolean
settle (Worker     *worker,
        GPtrArray  *events,
        Settled    *settled,
        char      **reasons,
        GError    **error)
{
  AggSync *self = worker->self;
  g_autoptr(GError) local_error = NULL;
  SettleJob job = { events, settled, reasons, 0, 0 };

  agg_store_run_sync (self->store, AGG_STORE_WRITE, settle_job, &job, &local_error);
  if (local_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }

  g_mutex_lock (&self->lock);
  self->pending = MAX (self->pending - job.n_sent - job.n_exceptions, 0);
  self->sent_total += job.n_sent;
  self->exceptions += job.n_exceptions;
  if (job.n_sent > 0)
    {
      g_free (self->last_success_at);
      self->last_success_at = agg_now_utc ();
    }
  notify_locked (self);
  g_mutex_unlock (&self->lock);
  return TRUE;
}

/* Settles every event of @events the same way. */
static gboolean
settle_all (Worker      *worker,
            GPtrArray   *events,
            Settled      how,
            const char  *reason,
            GError     **error)
{
  g_autofree Settled *settled = g_new (Settled, events->len);
  g_autofree char **reasons = g_new (char *, events->len);

  for (guint i = 0; i < events->len; i++)
    {
      settled[i] = how;
      reasons[i] = (char *) reason;
    }
  return settle (worker, events, settled, reasons, error);
}

static GPtrArray *
slice (GPtrArray *events,
       guint      start,
       guint      end)
{
  GPtrArray *part = g_ptr_array_new_full (end - start, (GDestroyNotify) agg_epcis_event_unref);

  for (guint i = start; i < end; i++)
    g_ptr_array_add (part, agg_epcis_event_ref (events->pdata[i]));
  return part;
}

static gboolean deliver (Worker     *worker,
                         GPtrArray  *events,
                         GError    **error);

/* The first half, then the second: the order of events holds. */
static gboolean
deliver_halves (Worker     *worker,
                GPtrArray  *events,
                GError    **error)
{
  g_autoptr(GPtrArray) first = slice (events, 0, events->len / 2);
  g_autoptr(GPtrArray) second = slice (events, events->len / 2, events->len);

  return deliver (worker, first, error) && deliver (worker, second, error);
}

/* Settles what the repository said of each event, then sends again what
 * its all-or-nothing capture turned away with the others. */
static gboolean
deliver_rest (Worker     *worker,
              GPtrArray  *events,
              Verdict    *verdict,
              GError    **error)
{
  g_autoptr(GPtrArray) named = g_ptr_array_new ();
  g_autoptr(GPtrArray) rest = g_ptr_array_new_with_free_func ((GDestroyNotify) agg_epcis_event_unref);
  g_autoptr(GArray) settled = g_array_new (FALSE, FALSE, sizeof (Settled));
  g_autoptr(GPtrArray) reasons = g_ptr_array_new ();

  for (guint i = 0; i < events->len; i++)
    {
      AggEpcisEvent *event = events->pdata[i];
      const char *id = agg_epcis_event_get_id (event);
      const char *reason = g_hash_table_lookup (verdict->rejected, id);
      Settled how;

      if (reason != NULL)
        how = SETTLED_EXCEPTION;
      else if (g_hash_table_contains (verdict->duplicates, id))
        how = SETTLED_DUPLICATE;
      else
        {
          g_ptr_array_add (rest, agg_epcis_event_ref (event));
          continue;
        }
      g_ptr_array_add (named, event);
      g_array_append_val (settled, how);
      g_ptr_array_add (reasons, (gpointer) reason);
    }

  /* Errors that name none of these events: treat the batch as refused. */
  if (named->len == 0)
    {
      if (events->len == 1)
        return settle_all (worker, events, SETTLED_EXCEPTION,
                           verdict->reason != NULL ? verdict->reason
                                                   : _("Refused by the repository"), error);
      return deliver_halves (worker, events, error);
    }

  if (!settle (worker, named, (Settled *) settled->data, (char **) reasons->pdata, error))
    return FALSE;
  return rest->len == 0 || deliver (worker, rest, error);
}

static gboolean
deliver (Worker     *worker,
         GPtrArray  *events,
         GError    **error)
{
  AggSync *self = worker->self;
  g_autoptr(GBytes) document = NULL;
  g_auto(Verdict) verdict = { 0, };
  gint64 size_limit;

  document = agg_epcis_document_new (events, NULL, self->format, &self->options, error);
  if (document == NULL)
    return FALSE;

  g_mutex_lock (&self->lock);
  size_limit = self->size_limit;
  g_mutex_unlock (&self->lock);

  if (size_limit > 0 && (gint64) g_bytes_get_size (document) > size_limit)
    {
      if (events->len > 1)
        return deliver_halves (worker, events, error);
      verdict.kind = VERDICT_TOO_LARGE;
    }
  else
    {
      g_autoptr(GError) local_error = NULL;

      if (!post (worker, document, &verdict, &local_error))
        {
          if (!g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
            settle_all (worker, events, SETTLED_ATTEMPTED, local_error->message, NULL);
          g_propagate_error (error, g_steal_pointer (&local_error));
          return FALSE;
        }
    }

  switch (verdict.kind)
    {
    case VERDICT_ACCEPTED:
      return settle_all (worker, events, SETTLED_SENT, NULL, error);

    case VERDICT_TOO_LARGE:
      if (events->len > 1)
        return deliver_halves (worker, events, error);
      return settle_all (worker, events, SETTLED_EXCEPTION,
                         _("The event is larger than the repository accepts"), error);

    case VERDICT_REJECTED_EVENTS:
      return deliver_rest (worker, events, &verdict, error);

    case VERDICT_REJECTED:
    default:
      if (events->len > 1)
        return deliver_halves (worker, events, error);
      return settle_all (worker, events, SETTLED_EXCEPTION, verdict.reason, error);
    }
}

/* Error declarations: delivered after the events, the same way, and
 * settled in their own table. */
typedef struct
{
  GPtrArray  *declarations;
  const char *status;                 /* NULL: count an attempt */
  const char *reason;
  GHashTable *only;                   /* event IDs; NULL: all */
} DeclarationJob;

static gpointer
settle_declarations_job (AggStore  *store,
                         sqlite3   *db,
                         gpointer   user_data,
                         GError   **error)
{
  DeclarationJob *job = user_data;
  g_autofree char *now = agg_now_utc ();

  for (guint i = 0; i < job->declarations->len; i++)
    {
      AggEpcisDeclaration *declaration = job->declarations->pdata[i];
      sqlite3_stmt *stmt;

      if (job->only != NULL &&
          !g_hash_table_contains (job->only, agg_epcis_declaration_get_event_id (declaration)))
        continue;
      stmt = agg_store_prepare (store,
                                "UPDATE error_declarations SET attempts = attempts + 1,"
                                "  status = coalesce (?2, status), last_error = ?3,"
                                "  sent_at = CASE WHEN ?2 = 'sent' THEN ?4 ELSE sent_at END"
                                " WHERE id = ?1 AND status = 'pending'", error);
      if (stmt == NULL)
        return NULL;
      sqlite3_bind_int64 (stmt, 1, agg_epcis_declaration_get_row_id (declaration));
      sqlite3_bind_text (stmt, 2, job->status, -1, SQLITE_STATIC);
      sqlite3_bind_text (stmt, 3, job->reason, -1, SQLITE_TRANSIENT);
      sqlite3_bind_text (stmt, 4, now, -1, SQLITE_TRANSIENT);
      if (!agg_store_step (store, stmt, error))
        return NULL;
    }
  return NULL;
}

static gboolean
settle_declarations (AggSync     *self,
                     GPtrArray   *declarations,
                     const char  *status,
                     const char  *reason,
                     GHashTable  *only,
                     GError     **error)
{
  g_autoptr(GError) local_error = NULL;
  DeclarationJob job = { declarations, status, reason, only };

  agg_store_run_sync (self->store, AGG_STORE_WRITE, settle_declarations_job, &job,
                      &local_error);
  if (local_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  return TRUE;
}

/* A batch the repository refuses as a whole goes again one by one, so
 * that only the refused declarations become exceptions. */
static gboolean
deliver_declarations (Worker  *worker,
                      guint    limit,
                      GError **error)
{
  AggSync *self = worker->self;
  g_autoptr(GPtrArray) none = g_ptr_array_new ();

  for (;;)
    {
      g_autoptr(GPtrArray) declarations = NULL;
      g_autoptr(GBytes) document = NULL;
      g_autoptr(GError) local_error = NULL;
      g_auto(Verdict) verdict = { 0, };

      declarations = agg_epcis_declarations_read (self->store, "pending", 0, limit, error);
      if (declarations == NULL)
        return FALSE;
      if (declarations->len == 0)
        return TRUE;

      document = agg_epcis_document_new (none, declarations, self->format, &self->options,
                                         error);
      if (document == NULL)
        return FALSE;
      if (!post (worker, document, &verdict, &local_error))
        {
          if (!g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
            settle_declarations (self, declarations, NULL, local_error->message, NULL, NULL);
          g_propagate_error (error, g_steal_pointer (&local_error));
          return FALSE;
        }

      switch (verdict.kind)
        {
        case VERDICT_ACCEPTED:
          if (!settle_declarations (self, declarations, "sent", NULL, NULL, error))
            return FALSE;
          break;
        case VERDICT_REJECTED_EVENTS:
          if (!settle_declarations (self, declarations, "sent", NULL, verdict.duplicates, error))
            return FALSE;
          {
            GHashTableIter iter;
            gpointer id, reason;

            g_hash_table_iter_init (&iter, verdict.rejected);
            while (g_hash_table_iter_next (&iter, &id, &reason))
              {
                g_autoptr(GHashTable) one = g_hash_table_new (g_str_hash, g_str_equal);

                g_hash_table_add (one, id);
                if (!settle_declarations (self, declarations, "exception", reason, one, error))
                  return FALSE;
              }
          }
          break;
        case VERDICT_TOO_LARGE:
        case VERDICT_REJECTED:
        default:
          if (declarations->len > 1)
            limit = 1;
          else if (!settle_declarations (self, declarations, "exception",
                                         verdict.reason != NULL
                                         ? verdict.reason
                                         : _("The declaration is larger than the repository "
                                             "accepts"), NULL, error))
            return FALSE;
          break;
        }
    }
}

static guint
batch_limit (AggSync *self)
{
  guint limit;

  g_mutex_lock (&self->lock);
  limit = self->batch_size;
  if (self->capture_limit > 0 && self->capture_limit < limit)
    limit = self->capture_limit;
  g_mutex_unlock (&self->lock);
  return limit;
}

/* Master data: imported as the station, when it changed. */
typedef struct
{
  GBytes *body;
  guint   n_imported;
} ImportJob;

static gpointer
import_job (AggStore  *store,
            sqlite3   *db,
            gpointer   user_data,
            GError   **error)
{
  ImportJob *job = user_data;
  const AggActor station = { 0, NULL, AGG_ROLE_ADMIN };
  gsize size;
  const char *data = g_bytes_get_data (job->body, &size);

  agg_import_master_data (store, &station, data, size, &job->n_imported, error);
  return NULL;
}

static gboolean
fetch_master_data (Worker  *worker,
                   GError **error)
{
  AggSync *self = worker->self;
  g_autoptr(SoupMessage) message = new_message (self, "GET", self->master_data_url, error);
  g_autoptr(GBytes) body = NULL;
  g_autoptr(GError) local_error = NULL;
  g_autofree char *checksum = NULL;
  ImportJob job = { NULL, 0 };
  const char *etag;
  guint status;

  if (message == NULL)
    return FALSE;
  if (self->master_etag != NULL)
    soup_message_headers_replace (soup_message_get_request_headers (message), "If-None-Match",
                                  self->master_etag);
  body = send (worker, message, error);
  if (body == NULL)
    return FALSE;

  status = soup_message_get_status (message);
  if (status == 304)
    return TRUE;
  if (status_error (status, error))
    return FALSE;
  if (status != 200)
    {
      g_set_error (error, AGG_SYNC_ERROR, AGG_SYNC_ERROR_REFUSED,
                   _("The master data address answered HTTP %u"), status);
      return FALSE;
    }

  /* The same data again changes nothing, and is not imported again. */
  checksum = g_compute_checksum_for_bytes (G_CHECKSUM_SHA256, body);
  etag = soup_message_headers_get_one (soup_message_get_response_headers (message), "ETag");
  g_free (self->master_etag);
  self->master_etag = g_strdup (etag);
  if (g_strcmp0 (checksum, self->master_checksum) == 0)
    return TRUE;

  job.body = body;
  agg_store_run_sync (self->store, AGG_STORE_WRITE, import_job, &job, &local_error);
  if (local_error != NULL)
    {
      g_set_error (error, AGG_SYNC_ERROR, AGG_SYNC_ERROR_FAILED,
                   _("The master data were not imported: %s"), local_error->message);
      return FALSE;
    }
  g_free (self->master_checksum);
  self->master_checksum = g_steal_pointer (&checksum);
  return TRUE;
}

static gboolean
master_data_due (AggSync *self)
{
  return self->master_data_url != NULL && g_get_monotonic_time () >= self->master_next_at;
}

/* Delivers until the outbox is empty, then fetches master data when due. */
static gboolean
deliver_all (Worker  *worker,
             GError **error)
{
  AggSync *self = worker->self;
  gboolean known;

  if (!refresh_counts (self, error))
    return FALSE;

  g_mutex_lock (&self->lock);
  known = self->limits_known;
  g_mutex_unlock (&self->lock);
  if (!known && !discover_limits (worker, error))
    return FALSE;

  for (;;)
    {
      g_autoptr(GPtrArray) events = agg_epcis_events_read (self->store, "pending", NULL, 0,
                                                           batch_limit (self), error);

      if (events == NULL)
        return FALSE;
      if (events->len == 0)
        break;

      set_state (self, "sending");
      if (!deliver (worker, events, error))
        return FALSE;
      if (g_cancellable_set_error_if_cancelled (worker->cancellable, error))
        return FALSE;
    }

  if (!deliver_declarations (worker, batch_limit (self), error))
    return FALSE;

  if (master_data_due (self))
    {
      if (!fetch_master_data (worker, error))
        return FALSE;
      self->master_next_at = g_get_monotonic_time () + self->master_data_interval_ms * 1000;
    }

  g_mutex_lock (&self->lock);
  self->online = TRUE;
  g_clear_pointer (&self->last_error, g_free);
  self->failures = 0;
  self->next_attempt_at = 0;
  notify_locked (self);
  g_mutex_unlock (&self->lock);
  return TRUE;
}

static SoupSession *
new_session (AggSync  *self,
             GError  **error)
{
  SoupSession *session;

  session = soup_session_new_with_options ("timeout", self->timeout_s,
                                           "idle-timeout", 60,
                                           "user-agent", "aggregation-station/" PACKAGE_VERSION,
                                           NULL);
  if (self->ca_file != NULL)
    {
      g_autoptr(GTlsDatabase) database = g_tls_file_database_new (self->ca_file, error);

      if (database == NULL)
        {
          g_object_unref (session);
          return NULL;
        }
      soup_session_set_tls_database (session, database);
    }
  return session;
}

/* Full jitter: a uniform wait between 0 and the exponential bound, so that
 * stations that lost the same repository do not come back in step. */
static guint64
backoff_ms (AggSync *self,
            guint    failures)
{
  guint64 bound = self->retry_min_ms;

  for (guint i = 1; i < failures && bound < self->retry_max_ms; i++)
    bound *= 2;
  bound = MIN (bound, self->retry_max_ms);
  return g_random_int_range (0, (gint32) MIN (bound, G_MAXINT32 - 1) + 1);
}

static gpointer
worker_thread (gpointer user_data)
{
  AggSync *self = user_data;
  g_autoptr(GMainContext) context = g_main_context_new ();
  g_autoptr(SoupSession) session = NULL;
  g_autoptr(GError) error = NULL;
  Worker worker = { self, NULL, self->cancellable };

  g_main_context_push_thread_default (context);
  session = new_session (self, &error);
  worker.session = session;

  while (session != NULL)
    {
      g_autoptr(GError) local_error = NULL;
      gint64 wake_at;
      gboolean ok;

      g_mutex_lock (&self->lock);
      if (self->stopping)
        {
          g_mutex_unlock (&self->lock);
          break;
        }
      self->kicked = FALSE;
      g_mutex_unlock (&self->lock);

      ok = deliver_all (&worker, &local_error);
      if (g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        break;

      g_mutex_lock (&self->lock);
      if (ok)
        {
          self->state = "idle";
          wake_at = g_get_monotonic_time () + self->check_interval_ms * 1000;
        }
      else
        {
          gboolean unreachable = g_error_matches (local_error, AGG_SYNC_ERROR,
                                                  AGG_SYNC_ERROR_UNREACHABLE);

          self->failures++;
          self->online = !unreachable;
          self->state = unreachable ? "offline" : "waiting";
          g_free (self->last_error);
          self->last_error = g_strdup (local_error->message);
          /* Limits may differ when the repository comes back. */
          self->limits_known = FALSE;
          self->next_attempt_at = g_get_monotonic_time () +
                                  backoff_ms (self, self->failures) * 1000;
          wake_at = self->next_attempt_at;
        }
      notify_locked (self);

      /* A kick wakes an idle worker; one that is backing off keeps
       * waiting, so that a busy line does not hammer a failing server. */
      while (!self->stopping && !(ok && self->kicked))
        if (!g_cond_wait_until (&self->cond, &self->lock, wake_at))
          break;
      g_mutex_unlock (&self->lock);
    }

  if (session == NULL)
    set_error (self, FALSE, error->message);

  g_main_context_pop_thread_default (context);
  return NULL;
}

gboolean
agg_sync_start (AggSync  *self,
                GError  **error)
{
  g_return_val_if_fail (AGG_IS_SYNC (self), FALSE);
  g_return_val_if_fail (self->thread == NULL, FALSE);
  g_return_val_if_fail (!self->running_once, FALSE);

  g_mutex_lock (&self->lock);
  self->stopping = FALSE;
  self->kicked = FALSE;
  self->state = "idle";
  g_clear_object (&self->cancellable);
  self->cancellable = g_cancellable_new ();
  g_mutex_unlock (&self->lock);

  self->thread = g_thread_try_new ("agg-sync", worker_thread, self, error);
  return self->thread != NULL;
}

void
agg_sync_stop (AggSync *self)
{
  g_return_if_fail (AGG_IS_SYNC (self));

  if (self->thread == NULL)
    return;

  g_mutex_lock (&self->lock);
  self->stopping = TRUE;
  g_cond_broadcast (&self->cond);
  g_mutex_unlock (&self->lock);
  g_cancellable_cancel (self->cancellable);

  g_thread_join (g_steal_pointer (&self->thread));

  g_mutex_lock (&self->lock);
  self->state = "stopped";
  self->next_attempt_at = 0;
  notify_locked (self);
  g_mutex_unlock (&self->lock);
}

void
agg_sync_kick (AggSync *self)
{
  g_return_if_fail (AGG_IS_SYNC (self));

  g_mutex_lock (&self->lock);
  self->kicked = TRUE;
  g_cond_broadcast (&self->cond);
  g_mutex_unlock (&self->lock);
}

gboolean
agg_sync_run_once (AggSync       *self,
                   GCancellable  *cancellable,
                   GError       **error)
{
  g_autoptr(GMainContext) context = NULL;
  g_autoptr(SoupSession) session = NULL;
  g_autoptr(GError) local_error = NULL;
  Worker worker = { self, NULL, cancellable };
  gboolean ok;

  g_return_val_if_fail (AGG_IS_SYNC (self), FALSE);
  g_return_val_if_fail (self->thread == NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  context = g_main_context_new ();
  g_main_context_push_thread_default (context);

  g_mutex_lock (&self->lock);
  self->running_once = TRUE;
  self->stopping = FALSE;
  self->limits_known = FALSE;
  self->state = "sending";
  g_mutex_unlock (&self->lock);

  session = new_session (self, &local_error);
  worker.session = session;
  if (session != NULL)
    {
      if (self->master_data_url != NULL)
        self->master_next_at = 0;
      ok = deliver_all (&worker, &local_error);
    }
  else
    ok = FALSE;

  g_mutex_lock (&self->lock);
  self->running_once = FALSE;
  if (ok)
    self->state = "idle";
  else
    {
      gboolean unreachable = g_error_matches (local_error, AGG_SYNC_ERROR,
                                              AGG_SYNC_ERROR_UNREACHABLE);

      self->online = !unreachable;
      self->state = unreachable ? "offline" : "waiting";
      g_free (self->last_error);
      self->last_error = g_strdup (local_error->message);
    }
  notify_locked (self);
  g_mutex_unlock (&self->lock);

  g_main_context_pop_thread_default (context);
  if (!ok)
    g_propagate_error (error, g_steal_pointer (&local_error));
  return ok;
}
