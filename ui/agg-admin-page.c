/* agg-admin-page.c: users, master data and the station's settings
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The page presents what the engine answers to LIST_USERS and
 * GET_SETTINGS and forwards the admin's changes as requests: the engine
 * checks the role, validates and audits, and its answer is shown as it
 * comes.  Nothing is decided here, so a refusal reads the same on the
 * screen as in aggctl.
 */

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "agg-admin-page.h"
#include "agg-dialog.h"

typedef enum
{
  SETTING_TEXT,
  SETTING_NUMBER,
  SETTING_SWITCH,
} SettingKind;

/* The engine's known settings (see AGG_ACTION_SET_SETTING), in the order
 * shown.  The ranges only shape the spin buttons: the engine has the last
 * word. */
static const struct
{
  const char      *key;
  const char      *title;
  SettingKind      kind;
  double           min;
  double           max;
  double           step;
  GtkInputPurpose  purpose;
} setting_specs[] = {
  { "station_name", N_("Station name"), SETTING_TEXT, 0, 0, 0, GTK_INPUT_PURPOSE_FREE_FORM },
  { "gln", N_("GLN of the station (13 digits)"), SETTING_TEXT, 0, 0, 0, GTK_INPUT_PURPOSE_DIGITS },
  { "gln_extension", N_("GLN extension"), SETTING_TEXT, 0, 0, 0, GTK_INPUT_PURPOSE_FREE_FORM },
  { "utc_offset", N_("Offset from UTC (like +01:00)"), SETTING_TEXT, 0, 0, 0,
    GTK_INPUT_PURPOSE_FREE_FORM },
  { "lockout_attempts", N_("Wrong PINs before an account locks"), SETTING_NUMBER, 1, 20, 1,
    GTK_INPUT_PURPOSE_DIGITS },
  { "idle_timeout", N_("Log out after this many idle seconds"), SETTING_NUMBER, 60, 3600, 60,
    GTK_INPUT_PURPOSE_DIGITS },
  { "auto_close", N_("Close full cases automatically"), SETTING_SWITCH, 0, 0, 0,
    GTK_INPUT_PURPOSE_FREE_FORM },
};

#define N_SETTINGS G_N_ELEMENTS (setting_specs)

typedef struct
{
  AdwEntryRow   *entry;               /* SETTING_TEXT */
  GtkSpinButton *spin;                /* SETTING_NUMBER */
  GtkWidget     *apply;               /* SETTING_NUMBER */
  GtkSwitch     *toggle;              /* SETTING_SWITCH */
  char          *current;             /* as the engine last said */
} Setting;

struct _AggAdminPage
{
  AdwBin               parent_instance;

  GtkListBox          *users_list;
  AdwPreferencesGroup *settings_group;

  Setting              settings[N_SETTINGS];
  gboolean             showing;       /* the page writes the rows, not the admin */

  AggLine             *line;
  GCancellable        *cancellable;
  GtkWindow           *dialog;
  GtkFileChooserNative *chooser;
  AdwToast            *toast;         /* the one on screen, if any */

  guint                user_count;
  char                *last_outcome;
  char                *last_message;
};

G_DEFINE_FINAL_TYPE (AggAdminPage, agg_admin_page, ADW_TYPE_BIN)

enum
{
  PROP_0,
  PROP_USER_COUNT,
  PROP_LAST_OUTCOME,
  PROP_LAST_MESSAGE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static GtkWindow *
parent_window (AggAdminPage *self)
{
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));

  return GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL;
}

/* Toasts take markup; the engine's messages are text. */
static void
toast (AggAdminPage *self,
       const char   *message)
{
  g_autofree char *escaped = g_markup_escape_text (message, -1);
  AdwToastOverlay *overlay = ADW_TOAST_OVERLAY (adw_bin_get_child (ADW_BIN (self)));

  /* Only the latest answer counts: older ones would queue up behind it. */
  if (self->toast != NULL)
    {
      g_object_remove_weak_pointer (G_OBJECT (self->toast), (gpointer *) &self->toast);
      adw_toast_dismiss (self->toast);
    }
  self->toast = adw_toast_new (escaped);
  g_object_add_weak_pointer (G_OBJECT (self->toast), (gpointer *) &self->toast);
  adw_toast_overlay_add_toast (overlay, self->toast);
}

/* Users */

static GtkWidget *
pill_new (const char *text,
          const char *style)
{
  GtkWidget *pill = gtk_label_new (text);

  gtk_widget_set_valign (pill, GTK_ALIGN_CENTER);
  gtk_widget_add_css_class (pill, "status-pill");
  gtk_widget_add_css_class (pill, "small");
  gtk_widget_add_css_class (pill, style);
  return pill;
}

static const char *
role_label (const char *role)
{
  if (g_strcmp0 (role, "admin") == 0)
    return _("Administrator");
  if (g_strcmp0 (role, "supervisor") == 0)
    return _("Supervisor");
  return _("Operator");
}

static GtkWidget *
user_row_new (JsonObject *user,
              const char *session_user)
{
  const char *username = json_object_get_string_member (user, "username");
  const char *full_name = json_object_get_string_member (user, "full_name");
  gboolean active = json_object_get_boolean_member (user, "active");
  gboolean locked = json_object_get_boolean_member (user, "locked");
  g_autofree char *subtitle = g_strdup_printf ("%s · %s", username,
                                               role_label (json_object_get_string_member (user,
                                                                                          "role")));
  g_autofree char *pin_name = g_strdup_printf (_("Reset the PIN of %s"), full_name);
  g_autofree char *active_name = active ? g_strdup_printf (_("Disable %s"), full_name)
                                        : g_strdup_printf (_("Enable %s"), full_name);
  GtkWidget *row = adw_action_row_new ();
  GtkWidget *pin = gtk_button_new_with_label (_("Reset PIN…"));
  GtkWidget *toggle = gtk_button_new_with_label (active ? _("Disable") : _("Enable"));

  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), full_name);
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);
  gtk_widget_add_css_class (row, "admin-user");

  if (!active)
    adw_action_row_add_suffix (ADW_ACTION_ROW (row), pill_new (_("disabled"), "bad"));
  if (locked)
    adw_action_row_add_suffix (ADW_ACTION_ROW (row), pill_new (_("locked"), "warning"));

  gtk_widget_set_valign (pin, GTK_ALIGN_CENTER);
  gtk_widget_add_css_class (pin, "touch");
  gtk_actionable_set_action_name (GTK_ACTIONABLE (pin), "admin.ask-pin");
  gtk_actionable_set_action_target (GTK_ACTIONABLE (pin), "s", username);
  gtk_accessible_update_property (GTK_ACCESSIBLE (pin), GTK_ACCESSIBLE_PROPERTY_LABEL, pin_name,
                                  -1);
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), pin);

  gtk_widget_set_valign (toggle, GTK_ALIGN_CENTER);
  gtk_widget_add_css_class (toggle, "touch");
  if (active)
    gtk_widget_add_css_class (toggle, "destructive-action");
  /* Not one's own account: the engine refuses it, lest the station lose
   * its admin. */
  if (active && g_strcmp0 (username, session_user) == 0)
    gtk_widget_set_sensitive (toggle, FALSE);
  else
    {
      gtk_actionable_set_action_name (GTK_ACTIONABLE (toggle), "admin.set-active");
      gtk_actionable_set_action_target (GTK_ACTIONABLE (toggle), "(sb)", username, !active);
    }
  gtk_accessible_update_property (GTK_ACCESSIBLE (toggle), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  active_name, -1);
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), toggle);

  return row;
}

static void
show_users (AggAdminPage *self,
            JsonArray    *users)
{
  GtkWidget *child;
  guint n = users != NULL ? json_array_get_length (users) : 0;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->users_list))) != NULL)
    gtk_list_box_remove (self->users_list, child);

  for (guint i = 0; i < n; i++)
    gtk_list_box_append (self->users_list,
                         user_row_new (json_array_get_object_element (users, i),
                                       agg_line_get_username (self->line)));

  if (self->user_count != n)
    {
      self->user_count = n;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_USER_COUNT]);
    }
}

static void
list_users_cb (GObject      *source,
               GAsyncResult *res,
               gpointer      user_data)
{
  g_autoptr(AggAdminPage) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(AggResult) result = agg_line_execute_finish (AGG_LINE (source), res, &error);

  if (g_cancellable_is_cancelled (self->cancellable))
    return;
  if (result == NULL)
    toast (self, error->message);
  else if (agg_result_is_ok (result))
    show_users (self, json_object_get_array_member (result->details, "users"));
  else
    show_users (self, NULL);
}

/* Settings */

static void
update_apply (AggAdminPage *self,
              Setting      *setting)
{
  g_autofree char *value = NULL;

  if (setting->spin == NULL)
    return;
  value = g_strdup_printf ("%d", gtk_spin_button_get_value_as_int (setting->spin));
  gtk_widget_set_sensitive (setting->apply, g_strcmp0 (value, setting->current) != 0);
}

/* Shows @value in the row, unless the admin has changed it there and not
 * applied it yet. */
static void
show_setting (AggAdminPage *self,
              Setting      *setting,
              const char   *value)
{
  const char *shown = value != NULL ? value : "";

  self->showing = TRUE;
  if (setting->entry != NULL)
    {
      const char *text = gtk_editable_get_text (GTK_EDITABLE (setting->entry));

      if (g_strcmp0 (text, setting->current ? setting->current : "") == 0)
        gtk_editable_set_text (GTK_EDITABLE (setting->entry), shown);
    }
  else if (setting->spin != NULL)
    {
      g_autofree char *text = g_strdup_printf ("%d",
                                               gtk_spin_button_get_value_as_int (setting->spin));

      if (setting->current == NULL || g_strcmp0 (text, setting->current) == 0)
        gtk_spin_button_set_value (setting->spin, g_ascii_strtod (shown, NULL));
    }
  else
    gtk_switch_set_active (setting->toggle, g_strcmp0 (value, "0") != 0);
  self->showing = FALSE;

  g_free (setting->current);
  setting->current = g_strdup (value);
  update_apply (self, setting);
}

static void
get_settings_cb (GObject      *source,
                 GAsyncResult *res,
                 gpointer      user_data)
{
  g_autoptr(AggAdminPage) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(AggResult) result = agg_line_execute_finish (AGG_LINE (source), res, &error);
  JsonObject *values;

  if (g_cancellable_is_cancelled (self->cancellable))
    return;
  if (result == NULL)
    {
      toast (self, error->message);
      return;
    }

  /* Only an admin reads them; anyone else sees the rows, greyed out. */
  gtk_widget_set_sensitive (GTK_WIDGET (self->settings_group), agg_result_is_ok (result));
  if (!agg_result_is_ok (result))
    return;

  values = json_object_get_object_member (result->details, "settings");
  for (guint i = 0; i < N_SETTINGS; i++)
    {
      const char *key = setting_specs[i].key;
      const char *value = NULL;

      if (json_object_has_member (values, key) && !json_object_get_null_member (values, key))
        value = json_object_get_string_member (values, key);
      show_setting (self, &self->settings[i], value);
    }
}

void
agg_admin_page_refresh (AggAdminPage *self)
{
  g_autoptr(AggRequest) users = agg_request_new (AGG_ACTION_LIST_USERS);
  g_autoptr(AggRequest) settings = agg_request_new (AGG_ACTION_GET_SETTINGS);

  g_return_if_fail (AGG_IS_ADMIN_PAGE (self));

  if (self->line == NULL)
    return;

  agg_line_execute_async (self->line, users, self->cancellable, list_users_cb,
                          g_object_ref (self));
  agg_line_execute_async (self->line, settings, self->cancellable, get_settings_cb,
                          g_object_ref (self));
}

/* Changes */

static void
change_cb (GObject      *source,
           GAsyncResult *res,
           gpointer      user_data)
{
  g_autoptr(AggAdminPage) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(AggResult) result = agg_line_execute_finish (AGG_LINE (source), res, &error);

  if (g_cancellable_is_cancelled (self->cancellable))
    return;
  if (result == NULL)
    {
      toast (self, error->message);
      return;
    }

  /* Notified on every answer, even one like the last: each is news. */
  g_free (self->last_message);
  self->last_message = g_strdup (result->message);
  g_free (self->last_outcome);
  self->last_outcome = g_strdup (agg_outcome_to_string (result->outcome));
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LAST_MESSAGE]);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LAST_OUTCOME]);
  toast (self, result->message);
  /* A refused value goes back to the one in force. */
  agg_admin_page_refresh (self);
}

/* Takes @request. */
static void
run_change (AggAdminPage *self,
            AggRequest   *request)
{
  g_autoptr(AggRequest) owned = request;

  if (self->line == NULL)
    return;
  agg_line_execute_async (self->line, owned, self->cancellable, change_cb, g_object_ref (self));
}

static void
add_user (AggAdminPage *self,
          const char   *username,
          const char   *full_name,
          const char   *role,
          const char   *pin,
          const char   *badge)
{
  AggRequest *request = agg_request_new (AGG_ACTION_USER_ADD);

  request->user = g_strdup (username);
  request->code = g_strdup (full_name);
  request->code2 = g_strdup (role);
  request->pin = g_strdup (pin);
  if (badge != NULL && *badge != '\0')
    {
      request->data = g_strdup (badge);
      request->data_len = strlen (badge);
    }
  run_change (self, request);
}

static void
reset_pin (AggAdminPage *self,
           const char   *username,
           const char   *pin)
{
  AggRequest *request = agg_request_new (AGG_ACTION_USER_SET_PIN);

  request->user = g_strdup (username);
  request->pin = g_strdup (pin);
  run_change (self, request);
}

static void
set_setting (AggAdminPage *self,
             const char   *key,
             const char   *value)
{
  AggRequest *request = agg_request_new (AGG_ACTION_SET_SETTING);

  request->code = g_strdup (key);
  request->code2 = g_strdup (value);
  run_change (self, request);
}

/* Takes @contents, @length bytes and a NUL after them. */
static void
import (AggAdminPage *self,
        char         *contents,
        gsize         length)
{
  AggRequest *request = agg_request_new (AGG_ACTION_IMPORT);

  request->data = contents;
  request->data_len = length;
  run_change (self, request);
}

/* The dialogs: entry rows in boxed lists, big toggles for the role */

static GtkWidget *
entry_row_new (GType            type,
               const char      *title,
               GtkInputPurpose  purpose,
               GtkInputHints    hints)
{
  return g_object_new (type, "title", title, "input-purpose", purpose, "input-hints", hints,
                       NULL);
}

static GtkWidget *
boxed_list_new (const char *name)
{
  GtkWidget *list = gtk_list_box_new ();

  gtk_list_box_set_selection_mode (GTK_LIST_BOX (list), GTK_SELECTION_NONE);
  gtk_widget_add_css_class (list, "boxed-list");
  gtk_accessible_update_property (GTK_ACCESSIBLE (list), GTK_ACCESSIBLE_PROPERTY_LABEL, name, -1);
  return list;
}

/* Names the buttons under @widget that have none. */
static void
name_buttons (GtkWidget  *widget,
              const char *name)
{
  for (GtkWidget *child = gtk_widget_get_first_child (widget);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      if (GTK_IS_BUTTON (child) && gtk_button_get_label (GTK_BUTTON (child)) == NULL)
        gtk_accessible_update_property (GTK_ACCESSIBLE (child), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                        name, -1);
      name_buttons (child, name);
    }
}

static GtkWidget *
pin_row_new (const char *title)
{
  GtkWidget *row = entry_row_new (ADW_TYPE_PASSWORD_ENTRY_ROW, title, GTK_INPUT_PURPOSE_PIN,
                                  GTK_INPUT_HINT_NONE);

  /* The row's own show-text button only has a tooltip, which screen
   * readers of libadwaita 1.2 do not read as its name. */
  name_buttons (row, _("Show the PIN"));
  return row;
}

static const char *
text_of (GtkWidget *editable)
{
  return gtk_editable_get_text (GTK_EDITABLE (editable));
}

/* Whether the two PIN rows agree, saying so in @hint when they do not. */
static gboolean
pins_agree (GtkWidget *pin,
            GtkWidget *again,
            GtkWidget *hint)
{
  gboolean differ = *text_of (again) != '\0' && strcmp (text_of (pin), text_of (again)) != 0;

  gtk_widget_set_visible (hint, differ);
  return *text_of (pin) != '\0' && !differ && *text_of (again) != '\0';
}

static GtkWidget *
hint_new (void)
{
  GtkWidget *hint = gtk_label_new (_("The two PINs differ"));

  gtk_widget_add_css_class (hint, "error");
  gtk_widget_add_css_class (hint, "admin-hint");
  gtk_widget_set_visible (hint, FALSE);
  return hint;
}

static GtkWidget *
dialog_new (AggAdminPage *self,
            const char   *heading,
            const char   *body,
            GtkWidget    *content,
            const char   *response,
            const char   *label)
{
  GtkWidget *dialog = adw_message_dialog_new (parent_window (self), heading, body);

  adw_message_dialog_set_extra_child (ADW_MESSAGE_DIALOG (dialog), content);
  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog),
                                    "cancel", _("_Cancel"),
                                    response, label,
                                    NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), response,
                                              ADW_RESPONSE_SUGGESTED);
  adw_message_dialog_set_response_enabled (ADW_MESSAGE_DIALOG (dialog), response, FALSE);
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), response);
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  gtk_window_set_modal (GTK_WINDOW (dialog), TRUE);
  gtk_widget_add_css_class (dialog, "touch-dialog");
  return dialog;
}

typedef struct
{
  AdwMessageDialog *dialog;
  GtkWidget        *username;
  GtkWidget        *full_name;
  GtkWidget        *roles[3];
  GtkWidget        *pin;
  GtkWidget        *again;
  GtkWidget        *badge;
  GtkWidget        *hint;
} NewUser;

static const char *const role_names[] = { "operator", "supervisor", "admin" };

static void
new_user_update (NewUser *form)
{
  gboolean complete = *text_of (form->username) != '\0' && *text_of (form->full_name) != '\0';

  complete = pins_agree (form->pin, form->again, form->hint) && complete;
  adw_message_dialog_set_response_enabled (form->dialog, "add", complete);
}

static void
new_user_response_cb (AdwMessageDialog *dialog,
                      const char       *response,
                      AggAdminPage     *self)
{
  NewUser *form = g_object_get_data (G_OBJECT (dialog), "form");
  const char *role = role_names[0];

  agg_dialog_forget (&self->dialog);
  if (strcmp (response, "add") != 0)
    return;

  for (guint i = 0; i < G_N_ELEMENTS (role_names); i++)
    if (gtk_toggle_button_get_active (GTK_TOGGLE_BUTTON (form->roles[i])))
      role = role_names[i];
  add_user (self, text_of (form->username), text_of (form->full_name), role,
            text_of (form->pin), text_of (form->badge));
}

static void
ask_new_user (AggAdminPage *self)
{
  static const char *const role_titles[] = { N_("Operator"), N_("Supervisor"), N_("Administrator") };
  NewUser *form = g_new0 (NewUser, 1);
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 12);
  GtkWidget *names = boxed_list_new (_("Names"));
  GtkWidget *role_heading = gtk_label_new (_("Role"));
  GtkWidget *roles = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 8);
  GtkWidget *secrets = boxed_list_new (_("PIN and badge"));
  GtkWidget *dialog;

  form->username = entry_row_new (ADW_TYPE_ENTRY_ROW, _("User name (a–z, 0–9)"),
                                  GTK_INPUT_PURPOSE_FREE_FORM,
                                  GTK_INPUT_HINT_LOWERCASE | GTK_INPUT_HINT_NO_SPELLCHECK);
  form->full_name = entry_row_new (ADW_TYPE_ENTRY_ROW, _("Full name"), GTK_INPUT_PURPOSE_NAME,
                                   GTK_INPUT_HINT_UPPERCASE_WORDS | GTK_INPUT_HINT_NO_SPELLCHECK);
  gtk_list_box_append (GTK_LIST_BOX (names), form->username);
  gtk_list_box_append (GTK_LIST_BOX (names), form->full_name);
  gtk_box_append (GTK_BOX (box), names);

  gtk_widget_set_halign (role_heading, GTK_ALIGN_START);
  gtk_widget_add_css_class (role_heading, "heading");
  gtk_box_append (GTK_BOX (box), role_heading);
  gtk_box_set_homogeneous (GTK_BOX (roles), TRUE);
  gtk_accessible_update_relation (GTK_ACCESSIBLE (roles), GTK_ACCESSIBLE_RELATION_LABELLED_BY,
                                  role_heading, NULL, -1);
  for (guint i = 0; i < G_N_ELEMENTS (role_titles); i++)
    {
      form->roles[i] = gtk_toggle_button_new_with_label (_(role_titles[i]));
      gtk_widget_add_css_class (form->roles[i], "touch");
      gtk_widget_add_css_class (form->roles[i], "role-choice");
      if (i > 0)
        gtk_toggle_button_set_group (GTK_TOGGLE_BUTTON (form->roles[i]),
                                     GTK_TOGGLE_BUTTON (form->roles[0]));
      gtk_box_append (GTK_BOX (roles), form->roles[i]);
    }
  gtk_toggle_button_set_active (GTK_TOGGLE_BUTTON (form->roles[0]), TRUE);
  gtk_box_append (GTK_BOX (box), roles);

  form->pin = pin_row_new (_("PIN (4 to 12 digits)"));
  form->again = pin_row_new (_("The same PIN again"));
  form->badge = entry_row_new (ADW_TYPE_ENTRY_ROW, _("Badge (optional: scan it)"),
                               GTK_INPUT_PURPOSE_FREE_FORM, GTK_INPUT_HINT_NO_SPELLCHECK);
  gtk_list_box_append (GTK_LIST_BOX (secrets), form->pin);
  gtk_list_box_append (GTK_LIST_BOX (secrets), form->again);
  gtk_list_box_append (GTK_LIST_BOX (secrets), form->badge);
  gtk_box_append (GTK_BOX (box), secrets);
  form->hint = hint_new ();
  gtk_box_append (GTK_BOX (box), form->hint);

  dialog = dialog_new (self, _("Add user"),
                       _("The new user logs in with this PIN. Adding the account is audited; "
                         "the PIN never is."),
                       box, "add", _("_Add"));
  form->dialog = ADW_MESSAGE_DIALOG (dialog);
  g_object_set_data_full (G_OBJECT (dialog), "form", form, g_free);
  g_signal_connect_swapped (form->username, "changed", G_CALLBACK (new_user_update), form);
  g_signal_connect_swapped (form->full_name, "changed", G_CALLBACK (new_user_update), form);
  g_signal_connect_swapped (form->pin, "changed", G_CALLBACK (new_user_update), form);
  g_signal_connect_swapped (form->again, "changed", G_CALLBACK (new_user_update), form);
  g_signal_connect_object (dialog, "response", G_CALLBACK (new_user_response_cb), self, 0);

  agg_dialog_show (&self->dialog, dialog);
}

typedef struct
{
  AdwMessageDialog *dialog;
  char             *username;
  GtkWidget        *pin;
  GtkWidget        *again;
  GtkWidget        *hint;
} NewPin;

static void
new_pin_free (NewPin *form)
{
  g_free (form->username);
  g_free (form);
}

static void
new_pin_update (NewPin *form)
{
  adw_message_dialog_set_response_enabled (form->dialog, "set",
                                           pins_agree (form->pin, form->again, form->hint));
}

static void
new_pin_response_cb (AdwMessageDialog *dialog,
                     const char       *response,
                     AggAdminPage     *self)
{
  NewPin *form = g_object_get_data (G_OBJECT (dialog), "form");

  agg_dialog_forget (&self->dialog);
  if (strcmp (response, "set") == 0)
    reset_pin (self, form->username, text_of (form->pin));
}

static void
ask_new_pin (AggAdminPage *self,
             const char   *username)
{
  NewPin *form = g_new0 (NewPin, 1);
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 12);
  GtkWidget *list = boxed_list_new (_("New PIN"));
  g_autofree char *heading = g_strdup_printf (_("New PIN for %s"), username);
  GtkWidget *dialog;

  form->username = g_strdup (username);
  form->pin = pin_row_new (_("New PIN (4 to 12 digits)"));
  form->again = pin_row_new (_("The same PIN again"));
  gtk_list_box_append (GTK_LIST_BOX (list), form->pin);
  gtk_list_box_append (GTK_LIST_BOX (list), form->again);
  gtk_box_append (GTK_BOX (box), list);
  form->hint = hint_new ();
  gtk_box_append (GTK_BOX (box), form->hint);

  dialog = dialog_new (self, heading,
                       _("A new PIN also unlocks an account locked after wrong PINs. "
                         "The reset is audited; the PIN never is."),
                       box, "set", _("_Set PIN"));
  form->dialog = ADW_MESSAGE_DIALOG (dialog);
  g_object_set_data_full (G_OBJECT (dialog), "form", form, (GDestroyNotify) new_pin_free);
  g_signal_connect_swapped (form->pin, "changed", G_CALLBACK (new_pin_update), form);
  g_signal_connect_swapped (form->again, "changed", G_CALLBACK (new_pin_update), form);
  g_signal_connect_object (dialog, "response", G_CALLBACK (new_pin_response_cb), self, 0);

  agg_dialog_show (&self->dialog, dialog);
}

/* Importing a file */

static void
loaded_cb (GObject      *source,
           GAsyncResult *res,
           gpointer      user_data)
{
  g_autoptr(AggAdminPage) self = user_data;
  g_autoptr(GError) error = NULL;
  char *contents = NULL;
  gsize length = 0;

  if (!g_file_load_contents_finish (G_FILE (source), res, &contents, &length, NULL, &error))
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        toast (self, error->message);
      return;
    }
  import (self, contents, length);
}

static void
chooser_response_cb (GtkNativeDialog *chooser,
                     int              response,
                     AggAdminPage    *self)
{
  g_autoptr(GFile) file = NULL;

  if (response == GTK_RESPONSE_ACCEPT)
    file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (chooser));
  g_clear_object (&self->chooser);

  if (file != NULL)
    g_file_load_contents_async (file, self->cancellable, loaded_cb, g_object_ref (self));
}

static void
choose_import (AggAdminPage *self)
{
  g_autoptr(GtkFileFilter) filter = gtk_file_filter_new ();

  gtk_file_filter_set_name (filter, _("Master data (JSON or CSV)"));
  gtk_file_filter_add_mime_type (filter, "application/json");
  gtk_file_filter_add_mime_type (filter, "text/csv");
  gtk_file_filter_add_suffix (filter, "json");
  gtk_file_filter_add_suffix (filter, "csv");

  g_clear_object (&self->chooser);
  self->chooser = gtk_file_chooser_native_new (_("Import Master Data"), parent_window (self),
                                               GTK_FILE_CHOOSER_ACTION_OPEN, _("_Import"),
                                               _("_Cancel"));
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (self->chooser), TRUE);
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (self->chooser), filter);
  g_signal_connect (self->chooser, "response", G_CALLBACK (chooser_response_cb), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (self->chooser));
}

/* The settings rows */

static Setting *
setting_of (AggAdminPage *self,
            GtkWidget    *widget)
{
  return &self->settings[GPOINTER_TO_UINT (g_object_get_data (G_OBJECT (widget), "setting"))];
}

static guint
setting_index (AggAdminPage *self,
               Setting      *setting)
{
  return setting - self->settings;
}

static void
entry_apply_cb (AdwEntryRow  *row,
                AggAdminPage *self)
{
  Setting *setting = setting_of (self, GTK_WIDGET (row));

  set_setting (self, setting_specs[setting_index (self, setting)].key,
               gtk_editable_get_text (GTK_EDITABLE (row)));
}

static void
spin_apply_cb (GtkButton    *button,
               AggAdminPage *self)
{
  Setting *setting = setting_of (self, GTK_WIDGET (button));
  g_autofree char *value = g_strdup_printf ("%d", gtk_spin_button_get_value_as_int (setting->spin));

  set_setting (self, setting_specs[setting_index (self, setting)].key, value);
}

static void
spin_changed_cb (GtkSpinButton *spin,
                 AggAdminPage  *self)
{
  update_apply (self, setting_of (self, GTK_WIDGET (spin)));
}

static void
switch_active_cb (GtkSwitch    *toggle,
                  GParamSpec   *pspec,
                  AggAdminPage *self)
{
  Setting *setting = setting_of (self, GTK_WIDGET (toggle));

  if (self->showing)
    return;
  set_setting (self, setting_specs[setting_index (self, setting)].key,
               gtk_switch_get_active (toggle) ? "1" : "0");
}

static void
build_settings (AggAdminPage *self)
{
  for (guint i = 0; i < N_SETTINGS; i++)
    {
      Setting *setting = &self->settings[i];
      const char *title = _(setting_specs[i].title);
      gpointer index = GUINT_TO_POINTER (i);
      GtkWidget *row;

      switch (setting_specs[i].kind)
        {
        case SETTING_TEXT:
          row = adw_entry_row_new ();
          setting->entry = ADW_ENTRY_ROW (row);
          adw_entry_row_set_show_apply_button (setting->entry, TRUE);
          adw_entry_row_set_input_purpose (setting->entry, setting_specs[i].purpose);
          adw_entry_row_set_input_hints (setting->entry, GTK_INPUT_HINT_NO_SPELLCHECK);
          g_signal_connect (row, "apply", G_CALLBACK (entry_apply_cb), self);
          break;

        case SETTING_NUMBER:
          row = adw_action_row_new ();
          setting->spin = GTK_SPIN_BUTTON (gtk_spin_button_new_with_range (setting_specs[i].min,
                                                                           setting_specs[i].max,
                                                                           setting_specs[i].step));
          gtk_spin_button_set_numeric (setting->spin, TRUE);
          gtk_widget_set_valign (GTK_WIDGET (setting->spin), GTK_ALIGN_CENTER);
          gtk_widget_add_css_class (GTK_WIDGET (setting->spin), "admin-spin");
          gtk_accessible_update_property (GTK_ACCESSIBLE (setting->spin),
                                          GTK_ACCESSIBLE_PROPERTY_LABEL, title, -1);
          g_object_set_data (G_OBJECT (setting->spin), "setting", index);
          g_signal_connect (setting->spin, "value-changed", G_CALLBACK (spin_changed_cb), self);
          adw_action_row_add_suffix (ADW_ACTION_ROW (row), GTK_WIDGET (setting->spin));

          setting->apply = gtk_button_new_with_label (_("Apply"));
          gtk_widget_set_valign (setting->apply, GTK_ALIGN_CENTER);
          gtk_widget_add_css_class (setting->apply, "touch");
          gtk_widget_add_css_class (setting->apply, "suggested-action");
          gtk_widget_set_sensitive (setting->apply, FALSE);
          g_object_set_data (G_OBJECT (setting->apply), "setting", index);
          g_signal_connect (setting->apply, "clicked", G_CALLBACK (spin_apply_cb), self);
          adw_action_row_add_suffix (ADW_ACTION_ROW (row), setting->apply);
          break;

        case SETTING_SWITCH:
        default:
          row = adw_action_row_new ();
          setting->toggle = GTK_SWITCH (gtk_switch_new ());
          gtk_widget_set_valign (GTK_WIDGET (setting->toggle), GTK_ALIGN_CENTER);
          gtk_accessible_update_property (GTK_ACCESSIBLE (setting->toggle),
                                          GTK_ACCESSIBLE_PROPERTY_LABEL, title, -1);
          g_object_set_data (G_OBJECT (setting->toggle), "setting", index);
          g_signal_connect (setting->toggle, "notify::active", G_CALLBACK (switch_active_cb),
                            self);
          adw_action_row_add_suffix (ADW_ACTION_ROW (row), GTK_WIDGET (setting->toggle));
          adw_action_row_set_activatable_widget (ADW_ACTION_ROW (row),
                                                 GTK_WIDGET (setting->toggle));
          break;
        }

      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
      gtk_widget_add_css_class (row, "admin-setting");
      g_object_set_data (G_OBJECT (row), "setting", index);
      adw_preferences_group_add (self->settings_group, row);
    }
}

/* Actions */

static void
refresh_action (GtkWidget  *widget,
                const char *action_name,
                GVariant   *parameter)
{
  agg_admin_page_refresh (AGG_ADMIN_PAGE (widget));
}

static void
new_user_action (GtkWidget  *widget,
                 const char *action_name,
                 GVariant   *parameter)
{
  ask_new_user (AGG_ADMIN_PAGE (widget));
}

/* (ssss): user name, full name, role, PIN — without the dialog. */
static void
add_user_action (GtkWidget  *widget,
                 const char *action_name,
                 GVariant   *parameter)
{
  const char *username, *full_name, *role, *pin;

  g_variant_get (parameter, "(&s&s&s&s)", &username, &full_name, &role, &pin);
  add_user (AGG_ADMIN_PAGE (widget), username, full_name, role, pin, NULL);
}

static void
ask_pin_action (GtkWidget  *widget,
                const char *action_name,
                GVariant   *parameter)
{
  ask_new_pin (AGG_ADMIN_PAGE (widget), g_variant_get_string (parameter, NULL));
}

/* (ss): user name and the new PIN — without the dialog. */
static void
reset_pin_action (GtkWidget  *widget,
                  const char *action_name,
                  GVariant   *parameter)
{
  const char *username, *pin;

  g_variant_get (parameter, "(&s&s)", &username, &pin);
  reset_pin (AGG_ADMIN_PAGE (widget), username, pin);
}

static void
set_active_action (GtkWidget  *widget,
                   const char *action_name,
                   GVariant   *parameter)
{
  AggRequest *request = agg_request_new (AGG_ACTION_USER_SET_ACTIVE);
  const char *username;
  gboolean active;

  g_variant_get (parameter, "(&sb)", &username, &active);
  request->user = g_strdup (username);
  request->code = g_strdup (active ? "1" : "0");
  run_change (AGG_ADMIN_PAGE (widget), request);
}

static void
set_setting_action (GtkWidget  *widget,
                    const char *action_name,
                    GVariant   *parameter)
{
  const char *key, *value;

  g_variant_get (parameter, "(&s&s)", &key, &value);
  set_setting (AGG_ADMIN_PAGE (widget), key, value);
}

static void
choose_import_action (GtkWidget  *widget,
                      const char *action_name,
                      GVariant   *parameter)
{
  choose_import (AGG_ADMIN_PAGE (widget));
}

/* s: the file's contents — without the chooser. */
static void
import_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  gsize length;
  const char *contents = g_variant_get_string (parameter, &length);

  import (AGG_ADMIN_PAGE (widget), g_strndup (contents, length), length);
}

/* The object */

static void
agg_admin_page_map (GtkWidget *widget)
{
  GTK_WIDGET_CLASS (agg_admin_page_parent_class)->map (widget);

  agg_admin_page_refresh (AGG_ADMIN_PAGE (widget));
}

static void
agg_admin_page_unmap (GtkWidget *widget)
{
  AggAdminPage *self = AGG_ADMIN_PAGE (widget);

  GTK_WIDGET_CLASS (agg_admin_page_parent_class)->unmap (widget);

  /* Logged out or gone to another page: no question is left open on a
   * page nobody sees. */
  agg_dialog_close (&self->dialog);
  g_clear_object (&self->chooser);
}

static void
agg_admin_page_get_property (GObject    *object,
                             guint       prop_id,
                             GValue     *value,
                             GParamSpec *pspec)
{
  AggAdminPage *self = AGG_ADMIN_PAGE (object);

  switch (prop_id)
    {
    case PROP_USER_COUNT:
      g_value_set_uint (value, self->user_count);
      break;
    case PROP_LAST_OUTCOME:
      g_value_set_string (value, self->last_outcome);
      break;
    case PROP_LAST_MESSAGE:
      g_value_set_string (value, self->last_message);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
agg_admin_page_dispose (GObject *object)
{
  AggAdminPage *self = AGG_ADMIN_PAGE (object);

  g_cancellable_cancel (self->cancellable);
  agg_dialog_close (&self->dialog);
  g_clear_object (&self->chooser);
  g_clear_weak_pointer (&self->toast);
  g_clear_object (&self->line);
  gtk_widget_dispose_template (GTK_WIDGET (self), AGG_TYPE_ADMIN_PAGE);

  G_OBJECT_CLASS (agg_admin_page_parent_class)->dispose (object);
}

static void
agg_admin_page_finalize (GObject *object)
{
  AggAdminPage *self = AGG_ADMIN_PAGE (object);

  g_object_unref (self->cancellable);
  for (guint i = 0; i < N_SETTINGS; i++)
    g_free (self->settings[i].current);
  g_free (self->last_outcome);
  g_free (self->last_message);

  G_OBJECT_CLASS (agg_admin_page_parent_class)->finalize (object);
}

static void
agg_admin_page_class_init (AggAdminPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->get_property = agg_admin_page_get_property;
  object_class->dispose = agg_admin_page_dispose;
  object_class->finalize = agg_admin_page_finalize;
  widget_class->map = agg_admin_page_map;
  widget_class->unmap = agg_admin_page_unmap;

  properties[PROP_USER_COUNT] =
    g_param_spec_uint ("user-count", NULL, NULL, 0, G_MAXUINT, 0,
                       G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  /* The engine's answer to the page's last change (agg_outcome_to_string),
   * and its message. */
  properties[PROP_LAST_OUTCOME] =
    g_param_spec_string ("last-outcome", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_LAST_MESSAGE] =
    g_param_spec_string ("last-message", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/aggstation/Station/agg-admin-page.ui");
  gtk_widget_class_bind_template_child (widget_class, AggAdminPage, users_list);
  gtk_widget_class_bind_template_child (widget_class, AggAdminPage, settings_group);

  gtk_widget_class_install_action (widget_class, "admin.refresh", NULL, refresh_action);
  gtk_widget_class_install_action (widget_class, "admin.new-user", NULL, new_user_action);
  gtk_widget_class_install_action (widget_class, "admin.add-user", "(ssss)", add_user_action);
  gtk_widget_class_install_action (widget_class, "admin.ask-pin", "s", ask_pin_action);
  gtk_widget_class_install_action (widget_class, "admin.reset-pin", "(ss)", reset_pin_action);
  gtk_widget_class_install_action (widget_class, "admin.set-active", "(sb)", set_active_action);
  gtk_widget_class_install_action (widget_class, "admin.set-setting", "(ss)",
                                   set_setting_action);
  gtk_widget_class_install_action (widget_class, "admin.choose-import", NULL,
                                   choose_import_action);
  gtk_widget_class_install_action (widget_class, "admin.import", "s", import_action);
}

static void
agg_admin_page_init (AggAdminPage *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  self->cancellable = g_cancellable_new ();
  build_settings (self);
}

void
agg_admin_page_set_line (AggAdminPage *self,
                         AggLine      *line)
{
  g_return_if_fail (AGG_IS_ADMIN_PAGE (self));
  g_return_if_fail (line == NULL || AGG_IS_LINE (line));

  if (!g_set_object (&self->line, line))
    return;

  if (line != NULL && gtk_widget_get_mapped (GTK_WIDGET (self)))
    agg_admin_page_refresh (self);
}
