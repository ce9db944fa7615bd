/* test-ui-wedge.c: telling scans from typing
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Keys are fed with the times a reader or a person would give them; the
 * flush that the timer would do is forced, except in the one test of the
 * timer itself.
 */

#include "config.h"

#include <gtk/gtk.h>
#include <string.h>

#include "agg-scan-wedge-private.h"

/* A page that takes typed text as the login page does. */
#define TEST_TYPE_PAD (test_pad_get_type ())
G_DECLARE_FINAL_TYPE (TestPad, test_pad, TEST, PAD, GtkWidget)

struct _TestPad
{
  GtkWidget  parent_instance;

  GtkWidget *button;
  GString   *typed;
};

G_DEFINE_FINAL_TYPE (TestPad, test_pad, GTK_TYPE_WIDGET)

static void
test_pad_typed_action (GtkWidget  *widget,
                       const char *action_name,
                       GVariant   *parameter)
{
  g_string_append (TEST_PAD (widget)->typed, g_variant_get_string (parameter, NULL));
}

static void
test_pad_dispose (GObject *object)
{
  TestPad *self = TEST_PAD (object);

  g_clear_pointer (&self->button, gtk_widget_unparent);

  G_OBJECT_CLASS (test_pad_parent_class)->dispose (object);
}

static void
test_pad_finalize (GObject *object)
{
  g_string_free (TEST_PAD (object)->typed, TRUE);

  G_OBJECT_CLASS (test_pad_parent_class)->finalize (object);
}

static void
test_pad_class_init (TestPadClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = test_pad_dispose;
  object_class->finalize = test_pad_finalize;
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_install_action (widget_class, "wedge.typed", "s", test_pad_typed_action);
}

static void
test_pad_init (TestPad *self)
{
  self->typed = g_string_new (NULL);
  self->button = gtk_button_new_with_label ("1");
  gtk_widget_set_parent (self->button, GTK_WIDGET (self));
}

typedef struct
{
  GtkWidget    *window;
  GtkWidget    *entry;
  TestPad      *pad;
  AggScanWedge *wedge;
  GPtrArray    *scans;                /* GBytes */
  GString      *typed;
  guint32       time;
} Fixture;

static void
scanned_cb (AggScanWedge *wedge,
            const char   *data,
            guint         len,
            Fixture      *fixture)
{
  g_ptr_array_add (fixture->scans, g_bytes_new (data, len));
}

static void
typed_cb (AggScanWedge *wedge,
          const char   *text,
          Fixture      *fixture)
{
  g_string_append (fixture->typed, text);
}

static void
fixture_setup (Fixture       *fixture,
               gconstpointer  data)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);

  fixture->window = gtk_window_new ();
  fixture->entry = gtk_entry_new ();
  fixture->pad = g_object_new (TEST_TYPE_PAD, NULL);
  gtk_box_append (GTK_BOX (box), fixture->entry);
  gtk_box_append (GTK_BOX (box), GTK_WIDGET (fixture->pad));
  gtk_window_set_child (GTK_WINDOW (fixture->window), box);

  fixture->wedge = agg_scan_wedge_new (fixture->window);
  fixture->scans = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  fixture->typed = g_string_new (NULL);
  /* Near the end of the event clock: it may wrap in a burst. */
  fixture->time = G_MAXUINT32 - 40;
  g_signal_connect (fixture->wedge, "scanned", G_CALLBACK (scanned_cb), fixture);
  g_signal_connect (fixture->wedge, "typed", G_CALLBACK (typed_cb), fixture);
}

static void
fixture_teardown (Fixture       *fixture,
                  gconstpointer  data)
{
  g_clear_object (&fixture->wedge);
  gtk_window_destroy (GTK_WINDOW (fixture->window));
  g_ptr_array_unref (fixture->scans);
  g_string_free (fixture->typed, TRUE);
}

/* Each key @gap ms after the one before; TRUE if the wedge took them all. */
static gboolean
feed (Fixture    *fixture,
      const char *text,
      guint       gap)
{
  gboolean all = TRUE;

  for (const char *p = text; *p != '\0'; p = g_utf8_next_char (p))
    {
      fixture->time += gap;
      all &= agg_scan_wedge_feed_key (fixture->wedge,
                                      gdk_unicode_to_keyval (g_utf8_get_char (p)),
                                      fixture->time);
    }

  return all;
}

static gboolean
feed_key (Fixture *fixture,
          guint    keyval,
          guint    gap)
{
  fixture->time += gap;
  return agg_scan_wedge_feed_key (fixture->wedge, keyval, fixture->time);
}

static void
assert_scan (Fixture    *fixture,
             guint       index,
             const char *expected)
{
  gsize len;
  const char *data;

  g_assert_cmpuint (fixture->scans->len, >, index);
  data = g_bytes_get_data (g_ptr_array_index (fixture->scans, index), &len);
  g_assert_cmpmem (data, len, expected, strlen (expected));
}

static void
test_burst (Fixture       *fixture,
            gconstpointer  data)
{
  const char *code = "01095011010209171719";

  g_assert_cmpuint (strlen (code), ==, 20);
  g_assert_true (feed (fixture, code, 5));
  g_assert_true (feed_key (fixture, GDK_KEY_Return, 5));
  agg_scan_wedge_flush (fixture->wedge);

  g_assert_cmpuint (fixture->scans->len, ==, 1);
  assert_scan (fixture, 0, code);
  g_assert_cmpstr (fixture->typed->str, ==, "");
}

static void
test_gs_substitute (Fixture       *fixture,
                    gconstpointer  data)
{
  agg_scan_wedge_set_gs_substitute (fixture->wedge, '~');

  g_assert_true (feed (fixture, "010950110102091710AB12~17271231", 5));
  g_assert_true (feed_key (fixture, GDK_KEY_Return, 5));

  g_assert_cmpuint (fixture->scans->len, ==, 1);
  assert_scan (fixture, 0, "010950110102091710AB12\x1d" "17271231");
}

static void
test_gs_literal (Fixture       *fixture,
                 gconstpointer  data)
{
  g_assert_true (feed (fixture, "0109501101020917", 5));
  g_assert_true (feed_key (fixture, gdk_unicode_to_keyval (0x1d), 5));
  g_assert_true (feed (fixture, "10AB", 5));
  g_assert_true (feed_key (fixture, GDK_KEY_KP_Enter, 5));

  g_assert_cmpuint (fixture->scans->len, ==, 1);
  assert_scan (fixture, 0, "0109501101020917\x1d" "10AB");
}

static void
test_tab (Fixture       *fixture,
          gconstpointer  data)
{
  g_assert_true (feed (fixture, "BADGE-OPERATOR", 4));
  g_assert_true (feed_key (fixture, GDK_KEY_Tab, 4));

  g_assert_cmpuint (fixture->scans->len, ==, 1);
  assert_scan (fixture, 0, "BADGE-OPERATOR");
}

/* Capitals come with Shift pressed before them, as keys of their own. */
static void
test_shift (Fixture       *fixture,
            gconstpointer  data)
{
  for (const char *p = "Lot-A7"; *p != '\0'; p++)
    {
      if (g_ascii_isupper (*p))
        g_assert_false (feed_key (fixture, GDK_KEY_Shift_L, 2));
      g_assert_true (feed_key (fixture, gdk_unicode_to_keyval (*p), 2));
    }
  g_assert_true (feed_key (fixture, GDK_KEY_Return, 2));

  g_assert_cmpuint (fixture->scans->len, ==, 1);
  assert_scan (fixture, 0, "Lot-A7");
  g_assert_cmpstr (fixture->typed->str, ==, "");
}

static void
test_back_to_back (Fixture       *fixture,
                   gconstpointer  data)
{
  g_assert_true (feed (fixture, "BADGE-OPERATOR", 3));
  g_assert_true (feed_key (fixture, GDK_KEY_Return, 3));
  g_assert_true (feed (fixture, "00095011010000000018", 3));
  g_assert_true (feed_key (fixture, GDK_KEY_Return, 3));
  agg_scan_wedge_flush (fixture->wedge);

  g_assert_cmpuint (fixture->scans->len, ==, 2);
  assert_scan (fixture, 0, "BADGE-OPERATOR");
  assert_scan (fixture, 1, "00095011010000000018");
  g_assert_cmpstr (fixture->typed->str, ==, "");
}

static void
test_human (Fixture       *fixture,
            gconstpointer  data)
{
  gtk_widget_grab_focus (fixture->entry);

  g_assert_true (feed (fixture, "1234", 150));
  agg_scan_wedge_flush (fixture->wedge);
  /* Nothing held: Enter is the focused widget's. */
  g_assert_false (feed_key (fixture, GDK_KEY_Return, 150));

  g_assert_cmpuint (fixture->scans->len, ==, 0);
  g_assert_cmpstr (fixture->typed->str, ==, "1234");
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (fixture->entry)), ==, "1234");
}

static void
test_human_to_page (Fixture       *fixture,
                    gconstpointer  data)
{
  gtk_widget_grab_focus (fixture->pad->button);

  g_assert_true (feed (fixture, "1111", 120));
  agg_scan_wedge_flush (fixture->wedge);

  g_assert_cmpuint (fixture->scans->len, ==, 0);
  g_assert_cmpstr (fixture->pad->typed->str, ==, "1111");
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (fixture->entry)), ==, "");
}

static void
test_no_terminator (Fixture       *fixture,
                    gconstpointer  data)
{
  g_assert_true (feed (fixture, "0109501101020917", 5));
  agg_scan_wedge_flush (fixture->wedge);

  g_assert_cmpuint (fixture->scans->len, ==, 0);
  g_assert_cmpstr (fixture->typed->str, ==, "0109501101020917");
}

static void
test_too_short (Fixture       *fixture,
                gconstpointer  data)
{
  g_assert_cmpuint (AGG_SCAN_WEDGE_MIN_LENGTH, ==, 3);

  g_assert_true (feed (fixture, "12", 5));
  g_assert_false (feed_key (fixture, GDK_KEY_Return, 5));

  g_assert_cmpuint (fixture->scans->len, ==, 0);
  g_assert_cmpstr (fixture->typed->str, ==, "12");
}

/* Typed text before a scan stays typed text; a pause ends a burst. */
static void
test_pause_splits (Fixture       *fixture,
                   gconstpointer  data)
{
  g_assert_true (feed (fixture, "ABCD", 5));
  g_assert_true (feed (fixture, "E", AGG_SCAN_WEDGE_MAX_GAP_MS + 1));
  g_assert_true (feed (fixture, "FGH", AGG_SCAN_WEDGE_MAX_GAP_MS));
  g_assert_true (feed_key (fixture, GDK_KEY_Return, AGG_SCAN_WEDGE_MAX_GAP_MS));

  g_assert_cmpuint (fixture->scans->len, ==, 1);
  assert_scan (fixture, 0, "EFGH");
  g_assert_cmpstr (fixture->typed->str, ==, "ABCD");
}

/* Keys that are no text end what was held, in order, and go on. */
static void
test_other_key (Fixture       *fixture,
                gconstpointer  data)
{
  g_assert_true (feed (fixture, "987", 5));
  g_assert_false (feed_key (fixture, GDK_KEY_BackSpace, 5));

  g_assert_cmpuint (fixture->scans->len, ==, 0);
  g_assert_cmpstr (fixture->typed->str, ==, "987");
}

static gboolean
timeout_cb (gpointer user_data)
{
  gboolean *timed_out = user_data;

  *timed_out = TRUE;
  return G_SOURCE_REMOVE;
}

static void
test_timer (Fixture       *fixture,
            gconstpointer  data)
{
  gboolean timed_out = FALSE;
  guint id;

  g_assert_true (feed (fixture, "5", 0));
  g_assert_cmpstr (fixture->typed->str, ==, "");

  id = g_timeout_add_seconds (5, timeout_cb, &timed_out);
  while (fixture->typed->len == 0 && !timed_out)
    g_main_context_iteration (NULL, TRUE);
  g_assert_false (timed_out);
  g_source_remove (id);

  g_assert_cmpstr (fixture->typed->str, ==, "5");
}

static void
test_no_display (void)
{
  g_test_skip ("No display to make widgets on");
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  /* The wedge's decisions need no display, but the widget it watches does. */
  if (!gtk_init_check ())
    {
      g_test_add_func ("/ui/wedge/no-display", test_no_display);
      return g_test_run ();
    }

#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, fixture_setup, func, fixture_teardown)

  ADD ("/ui/wedge/burst", test_burst);
  ADD ("/ui/wedge/gs-substitute", test_gs_substitute);
  ADD ("/ui/wedge/gs-literal", test_gs_literal);
  ADD ("/ui/wedge/tab", test_tab);
  ADD ("/ui/wedge/shift", test_shift);
  ADD ("/ui/wedge/back-to-back", test_back_to_back);
  ADD ("/ui/wedge/human", test_human);
  ADD ("/ui/wedge/human-to-page", test_human_to_page);
  ADD ("/ui/wedge/no-terminator", test_no_terminator);
  ADD ("/ui/wedge/too-short", test_too_short);
  ADD ("/ui/wedge/pause-splits", test_pause_splits);
  ADD ("/ui/wedge/other-key", test_other_key);
  ADD ("/ui/wedge/timer", test_timer);

#undef ADD

  return g_test_run ();
}
