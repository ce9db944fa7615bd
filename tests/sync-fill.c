/* sync-fill.c: a week of a line's events in the outbox, fast
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 *     sync-fill DB N [REJECT_EVERY]
 *
 * Writes N events through the engine's own agg_events_add (), a thousand
 * per transaction, into the outbox of the station database DB (made when
 * missing): AggregationEvents that put three units each into one of a
 * hundred cases, so that each case has its events in order.  With
 * REJECT_EVERY, every REJECT_EVERY-th event names a unit whose serial
 * holds "REJECT", which the test repository refuses.
 */

#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "agg-line-job.h"

#define PER_TRANSACTION 1000
#define N_CASES 100

typedef struct
{
  guint64 first;
  guint64 count;
  guint64 reject_every;
} Fill;

static gpointer
fill_job (AggStore  *store,
          sqlite3   *db,
          gpointer   user_data,
          GError   **error)
{
  Fill *fill = user_data;

  for (guint64 n = fill->first; n < fill->first + fill->count; n++)
    {
      g_autoptr(GPtrArray) epcs = g_ptr_array_new_with_free_func (g_free);
      g_autofree char *sscc = g_strdup_printf ("3950600013435%05" PRIu64, n % N_CASES);
      g_autofree char *parent = agg_sscc_uri (sscc);
      gboolean reject = fill->reject_every > 0 && n % fill->reject_every == fill->reject_every - 1;

      for (guint i = 0; i < 3; i++)
        {
          g_autofree char *serial = g_strdup_printf ("%s%" PRIu64 "x%u", reject ? "REJECT" : "S",
                                                     n, i);
          g_ptr_array_add (epcs, agg_unit_uri ("09506000134352", serial));
        }
      if (!agg_events_add (store, "AggregationEvent", "ADD", "packing", "in_progress", parent,
                           epcs, NULL, 0, error))
        return NULL;
    }
  return NULL;
}

int
main (int    argc,
      char **argv)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(AggStore) store = NULL;
  guint64 total, reject_every = 0;

  if (argc < 3 || argc > 4 ||
      !g_ascii_string_to_unsigned (argv[2], 10, 1, G_MAXUINT32, &total, NULL) ||
      (argc == 4 && !g_ascii_string_to_unsigned (argv[3], 10, 1, G_MAXUINT32, &reject_every,
                                                 NULL)))
    {
      fprintf (stderr, "usage: sync-fill DB N [REJECT_EVERY]\n");
      return 2;
    }

  store = agg_store_open (argv[1], &error);
  if (store == NULL)
    {
      fprintf (stderr, "sync-fill: %s\n", error->message);
      return 1;
    }

  for (guint64 first = 0; first < total; first += PER_TRANSACTION)
    {
      Fill fill = { first, MIN (PER_TRANSACTION, total - first), reject_every };

      agg_store_run_sync (store, AGG_STORE_WRITE, fill_job, &fill, &error);
      if (error != NULL)
        {
          fprintf (stderr, "sync-fill: %s\n", error->message);
          return 1;
        }
    }
  return 0;
}
