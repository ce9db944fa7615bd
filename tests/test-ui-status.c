/* test-ui-status.c: the status page, its reconciliation and the close of
 * a work order
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The page sits alone in a window on a fresh demo line.  The line's work
 * is done straight through the engine, as the case page would do it; the
 * page is driven through its actions and its dialogs' responses, and what
 * it shows is checked against the database.  Screenshots go to the build
 * directory.
 */

#include "config.h"

#include <adwaita.h>
#include <string.h>

#include "agg-signature-dialog.h"
#include "agg-status-page.h"
#include "agg-test-utils.h"

/* The demo line: see agg_import_demo(). */
#define GTIN           "09506000134352"
#define EXPIRY         "281231"
#define LOT            "DEMO01"
#define OTHER_LOT      "DEMO02"
#define ORDER          "WO-DEMO-1"
#define UNITS_PER_CASE 12

#define WAIT_SECONDS 5

typedef struct
{
  AggTestStation  station;
  AggLine        *line;
  GtkWindow      *window;
  AggStatusPage  *page;
} Fixture;

/* Waiting */

static gboolean
tick_cb (gpointer user_data)
{
  return G_SOURCE_CONTINUE;
}

/* Runs the main loop until @condition holds, or fails the test after
 * WAIT_SECONDS.  The tick wakes the loop up to look again. */
#define wait_until(condition) \
  G_STMT_START \
    { \
      gint64 deadline_ = g_get_monotonic_time () + WAIT_SECONDS * G_USEC_PER_SEC; \
      guint tick_ = g_timeout_add (10, tick_cb, NULL); \
      while (!(condition) && g_get_monotonic_time () < deadline_) \
        g_main_context_iteration (NULL, TRUE); \
      g_source_remove (tick_); \
      if (!(condition)) \
        g_test_message ("still false after %d s", WAIT_SECONDS); \
      g_assert_true (condition); \
    } \
  G_STMT_END

static void
painted_cb (GdkFrameClock *clock,
            gboolean      *painted)
{
  *painted = TRUE;
}

/* Until a frame with everything asked so far is on the screen. */
static void
wait_for_frame (GtkWidget *widget)
{
  GdkFrameClock *clock = gtk_widget_get_frame_clock (widget);
  gboolean painted = FALSE;
  gulong id;

  g_assert_nonnull (clock);
  id = g_signal_connect (clock, "after-paint", G_CALLBACK (painted_cb), &painted);
  gtk_widget_queue_draw (widget);
  wait_until (painted);
  g_signal_handler_disconnect (clock, id);
}

/* The widget tree */

/* The text of every visible label under @widget, one per line. */
static void
append_text (GtkWidget *widget,
             GString   *text)
{
  if (!gtk_widget_get_visible (widget))
    return;
  if (GTK_IS_LABEL (widget))
    g_string_append_printf (text, "%s\n", gtk_label_get_text (GTK_LABEL (widget)));

  for (GtkWidget *child = gtk_widget_get_first_child (widget);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    append_text (child, text);
}

static char *
dup_text (GtkWidget *widget)
{
  GString *text = g_string_new (NULL);

  append_text (widget, text);
  return g_string_free (text, FALSE);
}

/* The first visible button under @widget labelled @label. */
static GtkWidget *
find_button (GtkWidget  *widget,
             const char *label)
{
  if (!gtk_widget_get_visible (widget))
    return NULL;
  if (GTK_IS_BUTTON (widget) && g_strcmp0 (gtk_button_get_label (GTK_BUTTON (widget)), label) == 0)
    return widget;

  for (GtkWidget *child = gtk_widget_get_first_child (widget);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = find_button (child, label);

      if (found != NULL)
        return found;
    }
  return NULL;
}

/* The one visible message dialog with @heading, if there is one. */
static AdwMessageDialog *
find_dialog (const char *heading)
{
  g_autoptr(GList) toplevels = gtk_window_list_toplevels ();

  for (GList *l = toplevels; l != NULL; l = l->next)
    if (ADW_IS_MESSAGE_DIALOG (l->data) && gtk_widget_get_visible (l->data) &&
        g_strcmp0 (adw_message_dialog_get_heading (l->data), heading) == 0)
      return l->data;
  return NULL;
}

/* Taps @dialog's response button labelled @label (with its mnemonic),
 * which answers and closes it as a finger does. */
static void
respond (AdwMessageDialog *dialog,
         const char       *label)
{
  GtkWidget *button = find_button (GTK_WIDGET (dialog), label);

  g_assert_nonnull (button);
  g_assert_true (gtk_widget_is_sensitive (button));
  g_signal_emit_by_name (button, "clicked");
}

/* Screenshots */

static void
save_screenshot (GtkWidget  *widget,
                 const char *name)
{
  GskRenderer *renderer = gtk_native_get_renderer (GTK_NATIVE (widget));
  int width, height;
  g_autoptr(GdkPaintable) paintable = NULL;
  g_autoptr(GtkSnapshot) snapshot = NULL;
  g_autoptr(GskRenderNode) node = NULL;
  g_autoptr(GdkTexture) texture = NULL;
  g_autofree char *path = NULL;

  wait_for_frame (widget);
  width = gtk_widget_get_width (widget);
  height = gtk_widget_get_height (widget);
  g_assert_cmpint (width, >, 0);
  g_assert_cmpint (height, >, 0);

  paintable = gtk_widget_paintable_new (widget);
  snapshot = gtk_snapshot_new ();
  gdk_paintable_snapshot (paintable, GDK_SNAPSHOT (snapshot), width, height);
  node = gtk_snapshot_to_node (snapshot);
  g_assert_nonnull (node);
  texture = gsk_renderer_render_texture (renderer, node,
                                         &GRAPHENE_RECT_INIT (0, 0, width, height));

  path = g_test_build_filename (G_TEST_BUILT, name, NULL);
  g_assert_true (gdk_texture_save_to_png (texture, path));
  g_test_message ("screenshot: %s", path);
}

/* Accessible names: as in test-ui-station.c, a control's own label
 * property, else that of the widget it is labelled by. */

static gboolean
has_label (GtkWidget *widget)
{
  g_autofree char *differs = NULL;

  if (!gtk_test_accessible_has_property (GTK_ACCESSIBLE (widget), GTK_ACCESSIBLE_PROPERTY_LABEL))
    return FALSE;
  differs = gtk_test_accessible_check_property (GTK_ACCESSIBLE (widget),
                                                GTK_ACCESSIBLE_PROPERTY_LABEL, "");
  return differs != NULL;
}

static gboolean
labelled_by_label (GtkWidget *widget,
                   GtkWidget *root)
{
  g_autofree char *differs = NULL;

  differs = gtk_test_accessible_check_relation (GTK_ACCESSIBLE (widget),
                                                GTK_ACCESSIBLE_RELATION_LABELLED_BY,
                                                root, NULL);
  if (differs == NULL)
    return has_label (root);

  for (GtkWidget *child = gtk_widget_get_first_child (root);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    if (labelled_by_label (widget, child))
      return TRUE;
  return FALSE;
}

static gboolean
is_control (GtkWidget *widget)
{
  return GTK_IS_BUTTON (widget) ||
         GTK_IS_CHECK_BUTTON (widget) ||
         GTK_IS_DROP_DOWN (widget) ||
         GTK_IS_ENTRY (widget) ||
         GTK_IS_MENU_BUTTON (widget) ||
         GTK_IS_PASSWORD_ENTRY (widget) ||
         GTK_IS_SCALE (widget) ||
         GTK_IS_SEARCH_ENTRY (widget) ||
         GTK_IS_SPIN_BUTTON (widget) ||
         GTK_IS_SWITCH (widget);
}

static void
collect_unnamed (GtkWidget *widget,
                 GtkWidget *window,
                 GString   *unnamed)
{
  if (!gtk_widget_get_visible (widget))
    return;

  if (is_control (widget))
    {
      if (!has_label (widget) &&
          !(gtk_test_accessible_has_relation (GTK_ACCESSIBLE (widget),
                                              GTK_ACCESSIBLE_RELATION_LABELLED_BY) &&
            labelled_by_label (widget, window)))
        {
          const char *tooltip = gtk_widget_get_tooltip_text (widget);

          g_string_append_printf (unnamed, "%s%s%s%s%s",
                                  unnamed->len > 0 ? ", " : "",
                                  G_OBJECT_TYPE_NAME (widget),
                                  tooltip != NULL ? " (tooltip \"" : "",
                                  tooltip != NULL ? tooltip : "",
                                  tooltip != NULL ? "\")" : "");
        }
      return;
    }

  for (GtkWidget *child = gtk_widget_get_first_child (widget);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    collect_unnamed (child, window, unnamed);
}

static void
assert_controls_named (GtkWidget *window)
{
  g_autoptr(GString) unnamed = g_string_new (NULL);

  collect_unnamed (window, window, unnamed);
  if (unnamed->len > 0)
    g_error ("controls without an accessible name: %s", unnamed->str);
}

/* The line, straight through the engine */

static void
execute (Fixture    *f,
         AggRequest *request,
         AggOutcome  expected)
{
  g_autoptr(AggRequest) owned = request;
  g_autoptr(AggResult) result = agg_line_execute_sync (f->line, owned);

  g_assert_nonnull (result);
  if (result->outcome != expected)
    g_test_message ("%s: %s", agg_outcome_to_string (result->outcome), result->message);
  g_assert_cmpstr (agg_outcome_to_string (result->outcome), ==, agg_outcome_to_string (expected));
}

static void
log_in (Fixture    *f,
        const char *user,
        const char *pin)
{
  AggRequest *request = agg_request_new (AGG_ACTION_LOGIN);

  request->user = g_strdup (user);
  request->pin = g_strdup (pin);
  execute (f, request, AGG_OUTCOME_ACCEPTED);
}

static void
start_order (Fixture *f)
{
  AggRequest *request = agg_request_new (AGG_ACTION_START_ORDER);

  request->code = g_strdup (ORDER);
  execute (f, request, AGG_OUTCOME_ACCEPTED);
}

static void
scan_unit (Fixture    *f,
           const char *lot,
           guint       serial,
           AggOutcome  expected)
{
  AggRequest *request = agg_request_new (AGG_ACTION_SCAN);

  request->data = g_strdup_printf ("]d201" GTIN "17" EXPIRY "10%s\x1d" "21SN%04u", lot, serial);
  request->data_len = strlen (request->data);
  request->source = g_strdup ("test");
  execute (f, request, expected);
}

/* The page */

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  agg_test_station_set_up (&f->station, data);
  agg_test_load_demo (f->station.store);
  f->line = agg_line_new (f->station.store);

  f->window = GTK_WINDOW (gtk_window_new ());
  gtk_window_set_default_size (f->window, 1280, 800);
  f->page = g_object_new (AGG_TYPE_STATUS_PAGE, NULL);
  agg_status_page_set_line (f->page, f->line);
  gtk_window_set_child (f->window, GTK_WIDGET (f->page));
  gtk_window_present (f->window);
  wait_until (gtk_widget_get_mapped (GTK_WIDGET (f->page)));
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  gtk_window_destroy (f->window);
  while (g_main_context_iteration (NULL, FALSE))
    ;
  g_clear_object (&f->line);
  agg_test_station_tear_down (&f->station, data);
}

static gint64
get_int64 (Fixture    *f,
           const char *property)
{
  gint64 value;

  g_object_get (f->page, property, &value, NULL);
  return value;
}

static gboolean
has_string (Fixture    *f,
            const char *property,
            const char *expected)
{
  g_autofree char *value = NULL;

  g_object_get (f->page, property, &value, NULL);
  return g_strcmp0 (value, expected) == 0;
}

static gboolean
shows (GtkWidget  *widget,
       const char *needle)
{
  g_autofree char *text = dup_text (widget);

  return strstr (text, needle) != NULL;
}

static void
assert_order_status (Fixture    *f,
                     const char *expected)
{
  g_autofree char *status = agg_test_db_text (f->station.db,
                                               "SELECT status FROM work_orders WHERE id = ?",
                                               ORDER, NULL);

  g_assert_cmpstr (status, ==, expected);
}

static gint64
db_pending (Fixture *f)
{
  return agg_test_db_int (f->station.db, "SELECT count (*) FROM events WHERE status = 'pending'",
                          NULL);
}

/* Picks @user and types @pin on the signature dialog's pad, as a
 * supervisor does, then signs. */
static void
sign (AdwMessageDialog *dialog,
      const char       *full_name,
      const char       *pin)
{
  GtkWidget *signer;

  wait_until (find_button (GTK_WIDGET (dialog), full_name) != NULL);
  signer = find_button (GTK_WIDGET (dialog), full_name);
  gtk_toggle_button_set_active (GTK_TOGGLE_BUTTON (signer), TRUE);
  for (const char *p = pin; *p != '\0'; p++)
    {
      char key[2] = { *p, '\0' };
      GtkWidget *button = find_button (GTK_WIDGET (dialog), key);

      g_assert_nonnull (button);
      g_signal_emit_by_name (button, "clicked");
    }
  g_assert_cmpstr (agg_signature_dialog_get_pin (AGG_SIGNATURE_DIALOG (dialog)), ==, pin);
  respond (dialog, "_Sign");
}

/* Tests */

static void
test_nothing_running (Fixture       *f,
                      gconstpointer  data)
{
  GtkWidget *page = GTK_WIDGET (f->page);
  GtkWidget *close_button;

  /* No session: the station's figures still show, the order's do not. */
  wait_until (shows (page, "No work order is running"));
  g_assert_cmpint (get_int64 (f, "units-total"), ==, 0);
  g_assert_true (has_string (f, "running-order", NULL));
  g_assert_true (shows (page, "No readers, printers or PLC configured"));
  g_assert_true (shows (page, "Not sent yet: the upload comes with the sync configuration"));

  close_button = find_button (page, "Close order…");
  g_assert_nonnull (close_button);
  g_assert_false (gtk_widget_is_sensitive (close_button));
  g_assert_false (gtk_widget_is_sensitive (find_button (page, "Suspend order")));
  assert_controls_named (GTK_WIDGET (f->window));
}

static void
test_reconcile_and_close (Fixture       *f,
                          gconstpointer  data)
{
  GtkWidget *page = GTK_WIDGET (f->page);
  AdwMessageDialog *dialog;
  AggRequest *request;
  g_autofree char *body = NULL;

  /* One full case, two units in the next, and a unit of another lot. */
  log_in (f, "operator", "1111");
  start_order (f);
  for (guint i = 1; i <= UNITS_PER_CASE + 2; i++)
    scan_unit (f, LOT, i, AGG_OUTCOME_ACCEPTED);
  scan_unit (f, OTHER_LOT, 99, AGG_OUTCOME_WRONG_LOT);

  g_assert_true (gtk_widget_activate_action (page, "status.refresh", NULL));
  wait_until (get_int64 (f, "units-total") == UNITS_PER_CASE + 2 &&
              get_int64 (f, "aggregated") == UNITS_PER_CASE + 2 &&
              has_string (f, "running-order", ORDER));
  g_assert_cmpint (db_pending (f), >, 0);
  g_assert_cmpint (get_int64 (f, "events-pending"), ==, db_pending (f));
  g_assert_true (shows (page, "Reconciliation of " ORDER));
  g_assert_true (shows (page, "Wrong lot\n1\n"));
  g_assert_true (shows (page, "Cases and pallets open\n1\n"));
  g_assert_true (shows (page, "No readers, printers or PLC configured"));
  save_screenshot (GTK_WIDGET (f->window), "screenshot-status.png");
  assert_controls_named (GTK_WIDGET (f->window));

  /* A reason from the presets, and the engine names the open case. */
  g_assert_true (gtk_widget_activate_action (page, "status.close-order", "s", ""));
  wait_until ((dialog = find_dialog ("Close the order?")) != NULL);
  g_assert_nonnull (strstr (adw_message_dialog_get_body (dialog), ORDER));
  assert_controls_named (GTK_WIDGET (dialog));
  respond (dialog, "Order complete");
  wait_until (has_string (f, "last-outcome", "OPEN_CONTAINERS"));
  wait_until ((dialog = find_dialog ("The order cannot close yet")) != NULL);
  body = g_strdup (adw_message_dialog_get_body (dialog));
  g_assert_nonnull (strstr (body, ORDER));
  g_assert_true (shows (GTK_WIDGET (dialog), "1 case or pallet open"));
  respond (dialog, "_Close");
  wait_until (find_dialog ("The order cannot close yet") == NULL);
  assert_order_status (f, "running");

  /* The supervisor signs the open case off as partial. */
  request = agg_request_new (AGG_ACTION_CLOSE_CASE);
  request->reason = g_strdup ("End of lot");
  request->signer = g_strdup ("supervisor");
  request->signer_pin = g_strdup ("2222");
  execute (f, request, AGG_OUTCOME_ACCEPTED);
  g_assert_true (gtk_widget_activate_action (page, "status.refresh", NULL));
  wait_until (shows (page, "Cases and pallets open\n0\n") &&
              get_int64 (f, "events-pending") == db_pending (f));
  save_screenshot (GTK_WIDGET (f->window), "screenshot-reconciliation.png");

  /* Now the order closes, under signature; a wrong PIN is asked again. */
  g_assert_true (gtk_widget_activate_action (page, "status.close-order", "s", "Order complete"));
  wait_until (has_string (f, "last-outcome", "SIGNATURE_REQUIRED"));
  wait_until ((dialog = find_dialog ("Supervisor signature")) != NULL);
  g_assert_nonnull (strstr (adw_message_dialog_get_body (dialog), ORDER));
  sign (dialog, "Demo Supervisor", "9999");
  wait_until (has_string (f, "last-outcome", "BAD_CREDENTIALS"));
  wait_until ((dialog = find_dialog ("Supervisor signature")) != NULL &&
              shows (GTK_WIDGET (dialog), "wrong user or PIN"));
  assert_controls_named (GTK_WIDGET (dialog));
  assert_order_status (f, "running");

  sign (dialog, "Demo Supervisor", "2222");
  wait_until (has_string (f, "last-outcome", "ACCEPTED"));
  assert_order_status (f, "closed");
  g_assert_cmpint (agg_test_db_int (f->station.db,
                                    "SELECT count (*) FROM audit WHERE action = 'order.reconciliation'"
                                    " AND object = ? AND signer = 'supervisor'", ORDER, NULL),
                   ==, 1);

  /* Closed, the order no longer runs; its figures stay on the page. */
  wait_until (has_string (f, "running-order", NULL));
  wait_until (shows (page, "This order is no longer running"));
  g_assert_cmpint (get_int64 (f, "aggregated"), ==, UNITS_PER_CASE + 2);
  g_assert_false (gtk_widget_is_sensitive (find_button (page, "Close order…")));
}

int
main (int    argc,
      char **argv)
{
  g_autoptr(GtkCssProvider) style = NULL;

  gtk_test_init (&argc, &argv, NULL);
  adw_init ();

  /* The station's style sheet, as its AdwApplication loads it. */
  style = gtk_css_provider_new ();
  gtk_css_provider_load_from_resource (style, "/io/github/aggstation/Station/style.css");
  gtk_style_context_add_provider_for_display (gdk_display_get_default (),
                                              GTK_STYLE_PROVIDER (style),
                                              GTK_STYLE_PROVIDER_PRIORITY_APPLICATION);

  /* Screenshots of a finished state, never of a transition. */
  g_object_set (gtk_settings_get_default (), "gtk-enable-animations", FALSE, NULL);

  g_test_add ("/ui/status/nothing-running", Fixture, NULL,
              fixture_set_up, test_nothing_running, fixture_tear_down);
  g_test_add ("/ui/status/reconcile-and-close", Fixture, NULL,
              fixture_set_up, test_reconcile_and_close, fixture_tear_down);

  return g_test_run ();
}
