/* test-ui-camera.c: the camera's view on the case station
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The real window on a demo line whose product is packed in layers of
 * 3 × 4, a camera that reads a generated layer image through the real
 * decoder, and the engine behind it: the picture shows the count read,
 * a tap on the red slot arms it, and the handheld's scan fills it.
 */

#include "config.h"

#include <adwaita.h>
#include <glib/gi18n.h>
#include <string.h>

#include "agg-camera.h"
#include "agg-camera-view.h"
#include "agg-case-page.h"
#include "agg-line-private.h"
#include "agg-login-page.h"
#include "agg-supervisor-page.h"
#include "agg-test-layer.h"
#include "agg-test-ui.h"
#include "agg-window.h"

#define ORDER "WO-DEMO-1"
/* Decoding runs in a helper process: more time than a widget needs. */
#define WAIT_IMAGE_SECONDS 30

typedef struct
{
  AggTestStation  station;
  AggLine        *line;
  AggWindow      *window;
  AggCamera      *camera;
  AggConfig      *config;
  char           *dir;
} Fixture;

static AggCasePage *
case_page (Fixture *f)
{
  GtkWidget *page = agg_test_find_widget (GTK_WIDGET (f->window), AGG_TYPE_CASE_PAGE);

  g_assert_nonnull (page);
  return AGG_CASE_PAGE (page);
}

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  g_autofree char *image = NULL;
  g_autofree char *text = NULL;
  g_autoptr(GError) error = NULL;

  f->line = agg_test_ui_set_up (&f->station, data);
  agg_test_import (f->station.store,
                   "{ \"products\": [ { \"gtin\": \"" AGG_TEST_LAYER_GTIN "\","
                   " \"description\": \"Demo tablets 30 x 10 mg\","
                   " \"units_per_case\": 12, \"cases_per_pallet\": 4,"
                   " \"layer_rows\": 3, \"layer_cols\": 4 } ] }");

  /* A camera the operator triggers, on an image with slot 5 empty. */
  f->dir = agg_test_make_tmpdir ("test-ui-camera");
  image = g_build_filename (f->dir, "layer.png", NULL);
  agg_test_write_layer (image, "V", 5, -1);
  text = g_strdup_printf ("[camera:top]\ntype = file\npath = %s\nevidence_dir = %s/evidence\n",
                          image, f->dir);
  f->config = agg_config_load_data (text, strlen (text), "station.conf", &error);
  g_assert_no_error (error);
  f->camera = agg_camera_new_from_config (f->config, "top", &error);
  g_assert_no_error (error);

  f->window = agg_window_new (NULL);
  agg_window_set_line (f->window, f->line, NULL);
  gtk_window_present (GTK_WINDOW (f->window));
  agg_test_wait_until (gtk_widget_get_mapped (GTK_WIDGET (f->window)));
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  agg_camera_stop (f->camera);
  agg_case_page_set_camera (case_page (f), NULL);
  g_clear_object (&f->camera);
  g_clear_pointer (&f->config, agg_config_unref);
  agg_test_ui_tear_down (&f->station, &f->line, GTK_WINDOW (f->window), data);
  agg_test_remove_tree (f->dir);
  g_free (f->dir);
}

static gboolean
label_is (GtkWidget  *root,
          const char *text)
{
  g_autofree char *all = agg_test_dup_text (root);

  return strstr (all, text) != NULL;
}

static void
log_in_and_start (Fixture *f)
{
  GtkWidget *login = agg_test_find_widget (GTK_WIDGET (f->window), AGG_TYPE_LOGIN_PAGE);
  g_auto(GStrv) users = NULL;
  guint pending = 1;

  for (gint64 deadline = g_get_monotonic_time () + AGG_TEST_WAIT_SECONDS * G_USEC_PER_SEC;
       (users == NULL || users[0] == NULL) && g_get_monotonic_time () < deadline;)
    {
      g_clear_pointer (&users, g_strfreev);
      g_main_context_iteration (NULL, FALSE);
      g_object_get (login, "usernames", &users, NULL);
    }
  g_assert_true (gtk_widget_activate_action (login, "login.user", "s", "operator"));
  for (const char *p = "1111"; *p != '\0'; p++)
    g_assert_true (gtk_widget_activate_action (login, "login.digit", "i", *p - '0'));
  g_assert_true (gtk_widget_activate_action (login, "login.submit", NULL));
  agg_test_wait_until (g_strcmp0 (agg_line_get_username (f->line), "operator") == 0);
  agg_test_wait_until (gtk_widget_get_mapped (GTK_WIDGET (case_page (f))));

  g_object_set (case_page (f), "order-id", ORDER, NULL);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (case_page (f)), "case.start-order",
                                             NULL));
  agg_test_wait_until ((g_object_get (case_page (f), "pending", &pending, NULL), pending == 0));
}

/* The click gesture of the image, as a finger's tap reaches it. */
static void
tap (AggCameraView *view,
     double         x,
     double         y)
{
  GtkWidget *area = agg_test_find_widget (GTK_WIDGET (view), GTK_TYPE_DRAWING_AREA);
  g_autoptr(GListModel) controllers = gtk_widget_observe_controllers (area);

  for (guint i = 0; i < g_list_model_get_n_items (controllers); i++)
    {
      g_autoptr(GObject) controller = g_list_model_get_item (controllers, i);

      if (GTK_IS_GESTURE_CLICK (controller))
        {
          g_signal_emit_by_name (controller, "pressed", 1, x, y);
          return;
        }
    }
  g_assert_not_reached ();
}

static void
test_take_and_fill (Fixture       *f,
                    gconstpointer  data)
{
  AggCameraView *view;
  GtkWidget *button;
  double x, y;
  guint count = 0;
  g_autofree char *code = NULL;
  gint64 deadline;

  log_in_and_start (f);
  view = agg_case_page_get_camera_view (case_page (f));
  g_assert_false (gtk_widget_get_visible (GTK_WIDGET (view)));

  agg_case_page_set_camera (case_page (f), f->camera);
  agg_camera_start (f->camera);
  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (view)));

  /* The operator's button takes the picture. */
  button = agg_test_find_button (GTK_WIDGET (view), _("Take picture"));
  g_assert_nonnull (button);
  g_signal_emit_by_name (button, "clicked");

  /* Eleven of twelve in the case, the twelfth slot red. */
  deadline = g_get_monotonic_time () + WAIT_IMAGE_SECONDS * G_USEC_PER_SEC;
  while (!label_is (GTK_WIDGET (view), "11 of 12\n") && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);
  g_assert_true (label_is (GTK_WIDGET (view), "11 of 12\n"));
  agg_test_wait_until ((g_object_get (case_page (f), "count", &count, NULL), count == 11));
  g_assert_true (label_is (GTK_WIDGET (view), _("Tap a red slot, then scan its unit with the handheld")));
  g_assert_cmpint (agg_test_db_int (f->station.db, "SELECT count (*) FROM case_images"
                                    " WHERE camera = 'top' AND read_count = 11", NULL), ==, 1);
  agg_test_wait_for_frame (GTK_WIDGET (f->window));
  agg_test_save_screenshot (GTK_WIDGET (f->window), "camera.png");

  /* A tap on a green slot does nothing; on the red one it arms it. */
  g_assert_true (agg_camera_view_get_slot_center (view, 0, &x, &y));
  tap (view, x, y);
  g_assert_cmpint (agg_camera_view_get_armed_slot (view), ==, -1);
  g_assert_true (agg_camera_view_get_slot_center (view, 5, &x, &y));
  g_assert_cmpint (agg_camera_view_slot_at (view, x, y), ==, 5);
  tap (view, x, y);
  g_assert_cmpint (agg_camera_view_get_armed_slot (view), ==, 5);
  g_assert_true (label_is (GTK_WIDGET (view), "Row 2, place 2"));

  /* The handheld's scan of unit V06 is a normal scan that fills it. */
  code = g_strdup_printf ("]d201" AGG_TEST_LAYER_GTIN "17" AGG_TEST_LAYER_EXPIRY "10"
                          AGG_TEST_LAYER_LOT "\x1d" "21V06");
  agg_window_scan (f->window, code, strlen (code));
  agg_test_wait_until (label_is (GTK_WIDGET (view), "12 of 12"));
  g_assert_cmpint (agg_camera_view_get_armed_slot (view), ==, -1);
  g_assert_cmpint (agg_test_db_int (f->station.db, "SELECT count (*) FROM containers"
                                    " WHERE kind = 'case' AND status = 'closed'", NULL), ==, 1);
  agg_test_assert_controls_named (GTK_WIDGET (f->window));
}

/* A visible window that is neither @one nor @other. */
static GtkWidget *
third_window (GtkWidget *one,
              GtkWidget *other)
{
  GListModel *toplevels = gtk_window_get_toplevels ();

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr(GtkWidget) window = g_list_model_get_item (toplevels, i);

      if (window != one && window != other && gtk_widget_get_visible (window))
        return window;
    }
  return NULL;
}

static gboolean
record_is (GtkWidget  *page,
           const char *code)
{
  g_autofree char *shown = NULL;

  g_object_get (page, "record-code", &shown, NULL);
  return g_strcmp0 (shown, code) == 0;
}

/* The supervisor's view of the case shows its image with the overlay. */
static void
test_supervisor_images (Fixture       *f,
                        gconstpointer  data)
{
  g_autofree char *sscc = NULL;
  GtkWindow *window;
  GtkWidget *page, *button, *viewer = NULL, *view;
  guint pending = 1;
  gint64 deadline;

  log_in_and_start (f);
  agg_case_page_set_camera (case_page (f), f->camera);
  agg_camera_start (f->camera);
  g_signal_emit_by_name (agg_test_find_button (GTK_WIDGET (agg_case_page_get_camera_view (case_page (f))),
                                               _("Take picture")), "clicked");
  deadline = g_get_monotonic_time () + WAIT_IMAGE_SECONDS * G_USEC_PER_SEC;
  while (agg_test_db_int (f->station.db, "SELECT count (*) FROM case_images", NULL) == 0 &&
         g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, FALSE);
  agg_test_wait_until ((g_object_get (case_page (f), "pending", &pending, NULL), pending == 0));
  g_object_get (case_page (f), "sscc", &sscc, NULL);
  g_assert_nonnull (sscc);

  window = GTK_WINDOW (adw_window_new ());
  gtk_window_set_default_size (window, 1280, 800);
  page = g_object_new (AGG_TYPE_SUPERVISOR_PAGE, NULL);
  agg_supervisor_page_set_line (AGG_SUPERVISOR_PAGE (page), f->line);
  adw_window_set_content (ADW_WINDOW (window), page);
  gtk_window_present (window);
  agg_test_wait_until (gtk_widget_get_mapped (page));
  g_assert_true (gtk_widget_activate_action (page, "supervisor.lookup", "s", sscc));
  agg_test_wait_until (record_is (page, sscc));

  button = agg_test_find_button (page, "Images (1)");
  g_assert_nonnull (button);
  g_signal_emit_by_name (button, "clicked");
  agg_test_wait_until ((viewer = third_window (GTK_WIDGET (window),
                                               GTK_WIDGET (f->window))) != NULL);
  view = agg_test_find_widget (viewer, AGG_TYPE_CAMERA_VIEW);
  g_assert_nonnull (view);
  agg_test_wait_until (label_is (view, "11 of 12\n"));
  agg_test_save_screenshot (viewer, "camera-evidence.png");
  gtk_window_destroy (GTK_WINDOW (viewer));
  gtk_window_destroy (window);
}

int
main (int    argc,
      char **argv)
{
  agg_test_ui_init (&argc, &argv);

  if (g_getenv ("AGG_DECODE_HELPER") == NULL)
    {
      g_print ("1..0 # SKIP AGG_DECODE_HELPER is not set: run through meson test\n");
      return 77;
    }

  g_test_add ("/ui/camera/take-and-fill", Fixture, NULL, fixture_set_up, test_take_and_fill,
              fixture_tear_down);
  g_test_add ("/ui/camera/supervisor-images", Fixture, NULL, fixture_set_up,
              test_supervisor_images, fixture_tear_down);
  return g_test_run ();
}
