/* agg-supervisor-page.c: find any unit, case or pallet; see its tree and
 * history; correct it under signature
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The page shows one record as the engine answers AGG_ACTION_SHOW, and
 * keeps nothing of its own: after a correction it asks again.  A
 * correction goes reason first, then the engine's refusal for want of a
 * signature, which carries the meaning the signer sees before signing,
 * then the same request signed.  Lookups may overtake one another; only
 * the answer to the last one asked is shown.
 */

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "agg-dialog.h"
#include "agg-format.h"
#include "agg-gs1.h"
#include "agg-label-preview.h"
#include "agg-signature-dialog.h"
#include "agg-camera-view.h"
#include "agg-supervisor-page.h"

typedef enum
{
  KIND_UNIT   = 1 << 0,
  KIND_CASE   = 1 << 1,
  KIND_PALLET = 1 << 2,
} Kinds;

typedef struct
{
  AggAction   action;
  Kinds       kinds;                  /* what it applies to */
  const char *label;                  /* its button */
  const char *title;                  /* what the reason is asked for */
  const char *second;                 /* the second code it needs, asked for */
  gboolean    contents;               /* a container's contents may go with it */
  gboolean    destructive;
  const char *reasons[3];
} Correction;

static const Correction corrections[] = {
  { AGG_ACTION_REMOVE_UNIT, KIND_UNIT, N_("Remove from case"),
    N_("Remove the unit from its case?"), NULL, FALSE, FALSE,
    { N_("Damaged unit"), N_("Packed into the wrong case"), N_("Unreadable code") } },
  { AGG_ACTION_REPLACE_UNIT, KIND_UNIT, N_("Replace…"),
    N_("Replace the unit in its case?"), N_("Scan the new unit"), FALSE, FALSE,
    { N_("Damaged unit"), N_("Unreadable code"), N_("Wrong unit packed") } },
  { AGG_ACTION_SAMPLE, KIND_UNIT, N_("Take as sample"),
    N_("Take the unit as a sample?"), NULL, FALSE, FALSE,
    { N_("QC sample"), N_("Stability sample"), N_("Retention sample") } },
  { AGG_ACTION_UNPACK, KIND_CASE | KIND_PALLET, N_("Unpack"),
    N_("Unpack it and void its SSCC?"), NULL, FALSE, FALSE,
    { N_("Packing error"), N_("Damaged packaging"), N_("Rework") } },
  { AGG_ACTION_REMOVE_CASE, KIND_CASE, N_("Take off pallet"),
    N_("Take the case off its pallet?"), NULL, FALSE, FALSE,
    { N_("Packing error"), N_("Damaged case"), N_("Pallet rework") } },
  { AGG_ACTION_MOVE_CASE, KIND_CASE, N_("Move to pallet…"),
    N_("Move the case to that pallet?"), N_("Scan the target pallet"), FALSE, FALSE,
    { N_("Packing error"), N_("Pallet rework"), N_("Pallet damaged") } },
  { AGG_ACTION_REOPEN_CASE, KIND_CASE, N_("Reopen"),
    N_("Reopen the case?"), NULL, FALSE, FALSE,
    { N_("Closed too early"), N_("Units missing"), N_("Packing error") } },
  { AGG_ACTION_DECOMMISSION, KIND_UNIT | KIND_CASE | KIND_PALLET, N_("Decommission"),
    N_("Decommission it?"), NULL, TRUE, TRUE,
    { N_("Damaged"), N_("Recalled"), N_("Expired") } },
  { AGG_ACTION_DESTROY, KIND_UNIT | KIND_CASE | KIND_PALLET, N_("Destroy"),
    N_("Record its destruction?"), NULL, TRUE, TRUE,
    { N_("Damaged"), N_("Expired"), N_("Recalled") } },
  { AGG_ACTION_VOID_LABEL, KIND_CASE | KIND_PALLET, N_("Void label"),
    N_("Void the label for good?"), NULL, FALSE, TRUE,
    { N_("Label damaged"), N_("Label unreadable"), N_("Printed by mistake") } },
  { AGG_ACTION_REPRINT_LABEL, KIND_CASE | KIND_PALLET, N_("Reprint label"),
    N_("Reprint the label?"), NULL, FALSE, FALSE,
    { N_("Label damaged"), N_("Label unreadable"), N_("Printer fault") } },
};

/* The audit trail's actions, in words; @counts: its old and new values
 * are numbers of items. */
static const struct
{
  const char *action;
  const char *words;
  gboolean    counts;
} audit_actions[] = {
  { "unit.aggregate", N_("Packed into a case"), FALSE },
  { "unit.remove", N_("Removed from its case"), FALSE },
  { "unit.replace", N_("Replaced by another unit"), FALSE },
  { "unit.sample", N_("Taken as a sample"), FALSE },
  { "case.open", N_("Case opened"), FALSE },
  { "case.close", N_("Case closed"), TRUE },
  { "case.reopen", N_("Case reopened"), FALSE },
  { "case.palletise", N_("Put on a pallet"), FALSE },
  { "case.move", N_("Moved to another pallet"), FALSE },
  { "case.remove", N_("Taken off its pallet"), FALSE },
  { "pallet.open", N_("Pallet opened"), FALSE },
  { "pallet.close", N_("Pallet closed"), TRUE },
  { "container.unpack", N_("Unpacked"), TRUE },
  { "decommission", N_("Decommissioned"), FALSE },
  { "destroy", N_("Destruction recorded"), FALSE },
  { "label.void", N_("Label voided"), FALSE },
  { "label.reprint", N_("Label reprinted"), FALSE },
};

/* Statuses of units and containers, in words and colours. */
static const struct
{
  const char *status;
  const char *words;
  const char *style;
} statuses[] = {
  { "aggregated", N_("Aggregated"), "good" },
  { "open", N_("Open"), "active" },
  { "closed", N_("Closed"), "good" },
  { "removed", N_("Removed"), "warning" },
  { "sampled", N_("Sampled"), "warning" },
  { "rejected", N_("Rejected"), "bad" },
  { "voided", N_("Voided"), "bad" },
  { "decommissioned", N_("Decommissioned"), "bad" },
  { "destroyed", N_("Destroyed"), "bad" },
};

struct _AggSupervisorPage
{
  AdwBin           parent_instance;

  GtkWidget       *search_strip;
  GtkLabel        *prompt_label;
  GtkEditable     *code_entry;
  GtkWidget       *spinner;
  GtkButton       *lookup_button;
  GtkWidget       *cancel_button;
  GtkStack        *stack;
  GtkImage        *kind_icon;
  GtkLabel        *kind_label;
  GtkLabel        *code_label;
  GtkLabel        *status_label;
  GtkLabel        *details_label;
  GtkWidget       *parents_box;
  GtkWidget       *images_button;
  JsonArray       *images;            /* the case's camera images, or NULL */
  GtkBox          *parents_buttons;
  GtkLabel        *contents_heading;
  GtkListBox      *contents_list;
  GtkLabel        *contents_placeholder;
  GtkListBox      *history_list;
  GtkBox          *corrections_box;
  AggLabelPreview *label_preview;

  GtkWidget       *buttons[G_N_ELEMENTS (corrections)];

  AggLine         *line;
  GCancellable    *cancellable;
  guint            lookup_serial;     /* of the last lookup asked */
  gboolean         looking_up;        /* that one is with the engine */

  /* The last code scanned into the entry, which shows it readably. */
  char            *scanned;
  char            *scanned_text;

  /* The record shown, and what the properties last told. */
  char            *code;
  char            *kind;
  char            *status;
  guint            n_children;
  gboolean         has_parent;
  guint            history_count;
  char            *last_outcome;

  /* The correction under way: being built, waiting for its second code,
   * or for a signature; need.meaning once the engine asked for one (the
   * correction itself is kept here, from before it was refused). */
  AggRequest      *correction;
  gboolean         awaiting_code;
  gboolean         correcting;        /* with the engine */
  AggSignatureNeed need;
  GtkWindow       *dialog;
};

G_DEFINE_FINAL_TYPE (AggSupervisorPage, agg_supervisor_page, ADW_TYPE_BIN)

enum
{
  PROP_0,
  PROP_RECORD_KIND,
  PROP_RECORD_STATUS,
  PROP_RECORD_CODE,
  PROP_HISTORY_COUNT,
  PROP_LAST_OUTCOME,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void lookup            (AggSupervisorPage *self,
                               const char        *code,
                               gboolean           quiet);
static void forget_correction (AggSupervisorPage *self);

/* Formatting */

/* A unit's code in the bracketed GS1 form, which the engine reads back. */
static char *
unit_code (const char *gtin,
           const char *serial)
{
  GString *code = g_string_new ("(01)");

  g_string_append (code, gtin);
  g_string_append (code, "(21)");
  for (const char *p = serial; *p != '\0'; p++)
    {
      if (*p == '(')
        g_string_append_c (code, '\\');
      g_string_append_c (code, *p);
    }
  return g_string_free (code, FALSE);
}

/* A scan as a person can read it: the group separator named, other
 * control characters and broken UTF-8 as "?". */
static char *
readable (const char *data)
{
  GString *out = g_string_new (NULL);
  const char *end = data + strlen (data);

  for (const char *p = data; p < end;)
    {
      gunichar c = g_utf8_get_char_validated (p, end - p);

      if (c == 0x1d)
        g_string_append (out, "<GS>");
      else if (c == (gunichar) -1 || c == (gunichar) -2 || g_unichar_iscntrl (c))
        g_string_append_c (out, '?');
      else
        g_string_append_unichar (out, c);

      p = c == (gunichar) -1 || c == (gunichar) -2 ? p + 1 : g_utf8_next_char (p);
    }
  return g_string_free (out, FALSE);
}

/* A scanned or typed code as people read it: the SSCC, or the GTIN and
 * serial number, of what it names. */
static char *
readable_code (const char *data)
{
  g_autofree AggGs1Data *gs1 = g_new (AggGs1Data, 1);
  const char *sscc;
  const char *gtin;
  const char *serial;

  if (!agg_gs1_parse (data, -1, gs1, NULL))
    return readable (data);
  sscc = agg_gs1_data_lookup (gs1, "00");
  gtin = agg_gs1_data_lookup (gs1, "01");
  serial = agg_gs1_data_lookup (gs1, "21");
  if (sscc != NULL)
    return agg_format_sscc (sscc);
  if (gtin != NULL && serial != NULL)
    return g_strdup_printf ("(01) %s (21) %s", gtin, serial);
  return readable (data);
}

/* An audit time, in the station's time as it was then. */
static char *
format_time (const char *at,
             const char *utc_offset)
{
  g_autoptr(GDateTime) utc = at ? g_date_time_new_from_iso8601 (at, NULL) : NULL;
  g_autoptr(GTimeZone) zone = utc_offset ? g_time_zone_new_identifier (utc_offset) : NULL;
  g_autoptr(GDateTime) local = NULL;

  if (utc == NULL)
    return g_strdup (at ? at : "");
  local = zone ? g_date_time_to_timezone (utc, zone) : g_date_time_to_local (utc);
  return g_date_time_format (local, "%Y-%m-%d %H:%M:%S");
}

static const char *
status_words (const char *status)
{
  for (guint i = 0; i < G_N_ELEMENTS (statuses); i++)
    if (g_strcmp0 (statuses[i].status, status) == 0)
      return _(statuses[i].words);
  return status;
}

static const char *
status_style (const char *status)
{
  for (guint i = 0; i < G_N_ELEMENTS (statuses); i++)
    if (g_strcmp0 (statuses[i].status, status) == 0)
      return statuses[i].style;
  return NULL;
}

static const char *
action_words (const char *action)
{
  for (guint i = 0; i < G_N_ELEMENTS (audit_actions); i++)
    if (g_strcmp0 (audit_actions[i].action, action) == 0)
      return _(audit_actions[i].words);
  return action;
}

static gboolean
action_counts (const char *action)
{
  for (guint i = 0; i < G_N_ELEMENTS (audit_actions); i++)
    if (g_strcmp0 (audit_actions[i].action, action) == 0)
      return audit_actions[i].counts;
  return FALSE;
}

static const char *
kind_words (const char *kind)
{
  if (g_strcmp0 (kind, "pallet") == 0)
    return _("Pallet");
  if (g_strcmp0 (kind, "case") == 0)
    return _("Case");
  return _("Unit");
}

static const char *
kind_icon (const char *kind)
{
  if (g_strcmp0 (kind, "pallet") == 0)
    return "view-paged-symbolic";
  if (g_strcmp0 (kind, "case") == 0)
    return "view-grid-symbolic";
  return "package-x-generic-symbolic";
}

static Kinds
kind_flag (const char *kind)
{
  if (g_strcmp0 (kind, "pallet") == 0)
    return KIND_PALLET;
  if (g_strcmp0 (kind, "case") == 0)
    return KIND_CASE;
  if (g_strcmp0 (kind, "unit") == 0)
    return KIND_UNIT;
  return 0;
}

/* JSON */

static const char *
get_string (JsonObject *object,
            const char *name)
{
  return json_object_get_string_member_with_default (object, name, NULL);
}

static guint
get_uint (JsonObject *object,
          const char *name)
{
  return CLAMP (json_object_get_int_member_with_default (object, name, 0), 0, G_MAXUINT);
}

static JsonArray *
get_array (JsonObject *object,
           const char *name)
{
  JsonNode *node = json_object_get_member (object, name);

  return node != NULL && JSON_NODE_HOLDS_ARRAY (node) ? json_node_get_array (node) : NULL;
}

/* The code a container's or a unit's JSON names it by, for a lookup. */
static char *
record_code (JsonObject *object)
{
  const char *sscc = get_string (object, "sscc");
  const char *gtin = get_string (object, "gtin");
  const char *serial = get_string (object, "serial");

  if (sscc != NULL)
    return g_strdup (sscc);
  if (gtin != NULL && serial != NULL)
    return unit_code (gtin, serial);
  return NULL;
}

/* Feedback */

static void
toast (AggSupervisorPage *self,
       const char        *message)
{
  /* Toast titles are markup.  The overlay is the page's child, bound to
   * no field: the template's disposal would unparent it under AdwBin. */
  g_autofree char *escaped = g_markup_escape_text (message, -1);

  adw_toast_overlay_add_toast (ADW_TOAST_OVERLAY (adw_bin_get_child (ADW_BIN (self))),
                               adw_toast_new (escaped));
}

static void
set_string (AggSupervisorPage  *self,
            char              **field,
            const char         *value,
            guint               prop)
{
  if (g_strcmp0 (*field, value) == 0)
    return;
  g_free (*field);
  *field = g_strdup (value);
  g_object_notify_by_pspec (G_OBJECT (self), properties[prop]);
}

static void
set_last (AggSupervisorPage *self,
          const char        *outcome)
{
  set_string (self, &self->last_outcome, outcome, PROP_LAST_OUTCOME);
}

static GtkWindow *
parent_window (AggSupervisorPage *self)
{
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));

  return GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL;
}

/* Corrections: which apply */

static const Correction *
find_correction (AggAction action)
{
  for (guint i = 0; i < G_N_ELEMENTS (corrections); i++)
    if (corrections[i].action == action)
      return &corrections[i];
  return NULL;
}

/* Whether the record shown allows @correction, as far as the page can
 * tell; the engine has the last word. */
static gboolean
correction_possible (AggSupervisorPage *self,
                     const Correction  *correction)
{
  Kinds kind = kind_flag (self->kind);
  const char *status = self->status;
  gboolean live = g_strcmp0 (status, "open") == 0 || g_strcmp0 (status, "closed") == 0;

  if ((correction->kinds & kind) == 0)
    return FALSE;

  switch (correction->action)
    {
    case AGG_ACTION_REMOVE_UNIT:
    case AGG_ACTION_REPLACE_UNIT:
      return g_strcmp0 (status, "aggregated") == 0;
    case AGG_ACTION_SAMPLE:
      return g_strcmp0 (status, "aggregated") == 0 || g_strcmp0 (status, "removed") == 0;
    case AGG_ACTION_DECOMMISSION:
    case AGG_ACTION_DESTROY:
      if (kind == KIND_UNIT)
        return g_strcmp0 (status, "decommissioned") != 0 &&
               g_strcmp0 (status, "destroyed") != 0 &&
               g_strcmp0 (status, "rejected") != 0;
      return live;
    case AGG_ACTION_UNPACK:
    case AGG_ACTION_REPRINT_LABEL:
      return live;
    case AGG_ACTION_REMOVE_CASE:
      return self->has_parent;
    case AGG_ACTION_MOVE_CASE:
    case AGG_ACTION_REOPEN_CASE:
      return g_strcmp0 (status, "closed") == 0;
    case AGG_ACTION_VOID_LABEL:
      return g_strcmp0 (status, "voided") != 0 && self->n_children == 0;
    case AGG_ACTION_LOGIN:
    case AGG_ACTION_LOGOUT:
    case AGG_ACTION_START_ORDER:
    case AGG_ACTION_SUSPEND_ORDER:
    case AGG_ACTION_SCAN:
    case AGG_ACTION_CLOSE_CASE:
    case AGG_ACTION_CLOSE_PALLET:
    case AGG_ACTION_SHOW:
    case AGG_ACTION_RECONCILE:
    case AGG_ACTION_CLOSE_ORDER:
    case AGG_ACTION_SET_MODE:
    case AGG_ACTION_STATUS:
    case AGG_ACTION_LIST_ORDERS:
    case AGG_ACTION_USER_ADD:
    case AGG_ACTION_USER_SET_PIN:
    case AGG_ACTION_USER_SET_ACTIVE:
    case AGG_ACTION_LIST_USERS:
    case AGG_ACTION_IMPORT:
    case AGG_ACTION_GET_SETTINGS:
    case AGG_ACTION_SET_SETTING:
    case AGG_ACTION_LIST_EXCEPTIONS:
    case AGG_ACTION_EVENT_RESEND:
    case AGG_ACTION_EVENT_HANDLED:
    case AGG_ACTION_SCAN_LAYER:
    case AGG_N_ACTIONS:
    default:
      return FALSE;
    }
}

static void
update_controls (AggSupervisorPage *self)
{
  const Correction *correction = self->correction ? find_correction (self->correction->action)
                                                  : NULL;
  gboolean idle = self->correction == NULL && !self->correcting;
  Kinds kind = kind_flag (self->kind);

  for (guint i = 0; i < G_N_ELEMENTS (corrections); i++)
    {
      gtk_widget_set_visible (self->buttons[i], (corrections[i].kinds & kind) != 0);
      gtk_widget_set_sensitive (self->buttons[i],
                                idle && correction_possible (self, &corrections[i]));
    }

  /* Waiting for the second code: the search row asks for it. */
  if (self->awaiting_code)
    {
      gtk_label_set_text (self->prompt_label, _(correction->second));
      gtk_button_set_label (self->lookup_button, _("Use this code"));
      gtk_widget_add_css_class (self->search_strip, "attention");
    }
  else
    {
      gtk_label_set_text (self->prompt_label, _("Scan or type a code"));
      gtk_button_set_label (self->lookup_button, _("Look up"));
      gtk_widget_remove_css_class (self->search_strip, "attention");
    }
  gtk_widget_set_visible (self->cancel_button, self->awaiting_code);
  gtk_widget_set_visible (self->spinner, self->looking_up || self->correcting);
}

/* The record */

static void
clear_list (GtkListBox *list)
{
  GtkListBoxRow *row;

  while ((row = gtk_list_box_get_row_at_index (list, 0)) != NULL)
    gtk_list_box_remove (list, GTK_WIDGET (row));
}

/* An icon that only illustrates what the text next to it says. */
static GtkWidget *
kind_image_new (const char *kind)
{
  return g_object_new (GTK_TYPE_IMAGE,
                       "icon-name", kind_icon (kind),
                       "pixel-size", 24,
                       "accessible-role", GTK_ACCESSIBLE_ROLE_PRESENTATION,
                       NULL);
}

static GtkWidget *
status_pill_new (const char *status,
                 gboolean    small)
{
  GtkWidget *label = gtk_label_new (status_words (status));
  const char *style = status_style (status);

  gtk_widget_add_css_class (label, "status-pill");
  if (small)
    gtk_widget_add_css_class (label, "small");
  if (style != NULL)
    gtk_widget_add_css_class (label, style);
  gtk_widget_set_valign (label, GTK_ALIGN_CENTER);
  return label;
}

static GtkWidget *
wrapped_label_new (const char *text,
                   const char *css_class)
{
  GtkWidget *label = gtk_label_new (text);

  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_label_set_wrap (GTK_LABEL (label), TRUE);
  gtk_label_set_wrap_mode (GTK_LABEL (label), PANGO_WRAP_WORD_CHAR);
  gtk_widget_add_css_class (label, css_class);
  return label;
}

/* One thing in the tree: a case on the pallet shown, or a unit, @depth
 * levels down.  Tapping it shows it. */
static void
append_item (AggSupervisorPage *self,
             JsonObject        *item,
             guint              depth)
{
  const char *kind = get_string (item, "kind");
  const char *status = get_string (item, "status");
  gboolean is_unit = g_strcmp0 (kind, "unit") == 0;
  g_autofree char *code = record_code (item);
  g_autofree char *title = NULL;
  g_autofree char *subtitle = NULL;
  g_autofree char *name = NULL;
  GtkWidget *row = gtk_list_box_row_new ();
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 12);
  GtkWidget *text = gtk_box_new (GTK_ORIENTATION_VERTICAL, 2);
  GtkWidget *label;

  if (is_unit)
    {
      g_autofree char *expiry = agg_format_expiry (get_string (item, "expiry"));

      title = g_strdup (get_string (item, "serial"));
      subtitle = g_strdup_printf (_("Lot %s · Expiry %s"), get_string (item, "lot"), expiry);
    }
  else
    {
      title = agg_format_sscc (get_string (item, "sscc"));
      subtitle = g_strdup_printf (_("%u of %u units"), get_uint (item, "count"),
                                  get_uint (item, "capacity"));
    }

  gtk_widget_set_margin_start (box, 36 * depth);
  gtk_box_append (GTK_BOX (box), kind_image_new (kind));

  label = wrapped_label_new (title, "record-item");
  gtk_box_append (GTK_BOX (text), label);
  label = wrapped_label_new (subtitle, "record-item-details");
  gtk_box_append (GTK_BOX (text), label);
  gtk_widget_set_hexpand (text, TRUE);
  gtk_widget_set_valign (text, GTK_ALIGN_CENTER);
  gtk_box_append (GTK_BOX (box), text);

  gtk_box_append (GTK_BOX (box), status_pill_new (status, TRUE));

  gtk_list_box_row_set_child (GTK_LIST_BOX_ROW (row), box);
  gtk_widget_add_css_class (row, is_unit ? "unit-row" : "case-row");
  gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (row), code != NULL);
  g_object_set_data_full (G_OBJECT (row), "code", g_steal_pointer (&code), g_free);
  name = g_strdup_printf ("%s %s, %s", kind_words (kind), title, status_words (status));
  gtk_accessible_update_property (GTK_ACCESSIBLE (row), GTK_ACCESSIBLE_PROPERTY_LABEL, name, -1);
  gtk_list_box_append (self->contents_list, row);
}

/* A scan of the unit shown that the engine refused. */
static void
append_rejection (AggSupervisorPage *self,
                  JsonObject        *rejection)
{
  g_autofree char *time = format_time (get_string (rejection, "at"), NULL);
  g_autofree char *where = NULL;
  GtkWidget *row = gtk_list_box_row_new ();
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 2);
  const char *user = get_string (rejection, "user");

  where = g_strdup_printf (_("Order %s · %s · by %s"),
                           get_string (rejection, "order") ? get_string (rejection, "order") : "—",
                           get_string (rejection, "source") ? get_string (rejection, "source") : "—",
                           user ? user : "—");
  gtk_box_append (GTK_BOX (box), wrapped_label_new (time, "history-time"));
  gtk_box_append (GTK_BOX (box), wrapped_label_new (get_string (rejection, "outcome"),
                                                    "history-action"));
  gtk_box_append (GTK_BOX (box), wrapped_label_new (where, "history-message"));

  gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (row), FALSE);
  gtk_widget_set_focusable (row, FALSE);
  gtk_list_box_row_set_child (GTK_LIST_BOX_ROW (row), box);
  gtk_list_box_append (self->contents_list, row);
}

/* An old or new value of the audit trail: a status in words, an SSCC
 * as labels print it. */
static char *
format_value (const char *value)
{
  if (value == NULL)
    return g_strdup ("—");
  if (strlen (value) == 18 && strspn (value, "0123456789") == 18)
    return agg_format_sscc (value);
  return g_strdup (status_words (value));
}

/* What an audit entry changed.  Values may be numbers of items. */
static char *
format_change (const char *action,
               const char *old_value,
               const char *new_value)
{
  g_autofree char *old_text = format_value (old_value);
  g_autofree char *new_text = format_value (new_value);

  if (action_counts (action) && new_value != NULL)
    return g_strdup_printf (_("%s items inside"), new_value);
  if (old_value == NULL && new_value == NULL)
    return NULL;
  if (old_value == NULL)
    return g_steal_pointer (&new_text);
  return g_strdup_printf ("%s → %s", old_text, new_text);
}

static void
prepend_history (AggSupervisorPage *self,
                 JsonObject        *entry)
{
  g_autofree char *time = format_time (get_string (entry, "at"), get_string (entry, "utc_offset"));
  g_autofree char *when = NULL;
  g_autofree char *change = format_change (get_string (entry, "action"), get_string (entry, "old"),
                                          get_string (entry, "new"));
  const char *reason = get_string (entry, "reason");
  const char *signer = get_string (entry, "signer");
  const char *signer_name = get_string (entry, "signer_name");
  const char *user = get_string (entry, "user");
  GtkWidget *row = gtk_list_box_row_new ();
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 2);

  when = g_strdup_printf ("%s · %s", time, user ? user : _("the station"));
  gtk_box_append (GTK_BOX (box), wrapped_label_new (when, "history-time"));
  gtk_box_append (GTK_BOX (box), wrapped_label_new (action_words (get_string (entry, "action")),
                                                    "history-action"));
  if (change != NULL)
    gtk_box_append (GTK_BOX (box), wrapped_label_new (change, "history-message"));
  if (reason != NULL)
    {
      g_autofree char *text = g_strdup_printf (_("Reason: %s"), reason);

      gtk_box_append (GTK_BOX (box), wrapped_label_new (text, "history-message"));
    }
  if (signer != NULL)
    {
      g_autofree char *text = g_strdup_printf (_("Signed by %s: %s"),
                                               signer_name ? signer_name : signer,
                                               get_string (entry, "meaning"));

      gtk_box_append (GTK_BOX (box), wrapped_label_new (text, "history-signature"));
    }

  gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (row), FALSE);
  gtk_widget_set_focusable (row, FALSE);
  gtk_list_box_row_set_child (GTK_LIST_BOX_ROW (row), box);
  gtk_list_box_prepend (self->history_list, row);
}

/* A tap on something shown: it is shown instead, and a correction still
 * waiting for its second code is given up. */
static void
show_tapped (AggSupervisorPage *self,
             const char        *code)
{
  if (self->awaiting_code)
    forget_correction (self);
  lookup (self, code, FALSE);
}

static void
parent_clicked_cb (GtkButton         *button,
                   AggSupervisorPage *self)
{
  show_tapped (self, g_object_get_data (G_OBJECT (button), "code"));
}

static void
show_parents (AggSupervisorPage *self,
              JsonArray         *parents)
{
  GtkWidget *child;
  guint n = parents ? json_array_get_length (parents) : 0;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->parents_buttons))) != NULL)
    gtk_box_remove (self->parents_buttons, child);

  for (guint i = 0; i < n; i++)
    {
      JsonObject *parent = json_array_get_object_element (parents, i);
      const char *kind = get_string (parent, "kind");
      g_autofree char *sscc = agg_format_sscc (get_string (parent, "sscc"));
      g_autofree char *label = g_strdup_printf ("%s %s", kind_words (kind), sscc);
      GtkWidget *button = gtk_button_new ();
      GtkWidget *content = adw_button_content_new ();

      if (i > 0)
        gtk_box_append (self->parents_buttons,
                        g_object_new (GTK_TYPE_IMAGE,
                                      "icon-name", "go-next-symbolic",
                                      "accessible-role", GTK_ACCESSIBLE_ROLE_PRESENTATION,
                                      NULL));

      adw_button_content_set_icon_name (ADW_BUTTON_CONTENT (content), kind_icon (kind));
      adw_button_content_set_label (ADW_BUTTON_CONTENT (content), label);
      gtk_button_set_child (GTK_BUTTON (button), content);
      gtk_accessible_update_property (GTK_ACCESSIBLE (button), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                      label, -1);
      gtk_widget_add_css_class (button, "touch");
      gtk_widget_add_css_class (button, "parent-link");
      g_object_set_data_full (G_OBJECT (button), "code", record_code (parent), g_free);
      g_signal_connect (button, "clicked", G_CALLBACK (parent_clicked_cb), self);
      gtk_box_append (self->parents_buttons, button);
    }
  gtk_widget_set_visible (self->parents_box, n > 0);
}

/* Takes @part. */
static void
append_detail (GString *details,
               char    *part)
{
  if (details->len > 0)
    g_string_append (details, " · ");
  g_string_append (details, part);
  g_free (part);
}

static void
show_header (AggSupervisorPage *self,
             JsonObject        *record)
{
  const char *kind = get_string (record, "kind");
  const char *status = get_string (record, "status");
  const char *order = get_string (record, "order");
  const char *style = status_style (status);
  g_autofree char *code = NULL;
  g_autoptr(GString) details = g_string_new (NULL);

  if (g_strcmp0 (kind, "unit") == 0)
    {
      const char *lot = get_string (record, "lot");
      const char *expiry = get_string (record, "expiry");

      code = g_strdup_printf ("(01) %s (21) %s", get_string (record, "gtin"),
                              get_string (record, "serial"));
      if (lot != NULL)
        append_detail (details, g_strdup_printf (_("Lot %s"), lot));
      if (expiry != NULL)
        {
          g_autofree char *date = agg_format_expiry (expiry);

          append_detail (details, g_strdup_printf (_("Expiry %s"), date));
        }
    }
  else
    {
      code = agg_format_sscc (get_string (record, "sscc"));
      append_detail (details,
                     g_strdup_printf (g_strcmp0 (kind, "pallet") == 0 ? _("%u of %u cases")
                                                                      : _("%u of %u units"),
                                      get_uint (record, "count"), get_uint (record, "capacity")));
    }
  if (order != NULL)
    append_detail (details, g_strdup_printf (_("Order %s"), order));

  gtk_image_set_from_icon_name (self->kind_icon, kind_icon (kind));
  gtk_label_set_text (self->kind_label, kind_words (kind));
  gtk_label_set_text (self->code_label, code);
  gtk_label_set_text (self->status_label, status_words (status));
  gtk_widget_set_css_classes (GTK_WIDGET (self->status_label),
                              (const char *[]) { "status-pill", style ? style : "plain", NULL });
  gtk_label_set_text (self->details_label, details->str);
}

static void
show_images (AggSupervisorPage *self,
             JsonArray         *images)
{
  guint n = images != NULL ? json_array_get_length (images) : 0;
  g_autofree char *label = NULL;

  g_clear_pointer (&self->images, json_array_unref);
  if (n > 0)
    self->images = json_array_ref (images);
  /* Translators: the button to a case's camera images, with their number. */
  label = g_strdup_printf (_("Images (%u)"), n);
  gtk_button_set_label (GTK_BUTTON (self->images_button), label);
  gtk_widget_set_visible (self->images_button, n > 0);
}

/* The case's images in a window of their own, newest first, each with the
 * verdicts recorded with it.  Images removed by retention keep their
 * verdicts and say so. */
static void
images_clicked_cb (AggSupervisorPage *self)
{
  GtkWidget *window, *box, *carousel, *dots, *header;
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));
  g_autofree char *title = NULL;

  if (self->images == NULL)
    return;

  window = adw_window_new ();
  title = g_strdup_printf (_("Images of %s"), self->code ? self->code : "");
  gtk_window_set_title (GTK_WINDOW (window), title);
  gtk_window_set_modal (GTK_WINDOW (window), TRUE);
  gtk_window_set_default_size (GTK_WINDOW (window), 1024, 768);
  if (GTK_IS_WINDOW (root))
    gtk_window_set_transient_for (GTK_WINDOW (window), GTK_WINDOW (root));

  box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  header = adw_header_bar_new ();
  gtk_box_append (GTK_BOX (box), header);
  carousel = adw_carousel_new ();
  gtk_widget_set_vexpand (carousel, TRUE);
  for (guint i = json_array_get_length (self->images); i-- > 0;)
    {
      JsonObject *image = json_array_get_object_element (self->images, i);
      JsonNode *reads = json_object_get_member (image, "reads");
      const char *path = json_object_get_string_member_with_default (image, "path", NULL);
      GtkWidget *page = gtk_box_new (GTK_ORIENTATION_VERTICAL, 6);
      GtkWidget *view = agg_camera_view_new ();
      g_autofree char *caption = NULL;

      gtk_widget_set_vexpand (view, TRUE);
      gtk_widget_set_hexpand (view, TRUE);
      gtk_widget_set_hexpand (page, TRUE);
      if (json_object_get_member (image, "removed_at") != NULL &&
          !json_object_get_null_member (image, "removed_at"))
        /* Translators: camera, when, and when retention deleted the file. */
        caption = g_strdup_printf (_("%s, %s — image deleted on %s; its reads are kept"),
                                   json_object_get_string_member (image, "camera"),
                                   json_object_get_string_member (image, "taken_at"),
                                   json_object_get_string_member (image, "removed_at"));
      else
        caption = g_strdup_printf ("%s, %s", json_object_get_string_member (image, "camera"),
                                   json_object_get_string_member (image, "taken_at"));
      if (path != NULL)
        agg_camera_view_show_evidence (AGG_CAMERA_VIEW (view), path,
                                       reads != NULL && JSON_NODE_HOLDS_OBJECT (reads)
                                       ? json_node_get_object (reads) : NULL);
      gtk_box_append (GTK_BOX (page), view);
      gtk_box_append (GTK_BOX (page), gtk_label_new (caption));
      adw_carousel_append (ADW_CAROUSEL (carousel), page);
    }
  gtk_box_append (GTK_BOX (box), carousel);
  dots = adw_carousel_indicator_dots_new ();
  adw_carousel_indicator_dots_set_carousel (ADW_CAROUSEL_INDICATOR_DOTS (dots),
                                            ADW_CAROUSEL (carousel));
  gtk_box_append (GTK_BOX (box), dots);
  adw_window_set_content (ADW_WINDOW (window), box);
  gtk_window_present (GTK_WINDOW (window));
}

static void
show_record (AggSupervisorPage *self,
             JsonObject        *record)
{
  const char *kind = get_string (record, "kind");
  JsonArray *children = get_array (record, "children");
  JsonArray *parents = get_array (record, "parents");
  JsonArray *history = get_array (record, "history");
  JsonArray *rejections = get_array (record, "rejections");
  JsonArray *images = get_array (record, "images");
  g_autofree char *code = record_code (record);
  g_autofree char *heading = NULL;
  guint n_history = history ? json_array_get_length (history) : 0;

  g_object_freeze_notify (G_OBJECT (self));

  self->n_children = get_uint (record, "count");
  self->has_parent = parents != NULL && json_array_get_length (parents) > 0;
  show_header (self, record);
  show_parents (self, parents);
  show_images (self, images);

  clear_list (self->contents_list);
  if (g_strcmp0 (kind, "unit") == 0)
    {
      guint n = rejections ? json_array_get_length (rejections) : 0;

      heading = g_strdup_printf (_("Refused scans (%u)"), n);
      gtk_label_set_text (self->contents_placeholder, _("No scan of this unit was refused"));
      for (guint i = 0; i < n; i++)
        append_rejection (self, json_array_get_object_element (rejections, i));
    }
  else
    {
      guint n = children ? json_array_get_length (children) : 0;

      heading = g_strdup_printf (g_strcmp0 (kind, "pallet") == 0 ? _("Cases (%u)")
                                                                 : _("Units (%u)"), n);
      gtk_label_set_text (self->contents_placeholder, _("Empty"));
      for (guint i = 0; i < n; i++)
        {
          JsonObject *child = json_array_get_object_element (children, i);
          JsonArray *units = get_array (child, "children");

          append_item (self, child, 0);
          for (guint j = 0; units != NULL && j < json_array_get_length (units); j++)
            append_item (self, json_array_get_object_element (units, j), 1);
        }
    }
  gtk_label_set_text (self->contents_heading, heading);

  clear_list (self->history_list);
  for (guint i = 0; i < n_history; i++)
    prepend_history (self, json_array_get_object_element (history, i));

  set_string (self, &self->code, code, PROP_RECORD_CODE);
  set_string (self, &self->kind, kind, PROP_RECORD_KIND);
  set_string (self, &self->status, get_string (record, "status"), PROP_RECORD_STATUS);
  if (self->history_count != n_history)
    {
      self->history_count = n_history;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_HISTORY_COUNT]);
    }

  /* Cases and pallets show their label beside their contents. */
  if (g_strcmp0 (kind, "case") == 0 || g_strcmp0 (kind, "pallet") == 0)
    {
      agg_label_preview_set_store (self->label_preview, agg_line_get_store (self->line));
      agg_label_preview_set_code (self->label_preview, get_string (record, "sscc"));
    }
  else
    agg_label_preview_set_code (self->label_preview, NULL);
  gtk_widget_set_visible (GTK_WIDGET (self->label_preview),
                          agg_label_preview_get_code (self->label_preview) != NULL);

  gtk_stack_set_visible_child_name (self->stack, "record");
  update_controls (self);

  g_object_thaw_notify (G_OBJECT (self));
}

/* Lookups */

typedef struct
{
  AggSupervisorPage *self;
  guint              serial;
  gboolean           quiet;           /* the page's own: no outcome, no emptied entry */
} Lookup;

static void
lookup_cb (GObject      *source,
           GAsyncResult *res,
           gpointer      user_data)
{
  g_autofree Lookup *data = user_data;
  g_autoptr(AggSupervisorPage) self = data->self;
  g_autoptr(GError) error = NULL;
  g_autoptr(AggResult) result = agg_line_execute_finish (AGG_LINE (source), res, &error);
  JsonNode *record;

  /* Disposed meanwhile, or overtaken by another lookup. */
  if (g_cancellable_is_cancelled (self->cancellable) || data->serial != self->lookup_serial)
    return;

  self->looking_up = FALSE;
  update_controls (self);

  if (result == NULL)
    {
      set_last (self, NULL);
      toast (self, error->message);
      return;
    }

  if (!data->quiet)
    set_last (self, agg_outcome_to_string (result->outcome));

  record = json_object_get_member (result->details, "record");
  if (agg_result_is_ok (result) && record != NULL && JSON_NODE_HOLDS_OBJECT (record))
    {
      show_record (self, json_node_get_object (record));
      if (!data->quiet)
        {
          g_clear_pointer (&self->scanned, g_free);
          g_clear_pointer (&self->scanned_text, g_free);
          gtk_editable_set_text (self->code_entry, "");
        }
      return;
    }

  gtk_widget_error_bell (GTK_WIDGET (self));
  toast (self, result->message);
}

static void
lookup (AggSupervisorPage *self,
        const char        *code,
        gboolean           quiet)
{
  g_autoptr(AggRequest) request = NULL;
  Lookup *data;

  if (self->line == NULL || code == NULL)
    return;

  request = agg_request_new (AGG_ACTION_SHOW);
  request->code = g_strdup (code);
  data = g_new0 (Lookup, 1);
  data->self = g_object_ref (self);
  data->serial = ++self->lookup_serial;
  data->quiet = quiet;
  self->looking_up = TRUE;
  update_controls (self);
  agg_line_execute_async (self->line, request, self->cancellable, lookup_cb, data);
}

/* Corrections: reason, signature, the engine's answer */

static void
forget_correction (AggSupervisorPage *self)
{
  g_clear_pointer (&self->correction, agg_request_free);
  agg_signature_need_clear (&self->need);
  self->awaiting_code = FALSE;
  update_controls (self);
}

static void
ask_signature (AggSupervisorPage *self,
               const char        *problem);

static void
correct_cb (GObject      *source,
            GAsyncResult *res,
            gpointer      user_data)
{
  g_autoptr(AggSupervisorPage) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(AggResult) result = agg_line_execute_finish (AGG_LINE (source), res, &error);
  g_autofree char *code = NULL;

  if (g_cancellable_is_cancelled (self->cancellable))
    return;

  self->correcting = FALSE;
  if (result == NULL)
    {
      set_last (self, NULL);
      toast (self, error->message);
      forget_correction (self);
      return;
    }

  set_last (self, agg_outcome_to_string (result->outcome));
  if (result->outcome == AGG_OUTCOME_SIGNATURE_REQUIRED)
    {
      agg_signature_need_set (&self->need, NULL, result);
      update_controls (self);
      ask_signature (self, NULL);
      return;
    }

  if (!agg_result_is_ok (result))
    gtk_widget_error_bell (GTK_WIDGET (self));

  /* A mistyped PIN: the same signature, asked again. */
  if (result->outcome == AGG_OUTCOME_BAD_CREDENTIALS && self->need.meaning != NULL)
    {
      update_controls (self);
      ask_signature (self, result->message);
      return;
    }

  toast (self, result->message);
  code = self->correction ? g_strdup (self->correction->code) : NULL;
  forget_correction (self);
  /* What the correction changed is the engine's to show. */
  if (agg_result_is_ok (result))
    lookup (self, code, TRUE);
}

/* Sends the correction, signed when @signer is given. */
static void
send_correction (AggSupervisorPage *self,
                 const char        *signer,
                 const char        *pin)
{
  g_autoptr(AggRequest) request = agg_request_copy (self->correction);

  g_free (request->signer);
  g_free (request->signer_pin);
  request->signer = g_strdup (signer);
  request->signer_pin = g_strdup (pin);

  self->correcting = TRUE;
  update_controls (self);
  agg_line_execute_async (self->line, request, self->cancellable, correct_cb,
                          g_object_ref (self));
}

static void
sign_response_cb (AdwMessageDialog  *dialog,
                  const char        *response,
                  AggSupervisorPage *self)
{
  AggSignatureDialog *signature = AGG_SIGNATURE_DIALOG (dialog);

  /* Answered once: it is closing already. */
  if (self->dialog != GTK_WINDOW (dialog))
    return;
  agg_dialog_forget (&self->dialog);

  if (strcmp (response, "sign") == 0 && self->correction != NULL)
    {
      send_correction (self, agg_signature_dialog_get_signer (signature),
                       agg_signature_dialog_get_pin (signature));
      return;
    }

  forget_correction (self);
  toast (self, _("Nothing corrected: not signed"));
}

static void
ask_signature (AggSupervisorPage *self,
               const char        *problem)
{
  GtkWidget *dialog = agg_signature_dialog_new_for_need (parent_window (self), self->line,
                                                         &self->need, problem);

  g_signal_connect_object (dialog, "response", G_CALLBACK (sign_response_cb), self, 0);
  agg_dialog_show (&self->dialog, dialog);
}

/* What the reason dialog collects. */
typedef struct
{
  AdwMessageDialog *dialog;
  GtkEditable      *details;
  GtkSwitch        *contents;         /* NULL: not offered */
  char             *preset;           /* translated */
} Reasoning;

static void
reasoning_free (Reasoning *reasoning)
{
  g_free (reasoning->preset);
  g_free (reasoning);
}

static char *
reasoning_text (Reasoning *reasoning)
{
  g_autofree char *details = g_strstrip (g_strdup (gtk_editable_get_text (reasoning->details)));

  if (reasoning->preset != NULL && *details != '\0')
    return g_strdup_printf ("%s: %s", reasoning->preset, details);
  if (reasoning->preset != NULL)
    return g_strdup (reasoning->preset);
  return g_steal_pointer (&details);
}

static void
update_continue (Reasoning *reasoning)
{
  g_autofree char *reason = reasoning_text (reasoning);

  adw_message_dialog_set_response_enabled (reasoning->dialog, "continue", *reason != '\0');
}

static void
preset_toggled_cb (GtkToggleButton *button,
                   Reasoning       *reasoning)
{
  if (!gtk_toggle_button_get_active (button))
    return;
  g_free (reasoning->preset);
  reasoning->preset = g_strdup (gtk_button_get_label (GTK_BUTTON (button)));
  update_continue (reasoning);
}

static void
reason_response_cb (AdwMessageDialog  *dialog,
                    const char        *response,
                    AggSupervisorPage *self)
{
  Reasoning *reasoning = g_object_get_data (G_OBJECT (dialog), "reasoning");
  g_autofree char *reason = NULL;

  if (self->dialog != GTK_WINDOW (dialog))
    return;
  agg_dialog_forget (&self->dialog);

  reason = reasoning_text (reasoning);
  if (strcmp (response, "continue") != 0 || *reason == '\0' || self->correction == NULL)
    {
      forget_correction (self);
      return;
    }

  g_free (self->correction->reason);
  self->correction->reason = g_steal_pointer (&reason);
  self->correction->with_contents = reasoning->contents != NULL &&
                                    gtk_switch_get_active (reasoning->contents);
  send_correction (self, NULL, NULL);
}

static GtkWidget *
contents_row_new (Reasoning *reasoning)
{
  GtkWidget *list = gtk_list_box_new ();
  GtkWidget *row = adw_action_row_new ();
  GtkWidget *toggle = gtk_switch_new ();

  gtk_list_box_set_selection_mode (GTK_LIST_BOX (list), GTK_SELECTION_NONE);
  gtk_widget_add_css_class (list, "boxed-list");
  gtk_widget_set_valign (toggle, GTK_ALIGN_CENTER);
  gtk_accessible_update_property (GTK_ACCESSIBLE (toggle), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _("With everything it holds"), -1);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), _("With everything it holds"));
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), toggle);
  adw_action_row_set_activatable_widget (ADW_ACTION_ROW (row), toggle);
  gtk_list_box_append (GTK_LIST_BOX (list), row);

  reasoning->contents = GTK_SWITCH (toggle);
  return list;
}

static void
choose_reason (AggSupervisorPage *self)
{
  const Correction *correction = find_correction (self->correction->action);
  Reasoning *reasoning = g_new0 (Reasoning, 1);
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 12);
  GtkWidget *presets = gtk_flow_box_new ();
  GtkWidget *heading = gtk_label_new (_("Why?"));
  GtkWidget *entry = gtk_entry_new ();
  GtkToggleButton *group = NULL;
  g_autofree char *shown = g_strdup (gtk_label_get_text (self->code_label));
  g_autofree char *body = NULL;
  GtkWidget *dialog;

  if (self->correction->code2 != NULL)
    {
      g_autofree char *second = readable_code (self->correction->code2);

      body = g_strdup_printf (_("%s\n→ %s\n\nChoose why. A supervisor signs next."), shown,
                              second);
    }
  else
    body = g_strdup_printf (_("%s\n\nChoose why. A supervisor signs next."), shown);

  dialog = adw_message_dialog_new (parent_window (self), _(correction->title), body);
  reasoning->dialog = ADW_MESSAGE_DIALOG (dialog);
  g_object_set_data_full (G_OBJECT (dialog), "reasoning", reasoning,
                          (GDestroyNotify) reasoning_free);

  gtk_widget_add_css_class (heading, "heading");
  gtk_box_append (GTK_BOX (box), heading);

  gtk_flow_box_set_selection_mode (GTK_FLOW_BOX (presets), GTK_SELECTION_NONE);
  gtk_flow_box_set_homogeneous (GTK_FLOW_BOX (presets), TRUE);
  /* One row, whatever the dialog's width: its height must not depend on
   * how the window manager sizes it. */
  gtk_flow_box_set_min_children_per_line (GTK_FLOW_BOX (presets), G_N_ELEMENTS (correction->reasons));
  gtk_flow_box_set_max_children_per_line (GTK_FLOW_BOX (presets), G_N_ELEMENTS (correction->reasons));
  gtk_flow_box_set_row_spacing (GTK_FLOW_BOX (presets), 8);
  gtk_flow_box_set_column_spacing (GTK_FLOW_BOX (presets), 8);
  gtk_accessible_update_relation (GTK_ACCESSIBLE (presets), GTK_ACCESSIBLE_RELATION_LABELLED_BY,
                                  heading, NULL, -1);
  for (guint i = 0; i < G_N_ELEMENTS (correction->reasons); i++)
    {
      GtkWidget *button = gtk_toggle_button_new_with_label (_(correction->reasons[i]));

      gtk_widget_add_css_class (button, "touch");
      gtk_widget_add_css_class (button, "reason-choice");
      g_signal_connect (button, "toggled", G_CALLBACK (preset_toggled_cb), reasoning);
      if (group != NULL)
        gtk_toggle_button_set_group (GTK_TOGGLE_BUTTON (button), group);
      else
        group = GTK_TOGGLE_BUTTON (button);
      gtk_flow_box_append (GTK_FLOW_BOX (presets), button);
    }
  gtk_box_append (GTK_BOX (box), presets);

  reasoning->details = GTK_EDITABLE (entry);
  gtk_entry_set_placeholder_text (GTK_ENTRY (entry), _("Other reason, or details"));
  gtk_entry_set_input_purpose (GTK_ENTRY (entry), GTK_INPUT_PURPOSE_FREE_FORM);
  gtk_entry_set_activates_default (GTK_ENTRY (entry), TRUE);
  gtk_accessible_update_property (GTK_ACCESSIBLE (entry), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _("Reason in your own words"), -1);
  gtk_widget_add_css_class (entry, "reason-entry");
  g_signal_connect_swapped (entry, "changed", G_CALLBACK (update_continue), reasoning);
  gtk_box_append (GTK_BOX (box), entry);

  if (correction->contents && g_strcmp0 (self->kind, "unit") != 0)
    gtk_box_append (GTK_BOX (box), contents_row_new (reasoning));

  adw_message_dialog_set_extra_child (ADW_MESSAGE_DIALOG (dialog), box);
  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog),
                                    "cancel", _("_Cancel"),
                                    "continue", _("C_ontinue"),
                                    NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "continue",
                                              correction->destructive ? ADW_RESPONSE_DESTRUCTIVE
                                                                      : ADW_RESPONSE_SUGGESTED);
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "continue");
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  gtk_window_set_modal (GTK_WINDOW (dialog), TRUE);
  gtk_widget_add_css_class (dialog, "touch-dialog");
  g_signal_connect_object (dialog, "response", G_CALLBACK (reason_response_cb), self, 0);
  update_continue (reasoning);

  agg_dialog_show (&self->dialog, dialog);
}

/* A code typed or scanned: the second code a correction waits for, or
 * one to look up. */
static void
code_entered (AggSupervisorPage *self,
              const char        *code)
{
  if (*code == '\0')
    return;

  if (self->awaiting_code)
    {
      g_free (self->correction->code2);
      self->correction->code2 = g_strdup (code);
      self->awaiting_code = FALSE;
      g_clear_pointer (&self->scanned, g_free);
      g_clear_pointer (&self->scanned_text, g_free);
      gtk_editable_set_text (self->code_entry, "");
      update_controls (self);
      choose_reason (self);
      return;
    }

  lookup (self, code, FALSE);
}

static void
code_activate_cb (AggSupervisorPage *self)
{
  g_autofree char *text = g_strstrip (g_strdup (gtk_editable_get_text (self->code_entry)));

  /* A scan shown readably is looked up as the reader sent it. */
  if (self->scanned != NULL && g_strcmp0 (text, self->scanned_text) == 0)
    code_entered (self, self->scanned);
  else
    code_entered (self, text);
}

static void
contents_activated_cb (AggSupervisorPage *self,
                       GtkListBoxRow     *row)
{
  const char *code = g_object_get_data (G_OBJECT (row), "code");

  if (code != NULL)
    show_tapped (self, code);
}

static void
correction_clicked_cb (GtkButton         *button,
                       AggSupervisorPage *self)
{
  const Correction *correction = g_object_get_data (G_OBJECT (button), "correction");

  gtk_widget_activate_action (GTK_WIDGET (self), "supervisor.correct", "s",
                              agg_action_to_string (correction->action));
}

/* Actions */

static void
lookup_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  AggSupervisorPage *self = AGG_SUPERVISOR_PAGE (widget);
  g_autofree char *code = g_strstrip (g_variant_dup_string (parameter, NULL));

  code_entered (self, code);
}

static void
correct_action (GtkWidget  *widget,
                const char *action_name,
                GVariant   *parameter)
{
  AggSupervisorPage *self = AGG_SUPERVISOR_PAGE (widget);
  const Correction *correction = NULL;
  AggAction action;

  if (agg_action_from_string (g_variant_get_string (parameter, NULL), &action))
    correction = find_correction (action);
  if (correction == NULL || self->line == NULL || self->correction != NULL || self->correcting)
    return;
  if (!correction_possible (self, correction))
    {
      gtk_widget_error_bell (widget);
      toast (self, _("This correction does not apply to what is shown"));
      return;
    }

  self->correction = agg_request_new (action);
  self->correction->code = g_strdup (self->code);
  if (correction->second != NULL)
    {
      self->awaiting_code = TRUE;
      update_controls (self);
      gtk_widget_grab_focus (GTK_WIDGET (self->code_entry));
      return;
    }

  update_controls (self);
  choose_reason (self);
}

static void
cancel_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  AggSupervisorPage *self = AGG_SUPERVISOR_PAGE (widget);

  if (self->awaiting_code)
    forget_correction (self);
}

/* GObject */

static void
agg_supervisor_page_unmap (GtkWidget *widget)
{
  AggSupervisorPage *self = AGG_SUPERVISOR_PAGE (widget);

  GTK_WIDGET_CLASS (agg_supervisor_page_parent_class)->unmap (widget);

  /* Left, e.g. by a logout: no question stays open, no correction half
   * made.  One already with the engine gets its answer. */
  agg_dialog_close (&self->dialog);
  if (!self->correcting && self->correction != NULL)
    forget_correction (self);
}

static void
agg_supervisor_page_get_property (GObject    *object,
                                  guint       prop_id,
                                  GValue     *value,
                                  GParamSpec *pspec)
{
  AggSupervisorPage *self = AGG_SUPERVISOR_PAGE (object);

  switch (prop_id)
    {
    case PROP_RECORD_KIND:
      g_value_set_string (value, self->kind);
      break;
    case PROP_RECORD_STATUS:
      g_value_set_string (value, self->status);
      break;
    case PROP_RECORD_CODE:
      g_value_set_string (value, self->code);
      break;
    case PROP_HISTORY_COUNT:
      g_value_set_uint (value, self->history_count);
      break;
    case PROP_LAST_OUTCOME:
      g_value_set_string (value, self->last_outcome);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
agg_supervisor_page_dispose (GObject *object)
{
  AggSupervisorPage *self = AGG_SUPERVISOR_PAGE (object);

  g_cancellable_cancel (self->cancellable);
  agg_dialog_close (&self->dialog);
  g_clear_object (&self->line);
  gtk_widget_dispose_template (GTK_WIDGET (self), AGG_TYPE_SUPERVISOR_PAGE);

  G_OBJECT_CLASS (agg_supervisor_page_parent_class)->dispose (object);
}

static void
agg_supervisor_page_finalize (GObject *object)
{
  AggSupervisorPage *self = AGG_SUPERVISOR_PAGE (object);

  g_object_unref (self->cancellable);
  g_clear_pointer (&self->images, json_array_unref);
  g_free (self->scanned);
  g_free (self->scanned_text);
  g_free (self->code);
  g_free (self->kind);
  g_free (self->status);
  g_free (self->last_outcome);
  g_clear_pointer (&self->correction, agg_request_free);
  agg_signature_need_clear (&self->need);

  G_OBJECT_CLASS (agg_supervisor_page_parent_class)->finalize (object);
}

static void
agg_supervisor_page_class_init (AggSupervisorPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->get_property = agg_supervisor_page_get_property;
  object_class->dispose = agg_supervisor_page_dispose;
  object_class->finalize = agg_supervisor_page_finalize;
  widget_class->unmap = agg_supervisor_page_unmap;

  /* The record shown: "unit", "case" or "pallet"; its status as the
   * engine names it; its code, as "supervisor.lookup" takes it. */
  properties[PROP_RECORD_KIND] =
    g_param_spec_string ("record-kind", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_RECORD_STATUS] =
    g_param_spec_string ("record-status", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_RECORD_CODE] =
    g_param_spec_string ("record-code", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  /* The entries of its audit trail. */
  properties[PROP_HISTORY_COUNT] =
    g_param_spec_uint ("history-count", NULL, NULL, 0, G_MAXUINT, 0,
                       G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  /* The engine's last answer to a lookup or correction
   * (agg_outcome_to_string). */
  properties[PROP_LAST_OUTCOME] =
    g_param_spec_string ("last-outcome", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  g_type_ensure (AGG_TYPE_LABEL_PREVIEW);
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/aggstation/Station/"
                                               "agg-supervisor-page.ui");
  gtk_widget_class_bind_template_child (widget_class, AggSupervisorPage, search_strip);
  gtk_widget_class_bind_template_child (widget_class, AggSupervisorPage, prompt_label);
  gtk_widget_class_bind_template_child (widget_class, AggSupervisorPage, code_entry);
  gtk_widget_class_bind_template_child (widget_class, AggSupervisorPage, spinner);
  gtk_widget_class_bind_template_child (widget_class, AggSupervisorPage, lookup_button);
  gtk_widget_class_bind_template_child (widget_class, AggSupervisorPage, cancel_button);
  gtk_widget_class_bind_template_child (widget_class, AggSupervisorPage, stack);
  gtk_widget_class_bind_template_child (widget_class, AggSupervisorPage, kind_icon);
  gtk_widget_class_bind_template_child (widget_class, AggSupervisorPage, kind_label);
  gtk_widget_class_bind_template_child (widget_class, AggSupervisorPage, code_label);
  gtk_widget_class_bind_template_child (widget_class, AggSupervisorPage, status_label);
  gtk_widget_class_bind_template_child (widget_class, AggSupervisorPage, details_label);
  gtk_widget_class_bind_template_child (widget_class, AggSupervisorPage, parents_box);
  gtk_widget_class_bind_template_child (widget_class, AggSupervisorPage, images_button);
  gtk_widget_class_bind_template_callback (widget_class, images_clicked_cb);
  gtk_widget_class_bind_template_child (widget_class, AggSupervisorPage, parents_buttons);
  gtk_widget_class_bind_template_child (widget_class, AggSupervisorPage, contents_heading);
  gtk_widget_class_bind_template_child (widget_class, AggSupervisorPage, contents_list);
  gtk_widget_class_bind_template_child (widget_class, AggSupervisorPage, contents_placeholder);
  gtk_widget_class_bind_template_child (widget_class, AggSupervisorPage, history_list);
  gtk_widget_class_bind_template_child (widget_class, AggSupervisorPage, corrections_box);
  gtk_widget_class_bind_template_child (widget_class, AggSupervisorPage, label_preview);
  gtk_widget_class_bind_template_callback (widget_class, code_activate_cb);
  gtk_widget_class_bind_template_callback (widget_class, contents_activated_cb);

  gtk_widget_class_install_action (widget_class, "supervisor.lookup", "s", lookup_action);
  gtk_widget_class_install_action (widget_class, "supervisor.correct", "s", correct_action);
  gtk_widget_class_install_action (widget_class, "supervisor.cancel", NULL, cancel_action);
}

static void
agg_supervisor_page_init (AggSupervisorPage *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  self->cancellable = g_cancellable_new ();

  for (guint i = 0; i < G_N_ELEMENTS (corrections); i++)
    {
      const Correction *correction = &corrections[i];
      GtkWidget *button = gtk_button_new_with_label (_(correction->label));

      gtk_widget_add_css_class (button, "touch");
      gtk_widget_add_css_class (button, "correction");
      if (correction->destructive)
        gtk_widget_add_css_class (button, "destructive-action");
      g_object_set_data (G_OBJECT (button), "correction", (gpointer) correction);
      g_signal_connect (button, "clicked", G_CALLBACK (correction_clicked_cb), self);
      gtk_box_append (self->corrections_box, button);
      self->buttons[i] = button;
    }

  update_controls (self);
}

void
agg_supervisor_page_set_line (AggSupervisorPage *self,
                              AggLine           *line)
{
  g_return_if_fail (AGG_IS_SUPERVISOR_PAGE (self));
  g_return_if_fail (line == NULL || AGG_IS_LINE (line));

  g_set_object (&self->line, line);
}

void
agg_supervisor_page_scan (AggSupervisorPage *self,
                          const char        *data,
                          gsize              len)
{
  g_autofree char *code = NULL;

  g_return_if_fail (AGG_IS_SUPERVISOR_PAGE (self));
  g_return_if_fail (data != NULL);

  code = g_strndup (data, len);
  g_free (self->scanned);
  g_free (self->scanned_text);
  self->scanned = g_strdup (code);
  self->scanned_text = readable (code);
  if (!self->awaiting_code)
    gtk_editable_set_text (self->code_entry, self->scanned_text);
  code_entered (self, code);
}
