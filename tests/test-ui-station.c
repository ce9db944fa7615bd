/* test-ui-station.c: the station window as an operator uses it
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Each test builds the real window on a fresh demo line, drives it through
 * the actions its buttons use, and waits, within a few seconds, for what
 * the screen then shows.  The window has no application: one would open
 * the station's own database when it starts.  Screenshots of the steps go
 * to the build directory.
 */

#include "config.h"

#include <adwaita.h>
#include <string.h>

#include "agg-case-page.h"
#include "agg-login-page.h"
#include "agg-test-utils.h"
#include "agg-window.h"

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
  AggWindow      *window;
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

/* The first visible widget under @widget (itself included) of @type. */
static GtkWidget *
find_widget (GtkWidget *widget,
             GType      type)
{
  if (!gtk_widget_get_visible (widget))
    return NULL;
  if (G_TYPE_CHECK_INSTANCE_TYPE (widget, type))
    return widget;

  for (GtkWidget *child = gtk_widget_get_first_child (widget);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = find_widget (child, type);

      if (found != NULL)
        return found;
    }
  return NULL;
}

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

/* The same, under the widgets with @css_class. */
static void
append_text_of_class (GtkWidget  *widget,
                      const char *css_class,
                      GString    *text)
{
  if (gtk_widget_has_css_class (widget, css_class))
    {
      append_text (widget, text);
      return;
    }

  for (GtkWidget *child = gtk_widget_get_first_child (widget);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    append_text_of_class (child, css_class, text);
}

/* Screenshots */

static void
save_screenshot (Fixture    *f,
                 const char *name)
{
  GtkWidget *widget = GTK_WIDGET (f->window);
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

/* Accessible names
 *
 * GTK 4.8 has no getter for the name a screen reader announces.  What it
 * computes (gtk_at_context_get_name) is the control's own label property,
 * else the label properties of the widgets it is labelled by; a button's
 * label sets that property, but neither a tooltip nor text inside a
 * custom child counts.  GTK's test backend (GTK_A11Y=test) can tell
 * whether the property is set and, by comparison, what it is and which
 * widget a relation points to: enough to check that every control a
 * person can reach has a name that is not empty.
 */

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

/* Whether the only widget @widget is labelled by, searched under @root,
 * has a label. */
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

/* Appends a description of every visible control under @widget that has
 * no accessible name. */
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
      /* What is inside a control is its content, not another control. */
      return;
    }

  for (GtkWidget *child = gtk_widget_get_first_child (widget);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    collect_unnamed (child, window, unnamed);
}

static void
assert_controls_named (Fixture *f)
{
  g_autoptr(GString) unnamed = g_string_new (NULL);

  collect_unnamed (GTK_WIDGET (f->window), GTK_WIDGET (f->window), unnamed);
  if (unnamed->len > 0)
    g_error ("controls without an accessible name: %s", unnamed->str);
}

/* Driving the station */

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  agg_test_station_set_up (&f->station, data);
  agg_test_load_demo (f->station.store);
  f->line = agg_line_new (f->station.store);

  f->window = agg_window_new (NULL);
  agg_window_set_line (f->window, f->line, NULL);
  gtk_window_present (GTK_WINDOW (f->window));
  wait_until (gtk_widget_get_mapped (GTK_WIDGET (f->window)));
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  gtk_window_destroy (GTK_WINDOW (f->window));
  while (g_main_context_iteration (NULL, FALSE))
    ;
  g_clear_object (&f->line);
  agg_test_station_tear_down (&f->station, data);
}

static GtkWidget *
login_page (Fixture *f)
{
  GtkWidget *page = find_widget (GTK_WIDGET (f->window), AGG_TYPE_LOGIN_PAGE);

  g_assert_nonnull (page);
  return page;
}

static GtkWidget *
case_page (Fixture *f)
{
  GtkWidget *page = find_widget (GTK_WIDGET (f->window), AGG_TYPE_CASE_PAGE);

  g_assert_nonnull (page);
  return page;
}

static gboolean
users_listed (GtkWidget *page)
{
  g_auto(GStrv) users = NULL;

  g_object_get (page, "usernames", &users, NULL);
  return users != NULL && users[0] != NULL;
}

/* Picks @user once the station has listed its users, as an operator
 * taps a name. */
static void
choose_user (GtkWidget  *page,
             const char *user)
{
  wait_until (users_listed (page));
  g_assert_true (gtk_widget_activate_action (page, "login.user", "s", user));
}

static void
enter_pin (GtkWidget  *page,
           const char *pin)
{
  for (const char *p = pin; *p != '\0'; p++)
    g_assert_true (gtk_widget_activate_action (page, "login.digit", "i", *p - '0'));
}

static void
submit_login (Fixture    *f,
              const char *user)
{
  g_assert_true (gtk_widget_activate_action (login_page (f), "login.submit", NULL));
  wait_until (g_strcmp0 (agg_line_get_username (f->line), user) == 0);
  wait_until (gtk_widget_get_mapped (case_page (f)));
}

static guint
pending (Fixture *f)
{
  guint n;

  g_object_get (case_page (f), "pending", &n, NULL);
  return n;
}

static guint
count (Fixture *f)
{
  guint n;

  g_object_get (case_page (f), "count", &n, NULL);
  return n;
}

static char *
dup_string (Fixture    *f,
            const char *property)
{
  char *value;

  g_object_get (case_page (f), property, &value, NULL);
  return value;
}

static char *
dup_banner (Fixture *f)
{
  GString *text = g_string_new (NULL);

  append_text_of_class (case_page (f), "scan-banner", text);
  return g_string_free (text, FALSE);
}

static void
count_notify_cb (GObject    *page,
                 GParamSpec *pspec,
                 GArray     *counts)
{
  guint n;

  g_object_get (page, "count", &n, NULL);
  g_array_append_val (counts, n);
}

/* Whether the engine's last answer, all requests done, was @outcome. */
static gboolean
answered (Fixture    *f,
          const char *outcome)
{
  g_autofree char *last = dup_string (f, "last-outcome");

  return pending (f) == 0 && g_strcmp0 (last, outcome) == 0;
}

static void
log_in_and_start (Fixture *f)
{
  GtkWidget *page = login_page (f);

  choose_user (page, "operator");
  enter_pin (page, "1111");
  submit_login (f, "operator");
  wait_until (pending (f) == 0);

  g_object_set (case_page (f), "order-id", ORDER, NULL);
  g_assert_true (gtk_widget_activate_action (case_page (f), "case.start-order", NULL));
  wait_until (answered (f, "ACCEPTED"));
}

static void
scan_unit (Fixture    *f,
           const char *lot,
           guint       serial)
{
  g_autofree char *code = g_strdup_printf ("]d201" GTIN "17" EXPIRY "10%s\x1d" "21SN%04u",
                                           lot, serial);

  agg_window_scan (f->window, code, strlen (code));
}

/* Tests */

static void
test_login (Fixture       *f,
            gconstpointer  data)
{
  GtkWidget *page = login_page (f);

  g_assert_true (gtk_widget_get_mapped (page));
  assert_controls_named (f);

  choose_user (page, "operator");
  enter_pin (page, "1111");
  save_screenshot (f, "screenshot-login.png");

  submit_login (f, "operator");
  wait_until (pending (f) == 0);
  assert_controls_named (f);
}

static void
test_full_case (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GArray) counts = g_array_new (FALSE, FALSE, sizeof (guint));
  g_autofree char *sscc = NULL;
  g_autofree char *banner = NULL;
  gulong id;

  log_in_and_start (f);

  id = g_signal_connect (case_page (f), "notify::count", G_CALLBACK (count_notify_cb), counts);
  for (guint i = 1; i <= UNITS_PER_CASE; i++)
    {
      scan_unit (f, LOT, i);
      wait_until (count (f) == i && answered (f, "ACCEPTED"));
    }
  g_signal_handler_disconnect (case_page (f), id);

  /* One unit at a time, none skipped, none counted twice. */
  g_assert_cmpuint (counts->len, ==, UNITS_PER_CASE);
  for (guint i = 0; i < counts->len; i++)
    g_assert_cmpuint (g_array_index (counts, guint, i), ==, i + 1);

  /* The twelfth unit closed the case, on the screen and in the record. */
  sscc = dup_string (f, "sscc");
  g_assert_nonnull (sscc);
  banner = dup_banner (f);
  g_assert_nonnull (strstr (banner, "Case complete"));
  g_assert_cmpint (agg_test_db_int (f->station.db,
                                    "SELECT count (*) FROM containers"
                                    " WHERE sscc = ? AND kind = 'case' AND status = 'closed'",
                                    sscc, NULL), ==, 1);
  save_screenshot (f, "screenshot-case.png");
  assert_controls_named (f);
}

static void
test_wrong_lot (Fixture       *f,
                gconstpointer  data)
{
  g_autofree char *banner = NULL;

  log_in_and_start (f);
  scan_unit (f, LOT, 1);
  wait_until (count (f) == 1 && answered (f, "ACCEPTED"));

  scan_unit (f, OTHER_LOT, 2);
  wait_until (answered (f, "WRONG_LOT"));
  banner = dup_banner (f);
  g_assert_nonnull (strstr (banner, OTHER_LOT));
  g_assert_cmpuint (count (f), ==, 1);
  save_screenshot (f, "screenshot-reject.png");
  assert_controls_named (f);
}

/* A partial case leaves the line only with a supervisor's signature,
 * asked for by the shared signature dialog. */
static void
test_partial_close (Fixture       *f,
                    gconstpointer  data)
{
  log_in_and_start (f);
  for (guint i = 1; i <= 5; i++)
    scan_unit (f, LOT, i);
  wait_until (count (f) == 5 && answered (f, "ACCEPTED"));

  g_assert_true (gtk_widget_activate_action (case_page (f), "case.partial-close", "s",
                                             "End of lot"));
  wait_until (answered (f, "SIGNATURE_REQUIRED"));
  g_assert_cmpint (agg_test_db_int (f->station.db,
                                    "SELECT count (*) FROM containers WHERE status = 'closed'",
                                    NULL), ==, 0);

  g_assert_true (gtk_widget_activate_action (case_page (f), "case.sign", "(ss)",
                                             "supervisor", "2222"));
  wait_until (answered (f, "ACCEPTED"));
  g_assert_cmpint (agg_test_db_int (f->station.db,
                                    "SELECT count (*) FROM containers WHERE status = 'closed'"
                                    " AND partial_reason = 'End of lot'", NULL), ==, 1);
  g_assert_cmpint (agg_test_db_int (f->station.db,
                                    "SELECT count (*) FROM audit WHERE action = 'case.close'"
                                    " AND signer = 'supervisor'", NULL), ==, 1);
}

/* Nobody touches the screen for the idle time: back to the login page,
 * and the automatic logout is on the record. */
static void
test_idle_logout (Fixture       *f,
                  gconstpointer  data)
{
  log_in_and_start (f);
  agg_line_set_idle_timeout (f->line, 1);
  wait_until (agg_line_get_username (f->line) == NULL && gtk_widget_get_mapped (login_page (f)));
  g_assert_cmpint (agg_test_db_int (f->station.db,
                                    "SELECT count (*) FROM audit WHERE action = 'session.timeout'",
                                    NULL), ==, 1);
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

  g_test_add ("/ui/station/login", Fixture, NULL, fixture_set_up, test_login, fixture_tear_down);
  g_test_add ("/ui/station/full-case", Fixture, NULL,
              fixture_set_up, test_full_case, fixture_tear_down);
  g_test_add ("/ui/station/wrong-lot", Fixture, NULL,
              fixture_set_up, test_wrong_lot, fixture_tear_down);
  g_test_add ("/ui/station/partial-close", Fixture, NULL,
              fixture_set_up, test_partial_close, fixture_tear_down);
  g_test_add ("/ui/station/idle-logout", Fixture, NULL,
              fixture_set_up, test_idle_logout, fixture_tear_down);

  return g_test_run ();
}
