/* agg-signature-dialog.c: an electronic signature — who signs, their PIN,
 * and what signing means
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * 21 CFR Part 11 asks that the signer see what the signature means before
 * giving it, and re-enter a secret that only they know.  The dialog shows
 * the engine's own words for the meaning, offers only the users who may
 * sign it, and takes the PIN from its pad or the keyboard's digits.
 */

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "agg-line-private.h"
#include "agg-signature-dialog.h"

/* The engine's limit; more digits could never be a PIN. */
#define MAX_PIN_LENGTH 12

/* Two rows of signers' names, and room for two side by side. */
#define SIGNERS_HEIGHT 120
#define SIGNERS_WIDTH  480

struct _AggSignatureDialog
{
  AdwMessageDialog  parent_instance;

  GtkFlowBox       *signers_box;
  GtkLabel         *status_label;
  GtkEditable      *pin;

  char             *signer;
};

G_DEFINE_FINAL_TYPE (AggSignatureDialog, agg_signature_dialog, ADW_TYPE_MESSAGE_DIALOG)

static void
update_sign_enabled (AggSignatureDialog *self)
{
  adw_message_dialog_set_response_enabled (ADW_MESSAGE_DIALOG (self), "sign",
                                           self->signer != NULL &&
                                           *gtk_editable_get_text (self->pin) != '\0');
}

static void
type_key (AggSignatureDialog *self,
          const char         *key)
{
  const char *pin = gtk_editable_get_text (self->pin);
  g_autofree char *text = NULL;

  if (strcmp (key, "clear") == 0)
    text = g_strdup ("");
  else if (strcmp (key, "back") == 0)
    text = g_strndup (pin, *pin ? strlen (pin) - 1 : 0);
  else if (strlen (pin) < MAX_PIN_LENGTH)
    text = g_strconcat (pin, key, NULL);
  else
    return;
  gtk_editable_set_text (self->pin, text);
}

static void
key_clicked_cb (GtkButton          *button,
                AggSignatureDialog *self)
{
  type_key (self, g_object_get_data (G_OBJECT (button), "key"));
}

static gboolean
key_pressed_cb (GtkEventControllerKey *controller,
                guint                  keyval,
                guint                  keycode,
                GdkModifierType        state,
                AggSignatureDialog    *self)
{
  gunichar c = gdk_keyval_to_unicode (keyval);

  if (c >= '0' && c <= '9')
    {
      char digit[2] = { (char) c, '\0' };

      type_key (self, digit);
      return GDK_EVENT_STOP;
    }
  if (keyval == GDK_KEY_BackSpace)
    {
      type_key (self, "back");
      return GDK_EVENT_STOP;
    }
  return GDK_EVENT_PROPAGATE;
}

static void
signer_toggled_cb (GtkToggleButton    *button,
                   AggSignatureDialog *self)
{
  if (!gtk_toggle_button_get_active (button))
    return;
  g_free (self->signer);
  self->signer = g_strdup (g_object_get_data (G_OBJECT (button), "username"));
  update_sign_enabled (self);
}

static GtkWidget *
keypad_new (AggSignatureDialog *self)
{
  static const char *const keys[] = { "1", "2", "3", "4", "5", "6", "7", "8", "9",
                                      "clear", "0", "back" };
  GtkWidget *grid = gtk_grid_new ();

  gtk_grid_set_row_spacing (GTK_GRID (grid), 8);
  gtk_grid_set_column_spacing (GTK_GRID (grid), 8);
  gtk_widget_set_halign (grid, GTK_ALIGN_CENTER);

  for (guint i = 0; i < G_N_ELEMENTS (keys); i++)
    {
      GtkWidget *button;

      if (strcmp (keys[i], "clear") == 0)
        button = gtk_button_new_with_label (_("Clear"));
      else if (strcmp (keys[i], "back") == 0)
        {
          button = gtk_button_new_from_icon_name ("edit-clear-symbolic");
          gtk_accessible_update_property (GTK_ACCESSIBLE (button), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                          _("Delete the last digit"), -1);
        }
      else
        button = gtk_button_new_with_label (keys[i]);

      gtk_widget_add_css_class (button, "keypad");
      gtk_widget_set_focusable (button, FALSE);
      g_object_set_data (G_OBJECT (button), "key", (gpointer) keys[i]);
      g_signal_connect (button, "clicked", G_CALLBACK (key_clicked_cb), self);
      gtk_grid_attach (GTK_GRID (grid), button, i % 3, i / 3, 1, 1);
    }
  return grid;
}

static void
show_signers (AggSignatureDialog *self,
              GPtrArray          *signers)
{
  GtkToggleButton *group = NULL;

  for (guint i = 0; i < signers->len; i++)
    {
      const AggUser *user = g_ptr_array_index (signers, i);
      GtkWidget *button = gtk_toggle_button_new_with_label (user->full_name);

      /* A long name must not widen the dialog it opened in. */
      gtk_label_set_ellipsize (GTK_LABEL (gtk_button_get_child (GTK_BUTTON (button))),
                               PANGO_ELLIPSIZE_END);
      gtk_widget_set_tooltip_text (button, user->full_name);
      gtk_widget_add_css_class (button, "touch");
      gtk_widget_add_css_class (button, "signer");
      gtk_widget_set_focusable (button, FALSE);
      g_object_set_data_full (G_OBJECT (button), "username", g_strdup (user->username), g_free);
      g_signal_connect (button, "toggled", G_CALLBACK (signer_toggled_cb), self);
      if (group != NULL)
        gtk_toggle_button_set_group (GTK_TOGGLE_BUTTON (button), group);
      else
        group = GTK_TOGGLE_BUTTON (button);
      gtk_flow_box_append (self->signers_box, button);
    }

  /* One possible signer: chosen already. */
  if (signers->len == 1)
    gtk_toggle_button_set_active (group, TRUE);
}

/* Who may sign: active, unlocked users of at least the role asked for. */
static gpointer
list_signers_job (AggStore  *store,
                  sqlite3   *db,
                  gpointer   user_data,
                  GError   **error)
{
  AggRole role = GPOINTER_TO_INT (user_data);
  g_autoptr(GPtrArray) users = agg_user_list (store, error);

  if (users == NULL)
    return NULL;
  for (guint i = users->len; i-- > 0;)
    {
      const AggUser *user = g_ptr_array_index (users, i);

      if (!user->active || user->locked || user->role < role)
        g_ptr_array_remove_index (users, i);
    }
  return g_steal_pointer (&users);
}

static void
list_signers_cb (GObject      *source,
                 GAsyncResult *res,
                 gpointer      user_data)
{
  GWeakRef *ref = user_data;
  g_autoptr(AggSignatureDialog) self = g_weak_ref_get (ref);
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) signers = agg_store_run_finish (AGG_STORE (source), res, &error);

  g_weak_ref_clear (ref);
  g_free (ref);

  /* Closed meanwhile: holding it open instead could outlast its parent. */
  if (self == NULL)
    return;

  if (signers == NULL)
    {
      gtk_label_set_text (self->status_label, error->message);
      gtk_widget_add_css_class (GTK_WIDGET (self->status_label), "error");
      return;
    }
  if (signers->len == 0)
    {
      gtk_label_set_text (self->status_label, _("Nobody at this station may sign this"));
      gtk_widget_add_css_class (GTK_WIDGET (self->status_label), "error");
      return;
    }

  gtk_widget_set_visible (GTK_WIDGET (self->status_label), FALSE);
  show_signers (self, signers);
}

static void
agg_signature_dialog_finalize (GObject *object)
{
  AggSignatureDialog *self = AGG_SIGNATURE_DIALOG (object);

  g_free (self->signer);

  G_OBJECT_CLASS (agg_signature_dialog_parent_class)->finalize (object);
}

static void
agg_signature_dialog_class_init (AggSignatureDialogClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = agg_signature_dialog_finalize;
}

static void
agg_signature_dialog_init (AggSignatureDialog *self)
{
  AdwMessageDialog *dialog = ADW_MESSAGE_DIALOG (self);
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 24);
  GtkWidget *column = gtk_box_new (GTK_ORIENTATION_VERTICAL, 12);
  GtkWidget *heading = gtk_label_new (_("Who signs?"));
  GtkWidget *scrolled = gtk_scrolled_window_new ();
  GtkWidget *area = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  GtkWidget *signers = gtk_flow_box_new ();
  GtkWidget *status = gtk_label_new (_("Looking up who may sign…"));
  GtkWidget *entry = gtk_password_entry_new ();
  GtkEventController *keys = gtk_event_controller_key_new ();

  /* Names and PIN beside the pad, so that it fits a screen 800 pixels
   * high; and two rows of names, whatever the list that arrives after
   * it opened: a window may not grow once shown. */
  gtk_widget_set_hexpand (column, TRUE);
  gtk_widget_set_valign (column, GTK_ALIGN_CENTER);
  gtk_widget_add_css_class (heading, "heading");
  gtk_label_set_xalign (GTK_LABEL (heading), 0);
  gtk_box_append (GTK_BOX (column), heading);

  self->signers_box = GTK_FLOW_BOX (signers);
  gtk_flow_box_set_selection_mode (self->signers_box, GTK_SELECTION_NONE);
  gtk_flow_box_set_homogeneous (self->signers_box, TRUE);
  gtk_flow_box_set_min_children_per_line (self->signers_box, 2);
  gtk_flow_box_set_max_children_per_line (self->signers_box, 2);
  gtk_flow_box_set_row_spacing (self->signers_box, 8);
  gtk_flow_box_set_column_spacing (self->signers_box, 8);
  gtk_accessible_update_relation (GTK_ACCESSIBLE (signers), GTK_ACCESSIBLE_RELATION_LABELLED_BY,
                                  heading, NULL, -1);
  gtk_box_append (GTK_BOX (area), signers);

  self->status_label = GTK_LABEL (status);
  gtk_label_set_wrap (self->status_label, TRUE);
  gtk_label_set_xalign (self->status_label, 0);
  gtk_widget_add_css_class (status, "dim-label");
  gtk_box_append (GTK_BOX (area), status);

  gtk_scrolled_window_set_policy (GTK_SCROLLED_WINDOW (scrolled), GTK_POLICY_NEVER,
                                  GTK_POLICY_AUTOMATIC);
  gtk_scrolled_window_set_min_content_height (GTK_SCROLLED_WINDOW (scrolled), SIGNERS_HEIGHT);
  gtk_scrolled_window_set_max_content_height (GTK_SCROLLED_WINDOW (scrolled), SIGNERS_HEIGHT);
  gtk_widget_set_size_request (scrolled, SIGNERS_WIDTH, -1);
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (scrolled), area);
  gtk_box_append (GTK_BOX (column), scrolled);

  /* Typed on the pad or the keyboard's digits, never focused: GTK 4.8's
   * password entry crashes when its window closes while it holds the
   * focus. */
  self->pin = GTK_EDITABLE (entry);
  gtk_widget_set_can_focus (entry, FALSE);
  gtk_editable_set_editable (self->pin, FALSE);
  g_object_set (entry, "placeholder-text", _("PIN"), NULL);
  gtk_accessible_update_property (GTK_ACCESSIBLE (entry), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _("PIN of the signer"), -1);
  g_signal_connect_swapped (entry, "changed", G_CALLBACK (update_sign_enabled), self);
  gtk_widget_add_css_class (entry, "pin-entry");
  gtk_box_append (GTK_BOX (column), entry);

  gtk_box_append (GTK_BOX (box), column);
  gtk_box_append (GTK_BOX (box), keypad_new (self));
  adw_message_dialog_set_extra_child (dialog, box);

  adw_message_dialog_add_responses (dialog,
                                    "cancel", _("_Cancel"),
                                    "sign", _("_Sign"),
                                    NULL);
  adw_message_dialog_set_response_appearance (dialog, "sign", ADW_RESPONSE_SUGGESTED);
  adw_message_dialog_set_default_response (dialog, "sign");
  adw_message_dialog_set_close_response (dialog, "cancel");
  gtk_widget_add_css_class (GTK_WIDGET (self), "touch-dialog");
  gtk_window_set_modal (GTK_WINDOW (self), TRUE);

  g_signal_connect (keys, "key-pressed", G_CALLBACK (key_pressed_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self), keys);

  update_sign_enabled (self);
}

GtkWidget *
agg_signature_dialog_new (GtkWindow  *parent,
                          AggLine    *line,
                          const char *meaning,
                          AggRole     role,
                          const char *problem)
{
  AggSignatureDialog *self;
  GWeakRef *ref;
  const char *heading;

  g_return_val_if_fail (parent == NULL || GTK_IS_WINDOW (parent), NULL);
  g_return_val_if_fail (AGG_IS_LINE (line), NULL);
  g_return_val_if_fail (meaning != NULL, NULL);

  switch (role)
    {
    case AGG_ROLE_ADMIN:
      heading = _("Administrator signature");
      break;
    case AGG_ROLE_SUPERVISOR:
      heading = _("Supervisor signature");
      break;
    case AGG_ROLE_OPERATOR:
    default:
      heading = _("Signature");
      break;
    }

  self = g_object_new (AGG_TYPE_SIGNATURE_DIALOG,
                       "transient-for", parent,
                       "heading", heading,
                       "body", meaning,
                       NULL);

  if (problem != NULL)
    {
      GtkWidget *label = gtk_label_new (problem);

      gtk_label_set_wrap (GTK_LABEL (label), TRUE);
      gtk_label_set_xalign (GTK_LABEL (label), 0);
      gtk_widget_add_css_class (label, "error");
      gtk_widget_add_css_class (label, "heading");
      gtk_box_insert_child_after (GTK_BOX (gtk_widget_get_parent (GTK_WIDGET (self->pin))), label,
                                  GTK_WIDGET (self->pin));
    }

  ref = g_new0 (GWeakRef, 1);
  g_weak_ref_init (ref, self);
  agg_store_run_async (agg_line_get_store (line), AGG_STORE_READ, list_signers_job,
                       GINT_TO_POINTER (role), NULL, (GDestroyNotify) g_ptr_array_unref,
                       NULL, list_signers_cb, ref);

  return GTK_WIDGET (self);
}

const char *
agg_signature_dialog_get_signer (AggSignatureDialog *self)
{
  g_return_val_if_fail (AGG_IS_SIGNATURE_DIALOG (self), NULL);

  return self->signer;
}

const char *
agg_signature_dialog_get_pin (AggSignatureDialog *self)
{
  g_return_val_if_fail (AGG_IS_SIGNATURE_DIALOG (self), NULL);

  return gtk_editable_get_text (self->pin);
}

AggRequest *
agg_signature_dialog_sign (AggSignatureDialog *self,
                           const AggRequest   *request)
{
  AggRequest *signed_request;

  g_return_val_if_fail (AGG_IS_SIGNATURE_DIALOG (self), NULL);
  g_return_val_if_fail (request != NULL, NULL);

  signed_request = agg_request_copy (request);
  g_free (signed_request->signer);
  g_free (signed_request->signer_pin);
  signed_request->signer = g_strdup (agg_signature_dialog_get_signer (self));
  signed_request->signer_pin = g_strdup (agg_signature_dialog_get_pin (self));
  return signed_request;
}

static const char *
get_string (JsonObject *object,
            const char *name)
{
  JsonNode *node = object != NULL ? json_object_get_member (object, name) : NULL;

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) ||
      json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;
  return json_node_get_string (node);
}

void
agg_signature_need_set (AggSignatureNeed *need,
                        const AggRequest *request,
                        const AggResult  *result)
{
  const char *meaning;
  const char *role;

  g_return_if_fail (need != NULL);
  g_return_if_fail (result != NULL);

  meaning = get_string (result->details, "meaning");
  role = get_string (result->details, "role");

  agg_signature_need_clear (need);
  need->request = request != NULL ? agg_request_copy (request) : NULL;
  need->meaning = g_strdup (meaning != NULL ? meaning : result->message);
  /* An engine that names no role, or one this build does not know, is
   * asked for the usual signer. */
  need->role = AGG_ROLE_SUPERVISOR;
  if (role != NULL)
    agg_role_from_string (role, &need->role);
}

void
agg_signature_need_clear (AggSignatureNeed *need)
{
  g_return_if_fail (need != NULL);

  g_clear_pointer (&need->request, agg_request_free);
  g_clear_pointer (&need->meaning, g_free);
}

GtkWidget *
agg_signature_dialog_new_for_need (GtkWindow              *parent,
                                   AggLine                *line,
                                   const AggSignatureNeed *need,
                                   const char             *problem)
{
  g_return_val_if_fail (need != NULL, NULL);

  return agg_signature_dialog_new (parent, line, need->meaning, need->role, problem);
}
