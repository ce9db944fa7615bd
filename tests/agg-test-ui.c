/* agg-test-ui.c: what the widget tests share — waiting, the widget tree, screenshots
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include <adwaita.h>

#include "agg-test-ui.h"

/* Waiting */

gboolean
agg_test_wait_tick_cb (gpointer user_data)
{
  return G_SOURCE_CONTINUE;
}

static void
painted_cb (GdkFrameClock *clock,
            gboolean      *painted)
{
  *painted = TRUE;
}

void
agg_test_wait_for_frame (GtkWidget *widget)
{
  GdkFrameClock *clock = gtk_widget_get_frame_clock (widget);
  gboolean painted = FALSE;
  gulong id;

  g_assert_nonnull (clock);
  id = g_signal_connect (clock, "after-paint", G_CALLBACK (painted_cb), &painted);
  gtk_widget_queue_draw (widget);
  agg_test_wait_until (painted);
  g_signal_handler_disconnect (clock, id);
}

/* The widget tree */

GtkWidget *
agg_test_find_widget (GtkWidget *widget,
                      GType      type)
{
  if (!gtk_widget_get_visible (widget))
    return NULL;
  if (G_TYPE_CHECK_INSTANCE_TYPE (widget, type))
    return widget;

  for (GtkWidget *child = gtk_widget_get_first_child (widget);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = agg_test_find_widget (child, type);

      if (found != NULL)
        return found;
    }
  return NULL;
}

GtkWidget *
agg_test_find_button (GtkWidget  *widget,
                      const char *label)
{
  if (!gtk_widget_get_visible (widget))
    return NULL;
  if (GTK_IS_BUTTON (widget) && g_strcmp0 (gtk_button_get_label (GTK_BUTTON (widget)), label) == 0)
    return widget;

  for (GtkWidget *child = gtk_widget_get_first_child (widget);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = agg_test_find_button (child, label);

      if (found != NULL)
        return found;
    }
  return NULL;
}

void
agg_test_append_text (GtkWidget *widget,
                      GString   *text)
{
  if (!gtk_widget_get_visible (widget))
    return;
  if (GTK_IS_LABEL (widget))
    g_string_append_printf (text, "%s\n", gtk_label_get_text (GTK_LABEL (widget)));

  for (GtkWidget *child = gtk_widget_get_first_child (widget);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    agg_test_append_text (child, text);
}

char *
agg_test_dup_text (GtkWidget *widget)
{
  GString *text = g_string_new (NULL);

  agg_test_append_text (widget, text);
  return g_string_free (text, FALSE);
}

/* Screenshots */

/* What @window shows, if it has been drawn. */
static GskRenderNode *
render_window (GtkWidget *window)
{
  g_autoptr(GdkPaintable) paintable = gtk_widget_paintable_new (window);
  g_autoptr(GtkSnapshot) snapshot = gtk_snapshot_new ();

  gdk_paintable_snapshot (paintable, GDK_SNAPSHOT (snapshot),
                          gtk_widget_get_width (window), gtk_widget_get_height (window));
  return gtk_snapshot_to_node (snapshot);
}

void
agg_test_save_screenshot (GtkWidget  *window,
                          const char *name)
{
  GskRenderer *renderer = gtk_native_get_renderer (GTK_NATIVE (window));
  g_autoptr(GskRenderNode) node = NULL;
  g_autoptr(GdkTexture) texture = NULL;
  g_autofree char *path = NULL;

  /* A dialog shares its parent's frame clock: the first frame may have
   * drawn the parent alone. */
  for (guint i = 0; node == NULL && i < 10; i++)
    {
      agg_test_wait_for_frame (window);
      node = render_window (window);
    }
  g_assert_nonnull (node);
  g_assert_cmpint (gtk_widget_get_width (window), >, 0);
  g_assert_cmpint (gtk_widget_get_height (window), >, 0);

  texture = gsk_renderer_render_texture (renderer, node,
                                         &GRAPHENE_RECT_INIT (0, 0,
                                                              gtk_widget_get_width (window),
                                                              gtk_widget_get_height (window)));
  path = g_test_build_filename (G_TEST_BUILT, name, NULL);
  g_assert_true (gdk_texture_save_to_png (texture, path));
  g_test_message ("screenshot: %s", path);
}

/* Accessible names
 *
 * GTK 4.8 has no getter for the name a screen reader announces.  What it
 * computes (gtk_at_context_get_name) is the control's own label property,
 * else the label properties of the widgets it is labelled by; a button's
 * label sets that property, but neither a tooltip nor text inside a
 * custom child counts.  GTK's test backend (GTK_A11Y=test) can tell
 * whether the property is set and, by comparison, what it is and which
 * widget a relation points to: enough to check that every control a
 * person can reach has a name that is not empty.
 */

static gboolean
has_label (GtkWidget *widget)
{
  g_autofree char *differs = NULL;

  if (!gtk_test_accessible_has_property (GTK_ACCESSIBLE (widget), GTK_ACCESSIBLE_PROPERTY_LABEL))
    return FALSE;
  differs = gtk_test_accessible_check_property (GTK_ACCESSIBLE (widget),
                                                GTK_ACCESSIBLE_PROPERTY_LABEL, "");
  return differs != NULL;
}

/* Whether the only widget @widget is labelled by, searched under @root,
 * has a label. */
static gboolean
labelled_by_label (GtkWidget *widget,
                   GtkWidget *root)
{
  g_autofree char *differs = NULL;

  differs = gtk_test_accessible_check_relation (GTK_ACCESSIBLE (widget),
                                                GTK_ACCESSIBLE_RELATION_LABELLED_BY,
                                                root, NULL);
  if (differs == NULL)
    return has_label (root);

  for (GtkWidget *child = gtk_widget_get_first_child (root);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    if (labelled_by_label (widget, child))
      return TRUE;
  return FALSE;
}

static gboolean
is_control (GtkWidget *widget)
{
  return GTK_IS_BUTTON (widget) ||
         GTK_IS_CHECK_BUTTON (widget) ||
         GTK_IS_DROP_DOWN (widget) ||
         GTK_IS_ENTRY (widget) ||
         GTK_IS_MENU_BUTTON (widget) ||
         GTK_IS_PASSWORD_ENTRY (widget) ||
         GTK_IS_SCALE (widget) ||
         GTK_IS_SEARCH_ENTRY (widget) ||
         GTK_IS_SPIN_BUTTON (widget) ||
         GTK_IS_SWITCH (widget);
}

/* Appends a description of every visible control under @widget that has
 * no accessible name. */
static void
collect_unnamed (GtkWidget *widget,
                 GtkWidget *window,
                 GString   *unnamed)
{
  /* The close button of libadwaita 1.2's toasts has no name; it is not
   * the page's to give. */
  if (!gtk_widget_get_visible (widget) ||
      g_strcmp0 (G_OBJECT_TYPE_NAME (widget), "AdwToastWidget") == 0)
    return;

  if (is_control (widget))
    {
      if (!has_label (widget) &&
          !(gtk_test_accessible_has_relation (GTK_ACCESSIBLE (widget),
                                              GTK_ACCESSIBLE_RELATION_LABELLED_BY) &&
            labelled_by_label (widget, window)))
        {
          const char *tooltip = gtk_widget_get_tooltip_text (widget);

          g_string_append_printf (unnamed, "%s%s%s%s%s",
                                  unnamed->len > 0 ? ", " : "",
                                  G_OBJECT_TYPE_NAME (widget),
                                  tooltip != NULL ? " (tooltip \"" : "",
                                  tooltip != NULL ? tooltip : "",
                                  tooltip != NULL ? "\")" : "");
        }
      /* What is inside a control is its content, not another control. */
      return;
    }

  for (GtkWidget *child = gtk_widget_get_first_child (widget);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    collect_unnamed (child, window, unnamed);
}

void
agg_test_assert_controls_named (GtkWidget *window)
{
  g_autoptr(GString) unnamed = g_string_new (NULL);

  collect_unnamed (window, window, unnamed);
  if (unnamed->len > 0)
    g_error ("controls without an accessible name: %s", unnamed->str);
}

/* Set-up */

void
agg_test_ui_init (int    *argc,
                  char ***argv)
{
  g_autoptr(GtkCssProvider) style = NULL;

  gtk_test_init (argc, argv, NULL);
  adw_init ();

  /* The station's style sheet, as its AdwApplication loads it. */
  style = gtk_css_provider_new ();
  gtk_css_provider_load_from_resource (style, "/io/github/aggstation/Station/style.css");
  gtk_style_context_add_provider_for_display (gdk_display_get_default (),
                                              GTK_STYLE_PROVIDER (style),
                                              GTK_STYLE_PROVIDER_PRIORITY_APPLICATION);

  /* Screenshots of a finished state, never of a transition. */
  g_object_set (gtk_settings_get_default (), "gtk-enable-animations", FALSE, NULL);
}

AggLine *
agg_test_ui_set_up (AggTestStation *station,
                    gconstpointer   data)
{
  agg_test_station_set_up (station, data);
  agg_test_load_demo (station->store);
  return agg_line_new (station->store);
}

void
agg_test_ui_tear_down (AggTestStation  *station,
                       AggLine        **line,
                       GtkWindow       *window,
                       gconstpointer    data)
{
  gtk_window_destroy (window);
  while (g_main_context_iteration (NULL, FALSE))
    ;
  g_clear_object (line);
  agg_test_station_tear_down (station, data);
}
