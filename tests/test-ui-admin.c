/* test-ui-admin.c: the admin page — users, master data and settings
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The page sits alone in a window on a fresh demo line, with the session
 * opened straight through the engine.  It is driven through its actions,
 * as the buttons and dialogs do, and one user is added through the dialog
 * itself; what the engine wrote is read back from the database and the
 * audit trail.  The screenshot goes to the build directory.
 */

#include "config.h"

#include <adwaita.h>
#include <string.h>

#include "agg-admin-page.h"
#include "agg-test-ui.h"

typedef struct
{
  AggTestStation  station;
  AggLine        *line;
  GtkWindow      *window;
  AggAdminPage   *page;
  guint           answers;            /* the page's answers so far */
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

/* The page */

static void
answered_cb (AggAdminPage *page,
             GParamSpec   *pspec,
             Fixture      *f)
{
  f->answers++;
}

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  const char *user = data;

  f->line = agg_test_ui_set_up (&f->station, data);
  /* The demo's users log in with their role's digit four times. */
  agg_test_log_in (f->line, user, strcmp (user, "admin") == 0 ? "3333" : "1111");

  f->window = GTK_WINDOW (gtk_window_new ());
  gtk_window_set_default_size (f->window, 1280, 1000);
  f->page = g_object_new (AGG_TYPE_ADMIN_PAGE, NULL);
  g_signal_connect (f->page, "notify::last-outcome", G_CALLBACK (answered_cb), f);
  agg_admin_page_set_line (f->page, f->line);
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

static guint
user_count (Fixture *f)
{
  guint count;

  g_object_get (f->page, "user-count", &count, NULL);
  return count;
}

static gboolean
shows (GtkWidget  *widget,
       const char *needle)
{
  g_autofree char *text = agg_test_dup_text (widget);

  return strstr (text, needle) != NULL;
}

/* Activates @action with @parameter (floating, taken) and waits for the
 * page's answer, which must be @expected; returns its message. */
static char *
act (Fixture    *f,
     const char *action,
     GVariant   *parameter,
     const char *expected)
{
  guint answers = f->answers;
  g_autofree char *outcome = NULL;
  char *message = NULL;

  g_assert_true (gtk_widget_activate_action_variant (GTK_WIDGET (f->page), action, parameter));
  agg_test_wait_until (f->answers > answers);
  g_object_get (f->page, "last-outcome", &outcome, "last-message", &message, NULL);
  g_test_message ("%s → %s: %s", action, outcome, message);
  g_assert_cmpstr (outcome, ==, expected);
  g_assert_nonnull (message);
  return message;
}

static gint64
db_int (Fixture    *f,
        const char *sql,
        const char *parameter)
{
  return agg_test_db_int (f->station.db, sql, parameter, NULL);
}

/* The latest audit row of @action on @object, as "user|old|new". */
static char *
audit_row (Fixture    *f,
           const char *action,
           const char *object)
{
  return agg_test_db_text (f->station.db,
                           "SELECT ifnull (username, '-') || '|' || ifnull (old_value, '-')"
                           " || '|' || ifnull (new_value, '-') FROM audit"
                           " WHERE action = ? AND object = ? ORDER BY id DESC LIMIT 1",
                           action, object, NULL);
}

#define assert_audit(f, action, object, expected) \
  G_STMT_START { \
    g_autofree char *row_ = audit_row ((f), (action), (object)); \
    g_assert_cmpstr (row_, ==, (expected)); \
  } G_STMT_END

/* The first visible preferences row under @widget titled @title. */
static GtkWidget *
find_row (GtkWidget  *widget,
          const char *title)
{
  if (!gtk_widget_get_visible (widget))
    return NULL;
  if (ADW_IS_PREFERENCES_ROW (widget) &&
      g_strcmp0 (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (widget)), title) == 0)
    return widget;

  for (GtkWidget *child = gtk_widget_get_first_child (widget);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = find_row (child, title);

      if (found != NULL)
        return found;
    }
  return NULL;
}

static void
type_into (GtkWidget  *widget,
           const char *title,
           const char *text)
{
  GtkWidget *row = find_row (widget, title);

  g_assert_nonnull (row);
  gtk_editable_set_text (GTK_EDITABLE (row), text);
}

static const char import_json[] =
  "{ \"products\": [ { \"gtin\": \"09506000134376\", \"description\": \"Admin drops 10 ml\","
  "                    \"units_per_case\": 6, \"cases_per_pallet\": 2 } ],"
  "  \"work_orders\": [ { \"id\": \"WO-ADMIN-1\", \"gtin\": \"09506000134376\","
  "                       \"lot\": \"ADM01\", \"expiry\": \"291231\", \"planned\": 60 } ] }";

static void
test_admin (Fixture       *f,
            gconstpointer  data)
{
  GtkWidget *page = GTK_WIDGET (f->page);
  AdwMessageDialog *dialog;
  g_autofree char *message = NULL;

  agg_test_wait_until (user_count (f) == 3);
  agg_test_wait_until (shows (page, "Demo Operator"));

  /* A user added without the dialog, then disabled. */
  message = act (f, "admin.add-user",
                 g_variant_new ("(ssss)", "jdoe", "Jane Doe", "operator", "975310"), "ACCEPTED");
  agg_test_wait_until (user_count (f) == 4);
  g_assert_cmpint (db_int (f, "SELECT count (*) FROM users WHERE username = ?", "jdoe"), ==, 1);
  g_clear_pointer (&message, g_free);

  message = act (f, "admin.set-active", g_variant_new ("(sb)", "jdoe", FALSE), "ACCEPTED");
  g_assert_cmpint (db_int (f, "SELECT active FROM users WHERE username = ?", "jdoe"), ==, 0);
  assert_audit (f, "user.disable", "jdoe", "admin|active|inactive");
  agg_test_wait_until (shows (page, "disabled"));
  g_clear_pointer (&message, g_free);

  message = act (f, "admin.reset-pin", g_variant_new ("(ss)", "operator", "5555"), "ACCEPTED");
  g_assert_cmpint (db_int (f, "SELECT count (*) FROM audit WHERE action = 'user.pin-reset'"
                              " AND object = ?", "operator"), ==, 1);
  g_assert_cmpint (db_int (f, "SELECT count (*) FROM audit WHERE instr (ifnull (old_value, '')"
                              " || ifnull (new_value, ''), ?) > 0", "975310"), ==, 0);
  g_clear_pointer (&message, g_free);

  /* Settings: audited from old to new; a bad GLN is refused. */
  message = act (f, "admin.set-setting", g_variant_new ("(ss)", "idle_timeout", "600"),
                 "ACCEPTED");
  assert_audit (f, "setting.change", "idle_timeout", "admin|900|600");
  g_clear_pointer (&message, g_free);

  message = act (f, "admin.set-setting", g_variant_new ("(ss)", "gln", "9506000000009"),
                 "BAD_REQUEST");
  g_assert_nonnull (strstr (message, "check digit"));
  g_assert_cmpint (db_int (f, "SELECT count (*) FROM settings WHERE key = 'gln' AND value = ?",
                           "9506000000008"), ==, 1);
  g_clear_pointer (&message, g_free);

  message = act (f, "admin.import", g_variant_new_string (import_json), "ACCEPTED");
  g_assert_nonnull (strstr (message, "2"));
  g_assert_cmpint (db_int (f, "SELECT count (*) FROM products WHERE gtin = ?", "09506000134376"),
                   ==, 1);
  g_assert_cmpint (db_int (f, "SELECT count (*) FROM work_orders WHERE id = ?", "WO-ADMIN-1"),
                   ==, 1);
  g_assert_cmpint (db_int (f, "SELECT count (*) FROM audit WHERE action = 'order.import'"
                              " AND object = ?", "WO-ADMIN-1"), ==, 1);
  g_clear_pointer (&message, g_free);

  /* The dialog: nothing to add until the names are there and the PINs agree. */
  g_assert_true (gtk_widget_activate_action (page, "admin.new-user", NULL));
  agg_test_wait_until ((dialog = find_dialog ("Add user")) != NULL);
  g_assert_false (adw_message_dialog_get_response_enabled (dialog, "add"));
  type_into (GTK_WIDGET (dialog), "User name (a–z, 0–9)", "mroe");
  type_into (GTK_WIDGET (dialog), "Full name", "Max Roe");
  gtk_toggle_button_set_active (GTK_TOGGLE_BUTTON (agg_test_find_button (GTK_WIDGET (dialog),
                                                                         "Supervisor")), TRUE);
  type_into (GTK_WIDGET (dialog), "PIN (4 to 12 digits)", "24680");
  type_into (GTK_WIDGET (dialog), "The same PIN again", "24681");
  g_assert_false (adw_message_dialog_get_response_enabled (dialog, "add"));
  g_assert_true (shows (GTK_WIDGET (dialog), "The two PINs differ"));
  type_into (GTK_WIDGET (dialog), "The same PIN again", "24680");
  g_assert_true (adw_message_dialog_get_response_enabled (dialog, "add"));
  agg_test_assert_controls_named (GTK_WIDGET (dialog));
  respond (dialog, "_Add");
  agg_test_wait_until (user_count (f) == 5);
  g_assert_cmpint (db_int (f, "SELECT count (*) FROM users WHERE username = ?"
                              " AND role = 'supervisor'", "mroe"), ==, 1);

  agg_test_wait_until (shows (page, "Max Roe"));
  agg_test_assert_controls_named (GTK_WIDGET (f->window));
  agg_test_save_screenshot (GTK_WIDGET (f->window), "screenshot-admin.png");
}

static void
test_operator (Fixture       *f,
               gconstpointer  data)
{
  g_autofree char *message = NULL;

  /* Anyone may see the users; nothing else. */
  agg_test_wait_until (user_count (f) == 3);

  message = act (f, "admin.add-user",
                 g_variant_new ("(ssss)", "jdoe", "Jane Doe", "operator", "975310"),
                 "NOT_PERMITTED");
  g_clear_pointer (&message, g_free);
  message = act (f, "admin.set-active", g_variant_new ("(sb)", "supervisor", FALSE),
                 "NOT_PERMITTED");
  g_clear_pointer (&message, g_free);
  message = act (f, "admin.reset-pin", g_variant_new ("(ss)", "supervisor", "5555"),
                 "NOT_PERMITTED");
  g_clear_pointer (&message, g_free);
  message = act (f, "admin.set-setting", g_variant_new ("(ss)", "idle_timeout", "3600"),
                 "NOT_PERMITTED");
  g_clear_pointer (&message, g_free);
  message = act (f, "admin.import", g_variant_new_string (import_json), "NOT_PERMITTED");

  g_assert_cmpint (db_int (f, "SELECT count (*) FROM users WHERE username = ?", "jdoe"), ==, 0);
  g_assert_cmpint (db_int (f, "SELECT active FROM users WHERE username = ?", "supervisor"), ==, 1);
  g_assert_cmpint (db_int (f, "SELECT count (*) FROM settings WHERE key = 'idle_timeout'"
                              " AND value = ?", "900"), ==, 1);
  g_assert_cmpint (db_int (f, "SELECT count (*) FROM work_orders WHERE id = ?", "WO-ADMIN-1"),
                   ==, 0);
  g_assert_cmpint (db_int (f, "SELECT count (*) FROM audit WHERE action LIKE 'user.%'"
                              " AND username = ?", "operator"), ==, 0);
}

int
main (int    argc,
      char **argv)
{
  agg_test_ui_init (&argc, &argv);

  g_test_add ("/ui/admin/admin", Fixture, "admin",
              fixture_set_up, test_admin, fixture_tear_down);
  g_test_add ("/ui/admin/operator", Fixture, "operator",
              fixture_set_up, test_operator, fixture_tear_down);

  return g_test_run ();
}
