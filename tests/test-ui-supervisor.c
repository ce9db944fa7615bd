/* test-ui-supervisor.c: the supervisor page as a supervisor uses it
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Each test packs a case on a fresh demo line through the engine, as the
 * operator's station would, then shows the page in a window of its own
 * and drives it: lookups through its action, its tree and its scans, and
 * corrections through the dialogs it opens, answered as a supervisor taps
 * them.  Screenshots go to the build directory.
 */

#include "config.h"

#include <adwaita.h>
#include <string.h>

#include "agg-label-preview.h"
#include "agg-signature-dialog.h"
#include "agg-supervisor-page.h"
#include "agg-test-ui.h"

/* The demo line: see agg_import_demo(). */
#define GTIN           "09506000134352"
#define EXPIRY         "281231"
#define LOT            "DEMO01"
#define ORDER          "WO-DEMO-1"
#define UNITS_PER_CASE 12
#define SIGNER_NAME    "Demo Supervisor"

typedef struct
{
  AggTestStation  station;
  AggLine        *line;
  GtkWindow      *window;
  GtkWidget      *page;
  char           *sscc;               /* of the case the operator packed */
} Fixture;

/* The widget tree */

/* The first visible widget under @widget with @css_class. */
static GtkWidget *
find_class (GtkWidget  *widget,
            const char *css_class)
{
  if (!gtk_widget_get_visible (widget))
    return NULL;
  if (gtk_widget_has_css_class (widget, css_class))
    return widget;

  for (GtkWidget *child = gtk_widget_get_first_child (widget);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = find_class (child, css_class);

      if (found != NULL)
        return found;
    }
  return NULL;
}

static guint
count_class (GtkWidget  *widget,
             const char *css_class)
{
  guint n = 0;

  if (!gtk_widget_get_visible (widget))
    return 0;
  if (gtk_widget_has_css_class (widget, css_class))
    n++;

  for (GtkWidget *child = gtk_widget_get_first_child (widget);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    n += count_class (child, css_class);
  return n;
}

static char *
dup_text_of_class (GtkWidget  *widget,
                   const char *css_class)
{
  GtkWidget *found = find_class (widget, css_class);

  g_assert_nonnull (found);
  return agg_test_dup_text (found);
}

/* A tap: only on what can be tapped. */
static void
tap (GtkWidget *button)
{
  g_assert_nonnull (button);
  g_assert_true (gtk_widget_is_sensitive (button));
  if (GTK_IS_TOGGLE_BUTTON (button))
    gtk_toggle_button_set_active (GTK_TOGGLE_BUTTON (button), TRUE);
  else
    g_signal_emit_by_name (button, "clicked");
}

/* The visible dialog of @type, but not of @not_type (0: any). */
static GtkWidget *
find_dialog (GType type,
             GType not_type)
{
  GListModel *toplevels = gtk_window_get_toplevels ();

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr(GtkWidget) window = g_list_model_get_item (toplevels, i);

      if (gtk_widget_get_visible (window) && G_TYPE_CHECK_INSTANCE_TYPE (window, type) &&
          (not_type == 0 || !G_TYPE_CHECK_INSTANCE_TYPE (window, not_type)))
        return window;
    }
  return NULL;
}

static GtkWidget *
reason_dialog (void)
{
  return find_dialog (ADW_TYPE_MESSAGE_DIALOG, AGG_TYPE_SIGNATURE_DIALOG);
}

static GtkWidget *
signature_dialog (void)
{
  return find_dialog (AGG_TYPE_SIGNATURE_DIALOG, 0);
}

/* Whether @widget lies wholly inside @window. */
static gboolean
inside (GtkWidget *widget,
        GtkWidget *window)
{
  graphene_rect_t bounds;

  return widget != NULL && gtk_widget_compute_bounds (widget, window, &bounds) &&
         bounds.origin.y >= 0 &&
         bounds.origin.y + bounds.size.height <= gtk_widget_get_height (window);
}

/* Taps the button of @response, as a person answers. */
static void
respond (GtkWidget  *dialog,
         const char *response)
{
  const char *label = adw_message_dialog_get_response_label (ADW_MESSAGE_DIALOG (dialog),
                                                             response);

  tap (agg_test_find_button (dialog, label));
}

/* The line */

static void
execute_ok (Fixture    *f,
            AggRequest *request)
{
  g_autoptr(AggResult) result = agg_line_execute_sync (f->line, request);

  g_assert_nonnull (result);
  if (!agg_result_is_ok (result))
    g_error ("%s: %s", agg_outcome_to_string (result->outcome), result->message);
}

static char *
unit_scan (guint serial)
{
  return g_strdup_printf ("]d201" GTIN "17" EXPIRY "10" LOT "\x1d" "21SN%04u", serial);
}

static char *
unit_code (guint serial)
{
  return g_strdup_printf ("(01)" GTIN "(21)SN%04u", serial);
}

/* What the operator's station does: log in, start the order, and scan
 * units until the case is full and closes. */
static void
pack_a_case (Fixture *f)
{
  g_autoptr(AggRequest) login = agg_request_new (AGG_ACTION_LOGIN);
  g_autoptr(AggRequest) start = agg_request_new (AGG_ACTION_START_ORDER);

  login->user = g_strdup ("operator");
  login->pin = g_strdup ("1111");
  execute_ok (f, login);
  start->code = g_strdup (ORDER);
  execute_ok (f, start);

  for (guint i = 1; i <= UNITS_PER_CASE; i++)
    {
      g_autoptr(AggRequest) scan = agg_request_new (AGG_ACTION_SCAN);

      scan->data = unit_scan (i);
      scan->data_len = strlen (scan->data);
      scan->source = g_strdup ("test");
      execute_ok (f, scan);
    }

  f->sscc = agg_test_db_text (f->station.db,
                              "SELECT sscc FROM containers WHERE kind = 'case' AND status = 'closed'",
                              NULL);
  g_assert_nonnull (f->sscc);
}

/* The page */

static char *
dup_string (Fixture    *f,
            const char *property)
{
  char *value;

  g_object_get (f->page, property, &value, NULL);
  return value;
}

static guint
history_count (Fixture *f)
{
  guint n;

  g_object_get (f->page, "history-count", &n, NULL);
  return n;
}

static gboolean
has_string (Fixture    *f,
            const char *property,
            const char *value)
{
  g_autofree char *current = dup_string (f, property);

  return g_strcmp0 (current, value) == 0;
}

static void
show (Fixture    *f,
      const char *code)
{
  g_assert_true (gtk_widget_activate_action (f->page, "supervisor.lookup", "s", code));
  agg_test_wait_until (has_string (f, "record-code", code) &&
                       has_string (f, "last-outcome", "ACCEPTED"));
}

/* The row of the contents list for unit @serial. */
static GtkWidget *
unit_row (Fixture *f,
          guint    serial)
{
  GtkWidget *list = find_class (f->page, "record-contents");
  g_autofree char *code = unit_code (serial);

  g_assert_nonnull (list);
  for (GtkWidget *row = gtk_widget_get_first_child (list);
       row != NULL;
       row = gtk_widget_get_next_sibling (row))
    if (GTK_IS_LIST_BOX_ROW (row) &&
        g_strcmp0 (g_object_get_data (G_OBJECT (row), "code"), code) == 0)
      return row;
  return NULL;
}

/* Chooses a reason in the dialog: the first preset, or @text typed. */
static char *
give_reason (const char *text)
{
  GtkWidget *dialog;
  char *reason;

  agg_test_wait_until ((dialog = reason_dialog ()) != NULL);
  agg_test_assert_controls_named (dialog);

  if (text != NULL)
    {
      GtkWidget *entry = find_class (dialog, "reason-entry");

      g_assert_nonnull (entry);
      gtk_editable_set_text (GTK_EDITABLE (entry), text);
      reason = g_strdup (text);
    }
  else
    {
      GtkWidget *preset = find_class (dialog, "reason-choice");

      tap (preset);
      reason = g_strdup (gtk_button_get_label (GTK_BUTTON (preset)));
    }

  respond (dialog, "continue");
  agg_test_wait_until (reason_dialog () == NULL);
  return reason;
}

/* Signs in the signature dialog as the demo supervisor with @pin. */
static void
sign (GtkWidget  *dialog,
      const char *pin)
{
  agg_test_wait_until (agg_test_find_button (dialog, SIGNER_NAME) != NULL);
  tap (agg_test_find_button (dialog, SIGNER_NAME));
  for (const char *p = pin; *p != '\0'; p++)
    {
      char digit[2] = { *p, '\0' };

      tap (agg_test_find_button (dialog, digit));
    }
  respond (dialog, "sign");
}

/* Fixture */

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  f->line = agg_test_ui_set_up (&f->station, data);
  pack_a_case (f);

  f->window = GTK_WINDOW (adw_window_new ());
  gtk_window_set_default_size (f->window, 1280, 800);
  f->page = g_object_new (AGG_TYPE_SUPERVISOR_PAGE, NULL);
  agg_supervisor_page_set_line (AGG_SUPERVISOR_PAGE (f->page), f->line);
  adw_window_set_content (ADW_WINDOW (f->window), f->page);
  gtk_window_present (f->window);
  agg_test_wait_until (gtk_widget_get_mapped (f->page));
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  g_free (f->sscc);
  agg_test_ui_tear_down (&f->station, &f->line, f->window, data);
}

/* Tests */

static void
test_case_tree (Fixture       *f,
                gconstpointer  data)
{
  g_autofree char *history = NULL;
  g_autofree char *header = NULL;
  GtkWidget *preview;
  GtkWidget *dialog;

  agg_test_assert_controls_named (GTK_WIDGET (f->window));

  show (f, f->sscc);
  g_assert_true (has_string (f, "record-kind", "case"));
  g_assert_true (has_string (f, "record-status", "closed"));
  g_assert_cmpuint (count_class (f->page, "unit-row"), ==, UNITS_PER_CASE);
  /* Opened, then closed by its twelfth unit. */
  g_assert_cmpuint (history_count (f), ==, 2);
  history = dup_text_of_class (f->page, "record-history");
  g_assert_nonnull (strstr (history, "Case closed"));
  g_assert_nonnull (strstr (history, "operator"));
  header = dup_text_of_class (f->page, "record-header");
  g_assert_nonnull (strstr (header, "12 of 12 units"));
  g_assert_nonnull (strstr (header, ORDER));

  /* What a case allows: closed and full, its label cannot be voided. */
  g_assert_true (gtk_widget_is_sensitive (agg_test_find_button (f->page, "Unpack")));
  g_assert_true (gtk_widget_is_sensitive (agg_test_find_button (f->page, "Reopen")));
  g_assert_false (gtk_widget_is_sensitive (agg_test_find_button (f->page, "Void label")));
  g_assert_false (gtk_widget_is_sensitive (agg_test_find_button (f->page, "Take off pallet")));
  g_assert_null (agg_test_find_button (f->page, "Take as sample"));

  /* Its label beside it, as the line prints it. */
  preview = agg_test_find_widget (f->page, AGG_TYPE_LABEL_PREVIEW);
  g_assert_nonnull (preview);
  agg_test_wait_until (agg_label_preview_get_label (AGG_LABEL_PREVIEW (preview)) != NULL);
  g_assert_cmpstr (agg_label_get_sscc (agg_label_preview_get_label (AGG_LABEL_PREVIEW (preview))),
                   ==, f->sscc);

  agg_test_save_screenshot (GTK_WIDGET (f->window), "screenshot-supervisor.png");
  agg_test_assert_controls_named (GTK_WIDGET (f->window));

  /* Retiring a case may take its units along; cancelled, nothing is
   * asked of the engine. */
  g_assert_true (gtk_widget_activate_action (f->page, "supervisor.correct", "s", "decommission"));
  agg_test_wait_until ((dialog = reason_dialog ()) != NULL);
  g_assert_nonnull (agg_test_find_widget (dialog, GTK_TYPE_SWITCH));
  agg_test_assert_controls_named (dialog);
  respond (dialog, "cancel");
  agg_test_wait_until (reason_dialog () == NULL);
  g_assert_true (has_string (f, "last-outcome", "ACCEPTED"));
  g_assert_true (gtk_widget_is_sensitive (agg_test_find_button (f->page, "Decommission")));

  /* Unknown codes leave the record shown. */
  g_assert_true (gtk_widget_activate_action (f->page, "supervisor.lookup", "s",
                                             "(01)" GTIN "(21)NOSUCHUNIT"));
  agg_test_wait_until (has_string (f, "last-outcome", "NOT_FOUND"));
  g_assert_true (has_string (f, "record-code", f->sscc));
}

static void
test_remove_unit (Fixture       *f,
                  gconstpointer  data)
{
  g_autofree char *code = unit_code (5);
  g_autofree char *reason = NULL;
  g_autofree char *history = NULL;
  g_autofree char *expected = NULL;
  GtkWidget *dialog;
  guint before;

  /* Tapping a unit of the case shows it, inside its case. */
  show (f, f->sscc);
  g_assert_nonnull (unit_row (f, 5));
  g_signal_emit_by_name (unit_row (f, 5), "activate");
  agg_test_wait_until (has_string (f, "record-code", code));
  g_assert_true (has_string (f, "record-kind", "unit"));
  g_assert_true (has_string (f, "record-status", "aggregated"));
  g_assert_nonnull (find_class (f->page, "parent-link"));
  before = history_count (f);
  g_assert_cmpuint (before, ==, 1);

  g_assert_true (gtk_widget_activate_action (f->page, "supervisor.correct", "s", "remove-unit"));
  reason = give_reason (NULL);

  /* The engine's meaning is what the signer reads. */
  agg_test_wait_until ((dialog = signature_dialog ()) != NULL);
  agg_test_wait_until (has_string (f, "last-outcome", "SIGNATURE_REQUIRED"));
  expected = g_strdup_printf ("Remove unit %s from case %s", code, f->sscc);
  g_assert_cmpstr (adw_message_dialog_get_body (ADW_MESSAGE_DIALOG (dialog)), ==, expected);
  agg_test_wait_until (agg_test_find_button (dialog, SIGNER_NAME) != NULL);
  /* Whole, answers included, whatever the signers that came after it
   * opened. */
  agg_test_wait_until (inside (agg_test_find_button (dialog, "_Sign"), dialog));
  agg_test_save_screenshot (dialog, "screenshot-signature.png");
  agg_test_assert_controls_named (dialog);

  sign (dialog, "2222");
  agg_test_wait_until (has_string (f, "last-outcome", "ACCEPTED") &&
                       has_string (f, "record-status", "removed") &&
                       history_count (f) > before);
  g_assert_null (signature_dialog ());
  g_assert_true (has_string (f, "record-code", code));

  history = dup_text_of_class (f->page, "record-history");
  g_assert_nonnull (strstr (history, "Signed by " SIGNER_NAME ": Remove unit"));
  g_assert_nonnull (strstr (history, reason));

  /* Done by the operator logged in, signed by the supervisor. */
  g_assert_cmpint (agg_test_db_int (f->station.db,
                                    "SELECT count (*) FROM audit WHERE action = 'unit.remove'"
                                    " AND object = ? AND username = 'operator'"
                                    " AND signer = 'supervisor' AND reason = ?",
                                    code, reason, NULL), ==, 1);
  g_assert_cmpint (agg_test_db_int (f->station.db,
                                    "SELECT count (*) FROM units WHERE serial = 'SN0005'"
                                    " AND status = 'removed' AND parent_id IS NULL",
                                    NULL), ==, 1);
  agg_test_assert_audit_intact (f->station.store);
}

static void
test_wrong_pin (Fixture       *f,
                gconstpointer  data)
{
  g_autofree char *scan = unit_scan (3);
  g_autofree char *code = unit_code (3);
  g_autofree char *reason = NULL;
  GtkWidget *dialog;
  GtkWidget *again;

  /* Scanned, as the reader sends it. */
  agg_supervisor_page_scan (AGG_SUPERVISOR_PAGE (f->page), scan, strlen (scan));
  agg_test_wait_until (has_string (f, "record-code", code));

  g_assert_true (gtk_widget_activate_action (f->page, "supervisor.correct", "s", "remove-unit"));
  reason = give_reason ("Dropped on the floor");
  agg_test_wait_until ((dialog = signature_dialog ()) != NULL);
  sign (dialog, "9999");

  /* Asked again, saying why; nothing written. */
  agg_test_wait_until (has_string (f, "last-outcome", "BAD_CREDENTIALS"));
  agg_test_wait_until ((again = signature_dialog ()) != NULL);
  g_assert_nonnull (find_class (again, "error"));
  g_assert_cmpint (agg_test_db_int (f->station.db,
                                    "SELECT count (*) FROM audit WHERE action = 'unit.remove'",
                                    NULL), ==, 0);

  respond (again, "cancel");
  agg_test_wait_until (signature_dialog () == NULL);
  g_assert_true (has_string (f, "record-status", "aggregated"));
  g_assert_cmpint (agg_test_db_int (f->station.db,
                                    "SELECT count (*) FROM units WHERE serial = 'SN0003'"
                                    " AND status = 'aggregated'", NULL), ==, 1);

  /* The page takes the next correction. */
  g_assert_true (gtk_widget_is_sensitive (agg_test_find_button (f->page, "Remove from case")));
}

static void
test_replace_unit (Fixture       *f,
                   gconstpointer  data)
{
  g_autofree char *code = unit_code (7);
  g_autofree char *newcomer = unit_scan (100);
  g_autofree char *reason = NULL;
  g_autofree char *prompt = NULL;
  GtkWidget *dialog;

  show (f, code);
  g_assert_true (gtk_widget_activate_action (f->page, "supervisor.correct", "s", "replace-unit"));

  /* No dialog yet: the page asks for the new unit first. */
  prompt = dup_text_of_class (f->page, "supervisor-search");
  g_assert_nonnull (strstr (prompt, "Scan the new unit"));
  g_assert_null (reason_dialog ());

  agg_supervisor_page_scan (AGG_SUPERVISOR_PAGE (f->page), newcomer, strlen (newcomer));
  reason = give_reason (NULL);
  agg_test_wait_until ((dialog = signature_dialog ()) != NULL);
  g_assert_nonnull (strstr (adw_message_dialog_get_body (ADW_MESSAGE_DIALOG (dialog)),
                            "(21)SN0100"));
  sign (dialog, "2222");

  agg_test_wait_until (has_string (f, "last-outcome", "ACCEPTED") &&
                       has_string (f, "record-status", "removed"));
  g_assert_cmpint (agg_test_db_int (f->station.db,
                                    "SELECT count (*) FROM units u JOIN containers c"
                                    "    ON c.id = u.parent_id"
                                    " WHERE u.serial = 'SN0100' AND u.status = 'aggregated'"
                                    "   AND c.sscc = ?", f->sscc, NULL), ==, 1);
  g_assert_cmpint (agg_test_db_int (f->station.db,
                                    "SELECT count (*) FROM audit WHERE action = 'unit.replace'"
                                    " AND signer = 'supervisor'", NULL), ==, 1);
}

int
main (int    argc,
      char **argv)
{
  agg_test_ui_init (&argc, &argv);

  g_test_add ("/ui/supervisor/case-tree", Fixture, NULL,
              fixture_set_up, test_case_tree, fixture_tear_down);
  g_test_add ("/ui/supervisor/remove-unit", Fixture, NULL,
              fixture_set_up, test_remove_unit, fixture_tear_down);
  g_test_add ("/ui/supervisor/wrong-pin", Fixture, NULL,
              fixture_set_up, test_wrong_pin, fixture_tear_down);
  g_test_add ("/ui/supervisor/replace-unit", Fixture, NULL,
              fixture_set_up, test_replace_unit, fixture_tear_down);

  return g_test_run ();
}
