/* agg-station.c: the running station — engine, devices, printers, upstream
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <errno.h>
#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "agg-line-job.h"
#include "agg-line-private.h"
#include "agg-camera.h"
#include "agg-plc.h"
#include "agg-print-queue.h"
#include "agg-reader.h"
#include "agg-station.h"
#include "agg-sync.h"

/* The groups the station's subsystems claim; anything else is a typo. */
static const char * const known_groups[] = {
  "station", "scanner:", "plc", "plc.map", "printer:", "labels", "epcis", "sync", "camera:",
  NULL
};

/* The status file is rewritten at most this often. */
#define STATUS_WRITE_INTERVAL_MS 500

struct _AggStation
{
  GObject           parent_instance;

  AggLine          *line;
  AggConfig        *config;
  AggStationConfig  identity;
  gulong            executed_id;
  gboolean          identity_recorded;
  gboolean          started;

  GPtrArray        *readers;          /* of AggReader */
  AggPlc           *plc;              /* NULL: none configured */
  AggPrintQueue    *printers;         /* NULL: none configured */
  AggSync          *sync;             /* NULL: none configured */
  GPtrArray        *cameras;          /* of AggCamera */

  /* Requests wait here so that every source is served in arrival order. */
  GQueue            queue;
  gboolean          busy;

  /* id → message */
  GHashTable       *faults;
  GHashTable       *warnings;

  guint             status_source;
  gboolean          status_dirty;
};

G_DEFINE_FINAL_TYPE (AggStation, agg_station, G_TYPE_OBJECT)

enum
{
  SIGNAL_REQUEST_PROCESSED,
  SIGNAL_STATUS_CHANGED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void status_changed (AggStation *self);

static void
agg_station_dispose (GObject *object)
{
  AggStation *self = AGG_STATION (object);

  agg_station_stop (self);
  g_clear_handle_id (&self->status_source, g_source_remove);

  G_OBJECT_CLASS (agg_station_parent_class)->dispose (object);
}

static void
agg_station_finalize (GObject *object)
{
  AggStation *self = AGG_STATION (object);

  g_assert (g_queue_is_empty (&self->queue));
  g_clear_pointer (&self->readers, g_ptr_array_unref);
  g_clear_object (&self->plc);
  g_clear_object (&self->printers);
  g_clear_object (&self->sync);
  g_clear_pointer (&self->cameras, g_ptr_array_unref);
  g_clear_object (&self->line);
  g_clear_pointer (&self->config, agg_config_unref);
  agg_station_config_clear (&self->identity);
  g_hash_table_unref (self->faults);
  g_hash_table_unref (self->warnings);

  G_OBJECT_CLASS (agg_station_parent_class)->finalize (object);
}

static void
agg_station_class_init (AggStationClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = agg_station_dispose;
  object_class->finalize = agg_station_finalize;

  /**
   * AggStation::request-processed:
   * @request: the request, its source naming the reader for a scan
   * @result: the committed result
   *
   * Every request the station ran, whether a reader, a camera or a caller
   * of agg_station_execute_async () brought it.
   */
  signals[SIGNAL_REQUEST_PROCESSED] =
    g_signal_new ("request-processed",
                  G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL,
                  G_TYPE_NONE, 2, G_TYPE_POINTER, G_TYPE_POINTER);

  /**
   * AggStation::status-changed:
   *
   * A device, fault or warning changed; agg_station_dup_status () tells.
   */
  signals[SIGNAL_STATUS_CHANGED] =
    g_signal_new ("status-changed",
                  G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL,
                  G_TYPE_NONE, 0);
}

static void
agg_station_init (AggStation *self)
{
  g_queue_init (&self->queue);
  self->faults = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  self->warnings = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
}

AggStation *
agg_station_new (AggLine    *line,
                 AggConfig  *config,
                 GError    **error)
{
  g_autoptr(AggStation) self = NULL;
  g_auto(GStrv) groups = NULL;
  GError *local_error = NULL;

  g_return_val_if_fail (AGG_IS_LINE (line), NULL);
  g_return_val_if_fail (config != NULL, NULL);

  self = g_object_new (AGG_TYPE_STATION, NULL);
  self->line = g_object_ref (line);
  self->config = agg_config_ref (config);

  if (!agg_config_check_groups (config, known_groups, error) ||
      !agg_config_get_station (config, &self->identity, error))
    return NULL;

  self->readers = agg_readers_new_from_config (config, error);
  if (self->readers == NULL)
    return NULL;
  groups = agg_config_list_groups (config, "printer:");
  if (groups[0] != NULL)
    {
      self->printers = agg_print_queue_new_from_config (agg_line_get_store (line), config, error);
      if (self->printers == NULL)
        return NULL;
    }

  self->sync = agg_sync_new_from_config (agg_line_get_store (line), config, &local_error);
  if (local_error != NULL)
    {
      g_propagate_error (error, local_error);
      return NULL;
    }
  if (self->sync != NULL)
    agg_line_add_status_source (line, "sync", (AggLineStatusFunc) agg_sync_dup_status,
                                g_object_ref (self->sync), g_object_unref);

  self->cameras = agg_cameras_new_from_config (config, error);
  if (self->cameras == NULL)
    return NULL;
  for (guint i = 0; i < self->cameras->len; i++)
    agg_camera_set_store (g_ptr_array_index (self->cameras, i), agg_line_get_store (line));

  self->plc = agg_plc_new_from_config (config, &local_error);
  if (local_error != NULL)
    {
      g_propagate_error (error, local_error);
      return NULL;
    }

  return g_steal_pointer (&self);
}

AggLine *
agg_station_get_line (AggStation *self)
{
  g_return_val_if_fail (AGG_IS_STATION (self), NULL);

  return self->line;
}

AggConfig *
agg_station_get_config (AggStation *self)
{
  g_return_val_if_fail (AGG_IS_STATION (self), NULL);

  return self->config;
}

/* Identity */

typedef struct
{
  const char *key;
  const char *value;                  /* NULL: remove the setting */
} Setting;

static gpointer
apply_identity_job (AggStore  *store,
                    sqlite3   *db,
                    gpointer   user_data,
                    GError   **error)
{
  GArray *settings = user_data;
  /* The station itself makes the change; the audit row says so. */
  const AggActor station = { 0, NULL, AGG_ROLE_ADMIN };

  for (guint i = 0; i < settings->len; i++)
    {
      Setting *setting = &g_array_index (settings, Setting, i);
      GError *local_error = NULL;
      g_autofree char *old = agg_settings_get (store, setting->key, &local_error);

      if (agg_propagate_local_error (error, &local_error))
        return NULL;
      if (g_strcmp0 (old, setting->value) == 0 || setting->value == NULL)
        continue;
      if (!agg_settings_set (store, &station, setting->key, setting->value, error))
        return NULL;
    }
  return GINT_TO_POINTER (TRUE);
}

gboolean
agg_station_record_identity_sync (AggStation  *self,
                                  GError     **error)
{
  g_autoptr(GArray) settings = g_array_new (FALSE, FALSE, sizeof (Setting));
  const char *tz;
  Setting setting;

  g_return_val_if_fail (AGG_IS_STATION (self), FALSE);

  tz = self->identity.time_zone;
  if (self->identity.name != NULL)
    {
      setting = (Setting) { "station_name", self->identity.name };
      g_array_append_val (settings, setting);
    }
  if (self->identity.gln != NULL)
    {
      setting = (Setting) { "gln", self->identity.gln };
      g_array_append_val (settings, setting);
    }
  if (self->identity.extension != NULL)
    {
      setting = (Setting) { "gln_extension", self->identity.extension };
      g_array_append_val (settings, setting);
    }
  /* "local" leaves the recorded offset to the station's clock, or to an
   * administrator's setting. */
  if (g_ascii_strcasecmp (tz, "utc") == 0)
    {
      setting = (Setting) { "utc_offset", "+00:00" };
      g_array_append_val (settings, setting);
    }
  else if (g_ascii_strcasecmp (tz, "local") != 0)
    {
      setting = (Setting) { "utc_offset", tz };
      g_array_append_val (settings, setting);
    }

  if (settings->len > 0 &&
      agg_store_run_sync (agg_line_get_store (self->line), AGG_STORE_WRITE,
                          apply_identity_job, settings, error) == NULL)
    return FALSE;
  self->identity_recorded = TRUE;
  return TRUE;
}

/* Faults */

static gboolean
set_condition (GHashTable *table,
               const char *id,
               const char *message)
{
  const char *old = g_hash_table_lookup (table, id);

  if (message == NULL)
    return g_hash_table_remove (table, id);
  if (g_strcmp0 (old, message) == 0)
    return FALSE;
  g_hash_table_insert (table, g_strdup (id), g_strdup (message));
  return TRUE;
}

void
agg_station_set_fault (AggStation *self,
                       const char *id,
                       const char *message)
{
  g_return_if_fail (AGG_IS_STATION (self));
  g_return_if_fail (id != NULL);

  if (!set_condition (self->faults, id, message))
    return;
  if (self->plc != NULL)
    agg_plc_set_fault (self->plc, id, message);
  if (message != NULL)
    g_message ("Station fault %s: %s", id, message);
  else
    g_message ("Station fault %s cleared", id);
  status_changed (self);
}

void
agg_station_set_warning (AggStation *self,
                         const char *id,
                         const char *message)
{
  g_return_if_fail (AGG_IS_STATION (self));
  g_return_if_fail (id != NULL);

  if (!set_condition (self->warnings, id, message))
    return;
  if (self->plc != NULL)
    agg_plc_set_warning (self->plc, id, message);
  status_changed (self);
}

gboolean
agg_station_has_fault (AggStation *self)
{
  g_return_val_if_fail (AGG_IS_STATION (self), FALSE);

  return g_hash_table_size (self->faults) > 0;
}

/* What a committed result means for the line beyond the engine. */
static void
line_executed (AggLine          *line,
               const AggRequest *request,
               const AggResult  *result,
               AggStation       *self)
{
  JsonObject *order;

  if (result->outcome == AGG_OUTCOME_STORE_FAILED)
    agg_station_set_fault (self, "database", result->message);
  else if (request->action != AGG_ACTION_SHOW && request->action != AGG_ACTION_STATUS)
    agg_station_set_fault (self, "database", NULL);

  /* A closed case or pallet may have a label waiting, and new events
   * may go upstream. */
  if (self->printers != NULL && agg_result_is_ok (result))
    agg_print_queue_kick (self->printers);
  if (self->sync != NULL && agg_result_is_ok (result))
    agg_sync_kick (self->sync);

  /* The cameras count slots on the running product's layer. */
  order = result->details != NULL && json_object_has_member (result->details, "order")
          ? json_object_get_object_member (result->details, "order") : NULL;
  if (order != NULL && json_object_has_member (order, "layer_rows"))
    for (guint i = 0; i < self->cameras->len; i++)
      agg_camera_set_layout (g_ptr_array_index (self->cameras, i),
                             json_object_get_int_member_with_default (order, "layer_rows", 0),
                             json_object_get_int_member_with_default (order, "layer_cols", 0));

  /* A refused unit or a case that cannot be completed leaves the line. */
  if (self->plc != NULL && !agg_result_is_ok (result) &&
      (request->action == AGG_ACTION_SCAN || request->action == AGG_ACTION_SCAN_LAYER))
    agg_plc_pulse_reject (self->plc);

  if (result->outcome == AGG_OUTCOME_SSCC_RANGE_EXHAUSTED)
    agg_station_set_fault (self, "sscc", result->message);
  else if (agg_result_is_ok (result) &&
           (request->action == AGG_ACTION_SCAN || request->action == AGG_ACTION_CLOSE_CASE ||
            request->action == AGG_ACTION_CLOSE_PALLET || request->action == AGG_ACTION_IMPORT))
    agg_station_set_fault (self, "sscc", NULL);
}

/* The queue */

static AggReader *
find_reader (AggStation *self,
             const char *name)
{
  for (guint i = 0; name != NULL && i < self->readers->len; i++)
    if (strcmp (agg_reader_get_name (g_ptr_array_index (self->readers, i)), name) == 0)
      return g_ptr_array_index (self->readers, i);
  return NULL;
}

typedef struct
{
  AggRequest *request;
  GTask      *task;                   /* NULL for a reader's frame */
} Queued;

static void run_next (AggStation *self);

static void
execute_cb (GObject      *source,
            GAsyncResult *res,
            gpointer      user_data)
{
  g_autoptr(AggStation) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(AggResult) result = agg_line_execute_finish (AGG_LINE (source), res, &error);
  Queued *queued = g_queue_pop_head (&self->queue);

  self->busy = FALSE;
  if (result != NULL)
    {
      AggReader *reader = find_reader (self, queued->request->source);

      if (reader != NULL)
        {
          agg_reader_note_result (reader, agg_result_is_ok (result));
          status_changed (self);
        }
      g_signal_emit (self, signals[SIGNAL_REQUEST_PROCESSED], 0, queued->request, result);
    }

  if (queued->task != NULL)
    {
      if (result != NULL)
        g_task_return_pointer (queued->task, g_steal_pointer (&result),
                               (GDestroyNotify) agg_result_free);
      else
        g_task_return_error (queued->task, g_steal_pointer (&error));
      g_object_unref (queued->task);
    }
  agg_request_free (queued->request);
  g_free (queued);

  run_next (self);
}

static void
run_next (AggStation *self)
{
  Queued *queued = g_queue_peek_head (&self->queue);

  if (self->busy || queued == NULL)
    return;

  self->busy = TRUE;
  agg_line_execute_async (self->line, queued->request,
                          queued->task ? g_task_get_cancellable (queued->task) : NULL,
                          execute_cb, g_object_ref (self));
}

/* Takes @request. */
static void
enqueue (AggStation *self,
         AggRequest *request,
         GTask      *task)
{
  Queued *queued = g_new0 (Queued, 1);

  queued->request = request;
  queued->task = task;
  g_queue_push_tail (&self->queue, queued);
  run_next (self);
}

void
agg_station_execute_async (AggStation          *self,
                           const AggRequest    *request,
                           GCancellable        *cancellable,
                           GAsyncReadyCallback  callback,
                           gpointer             user_data)
{
  GTask *task;

  g_return_if_fail (AGG_IS_STATION (self));
  g_return_if_fail (request != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, agg_station_execute_async);
  enqueue (self, agg_request_copy (request), task);
}

AggResult *
agg_station_execute_finish (AggStation    *self,
                            GAsyncResult  *result,
                            GError       **error)
{
  g_return_val_if_fail (AGG_IS_STATION (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/* Status */

static JsonArray *
conditions_to_json (GHashTable *table)
{
  g_autoptr(GList) keys = g_list_sort (g_hash_table_get_keys (table), (GCompareFunc) strcmp);
  JsonArray *array = json_array_new ();

  for (GList *l = keys; l != NULL; l = l->next)
    {
      JsonObject *object = json_object_new ();

      json_object_set_string_member (object, "id", l->data);
      json_object_set_string_member (object, "message", g_hash_table_lookup (table, l->data));
      json_array_add_object_element (array, object);
    }
  return array;
}

JsonObject *
agg_station_dup_status (AggStation *self)
{
  JsonObject *status;

  g_return_val_if_fail (AGG_IS_STATION (self), NULL);

  status = json_object_new ();
  if (self->identity.name != NULL)
    json_object_set_string_member (status, "name", self->identity.name);
  else
    json_object_set_null_member (status, "name");
  json_object_set_string_member (status, "config", agg_config_get_path (self->config) != NULL
                                                    ? agg_config_get_path (self->config) : "");
  json_object_set_boolean_member (status, "running", self->started);
  json_object_set_array_member (status, "faults", conditions_to_json (self->faults));
  json_object_set_array_member (status, "warnings", conditions_to_json (self->warnings));
  json_object_set_array_member (status, "devices", agg_station_dup_devices (self));
  return status;
}

static const char *
member_text (JsonObject *object,
             const char *name)
{
  return json_object_get_string_member_with_default (object, name, NULL);
}

/* @status is a device's own status: it becomes the entry's figures. */
static void
add_device (JsonArray  *devices,
            const char *kind,
            const char *name,
            JsonObject *status,
            const char *state,
            const char *detail)
{
  JsonObject *device = json_object_new ();
  JsonNode *error = json_object_get_member (status, "last_error");

  json_object_set_string_member (device, "kind", kind);
  json_object_set_string_member (device, "name", name);
  json_object_set_boolean_member (device, "connected",
                                  json_object_get_boolean_member_with_default (status, "connected", FALSE));
  if (state == NULL)
    state = member_text (status, "state");
  json_object_set_string_member (device, "state", state != NULL ? state : "");
  json_object_set_string_member (device, "detail", detail);
  if (error != NULL)
    json_object_set_member (device, "last_error", json_node_copy (error));
  else
    json_object_set_null_member (device, "last_error");
  json_object_set_object_member (device, "figures", json_object_ref (status));
  json_array_add_object_element (devices, device);
}

JsonArray *
agg_station_dup_devices (AggStation *self)
{
  JsonArray *devices;

  g_return_val_if_fail (AGG_IS_STATION (self), NULL);

  devices = json_array_new ();
  for (guint i = 0; i < self->readers->len; i++)
    {
      AggReader *reader = g_ptr_array_index (self->readers, i);
      g_autoptr(JsonObject) status = agg_reader_dup_status (reader);
      /* Translators: a reader's role and kind, where it is, and its counts of frames. */
      g_autofree char *detail = g_strdup_printf (_("%s · %s · %s — %" G_GINT64_FORMAT " frames, %" G_GINT64_FORMAT " good, %" G_GINT64_FORMAT " bad, %" G_GINT64_FORMAT " reconnects"),
                                                 agg_reader_role_to_string (agg_reader_get_role (reader)),
                                                 agg_reader_kind_to_string (agg_reader_get_kind (reader)),
                                                 member_text (status, "endpoint") ? member_text (status, "endpoint") : "",
                                                 json_object_get_int_member_with_default (status, "frames", 0),
                                                 json_object_get_int_member_with_default (status, "good", 0),
                                                 json_object_get_int_member_with_default (status, "bad", 0),
                                                 json_object_get_int_member_with_default (status, "reconnects", 0));

      add_device (devices, "reader", agg_reader_get_name (reader), status, NULL, detail);
    }

  if (self->plc != NULL)
    {
      g_autoptr(JsonObject) status = agg_plc_dup_status (self->plc);
      /* Translators: where the PLC is, and the round-trip time of its last answer. */
      g_autofree char *detail = g_strdup_printf (_("%s · round trip %.1f ms · %" G_GINT64_FORMAT " reconnects"),
                                                 member_text (status, "endpoint") ? member_text (status, "endpoint") : "",
                                                 json_object_get_double_member_with_default (status, "rtt_ms", 0),
                                                 json_object_get_int_member_with_default (status, "reconnects", 0));

      add_device (devices, "plc", "plc", status, NULL, detail);
    }

  if (self->printers != NULL)
    {
      g_autoptr(JsonArray) printers = agg_print_queue_dup_status (self->printers);

      for (guint i = 0; i < json_array_get_length (printers); i++)
        {
          JsonObject *status = json_array_get_object_element (printers, i);
          const char *fault = member_text (status, "fault");
          /* Translators: where a printer is, and its counts of labels. */
          g_autofree char *detail = g_strdup_printf (_("%s · %" G_GINT64_FORMAT " waiting, %" G_GINT64_FORMAT " printed, %" G_GINT64_FORMAT " failed"),
                                                     member_text (status, "endpoint") ? member_text (status, "endpoint") : "",
                                                     json_object_get_int_member_with_default (status, "queued", 0),
                                                     json_object_get_int_member_with_default (status, "sent", 0),
                                                     json_object_get_int_member_with_default (status, "failed", 0));

          add_device (devices, "printer", member_text (status, "name"), status,
                      fault != NULL ? fault
                                    : json_object_get_boolean_member_with_default (status, "connected", FALSE)
                                      ? _("ready") : _("not connected"),
                      detail);
        }
    }
  if (self->sync != NULL)
    {
      g_autoptr(JsonObject) status = agg_sync_dup_status (self->sync);
      gboolean online = json_object_get_boolean_member_with_default (status, "online", FALSE);
      /* Translators: the repository's address, events waiting, refused events, and the last delivery. */
      g_autofree char *detail = g_strdup_printf (_("%s · %" G_GINT64_FORMAT " waiting, %" G_GINT64_FORMAT " refused · last delivery %s"),
                                                 member_text (status, "url") ? member_text (status, "url") : "",
                                                 json_object_get_int_member_with_default (status, "pending", 0),
                                                 json_object_get_int_member_with_default (status, "exceptions", 0),
                                                 member_text (status, "last_success_at") ? member_text (status, "last_success_at") : _("never"));

      json_object_set_boolean_member (status, "connected", online);
      add_device (devices, "upstream", "sync", status, online ? _("online") : _("offline"), detail);
    }

  for (guint i = 0; i < self->cameras->len; i++)
    {
      g_autoptr(AggCameraStatus) camera = agg_camera_dup_status (g_ptr_array_index (self->cameras, i));
      g_autoptr(JsonObject) status = agg_camera_status_to_json (camera);
      /* Translators: a camera's kind and trigger, images taken, codes read and missed, last decoding time. */
      g_autofree char *detail = g_strdup_printf (_("%s · %s — %" G_GUINT64_FORMAT " images, %" G_GUINT64_FORMAT " codes read, %" G_GUINT64_FORMAT " missed, last %.0f ms"),
                                                 camera->type, camera->trigger, camera->images,
                                                 camera->reads, camera->misses, camera->last_ms);

      add_device (devices, "camera", camera->name, status, NULL, detail);
    }

  return devices;
}

char *
agg_station_status_path (const char *db_path)
{
  g_return_val_if_fail (db_path != NULL, NULL);

  return g_strconcat (db_path, "-station.json", NULL);
}

static gboolean
write_status (AggStation  *self,
              GError     **error)
{
  g_autoptr(JsonObject) status = agg_station_dup_status (self);
  g_autoptr(JsonNode) node = json_node_new (JSON_NODE_OBJECT);
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  g_autofree char *updated = g_date_time_format_iso8601 (now);
  g_autofree char *path = agg_station_status_path (agg_store_get_path (agg_line_get_store (self->line)));
  g_autofree char *text = NULL;

  json_object_set_int_member (status, "pid", getpid ());
  json_object_set_string_member (status, "updated_at", updated);
  json_node_set_object (node, status);
  text = json_to_string (node, TRUE);
  return g_file_set_contents_full (path, text, -1, G_FILE_SET_CONTENTS_CONSISTENT, 0644, error);
}

static gboolean
write_status_cb (gpointer user_data)
{
  AggStation *self = user_data;
  g_autoptr(GError) error = NULL;

  if (!self->status_dirty)
    {
      self->status_source = 0;
      return G_SOURCE_REMOVE;
    }

  self->status_dirty = FALSE;
  if (self->started && !write_status (self, &error))
    g_warning ("Cannot publish the station's status: %s", error->message);
  return G_SOURCE_CONTINUE;
}

/* Coalesces bursts of changes into one signal per main loop turn and one
 * file write per interval. */
static void
status_changed (AggStation *self)
{
  g_signal_emit (self, signals[SIGNAL_STATUS_CHANGED], 0);

  self->status_dirty = TRUE;
  if (self->status_source == 0 && self->started)
    {
      write_status_cb (self);
      self->status_source = g_timeout_add (STATUS_WRITE_INTERVAL_MS, write_status_cb, self);
    }
}

JsonObject *
agg_station_read_status (const char  *db_path,
                         gboolean    *running,
                         GError     **error)
{
  g_autofree char *path = NULL;
  g_autofree char *text = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) local_error = NULL;
  JsonNode *root;
  JsonObject *status;
  gint64 pid;

  g_return_val_if_fail (db_path != NULL, NULL);

  *running = FALSE;
  path = agg_station_status_path (db_path);
  if (!g_file_get_contents (path, &text, NULL, &local_error))
    {
      if (g_error_matches (local_error, G_FILE_ERROR, G_FILE_ERROR_NOENT))
        return NULL;
      g_propagate_error (error, g_steal_pointer (&local_error));
      return NULL;
    }

  if (!json_parser_load_from_data (parser, text, -1, error))
    return NULL;
  root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   _("%s is not a station status"), path);
      return NULL;
    }

  status = json_object_ref (json_node_get_object (root));
  pid = json_object_get_int_member_with_default (status, "pid", 0);
  /* A station killed without stopping leaves its last words behind. */
  *running = json_object_get_boolean_member_with_default (status, "running", FALSE) &&
             pid > 0 && (kill ((pid_t) pid, 0) == 0 || errno == EPERM);
  return status;
}

/* Readers and the PLC */

/* A refusal that never reached the engine, reported like any other. */
static void
report_refusal (AggStation *self,
                AggReader  *reader,
                AggOutcome  outcome,
                const char *message)
{
  g_autoptr(AggRequest) request = agg_request_new (AGG_ACTION_SCAN);
  g_autoptr(AggResult) result = agg_result_new (outcome, "%s", message);

  request->source = g_strdup (agg_reader_get_name (reader));
  agg_reader_note_result (reader, FALSE);
  status_changed (self);
  if (self->plc != NULL)
    agg_plc_pulse_reject (self->plc);
  g_signal_emit (self, signals[SIGNAL_REQUEST_PROCESSED], 0, request, result);
}

static void
reader_frame (AggReader  *reader,
              GBytes     *payload,
              AggStation *self)
{
  AggReaderRole role = agg_reader_get_role (reader);
  AggRequest *request;
  gsize len;
  const char *data = g_bytes_get_data (payload, &len);

  /* A reader kept for one kind of code refuses the other before it
   * reaches the engine: a unit read by the case label reader is a unit
   * that escaped its case. */
  if (role != AGG_READER_ROLE_ANY)
    {
      AggCode code;

      if (agg_code_parse (data, len, &code, NULL))
        {
          if (role == AGG_READER_ROLE_UNIT && code.kind == AGG_CODE_CONTAINER)
            {
              report_refusal (self, reader, AGG_OUTCOME_NOT_A_UNIT,
                              _("This reader is for units: scan case labels with the case reader"));
              return;
            }
          if (role == AGG_READER_ROLE_CASE && code.kind == AGG_CODE_UNIT)
            {
              report_refusal (self, reader, AGG_OUTCOME_BAD_REQUEST,
                              _("This reader is for case labels: scan units with the unit reader"));
              return;
            }
        }
    }

  request = agg_request_new (AGG_ACTION_SCAN);
  request->data = g_malloc (len + 1);
  memcpy (request->data, data, len);
  request->data[len] = '\0';
  request->data_len = len;
  request->source = g_strdup (agg_reader_get_name (reader));
  enqueue (self, request, NULL);
}

static void
reader_frame_error (AggReader  *reader,
                    const char *message,
                    AggStation *self)
{
  report_refusal (self, reader, AGG_OUTCOME_NOT_GS1, message);
}

/* A camera's layer goes to the engine in turn with the readers' scans. */
static void
camera_image_decoded (AggCamera      *camera,
                      AggCameraImage *image,
                      AggStation     *self)
{
  enqueue (self, agg_camera_image_to_request (image), NULL);
}

/* A case arrived at the reading position: fixed readers and cameras
 * read it. */
static void
plc_trigger (AggPlc     *plc,
             AggStation *self)
{
  for (guint i = 0; i < self->cameras->len; i++)
    {
      AggCamera *camera = g_ptr_array_index (self->cameras, i);

      if (agg_camera_get_trigger (camera) == AGG_CAMERA_TRIGGER_PLC)
        agg_camera_trigger (camera);
    }

  for (guint i = 0; i < self->readers->len; i++)
    {
      AggReader *reader = g_ptr_array_index (self->readers, i);
      g_autoptr(GError) error = NULL;

      if (agg_reader_get_kind (reader) != AGG_READER_KIND_FIXED)
        continue;
      if (!agg_reader_trigger (reader, &error) &&
          !g_error_matches (error, AGG_READER_ERROR, AGG_READER_ERROR_NO_TRIGGER))
        g_message ("Reader %s not triggered: %s", agg_reader_get_name (reader), error->message);
    }
}

static void
plc_connected_changed (AggPlc     *plc,
                       GParamSpec *pspec,
                       AggStation *self)
{
  g_autoptr(JsonObject) status = NULL;
  const char *error;

  if (agg_plc_get_connected (plc))
    {
      agg_station_set_fault (self, "plc", NULL);
      return;
    }
  status = agg_plc_dup_status (plc);
  error = json_object_get_string_member_with_default (status, "last_error", NULL);
  agg_station_set_fault (self, "plc", error != NULL ? error : _("The PLC does not answer"));
}

static void printers_status_changed (AggStation *self);

static void
printer_fault_changed (AggPrintQueue *printers,
                       const char    *printer,
                       const char    *fault_id,
                       const char    *message,
                       AggStation    *self)
{
  g_autofree char *id = g_strconcat ("printer:", printer, NULL);

  agg_station_set_fault (self, id, message);
  printers_status_changed (self);
}

static void
device_status_changed (AggStation *self)
{
  status_changed (self);
}

/* Labels that wait for a printer that cannot print them: the operator
 * must know which cases leave without one yet.  A label being sent is
 * not waiting. */
static void
printers_status_changed (AggStation *self)
{
  g_autoptr(JsonArray) printers = agg_print_queue_dup_status (self->printers);
  gint64 waiting = 0;

  for (guint i = 0; i < json_array_get_length (printers); i++)
    {
      JsonObject *printer = json_array_get_object_element (printers, i);

      if (!json_object_get_boolean_member_with_default (printer, "connected", FALSE) ||
          json_object_get_string_member_with_default (printer, "fault", NULL) != NULL)
        waiting += json_object_get_int_member_with_default (printer, "queued", 0);
    }

  if (waiting > 0)
    {
      g_autofree char *message = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                                               "%" G_GINT64_FORMAT " label waiting to print",
                                                               "%" G_GINT64_FORMAT " labels waiting to print",
                                                               waiting),
                                                  waiting);

      agg_station_set_warning (self, "labels", message);
    }
  else
    agg_station_set_warning (self, "labels", NULL);
  status_changed (self);
}

/* Start and stop */

gboolean
agg_station_start (AggStation  *self,
                   GError     **error)
{
  g_return_val_if_fail (AGG_IS_STATION (self), FALSE);

  if (self->started)
    return TRUE;

  if (!self->identity_recorded && !agg_station_record_identity_sync (self, error))
    return FALSE;

  self->executed_id = g_signal_connect (self->line, "executed", G_CALLBACK (line_executed), self);
  self->started = TRUE;

  for (guint i = 0; i < self->readers->len; i++)
    {
      AggReader *reader = g_ptr_array_index (self->readers, i);

      g_signal_connect (reader, "frame", G_CALLBACK (reader_frame), self);
      g_signal_connect (reader, "frame-error", G_CALLBACK (reader_frame_error), self);
      g_signal_connect_swapped (reader, "status-changed", G_CALLBACK (device_status_changed), self);
      if (!agg_reader_start (reader, error))
        goto fail;
    }

  if (self->printers != NULL)
    {
      g_signal_connect (self->printers, "fault-changed", G_CALLBACK (printer_fault_changed), self);
      g_signal_connect_swapped (self->printers, "status-changed", G_CALLBACK (printers_status_changed), self);
      if (!agg_print_queue_start (self->printers, error))
        goto fail;
    }

  if (self->sync != NULL)
    {
      g_signal_connect_swapped (self->sync, "status-changed", G_CALLBACK (device_status_changed), self);
      if (!agg_sync_start (self->sync, error))
        goto fail;
    }

  for (guint i = 0; i < self->cameras->len; i++)
    {
      AggCamera *camera = g_ptr_array_index (self->cameras, i);

      g_signal_connect (camera, "image-decoded", G_CALLBACK (camera_image_decoded), self);
      g_signal_connect_swapped (camera, "status-changed", G_CALLBACK (device_status_changed), self);
      agg_camera_start (camera);
    }

  if (self->plc != NULL)
    {
      g_signal_connect (self->plc, "trigger", G_CALLBACK (plc_trigger), self);
      g_signal_connect (self->plc, "notify::connected", G_CALLBACK (plc_connected_changed), self);
      g_signal_connect_swapped (self->plc, "status-changed", G_CALLBACK (device_status_changed), self);
      if (!agg_plc_start (self->plc, error))
        goto fail;
    }

  status_changed (self);
  return TRUE;

fail:
  agg_station_stop (self);
  return FALSE;
}

void
agg_station_stop (AggStation *self)
{
  g_autoptr(GError) error = NULL;

  g_return_if_fail (AGG_IS_STATION (self));

  if (!self->started)
    return;

  g_clear_signal_handler (&self->executed_id, self->line);
  for (guint i = 0; i < self->readers->len; i++)
    {
      AggReader *reader = g_ptr_array_index (self->readers, i);

      g_signal_handlers_disconnect_by_data (reader, self);
      agg_reader_stop (reader);
    }
  if (self->printers != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->printers, self);
      agg_print_queue_stop (self->printers);
    }
  if (self->sync != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->sync, self);
      agg_sync_stop (self->sync);
    }
  for (guint i = 0; i < self->cameras->len; i++)
    {
      AggCamera *camera = g_ptr_array_index (self->cameras, i);

      g_signal_handlers_disconnect_by_data (camera, self);
      agg_camera_stop (camera);
    }
  if (self->plc != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->plc, self);
      agg_plc_stop (self->plc);
    }
  self->started = FALSE;
  /* The last word says the station is no longer running. */
  if (!write_status (self, &error))
    g_warning ("Cannot publish the station's status: %s", error->message);
}

GPtrArray *
agg_station_get_cameras (AggStation *self)
{
  g_return_val_if_fail (AGG_IS_STATION (self), NULL);

  return self->cameras;
}
