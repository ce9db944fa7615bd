/* agg-scan-wedge.c: barcode readers that type like a keyboard
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A reader in keyboard-wedge mode types a whole code in a burst, a key
 * every few milliseconds, and ends it with Enter or Tab.  People type an
 * order of magnitude slower.  So the wedge holds back printable keys
 * while a burst may be forming:
 *
 *  - Enter or Tab after at least AGG_SCAN_WEDGE_MIN_LENGTH keys, none
 *    more than AGG_SCAN_WEDGE_MAX_GAP_MS after the one before: a scan,
 *    emitted as "scanned"; the terminator is swallowed too;
 *  - a longer pause, no key for FLUSH_MS, any other key (but Shift and
 *    the like, which readers press too), or a terminator too early: the
 *    keys were typed by hand, and go on, FLUSH_MS late at most, as
 *    "typed".
 *
 * What "typed" does unless a handler stops it: a focused editable gets
 * the text at its cursor; any other focused widget, or its nearest
 * ancestor that has it, gets the widget action "wedge.typed" with the
 * text (GTK has no public way to replay a key event).  Keys with Control,
 * Alt, Super or Meta are shortcuts, never held back.
 */

#include "config.h"

#include "agg-scan-wedge-private.h"

/* A little more than the longest gap of a scan, so that the timer never
 * cuts one in two; low priority, so that keys already queued are seen
 * before the timer decides they will not come. */
#define FLUSH_MS 50
#define FLUSH_PRIORITY G_PRIORITY_DEFAULT_IDLE

#define GS 0x1d

#define SHORTCUT_MASK (GDK_CONTROL_MASK | GDK_ALT_MASK | GDK_SUPER_MASK | GDK_META_MASK)

struct _AggScanWedge
{
  GObject             parent_instance;

  GtkWidget          *widget;         /* weak */
  GtkEventController *controller;

  gunichar            gs_substitute;

  GString            *held;           /* UTF-8, as typed */
  guint               n_held;         /* characters in @held */
  guint32             last_time;
  guint               flush_id;
};

G_DEFINE_FINAL_TYPE (AggScanWedge, agg_scan_wedge, G_TYPE_OBJECT)

enum {
  SCANNED,
  TYPED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static gboolean
is_terminator (guint keyval)
{
  switch (keyval)
    {
    case GDK_KEY_Return:
    case GDK_KEY_KP_Enter:
    case GDK_KEY_ISO_Enter:
    case GDK_KEY_Tab:
    case GDK_KEY_KP_Tab:
      return TRUE;
    default:
      return FALSE;
    }
}

/* Readers press Shift for capitals, as people do: a key of its own, in
 * the middle of a burst, and no part of the text. */
static gboolean
is_modifier (guint keyval)
{
  return (keyval >= GDK_KEY_Shift_L && keyval <= GDK_KEY_Hyper_R) ||
         (keyval >= GDK_KEY_ISO_Lock && keyval <= GDK_KEY_ISO_Last_Group_Lock) ||
         keyval == GDK_KEY_Mode_switch ||
         keyval == GDK_KEY_Num_Lock;
}

static void
clear_held (AggScanWedge *self)
{
  g_string_truncate (self->held, 0);
  self->n_held = 0;
  g_clear_handle_id (&self->flush_id, g_source_remove);
}

void
agg_scan_wedge_flush (AggScanWedge *self)
{
  g_autofree char *text = NULL;

  g_return_if_fail (AGG_IS_SCAN_WEDGE (self));

  if (self->n_held == 0)
    {
      g_clear_handle_id (&self->flush_id, g_source_remove);
      return;
    }

  text = g_strndup (self->held->str, self->held->len);
  clear_held (self);
  g_signal_emit (self, signals[TYPED], 0, text);
}

static void
emit_scan (AggScanWedge *self)
{
  g_autoptr(GString) data = g_string_sized_new (self->held->len);

  for (const char *p = self->held->str; *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (self->gs_substitute != 0 && c == self->gs_substitute)
        g_string_append_c (data, GS);
      else
        g_string_append_unichar (data, c);
    }

  clear_held (self);
  g_signal_emit (self, signals[SCANNED], 0, data->str, (guint) data->len);
}

static gboolean
flush_timeout_cb (gpointer user_data)
{
  AggScanWedge *self = user_data;

  self->flush_id = 0;
  agg_scan_wedge_flush (self);
  return G_SOURCE_REMOVE;
}

gboolean
agg_scan_wedge_feed_key (AggScanWedge *self,
                         guint         keyval,
                         guint32       time_ms)
{
  gunichar c;
  gboolean in_burst;

  g_return_val_if_fail (AGG_IS_SCAN_WEDGE (self), FALSE);

  if (is_modifier (keyval))
    return FALSE;

  /* Unsigned, so that the event clock may wrap. */
  in_burst = self->n_held > 0 && time_ms - self->last_time <= AGG_SCAN_WEDGE_MAX_GAP_MS;

  if (is_terminator (keyval))
    {
      if (in_burst && self->n_held >= AGG_SCAN_WEDGE_MIN_LENGTH)
        {
          emit_scan (self);
          return TRUE;
        }
      agg_scan_wedge_flush (self);
      return FALSE;
    }

  /* Readers that send GS as such (ALT+029 on a keypad) give U+001D. */
  c = gdk_keyval_to_unicode (keyval);
  if (c != GS && !g_unichar_isprint (c))
    {
      agg_scan_wedge_flush (self);
      return FALSE;
    }

  if (!in_burst)
    agg_scan_wedge_flush (self);

  g_string_append_unichar (self->held, c);
  self->n_held++;
  self->last_time = time_ms;

  g_clear_handle_id (&self->flush_id, g_source_remove);
  self->flush_id = g_timeout_add_full (FLUSH_PRIORITY, FLUSH_MS, flush_timeout_cb, self, NULL);
  return TRUE;
}

static gboolean
key_pressed_cb (GtkEventControllerKey *controller,
                guint                  keyval,
                guint                  keycode,
                GdkModifierType        state,
                AggScanWedge          *self)
{
  if ((state & SHORTCUT_MASK) != 0)
    {
      agg_scan_wedge_flush (self);
      return FALSE;
    }

  return agg_scan_wedge_feed_key (self, keyval,
                                  gtk_event_controller_get_current_event_time (GTK_EVENT_CONTROLLER (controller)));
}

static void
agg_scan_wedge_real_typed (AggScanWedge *self,
                           const char   *text)
{
  GtkRoot *root;
  GtkWidget *focus;

  if (self->widget == NULL || (root = gtk_widget_get_root (self->widget)) == NULL)
    return;

  focus = gtk_root_get_focus (root);
  if (GTK_IS_EDITABLE (focus))
    {
      GtkEditable *editable = GTK_EDITABLE (focus);
      int position;

      if (!gtk_editable_get_editable (editable))
        return;
      gtk_editable_delete_selection (editable);
      position = gtk_editable_get_position (editable);
      gtk_editable_insert_text (editable, text, -1, &position);
      gtk_editable_set_position (editable, position);
      return;
    }

  gtk_widget_activate_action (focus ? focus : self->widget, "wedge.typed", "s", text);
}

void
agg_scan_wedge_set_gs_substitute (AggScanWedge *self,
                                  gunichar      substitute)
{
  g_return_if_fail (AGG_IS_SCAN_WEDGE (self));

  self->gs_substitute = substitute;
}

static void
agg_scan_wedge_dispose (GObject *object)
{
  AggScanWedge *self = AGG_SCAN_WEDGE (object);

  clear_held (self);
  if (self->widget != NULL)
    {
      gtk_widget_remove_controller (self->widget, self->controller);
      g_object_remove_weak_pointer (G_OBJECT (self->widget), (gpointer *) &self->widget);
      self->widget = NULL;
    }
  self->controller = NULL;

  G_OBJECT_CLASS (agg_scan_wedge_parent_class)->dispose (object);
}

static void
agg_scan_wedge_finalize (GObject *object)
{
  AggScanWedge *self = AGG_SCAN_WEDGE (object);

  g_string_free (self->held, TRUE);

  G_OBJECT_CLASS (agg_scan_wedge_parent_class)->finalize (object);
}

static void
agg_scan_wedge_class_init (AggScanWedgeClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = agg_scan_wedge_dispose;
  object_class->finalize = agg_scan_wedge_finalize;

  /* The data may hold GS bytes: use the length. */
  signals[SCANNED] = g_signal_new ("scanned",
                                   G_TYPE_FROM_CLASS (klass),
                                   G_SIGNAL_RUN_LAST,
                                   0, NULL, NULL, NULL,
                                   G_TYPE_NONE, 2,
                                   G_TYPE_STRING | G_SIGNAL_TYPE_STATIC_SCOPE,
                                   G_TYPE_UINT);

  signals[TYPED] = g_signal_new_class_handler ("typed",
                                               G_TYPE_FROM_CLASS (klass),
                                               G_SIGNAL_RUN_LAST,
                                               G_CALLBACK (agg_scan_wedge_real_typed),
                                               NULL, NULL, NULL,
                                               G_TYPE_NONE, 1,
                                               G_TYPE_STRING | G_SIGNAL_TYPE_STATIC_SCOPE);
}

static void
agg_scan_wedge_init (AggScanWedge *self)
{
  self->held = g_string_new (NULL);
}

AggScanWedge *
agg_scan_wedge_new (GtkWidget *widget)
{
  AggScanWedge *self;

  g_return_val_if_fail (GTK_IS_WIDGET (widget), NULL);

  self = g_object_new (AGG_TYPE_SCAN_WEDGE, NULL);
  self->widget = widget;
  g_object_add_weak_pointer (G_OBJECT (widget), (gpointer *) &self->widget);

  /* Capture: before the focused widget, and before any page, sees a key. */
  self->controller = gtk_event_controller_key_new ();
  gtk_event_controller_set_name (self->controller, "agg-scan-wedge");
  gtk_event_controller_set_propagation_phase (self->controller, GTK_PHASE_CAPTURE);
  g_signal_connect (self->controller, "key-pressed", G_CALLBACK (key_pressed_cb), self);
  gtk_widget_add_controller (widget, self->controller);

  return self;
}
