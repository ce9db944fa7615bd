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
#include "agg-station.h"
#include "agg-test-ui.h"
#include "agg-window.h"

/* The demo line: see agg_import_demo(). */
#define GTIN           "09506000134352"
#define EXPIRY         "281231"
#define LOT            "DEMO01"
#define OTHER_LOT      "DEMO02"
#define ORDER          "WO-DEMO-1"
#define UNITS_PER_CASE 12

typedef struct
{
  AggTestStation  station;
  AggLine        *line;
  AggWindow      *window;
} Fixture;

/* The widget tree */

/* The text of every visible label under the widgets with @css_class, one
 * per line. */
static void
append_text_of_class (GtkWidget  *widget,
                      const char *css_class,
                      GString    *text)
{
  if (gtk_widget_has_css_class (widget, css_class))
    {
      agg_test_append_text (widget, text);
      return;
    }

  for (GtkWidget *child = gtk_widget_get_first_child (widget);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    append_text_of_class (child, css_class, text);
}

/* Driving the station */

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  f->line = agg_test_ui_set_up (&f->station, data);

  f->window = agg_window_new (NULL);
  agg_window_set_line (f->window, f->line, NULL);
  gtk_window_present (GTK_WINDOW (f->window));
  agg_test_wait_until (gtk_widget_get_mapped (GTK_WIDGET (f->window)));
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  agg_test_ui_tear_down (&f->station, &f->line, GTK_WINDOW (f->window), data);
}

static GtkWidget *
login_page (Fixture *f)
{
  GtkWidget *page = agg_test_find_widget (GTK_WIDGET (f->window), AGG_TYPE_LOGIN_PAGE);

  g_assert_nonnull (page);
  return page;
}

static GtkWidget *
case_page (Fixture *f)
{
  GtkWidget *page = agg_test_find_widget (GTK_WIDGET (f->window), AGG_TYPE_CASE_PAGE);

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
  agg_test_wait_until (users_listed (page));
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
  agg_test_wait_until (g_strcmp0 (agg_line_get_username (f->line), user) == 0);
  agg_test_wait_until (gtk_widget_get_mapped (case_page (f)));
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
  agg_test_wait_until (pending (f) == 0);

  g_object_set (case_page (f), "order-id", ORDER, NULL);
  g_assert_true (gtk_widget_activate_action (case_page (f), "case.start-order", NULL));
  agg_test_wait_until (answered (f, "ACCEPTED"));
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
  agg_test_assert_controls_named (GTK_WIDGET (f->window));

  choose_user (page, "operator");
  enter_pin (page, "1111");
  agg_test_save_screenshot (GTK_WIDGET (f->window), "screenshot-login.png");

  submit_login (f, "operator");
  agg_test_wait_until (pending (f) == 0);
  agg_test_assert_controls_named (GTK_WIDGET (f->window));
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
      agg_test_wait_until (count (f) == i && answered (f, "ACCEPTED"));
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
  agg_test_save_screenshot (GTK_WIDGET (f->window), "screenshot-case.png");
  agg_test_assert_controls_named (GTK_WIDGET (f->window));
}

static void
test_wrong_lot (Fixture       *f,
                gconstpointer  data)
{
  g_autofree char *banner = NULL;

  log_in_and_start (f);
  scan_unit (f, LOT, 1);
  agg_test_wait_until (count (f) == 1 && answered (f, "ACCEPTED"));

  scan_unit (f, OTHER_LOT, 2);
  agg_test_wait_until (answered (f, "WRONG_LOT"));
  banner = dup_banner (f);
  g_assert_nonnull (strstr (banner, OTHER_LOT));
  g_assert_cmpuint (count (f), ==, 1);
  agg_test_save_screenshot (GTK_WIDGET (f->window), "screenshot-reject.png");
  agg_test_assert_controls_named (GTK_WIDGET (f->window));
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
  agg_test_wait_until (count (f) == 5 && answered (f, "ACCEPTED"));

  g_assert_true (gtk_widget_activate_action (case_page (f), "case.partial-close", "s",
                                             "End of lot"));
  agg_test_wait_until (answered (f, "SIGNATURE_REQUIRED"));
  g_assert_cmpint (agg_test_db_int (f->station.db,
                                    "SELECT count (*) FROM containers WHERE status = 'closed'",
                                    NULL), ==, 0);

  g_assert_true (gtk_widget_activate_action (case_page (f), "case.sign", "(ss)",
                                             "supervisor", "2222"));
  agg_test_wait_until (answered (f, "ACCEPTED"));
  g_assert_cmpint (agg_test_db_int (f->station.db,
                                    "SELECT count (*) FROM containers WHERE status = 'closed'"
                                    " AND partial_reason = 'End of lot'", NULL), ==, 1);
  g_assert_cmpint (agg_test_db_int (f->station.db,
                                    "SELECT count (*) FROM audit WHERE action = 'case.close'"
                                    " AND signer = 'supervisor'", NULL), ==, 1);
}

/* The button of the order list that starts @order, if listed. */
static GtkWidget *
find_order_button (GtkWidget  *widget,
                   const char *order)
{
  GVariant *target;

  if (!gtk_widget_get_visible (widget))
    return NULL;
  if (GTK_IS_BUTTON (widget) &&
      g_strcmp0 (gtk_actionable_get_action_name (GTK_ACTIONABLE (widget)),
                 "case.start-listed-order") == 0 &&
      (target = gtk_actionable_get_action_target_value (GTK_ACTIONABLE (widget))) != NULL &&
      g_strcmp0 (g_variant_get_string (target, NULL), order) == 0)
    return widget;

  for (GtkWidget *child = gtk_widget_get_first_child (widget);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = find_order_button (child, order);

      if (found != NULL)
        return found;
    }
  return NULL;
}

/* With no order running, the operator picks one from the list. */
static void
test_order_list (Fixture       *f,
                 gconstpointer  data)
{
  GtkWidget *page = login_page (f);
  g_autoptr(GString) listed = g_string_new (NULL);
  g_autofree char *order_id = NULL;
  g_autofree char *status = NULL;
  GtkWidget *button;

  choose_user (page, "operator");
  enter_pin (page, "1111");
  submit_login (f, "operator");
  agg_test_wait_until (pending (f) == 0 && find_order_button (case_page (f), ORDER) != NULL);

  append_text_of_class (case_page (f), "order-list", listed);
  g_assert_nonnull (strstr (listed->str, ORDER "\n"));
  g_assert_nonnull (strstr (listed->str, LOT));
  agg_test_assert_controls_named (GTK_WIDGET (f->window));
  agg_test_save_screenshot (GTK_WIDGET (f->window), "screenshot-orders.png");

  button = find_order_button (case_page (f), ORDER);
  g_assert_true (gtk_widget_activate (button));
  agg_test_wait_until (answered (f, "ACCEPTED"));
  order_id = dup_string (f, "order-id");
  g_assert_cmpstr (order_id, ==, ORDER);
  status = agg_test_db_text (f->station.db, "SELECT status FROM work_orders WHERE id = ?", ORDER,
                             NULL);
  g_assert_cmpstr (status, ==, "running");
  agg_test_wait_until (!gtk_widget_get_mapped (button));
}

/* Nobody touches the screen for the idle time: back to the login page,
 * and the automatic logout is on the record. */
static void
test_idle_logout (Fixture       *f,
                  gconstpointer  data)
{
  log_in_and_start (f);
  agg_line_set_idle_timeout (f->line, 1);
  agg_test_wait_until (agg_line_get_username (f->line) == NULL &&
                       gtk_widget_get_mapped (login_page (f)));
  /* The record follows once the logout's transaction has committed. */
  agg_test_wait_until (agg_test_db_int (f->station.db,
                                        "SELECT count (*) FROM audit"
                                        " WHERE action = 'session.timeout'", NULL) == 1);
}

/* A station whose upstream cannot be reached: the header says offline
 * with what waits, and a fault shows in red until it clears. */
static void
test_header_badges (Fixture       *f,
                    gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSocket) socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM,
                                            G_SOCKET_PROTOCOL_TCP, &error);
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GSocketAddress) bound = NULL;
  g_autofree char *text = NULL;
  g_autoptr(AggConfig) config = NULL;
  g_autoptr(AggStation) station = NULL;
  GString *header = g_string_new (NULL);

  /* A port bound but never listening: every connection is refused. */
  g_assert_true (g_socket_bind (socket, address, TRUE, &error));
  bound = g_socket_get_local_address (socket, &error);
  text = g_strdup_printf ("[sync]\nurl = http://127.0.0.1:%u/epcis\nretry-min = 100ms\n",
                          g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound)));
  config = agg_config_load_data (text, strlen (text), "station.conf", &error);
  g_assert_no_error (error);
  station = agg_station_new (f->line, config, &error);
  g_assert_no_error (error);
  g_assert_true (agg_station_start (station, &error));
  agg_window_set_station (f->window, station, NULL);

  agg_test_wait_until ((g_string_truncate (header, 0),
                        agg_test_append_text (GTK_WIDGET (f->window), header),
                        strstr (header->str, "Offline") != NULL));
  g_assert_nonnull (strstr (header->str, "waiting"));
  g_assert_null (strstr (header->str, "Line stopped"));

  /* Attention without a stop: the warning, not "Line stopped". */
  agg_station_set_warning (station, "labels", "2 labels waiting to print");
  agg_test_wait_until ((g_string_truncate (header, 0),
                        agg_test_append_text (GTK_WIDGET (f->window), header),
                        strstr (header->str, "2 labels waiting to print") != NULL));
  g_assert_null (strstr (header->str, "Line stopped"));

  agg_station_set_fault (station, "printer:zebra", "Printer zebra: paper out");
  agg_test_wait_until ((g_string_truncate (header, 0),
                        agg_test_append_text (GTK_WIDGET (f->window), header),
                        strstr (header->str, "Line stopped: Printer zebra: paper out") != NULL));
  agg_test_save_screenshot (GTK_WIDGET (f->window), "screenshot-fault.png");

  agg_station_set_fault (station, "printer:zebra", NULL);
  agg_test_wait_until ((g_string_truncate (header, 0),
                        agg_test_append_text (GTK_WIDGET (f->window), header),
                        strstr (header->str, "Line stopped") == NULL));
  agg_station_set_warning (station, "labels", NULL);
  agg_test_wait_until ((g_string_truncate (header, 0),
                        agg_test_append_text (GTK_WIDGET (f->window), header),
                        strstr (header->str, "labels waiting") == NULL));
  agg_station_stop (station);
  g_string_free (header, TRUE);
}

int
main (int    argc,
      char **argv)
{
  agg_test_ui_init (&argc, &argv);

  g_test_add ("/ui/station/login", Fixture, NULL, fixture_set_up, test_login, fixture_tear_down);
  g_test_add ("/ui/station/full-case", Fixture, NULL,
              fixture_set_up, test_full_case, fixture_tear_down);
  g_test_add ("/ui/station/wrong-lot", Fixture, NULL,
              fixture_set_up, test_wrong_lot, fixture_tear_down);
  g_test_add ("/ui/station/partial-close", Fixture, NULL,
              fixture_set_up, test_partial_close, fixture_tear_down);
  g_test_add ("/ui/station/order-list", Fixture, NULL,
              fixture_set_up, test_order_list, fixture_tear_down);
  g_test_add ("/ui/station/idle-logout", Fixture, NULL,
              fixture_set_up, test_idle_logout, fixture_tear_down);
  g_test_add ("/ui/station/header-badges", Fixture, NULL,
              fixture_set_up, test_header_badges, fixture_tear_down);

  return g_test_run ();
}
