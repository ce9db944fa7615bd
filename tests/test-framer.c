/* test-framer.c: cutting byte streams into scans
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include <glib.h>
#include <string.h>

#include "agg-framer.h"

#define MS G_TIME_SPAN_MILLISECOND

typedef struct
{
  GPtrArray *frames;                  /* of GBytes */
  guint      oversize;
  gsize      max_seen;
} Collector;

static void
frame_cb (const guint8 *data,
          gsize         len,
          gpointer      user_data)
{
  Collector *c = user_data;

  g_assert_cmpuint (len, >, 0);
  c->max_seen = MAX (c->max_seen, len);
  g_ptr_array_add (c->frames, g_bytes_new (data, len));
}

static void
oversize_cb (gpointer user_data)
{
  Collector *c = user_data;

  c->oversize++;
}

static void
collector_init (Collector *c)
{
  memset (c, 0, sizeof *c);
  c->frames = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
}

static void
collector_clear (Collector *c)
{
  g_ptr_array_unref (c->frames);
}

static AggFramer *
framer_new (AggFraming  framing,
            gsize       max,
            Collector  *c)
{
  return agg_framer_new (framing, max, frame_cb, oversize_cb, c);
}

static void
push_str (AggFramer  *framer,
          const char *text,
          gint64      now)
{
  agg_framer_push (framer, (const guint8 *) text, strlen (text), now);
}

static void
assert_frame (Collector  *c,
              guint       index,
              const char *expected)
{
  GBytes *frame;
  gsize len;
  const char *data;

  g_assert_cmpuint (index, <, c->frames->len);
  frame = g_ptr_array_index (c->frames, index);
  data = g_bytes_get_data (frame, &len);
  g_assert_cmpmem (data, len, expected, strlen (expected));
}

/* The stats account for every byte pushed. */
static void
assert_accounting (AggFramer *framer,
                   gsize      pushed)
{
  AggFramerStats s;

  agg_framer_get_stats (framer, &s);
  g_assert_cmpuint (s.bytes, ==, pushed);
  g_assert_cmpuint (s.bytes, ==, s.frame_bytes + s.overhead_bytes + s.discarded_bytes + s.pending_bytes);
}

static const struct
{
  AggFraming  framing;
  const char *stream;
} suffix_cases[] = {
  { AGG_FRAMING_CR, "0101234\rABC\r\r" },
  { AGG_FRAMING_LF, "0101234\nABC\n\n" },
  { AGG_FRAMING_CRLF, "0101234\r\nABC\r\n\r\n" },
  { AGG_FRAMING_ETX, "\x02" "0101234\x03" "ABC\x03\x03" },
};

static void
test_framer_suffixes (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (suffix_cases); i++)
    {
      Collector c;
      g_autoptr(AggFramer) framer = NULL;

      collector_init (&c);
      framer = framer_new (suffix_cases[i].framing, 4096, &c);
      push_str (framer, suffix_cases[i].stream, 0);
      /* The empty frame at the end is ignored. */
      g_assert_cmpuint (c.frames->len, ==, 2);
      assert_frame (&c, 0, "0101234");
      assert_frame (&c, 1, "ABC");
      g_assert_cmpint (agg_framer_get_deadline (framer), ==, -1);
      assert_accounting (framer, strlen (suffix_cases[i].stream));
      collector_clear (&c);
    }
}

static void
test_framer_crlf_lone_cr_and_lf_are_data (void)
{
  Collector c;
  g_autoptr(AggFramer) framer = NULL;

  collector_init (&c);
  framer = framer_new (AGG_FRAMING_CRLF, 4096, &c);
  push_str (framer, "A\rB\nC\r", 0);
  g_assert_cmpuint (c.frames->len, ==, 0);
  /* The CR at the end of one read and the LF at the start of the next
   * make one suffix. */
  push_str (framer, "\nD\r", 0);
  push_str (framer, "\r", 0);
  push_str (framer, "\n", 0);
  g_assert_cmpuint (c.frames->len, ==, 2);
  assert_frame (&c, 0, "A\rB\nC");
  assert_frame (&c, 1, "D\r");
  assert_accounting (framer, 11);
  collector_clear (&c);
}

/* The same stream gives the same frames however reads cut it. */
static void
test_framer_split_and_merged_reads (void)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (7);

  for (guint i = 0; i < G_N_ELEMENTS (suffix_cases); i++)
    for (guint mode = 0; mode < 3; mode++)
      {
        Collector c;
        g_autoptr(AggFramer) framer = NULL;
        g_autoptr(GString) stream = g_string_new (NULL);
        gsize pos = 0;

        /* Ten copies of the case's stream in one buffer: merged frames. */
        for (guint k = 0; k < 10; k++)
          g_string_append (stream, suffix_cases[i].stream);

        collector_init (&c);
        framer = framer_new (suffix_cases[i].framing, 4096, &c);
        while (pos < stream->len)
          {
            /* Single bytes, everything at once, or random cuts. */
            gsize n = mode == 0 ? 1 : mode == 1 ? stream->len
                                                : (gsize) g_rand_int_range (rand, 1, 9);

            n = MIN (n, stream->len - pos);
            agg_framer_push (framer, (const guint8 *) stream->str + pos, n, 0);
            pos += n;
          }
        g_assert_cmpuint (c.frames->len, ==, 20);
        for (guint k = 0; k < 20; k += 2)
          {
            assert_frame (&c, k, "0101234");
            assert_frame (&c, k + 1, "ABC");
          }
        assert_accounting (framer, stream->len);
        collector_clear (&c);
      }
}

static void
test_framer_missing_suffix_is_not_delivered (void)
{
  Collector c;
  g_autoptr(AggFramer) framer = NULL;
  AggFramerStats s;

  collector_init (&c);
  framer = framer_new (AGG_FRAMING_CR, 4096, &c);
  push_str (framer, "ONE\rTWO", 0);
  g_assert_cmpuint (c.frames->len, ==, 1);
  agg_framer_get_stats (framer, &s);
  g_assert_cmpuint (s.pending_bytes, ==, 3);

  /* The connection is lost: the half frame goes, and does not stick to
   * the next one. */
  g_assert_true (agg_framer_abandon (framer));
  g_assert_false (agg_framer_abandon (framer));
  push_str (framer, "THREE\r", 0);
  g_assert_cmpuint (c.frames->len, ==, 2);
  assert_frame (&c, 1, "THREE");
  agg_framer_get_stats (framer, &s);
  g_assert_cmpuint (s.discarded_bytes, ==, 3);
  assert_accounting (framer, 13);
  collector_clear (&c);
}

static void
test_framer_timeout (void)
{
  Collector c;
  g_autoptr(AggFramer) framer = NULL;

  collector_init (&c);
  framer = framer_new (AGG_FRAMING_TIMEOUT, 4096, &c);
  agg_framer_set_timeout (framer, 50 * MS);
  g_assert_cmpint (agg_framer_get_deadline (framer), ==, -1);

  push_str (framer, "01", 1000 * MS);
  push_str (framer, "23", 1040 * MS);
  g_assert_cmpint (agg_framer_get_deadline (framer), ==, 1090 * MS);
  agg_framer_flush_timeout (framer, 1089 * MS);
  g_assert_cmpuint (c.frames->len, ==, 0);
  agg_framer_flush_timeout (framer, 1090 * MS);
  g_assert_cmpuint (c.frames->len, ==, 1);
  assert_frame (&c, 0, "0123");
  g_assert_cmpint (agg_framer_get_deadline (framer), ==, -1);

  /* A silence the owner has not flushed yet still ends the frame when the
   * next bytes come; suffix characters are data here. */
  push_str (framer, "AB\r", 2000 * MS);
  push_str (framer, "CD", 2100 * MS);
  g_assert_cmpuint (c.frames->len, ==, 2);
  assert_frame (&c, 1, "AB\r");
  agg_framer_flush_timeout (framer, 2150 * MS);
  assert_frame (&c, 2, "CD");
  assert_accounting (framer, 9);
  collector_clear (&c);
}

static void
test_framer_prefix_is_stripped_when_present (void)
{
  Collector c;
  g_autoptr(AggFramer) framer = NULL;

  collector_init (&c);
  framer = framer_new (AGG_FRAMING_CR, 4096, &c);
  agg_framer_set_prefix (framer, (const guint8 *) "]d2", 3);
  push_str (framer, "]d2010\r010\r]d\r]d2\r", 0);
  /* The frame that is nothing but the prefix is empty and ignored. */
  g_assert_cmpuint (c.frames->len, ==, 3);
  assert_frame (&c, 0, "010");
  assert_frame (&c, 1, "010");
  assert_frame (&c, 2, "]d");
  assert_accounting (framer, 18);
  collector_clear (&c);
}

static void
test_framer_gs_substitute (void)
{
  Collector c;
  g_autoptr(AggFramer) framer = NULL;

  collector_init (&c);
  framer = framer_new (AGG_FRAMING_CR, 4096, &c);
  agg_framer_set_gs_substitute (framer, '~');
  push_str (framer, "0109501101020917~10ABC~21X\r", 0);
  /* A code whose reader sent no separator at all is delivered as it
   * came: the engine decides what it is. */
  push_str (framer, "010950110102091710ABC21X\r", 0);
  g_assert_cmpuint (c.frames->len, ==, 2);
  assert_frame (&c, 0, "0109501101020917\x1d" "10ABC\x1d" "21X");
  assert_frame (&c, 1, "010950110102091710ABC21X");
  collector_clear (&c);
}

static void
test_framer_oversize_discarded_whole (void)
{
  for (guint mode = 0; mode < 2; mode++)
    {
      Collector c;
      g_autoptr(AggFramer) framer = NULL;
      g_autofree char *big = g_strnfill (40, 'X');
      AggFramerStats s;

      collector_init (&c);
      framer = framer_new (AGG_FRAMING_CR, 16, &c);
      push_str (framer, "0123456789ABCDEF\r", 0);
      if (mode == 0)
        push_str (framer, big, 0);
      else
        for (guint i = 0; i < 40; i++)
          push_str (framer, "X", 0);
      /* Reported once, as soon as it is too long, never delivered in part. */
      g_assert_cmpuint (c.oversize, ==, 1);
      g_assert_cmpuint (c.frames->len, ==, 1);
      push_str (framer, "YYY\rNEXT\r", 0);
      g_assert_cmpuint (c.oversize, ==, 1);
      g_assert_cmpuint (c.frames->len, ==, 2);
      assert_frame (&c, 0, "0123456789ABCDEF");
      assert_frame (&c, 1, "NEXT");
      agg_framer_get_stats (framer, &s);
      g_assert_cmpuint (s.oversize, ==, 1);
      g_assert_cmpuint (s.discarded_bytes, ==, 43);
      assert_accounting (framer, 17 + 40 + 9);
      collector_clear (&c);
    }
}

static void
test_framer_oversize_timeout_recovers_after_silence (void)
{
  Collector c;
  g_autoptr(AggFramer) framer = NULL;
  g_autofree char *big = g_strnfill (20, 'X');

  collector_init (&c);
  framer = framer_new (AGG_FRAMING_TIMEOUT, 16, &c);
  agg_framer_set_timeout (framer, 10 * MS);
  push_str (framer, big, 0);
  push_str (framer, big, 5 * MS);
  g_assert_cmpuint (c.oversize, ==, 1);
  agg_framer_flush_timeout (framer, 15 * MS);
  push_str (framer, "OK", 100 * MS);
  agg_framer_flush_timeout (framer, 110 * MS);
  g_assert_cmpuint (c.frames->len, ==, 1);
  assert_frame (&c, 0, "OK");
  assert_accounting (framer, 42);
  collector_clear (&c);
}

static void
test_framer_random_garbage (void)
{
  static const AggFraming framings[] = {
    AGG_FRAMING_CR, AGG_FRAMING_LF, AGG_FRAMING_CRLF, AGG_FRAMING_ETX, AGG_FRAMING_TIMEOUT,
  };
  guint32 seed = g_test_rand_int ();

  g_test_message ("seed %u", seed);
  for (guint f = 0; f < G_N_ELEMENTS (framings); f++)
    {
      g_autoptr(GRand) rand = g_rand_new_with_seed (seed);
      g_autofree guint8 *garbage = g_malloc (64 * 1024);
      Collector c;
      g_autoptr(AggFramer) framer = NULL;
      AggFramerStats s;
      gsize pos = 0;
      gint64 now = 0;

      for (gsize i = 0; i < 64 * 1024; i++)
        garbage[i] = g_rand_int_range (rand, 0, 256);

      collector_init (&c);
      /* A small maximum, so that the garbage makes oversize frames too. */
      framer = framer_new (framings[f], 200, &c);
      agg_framer_set_prefix (framer, (const guint8 *) "\x01", 1);
      agg_framer_set_gs_substitute (framer, '~');
      agg_framer_set_timeout (framer, 10 * MS);
      while (pos < 64 * 1024)
        {
          /* MIN () evaluates its arguments twice: draw first. */
          gsize n = g_rand_int_range (rand, 1, 300);

          n = MIN (n, 64 * 1024 - pos);

          agg_framer_push (framer, garbage + pos, n, now);
          pos += n;
          now += g_rand_int_range (rand, 0, 2) * 20 * MS;
          agg_framer_flush_timeout (framer, now);
        }

      agg_framer_get_stats (framer, &s);
      g_assert_cmpuint (c.max_seen, <=, 200);
      g_assert_cmpuint (s.frames, ==, c.frames->len);
      g_assert_cmpuint (s.oversize, ==, c.oversize);
      g_assert_cmpuint (c.frames->len + c.oversize, >, 0);
      assert_accounting (framer, 64 * 1024);
      collector_clear (&c);
    }
}

static void
test_framer_burst_of_one_mebibyte (void)
{
  g_autoptr(GString) stream = g_string_new (NULL);
  g_autoptr(GRand) rand = g_rand_new_with_seed (11);
  Collector c;
  g_autoptr(AggFramer) framer = NULL;
  guint n_frames = 0;
  gsize pos = 0;

  while (stream->len < 1024 * 1024)
    g_string_append_printf (stream, "0109501101020917~10LOT~21S%08u\r\n", n_frames++);

  collector_init (&c);
  framer = framer_new (AGG_FRAMING_CRLF, 4096, &c);
  agg_framer_set_gs_substitute (framer, '~');
  while (pos < stream->len)
    {
      gsize n = g_rand_int_range (rand, 1, 8192);

      n = MIN (n, stream->len - pos);

      agg_framer_push (framer, (const guint8 *) stream->str + pos, n, 0);
      pos += n;
    }

  g_assert_cmpuint (c.frames->len, ==, n_frames);
  for (guint i = 0; i < n_frames; i++)
    {
      g_autofree char *expected = g_strdup_printf ("0109501101020917\x1d" "10LOT\x1d" "21S%08u", i);

      assert_frame (&c, i, expected);
    }
  assert_accounting (framer, stream->len);
  collector_clear (&c);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/framer/suffixes", test_framer_suffixes);
  g_test_add_func ("/framer/crlf-lone-cr-and-lf-are-data", test_framer_crlf_lone_cr_and_lf_are_data);
  g_test_add_func ("/framer/split-and-merged-reads", test_framer_split_and_merged_reads);
  g_test_add_func ("/framer/missing-suffix-is-not-delivered", test_framer_missing_suffix_is_not_delivered);
  g_test_add_func ("/framer/timeout", test_framer_timeout);
  g_test_add_func ("/framer/prefix-is-stripped-when-present", test_framer_prefix_is_stripped_when_present);
  g_test_add_func ("/framer/gs-substitute", test_framer_gs_substitute);
  g_test_add_func ("/framer/oversize-discarded-whole", test_framer_oversize_discarded_whole);
  g_test_add_func ("/framer/oversize-timeout-recovers-after-silence",
                   test_framer_oversize_timeout_recovers_after_silence);
  g_test_add_func ("/framer/random-garbage", test_framer_random_garbage);
  g_test_add_func ("/framer/burst-of-one-mebibyte", test_framer_burst_of_one_mebibyte);

  return g_test_run ();
}
