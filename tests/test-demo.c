/* test-demo.c: the simulated line's codes — their mix, and that they say what they claim
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include <string.h>

#include "agg-demo.h"
#include "agg-gs1.h"

#define N_DRAWS 10000

/* Per cent of draws, with room for chance at 10,000 draws. */
static const struct
{
  const char *kind;
  double      low;
  double      high;
} expected_mix[] = {
  { AGG_DEMO_GOOD, 84.0, 90.0 },
  { AGG_DEMO_DUPLICATE, 3.0, 5.0 },
  { AGG_DEMO_WRONG_LOT, 3.0, 5.0 },
  { AGG_DEMO_UNREADABLE, 2.0, 4.0 },
  { AGG_DEMO_EARLIER_CASE, 1.2, 2.8 },
};

static void
parse_unit (const char  *code,
            gsize        len,
            AggGs1Data  *data,
            const char  *lot)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (agg_gs1_parse (code, len, data, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (agg_gs1_data_lookup (data, "01"), ==, AGG_DEMO_GTIN);
  g_assert_cmpstr (agg_gs1_data_lookup (data, "10"), ==, lot);
  g_assert_cmpstr (agg_gs1_data_lookup (data, "17"), ==, AGG_DEMO_EXPIRY);
  g_assert_nonnull (agg_gs1_data_lookup (data, "21"));
}

static void
test_demo_mix (void)
{
  g_autoptr(AggDemoFeed) feed = agg_demo_feed_new (20240611);
  g_autoptr(GHashTable) counts = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(GHashTable) good = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(GPtrArray) good_order = g_ptr_array_new ();
  g_autofree AggGs1Data *data = g_new (AggGs1Data, 1);

  for (guint i = 0; i < N_DRAWS; i++)
    {
      const char *kind = NULL;
      gsize len = 0;
      g_autofree char *code = agg_demo_feed_next (feed, &len, &kind);
      const char *serial;

      g_assert_nonnull (code);
      g_assert_cmpuint (len, ==, strlen (code));
      g_assert_nonnull (kind);
      g_hash_table_insert (counts, (gpointer) kind,
                           GUINT_TO_POINTER (GPOINTER_TO_UINT (g_hash_table_lookup (counts, kind))
                                             + 1));

      if (strcmp (kind, AGG_DEMO_UNREADABLE) == 0)
        {
          g_autoptr(GError) error = NULL;

          g_assert_false (agg_gs1_parse (code, len, data, &error));
          g_assert_nonnull (error);
          g_assert_true (error->domain == AGG_GS1_ERROR);
          continue;
        }

      parse_unit (code, len, data,
                  strcmp (kind, AGG_DEMO_WRONG_LOT) == 0 ? AGG_DEMO_OTHER_LOT : AGG_DEMO_LOT);
      serial = agg_gs1_data_lookup (data, "21");

      if (strcmp (kind, AGG_DEMO_GOOD) == 0)
        {
          char *copy = g_strdup (serial);

          g_assert_false (g_hash_table_contains (good, serial));
          g_hash_table_add (good, copy);
          g_ptr_array_add (good_order, copy);
        }
      else if (strcmp (kind, AGG_DEMO_DUPLICATE) == 0)
        {
          g_assert_cmpuint (good_order->len, >, 0);
          g_assert_cmpstr (serial, ==, g_ptr_array_index (good_order, good_order->len - 1));
        }
      else if (strcmp (kind, AGG_DEMO_EARLIER_CASE) == 0)
        {
          /* Known, and at least a full case of good units ago. */
          g_assert_true (g_hash_table_contains (good, serial));
          for (guint j = 0; j < AGG_DEMO_UNITS_PER_CASE; j++)
            g_assert_cmpstr (serial, !=,
                             g_ptr_array_index (good_order, good_order->len - 1 - j));
        }
      else if (strcmp (kind, AGG_DEMO_WRONG_LOT) == 0)
        g_assert_false (g_hash_table_contains (good, serial));
      else
        g_assert_not_reached ();
    }

  for (guint i = 0; i < G_N_ELEMENTS (expected_mix); i++)
    {
      double percent = 100.0 * GPOINTER_TO_UINT (g_hash_table_lookup (counts,
                                                                      expected_mix[i].kind))
                       / N_DRAWS;

      g_test_message ("%s: %.2f %%", expected_mix[i].kind, percent);
      g_assert_cmpfloat (percent, >=, expected_mix[i].low);
      g_assert_cmpfloat (percent, <=, expected_mix[i].high);
    }
  g_assert_cmpuint (g_hash_table_size (counts), ==, G_N_ELEMENTS (expected_mix));
}

static void
test_demo_seed (void)
{
  g_autoptr(AggDemoFeed) a = agg_demo_feed_new (7);
  g_autoptr(AggDemoFeed) b = agg_demo_feed_new (7);
  g_autoptr(AggDemoFeed) c = agg_demo_feed_new (8);
  gboolean differs = FALSE;

  for (guint i = 0; i < 100; i++)
    {
      g_autofree char *code_a = agg_demo_feed_next (a, NULL, NULL);
      g_autofree char *code_b = agg_demo_feed_next (b, NULL, NULL);
      g_autofree char *code_c = agg_demo_feed_next (c, NULL, NULL);

      g_assert_cmpstr (code_a, ==, code_b);
      differs |= strcmp (code_a, code_c) != 0;
    }
  g_assert_true (differs);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/demo/mix", test_demo_mix);
  g_test_add_func ("/demo/seed", test_demo_seed);

  return g_test_run ();
}
