/* agg-upstream-page.c: the EPCIS repository as a supervisor sees it
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Whether the station reaches its repository, how much waits, when the
 * last delivery went through, and the events the repository refused,
 * each with its reason.  A refused event is sent again or marked
 * handled: a reason first, then the engine's refusal for want of a
 * signature, then the same request signed.  The page shows what the
 * engine answers to STATUS and LIST_EXCEPTIONS, read again every few
 * seconds while it is on screen.
 */

#include "config.h"

#include <glib/gi18n.h>
#include <inttypes.h>
#include <string.h>

#include "agg-dialog.h"
#include "agg-signature-dialog.h"
#include "agg-upstream-page.h"

#define REFRESH_SECONDS 5

static const char *const resend_reasons[] = {
  N_("Master data corrected"),
  N_("Repository fixed"),
  N_("Sent too early"),
};

static const char *const handled_reasons[] = {
  N_("Reported to the repository by hand"),
  N_("Duplicate of a delivered event"),
  N_("Not needed upstream"),
};

struct _AggUpstreamPage
{
  AdwBin               parent_instance;

  AdwActionRow        *connection_row;
  GtkLabel            *connection_label;
  GtkLabel            *pending_label;
  GtkLabel            *last_success_label;
  AdwActionRow        *error_row;
  AdwPreferencesGroup *exceptions_group;
  GtkWidget           *no_exceptions_row;

  GPtrArray           *exception_rows;

  AggLine             *line;
  GCancellable        *cancellable;
  guint                timer;
  gboolean             acting;

  AggRequest          *resolving;     /* the resend or handled waiting for a reason */
  AggSignatureNeed     to_sign;       /* refused for want of a signature */
  GtkWindow           *dialog;
};

G_DEFINE_FINAL_TYPE (AggUpstreamPage, agg_upstream_page, ADW_TYPE_BIN)

static void run_action (AggUpstreamPage *self,
                        AggRequest      *request);

static GtkWindow *
parent_window (AggUpstreamPage *self)
{
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));

  return GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL;
}

static void
toast (AggUpstreamPage *self,
       const char      *message)
{
  g_autofree char *escaped = g_markup_escape_text (message, -1);
  AdwToastOverlay *overlay = ADW_TOAST_OVERLAY (adw_bin_get_child (ADW_BIN (self)));

  adw_toast_overlay_add_toast (overlay, adw_toast_new (escaped));
}

static const char *
get_string (JsonObject *object,
            const char *name)
{
  JsonNode *node = object ? json_object_get_member (object, name) : NULL;

  if (node == NULL || json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;
  return json_node_get_string (node);
}

static JsonObject *
get_object (JsonObject *object,
            const char *name)
{
  JsonNode *node = object ? json_object_get_member (object, name) : NULL;

  return node != NULL && JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
}

/* The station's figures */

static void
set_state_class (GtkWidget  *widget,
                 const char *css_class)
{
  gtk_widget_remove_css_class (widget, "success");
  gtk_widget_remove_css_class (widget, "error");
  gtk_widget_remove_css_class (widget, "warning");
  if (css_class != NULL)
    gtk_widget_add_css_class (widget, css_class);
}

static void
show_status (AggUpstreamPage *self,
             JsonObject      *status)
{
  JsonObject *sync = get_object (status, "sync");
  const char *error = get_string (sync, "last_error");
  const char *success = get_string (sync, "last_success_at");
  g_autofree char *pending = NULL;
  gint64 n;

  n = sync != NULL ? json_object_get_int_member (sync, "pending")
                   : json_object_get_int_member (status, "events_pending");
  pending = g_strdup_printf ("%" PRId64, n);
  gtk_label_set_label (self->pending_label, pending);

  if (sync == NULL)
    {
      /* This station runs without an upstream, or another process sends. */
      gtk_label_set_label (self->connection_label, _("Not configured here"));
      set_state_class (GTK_WIDGET (self->connection_label), NULL);
      adw_action_row_set_subtitle (self->connection_row, "");
    }
  else if (json_object_get_boolean_member (sync, "online"))
    {
      gtk_label_set_label (self->connection_label, _("Online"));
      set_state_class (GTK_WIDGET (self->connection_label), error ? "warning" : "success");
      adw_action_row_set_subtitle (self->connection_row, get_string (sync, "url"));
    }
  else
    {
      gtk_label_set_label (self->connection_label, _("Offline"));
      set_state_class (GTK_WIDGET (self->connection_label), "error");
      adw_action_row_set_subtitle (self->connection_row, get_string (sync, "url"));
    }

  gtk_label_set_label (self->last_success_label, success != NULL ? success : _("Not yet"));
  adw_action_row_set_subtitle (self->error_row, error != NULL ? error : "");
  gtk_widget_set_visible (GTK_WIDGET (self->error_row), error != NULL);
}

/* The refused events */

/* A reason chosen resolves the event through "upstream.resolve";
 * cancelling drops the event in waiting. */
static void
reason_response_cb (AggUpstreamPage  *self,
                    const char       *response,
                    AdwMessageDialog *dialog)
{
  if (strcmp (response, "cancel") == 0)
    g_clear_pointer (&self->resolving, agg_request_free);
}

static void
resolve_clicked_cb (GtkButton       *button,
                    AggUpstreamPage *self)
{
  const char *event_id = g_object_get_data (G_OBJECT (button), "event-id");
  gboolean resend = GPOINTER_TO_INT (g_object_get_data (G_OBJECT (button), "resend"));
  const char *const *reasons = resend ? resend_reasons : handled_reasons;
  guint n_reasons = resend ? G_N_ELEMENTS (resend_reasons) : G_N_ELEMENTS (handled_reasons);
  g_autofree char *body = NULL;
  GtkWidget *dialog;

  if (self->acting || self->line == NULL)
    return;

  g_clear_pointer (&self->resolving, agg_request_free);
  self->resolving = agg_request_new (resend ? AGG_ACTION_EVENT_RESEND : AGG_ACTION_EVENT_HANDLED);
  self->resolving->code = g_strdup (event_id);

  body = g_strdup_printf (resend ? _("Event %s goes to the repository again. Choose why.")
                                 : _("Event %s will not be sent. Choose why."), event_id);
  dialog = agg_dialog_choose_reason (&self->dialog, GTK_WIDGET (self), "upstream.resolve",
                                     resend ? _("Send the event again?")
                                            : _("Mark the event handled?"),
                                     body, reasons, n_reasons);
  g_signal_connect_object (dialog, "response", G_CALLBACK (reason_response_cb), self,
                           G_CONNECT_SWAPPED);
}

static GtkWidget *
new_button (AggUpstreamPage *self,
            const char      *label,
            const char      *event_id,
            gboolean         resend)
{
  GtkWidget *button = gtk_button_new_with_label (label);

  gtk_widget_set_valign (button, GTK_ALIGN_CENTER);
  gtk_widget_add_css_class (button, resend ? "suggested-action" : "pill");
  g_object_set_data_full (G_OBJECT (button), "event-id", g_strdup (event_id), g_free);
  g_object_set_data (G_OBJECT (button), "resend", GINT_TO_POINTER (resend));
  g_signal_connect (button, "clicked", G_CALLBACK (resolve_clicked_cb), self);
  return button;
}

static void
show_exceptions (AggUpstreamPage *self,
                 JsonArray       *rows)
{
  guint n = rows != NULL ? json_array_get_length (rows) : 0;

  for (guint i = 0; i < self->exception_rows->len; i++)
    adw_preferences_group_remove (self->exceptions_group, self->exception_rows->pdata[i]);
  g_ptr_array_set_size (self->exception_rows, 0);
  gtk_widget_set_visible (self->no_exceptions_row, n == 0);

  for (guint i = 0; i < n; i++)
    {
      JsonObject *row = json_array_get_object_element (rows, i);
      const char *event_id = get_string (row, "event_id");
      g_autofree char *title = g_strdup_printf ("%s %s · %s", get_string (row, "type"),
                                                get_string (row, "action"),
                                                get_string (row, "event_time"));
      GtkWidget *widget = adw_action_row_new ();

      adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (widget), FALSE);
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (widget), title);
      adw_action_row_set_subtitle (ADW_ACTION_ROW (widget),
                                   get_string (row, "last_error") ? get_string (row, "last_error")
                                                                  : _("Refused"));
      adw_action_row_set_subtitle_lines (ADW_ACTION_ROW (widget), 3);
      gtk_widget_set_tooltip_text (widget, event_id);
      adw_action_row_add_suffix (ADW_ACTION_ROW (widget),
                                 new_button (self, _("Resend"), event_id, TRUE));
      adw_action_row_add_suffix (ADW_ACTION_ROW (widget),
                                 new_button (self, _("Mark handled"), event_id, FALSE));
      adw_preferences_group_add (self->exceptions_group, widget);
      g_ptr_array_add (self->exception_rows, widget);
    }
}

/* Refreshing */

static void
status_cb (GObject      *source,
           GAsyncResult *res,
           gpointer      user_data)
{
  g_autoptr(AggUpstreamPage) self = user_data;
  g_autoptr(AggResult) result = agg_line_execute_finish (AGG_LINE (source), res, NULL);

  if (result != NULL && !g_cancellable_is_cancelled (self->cancellable) &&
      agg_result_is_ok (result))
    show_status (self, get_object (result->details, "status"));
}

static void
exceptions_cb (GObject      *source,
               GAsyncResult *res,
               gpointer      user_data)
{
  g_autoptr(AggUpstreamPage) self = user_data;
  g_autoptr(AggResult) result = agg_line_execute_finish (AGG_LINE (source), res, NULL);

  if (result != NULL && !g_cancellable_is_cancelled (self->cancellable) &&
      agg_result_is_ok (result))
    show_exceptions (self, json_object_get_array_member (result->details, "exceptions"));
}

void
agg_upstream_page_refresh (AggUpstreamPage *self)
{
  g_autoptr(AggRequest) status = agg_request_new (AGG_ACTION_STATUS);
  g_autoptr(AggRequest) exceptions = agg_request_new (AGG_ACTION_LIST_EXCEPTIONS);

  g_return_if_fail (AGG_IS_UPSTREAM_PAGE (self));

  if (self->line == NULL)
    return;
  agg_line_execute_async (self->line, status, self->cancellable, status_cb,
                          g_object_ref (self));
  agg_line_execute_async (self->line, exceptions, self->cancellable, exceptions_cb,
                          g_object_ref (self));
}

static gboolean
refresh_tick (gpointer user_data)
{
  agg_upstream_page_refresh (user_data);
  return G_SOURCE_CONTINUE;
}

static void
update_timer (AggUpstreamPage *self)
{
  if (self->line == NULL || !gtk_widget_get_mapped (GTK_WIDGET (self)))
    g_clear_handle_id (&self->timer, g_source_remove);
  else if (self->timer == 0)
    self->timer = g_timeout_add_seconds (REFRESH_SECONDS, refresh_tick, self);
}

/* Resolving, under signature */

static void
sign_response_cb (AggSignatureDialog *dialog,
                  const char         *response,
                  AggUpstreamPage    *self)
{
  agg_dialog_forget (&self->dialog);
  if (strcmp (response, "sign") != 0 || self->to_sign.request == NULL)
    {
      agg_signature_need_clear (&self->to_sign);
      toast (self, _("Nothing changed: not signed"));
      return;
    }

  run_action (self, agg_signature_dialog_sign (dialog, self->to_sign.request));
}

static void
ask_signature (AggUpstreamPage *self,
               const char      *problem)
{
  GtkWidget *dialog = agg_signature_dialog_new_for_need (parent_window (self), self->line,
                                                         &self->to_sign, problem);

  g_signal_connect_object (dialog, "response", G_CALLBACK (sign_response_cb), self, 0);
  agg_dialog_show (&self->dialog, dialog);
}

static void
handle_result (AggUpstreamPage  *self,
               const AggRequest *request,
               const AggResult  *result)
{
  if (result->outcome == AGG_OUTCOME_SIGNATURE_REQUIRED)
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
  agg_upstream_page_refresh (self);
}

typedef struct
{
  AggUpstreamPage *self;
  AggRequest      *request;
} Acting;

static void
action_cb (GObject      *source,
           GAsyncResult *res,
           gpointer      user_data)
{
  Acting *acting = user_data;
  g_autoptr(AggUpstreamPage) self = acting->self;
  g_autoptr(AggRequest) request = acting->request;
  g_autoptr(GError) error = NULL;
  g_autoptr(AggResult) result = agg_line_execute_finish (AGG_LINE (source), res, &error);

  g_free (acting);
  if (g_cancellable_is_cancelled (self->cancellable))
    return;

  self->acting = FALSE;
  if (result != NULL)
    handle_result (self, request, result);
  else
    toast (self, error->message);
}

/* Takes @request. */
static void
run_action (AggUpstreamPage *self,
            AggRequest      *request)
{
  Acting *acting;

  if (self->line == NULL || self->acting)
    {
      agg_request_free (request);
      return;
    }

  acting = g_new0 (Acting, 1);
  acting->self = g_object_ref (self);
  acting->request = request;
  self->acting = TRUE;
  agg_line_execute_async (self->line, request, self->cancellable, action_cb, acting);
}

/* The reason chosen for the resend or handled in waiting. */
static void
reason_chosen (AggUpstreamPage *self,
               const char      *reason)
{
  AggRequest *request = g_steal_pointer (&self->resolving);

  if (request == NULL)
    return;
  request->reason = g_strdup (reason);
  run_action (self, request);
}

static void
resolve_action (GtkWidget  *widget,
                const char *action_name,
                GVariant   *parameter)
{
  reason_chosen (AGG_UPSTREAM_PAGE (widget), g_variant_get_string (parameter, NULL));
}

/* GObject */

/* A hidden page asks nothing of the engine: it reads when it is shown. */
static void
map_cb (AggUpstreamPage *self)
{
  update_timer (self);
  if (gtk_widget_get_mapped (GTK_WIDGET (self)))
    agg_upstream_page_refresh (self);
}

static void
agg_upstream_page_dispose (GObject *object)
{
  AggUpstreamPage *self = AGG_UPSTREAM_PAGE (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_handle_id (&self->timer, g_source_remove);
  agg_dialog_close (&self->dialog);
  gtk_widget_dispose_template (GTK_WIDGET (self), AGG_TYPE_UPSTREAM_PAGE);

  G_OBJECT_CLASS (agg_upstream_page_parent_class)->dispose (object);
}

static void
agg_upstream_page_finalize (GObject *object)
{
  AggUpstreamPage *self = AGG_UPSTREAM_PAGE (object);

  g_clear_object (&self->line);
  g_clear_object (&self->cancellable);
  g_ptr_array_unref (self->exception_rows);
  g_clear_pointer (&self->resolving, agg_request_free);
  agg_signature_need_clear (&self->to_sign);

  G_OBJECT_CLASS (agg_upstream_page_parent_class)->finalize (object);
}

static void
agg_upstream_page_class_init (AggUpstreamPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = agg_upstream_page_dispose;
  object_class->finalize = agg_upstream_page_finalize;

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/aggstation/Station/agg-upstream-page.ui");
  gtk_widget_class_bind_template_child (widget_class, AggUpstreamPage, connection_row);
  gtk_widget_class_bind_template_child (widget_class, AggUpstreamPage, connection_label);
  gtk_widget_class_bind_template_child (widget_class, AggUpstreamPage, pending_label);
  gtk_widget_class_bind_template_child (widget_class, AggUpstreamPage, last_success_label);
  gtk_widget_class_bind_template_child (widget_class, AggUpstreamPage, error_row);
  gtk_widget_class_bind_template_child (widget_class, AggUpstreamPage, exceptions_group);
  gtk_widget_class_bind_template_child (widget_class, AggUpstreamPage, no_exceptions_row);

  gtk_widget_class_install_action (widget_class, "upstream.resolve", "s", resolve_action);
}

static void
agg_upstream_page_init (AggUpstreamPage *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  self->cancellable = g_cancellable_new ();
  self->exception_rows = g_ptr_array_new ();
  g_signal_connect (self, "map", G_CALLBACK (map_cb), NULL);
  g_signal_connect (self, "unmap", G_CALLBACK (map_cb), NULL);
}

void
agg_upstream_page_set_line (AggUpstreamPage *self,
                            AggLine         *line)
{
  g_return_if_fail (AGG_IS_UPSTREAM_PAGE (self));
  g_return_if_fail (line == NULL || AGG_IS_LINE (line));

  g_set_object (&self->line, line);
  update_timer (self);
  if (gtk_widget_get_mapped (GTK_WIDGET (self)))
    agg_upstream_page_refresh (self);
}
