/* agg-camera.c: cameras above the open case — triggers, images, evidence
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <errno.h>
#include <gdk-pixbuf/gdk-pixbuf.h>
#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>
#include <string.h>

#include "agg-camera.h"
#include "agg-camera-private.h"
#include "agg-decode-private.h"
#include "agg-decoder.h"
#include "agg-line-private.h"

/* Triggers that wait while an image is being taken; more are dropped
 * (and counted as errors), since a camera that far behind is broken. */
#define MAX_PENDING_TRIGGERS 4
/* How soon a device that failed is tried again. */
#define RECONNECT_SECONDS 5
/* How often evidence retention runs, besides at start. */
#define RETENTION_SECONDS 3600
/* How long a grab waits for its frame, beyond the exposure. */
#define GRAB_TIMEOUT_MS 2000

static const char *const type_names[] = { "folder", "file", "aravis", "uvc", NULL };
static const char *const trigger_names[] = { "plc", "button", "free-run", "file", NULL };
static const char *const image_suffixes[] = {
  ".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff", ".pgm", NULL
};

/* Images */

G_DEFINE_BOXED_TYPE (AggCameraImage, agg_camera_image, agg_camera_image_ref,
                     agg_camera_image_unref)

static gatomicrefcount *
image_refcount (AggCameraImage *image)
{
  /* The count sits just before the public struct. */
  return (gatomicrefcount *) ((char *) image - sizeof (gatomicrefcount) * 2);
}

static AggCameraImage *
camera_image_new (void)
{
  char *block = g_malloc0 (sizeof (gatomicrefcount) * 2 + sizeof (AggCameraImage));
  AggCameraImage *image = (AggCameraImage *) (block + sizeof (gatomicrefcount) * 2);

  g_atomic_ref_count_init (image_refcount (image));
  return image;
}

AggCameraImage *
agg_camera_image_ref (AggCameraImage *image)
{
  g_return_val_if_fail (image != NULL, NULL);

  g_atomic_ref_count_inc (image_refcount (image));
  return image;
}

void
agg_camera_image_unref (AggCameraImage *image)
{
  g_return_if_fail (image != NULL);

  if (!g_atomic_ref_count_dec (image_refcount (image)))
    return;
  g_free (image->camera);
  g_free (image->path);
  g_clear_pointer (&image->gray, g_bytes_unref);
  g_free (image->evidence_path);
  g_clear_pointer (&image->result, agg_decode_result_free);
  g_free (image->taken_at);
  g_free ((char *) image - sizeof (gatomicrefcount) * 2);
}

AggRequest *
agg_camera_image_to_request (const AggCameraImage *image)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) root = NULL;
  AggRequest *request;

  g_return_val_if_fail (image != NULL, NULL);
  g_return_val_if_fail (image->result != NULL, NULL);

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "image");
  if (image->evidence_path != NULL)
    json_builder_add_string_value (builder, image->evidence_path);
  else
    json_builder_add_null_value (builder);
  json_builder_set_member_name (builder, "width");
  json_builder_add_int_value (builder, image->result->width);
  json_builder_set_member_name (builder, "height");
  json_builder_add_int_value (builder, image->result->height);
  if (image->rows > 0 && image->cols > 0)
    {
      json_builder_set_member_name (builder, "rows");
      json_builder_add_int_value (builder, image->rows);
      json_builder_set_member_name (builder, "cols");
      json_builder_add_int_value (builder, image->cols);
    }
  json_builder_set_member_name (builder, "codes");
  json_builder_begin_array (builder);
  for (guint i = 0; i < image->result->codes->len; i++)
    {
      const AggDecodedCode *code = g_ptr_array_index (image->result->codes, i);

      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "slot");
      json_builder_add_int_value (builder, code->slot);
      json_builder_set_member_name (builder, "data");
      json_builder_add_string_value (builder, code->data);
      json_builder_set_member_name (builder, "corners");
      agg_decode_corners_to_json (builder, code->corners);
      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);
  json_builder_end_object (builder);
  root = json_builder_get_root (builder);

  request = agg_request_new (AGG_ACTION_SCAN_LAYER);
  request->data = json_to_string (root, FALSE);
  request->data_len = strlen (request->data);
  request->source = g_strdup (image->camera);
  return request;
}

/* Status */

void
agg_camera_status_free (AggCameraStatus *status)
{
  if (status == NULL)
    return;
  g_free (status->name);
  g_free (status->type);
  g_free (status->trigger);
  g_free (status->state);
  g_free (status->last_error);
  g_free (status);
}

JsonObject *
agg_camera_status_to_json (const AggCameraStatus *status)
{
  JsonObject *object = json_object_new ();

  g_return_val_if_fail (status != NULL, object);

  json_object_set_string_member (object, "name", status->name);
  json_object_set_string_member (object, "type", status->type);
  json_object_set_string_member (object, "trigger", status->trigger);
  json_object_set_boolean_member (object, "connected", status->connected);
  json_object_set_string_member (object, "state", status->state);
  json_object_set_int_member (object, "images", status->images);
  json_object_set_int_member (object, "reads", status->reads);
  json_object_set_int_member (object, "misses", status->misses);
  json_object_set_int_member (object, "restarts", status->restarts);
  json_object_set_double_member (object, "last_ms", status->last_ms);
  json_object_set_string_member (object, "last_error", status->last_error);
  return object;
}

/* The camera */

struct _AggCamera
{
  GObject                    parent_instance;

  /* Configuration */
  char                      *name;
  AggCameraType              type;
  AggCameraTrigger           trigger;
  char                      *path;            /* folder or file */
  gboolean                   move_done;       /* folder: move processed files into done/ */
  const AggFrameSourceFuncs *funcs;           /* aravis, uvc */
  AggFrameSettings           frame;
  guint64                    interval_ms;
  guint64                    deadline_ms;
  guint                      module_min, module_max;
  guint                      config_rows, config_cols;
  char                      *evidence_dir;
  guint                      retention_days;
  guint                      retention_count;

  /* Running */
  GMainContext              *context;
  AggDecoder                *decoder;
  AggStore                  *store;
  GCancellable              *cancellable;
  AggFrameSource            *source;          /* touched only by the one task that runs */
  GFileMonitor              *monitor;
  GQueue                     files;           /* folder: paths waiting, oldest first */
  GHashTable                *seen;            /* folder: paths queued or processed */
  guint                      rows, cols;
  gboolean                   running;
  gboolean                   busy;
  gboolean                   connecting;
  gboolean                   connected;
  guint                      pending;
  guint                      free_run_id;
  guint                      reconnect_id;
  guint                      retention_id;
  guint64                    sequence;

  /* Figures */
  const char                *state;
  guint64                    images;
  guint64                    reads;
  guint64                    misses;
  double                     last_ms;
  char                      *last_error;
};

G_DEFINE_FINAL_TYPE (AggCamera, agg_camera, G_TYPE_OBJECT)

enum
{
  SIGNAL_IMAGE_DECODED,
  SIGNAL_STATUS_CHANGED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void take_image (AggCamera *self);

static void
close_source_thread (GTask        *task,
                     gpointer      source_object,
                     gpointer      task_data,
                     GCancellable *cancellable)
{
  AggCamera *self = source_object;

  self->funcs->close (task_data);
  g_task_return_boolean (task, TRUE);
}

/* Closes the device on a worker thread: stopping a stream can block. */
static void
close_source (AggCamera *self)
{
  g_autoptr(GTask) task = NULL;

  if (self->source == NULL)
    return;
  task = g_task_new (self, NULL, NULL, NULL);
  g_task_set_task_data (task, g_steal_pointer (&self->source), NULL);
  g_task_run_in_thread (task, close_source_thread);
}

static void
agg_camera_dispose (GObject *object)
{
  AggCamera *self = AGG_CAMERA (object);

  agg_camera_stop (self);
  if (self->source != NULL)
    g_clear_pointer (&self->source, self->funcs->close);
  g_clear_object (&self->decoder);
  g_clear_object (&self->store);

  G_OBJECT_CLASS (agg_camera_parent_class)->dispose (object);
}

static void
agg_camera_finalize (GObject *object)
{
  AggCamera *self = AGG_CAMERA (object);

  g_free (self->name);
  g_free (self->path);
  g_free (self->frame.device);
  g_free (self->frame.element);
  g_free (self->evidence_dir);
  g_queue_clear_full (&self->files, g_free);
  g_clear_pointer (&self->seen, g_hash_table_unref);
  g_clear_pointer (&self->context, g_main_context_unref);
  g_free (self->last_error);

  G_OBJECT_CLASS (agg_camera_parent_class)->finalize (object);
}

static void
agg_camera_class_init (AggCameraClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = agg_camera_dispose;
  object_class->finalize = agg_camera_finalize;

  /**
   * AggCamera::image-decoded:
   * @image: an #AggCameraImage
   *
   * An image was taken and decoded, and its evidence written.
   */
  signals[SIGNAL_IMAGE_DECODED] =
    g_signal_new ("image-decoded", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 1, AGG_TYPE_CAMERA_IMAGE);
  /* Anything agg_camera_dup_status () reports changed. */
  signals[SIGNAL_STATUS_CHANGED] =
    g_signal_new ("status-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
agg_camera_init (AggCamera *self)
{
  self->context = g_main_context_ref_thread_default ();
  self->seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->state = "stopped";
  g_queue_init (&self->files);
}

static void
set_state (AggCamera   *self,
           const char  *state,
           const char  *error_message)
{
  self->state = state;
  if (error_message != NULL)
    {
      g_free (self->last_error);
      self->last_error = g_strdup (error_message);
    }
  g_signal_emit (self, signals[SIGNAL_STATUS_CHANGED], 0);
}

/* Configuration */

/* "camera:NAME" → NAME. */
static const char *
group_name (const char *group)
{
  return group + strlen ("camera:");
}

static char *
default_evidence_dir (const char *name)
{
  return g_build_filename (g_get_user_data_dir (), "aggregation-station", "evidence", name,
                           NULL);
}

static gboolean
read_config (AggCamera   *self,
             AggConfig   *config,
             const char  *group,
             GError     **error)
{
  static const char *const common_keys[] = {
    "type", "trigger", "interval", "deadline", "module_min", "module_max", "rows", "cols",
    "evidence_dir", "retention_days", "retention_count", NULL
  };
  static const char *const folder_keys[] = { "path", "done", NULL };
  static const char *const file_keys[] = { "path", NULL };
  static const char *const aravis_keys[] = { "device", "exposure", "gain", NULL };
  static const char *const uvc_keys[] = { "device", "source", "width", "height", NULL };
  static const char *const *const type_keys[] = { folder_keys, file_keys, aravis_keys, uvc_keys };
  static const char *const done_names[] = { "move", "remember", NULL };
  static const char *const element_names[] = { "v4l2src", "videotestsrc", NULL };
  static const AggCameraTrigger default_triggers[] = {
    AGG_CAMERA_TRIGGER_FILE, AGG_CAMERA_TRIGGER_BUTTON, AGG_CAMERA_TRIGGER_PLC,
    AGG_CAMERA_TRIGGER_PLC,
  };
  g_autoptr(GStrvBuilder) known = g_strv_builder_new ();
  g_auto(GStrv) keys = NULL;
  guint type, trigger, choice;
  gint64 value;

  if (!agg_config_get_choice (config, group, "type", TRUE, type_names, 0, &type, error))
    return FALSE;
  self->type = type;

  g_strv_builder_addv (known, (const char **) common_keys);
  g_strv_builder_addv (known, (const char **) type_keys[type]);
  keys = g_strv_builder_end (known);
  if (!agg_config_check_keys (config, group, (const char * const *) keys, error))
    return FALSE;

  if (!agg_config_get_choice (config, group, "trigger", FALSE, trigger_names,
                              default_triggers[type], &trigger, error))
    return FALSE;
  if ((type == AGG_CAMERA_TYPE_FOLDER) != (trigger == AGG_CAMERA_TRIGGER_FILE))
    {
      agg_config_set_error (config, error, AGG_CONFIG_ERROR_INVALID, group, "trigger",
                            type == AGG_CAMERA_TYPE_FOLDER
                            ? _("a folder camera is triggered by its images arriving: leave "
                                "the trigger out")
                            : _("only a folder camera is triggered by files"));
      return FALSE;
    }
  self->trigger = trigger;

  switch (self->type)
    {
    case AGG_CAMERA_TYPE_FOLDER:
    case AGG_CAMERA_TYPE_FILE:
      if (!agg_config_get_string (config, group, "path", TRUE, NULL, &self->path, error))
        return FALSE;
      if (!g_path_is_absolute (self->path))
        {
          agg_config_set_error (config, error, AGG_CONFIG_ERROR_INVALID, group, "path",
                                _("must be an absolute path"));
          return FALSE;
        }
      if (self->type == AGG_CAMERA_TYPE_FOLDER)
        {
          if (!agg_config_get_choice (config, group, "done", FALSE, done_names, 0, &choice,
                                      error))
            return FALSE;
          self->move_done = choice == 0;
        }
      break;

    case AGG_CAMERA_TYPE_ARAVIS:
      self->funcs = &agg_camera_aravis_funcs;
      if (!agg_config_get_string (config, group, "device", FALSE, NULL, &self->frame.device,
                                  error) ||
          !agg_config_get_double (config, group, "exposure", FALSE, -1, 1, 10e6,
                                  &self->frame.exposure_us, error) ||
          !agg_config_get_double (config, group, "gain", FALSE, -1, 0, 48, &self->frame.gain_db,
                                  error))
        return FALSE;
      break;

    case AGG_CAMERA_TYPE_UVC:
      self->funcs = &agg_camera_uvc_funcs;
      self->frame.exposure_us = self->frame.gain_db = -1;
      if (!agg_config_get_string (config, group, "device", FALSE, NULL, &self->frame.device,
                                  error) ||
          !agg_config_get_choice (config, group, "source", FALSE, element_names, 0, &choice,
                                  error))
        return FALSE;
      self->frame.element = g_strdup (element_names[choice]);
      if (!agg_config_get_int (config, group, "width", FALSE, 0, 16, 20000, &value, error))
        return FALSE;
      self->frame.width = value;
      if (!agg_config_get_int (config, group, "height", FALSE, 0, 16, 20000, &value, error))
        return FALSE;
      self->frame.height = value;
      if ((self->frame.width == 0) != (self->frame.height == 0))
        {
          agg_config_set_error (config, error, AGG_CONFIG_ERROR_INVALID, group,
                                self->frame.width == 0 ? "height" : "width",
                                _("give both the width and the height, or neither"));
          return FALSE;
        }
      break;

    default:
      g_assert_not_reached ();
    }

  if (!agg_config_get_duration (config, group, "interval", FALSE, 1000, 50, 3600 * 1000, 1000,
                                &self->interval_ms, error) ||
      !agg_config_get_duration (config, group, "deadline", FALSE, 500, 50, 10000, 1,
                                &self->deadline_ms, error))
    return FALSE;
  if (self->trigger != AGG_CAMERA_TRIGGER_FREE_RUN &&
      g_key_file_has_key (agg_config_get_key_file (config), group, "interval", NULL))
    {
      agg_config_set_error (config, error, AGG_CONFIG_ERROR_INVALID, group, "interval",
                            _("only a free-running camera has an interval"));
      return FALSE;
    }

  if (!agg_config_get_int (config, group, "module_min", FALSE, 0, 1, 200, &value, error))
    return FALSE;
  self->module_min = value;
  if (!agg_config_get_int (config, group, "module_max", FALSE, 0, 1, 200, &value, error))
    return FALSE;
  self->module_max = value;
  if (self->module_min > 0 && self->module_max > 0 && self->module_min > self->module_max)
    {
      agg_config_set_error (config, error, AGG_CONFIG_ERROR_INVALID, group, "module_max",
                            _("is smaller than module_min"));
      return FALSE;
    }

  if (!agg_config_get_int (config, group, "rows", FALSE, 0, 1, 64, &value, error))
    return FALSE;
  self->config_rows = value;
  if (!agg_config_get_int (config, group, "cols", FALSE, 0, 1, 64, &value, error))
    return FALSE;
  self->config_cols = value;
  if ((self->config_rows == 0) != (self->config_cols == 0))
    {
      agg_config_set_error (config, error, AGG_CONFIG_ERROR_INVALID, group,
                            self->config_rows == 0 ? "cols" : "rows",
                            _("a layout needs both rows and cols"));
      return FALSE;
    }
  self->rows = self->config_rows;
  self->cols = self->config_cols;

  if (!agg_config_get_string (config, group, "evidence_dir", FALSE, NULL, &self->evidence_dir,
                              error))
    return FALSE;
  if (self->evidence_dir == NULL)
    self->evidence_dir = default_evidence_dir (self->name);
  else if (!g_path_is_absolute (self->evidence_dir))
    {
      agg_config_set_error (config, error, AGG_CONFIG_ERROR_INVALID, group, "evidence_dir",
                            _("must be an absolute path"));
      return FALSE;
    }
  if (self->type == AGG_CAMERA_TYPE_FOLDER && g_str_has_prefix (self->evidence_dir, self->path))
    {
      agg_config_set_error (config, error, AGG_CONFIG_ERROR_INVALID, group, "evidence_dir",
                            _("must not be inside the watched folder"));
      return FALSE;
    }

  if (!agg_config_get_int (config, group, "retention_days", FALSE, 365, 0, 36500, &value, error))
    return FALSE;
  self->retention_days = value;
  if (!agg_config_get_int (config, group, "retention_count", FALSE, 0, 0, G_MAXINT32, &value,
                           error))
    return FALSE;
  self->retention_count = value;
  return TRUE;
}

AggCamera *
agg_camera_new_from_config (AggConfig   *config,
                            const char  *name,
                            GError     **error)
{
  g_autoptr(AggCamera) self = NULL;
  g_autofree char *group = NULL;

  g_return_val_if_fail (config != NULL, NULL);
  g_return_val_if_fail (name != NULL, NULL);

  group = g_strconcat ("camera:", name, NULL);
  if (!agg_config_has_group (config, group))
    {
      g_set_error (error, AGG_CONFIG_ERROR, AGG_CONFIG_ERROR_MISSING,
                   _("%s: no camera “%s”: there is no [%s] group"),
                   agg_config_get_path (config) ? agg_config_get_path (config) : "-", name, group);
      return NULL;
    }
  if (*name == '\0' || strpbrk (name, "/\\ \t") != NULL)
    {
      agg_config_set_error (config, error, AGG_CONFIG_ERROR_INVALID, group, NULL,
                            _("a camera's name is a word without slashes or spaces"));
      return NULL;
    }

  self = g_object_new (AGG_TYPE_CAMERA, NULL);
  self->name = g_strdup (name);
  if (!read_config (self, config, group, error))
    return NULL;
  return g_steal_pointer (&self);
}

GPtrArray *
agg_cameras_new_from_config (AggConfig  *config,
                             GError    **error)
{
  g_autoptr(GPtrArray) cameras = g_ptr_array_new_with_free_func (g_object_unref);
  g_auto(GStrv) groups = NULL;

  g_return_val_if_fail (config != NULL, NULL);

  groups = agg_config_list_groups (config, "camera:");
  for (guint i = 0; groups[i] != NULL; i++)
    {
      AggCamera *camera = agg_camera_new_from_config (config, group_name (groups[i]), error);

      if (camera == NULL)
        return NULL;
      g_ptr_array_add (cameras, camera);
    }
  return g_steal_pointer (&cameras);
}

const char *
agg_camera_get_name (AggCamera *self)
{
  g_return_val_if_fail (AGG_IS_CAMERA (self), NULL);
  return self->name;
}

AggCameraType
agg_camera_get_camera_type (AggCamera *self)
{
  g_return_val_if_fail (AGG_IS_CAMERA (self), AGG_CAMERA_TYPE_FILE);
  return self->type;
}

AggCameraTrigger
agg_camera_get_trigger (AggCamera *self)
{
  g_return_val_if_fail (AGG_IS_CAMERA (self), AGG_CAMERA_TRIGGER_BUTTON);
  return self->trigger;
}

const char *
agg_camera_get_evidence_dir (AggCamera *self)
{
  g_return_val_if_fail (AGG_IS_CAMERA (self), NULL);
  return self->evidence_dir;
}

void
agg_camera_set_layout (AggCamera *self,
                       guint      rows,
                       guint      cols)
{
  g_return_if_fail (AGG_IS_CAMERA (self));
  g_return_if_fail ((rows == 0) == (cols == 0));

  self->rows = rows > 0 ? rows : self->config_rows;
  self->cols = cols > 0 ? cols : self->config_cols;
}

AggCameraStatus *
agg_camera_dup_status (AggCamera *self)
{
  AggCameraStatus *status;

  g_return_val_if_fail (AGG_IS_CAMERA (self), NULL);

  status = g_new0 (AggCameraStatus, 1);
  status->name = g_strdup (self->name);
  status->type = g_strdup (type_names[self->type]);
  status->trigger = g_strdup (trigger_names[self->trigger]);
  status->connected = self->connected;
  status->state = g_strdup (self->state);
  status->images = self->images;
  status->reads = self->reads;
  status->misses = self->misses;
  status->restarts = self->decoder != NULL ? agg_decoder_get_restarts (self->decoder) : 0;
  status->last_ms = self->last_ms;
  status->last_error = g_strdup (self->last_error);
  return status;
}

/* Evidence */

typedef struct
{
  AggCameraImage *image;
  char           *source_path;        /* a file to keep, or NULL for a frame */
  char           *done_dir;           /* folder: where the processed file goes, or NULL */
  guint64         sequence;           /* the camera's image number */
} Evidence;

static void
evidence_free (Evidence *evidence)
{
  agg_camera_image_unref (evidence->image);
  g_free (evidence->source_path);
  g_free (evidence->done_dir);
  g_free (evidence);
}

static gboolean
save_frame (const AggCameraImage  *image,
            const char            *path,
            GError               **error)
{
  g_autoptr(GdkPixbuf) pixbuf = NULL;
  const guint8 *gray = g_bytes_get_data (image->gray, NULL);
  guint8 *rgb;
  int rowstride;

  /* gdk-pixbuf has no grayscale: each pixel becomes three equal bytes. */
  pixbuf = gdk_pixbuf_new (GDK_COLORSPACE_RGB, FALSE, 8, image->width, image->height);
  if (pixbuf == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NO_SPACE, _("No memory for an image of %u × %u"),
                   image->width, image->height);
      return FALSE;
    }
  rgb = gdk_pixbuf_get_pixels (pixbuf);
  rowstride = gdk_pixbuf_get_rowstride (pixbuf);
  for (guint y = 0; y < image->height; y++)
    {
      const guint8 *in = gray + y * image->stride;
      guint8 *out = rgb + (gsize) y * rowstride;

      for (guint x = 0; x < image->width; x++, out += 3)
        out[0] = out[1] = out[2] = in[x];
    }
  return gdk_pixbuf_save (pixbuf, path, "png", error, "compression", "1", NULL);
}

/* A file's contents written under a temporary name and renamed, so that
 * an evidence file is either whole or absent. */
static gboolean
copy_file (const char  *from,
           const char  *to,
           GError     **error)
{
  g_autofree char *contents = NULL;
  gsize length;

  return g_file_get_contents (from, &contents, &length, error) &&
         g_file_set_contents (to, contents, length, error);
}

static void
write_evidence_thread (GTask        *task,
                       gpointer      source_object,
                       gpointer      task_data,
                       GCancellable *cancellable)
{
  AggCamera *self = source_object;
  Evidence *evidence = task_data;
  AggCameraImage *image = evidence->image;
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  g_autofree char *day = g_date_time_format (now, "%Y-%m-%d");
  g_autofree char *time = g_date_time_format (now, "%H%M%S");
  g_autofree char *dir = g_build_filename (self->evidence_dir, day, NULL);
  g_autofree char *base = NULL;
  g_autofree char *path = NULL;
  const char *suffix = ".png";
  GError *error = NULL;

  if (evidence->source_path != NULL)
    {
      const char *dot = strrchr (evidence->source_path, '.');

      if (dot != NULL && strchr (dot, G_DIR_SEPARATOR) == NULL)
        suffix = dot;
    }

  base = g_strdup_printf ("%s-%s%03d-%06" G_GUINT64_FORMAT "%s", self->name, time,
                          g_date_time_get_microsecond (now) / 1000, evidence->sequence, suffix);
  path = g_build_filename (dir, base, NULL);

  if (g_mkdir_with_parents (dir, 0750) != 0)
    {
      int saved = errno;

      g_set_error (&error, G_IO_ERROR, g_io_error_from_errno (saved),
                   _("Cannot make the evidence folder %s: %s"), dir, g_strerror (saved));
    }
  else if (evidence->source_path != NULL ? !copy_file (evidence->source_path, path, &error)
                                         : !save_frame (image, path, &error))
    g_prefix_error (&error, _("Evidence not written: "));

  if (error == NULL)
    image->evidence_path = g_steal_pointer (&path);

  /* The folder's file is done: out of the way of the next scan. */
  if (evidence->done_dir != NULL && evidence->source_path != NULL)
    {
      g_autofree char *name = g_path_get_basename (evidence->source_path);
      g_autofree char *done = g_build_filename (evidence->done_dir, name, NULL);

      if ((g_mkdir_with_parents (evidence->done_dir, 0750) != 0 ||
           g_rename (evidence->source_path, done) != 0) && error == NULL)
        {
          int saved = errno;

          g_set_error (&error, G_IO_ERROR, g_io_error_from_errno (saved),
                       _("Cannot move %s to %s: %s"), evidence->source_path, done,
                       g_strerror (saved));
        }
    }

  if (error != NULL)
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
}

/* Taking images */

static void
next_image (AggCamera *self)
{
  self->busy = FALSE;
  if (!self->running)
    {
      if (self->source != NULL)
        close_source (self);
      return;
    }

  if (self->type == AGG_CAMERA_TYPE_FOLDER && !g_queue_is_empty (&self->files))
    take_image (self);
  else if (self->pending > 0)
    {
      self->pending--;
      take_image (self);
    }
  else if (strcmp (self->state, "busy") == 0)
    set_state (self, "idle", NULL);
}

static void
evidence_written_cb (GObject      *source,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  AggCamera *self = AGG_CAMERA (source);
  Evidence *evidence = user_data;
  AggCameraImage *image = evidence->image;
  g_autoptr(GError) error = NULL;
  guint expected;

  if (!g_task_propagate_boolean (G_TASK (result), &error))
    {
      g_free (self->last_error);
      self->last_error = g_strdup (error->message);
    }
  else if (image->evidence_path != NULL)
    {
      g_free (image->path);
      image->path = g_strdup (image->evidence_path);
    }

  /* Once out of the folder, the same name may come again as a new image. */
  if (evidence->done_dir != NULL)
    g_hash_table_remove (self->seen, evidence->source_path);

  expected = image->rows * image->cols;
  self->images++;
  self->reads += image->result->codes->len;
  if (image->result->empty_slots != NULL && expected > 0)
    self->misses += image->result->empty_slots->len;
  self->last_ms = image->result->elapsed_ms;

  if (self->running)
    g_signal_emit (self, signals[SIGNAL_IMAGE_DECODED], 0, image);
  g_signal_emit (self, signals[SIGNAL_STATUS_CHANGED], 0);
  evidence_free (evidence);
  next_image (self);
}

typedef struct
{
  AggCamera      *camera;
  AggCameraImage *image;
  char           *file;               /* the image file decoded, or NULL for a frame */
  guint64         sequence;
} Shot;

static void
shot_free (Shot *shot)
{
  g_object_unref (shot->camera);
  agg_camera_image_unref (shot->image);
  g_free (shot->file);
  g_free (shot);
}

static void
decoded_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  Shot *shot = user_data;
  g_autoptr(AggCamera) self = g_object_ref (shot->camera);
  g_autoptr(GError) error = NULL;
  g_autoptr(GTask) task = NULL;
  AggDecodeResult *decoded;
  Evidence *evidence;

  decoded = agg_decoder_decode_finish (AGG_DECODER (source), result, &error);
  if (decoded == NULL)
    {
      g_autofree char *message = g_strdup_printf (_("Image not decoded: %s"), error->message);

      set_state (self, self->running ? "busy" : self->state, message);
      /* A file that breaks the decoder is set aside, not tried forever. */
      if (shot->file != NULL && self->type == AGG_CAMERA_TYPE_FOLDER && self->move_done)
        {
          g_autofree char *dir = g_path_get_dirname (shot->file);
          g_autofree char *name = g_path_get_basename (shot->file);
          g_autofree char *done_dir = g_build_filename (dir, "done", NULL);
          g_autofree char *done = g_build_filename (done_dir, name, NULL);

          if (g_mkdir_with_parents (done_dir, 0750) == 0 && g_rename (shot->file, done) == 0)
            g_hash_table_remove (self->seen, shot->file);
        }
      shot_free (shot);
      next_image (self);
      return;
    }

  shot->image->result = decoded;
  evidence = g_new0 (Evidence, 1);
  evidence->image = agg_camera_image_ref (shot->image);
  evidence->source_path = g_strdup (shot->file);
  evidence->sequence = shot->sequence;
  if (shot->file != NULL && self->type == AGG_CAMERA_TYPE_FOLDER && self->move_done)
    {
      g_autofree char *dir = g_path_get_dirname (shot->file);

      evidence->done_dir = g_build_filename (dir, "done", NULL);
    }
  shot_free (shot);

  task = g_task_new (self, NULL, evidence_written_cb, evidence);
  g_task_set_task_data (task, evidence, NULL);
  g_task_run_in_thread (task, write_evidence_thread);
}

static void
decode_options (AggCamera        *self,
                AggDecodeOptions *options)
{
  agg_decode_options_init (options);
  options->deadline_ms = self->deadline_ms;
  options->rows = self->rows;
  options->cols = self->cols;
  options->expect = self->rows * self->cols;
  options->module_min_px = self->module_min;
  options->module_max_px = self->module_max;
}

static Shot *
shot_new (AggCamera  *self,
          const char *file)
{
  Shot *shot = g_new0 (Shot, 1);
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();

  shot->camera = g_object_ref (self);
  shot->sequence = ++self->sequence;
  shot->image = camera_image_new ();
  shot->image->camera = g_strdup (self->name);
  shot->image->rows = self->rows;
  shot->image->cols = self->cols;
  shot->image->taken_at = g_date_time_format_iso8601 (now);
  shot->image->path = g_strdup (file);
  shot->file = g_strdup (file);
  return shot;
}

static AggDecoder *
ensure_decoder (AggCamera *self)
{
  if (self->decoder == NULL)
    self->decoder = agg_decoder_new ();
  return self->decoder;
}

static void
decode_file (AggCamera  *self,
             const char *file)
{
  Shot *shot = shot_new (self, file);
  AggDecodeOptions options;

  decode_options (self, &options);
  agg_decoder_decode_file_async (ensure_decoder (self), file, &options, NULL, decoded_cb, shot);
}

static void
grab_thread (GTask        *task,
             gpointer      source_object,
             gpointer      task_data,
             GCancellable *cancellable)
{
  AggCamera *self = source_object;
  AggFrame *frame = g_new0 (AggFrame, 1);
  GError *error = NULL;

  if (!self->funcs->grab (self->source, GRAB_TIMEOUT_MS, frame, &error))
    {
      g_free (frame);
      g_task_return_error (task, error);
      return;
    }
  g_task_return_pointer (task, frame, (GDestroyNotify) agg_frame_clear);
}

void
agg_frame_clear (AggFrame *frame)
{
  g_clear_pointer (&frame->pixels, g_bytes_unref);
  g_free (frame);
}

static void
grabbed_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  AggCamera *self = AGG_CAMERA (source);
  g_autoptr(GError) error = NULL;
  AggFrame *frame = g_task_propagate_pointer (G_TASK (result), &error);
  AggDecodeOptions options;
  Shot *shot;

  if (frame == NULL)
    {
      set_state (self, "busy", error->message);
      next_image (self);
      return;
    }

  shot = shot_new (self, NULL);
  shot->image->gray = g_bytes_ref (frame->pixels);
  shot->image->width = frame->width;
  shot->image->height = frame->height;
  shot->image->stride = frame->stride;
  decode_options (self, &options);
  agg_decoder_decode_async (ensure_decoder (self), g_bytes_get_data (frame->pixels, NULL),
                            frame->width, frame->height, frame->stride, &options, NULL,
                            decoded_cb, shot);
  agg_frame_clear (frame);
}

static void
take_image (AggCamera *self)
{
  g_autoptr(GTask) task = NULL;
  g_autofree char *file = NULL;

  self->busy = TRUE;
  if (strcmp (self->state, "busy") != 0)
    set_state (self, "busy", NULL);

  switch (self->type)
    {
    case AGG_CAMERA_TYPE_FOLDER:
      file = g_queue_pop_head (&self->files);
      if (file == NULL)
        {
          next_image (self);
          return;
        }
      decode_file (self, file);
      break;

    case AGG_CAMERA_TYPE_FILE:
      decode_file (self, self->path);
      break;

    case AGG_CAMERA_TYPE_ARAVIS:
    case AGG_CAMERA_TYPE_UVC:
      if (self->source == NULL)
        {
          set_state (self, "busy", _("The camera is not connected"));
          next_image (self);
          return;
        }
      task = g_task_new (self, NULL, grabbed_cb, NULL);
      g_task_run_in_thread (task, grab_thread);
      break;

    default:
      g_assert_not_reached ();
    }
}

void
agg_camera_trigger (AggCamera *self)
{
  g_return_if_fail (AGG_IS_CAMERA (self));

  if (!self->running)
    {
      set_state (self, self->state, _("Triggered while stopped"));
      return;
    }
  if (self->type == AGG_CAMERA_TYPE_FOLDER)
    return;
  if (!self->busy)
    {
      take_image (self);
      return;
    }
  if (self->pending < MAX_PENDING_TRIGGERS)
    self->pending++;
  else
    set_state (self, self->state, _("Triggers come faster than images are decoded"));
}

/* Folders */

static gboolean
is_image_name (const char *name)
{
  g_autofree char *lower = g_ascii_strdown (name, -1);

  /* Hidden and partial files are still being written. */
  if (name[0] == '.' || g_str_has_suffix (lower, ".part") || g_str_has_suffix (lower, ".tmp"))
    return FALSE;
  for (guint i = 0; image_suffixes[i] != NULL; i++)
    if (g_str_has_suffix (lower, image_suffixes[i]))
      return TRUE;
  return FALSE;
}

static void
enqueue_file (AggCamera  *self,
              const char *path)
{
  g_autofree char *name = g_path_get_basename (path);

  if (!is_image_name (name) || g_hash_table_contains (self->seen, path))
    return;
  g_hash_table_add (self->seen, g_strdup (path));
  g_queue_push_tail (&self->files, g_strdup (path));
  if (!self->busy && self->running)
    take_image (self);
}

static void
monitor_changed_cb (GFileMonitor      *monitor,
                    GFile             *file,
                    GFile             *other,
                    GFileMonitorEvent  event,
                    AggCamera         *self)
{
  g_autofree char *path = NULL;

  /* A file is taken once it is complete: written and closed, or renamed
   * into the folder (what FTP servers and smart cameras do). */
  if (event == G_FILE_MONITOR_EVENT_CHANGES_DONE_HINT)
    path = g_file_get_path (file);
  else if (event == G_FILE_MONITOR_EVENT_MOVED_IN || event == G_FILE_MONITOR_EVENT_RENAMED)
    path = g_file_get_path (other != NULL ? other : file);
  if (path == NULL)
    return;
  {
    g_autofree char *dir = g_path_get_dirname (path);

    if (strcmp (dir, self->path) == 0)
      enqueue_file (self, path);
  }
}

static int
compare_paths (gconstpointer a,
               gconstpointer b)
{
  return strcmp (*(const char * const *) a, *(const char * const *) b);
}

static void
list_folder_thread (GTask        *task,
                    gpointer      source_object,
                    gpointer      task_data,
                    GCancellable *cancellable)
{
  const char *path = task_data;
  g_autoptr(GPtrArray) files = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GDir) dir = NULL;
  GError *error = NULL;
  const char *name;

  dir = g_dir_open (path, 0, &error);
  if (dir == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  while ((name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *file = g_build_filename (path, name, NULL);

      if (g_file_test (file, G_FILE_TEST_IS_REGULAR))
        g_ptr_array_add (files, g_steal_pointer (&file));
    }
  /* Smart cameras name their images by time or by number: oldest first. */
  g_ptr_array_sort (files, compare_paths);
  g_task_return_pointer (task, g_steal_pointer (&files), (GDestroyNotify) g_ptr_array_unref);
}

static void
folder_listed_cb (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  AggCamera *self = AGG_CAMERA (source);
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) files = g_task_propagate_pointer (G_TASK (result), &error);

  self->connecting = FALSE;
  if (!self->running)
    return;
  if (files == NULL)
    {
      g_autofree char *message = g_strdup_printf (_("Folder %s: %s"), self->path, error->message);

      self->connected = FALSE;
      set_state (self, "error", message);
      return;
    }
  self->connected = TRUE;
  set_state (self, self->busy ? "busy" : "idle", NULL);
  for (guint i = 0; i < files->len; i++)
    enqueue_file (self, g_ptr_array_index (files, i));
}

static void
start_folder (AggCamera *self)
{
  g_autoptr(GFile) folder = g_file_new_for_path (self->path);
  g_autoptr(GError) error = NULL;
  g_autoptr(GTask) task = NULL;

  self->monitor = g_file_monitor_directory (folder, G_FILE_MONITOR_WATCH_MOVES, NULL, &error);
  if (self->monitor == NULL)
    {
      g_autofree char *message = g_strdup_printf (_("Folder %s: %s"), self->path, error->message);

      set_state (self, "error", message);
      return;
    }
  g_signal_connect (self->monitor, "changed", G_CALLBACK (monitor_changed_cb), self);

  /* What arrived while the station was down comes first. */
  self->connecting = TRUE;
  task = g_task_new (self, NULL, folder_listed_cb, NULL);
  g_task_set_task_data (task, g_strdup (self->path), g_free);
  g_task_run_in_thread (task, list_folder_thread);
}

/* Devices */

static void connect_device (AggCamera *self);

static gboolean
reconnect_cb (gpointer user_data)
{
  AggCamera *self = user_data;

  self->reconnect_id = 0;
  connect_device (self);
  return G_SOURCE_REMOVE;
}

static void
open_thread (GTask        *task,
             gpointer      source_object,
             gpointer      task_data,
             GCancellable *cancellable)
{
  AggCamera *self = source_object;
  GError *error = NULL;
  AggFrameSource *source = self->funcs->open (&self->frame, &error);

  if (source == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, source, NULL);
}

static void
opened_cb (GObject      *object,
           GAsyncResult *result,
           gpointer      user_data)
{
  AggCamera *self = AGG_CAMERA (object);
  g_autoptr(GError) error = NULL;
  AggFrameSource *source = g_task_propagate_pointer (G_TASK (result), &error);

  self->connecting = FALSE;
  if (source != NULL)
    self->source = source;
  if (!self->running)
    {
      close_source (self);
      return;
    }
  if (source == NULL)
    {
      self->connected = FALSE;
      set_state (self, "error", error->message);
      self->reconnect_id = g_timeout_add_seconds (RECONNECT_SECONDS, reconnect_cb, self);
      return;
    }
  self->connected = TRUE;
  set_state (self, "idle", NULL);
  if (self->pending > 0)
    {
      self->pending--;
      take_image (self);
    }
}

static void
connect_device (AggCamera *self)
{
  g_autoptr(GTask) task = NULL;

  self->connecting = TRUE;
  set_state (self, "connecting", NULL);
  task = g_task_new (self, NULL, opened_cb, NULL);
  g_task_run_in_thread (task, open_thread);
}

static gboolean
free_run_cb (gpointer user_data)
{
  AggCamera *self = user_data;

  /* A free-running camera skips a beat rather than queueing behind itself. */
  if (!self->busy && self->connected)
    take_image (self);
  return G_SOURCE_CONTINUE;
}

/* Retention */

static void
delete_files_thread (GTask        *task,
                     gpointer      source_object,
                     gpointer      task_data,
                     GCancellable *cancellable)
{
  AggCamera *self = source_object;
  GPtrArray *paths = task_data;
  g_autofree char *root = g_strconcat (self->evidence_dir, G_DIR_SEPARATOR_S, NULL);

  /* Only files of the evidence folder: a row never deletes anything else. */
  for (guint i = 0; i < paths->len; i++)
    {
      const char *path = g_ptr_array_index (paths, i);

      if (g_str_has_prefix (path, root) && strstr (path, "/../") == NULL)
        g_unlink (path);
    }
  g_task_return_boolean (task, TRUE);
}

typedef struct
{
  char   *camera;
  char   *before;
  gint64  keep;
} Expiry;

static void
expiry_free (Expiry *expiry)
{
  g_free (expiry->camera);
  g_free (expiry->before);
  g_free (expiry);
}

static gpointer
expire_job (AggStore  *store,
            sqlite3   *db,
            gpointer   user_data,
            GError   **error)
{
  Expiry *expiry = user_data;

  return agg_case_images_expire (store, expiry->camera, expiry->before, expiry->keep, error);
}

static void
expired_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(AggCamera) self = user_data;
  g_autoptr(GError) error = NULL;
  GPtrArray *paths = agg_store_run_finish (AGG_STORE (source), result, &error);
  g_autoptr(GTask) task = NULL;

  if (paths == NULL)
    {
      if (!g_error_matches (error, AGG_STORE_ERROR, AGG_STORE_ERROR_CLOSED))
        set_state (self, self->state, error->message);
      return;
    }
  task = g_task_new (self, NULL, NULL, NULL);
  g_task_set_task_data (task, paths, (GDestroyNotify) g_ptr_array_unref);
  g_task_run_in_thread (task, delete_files_thread);
}

static gboolean
retention_cb (gpointer user_data)
{
  AggCamera *self = user_data;
  Expiry *expiry;

  if (self->store == NULL || (self->retention_days == 0 && self->retention_count == 0))
    return G_SOURCE_CONTINUE;

  expiry = g_new0 (Expiry, 1);
  expiry->camera = g_strdup (self->name);
  expiry->keep = self->retention_count;
  if (self->retention_days > 0)
    {
      g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
      g_autoptr(GDateTime) cutoff = g_date_time_add_days (now, -(gint) self->retention_days);

      expiry->before = g_date_time_format (cutoff, "%Y-%m-%dT%H:%M:%S.000Z");
    }
  agg_store_run_async (self->store, AGG_STORE_WRITE, expire_job, expiry,
                       (GDestroyNotify) expiry_free, (GDestroyNotify) g_ptr_array_unref, NULL,
                       expired_cb, g_object_ref (self));
  return G_SOURCE_CONTINUE;
}

void
agg_camera_set_store (AggCamera *self,
                      AggStore  *store)
{
  g_return_if_fail (AGG_IS_CAMERA (self));
  g_return_if_fail (store == NULL || AGG_IS_STORE (store));

  g_set_object (&self->store, store);
  if (self->running && store != NULL)
    retention_cb (self);
}

/* Starting and stopping */

void
agg_camera_start (AggCamera *self)
{
  g_return_if_fail (AGG_IS_CAMERA (self));

  if (self->running)
    return;
  self->running = TRUE;
  g_clear_pointer (&self->last_error, g_free);

  switch (self->type)
    {
    case AGG_CAMERA_TYPE_FOLDER:
      start_folder (self);
      break;
    case AGG_CAMERA_TYPE_FILE:
      self->connected = g_file_test (self->path, G_FILE_TEST_IS_REGULAR);
      if (self->connected)
        set_state (self, "idle", NULL);
      else
        {
          g_autofree char *message = g_strdup_printf (_("No image file %s"), self->path);

          set_state (self, "error", message);
        }
      break;
    case AGG_CAMERA_TYPE_ARAVIS:
    case AGG_CAMERA_TYPE_UVC:
      if (!self->connecting && self->source == NULL)
        connect_device (self);
      else if (self->source != NULL)
        set_state (self, "idle", NULL);
      break;
    default:
      g_assert_not_reached ();
    }

  if (self->trigger == AGG_CAMERA_TRIGGER_FREE_RUN)
    self->free_run_id = g_timeout_add (self->interval_ms, free_run_cb, self);
  self->retention_id = g_timeout_add_seconds (RETENTION_SECONDS, retention_cb, self);
  retention_cb (self);
}

void
agg_camera_stop (AggCamera *self)
{
  g_return_if_fail (AGG_IS_CAMERA (self));

  if (!self->running)
    return;
  self->running = FALSE;
  self->pending = 0;
  g_clear_handle_id (&self->free_run_id, g_source_remove);
  g_clear_handle_id (&self->reconnect_id, g_source_remove);
  g_clear_handle_id (&self->retention_id, g_source_remove);
  if (self->monitor != NULL)
    {
      g_file_monitor_cancel (self->monitor);
      g_signal_handlers_disconnect_by_data (self->monitor, self);
      g_clear_object (&self->monitor);
    }
  g_queue_clear_full (&self->files, g_free);
  g_hash_table_remove_all (self->seen);
  self->connected = FALSE;
  /* A grab or open under way closes the device when it returns. */
  if (!self->busy && !self->connecting)
    close_source (self);
  set_state (self, "stopped", NULL);
}
