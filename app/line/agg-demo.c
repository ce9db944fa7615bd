/* agg-demo.c: the codes a simulated line reads, for the demo station
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "agg-demo.h"

#define SERIAL_LENGTH 10

/* Serials as serialisation systems print them: random, and without the
 * letters a person mixes up with digits. */
static const char serial_alphabet[] = "0123456789ABCDEFGHJKLMNPQRSTUVWXYZ";

typedef enum
{
  GOOD,
  DUPLICATE,
  WRONG_LOT,
  UNREADABLE,
  EARLIER_CASE,
} Kind;

static const struct
{
  const char *name;
  guint       percent;
} kinds[] = {
  [GOOD] = { AGG_DEMO_GOOD, 87 },
  [DUPLICATE] = { AGG_DEMO_DUPLICATE, 4 },
  [WRONG_LOT] = { AGG_DEMO_WRONG_LOT, 4 },
  [UNREADABLE] = { AGG_DEMO_UNREADABLE, 3 },
  [EARLIER_CASE] = { AGG_DEMO_EARLIER_CASE, 2 },
};

struct _AggDemoFeed
{
  GRand      *rand;
  GHashTable *issued;                 /* every serial drawn, so none repeats by chance */
  GPtrArray  *good;                   /* the good ones among them, oldest first */
};

AggDemoFeed *
agg_demo_feed_new (guint32 seed)
{
  AggDemoFeed *feed = g_new0 (AggDemoFeed, 1);

  feed->rand = g_rand_new_with_seed (seed);
  feed->issued = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  feed->good = g_ptr_array_new ();
  return feed;
}

void
agg_demo_feed_free (AggDemoFeed *feed)
{
  if (feed == NULL)
    return;

  g_rand_free (feed->rand);
  g_hash_table_unref (feed->issued);
  g_ptr_array_unref (feed->good);
  g_free (feed);
}

/* Owned by the feed. */
static const char *
new_serial (AggDemoFeed *feed,
            gboolean     good)
{
  char serial[SERIAL_LENGTH + 1];
  char *copy;

  do
    {
      for (guint i = 0; i < SERIAL_LENGTH; i++)
        serial[i] = serial_alphabet[g_rand_int_range (feed->rand, 0,
                                                      sizeof serial_alphabet - 1)];
      serial[SERIAL_LENGTH] = '\0';
    }
  while (g_hash_table_contains (feed->issued, serial));

  copy = g_strdup (serial);
  g_hash_table_add (feed->issued, copy);
  if (good)
    g_ptr_array_add (feed->good, copy);
  return copy;
}

static char *
unit_code (const char *gtin,
           const char *lot,
           const char *serial)
{
  return g_strconcat ("]d2", "01", gtin, "17", AGG_DEMO_EXPIRY, "10", lot, "\x1d", "21", serial,
                      NULL);
}

/* What a smudged or torn label gives: the reader decodes something, but
 * not a valid GS1 element string. */
static char *
unreadable_code (AggDemoFeed *feed)
{
  char gtin[] = AGG_DEMO_GTIN;
  const char *serial = new_serial (feed, FALSE);

  switch (g_rand_int_range (feed->rand, 0, 3))
    {
    case 0:
      /* A wrong check digit. */
      gtin[13] = '0' + (gtin[13] - '0' + 1) % 10;
      return unit_code (gtin, AGG_DEMO_LOT, serial);
    case 1:
      /* Cut short inside the expiry date. */
      return g_strconcat ("]d2", "01", AGG_DEMO_GTIN, "17", "2812", NULL);
    default:
      /* A letter read into the expiry date. */
      return g_strconcat ("]d2", "01", AGG_DEMO_GTIN, "17", "28A231", "10", AGG_DEMO_LOT,
                          "\x1d", "21", serial, NULL);
    }
}

static Kind
draw_kind (AggDemoFeed *feed)
{
  guint n = g_rand_int_range (feed->rand, 0, 100);
  Kind kind = GOOD;

  while (n >= kinds[kind].percent)
    n -= kinds[kind++].percent;
  return kind;
}

char *
agg_demo_feed_next (AggDemoFeed  *feed,
                    gsize        *len,
                    const char  **kind)
{
  Kind drawn;
  char *code;

  g_return_val_if_fail (feed != NULL, NULL);

  drawn = draw_kind (feed);

  /* A repeat needs a unit before it; one from an earlier case needs a
   * full case of good units after it, which closes the case it is in. */
  if ((drawn == DUPLICATE && feed->good->len == 0) ||
      (drawn == EARLIER_CASE && feed->good->len <= AGG_DEMO_UNITS_PER_CASE))
    drawn = GOOD;

  if (drawn == GOOD)
    code = unit_code (AGG_DEMO_GTIN, AGG_DEMO_LOT, new_serial (feed, TRUE));
  else if (drawn == DUPLICATE)
    code = unit_code (AGG_DEMO_GTIN, AGG_DEMO_LOT,
                      g_ptr_array_index (feed->good, feed->good->len - 1));
  else if (drawn == EARLIER_CASE)
    code = unit_code (AGG_DEMO_GTIN, AGG_DEMO_LOT,
                      g_ptr_array_index (feed->good,
                                         g_rand_int_range (feed->rand, 0,
                                                           feed->good->len
                                                           - AGG_DEMO_UNITS_PER_CASE)));
  else if (drawn == WRONG_LOT)
    code = unit_code (AGG_DEMO_GTIN, AGG_DEMO_OTHER_LOT, new_serial (feed, FALSE));
  else
    code = unreadable_code (feed);

  if (len != NULL)
    *len = strlen (code);
  if (kind != NULL)
    *kind = kinds[drawn].name;
  return code;
}
