/* agg-window.c: the station's one window
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n.h>

#include "agg-admin-page.h"
#include "agg-case-page.h"
#include "agg-login-page.h"
#include "agg-scan-wedge.h"
#include "agg-status-page.h"
#include "agg-supervisor-page.h"
#include "agg-upstream-page.h"
#include "agg-window.h"

struct _AggWindow
{
  AdwApplicationWindow  parent_instance;

  GtkStack             *title_stack;
  GtkLabel             *user_label;
  GtkWidget            *upstream_box;
  GtkImage             *upstream_icon;
  GtkLabel             *upstream_label;
  GtkLabel             *fault_label;
  AdwViewStack         *view_stack;
  GtkButton            *logout_button;
  GtkStack             *stack;
  AdwStatusPage        *error_page;
  AggLoginPage         *login_page;
  AggCasePage          *case_page;
  AggSupervisorPage    *supervisor_page;
  AggStatusPage        *status_page;
  AdwViewStackPage     *admin_stack_page;
  AggUpstreamPage      *upstream_page;
  AdwViewStackPage     *upstream_stack_page;
  AggAdminPage         *admin_page;

  AggLine              *line;
  AggStation           *station;
  AggScanWedge         *wedge;
  GSettings            *settings;
  gint64                last_input;
  guint                 idle_check_id;
};

G_DEFINE_FINAL_TYPE (AggWindow, agg_window, ADW_TYPE_APPLICATION_WINDOW)

static void
update_session (AggWindow *self)
{
  const char *user = self->line ? agg_line_get_username (self->line) : NULL;
  AggRole role;
  gboolean admin = self->line != NULL && agg_line_get_role (self->line, &role) &&
                   role == AGG_ROLE_ADMIN;

  gtk_label_set_label (self->user_label, user ? user : "");
  gtk_widget_set_visible (GTK_WIDGET (self->user_label), user != NULL);
  gtk_widget_set_visible (GTK_WIDGET (self->logout_button), user != NULL);
  gtk_stack_set_visible_child_name (self->title_stack, user ? "switcher" : "title");
  gtk_stack_set_visible_child_name (self->stack, user ? "station" : "login");

  /* Users, master data and settings are for administrators only. */
  adw_view_stack_page_set_visible (self->admin_stack_page, admin);
  /* The repository's refusals are for those who may resolve them. */
  adw_view_stack_page_set_visible (self->upstream_stack_page,
                                   self->line != NULL && agg_line_get_role (self->line, &role) &&
                                   role >= AGG_ROLE_SUPERVISOR);

  /* Every session starts on the line. */
  if (user == NULL)
    adw_view_stack_set_visible_child_name (self->view_stack, "line");
}

static void
view_changed_cb (AggWindow *self)
{
  if (g_strcmp0 (adw_view_stack_get_visible_child_name (self->view_stack), "status") == 0)
    agg_status_page_refresh (self->status_page);
}

static void
logged_in_cb (AggWindow *self)
{
  update_session (self);
}

static void
logout_cb (GObject      *source,
           GAsyncResult *res,
           gpointer      user_data)
{
  g_autoptr(AggWindow) self = user_data;

  agg_result_free (agg_line_execute_finish (AGG_LINE (source), res, NULL));
  update_session (self);
}

static void
list_users_cb (GObject      *source,
               GAsyncResult *res,
               gpointer      user_data)
{
  g_autoptr(AggWindow) self = user_data;
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) users = agg_line_list_users_finish (AGG_LINE (source), res, &error);

  /* Without the list, the page asks for the name instead. */
  if (users == NULL)
    {
      g_warning ("Could not list the users: %s", error->message);
      return;
    }
  g_object_set (self->login_page, "usernames", users, NULL);
}

static void
logout_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  AggWindow *self = AGG_WINDOW (widget);
  g_autoptr(AggRequest) request = agg_request_new (AGG_ACTION_LOGOUT);

  if (self->line == NULL)
    return;
  agg_line_execute_async (self->line, request, NULL, logout_cb, g_object_ref (self));
}

static void
scanned_cb (AggWindow  *self,
            const char *data,
            guint       len)
{
  agg_window_scan (self, data, len);
}

void
agg_window_scan (AggWindow  *self,
                 const char *data,
                 gsize       len)
{
  g_return_if_fail (AGG_IS_WINDOW (self));
  g_return_if_fail (data != NULL);

  if (self->line == NULL)
    return;

  /* Nobody logged in, it may be a badge; on the supervisor's view it
   * looks a code up; everywhere else it goes to the line. */
  if (agg_line_get_username (self->line) == NULL)
    agg_login_page_scan (self->login_page, data, len);
  else if (g_strcmp0 (adw_view_stack_get_visible_child_name (self->view_stack),
                      "supervisor") == 0)
    agg_supervisor_page_scan (self->supervisor_page, data, len);
  else
    agg_case_page_scan (self->case_page, data, len);
}

void
agg_window_set_line (AggWindow    *self,
                     AggLine      *line,
                     const GError *error)
{
  g_return_if_fail (AGG_IS_WINDOW (self));

  if (line == NULL)
    {
      adw_status_page_set_description (self->error_page, error ? error->message : NULL);
      gtk_stack_set_visible_child_name (self->stack, "error");
      return;
    }

  g_set_object (&self->line, line);
  agg_login_page_set_line (self->login_page, line);
  agg_case_page_set_line (self->case_page, line);
  agg_supervisor_page_set_line (self->supervisor_page, line);
  agg_status_page_set_line (self->status_page, line);
  agg_upstream_page_set_line (self->upstream_page, line);
  agg_admin_page_set_line (self->admin_page, line);
  agg_line_list_users_async (line, NULL, list_users_cb, g_object_ref (self));
  update_session (self);
}

/* The header's badges: a fault that stops the line, in red, and the
 * upstream's state with what waits for it. */
static void
update_badges (AggWindow *self)
{
  g_autoptr(JsonObject) status = agg_station_dup_status (self->station);
  JsonArray *faults = json_object_get_array_member (status, "faults");
  JsonArray *warnings = json_object_get_array_member (status, "warnings");
  JsonArray *devices = json_object_get_array_member (status, "devices");
  JsonObject *upstream = NULL;
  gboolean stopped = json_array_get_length (faults) > 0;
  JsonArray *shown = stopped ? faults : warnings;

  /* A fault that stops the line in red; else what needs attention, in
   * amber. */
  if (json_array_get_length (shown) > 0)
    {
      JsonObject *condition = json_array_get_object_element (shown, 0);
      const char *message = json_object_get_string_member_with_default (condition, "message", "");
      /* Translators: shown in the header while a fault stops the line. */
      g_autofree char *text = stopped ? g_strdup_printf (_("Line stopped: %s"), message)
                                      : g_strdup (message);

      gtk_label_set_label (self->fault_label, text);
      gtk_widget_set_tooltip_text (GTK_WIDGET (self->fault_label), message);
      if (stopped)
        {
          gtk_widget_remove_css_class (GTK_WIDGET (self->fault_label), "warning");
          gtk_widget_add_css_class (GTK_WIDGET (self->fault_label), "error");
        }
      else
        {
          gtk_widget_remove_css_class (GTK_WIDGET (self->fault_label), "error");
          gtk_widget_add_css_class (GTK_WIDGET (self->fault_label), "warning");
        }
    }
  gtk_widget_set_visible (GTK_WIDGET (self->fault_label), json_array_get_length (shown) > 0);

  for (guint i = 0; i < json_array_get_length (devices); i++)
    {
      JsonObject *device = json_array_get_object_element (devices, i);

      if (g_strcmp0 (json_object_get_string_member_with_default (device, "kind", NULL), "upstream") == 0)
        upstream = json_object_get_object_member (device, "figures");
    }

  if (upstream != NULL)
    {
      gboolean online = json_object_get_boolean_member_with_default (upstream, "online", FALSE);
      gint64 pending = json_object_get_int_member_with_default (upstream, "pending", 0);
      const char *last = json_object_get_string_member_with_default (upstream, "last_success_at", NULL);
      g_autoptr(GDateTime) at = last != NULL ? g_date_time_new_from_iso8601 (last, NULL) : NULL;
      g_autoptr(GDateTime) local = at != NULL ? g_date_time_to_local (at) : NULL;
      g_autofree char *when = local != NULL ? g_date_time_format (local, "%H:%M") : g_strdup (_("never"));
      /* Translators: upstream state, events waiting to be sent, time of the last delivery. */
      g_autofree char *text = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                                            "%s · %" G_GINT64_FORMAT " event waiting · last sent %s",
                                                            "%s · %" G_GINT64_FORMAT " events waiting · last sent %s",
                                                            pending),
                                               online ? _("Online") : _("Offline"), pending, when);

      gtk_image_set_from_icon_name (self->upstream_icon,
                                    online ? "network-transmit-receive-symbolic"
                                           : "network-offline-symbolic");
      gtk_label_set_label (self->upstream_label, text);
      gtk_widget_set_visible (self->upstream_box, TRUE);
    }
  else
    gtk_widget_set_visible (self->upstream_box, FALSE);
}

void
agg_window_set_station (AggWindow    *self,
                        AggStation   *station,
                        const GError *error)
{
  g_return_if_fail (AGG_IS_WINDOW (self));

  agg_window_set_line (self, station != NULL ? agg_station_get_line (station) : NULL, error);
  if (station == NULL)
    return;
  agg_case_page_set_station (self->case_page, station);
  agg_status_page_set_station (self->status_page, station);
  if (self->station != NULL)
    g_signal_handlers_disconnect_by_data (self->station, self);
  g_set_object (&self->station, station);
  g_signal_connect_swapped (station, "status-changed", G_CALLBACK (update_badges), self);
  update_badges (self);
  /* The line view shows the first camera's images. */
  if (agg_station_get_cameras (station)->len > 0)
    agg_case_page_set_camera (self->case_page, g_ptr_array_index (agg_station_get_cameras (station), 0));
}

/* An operator who walks away is logged out after the station's idle
 * time, even when nothing else happens on the line. */
static gboolean
idle_check_cb (gpointer user_data)
{
  AggWindow *self = user_data;
  guint timeout;

  if (self->line == NULL || agg_line_get_username (self->line) == NULL)
    return G_SOURCE_CONTINUE;

  timeout = agg_line_get_idle_timeout (self->line);
  if (timeout > 0 && g_get_monotonic_time () - self->last_input > (gint64) timeout * G_USEC_PER_SEC)
    {
      g_autoptr(AggRequest) request = agg_request_new (AGG_ACTION_LOGOUT);

      request->code = g_strdup ("idle");
      self->last_input = g_get_monotonic_time ();
      agg_line_execute_async (self->line, request, NULL, logout_cb, g_object_ref (self));
    }
  return G_SOURCE_CONTINUE;
}

static gboolean
input_key_cb (AggWindow *self)
{
  self->last_input = g_get_monotonic_time ();
  return GDK_EVENT_PROPAGATE;
}

static void
input_pressed_cb (AggWindow *self)
{
  self->last_input = g_get_monotonic_time ();
}

static void
gs_substitute_changed_cb (AggWindow  *self,
                          const char *key,
                          GSettings  *settings)
{
  g_autofree char *substitute = g_settings_get_string (settings, "gs-substitute");

  agg_scan_wedge_set_gs_substitute (self->wedge,
                                    *substitute ? g_utf8_get_char (substitute) : 0);
}

/* The UI's own preferences, when their schema is installed (it is not
 * when a test builds the window alone). */
static void
bind_settings (AggWindow *self)
{
  g_autoptr(GSettingsSchema) schema = NULL;
  GSettingsSchemaSource *source = g_settings_schema_source_get_default ();

  if (source == NULL || (schema = g_settings_schema_source_lookup (source, APP_ID, TRUE)) == NULL)
    return;

  self->settings = g_settings_new_full (schema, NULL, NULL);
  g_settings_bind (self->settings, "demo-rate", self->case_page, "demo-rate",
                   G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (self->settings, "sound", self->case_page, "sound", G_SETTINGS_BIND_DEFAULT);
  g_signal_connect_swapped (self->settings, "changed::gs-substitute",
                            G_CALLBACK (gs_substitute_changed_cb), self);
  gs_substitute_changed_cb (self, "gs-substitute", self->settings);
}

static void
agg_window_dispose (GObject *object)
{
  AggWindow *self = AGG_WINDOW (object);

  g_clear_handle_id (&self->idle_check_id, g_source_remove);
  g_clear_object (&self->settings);

  g_clear_object (&self->wedge);
  if (self->station != NULL)
    g_signal_handlers_disconnect_by_data (self->station, self);
  g_clear_object (&self->station);
  g_clear_object (&self->line);
  gtk_widget_dispose_template (GTK_WIDGET (self), AGG_TYPE_WINDOW);

  G_OBJECT_CLASS (agg_window_parent_class)->dispose (object);
}

static void
agg_window_class_init (AggWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = agg_window_dispose;

  g_type_ensure (AGG_TYPE_LOGIN_PAGE);
  g_type_ensure (AGG_TYPE_CASE_PAGE);
  g_type_ensure (AGG_TYPE_SUPERVISOR_PAGE);
  g_type_ensure (AGG_TYPE_STATUS_PAGE);
  g_type_ensure (AGG_TYPE_ADMIN_PAGE);
  g_type_ensure (AGG_TYPE_UPSTREAM_PAGE);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/aggstation/Station/agg-window.ui");
  gtk_widget_class_bind_template_child (widget_class, AggWindow, title_stack);
  gtk_widget_class_bind_template_child (widget_class, AggWindow, user_label);
  gtk_widget_class_bind_template_child (widget_class, AggWindow, upstream_box);
  gtk_widget_class_bind_template_child (widget_class, AggWindow, upstream_icon);
  gtk_widget_class_bind_template_child (widget_class, AggWindow, upstream_label);
  gtk_widget_class_bind_template_child (widget_class, AggWindow, fault_label);
  gtk_widget_class_bind_template_child (widget_class, AggWindow, view_stack);
  gtk_widget_class_bind_template_child (widget_class, AggWindow, logout_button);
  gtk_widget_class_bind_template_child (widget_class, AggWindow, stack);
  gtk_widget_class_bind_template_child (widget_class, AggWindow, error_page);
  gtk_widget_class_bind_template_child (widget_class, AggWindow, login_page);
  gtk_widget_class_bind_template_child (widget_class, AggWindow, case_page);
  gtk_widget_class_bind_template_child (widget_class, AggWindow, supervisor_page);
  gtk_widget_class_bind_template_child (widget_class, AggWindow, status_page);
  gtk_widget_class_bind_template_child (widget_class, AggWindow, admin_stack_page);
  gtk_widget_class_bind_template_child (widget_class, AggWindow, upstream_page);
  gtk_widget_class_bind_template_child (widget_class, AggWindow, upstream_stack_page);
  gtk_widget_class_bind_template_child (widget_class, AggWindow, admin_page);
  gtk_widget_class_bind_template_callback (widget_class, logged_in_cb);
  gtk_widget_class_bind_template_callback (widget_class, view_changed_cb);

  gtk_widget_class_install_action (widget_class, "win.logout", NULL, logout_action);
}

static void
agg_window_init (AggWindow *self)
{
  GtkEventController *key;
  GtkGesture *click;

  gtk_widget_init_template (GTK_WIDGET (self));

  self->wedge = agg_scan_wedge_new (GTK_WIDGET (self));
  g_signal_connect_swapped (self->wedge, "scanned", G_CALLBACK (scanned_cb), self);
  bind_settings (self);

  /* Any touch or key counts as presence. */
  key = gtk_event_controller_key_new ();
  gtk_event_controller_set_propagation_phase (key, GTK_PHASE_CAPTURE);
  g_signal_connect_swapped (key, "key-pressed", G_CALLBACK (input_key_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self), key);
  click = gtk_gesture_click_new ();
  gtk_event_controller_set_propagation_phase (GTK_EVENT_CONTROLLER (click), GTK_PHASE_CAPTURE);
  g_signal_connect_swapped (click, "pressed", G_CALLBACK (input_pressed_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (click));

  self->last_input = g_get_monotonic_time ();
  self->idle_check_id = g_timeout_add_seconds (1, idle_check_cb, self);
}

AggWindow *
agg_window_new (AggApplication *application)
{
  return g_object_new (AGG_TYPE_WINDOW, "application", application, NULL);
}
