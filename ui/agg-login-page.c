/* agg-login-page.c: PIN pad and badge login
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Nothing to type: the operator taps a name (or, while the station has no
 * list of names, types one), taps the PIN on the pad, or scans a badge.
 * The engine decides; the page only shows what it answered.  Keys from a
 * real keyboard work too: 0–9, BackSpace and Return.  Behind a scan wedge
 * digits arrive as the "wedge.typed" action instead of as keys.
 */

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "agg-login-page.h"

/* The engine's limit; more digits could never be a PIN. */
#define MAX_PIN_LENGTH 12

struct _AggLoginPage
{
  AdwBin         parent_instance;

  GtkStack      *user_stack;
  GtkBox        *user_box;
  GtkEntry      *user_entry;
  GtkLabel      *pin_label;
  GtkStack      *status_stack;
  GtkSpinner    *spinner;
  GtkImage      *message_icon;
  GtkLabel      *message_label;
  GtkGrid       *keypad;

  AggLine       *line;
  GCancellable  *cancellable;
  GStrv          usernames;
  char          *user;                /* the name tapped in the list */
  char           pin[MAX_PIN_LENGTH + 1];
  guint          pin_len;
  gboolean       busy;
  gboolean       badge;               /* what the request under way is */
  guint          focus_idle_id;
};

G_DEFINE_FINAL_TYPE (AggLoginPage, agg_login_page, ADW_TYPE_BIN)

enum {
  PROP_0,
  PROP_USERNAMES,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

enum {
  LOGGED_IN,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void
update_actions (AggLoginPage *self)
{
  GtkWidget *widget = GTK_WIDGET (self);

  gtk_widget_action_set_enabled (widget, "login.digit",
                                 !self->busy && self->pin_len < MAX_PIN_LENGTH);
  gtk_widget_action_set_enabled (widget, "login.back", !self->busy && self->pin_len > 0);
  gtk_widget_action_set_enabled (widget, "login.clear", !self->busy && self->pin_len > 0);
  gtk_widget_action_set_enabled (widget, "login.submit",
                                 !self->busy && self->pin_len > 0 && self->line != NULL);
}

static void
update_pin (AggLoginPage *self)
{
  g_autofree char *description = NULL;

  if (self->pin_len == 0)
    {
      gtk_label_set_text (self->pin_label, _("Enter your PIN"));
      gtk_widget_add_css_class (GTK_WIDGET (self->pin_label), "empty");
    }
  else
    {
      g_autoptr(GString) dots = g_string_new (NULL);

      for (guint i = 0; i < self->pin_len; i++)
        g_string_append (dots, "●");
      gtk_label_set_text (self->pin_label, dots->str);
      gtk_widget_remove_css_class (GTK_WIDGET (self->pin_label), "empty");
    }

  /* Dots say nothing to a screen reader; the count does. */
  description = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "PIN: %u digit entered",
                                              "PIN: %u digits entered", self->pin_len),
                                 self->pin_len);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->pin_label),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, description,
                                  -1);
  update_actions (self);
}

static void
clear_pin (AggLoginPage *self)
{
  memset (self->pin, 0, sizeof self->pin);
  self->pin_len = 0;
  update_pin (self);
}

static void
hide_message (AggLoginPage *self)
{
  if (!self->busy)
    gtk_stack_set_visible_child_name (self->status_stack, "none");
}

static void
show_message (AggLoginPage *self,
              const char   *icon_name,
              const char   *message)
{
  gtk_image_set_from_icon_name (self->message_icon, icon_name);
  gtk_label_set_text (self->message_label, message);
  gtk_stack_set_visible_child_name (self->status_stack, "message");
}

static void
set_busy (AggLoginPage *self,
          gboolean      busy)
{
  self->busy = busy;
  gtk_spinner_set_spinning (self->spinner, busy);
  if (busy)
    gtk_stack_set_visible_child_name (self->status_stack, "busy");
  update_actions (self);
}

/* The next person starts from nothing. */
static void
reset (AggLoginPage *self)
{
  for (GtkWidget *child = gtk_widget_get_first_child (GTK_WIDGET (self->user_box));
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    gtk_toggle_button_set_active (GTK_TOGGLE_BUTTON (child), FALSE);
  g_clear_pointer (&self->user, g_free);
  gtk_editable_set_text (GTK_EDITABLE (self->user_entry), "");
  clear_pin (self);
  hide_message (self);
}

static gboolean
has_list (AggLoginPage *self)
{
  return self->usernames != NULL && self->usernames[0] != NULL;
}

static char *
dup_user (AggLoginPage *self)
{
  g_autofree char *typed = NULL;

  if (has_list (self))
    return g_strdup (self->user);

  typed = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->user_entry))));
  return typed[0] != '\0' ? g_steal_pointer (&typed) : NULL;
}

static GtkWidget *
get_focus (AggLoginPage *self)
{
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));

  return root != NULL ? gtk_root_get_focus (root) : NULL;
}

/* Keys only reach the page through a focused widget inside it: the name
 * to give first, then the pad.  Also after an answer, since the focus
 * was lost when the button that had it turned insensitive. */
static void
focus_default (AggLoginPage *self)
{
  g_autofree char *user = dup_user (self);
  GtkWidget *focus = get_focus (self);

  if (user == NULL && has_list (self))
    gtk_widget_grab_focus (gtk_widget_get_first_child (GTK_WIDGET (self->user_box)));
  else if (user == NULL)
    gtk_widget_grab_focus (GTK_WIDGET (self->user_entry));
  else if (focus == NULL || !gtk_widget_is_ancestor (focus, GTK_WIDGET (self->keypad)))
    gtk_widget_child_focus (GTK_WIDGET (self->keypad), GTK_DIR_TAB_FORWARD);
}

static void
execute_cb (GObject      *source,
            GAsyncResult *res,
            gpointer      user_data)
{
  g_autoptr(AggLoginPage) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(AggResult) result = agg_line_execute_finish (AGG_LINE (source), res, &error);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;

  set_busy (self, FALSE);

  if (result != NULL && result->outcome == AGG_OUTCOME_ACCEPTED)
    {
      reset (self);
      g_signal_emit (self, signals[LOGGED_IN], 0);
      return;
    }

  focus_default (self);
  if (result == NULL)
    show_message (self, "dialog-error-symbolic", error->message);
  else if (result->outcome == AGG_OUTCOME_LOCKED_OUT)
    show_message (self, "changes-prevent-symbolic", result->message);
  /* A code that is nobody's badge: the engine says "log in first", which
   * is what the operator is trying to do. */
  else if (result->outcome == AGG_OUTCOME_NOT_LOGGED_IN && self->badge)
    show_message (self, "dialog-error-symbolic",
                  _("This badge is not known: log in with your PIN"));
  else
    show_message (self, "dialog-error-symbolic", result->message);
}

static void
execute (AggLoginPage     *self,
         const AggRequest *request)
{
  /* Whatever the answer, the PIN is not needed again. */
  clear_pin (self);
  self->badge = request->action == AGG_ACTION_SCAN;
  set_busy (self, TRUE);
  agg_line_execute_async (self->line, request, self->cancellable, execute_cb,
                          g_object_ref (self));
}

static void
add_digit (AggLoginPage *self,
           int           digit)
{
  if (self->busy || self->pin_len >= MAX_PIN_LENGTH || digit < 0 || digit > 9)
    return;

  /* A new attempt: the last answer is old news. */
  if (self->pin_len == 0)
    hide_message (self);
  self->pin[self->pin_len++] = '0' + digit;
  update_pin (self);
}

static void
digit_action (GtkWidget  *widget,
              const char *action_name,
              GVariant   *parameter)
{
  add_digit (AGG_LOGIN_PAGE (widget), g_variant_get_int32 (parameter));
}

static void
back_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  AggLoginPage *self = AGG_LOGIN_PAGE (widget);

  if (self->pin_len == 0)
    return;
  self->pin[--self->pin_len] = '\0';
  update_pin (self);
}

static void
clear_action (GtkWidget  *widget,
              const char *action_name,
              GVariant   *parameter)
{
  AggLoginPage *self = AGG_LOGIN_PAGE (widget);

  clear_pin (self);
  hide_message (self);
}

static void
submit_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  AggLoginPage *self = AGG_LOGIN_PAGE (widget);
  g_autoptr(AggRequest) request = NULL;
  g_autofree char *user = dup_user (self);

  if (self->busy || self->line == NULL || self->pin_len == 0)
    return;

  if (user == NULL)
    {
      show_message (self, "dialog-error-symbolic",
                    has_list (self) ? _("Tap your name first")
                                    : _("Enter your user name first"));
      return;
    }

  request = agg_request_new (AGG_ACTION_LOGIN);
  request->user = g_steal_pointer (&user);
  request->pin = g_strndup (self->pin, self->pin_len);
  execute (self, request);
}

/* Picks who logs in: a name button when the station listed its users,
 * else the name field. */
static void
user_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  AggLoginPage *self = AGG_LOGIN_PAGE (widget);
  const char *user = g_variant_get_string (parameter, NULL);

  if (!has_list (self))
    {
      gtk_editable_set_text (GTK_EDITABLE (self->user_entry), user);
      return;
    }

  for (GtkWidget *child = gtk_widget_get_first_child (GTK_WIDGET (self->user_box));
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    if (g_strcmp0 (gtk_button_get_label (GTK_BUTTON (child)), user) == 0)
      gtk_toggle_button_set_active (GTK_TOGGLE_BUTTON (child), TRUE);
}

/* Digits a keyboard typed, handed on by the scan wedge. */
static void
typed_action (GtkWidget  *widget,
              const char *action_name,
              GVariant   *parameter)
{
  AggLoginPage *self = AGG_LOGIN_PAGE (widget);

  for (const char *p = g_variant_get_string (parameter, NULL); *p != '\0'; p++)
    if (g_ascii_isdigit (*p))
      add_digit (self, *p - '0');
}

static gboolean
key_pressed_cb (GtkEventControllerKey *controller,
                guint                  keyval,
                guint                  keycode,
                GdkModifierType        state,
                AggLoginPage          *self)
{
  GtkWidget *focus = get_focus (self);
  gunichar c;

  /* The user field takes its own keys, and shortcuts are not digits. */
  if (GTK_IS_EDITABLE (focus) ||
      (state & (GDK_CONTROL_MASK | GDK_ALT_MASK | GDK_SUPER_MASK)) != 0)
    return FALSE;

  switch (keyval)
    {
    case GDK_KEY_BackSpace:
      gtk_widget_activate_action (GTK_WIDGET (self), "login.back", NULL);
      return TRUE;

    /* With no PIN yet, Return is the focused button's. */
    case GDK_KEY_Return:
    case GDK_KEY_KP_Enter:
    case GDK_KEY_ISO_Enter:
      if (self->pin_len == 0)
        return FALSE;
      gtk_widget_activate_action (GTK_WIDGET (self), "login.submit", NULL);
      return TRUE;

    default:
      break;
    }

  c = gdk_keyval_to_unicode (keyval);
  if (c < '0' || c > '9')
    return FALSE;
  gtk_widget_activate_action (GTK_WIDGET (self), "login.digit", "i", (int) (c - '0'));
  return TRUE;
}

static void
user_entry_activate_cb (AggLoginPage *self)
{
  if (self->pin_len > 0)
    gtk_widget_activate_action (GTK_WIDGET (self), "login.submit", NULL);
  else
    focus_default (self);
}

static void
user_toggled_cb (GtkToggleButton *button,
                 AggLoginPage    *self)
{
  if (!gtk_toggle_button_get_active (button))
    return;

  g_free (self->user);
  self->user = g_strdup (gtk_button_get_label (GTK_BUTTON (button)));
  hide_message (self);
}

static void
rebuild_users (AggLoginPage *self)
{
  GtkWidget *child;
  GtkToggleButton *group = NULL;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->user_box))) != NULL)
    gtk_box_remove (self->user_box, child);
  g_clear_pointer (&self->user, g_free);

  for (guint i = 0; self->usernames != NULL && self->usernames[i] != NULL; i++)
    {
      GtkWidget *button = gtk_toggle_button_new_with_label (self->usernames[i]);

      gtk_widget_add_css_class (button, "login-user");
      gtk_toggle_button_set_group (GTK_TOGGLE_BUTTON (button), group);
      g_signal_connect (button, "toggled", G_CALLBACK (user_toggled_cb), self);
      gtk_box_append (self->user_box, button);
      if (group == NULL)
        group = GTK_TOGGLE_BUTTON (button);
    }

  gtk_stack_set_visible_child_name (self->user_stack, has_list (self) ? "list" : "entry");
}

static gboolean
focus_idle_cb (gpointer user_data)
{
  AggLoginPage *self = user_data;
  GtkWidget *focus = get_focus (self);

  self->focus_idle_id = 0;
  if (focus == NULL || !gtk_widget_is_ancestor (focus, GTK_WIDGET (self)))
    focus_default (self);
  return G_SOURCE_REMOVE;
}

/* Once mapped, not in map(): a GtkStack moves the focus into the page it
 * shows after mapping it, and would move it on from ours. */
static void
agg_login_page_map (GtkWidget *widget)
{
  AggLoginPage *self = AGG_LOGIN_PAGE (widget);

  GTK_WIDGET_CLASS (agg_login_page_parent_class)->map (widget);

  if (self->focus_idle_id == 0)
    self->focus_idle_id = g_idle_add (focus_idle_cb, self);
}

static void
agg_login_page_unmap (GtkWidget *widget)
{
  AggLoginPage *self = AGG_LOGIN_PAGE (widget);

  g_clear_handle_id (&self->focus_idle_id, g_source_remove);

  GTK_WIDGET_CLASS (agg_login_page_parent_class)->unmap (widget);
}

static void
agg_login_page_get_property (GObject    *object,
                             guint       prop_id,
                             GValue     *value,
                             GParamSpec *pspec)
{
  AggLoginPage *self = AGG_LOGIN_PAGE (object);

  switch (prop_id)
    {
    case PROP_USERNAMES:
      g_value_set_boxed (value, self->usernames);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
agg_login_page_set_property (GObject      *object,
                             guint         prop_id,
                             const GValue *value,
                             GParamSpec   *pspec)
{
  AggLoginPage *self = AGG_LOGIN_PAGE (object);
  const char * const *usernames;

  switch (prop_id)
    {
    case PROP_USERNAMES:
      usernames = g_value_get_boxed (value);
      if (self->usernames == NULL && usernames == NULL)
        break;
      if (self->usernames != NULL && usernames != NULL &&
          g_strv_equal ((const char * const *) self->usernames, usernames))
        break;
      g_strfreev (self->usernames);
      self->usernames = g_value_dup_boxed (value);
      rebuild_users (self);
      g_object_notify_by_pspec (object, pspec);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
agg_login_page_dispose (GObject *object)
{
  AggLoginPage *self = AGG_LOGIN_PAGE (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_handle_id (&self->focus_idle_id, g_source_remove);
  g_clear_object (&self->line);
  gtk_widget_dispose_template (GTK_WIDGET (self), AGG_TYPE_LOGIN_PAGE);

  G_OBJECT_CLASS (agg_login_page_parent_class)->dispose (object);
}

static void
agg_login_page_finalize (GObject *object)
{
  AggLoginPage *self = AGG_LOGIN_PAGE (object);

  memset (self->pin, 0, sizeof self->pin);
  g_clear_object (&self->cancellable);
  g_strfreev (self->usernames);
  g_free (self->user);

  G_OBJECT_CLASS (agg_login_page_parent_class)->finalize (object);
}

static void
agg_login_page_class_init (AggLoginPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->get_property = agg_login_page_get_property;
  object_class->set_property = agg_login_page_set_property;
  object_class->dispose = agg_login_page_dispose;
  object_class->finalize = agg_login_page_finalize;
  widget_class->map = agg_login_page_map;
  widget_class->unmap = agg_login_page_unmap;

  /* Whom to offer as buttons; without any, a field to type the name. */
  properties[PROP_USERNAMES] =
    g_param_spec_boxed ("usernames", NULL, NULL,
                        G_TYPE_STRV,
                        G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  signals[LOGGED_IN] = g_signal_new ("logged-in",
                                     G_TYPE_FROM_CLASS (klass),
                                     G_SIGNAL_RUN_LAST,
                                     0, NULL, NULL, NULL,
                                     G_TYPE_NONE, 0);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/aggstation/Station/agg-login-page.ui");
  gtk_widget_class_bind_template_child (widget_class, AggLoginPage, user_stack);
  gtk_widget_class_bind_template_child (widget_class, AggLoginPage, user_box);
  gtk_widget_class_bind_template_child (widget_class, AggLoginPage, user_entry);
  gtk_widget_class_bind_template_child (widget_class, AggLoginPage, pin_label);
  gtk_widget_class_bind_template_child (widget_class, AggLoginPage, status_stack);
  gtk_widget_class_bind_template_child (widget_class, AggLoginPage, spinner);
  gtk_widget_class_bind_template_child (widget_class, AggLoginPage, message_icon);
  gtk_widget_class_bind_template_child (widget_class, AggLoginPage, message_label);
  gtk_widget_class_bind_template_child (widget_class, AggLoginPage, keypad);
  gtk_widget_class_bind_template_callback (widget_class, user_entry_activate_cb);

  gtk_widget_class_install_action (widget_class, "login.user", "s", user_action);
  gtk_widget_class_install_action (widget_class, "login.digit", "i", digit_action);
  gtk_widget_class_install_action (widget_class, "login.back", NULL, back_action);
  gtk_widget_class_install_action (widget_class, "login.clear", NULL, clear_action);
  gtk_widget_class_install_action (widget_class, "login.submit", NULL, submit_action);
  gtk_widget_class_install_action (widget_class, "wedge.typed", "s", typed_action);
}

static void
agg_login_page_init (AggLoginPage *self)
{
  GtkEventController *controller;

  gtk_widget_init_template (GTK_WIDGET (self));

  self->cancellable = g_cancellable_new ();

  /* Capture: a focused pad button would otherwise take Return itself. */
  controller = gtk_event_controller_key_new ();
  gtk_event_controller_set_propagation_phase (controller, GTK_PHASE_CAPTURE);
  g_signal_connect (controller, "key-pressed", G_CALLBACK (key_pressed_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self), controller);

  rebuild_users (self);
  update_pin (self);
}

void
agg_login_page_set_line (AggLoginPage *self,
                         AggLine      *line)
{
  g_return_if_fail (AGG_IS_LOGIN_PAGE (self));
  g_return_if_fail (line == NULL || AGG_IS_LINE (line));

  if (g_set_object (&self->line, line))
    update_actions (self);
}

void
agg_login_page_scan (AggLoginPage *self,
                     const char   *data,
                     gsize         len)
{
  g_autoptr(AggRequest) request = NULL;

  g_return_if_fail (AGG_IS_LOGIN_PAGE (self));
  g_return_if_fail (data != NULL);

  /* One answer at a time: a second read while the first is being checked
   * would reach the engine after the login, as a product scan. */
  if (self->busy || self->line == NULL)
    return;

  request = agg_request_new (AGG_ACTION_SCAN);
  request->data = g_malloc (len + 1);
  memcpy (request->data, data, len);
  request->data[len] = '\0';
  request->data_len = len;
  execute (self, request);
}
