/* test-camera.c: cameras — configuration, folders, files, devices, layers, evidence
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Images of case layers (agg-test-layer.c) go through the real
 * decoder and its helper process, the real engine on a real database, and
 * real folders watched by GIO.  Aravis' simulated camera and GStreamer's
 * test source stand in for the hardware.
 */

#include <gdk-pixbuf/gdk-pixbuf.h>
#include <glib/gstdio.h>
#include <string.h>

#include "agg-camera.h"
#include "agg-line.h"
#include "agg-line-private.h"
#include "agg-test-layer.h"
#include "agg-test-utils.h"

#define GTIN   AGG_TEST_LAYER_GTIN
#define LOT    AGG_TEST_LAYER_LOT
#define EXPIRY AGG_TEST_LAYER_EXPIRY
#define ORDER  "WO-DEMO-1"
#define ROWS   AGG_TEST_LAYER_ROWS
#define COLS   AGG_TEST_LAYER_COLS
#define CELL   AGG_TEST_LAYER_CELL
/* How long a test waits for what it waits for before it fails. */
#define WAIT_SECONDS 60

/* Waiting */

static gboolean
timed_out_cb (gpointer user_data)
{
  gboolean *timed_out = user_data;

  *timed_out = TRUE;
  return G_SOURCE_REMOVE;
}

/* Runs the main loop until *@done, failing after WAIT_SECONDS. */
static void
wait_for (const gboolean *done,
          const char     *what)
{
  gboolean timed_out = FALSE;
  guint id = g_timeout_add_seconds (WAIT_SECONDS, timed_out_cb, &timed_out);

  while (!*done && !timed_out)
    g_main_context_iteration (NULL, TRUE);
  if (!timed_out)
    g_source_remove (id);
  if (timed_out)
    g_error ("waited %d s for %s", WAIT_SECONDS, what);
}

typedef struct
{
  GPtrArray *images;
  guint      wanted;
  gboolean   done;
} Collector;

static void
image_decoded_cb (AggCamera      *camera,
                  AggCameraImage *image,
                  Collector      *collector)
{
  g_ptr_array_add (collector->images, agg_camera_image_ref (image));
  collector->done = collector->images->len >= collector->wanted;
}

static void
collector_init (Collector *collector,
                AggCamera *camera)
{
  collector->images = g_ptr_array_new_with_free_func ((GDestroyNotify) agg_camera_image_unref);
  collector->wanted = 1;
  collector->done = FALSE;
  g_signal_connect (camera, "image-decoded", G_CALLBACK (image_decoded_cb), collector);
}

static AggCameraImage *
collect (Collector  *collector,
         guint       n,
         const char *what)
{
  collector->wanted = n;
  collector->done = collector->images->len >= n;
  wait_for (&collector->done, what);
  return g_ptr_array_index (collector->images, n - 1);
}

/* A fixture: a directory, a configuration written into it, a station. */
typedef struct
{
  char      *dir;
  char      *watched;
  char      *evidence;
  AggConfig *config;
} Fixture;

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  f->dir = agg_test_make_tmpdir ("test-camera");
  f->watched = g_build_filename (f->dir, "drop", NULL);
  f->evidence = g_build_filename (f->dir, "evidence", NULL);
  g_assert_cmpint (g_mkdir (f->watched, 0700), ==, 0);
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  g_clear_pointer (&f->config, agg_config_unref);
  agg_test_remove_tree (f->dir);
  g_free (f->dir);
  g_free (f->watched);
  g_free (f->evidence);
}

static AggCamera *
camera_from (Fixture    *f,
             const char *name,
             const char *text)
{
  g_autoptr(GError) error = NULL;
  AggCamera *camera;

  g_clear_pointer (&f->config, agg_config_unref);
  f->config = agg_config_load_data (text, strlen (text), "station.conf", &error);
  g_assert_no_error (error);
  camera = agg_camera_new_from_config (f->config, name, &error);
  g_assert_no_error (error);
  g_assert_true (AGG_IS_CAMERA (camera));
  return camera;
}

static char *
folder_config (Fixture    *f,
               const char *extra)
{
  return g_strdup_printf ("[camera:top]\ntype = folder\npath = %s\nrows = %d\ncols = %d\n"
                          "evidence_dir = %s\n%s", f->watched, ROWS, COLS, f->evidence,
                          extra ? extra : "");
}

static guint
count_files (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  guint n = 0;

  while (dir != NULL && g_dir_read_name (dir) != NULL)
    n++;
  return n;
}

/* Configuration */

static void
test_config_errors (Fixture       *f,
                    gconstpointer  data)
{
  static const struct {
    const char *text;
    const char *message;
  } bad[] = {
    { "[camera:a]\npath = /x\n", "station.conf:1: [camera:a]: the key “type”" },
    { "[camera:a]\ntype = webcam\n", "station.conf:2: [camera:a] type: " },
    { "[camera:a]\ntype = folder\n", "station.conf:1: [camera:a]: the key “path”" },
    { "[camera:a]\ntype = folder\npath = drop\n", "station.conf:3: [camera:a] path: " },
    { "[camera:a]\ntype = folder\npath = /drop\ntrigger = plc\n",
      "station.conf:4: [camera:a] trigger: " },
    { "[camera:a]\ntype = file\npath = /x.png\ntrigger = file\n",
      "station.conf:4: [camera:a] trigger: " },
    { "[camera:a]\ntype = aravis\nexposure = lots\n", "station.conf:3: [camera:a] exposure: " },
    { "[camera:a]\ntype = aravis\n\ndevice = Fake_1\npath = /x\n",
      "station.conf:5: [camera:a] path: " },
    { "[camera:a]\ntype = uvc\nwidth = 640\n", "station.conf:3: [camera:a] width: " },
    { "[camera:a]\ntype = uvc\nsource = rtsp\n", "station.conf:3: [camera:a] source: " },
    { "[camera:a]\ntype = uvc\ndeadline = 5min\n", "station.conf:3: [camera:a] deadline: " },
    { "[camera:a]\ntype = uvc\ninterval = 2s\n", "station.conf:3: [camera:a] interval: " },
    { "[camera:a]\ntype = uvc\nrows = 3\n", "station.conf:3: [camera:a] rows: " },
    { "[camera:a]\ntype = uvc\nrows = 3\ncols = 99\n", "station.conf:4: [camera:a] cols: " },
    { "[camera:a]\ntype = uvc\nmodule_min = 9\nmodule_max = 4\n",
      "station.conf:4: [camera:a] module_max: " },
    { "[camera:a]\ntype = uvc\nevidence_dir = here\n",
      "station.conf:3: [camera:a] evidence_dir: " },
    { "[camera:a]\ntype = folder\npath = /drop\nevidence_dir = /drop/evidence\n",
      "station.conf:4: [camera:a] evidence_dir: " },
    { "[camera:a]\ntype = uvc\nretention_days = -1\n",
      "station.conf:3: [camera:a] retention_days: " },
    { "[camera:ok]\ntype = uvc\n[camera:my cam]\ntype = uvc\n", "station.conf:3: [camera:my cam]" },
  };
  g_autoptr(GPtrArray) cameras = NULL;
  g_autoptr(GError) error = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(AggConfig) config = agg_config_load_data (bad[i].text, strlen (bad[i].text), "station.conf",
                                                          &error);
      g_autoptr(GPtrArray) none = NULL;

      g_assert_no_error (error);
      none = agg_cameras_new_from_config (config, &error);
      g_assert_null (none);
      g_assert_nonnull (error);
      g_test_message ("%s", error->message);
      g_assert_true (g_str_has_prefix (error->message, bad[i].message));
      g_clear_error (&error);
    }

  /* A good one, every key, and what it reports before it starts. */
  {
    static const char good[] =
      "[camera:top]\ntype = aravis\ndevice = Fake_1\nexposure = 5000\ngain = 2\n"
      "trigger = free-run\ninterval = 250ms\ndeadline = 400\nmodule_min = 3\nmodule_max = 8\n"
      "rows = 4\ncols = 6\nevidence_dir = /var/lib/evidence\nretention_days = 90\n"
      "retention_count = 1000\n[camera:side]\ntype = uvc\n";
    g_autoptr(AggConfig) config = agg_config_load_data (good, strlen (good), "station.conf",
                                                        &error);
    g_autoptr(AggCameraStatus) status = NULL;
    AggCamera *camera;

    g_assert_no_error (error);
    cameras = agg_cameras_new_from_config (config, &error);
    g_assert_no_error (error);
    g_assert_cmpuint (cameras->len, ==, 2);
    camera = g_ptr_array_index (cameras, 0);
    g_assert_cmpstr (agg_camera_get_name (camera), ==, "top");
    g_assert_cmpint (agg_camera_get_camera_type (camera), ==, AGG_CAMERA_TYPE_ARAVIS);
    g_assert_cmpint (agg_camera_get_trigger (camera), ==, AGG_CAMERA_TRIGGER_FREE_RUN);
    g_assert_cmpstr (agg_camera_get_evidence_dir (camera), ==, "/var/lib/evidence");
    status = agg_camera_dup_status (camera);
    g_assert_cmpstr (status->state, ==, "stopped");
    g_assert_false (status->connected);
    g_assert_cmpstr (status->type, ==, "aravis");
    /* The second's defaults: triggered by the PLC, evidence kept. */
    camera = g_ptr_array_index (cameras, 1);
    g_assert_cmpint (agg_camera_get_trigger (camera), ==, AGG_CAMERA_TRIGGER_PLC);
    g_assert_true (g_str_has_suffix (agg_camera_get_evidence_dir (camera), "/evidence/side"));
  }
}

/* Folders */

static void
test_folder (Fixture       *f,
             gconstpointer  data)
{
  g_autofree char *text = folder_config (f, NULL);
  g_autoptr(AggCamera) camera = camera_from (f, "top", text);
  g_autofree char *waiting = g_build_filename (f->watched, "0001.png", NULL);
  g_autofree char *arriving = g_build_filename (f->watched, "0002.png", NULL);
  g_autofree char *done = g_build_filename (f->watched, "done", NULL);
  g_autofree char *ignored = g_build_filename (f->watched, "notes.txt", NULL);
  g_autoptr(AggCameraStatus) status = NULL;
  g_autoptr(AggRequest) request = NULL;
  g_autoptr(JsonNode) node = NULL;
  Collector collector;
  AggCameraImage *image;
  JsonArray *codes;

  /* One image waits from before the start; another arrives after. */
  agg_test_write_layer (waiting, "A", 5, -1);
  g_assert_true (g_file_set_contents (ignored, "not an image", -1, NULL));
  collector_init (&collector, camera);
  agg_camera_start (camera);

  image = collect (&collector, 1, "the waiting image");
  g_assert_cmpstr (image->camera, ==, "top");
  g_assert_nonnull (image->result);
  g_assert_cmpuint (image->result->width, ==, COLS * CELL);
  g_assert_cmpuint (image->result->codes->len, ==, ROWS * COLS - 1);
  g_assert_cmpuint (image->result->empty_slots->len, ==, 1);
  g_assert_cmpint (g_array_index (image->result->empty_slots, int, 0), ==, 5);
  for (guint i = 0; i < image->result->codes->len; i++)
    {
      const AggDecodedCode *code = g_ptr_array_index (image->result->codes, i);
      int slot = code->slot;
      g_autofree char *serial = g_strdup_printf ("A%02d", slot + 1);
      g_autofree char *expected = g_strconcat ("]d2" "01" GTIN "17" EXPIRY "10" LOT "\x1d" "21",
                                               serial, NULL);

      g_assert_cmpint (slot, >=, 0);
      g_assert_cmpint (slot, !=, 5);
      g_assert_cmpstr (code->data, ==, expected);
    }

  /* Evidence: a copy under the evidence folder; the original in done/. */
  g_assert_nonnull (image->evidence_path);
  g_assert_true (g_str_has_prefix (image->evidence_path, f->evidence));
  g_assert_true (g_file_test (image->evidence_path, G_FILE_TEST_IS_REGULAR));
  g_assert_cmpstr (image->path, ==, image->evidence_path);
  g_assert_false (g_file_test (waiting, G_FILE_TEST_EXISTS));
  g_assert_cmpuint (count_files (done), ==, 1);

  agg_test_write_layer (arriving, "B", -1, -1);
  image = collect (&collector, 2, "the arriving image");
  g_assert_cmpuint (image->result->codes->len, ==, ROWS * COLS);
  g_assert_cmpuint (image->result->empty_slots->len, ==, 0);
  g_assert_cmpuint (count_files (done), ==, 2);
  /* The text file is no image and stays. */
  g_assert_true (g_file_test (ignored, G_FILE_TEST_EXISTS));

  /* The request to the engine carries the codes, slots and evidence. */
  request = agg_camera_image_to_request (image);
  g_assert_cmpint (request->action, ==, AGG_ACTION_SCAN_LAYER);
  g_assert_cmpstr (request->source, ==, "top");
  node = json_from_string (request->data, NULL);
  g_assert_nonnull (node);
  g_assert_cmpstr (json_object_get_string_member (json_node_get_object (node), "image"), ==,
                   image->evidence_path);
  g_assert_cmpint (json_object_get_int_member (json_node_get_object (node), "rows"), ==, ROWS);
  codes = json_object_get_array_member (json_node_get_object (node), "codes");
  g_assert_cmpuint (json_array_get_length (codes), ==, ROWS * COLS);

  /* A new image under a name seen before is a new image. */
  agg_test_write_layer (waiting, "E", -1, -1);
  image = collect (&collector, 3, "an image under an old name");
  g_assert_cmpuint (image->result->codes->len, ==, ROWS * COLS);
  g_assert_false (g_file_test (waiting, G_FILE_TEST_EXISTS));

  status = agg_camera_dup_status (camera);
  g_assert_true (status->connected);
  g_assert_cmpuint (status->images, ==, 3);
  g_assert_cmpuint (status->reads, ==, 3 * ROWS * COLS - 1);
  g_assert_cmpuint (status->misses, ==, 1);
  g_assert_null (status->last_error);

  agg_camera_stop (camera);
  g_ptr_array_unref (collector.images);
}

/* The engine */

typedef struct
{
  AggTestStation  station;
  AggLine        *line;
} Line;

static void
line_set_up (Line *l)
{
  g_autoptr(AggRequest) start = agg_request_new (AGG_ACTION_START_ORDER);
  g_autoptr(AggResult) result = NULL;

  agg_test_station_set_up (&l->station, NULL);
  agg_test_load_demo (l->station.store);
  agg_test_import (l->station.store,
                   "{ \"products\": [ { \"gtin\": \"" GTIN "\","
                   " \"description\": \"Demo tablets 30 x 10 mg\","
                   " \"units_per_case\": 12, \"cases_per_pallet\": 4,"
                   " \"layer_rows\": 3, \"layer_cols\": 4 } ] }");
  l->line = agg_line_new (l->station.store);
  agg_test_log_in (l->line, "operator", "1111");
  start->code = g_strdup (ORDER);
  result = agg_line_execute_sync (l->line, start);
  g_assert_true (agg_result_is_ok (result));
}

static void
line_tear_down (Line *l)
{
  agg_test_assert_audit_intact (l->station.store);
  g_clear_object (&l->line);
  agg_test_station_tear_down (&l->station, NULL);
}

static AggResult *
submit (Line                 *l,
        const AggCameraImage *image)
{
  g_autoptr(AggRequest) request = agg_camera_image_to_request (image);

  return agg_line_execute_sync (l->line, request);
}

static void
test_layer_accept (Fixture       *f,
                   gconstpointer  data)
{
  g_autofree char *text = folder_config (f, NULL);
  g_autoptr(AggCamera) camera = camera_from (f, "top", text);
  g_autofree char *first = g_build_filename (f->watched, "0001.png", NULL);
  g_autofree char *second = g_build_filename (f->watched, "0002.png", NULL);
  g_autofree char *third = g_build_filename (f->watched, "0003.png", NULL);
  g_autoptr(AggResult) result = NULL;
  g_autofree char *sscc = NULL;
  Collector collector;
  JsonObject *layer;
  JsonArray *slots;
  Line l = { 0 };

  line_set_up (&l);
  collector_init (&collector, camera);
  agg_camera_start (camera);

  /* Every slot read: the whole case in one request, closed. */
  agg_test_write_layer (first, "C", -1, -1);
  result = submit (&l, collect (&collector, 1, "a full layer"));
  g_test_message ("%s", result->message);
  g_assert_cmpint (result->outcome, ==, AGG_OUTCOME_ACCEPTED);
  g_assert_true (json_object_get_boolean_member (result->details, "case_closed"));
  sscc = g_strdup (json_object_get_string_member (json_object_get_object_member (result->details,
                                                                                 "case"), "sscc"));
  g_assert_cmpint (agg_test_db_int (l.station.db, "SELECT count (*) FROM units u"
                                    " JOIN containers c ON c.id = u.parent_id"
                                    " WHERE c.sscc = ? AND c.status = 'closed'", sscc, NULL), ==,
                   ROWS * COLS);
  g_assert_cmpint (agg_test_db_int (l.station.db, "SELECT count (*) FROM case_images i"
                                    " JOIN containers c ON c.id = i.container_id"
                                    " WHERE c.sscc = ? AND i.camera = 'top' AND i.read_count = 12",
                                    sscc, NULL), ==, 1);
  {
    g_autofree char *path = agg_test_db_text (l.station.db, "SELECT path FROM case_images", NULL);

    g_assert_true (g_str_has_prefix (path, f->evidence));
    g_assert_true (g_file_test (path, G_FILE_TEST_IS_REGULAR));
  }
  g_clear_pointer (&result, agg_result_free);

  /* A layer with slot 5 empty and slot 7 a copy of slot 0: the others go
   * into a new case, 5 and 7 and 0 flagged. */
  agg_test_write_layer (second, "D", 5, 7);
  result = submit (&l, collect (&collector, 2, "a layer with a gap and a copy"));
  g_assert_cmpint (result->outcome, ==, AGG_OUTCOME_LAYER_INCOMPLETE);
  layer = json_object_get_object_member (result->details, "layer");
  slots = json_object_get_array_member (layer, "slots");
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (slots, 5),
                                                  "state"), ==, "empty");
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (slots, 7),
                                                  "outcome"), ==, "DUPLICATE_IN_THIS_CASE");
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (slots, 0),
                                                  "outcome"), ==, "DUPLICATE_IN_THIS_CASE");
  g_assert_cmpint (json_object_get_int_member (layer, "accepted"), ==, ROWS * COLS - 3);
  g_assert_false (json_object_get_boolean_member (result->details, "case_closed"));
  g_clear_pointer (&result, agg_result_free);

  /* The same layer as the first case's: every unit is already packed. */
  agg_test_write_layer (third, "C", -1, -1);
  result = submit (&l, collect (&collector, 3, "a layer already packed"));
  g_assert_cmpint (result->outcome, ==, AGG_OUTCOME_LAYER_INCOMPLETE);
  layer = json_object_get_object_member (result->details, "layer");
  g_assert_cmpint (json_object_get_int_member (layer, "refused"), ==, ROWS * COLS);
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (
                     json_object_get_array_member (layer, "slots"), 3), "outcome"), ==,
                   "ALREADY_AGGREGATED");

  agg_camera_stop (camera);
  g_ptr_array_unref (collector.images);
  line_tear_down (&l);
}

static void
test_retention (Fixture       *f,
                gconstpointer  data)
{
  g_autofree char *text = folder_config (f, "retention_count = 1\n");
  g_autoptr(AggCamera) camera = camera_from (f, "top", text);
  g_autoptr(GPtrArray) paths = g_ptr_array_new_with_free_func (g_free);
  gboolean removed = FALSE;
  gint64 deadline;
  Collector collector;
  Line l = { 0 };

  line_set_up (&l);
  collector_init (&collector, camera);
  agg_camera_start (camera);
  for (guint i = 0; i < 3; i++)
    {
      g_autofree char *path = g_strdup_printf ("%s/%04u.png", f->watched, i);
      g_autofree char *prefix = g_strdup_printf ("R%u", i);
      AggCameraImage *image;
      g_autoptr(AggResult) result = NULL;

      agg_test_write_layer (path, prefix, -1, -1);
      image = collect (&collector, i + 1, "an image");
      result = submit (&l, image);
      g_assert_cmpint (result->outcome, ==, AGG_OUTCOME_ACCEPTED);
      g_ptr_array_add (paths, g_strdup (image->evidence_path));
    }
  agg_camera_stop (camera);

  /* With the store, the camera applies its retention as it starts: the
   * newest image stays, the two before go, their rows marked. */
  agg_camera_set_store (camera, l.station.store);
  agg_camera_start (camera);
  deadline = g_get_monotonic_time () + WAIT_SECONDS * G_USEC_PER_SEC;
  while (!removed)
    {
      if (g_get_monotonic_time () > deadline)
        g_error ("waited %d s for the old evidence to go", WAIT_SECONDS);
      g_main_context_iteration (NULL, FALSE);
      removed = !g_file_test (g_ptr_array_index (paths, 0), G_FILE_TEST_EXISTS) &&
                !g_file_test (g_ptr_array_index (paths, 1), G_FILE_TEST_EXISTS);
      if (!removed)
        g_usleep (10000);
    }
  g_assert_true (g_file_test (g_ptr_array_index (paths, 2), G_FILE_TEST_IS_REGULAR));
  g_assert_cmpint (agg_test_db_int (l.station.db, "SELECT count (*) FROM case_images"
                                    " WHERE removed_at IS NOT NULL", NULL), ==, 2);
  g_assert_cmpint (agg_test_db_int (l.station.db, "SELECT count (*) FROM case_images"
                                    " WHERE removed_at IS NULL AND path = ?",
                                    (const char *) g_ptr_array_index (paths, 2), NULL), ==, 1);

  agg_camera_stop (camera);
  g_ptr_array_unref (collector.images);
  line_tear_down (&l);
}

/* Files and devices */

static void
test_file (Fixture       *f,
           gconstpointer  data)
{
  g_autofree char *image_path = g_build_filename (f->dir, "layer.png", NULL);
  g_autofree char *text = g_strdup_printf ("[camera:demo]\ntype = file\npath = %s\n"
                                           "evidence_dir = %s\n", image_path, f->evidence);
  g_autoptr(AggCamera) camera = camera_from (f, "demo", text);
  g_autoptr(AggCameraStatus) status = NULL;
  Collector collector;
  AggCameraImage *image;

  agg_test_write_layer (image_path, "F", -1, -1);
  collector_init (&collector, camera);

  /* Stopped, a trigger takes nothing and says so. */
  agg_camera_trigger (camera);
  status = agg_camera_dup_status (camera);
  g_assert_nonnull (status->last_error);
  g_clear_pointer (&status, agg_camera_status_free);

  agg_camera_start (camera);
  g_assert_cmpint (agg_camera_get_trigger (camera), ==, AGG_CAMERA_TRIGGER_BUTTON);
  /* Without a layout, no slots: every code is outside any. */
  agg_camera_trigger (camera);
  agg_camera_trigger (camera);
  image = collect (&collector, 2, "two images of the file");
  g_assert_cmpuint (image->result->codes->len, ==, ROWS * COLS);
  g_assert_cmpint (((AggDecodedCode *) g_ptr_array_index (image->result->codes, 0))->slot, ==, -1);
  /* The layout of the running order: slots again. */
  agg_camera_set_layout (camera, ROWS, COLS);
  agg_camera_trigger (camera);
  image = collect (&collector, 3, "an image with the order's layout");
  g_assert_cmpuint (image->rows, ==, ROWS);
  g_assert_cmpint (((AggDecodedCode *) g_ptr_array_index (image->result->codes, 0))->slot, ==, 0);
  g_assert_true (g_file_test (image_path, G_FILE_TEST_IS_REGULAR));
  status = agg_camera_dup_status (camera);
  g_assert_cmpuint (status->images, ==, 3);
  g_assert_cmpstr (status->state, ==, "idle");
  agg_camera_stop (camera);
  g_ptr_array_unref (collector.images);
}

static void
status_changed_cb (AggCamera *camera,
                   gboolean  *settled)
{
  g_autoptr(AggCameraStatus) status = agg_camera_dup_status (camera);

  *settled = strcmp (status->state, "idle") == 0 || strcmp (status->state, "error") == 0;
}

/* A device camera from @text: started, connected, one image taken. */
static void
take_frame (Fixture    *f,
            const char *text,
            guint       width,
            guint       height)
{
  g_autoptr(AggCamera) camera = camera_from (f, "dev", text);
  g_autoptr(AggCameraStatus) status = NULL;
  gboolean settled = FALSE;
  Collector collector;
  AggCameraImage *image;

  collector_init (&collector, camera);
  g_signal_connect (camera, "status-changed", G_CALLBACK (status_changed_cb), &settled);
  agg_camera_start (camera);
  wait_for (&settled, "the camera to connect");
  status = agg_camera_dup_status (camera);
  if (!status->connected)
    {
      g_autofree char *message = g_strdup_printf ("the camera does not work here: %s",
                                                  status->last_error);

      agg_camera_stop (camera);
      g_ptr_array_unref (collector.images);
      g_test_skip (message);
      return;
    }
  g_signal_handlers_disconnect_by_func (camera, status_changed_cb, &settled);

  agg_camera_trigger (camera);
  image = collect (&collector, 1, "a frame");
  g_assert_nonnull (image->gray);
  g_assert_cmpuint (image->width, ==, width);
  g_assert_cmpuint (image->height, ==, height);
  g_assert_cmpuint (g_bytes_get_size (image->gray), ==, (gsize) width * height);
  g_assert_cmpuint (image->result->width, ==, width);
  /* The frame is kept as a PNG that reads back at its size. */
  g_assert_nonnull (image->evidence_path);
  g_assert_true (g_str_has_suffix (image->evidence_path, ".png"));
  {
    g_autoptr(GdkPixbuf) kept = gdk_pixbuf_new_from_file (image->evidence_path, NULL);

    g_assert_nonnull (kept);
    g_assert_cmpint (gdk_pixbuf_get_width (kept), ==, width);
  }
  agg_camera_stop (camera);
  g_ptr_array_unref (collector.images);
}

static void
test_aravis_fake (Fixture       *f,
                  gconstpointer  data)
{
  g_autofree char *text = g_strdup_printf ("[camera:dev]\ntype = aravis\ndevice = Fake_1\n"
                                           "trigger = button\nevidence_dir = %s\n", f->evidence);

  /* Aravis' simulated GenICam camera streams 512 × 512 by default. */
  take_frame (f, text, 512, 512);
}

static void
test_uvc_test_source (Fixture       *f,
                      gconstpointer  data)
{
  g_autofree char *text = g_strdup_printf ("[camera:dev]\ntype = uvc\nsource = videotestsrc\n"
                                           "width = 320\nheight = 240\ntrigger = button\n"
                                           "evidence_dir = %s\n", f->evidence);

  take_frame (f, text, 320, 240);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  if (g_getenv ("AGG_DECODE_HELPER") == NULL)
    {
      g_print ("1..0 # SKIP AGG_DECODE_HELPER is not set: run through meson test\n");
      return 77;
    }

  g_test_add ("/camera/config/errors", Fixture, NULL, fixture_set_up, test_config_errors,
              fixture_tear_down);
  g_test_add ("/camera/folder", Fixture, NULL, fixture_set_up, test_folder, fixture_tear_down);
  g_test_add ("/camera/file", Fixture, NULL, fixture_set_up, test_file, fixture_tear_down);
  g_test_add ("/camera/layer/accept", Fixture, NULL, fixture_set_up, test_layer_accept,
              fixture_tear_down);
  g_test_add ("/camera/evidence/retention", Fixture, NULL, fixture_set_up, test_retention,
              fixture_tear_down);
  g_test_add ("/camera/source/aravis-fake", Fixture, NULL, fixture_set_up, test_aravis_fake,
              fixture_tear_down);
  g_test_add ("/camera/source/gstreamer-videotestsrc", Fixture, NULL, fixture_set_up,
              test_uvc_test_source, fixture_tear_down);
  return g_test_run ();
}
