/* agg-status-page.c: the station's health, and the work order's
 * reconciliation and close
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The page shows what the engine answers to STATUS and RECONCILE, read
 * again every few seconds while it is on screen, and nothing it does not
 * answer: no device the station has not configured, no upload that does
 * not happen.  Closing the order is a dialogue with the engine: a reason,
 * then either the containers still open or the supervisor's signature.
 */

#include "config.h"

#include <glib/gi18n.h>
#include <inttypes.h>
#include <string.h>

#include "agg-dialog.h"
#include "agg-signature-dialog.h"
#include "agg-status-page.h"

#define REFRESH_SECONDS 5
/* Fewer SSCCs than this, and the page warns: about a shift of cases on a
 * fast line, time enough to import a new range. */
#define SSCC_LOW        1000

/* Reasons a supervisor gives for closing an order. */
static const char *const reasons[] = {
  N_("Order complete"),
  N_("End of lot"),
  N_("Stopped by planning"),
};

/* The reconciliation's figures, as the engine names them: units on the
 * left, containers and what left the line on the right. */
static const struct
{
  const char *name;
  const char *label;
} figures[] = {
  { "planned", N_("Planned") },
  { "cases", N_("Cases closed") },
  { "aggregated", N_("Aggregated") },
  { "pallets", N_("Pallets closed") },
  { "in_full_cases", N_("In full cases") },
  { "open_containers", N_("Cases and pallets open") },
  { "in_partial_cases", N_("In partial cases") },
  { "sampled", N_("Sampled") },
  { "in_open_cases", N_("In open cases") },
  { "decommissioned", N_("Decommissioned") },
  { "on_pallets", N_("On pallets") },
  { "destroyed", N_("Destroyed") },
  { "rejected", N_("Scans rejected") },
  { "removed", N_("Removed") },
};

/* Why the engine refused scans (agg_outcome_to_string), in words. */
static const struct
{
  const char *outcome;
  const char *phrase;
} outcome_phrases[] = {
  { "NOT_GS1", N_("Not a GS1 code") },
  { "INVALID_GS1", N_("Invalid GS1 code") },
  { "NOT_A_UNIT", N_("Not a unit code") },
  { "WRONG_PRODUCT", N_("Wrong product") },
  { "WRONG_LOT", N_("Wrong lot") },
  { "WRONG_EXPIRY", N_("Wrong expiry date") },
  { "EXPIRED", N_("Expired") },
  { "NOT_COMMISSIONED", N_("Not commissioned") },
  { "DUPLICATE_IN_THIS_CASE", N_("Already in this case") },
  { "ALREADY_AGGREGATED", N_("Already packed") },
  { "UNIT_DECOMMISSIONED", N_("Decommissioned unit") },
  { "CASE_FULL", N_("Case full") },
  { "NO_OPEN_CASE", N_("No open case") },
  { "NO_RUNNING_ORDER", N_("No running order") },
  { "SSCC_RANGE_EXHAUSTED", N_("No SSCC left") },
  { "NOT_FOUND", N_("Unknown case") },
  { "INVALID_STATE", N_("Case not closed") },
};

struct _AggStatusPage
{
  AdwBin               parent_instance;

  AggStation          *station;

  GtkLabel            *updated_label;
  AdwActionRow        *database_row;
  GtkLabel            *database_label;
  GtkLabel            *audit_label;
  GtkLabel            *units_label;
  GtkLabel            *containers_label;
  AdwActionRow        *sscc_row;
  GtkLabel            *sscc_label;
  GtkLabel            *pending_label;
  GtkLabel            *exceptions_label;
  GtkLabel            *events_label;
  AdwPreferencesGroup *devices_group;
  GtkWidget           *no_devices_row;
  GtkLabel            *order_label;
  AdwPreferencesGroup *reconciliation_group;
  GtkStack            *reconciliation_stack;
  GtkLabel            *reconciliation_message;
  GtkGrid             *figures_grid;
  GtkGrid             *reasons_grid;

  GtkLabel            *figure_values[G_N_ELEMENTS (figures)];
  GPtrArray           *device_rows;

  AggLine             *line;
  GCancellable        *cancellable;
  guint                timer;
  gboolean             refreshing;
  gboolean             refresh_again;
  AggRequest          *acting;        /* the suspend or close with the engine */

  /* What the engine last said. */
  gint64               events_pending;
  gint64               units_total;
  char                *running_order;
  char                *shown_order;   /* the order reconciled: the running one, or the last */
  gint64               aggregated;
  char                *last_outcome;

  AggSignatureNeed     to_sign;       /* refused for want of a signature */
  GtkWindow           *dialog;        /* the question open, if any */
};

G_DEFINE_FINAL_TYPE (AggStatusPage, agg_status_page, ADW_TYPE_BIN)

enum
{
  PROP_0,
  PROP_EVENTS_PENDING,
  PROP_UNITS_TOTAL,
  PROP_RUNNING_ORDER,
  PROP_AGGREGATED,
  PROP_LAST_OUTCOME,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void run_action (AggStatusPage *self,
                        AggRequest    *request);

/* Helpers */

static JsonObject *
get_object (JsonObject *object,
            const char *name)
{
  JsonNode *node = object ? json_object_get_member (object, name) : NULL;

  return node != NULL && JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
}

static const char *
get_string (JsonObject *object,
            const char *name)
{
  JsonNode *node = json_object_get_member (object, name);

  return node != NULL && JSON_NODE_HOLDS_VALUE (node) &&
         json_node_get_value_type (node) == G_TYPE_STRING ? json_node_get_string (node) : NULL;
}

static gint64
get_int (JsonObject *object,
         const char *name)
{
  return json_object_get_int_member_with_default (object, name, 0);
}

/* In the locale's digit groups, read from a metre away. */
static void
set_count (GtkLabel *label,
           gint64    n)
{
  g_autofree char *text = g_strdup_printf ("%'" PRId64, n);

  gtk_label_set_text (label, text);
}

static void
set_style (GtkWidget  *widget,
           const char *style_class,
           gboolean    on)
{
  if (on)
    gtk_widget_add_css_class (widget, style_class);
  else
    gtk_widget_remove_css_class (widget, style_class);
}

static const char *
outcome_phrase (const char *outcome)
{
  for (guint i = 0; i < G_N_ELEMENTS (outcome_phrases); i++)
    if (strcmp (outcome_phrases[i].outcome, outcome) == 0)
      return _(outcome_phrases[i].phrase);
  return outcome;
}

static GtkWindow *
parent_window (AggStatusPage *self)
{
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));

  return GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL;
}

/* Toasts take markup; the engine's messages are text. */
static void
toast (AggStatusPage *self,
       const char    *message)
{
  g_autofree char *escaped = g_markup_escape_text (message, -1);
  /* The bin's own child: bound as a template child, it would be unparented
   * twice on dispose. */
  AdwToastOverlay *overlay = ADW_TOAST_OVERLAY (adw_bin_get_child (ADW_BIN (self)));

  adw_toast_overlay_add_toast (overlay, adw_toast_new (escaped));
}

static void
set_int64 (AggStatusPage *self,
           gint64        *field,
           gint64         value,
           guint          prop_id)
{
  if (*field == value)
    return;
  *field = value;
  g_object_notify_by_pspec (G_OBJECT (self), properties[prop_id]);
}

static void
set_string (AggStatusPage  *self,
            char          **field,
            const char     *value,
            guint           prop_id)
{
  if (g_strcmp0 (*field, value) == 0)
    return;
  g_free (*field);
  *field = g_strdup (value);
  g_object_notify_by_pspec (G_OBJECT (self), properties[prop_id]);
}

static void
update_actions (AggStatusPage *self)
{
  gboolean can_act = self->running_order != NULL && self->acting == NULL;

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "status.suspend", can_act);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "status.close-order", can_act);
}

/* The station */

static GtkWidget *
device_row (const char *title,
            const char *subtitle,
            const char *state,
            const char *style,
            const char *icon)
{
  GtkWidget *row = adw_action_row_new ();

  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title ? title : "");
  if (subtitle != NULL)
    adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);
  adw_action_row_set_subtitle_lines (ADW_ACTION_ROW (row), 3);
  if (icon != NULL)
    {
      GtkWidget *image = gtk_image_new_from_icon_name (icon);

      gtk_accessible_update_property (GTK_ACCESSIBLE (image),
                                      GTK_ACCESSIBLE_PROPERTY_LABEL, state ? state : title, -1);
      if (style != NULL)
        gtk_widget_add_css_class (image, style);
      adw_action_row_add_prefix (ADW_ACTION_ROW (row), image);
    }
  if (state != NULL)
    {
      GtkWidget *label = gtk_label_new (state);

      gtk_widget_add_css_class (label, "status-value");
      if (style != NULL)
        gtk_widget_add_css_class (label, style);
      adw_action_row_add_suffix (ADW_ACTION_ROW (row), label);
    }
  return row;
}

static void
add_device_row (AggStatusPage *self,
                GtkWidget     *row)
{
  adw_preferences_group_add (self->devices_group, row);
  g_ptr_array_add (self->device_rows, row);
}

/* What a device kind is called on screen. */
static const char *
kind_title (const char *kind)
{
  if (g_strcmp0 (kind, "reader") == 0)
    return _("Reader");
  if (g_strcmp0 (kind, "plc") == 0)
    return _("PLC");
  if (g_strcmp0 (kind, "printer") == 0)
    return _("Printer");
  if (g_strcmp0 (kind, "camera") == 0)
    return _("Camera");
  if (g_strcmp0 (kind, "upstream") == 0)
    return _("Upstream");
  return kind;
}

/* Faults first, in red, then each device with its state and figures. */
static void
show_devices (AggStatusPage *self,
              JsonArray     *devices,
              JsonArray     *faults,
              JsonArray     *warnings)
{
  guint n = devices ? json_array_get_length (devices) : 0;

  for (guint i = 0; i < self->device_rows->len; i++)
    adw_preferences_group_remove (self->devices_group, g_ptr_array_index (self->device_rows, i));
  g_ptr_array_set_size (self->device_rows, 0);

  for (guint i = 0; faults != NULL && i < json_array_get_length (faults); i++)
    {
      JsonObject *fault = json_array_get_object_element (faults, i);

      add_device_row (self, device_row (get_string (fault, "message"), get_string (fault, "id"),
                                        _("Line stopped"), "error", "dialog-error-symbolic"));
    }

  for (guint i = 0; warnings != NULL && i < json_array_get_length (warnings); i++)
    {
      JsonObject *warning = json_array_get_object_element (warnings, i);

      add_device_row (self, device_row (get_string (warning, "message"), get_string (warning, "id"),
                                        _("Attention"), "warning", "dialog-warning-symbolic"));
    }

  for (guint i = 0; i < n; i++)
    {
      JsonNode *node = json_array_get_element (devices, i);
      JsonObject *device = JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
      const char *name = device ? get_string (device, "name") : NULL;
      const char *kind = device ? get_string (device, "kind") : NULL;
      const char *detail = device ? get_string (device, "detail") : NULL;
      const char *error = device ? get_string (device, "last_error") : NULL;
      gboolean connected = device && json_object_get_boolean_member_with_default (device, "connected", FALSE);
      g_autofree char *title = kind ? g_strdup_printf ("%s · %s", kind_title (kind), name ? name : "")
                                    : g_strdup (name);
      g_autofree char *subtitle = NULL;

      if (detail != NULL && error != NULL && !connected)
        subtitle = g_strdup_printf ("%s\n%s", detail, error);
      else
        subtitle = g_strdup (detail != NULL ? detail : error);

      add_device_row (self, device_row (title, subtitle,
                                        device ? get_string (device, "state") : NULL,
                                        connected ? "success" : "error",
                                        connected ? "emblem-ok-symbolic" : "network-offline-symbolic"));
    }
  gtk_widget_set_visible (self->no_devices_row, self->device_rows->len == 0);
}

static void
show_station (AggStatusPage *self)
{
  g_autoptr(JsonObject) status = NULL;

  if (self->station == NULL)
    return;
  status = agg_station_dup_status (self->station);
  show_devices (self, json_object_get_array_member (status, "devices"),
                json_object_get_array_member (status, "faults"),
                json_object_get_array_member (status, "warnings"));
}

static void
show_status (AggStatusPage *self,
             JsonObject    *status)
{
  JsonNode *devices = json_object_get_member (status, "devices");
  gint64 ssccs = get_int (status, "sscc_remaining");
  gint64 exceptions = get_int (status, "events_exceptions");
  g_autofree char *size = g_format_size (MAX (get_int (status, "database_bytes"), 0));
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  g_autofree char *at = g_date_time_format (now, "%H:%M:%S");
  g_autofree char *updated = NULL;

  adw_action_row_set_subtitle (self->database_row, get_string (status, "database"));
  gtk_label_set_text (self->database_label, size);
  set_count (self->audit_label, get_int (status, "audit_rows"));
  set_count (self->units_label, get_int (status, "units_total"));
  set_count (self->containers_label, get_int (status, "containers_total"));

  set_count (self->sscc_label, ssccs);
  if (ssccs == 0)
    adw_action_row_set_subtitle (self->sscc_row, _("None left: no case or pallet can be opened"));
  else if (ssccs < SSCC_LOW)
    adw_action_row_set_subtitle (self->sscc_row, _("Running low: import a new range"));
  else
    adw_action_row_set_subtitle (self->sscc_row, NULL);
  set_style (GTK_WIDGET (self->sscc_label), "warning", ssccs > 0 && ssccs < SSCC_LOW);
  set_style (GTK_WIDGET (self->sscc_label), "error", ssccs == 0);

  set_count (self->pending_label, get_int (status, "events_pending"));
  set_count (self->exceptions_label, exceptions);
  set_style (GTK_WIDGET (self->exceptions_label), "error", exceptions > 0);
  set_count (self->events_label, get_int (status, "events_total"));

  if (self->station != NULL)
    show_station (self);
  else
    show_devices (self, devices && JSON_NODE_HOLDS_ARRAY (devices) ? json_node_get_array (devices)
                                                                   : NULL, NULL, NULL);

  /* Translators: when the figures were last read, as 14:05:09. */
  updated = g_strdup_printf (_("Last read at %s"), at);
  gtk_label_set_text (self->updated_label, updated);

  set_int64 (self, &self->events_pending, get_int (status, "events_pending"),
             PROP_EVENTS_PENDING);
  set_int64 (self, &self->units_total, get_int (status, "units_total"), PROP_UNITS_TOTAL);
  set_string (self, &self->running_order, get_string (status, "running_order"),
              PROP_RUNNING_ORDER);
  gtk_label_set_text (self->order_label,
                      self->running_order ? self->running_order : C_("order", "None"));
  update_actions (self);
}

/* The work order */

static GtkWidget *
figure_label (const char *text,
              gboolean    value)
{
  GtkWidget *label = gtk_label_new (text);

  gtk_label_set_xalign (GTK_LABEL (label), value ? 1 : 0);
  /* Long words of other languages wrap rather than widen the page. */
  gtk_label_set_wrap (GTK_LABEL (label), !value);
  gtk_widget_set_hexpand (label, !value);
  gtk_widget_add_css_class (label, value ? "figure-value" : "figure-label");
  return label;
}

static void
build_figures (AggStatusPage *self)
{
  for (guint i = 0; i < G_N_ELEMENTS (figures); i++)
    {
      GtkWidget *label = figure_label (_(figures[i].label), FALSE);
      GtkWidget *value = figure_label (NULL, TRUE);

      gtk_grid_attach (self->figures_grid, label, 2 * (i % 2), i / 2, 1, 1);
      gtk_grid_attach (self->figures_grid, value, 2 * (i % 2) + 1, i / 2, 1, 1);
      gtk_accessible_update_relation (GTK_ACCESSIBLE (value), GTK_ACCESSIBLE_RELATION_LABELLED_BY,
                                      label, NULL, -1);
      self->figure_values[i] = GTK_LABEL (value);
    }
}

static void
show_reasons (AggStatusPage *self,
              JsonObject    *by_reason)
{
  g_autoptr(GList) names = by_reason ? json_object_get_members (by_reason) : NULL;
  GtkWidget *child;
  guint i = 0;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->reasons_grid))) != NULL)
    gtk_grid_remove (self->reasons_grid, child);

  for (GList *l = names; l != NULL; l = l->next, i++)
    {
      GtkWidget *label = figure_label (outcome_phrase (l->data), FALSE);
      GtkWidget *value = figure_label (NULL, TRUE);

      set_count (GTK_LABEL (value), get_int (by_reason, l->data));
      gtk_grid_attach (self->reasons_grid, label, 2 * (i % 2), i / 2, 1, 1);
      gtk_grid_attach (self->reasons_grid, value, 2 * (i % 2) + 1, i / 2, 1, 1);
      gtk_accessible_update_relation (GTK_ACCESSIBLE (value), GTK_ACCESSIBLE_RELATION_LABELLED_BY,
                                      label, NULL, -1);
    }
  if (i == 0)
    gtk_grid_attach (self->reasons_grid, figure_label (_("No scan was rejected"), FALSE),
                     0, 0, 2, 1);
}

static void
show_reconciliation (AggStatusPage *self,
                     JsonObject    *figures_object)
{
  const char *order = get_string (figures_object, "order");
  /* The group's title is markup. */
  g_autofree char *title = g_markup_printf_escaped (_("Reconciliation of %s"), order ? order : "");

  for (guint i = 0; i < G_N_ELEMENTS (figures); i++)
    {
      set_count (self->figure_values[i], get_int (figures_object, figures[i].name));
      if (strcmp (figures[i].name, "open_containers") == 0)
        set_style (GTK_WIDGET (self->figure_values[i]), "warning",
                   get_int (figures_object, figures[i].name) > 0);
    }
  show_reasons (self, get_object (figures_object, "rejected_by_reason"));

  adw_preferences_group_set_title (self->reconciliation_group, title);
  adw_preferences_group_set_description (self->reconciliation_group,
                                         g_strcmp0 (order, self->running_order) != 0
                                         ? _("This order is no longer running: its figures as "
                                             "it was left")
                                         : NULL);
  gtk_stack_set_visible_child_name (self->reconciliation_stack, "figures");

  g_free (self->shown_order);
  self->shown_order = g_strdup (order);
  set_int64 (self, &self->aggregated, get_int (figures_object, "aggregated"), PROP_AGGREGATED);
}

/* @message: why there are no figures to show. */
static void
show_no_reconciliation (AggStatusPage *self,
                        const char    *message)
{
  adw_preferences_group_set_title (self->reconciliation_group, _("Reconciliation"));
  adw_preferences_group_set_description (self->reconciliation_group, NULL);
  gtk_label_set_text (self->reconciliation_message, message);
  gtk_stack_set_visible_child_name (self->reconciliation_stack, "none");
  set_int64 (self, &self->aggregated, 0, PROP_AGGREGATED);
}

/* Refreshing: STATUS, then RECONCILE of the order it names */

static void
refresh_done (AggStatusPage *self)
{
  self->refreshing = FALSE;
  if (self->refresh_again)
    {
      self->refresh_again = FALSE;
      agg_status_page_refresh (self);
    }
}

static void
reconcile_cb (GObject      *source,
              GAsyncResult *res,
              gpointer      user_data)
{
  g_autoptr(AggStatusPage) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(AggResult) result = agg_line_execute_finish (AGG_LINE (source), res, &error);
  JsonObject *object;

  if (g_cancellable_is_cancelled (self->cancellable))
    return;

  if (result == NULL)
    show_no_reconciliation (self, error->message);
  else if ((object = get_object (result->details, "reconciliation")) != NULL)
    show_reconciliation (self, object);
  else
    show_no_reconciliation (self, result->message);
  refresh_done (self);
}

static void
status_cb (GObject      *source,
           GAsyncResult *res,
           gpointer      user_data)
{
  g_autoptr(AggStatusPage) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(AggResult) result = agg_line_execute_finish (AGG_LINE (source), res, &error);
  g_autoptr(AggRequest) request = NULL;
  JsonObject *status;

  if (g_cancellable_is_cancelled (self->cancellable))
    return;

  if (result == NULL || (status = get_object (result->details, "status")) == NULL)
    {
      gtk_label_set_text (self->updated_label, result ? result->message : error->message);
      refresh_done (self);
      return;
    }
  show_status (self, status);

  /* Once the order stops, the page keeps showing the figures it stopped
   * with. */
  if (self->running_order == NULL && self->shown_order == NULL)
    {
      show_no_reconciliation (self, _("No work order is running"));
      refresh_done (self);
      return;
    }
  request = agg_request_new (AGG_ACTION_RECONCILE);
  request->code = g_strdup (self->running_order ? self->running_order : self->shown_order);
  agg_line_execute_async (self->line, request, self->cancellable, reconcile_cb,
                          g_object_ref (self));
}

void
agg_status_page_refresh (AggStatusPage *self)
{
  g_autoptr(AggRequest) request = NULL;

  g_return_if_fail (AGG_IS_STATUS_PAGE (self));

  if (self->line == NULL)
    return;
  if (self->refreshing)
    {
      self->refresh_again = TRUE;
      return;
    }

  self->refreshing = TRUE;
  request = agg_request_new (AGG_ACTION_STATUS);
  agg_line_execute_async (self->line, request, self->cancellable, status_cb, g_object_ref (self));
}

static gboolean
refresh_tick (gpointer user_data)
{
  agg_status_page_refresh (user_data);
  return G_SOURCE_CONTINUE;
}

/* Reading only while someone can see it. */
static void
update_timer (AggStatusPage *self)
{
  if (self->line == NULL || !gtk_widget_get_mapped (GTK_WIDGET (self)))
    g_clear_handle_id (&self->timer, g_source_remove);
  else if (self->timer == 0)
    self->timer = g_timeout_add_seconds (REFRESH_SECONDS, refresh_tick, self);
}

/* Dialogs: one question at a time, none left behind */

static void
choose_reason (AggStatusPage *self)
{
  g_autofree char *body = g_strdup_printf (_("Order %s closes for good once a supervisor signs "
                                             "its reconciliation. Choose why it closes."),
                                           self->running_order);

  agg_dialog_choose_reason (&self->dialog, GTK_WIDGET (self), "status.close-order",
                            _("Close the order?"), body, reasons, G_N_ELEMENTS (reasons));
}

static void
show_open_containers (AggStatusPage   *self,
                      const AggResult *result)
{
  JsonObject *figures_object = get_object (result->details, "reconciliation");
  gint64 open = figures_object ? get_int (figures_object, "open_containers") : 0;
  g_autofree char *count = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                                         "%" PRId64 " case or pallet open",
                                                         "%" PRId64 " cases or pallets open",
                                                         open), open);
  GtkWidget *dialog;
  GtkWidget *label;

  if (figures_object != NULL)
    show_reconciliation (self, figures_object);

  dialog = adw_message_dialog_new (parent_window (self), _("The order cannot close yet"),
                                   result->message);
  label = gtk_label_new (count);
  gtk_widget_add_css_class (label, "title-1");
  gtk_widget_add_css_class (label, "warning");
  adw_message_dialog_set_extra_child (ADW_MESSAGE_DIALOG (dialog), label);
  adw_message_dialog_add_response (ADW_MESSAGE_DIALOG (dialog), "close", _("_Close"));
  gtk_widget_add_css_class (dialog, "touch-dialog");
  g_signal_connect_swapped (dialog, "response", G_CALLBACK (agg_dialog_forget), &self->dialog);
  agg_dialog_show (&self->dialog, dialog);
}

/* The signature */

static void
sign_response_cb (AggSignatureDialog *dialog,
                  const char         *response,
                  AggStatusPage      *self)
{
  /* Answered: it is closing already. */
  agg_dialog_forget (&self->dialog);
  if (strcmp (response, "sign") != 0 || self->to_sign.request == NULL)
    {
      agg_signature_need_clear (&self->to_sign);
      toast (self, _("The order stays open: not signed"));
      return;
    }

  run_action (self, agg_signature_dialog_sign (dialog, self->to_sign.request));
}

/* @problem: why the last try failed, if it did. */
static void
ask_signature (AggStatusPage *self,
               const char    *problem)
{
  GtkWidget *dialog = agg_signature_dialog_new_for_need (parent_window (self), self->line,
                                                         &self->to_sign, problem);

  g_signal_connect_object (dialog, "response", G_CALLBACK (sign_response_cb), self, 0);
  agg_dialog_show (&self->dialog, dialog);
}

/* Suspending and closing */

static void
handle_action_result (AggStatusPage    *self,
                      const AggRequest *request,
                      const AggResult  *result)
{
  set_string (self, &self->last_outcome, agg_outcome_to_string (result->outcome),
              PROP_LAST_OUTCOME);

  if (result->outcome == AGG_OUTCOME_OPEN_CONTAINERS)
    show_open_containers (self, result);
  else if (result->outcome == AGG_OUTCOME_SIGNATURE_REQUIRED)
    {
      agg_signature_need_set (&self->to_sign, request, result);
      ask_signature (self, NULL);
    }
  else if (result->outcome == AGG_OUTCOME_BAD_CREDENTIALS && self->to_sign.request != NULL)
    ask_signature (self, result->message);
  else
    {
      agg_signature_need_clear (&self->to_sign);
      toast (self, result->message);
    }
  agg_status_page_refresh (self);
}

static void
action_cb (GObject      *source,
           GAsyncResult *res,
           gpointer      user_data)
{
  g_autoptr(AggStatusPage) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(AggResult) result = agg_line_execute_finish (AGG_LINE (source), res, &error);
  g_autoptr(AggRequest) request = NULL;

  if (g_cancellable_is_cancelled (self->cancellable))
    return;

  request = g_steal_pointer (&self->acting);
  update_actions (self);
  if (result != NULL)
    handle_action_result (self, request, result);
  else
    toast (self, error->message);
}

/* Takes @request. */
static void
run_action (AggStatusPage *self,
            AggRequest    *request)
{
  if (self->line == NULL || self->acting != NULL)
    {
      agg_request_free (request);
      return;
    }

  /* Kept until the answer: a refusal for want of a signature is answered
   * by the same request, signed. */
  self->acting = request;
  update_actions (self);
  agg_line_execute_async (self->line, request, self->cancellable, action_cb,
                          g_object_ref (self));
}

static void
refresh_action (GtkWidget  *widget,
                const char *action_name,
                GVariant   *parameter)
{
  agg_status_page_refresh (AGG_STATUS_PAGE (widget));
}

static void
suspend_action (GtkWidget  *widget,
                const char *action_name,
                GVariant   *parameter)
{
  run_action (AGG_STATUS_PAGE (widget), agg_request_new (AGG_ACTION_SUSPEND_ORDER));
}

static void
close_order_action (GtkWidget  *widget,
                    const char *action_name,
                    GVariant   *parameter)
{
  AggStatusPage *self = AGG_STATUS_PAGE (widget);
  const char *reason = g_variant_get_string (parameter, NULL);
  AggRequest *request;

  if (*reason == '\0')
    {
      choose_reason (self);
      return;
    }

  request = agg_request_new (AGG_ACTION_CLOSE_ORDER);
  request->code = g_strdup (self->running_order);
  request->reason = g_strdup (reason);
  run_action (self, request);
}

/* GObject */

static void
agg_status_page_map (GtkWidget *widget)
{
  AggStatusPage *self = AGG_STATUS_PAGE (widget);

  GTK_WIDGET_CLASS (agg_status_page_parent_class)->map (widget);

  agg_status_page_refresh (self);
  update_timer (self);
}

static void
agg_status_page_unmap (GtkWidget *widget)
{
  AggStatusPage *self = AGG_STATUS_PAGE (widget);

  GTK_WIDGET_CLASS (agg_status_page_parent_class)->unmap (widget);

  /* Logged out or gone to another page: no question is left open on a
   * page nobody sees. */
  agg_dialog_close (&self->dialog);
  agg_signature_need_clear (&self->to_sign);
  update_timer (self);
}

static void
agg_status_page_get_property (GObject    *object,
                              guint       prop_id,
                              GValue     *value,
                              GParamSpec *pspec)
{
  AggStatusPage *self = AGG_STATUS_PAGE (object);

  switch (prop_id)
    {
    case PROP_EVENTS_PENDING:
      g_value_set_int64 (value, self->events_pending);
      break;
    case PROP_UNITS_TOTAL:
      g_value_set_int64 (value, self->units_total);
      break;
    case PROP_RUNNING_ORDER:
      g_value_set_string (value, self->running_order);
      break;
    case PROP_AGGREGATED:
      g_value_set_int64 (value, self->aggregated);
      break;
    case PROP_LAST_OUTCOME:
      g_value_set_string (value, self->last_outcome);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
agg_status_page_dispose (GObject *object)
{
  AggStatusPage *self = AGG_STATUS_PAGE (object);

  g_cancellable_cancel (self->cancellable);
  agg_dialog_close (&self->dialog);
  g_clear_handle_id (&self->timer, g_source_remove);
  if (self->station != NULL)
    g_signal_handlers_disconnect_by_data (self->station, self);
  g_clear_object (&self->station);
  g_clear_object (&self->line);
  gtk_widget_dispose_template (GTK_WIDGET (self), AGG_TYPE_STATUS_PAGE);

  G_OBJECT_CLASS (agg_status_page_parent_class)->dispose (object);
}

static void
agg_status_page_finalize (GObject *object)
{
  AggStatusPage *self = AGG_STATUS_PAGE (object);

  g_object_unref (self->cancellable);
  g_ptr_array_unref (self->device_rows);
  g_free (self->running_order);
  g_free (self->shown_order);
  g_free (self->last_outcome);
  g_clear_pointer (&self->acting, agg_request_free);
  agg_signature_need_clear (&self->to_sign);

  G_OBJECT_CLASS (agg_status_page_parent_class)->finalize (object);
}

static void
agg_status_page_class_init (AggStatusPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->get_property = agg_status_page_get_property;
  object_class->dispose = agg_status_page_dispose;
  object_class->finalize = agg_status_page_finalize;
  widget_class->map = agg_status_page_map;
  widget_class->unmap = agg_status_page_unmap;

  /* The engine's figures, as last read. */
  properties[PROP_EVENTS_PENDING] =
    g_param_spec_int64 ("events-pending", NULL, NULL, 0, G_MAXINT64, 0,
                        G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_UNITS_TOTAL] =
    g_param_spec_int64 ("units-total", NULL, NULL, 0, G_MAXINT64, 0,
                        G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_RUNNING_ORDER] =
    g_param_spec_string ("running-order", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  /* The units aggregated in the order reconciled. */
  properties[PROP_AGGREGATED] =
    g_param_spec_int64 ("aggregated", NULL, NULL, 0, G_MAXINT64, 0,
                        G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  /* The engine's answer to the page's last suspend or close
   * (agg_outcome_to_string). */
  properties[PROP_LAST_OUTCOME] =
    g_param_spec_string ("last-outcome", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/aggstation/Station/agg-status-page.ui");
  gtk_widget_class_bind_template_child (widget_class, AggStatusPage, updated_label);
  gtk_widget_class_bind_template_child (widget_class, AggStatusPage, database_row);
  gtk_widget_class_bind_template_child (widget_class, AggStatusPage, database_label);
  gtk_widget_class_bind_template_child (widget_class, AggStatusPage, audit_label);
  gtk_widget_class_bind_template_child (widget_class, AggStatusPage, units_label);
  gtk_widget_class_bind_template_child (widget_class, AggStatusPage, containers_label);
  gtk_widget_class_bind_template_child (widget_class, AggStatusPage, sscc_row);
  gtk_widget_class_bind_template_child (widget_class, AggStatusPage, sscc_label);
  gtk_widget_class_bind_template_child (widget_class, AggStatusPage, pending_label);
  gtk_widget_class_bind_template_child (widget_class, AggStatusPage, exceptions_label);
  gtk_widget_class_bind_template_child (widget_class, AggStatusPage, events_label);
  gtk_widget_class_bind_template_child (widget_class, AggStatusPage, devices_group);
  gtk_widget_class_bind_template_child (widget_class, AggStatusPage, no_devices_row);
  gtk_widget_class_bind_template_child (widget_class, AggStatusPage, order_label);
  gtk_widget_class_bind_template_child (widget_class, AggStatusPage, reconciliation_group);
  gtk_widget_class_bind_template_child (widget_class, AggStatusPage, reconciliation_stack);
  gtk_widget_class_bind_template_child (widget_class, AggStatusPage, reconciliation_message);
  gtk_widget_class_bind_template_child (widget_class, AggStatusPage, figures_grid);
  gtk_widget_class_bind_template_child (widget_class, AggStatusPage, reasons_grid);

  gtk_widget_class_install_action (widget_class, "status.refresh", NULL, refresh_action);
  gtk_widget_class_install_action (widget_class, "status.suspend", NULL, suspend_action);
  gtk_widget_class_install_action (widget_class, "status.close-order", "s", close_order_action);
}

static void
agg_status_page_init (AggStatusPage *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  self->cancellable = g_cancellable_new ();
  self->device_rows = g_ptr_array_new ();
  build_figures (self);
  show_no_reconciliation (self, _("Reading the work order…"));
  gtk_label_set_text (self->order_label, C_("order", "None"));
  update_actions (self);
}

void
agg_status_page_set_line (AggStatusPage *self,
                          AggLine       *line)
{
  g_return_if_fail (AGG_IS_STATUS_PAGE (self));
  g_return_if_fail (line == NULL || AGG_IS_LINE (line));

  if (!g_set_object (&self->line, line))
    return;

  update_timer (self);
  if (line != NULL && gtk_widget_get_mapped (GTK_WIDGET (self)))
    agg_status_page_refresh (self);
}

void
agg_status_page_set_station (AggStatusPage *self,
                             AggStation    *station)
{
  g_return_if_fail (AGG_IS_STATUS_PAGE (self));
  g_return_if_fail (station == NULL || AGG_IS_STATION (station));

  if (self->station == station)
    return;
  if (self->station != NULL)
    g_signal_handlers_disconnect_by_data (self->station, self);
  g_set_object (&self->station, station);
  if (station != NULL)
    g_signal_connect_swapped (station, "status-changed", G_CALLBACK (show_station), self);
  show_station (self);
}
