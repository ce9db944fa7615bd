/* agg-test-ui.h: what the widget tests share — waiting, the widget tree, screenshots
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Everything here asserts: a helper that returns has succeeded.  The
 * windows are the station's own, shown on a fresh demo line with the
 * station's style sheet.
 */

#pragma once

#include <gtk/gtk.h>

#include "agg-line.h"
#include "agg-test-utils.h"

G_BEGIN_DECLS

#define AGG_TEST_WAIT_SECONDS 5

/* What wakes the main loop up in agg_test_wait_until(). */
gboolean       agg_test_wait_tick_cb          (gpointer         user_data);

/* Runs the main loop until @condition holds, or fails the test after
 * AGG_TEST_WAIT_SECONDS.  The tick wakes the loop up to look again. */
#define agg_test_wait_until(condition) \
  G_STMT_START \
    { \
      gint64 deadline_ = g_get_monotonic_time () + AGG_TEST_WAIT_SECONDS * G_USEC_PER_SEC; \
      guint tick_ = g_timeout_add (10, agg_test_wait_tick_cb, NULL); \
      while (!(condition) && g_get_monotonic_time () < deadline_) \
        g_main_context_iteration (NULL, TRUE); \
      g_source_remove (tick_); \
      if (!(condition)) \
        g_test_message ("still false after %d s", AGG_TEST_WAIT_SECONDS); \
      g_assert_true (condition); \
    } \
  G_STMT_END

/* Until a frame with everything asked so far is on the screen. */
void           agg_test_wait_for_frame        (GtkWidget       *widget);

/* The first visible widget under @widget (itself included) of @type. */
GtkWidget     *agg_test_find_widget           (GtkWidget       *widget,
                                               GType            type);
/* The first visible button under @widget labelled @label. */
GtkWidget     *agg_test_find_button           (GtkWidget       *widget,
                                               const char      *label);
/* The text of every visible label under @widget, one per line. */
void           agg_test_append_text           (GtkWidget       *widget,
                                               GString         *text);
char          *agg_test_dup_text              (GtkWidget       *widget);

/* Saves what @window shows, once drawn, as @name in the build directory. */
void           agg_test_save_screenshot       (GtkWidget       *window,
                                               const char      *name);

/* Fails the test if a visible control under @window has no accessible
 * name. */
void           agg_test_assert_controls_named (GtkWidget       *window);

/* Initializes GTK and libadwaita for the tests, with the station's style
 * sheet and without animations. */
void           agg_test_ui_init               (int             *argc,
                                               char          ***argv);
/* Sets @station up with the demo line imported; returns the engine on it. */
AggLine       *agg_test_ui_set_up             (AggTestStation  *station,
                                               gconstpointer    data);
/* Destroys @window, dispatches what that left pending, then frees *@line
 * and tears @station down. */
void           agg_test_ui_tear_down          (AggTestStation  *station,
                                               AggLine        **line,
                                               GtkWindow       *window,
                                               gconstpointer    data);

G_END_DECLS
