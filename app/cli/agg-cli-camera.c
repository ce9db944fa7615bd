/* agg-cli-camera.c: aggctl camera — commissioning the cameras
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * "status" connects a camera and says how it is; "trigger" takes one
 * image and prints what was read, slot by slot, with the running order's
 * layout when the database has one.  Nothing goes into a case: these are
 * test shots, kept as evidence like any other image.
 */

#include "config.h"

#include <glib/gi18n-lib.h>
#include <stdio.h>
#include <string.h>

#include "agg-camera.h"
#include "agg-cli.h"
#include "agg-line-job.h"

/* How long a command waits for a camera to connect, then for its image. */
#define CONNECT_SECONDS 15
#define IMAGE_SECONDS   30

typedef struct
{
  GMainLoop      *loop;
  AggCameraImage *image;
  gboolean        timed_out;
} Wait;

static void
status_changed_cb (AggCamera *camera,
                   Wait      *wait)
{
  g_autoptr(AggCameraStatus) status = agg_camera_dup_status (camera);

  if (strcmp (status->state, "idle") == 0 || strcmp (status->state, "error") == 0)
    g_main_loop_quit (wait->loop);
}

static void
image_decoded_cb (AggCamera      *camera,
                  AggCameraImage *image,
                  Wait           *wait)
{
  if (wait->image == NULL)
    wait->image = agg_camera_image_ref (image);
  g_main_loop_quit (wait->loop);
}

static gboolean
timeout_cb (gpointer user_data)
{
  Wait *wait = user_data;

  wait->timed_out = TRUE;
  g_main_loop_quit (wait->loop);
  return G_SOURCE_REMOVE;
}

static void
run_for (Wait  *wait,
         guint  seconds)
{
  guint id;

  wait->timed_out = FALSE;
  id = g_timeout_add_seconds (seconds, timeout_cb, wait);
  g_main_loop_run (wait->loop);
  if (!wait->timed_out)
    g_source_remove (id);
}

static void
print_json (JsonObject *object)
{
  g_autoptr(JsonNode) node = json_node_init_object (json_node_alloc (), object);
  g_autofree char *text = json_to_string (node, FALSE);

  printf ("%s\n", text);
}

static void
print_status (const AggCameraStatus *status,
              gboolean               json)
{
  if (json)
    {
      g_autoptr(JsonObject) object = agg_camera_status_to_json (status);

      print_json (object);
      return;
    }
  printf ("%s: %s, %s, %s\n", status->name, status->type,
          status->connected ? _("connected") : _("not connected"), status->state);
  printf ("  %s %s\n", _("trigger:"), status->trigger);
  printf ("  %s %" G_GUINT64_FORMAT ", %s %" G_GUINT64_FORMAT ", %s %" G_GUINT64_FORMAT "\n",
          _("images:"), status->images, _("codes read:"), status->reads, _("missed:"),
          status->misses);
  if (status->last_error != NULL)
    printf ("  %s %s\n", _("last error:"), status->last_error);
}

/* The running order's layout, from the database when there is one. */
static gpointer
layout_job (AggStore  *store,
            sqlite3   *db,
            gpointer   user_data,
            GError   **error)
{
  guint *layout = user_data;
  g_autoptr(GError) local_error = NULL;
  g_autoptr(AggOrder) order = agg_order_load_running (store, &local_error);

  if (agg_propagate_local_error (error, &local_error))
    return NULL;
  if (order != NULL)
    {
      layout[0] = order->layer_rows;
      layout[1] = order->layer_cols;
    }
  return GINT_TO_POINTER (TRUE);
}

static void
apply_layout (AggCamera *camera)
{
  g_autofree char *default_path = agg_store_default_path ();
  const char *path = agg_cli_globals.db_path ? agg_cli_globals.db_path : default_path;
  g_autoptr(AggStore) store = NULL;
  g_autoptr(GError) error = NULL;
  guint layout[2] = { 0, 0 };

  if (!g_file_test (path, G_FILE_TEST_EXISTS))
    return;
  store = agg_cli_open_store (FALSE);
  if (store == NULL)
    return;
  if (agg_store_run_sync (store, AGG_STORE_READ, layout_job, layout, &error) == NULL)
    fprintf (stderr, "aggctl: %s\n", error->message);
  else if (layout[0] > 0)
    agg_camera_set_layout (camera, layout[0], layout[1]);
  agg_store_close (store);
}

static void
print_image (const AggCameraImage *image,
             gboolean              json)
{
  const AggDecodeResult *result = image->result;

  if (json)
    {
      g_autoptr(JsonObject) object = json_object_new ();
      JsonArray *codes = json_array_new ();
      JsonArray *empty = json_array_new ();

      for (guint i = 0; i < result->codes->len; i++)
        {
          const AggDecodedCode *code = g_ptr_array_index (result->codes, i);
          JsonObject *item = json_object_new ();

          json_object_set_int_member (item, "slot", code->slot);
          json_object_set_string_member (item, "data", code->data);
          json_object_set_boolean_member (item, "duplicate", code->duplicate);
          json_array_add_object_element (codes, item);
        }
      for (guint i = 0; result->empty_slots != NULL && i < result->empty_slots->len; i++)
        json_array_add_int_element (empty, g_array_index (result->empty_slots, int, i));
      json_object_set_string_member (object, "camera", image->camera);
      json_object_set_int_member (object, "width", result->width);
      json_object_set_int_member (object, "height", result->height);
      json_object_set_int_member (object, "rows", image->rows);
      json_object_set_int_member (object, "cols", image->cols);
      json_object_set_double_member (object, "elapsed_ms", result->elapsed_ms);
      json_object_set_boolean_member (object, "deadline_hit", result->deadline_hit);
      json_object_set_array_member (object, "codes", codes);
      json_object_set_array_member (object, "empty_slots", empty);
      json_object_set_string_member (object, "evidence", image->evidence_path);
      print_json (object);
      return;
    }

  /* Translators: codes read, the image's size, the time it took. */
  printf (_("%u codes in %u × %u pixels, %.0f ms\n"), result->codes->len, result->width,
          result->height, result->elapsed_ms);
  for (guint i = 0; i < result->codes->len; i++)
    {
      const AggDecodedCode *code = g_ptr_array_index (result->codes, i);
      g_autofree char *shown = g_strescape (code->data, NULL);

      if (code->slot >= 0)
        printf ("  %3d  %s\n", code->slot, shown);
      else
        printf ("    -  %s\n", shown);
    }
  if (result->empty_slots != NULL && result->empty_slots->len > 0)
    {
      printf ("  %s", _("empty slots:"));
      for (guint i = 0; i < result->empty_slots->len; i++)
        printf (" %d", g_array_index (result->empty_slots, int, i));
      printf ("\n");
    }
  if (result->deadline_hit)
    printf ("  %s\n", _("the deadline cut decoding short"));
  if (image->evidence_path != NULL)
    printf ("  %s %s\n", _("kept as"), image->evidence_path);
}

static int
list_cameras (GPtrArray *cameras,
              gboolean   json)
{
  g_autoptr(JsonArray) array = json_array_new ();

  for (guint i = 0; i < cameras->len; i++)
    {
      AggCamera *camera = g_ptr_array_index (cameras, i);
      g_autoptr(AggCameraStatus) status = agg_camera_dup_status (camera);

      if (json)
        {
          JsonObject *object = agg_camera_status_to_json (status);

          json_object_set_string_member (object, "evidence_dir",
                                         agg_camera_get_evidence_dir (camera));
          json_array_add_object_element (array, object);
        }
      else
        printf ("%-16s %-8s %-10s %s\n", status->name, status->type, status->trigger,
                agg_camera_get_evidence_dir (camera));
    }
  if (json)
    {
      g_autoptr(JsonNode) node = json_node_init_array (json_node_alloc (), array);
      g_autofree char *text = json_to_string (node, FALSE);

      printf ("%s\n", text);
    }
  return AGG_CLI_EXIT_OK;
}

int
agg_cli_camera (int    argc,
                char **argv)
{
  g_autoptr(AggConfig) config = NULL;
  g_autoptr(GPtrArray) cameras = NULL;
  g_autoptr(GMainLoop) loop = NULL;
  g_autoptr(AggCameraStatus) status = NULL;
  g_autoptr(GError) error = NULL;
  AggCamera *camera = NULL;
  const char *verb, *name = NULL;
  gboolean json = FALSE;
  Wait wait = { 0 };

  if (argc < 2)
    return agg_cli_usage_error (_("camera needs a command: list, status or trigger"));
  verb = argv[1];
  for (int i = 2; i < argc; i++)
    {
      if (strcmp (argv[i], "--json") == 0)
        json = TRUE;
      else if (argv[i][0] == '-')
        return agg_cli_usage_error (_("unknown option “%s”"), argv[i]);
      else if (name == NULL)
        name = argv[i];
      else
        return agg_cli_usage_error (_("camera %s takes one camera"), verb);
    }
  if (strcmp (verb, "list") != 0 && strcmp (verb, "status") != 0 && strcmp (verb, "trigger") != 0)
    return agg_cli_usage_error (_("unknown camera command “%s”"), verb);
  if (strcmp (verb, "list") != 0 && name == NULL)
    return agg_cli_usage_error (_("camera %s needs the camera's name"), verb);

  config = agg_cli_load_config ();
  if (config == NULL)
    return AGG_CLI_EXIT_FAILED;
  cameras = agg_cameras_new_from_config (config, &error);
  if (cameras == NULL)
    return agg_cli_failure ("%s", error->message);
  if (strcmp (verb, "list") == 0)
    return list_cameras (cameras, json);

  for (guint i = 0; i < cameras->len; i++)
    if (strcmp (agg_camera_get_name (g_ptr_array_index (cameras, i)), name) == 0)
      camera = g_ptr_array_index (cameras, i);
  if (camera == NULL)
    return agg_cli_failure (_("No camera “%s” in %s"), name,
                            agg_config_get_path (config) ? agg_config_get_path (config) : "-");

  loop = g_main_loop_new (NULL, FALSE);
  wait.loop = loop;
  g_signal_connect (camera, "status-changed", G_CALLBACK (status_changed_cb), &wait);
  g_signal_connect (camera, "image-decoded", G_CALLBACK (image_decoded_cb), &wait);

  if (strcmp (verb, "trigger") == 0)
    apply_layout (camera);
  agg_camera_start (camera);
  status = agg_camera_dup_status (camera);
  if (strcmp (status->state, "idle") != 0 && strcmp (status->state, "error") != 0)
    run_for (&wait, CONNECT_SECONDS);
  g_clear_pointer (&status, agg_camera_status_free);
  status = agg_camera_dup_status (camera);

  if (strcmp (verb, "status") == 0 || !status->connected)
    {
      int code = status->connected ? AGG_CLI_EXIT_OK : AGG_CLI_EXIT_FAILED;

      agg_camera_stop (camera);
      print_status (status, json);
      return code;
    }

  /* A folder camera takes what is waiting, or the next image to arrive. */
  g_signal_handlers_disconnect_by_func (camera, status_changed_cb, &wait);
  agg_camera_trigger (camera);
  if (wait.image == NULL)
    run_for (&wait, IMAGE_SECONDS);
  g_clear_pointer (&status, agg_camera_status_free);
  status = agg_camera_dup_status (camera);
  agg_camera_stop (camera);
  if (wait.image == NULL)
    return agg_cli_failure (_("No image from %s within %d s: %s"), name, IMAGE_SECONDS,
                            status->last_error ? status->last_error : _("nothing arrived"));
  print_image (wait.image, json);
  agg_camera_image_unref (wait.image);
  return AGG_CLI_EXIT_OK;
}
