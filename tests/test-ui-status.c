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
#include "agg-test-ui.h"

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
  GtkWindow      *window;
  AggStatusPage  *page;
} Fixture;

/* The widget tree */

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
  GtkWidget *button = agg_test_find_button (GTK_WIDGET (dialog), label);

  g_assert_nonnull (button);
  g_assert_true (gtk_widget_is_sensitive (button));
  g_signal_emit_by_name (button, "clicked");
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
  f->line = agg_test_ui_set_up (&f->station, data);

  f->window = GTK_WINDOW (gtk_window_new ());
  gtk_window_set_default_size (f->window, 1280, 800);
  f->page = g_object_new (AGG_TYPE_STATUS_PAGE, NULL);
  agg_status_page_set_line (f->page, f->line);
  gtk_window_set_child (f->window, GTK_WIDGET (f->page));
  gtk_window_present (f->window);
  agg_test_wait_until (gtk_widget_get_mapped (GTK_WIDGET (f->page)));
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  agg_test_ui_tear_down (&f->station, &f->line, f->window, data);
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
  g_autofree char *text = agg_test_dup_text (widget);

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

  agg_test_wait_until (agg_test_find_button (GTK_WIDGET (dialog), full_name) != NULL);
  signer = agg_test_find_button (GTK_WIDGET (dialog), full_name);
  gtk_toggle_button_set_active (GTK_TOGGLE_BUTTON (signer), TRUE);
  for (const char *p = pin; *p != '\0'; p++)
    {
      char key[2] = { *p, '\0' };
      GtkWidget *button = agg_test_find_button (GTK_WIDGET (dialog), key);

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
  agg_test_wait_until (shows (page, "No work order is running"));
  g_assert_cmpint (get_int64 (f, "units-total"), ==, 0);
  g_assert_true (has_string (f, "running-order", NULL));
  g_assert_true (shows (page, "No readers, printers or PLC configured"));
  g_assert_true (shows (page, "Not sent yet: the upload comes with the sync configuration"));

  close_button = agg_test_find_button (page, "Close order…");
  g_assert_nonnull (close_button);
  g_assert_false (gtk_widget_is_sensitive (close_button));
  g_assert_false (gtk_widget_is_sensitive (agg_test_find_button (page, "Suspend order")));
  agg_test_assert_controls_named (GTK_WIDGET (f->window));
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
  agg_test_wait_until (get_int64 (f, "units-total") == UNITS_PER_CASE + 2 &&
                       get_int64 (f, "aggregated") == UNITS_PER_CASE + 2 &&
                       has_string (f, "running-order", ORDER));
  g_assert_cmpint (db_pending (f), >, 0);
  g_assert_cmpint (get_int64 (f, "events-pending"), ==, db_pending (f));
  g_assert_true (shows (page, "Reconciliation of " ORDER));
  g_assert_true (shows (page, "Wrong lot\n1\n"));
  g_assert_true (shows (page, "Cases and pallets open\n1\n"));
  g_assert_true (shows (page, "No readers, printers or PLC configured"));
  agg_test_save_screenshot (GTK_WIDGET (f->window), "screenshot-status.png");
  agg_test_assert_controls_named (GTK_WIDGET (f->window));

  /* A reason from the presets, and the engine names the open case. */
  g_assert_true (gtk_widget_activate_action (page, "status.close-order", "s", ""));
  agg_test_wait_until ((dialog = find_dialog ("Close the order?")) != NULL);
  g_assert_nonnull (strstr (adw_message_dialog_get_body (dialog), ORDER));
  agg_test_assert_controls_named (GTK_WIDGET (dialog));
  respond (dialog, "Order complete");
  agg_test_wait_until (has_string (f, "last-outcome", "OPEN_CONTAINERS"));
  agg_test_wait_until ((dialog = find_dialog ("The order cannot close yet")) != NULL);
  body = g_strdup (adw_message_dialog_get_body (dialog));
  g_assert_nonnull (strstr (body, ORDER));
  g_assert_true (shows (GTK_WIDGET (dialog), "1 case or pallet open"));
  respond (dialog, "_Close");
  agg_test_wait_until (find_dialog ("The order cannot close yet") == NULL);
  assert_order_status (f, "running");

  /* The supervisor signs the open case off as partial. */
  request = agg_request_new (AGG_ACTION_CLOSE_CASE);
  request->reason = g_strdup ("End of lot");
  request->signer = g_strdup ("supervisor");
  request->signer_pin = g_strdup ("2222");
  execute (f, request, AGG_OUTCOME_ACCEPTED);
  g_assert_true (gtk_widget_activate_action (page, "status.refresh", NULL));
  agg_test_wait_until (shows (page, "Cases and pallets open\n0\n") &&
                       get_int64 (f, "events-pending") == db_pending (f));
  agg_test_save_screenshot (GTK_WIDGET (f->window), "screenshot-reconciliation.png");

  /* Now the order closes, under signature; a wrong PIN is asked again. */
  g_assert_true (gtk_widget_activate_action (page, "status.close-order", "s", "Order complete"));
  agg_test_wait_until (has_string (f, "last-outcome", "SIGNATURE_REQUIRED"));
  agg_test_wait_until ((dialog = find_dialog ("Supervisor signature")) != NULL);
  g_assert_nonnull (strstr (adw_message_dialog_get_body (dialog), ORDER));
  sign (dialog, "Demo Supervisor", "9999");
  agg_test_wait_until (has_string (f, "last-outcome", "BAD_CREDENTIALS"));
  agg_test_wait_until ((dialog = find_dialog ("Supervisor signature")) != NULL &&
                       shows (GTK_WIDGET (dialog), "wrong user or PIN"));
  agg_test_assert_controls_named (GTK_WIDGET (dialog));
  assert_order_status (f, "running");

  sign (dialog, "Demo Supervisor", "2222");
  agg_test_wait_until (has_string (f, "last-outcome", "ACCEPTED"));
  assert_order_status (f, "closed");
  g_assert_cmpint (agg_test_db_int (f->station.db,
                                    "SELECT count (*) FROM audit WHERE action = 'order.reconciliation'"
                                    " AND object = ? AND signer = 'supervisor'", ORDER, NULL),
                   ==, 1);

  /* Closed, the order no longer runs; its figures stay on the page. */
  agg_test_wait_until (has_string (f, "running-order", NULL));
  agg_test_wait_until (shows (page, "This order is no longer running"));
  g_assert_cmpint (get_int64 (f, "aggregated"), ==, UNITS_PER_CASE + 2);
  g_assert_false (gtk_widget_is_sensitive (agg_test_find_button (page, "Close order…")));
}

int
main (int    argc,
      char **argv)
{
  agg_test_ui_init (&argc, &argv);

  g_test_add ("/ui/status/nothing-running", Fixture, NULL,
              fixture_set_up, test_nothing_running, fixture_tear_down);
  g_test_add ("/ui/status/reconcile-and-close", Fixture, NULL,
              fixture_set_up, test_reconcile_and_close, fixture_tear_down);

  return g_test_run ();
}
