/* test-decode.c: camera decoding against images of known truth
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Every code of every standard image must be read once, in its slot, with
 * its corners where zint's symbol was drawn; the damaged code and the
 * empty slot must be listed as empty; hostile files and images must give
 * an error or nothing, never a crash; a helper that crashes or stalls
 * must cost one image and be replaced.
 */

#include <gdk-pixbuf/gdk-pixbuf.h>
#include <glib/gstdio.h>
#include <string.h>

#include "agg-decode-gen.h"
#include "agg-decode.h"
#include "agg-decoder.h"
#include "agg-test-utils.h"

/* Deadlines far beyond need: the tests check what is read, not how fast
 * (the benchmark does), on a machine that may be busy. */
#define GENEROUS_DEADLINE_MS 20000

static char *tmpdir;

static AggDecodeOptions
options_for (const AggGenImage *image)
{
  AggDecodeOptions options;
  guint readable = 0;

  for (guint i = 0; i < image->codes->len; i++)
    readable += ((AggGenCode *) g_ptr_array_index (image->codes, i))->readable;

  agg_decode_options_init (&options);
  options.expect = readable;
  options.rows = image->rows;
  options.cols = image->cols;
  options.deadline_ms = GENEROUS_DEADLINE_MS;
  return options;
}

/* The result against the truth: every readable code once in its slot, a
 * later copy of the same data flagged, corners within two modules, no
 * code that is not there, and the empty slots. */
static void
assert_matches_truth (const AggDecodeResult *result,
                      const AggGenImage     *image)
{
  double tolerance = 2 * image->module_px;
  guint readable = 0;

  g_assert_cmpuint (result->width, ==, image->width);
  g_assert_cmpuint (result->height, ==, image->height);

  for (guint i = 0; i < image->codes->len; i++)
    {
      const AggGenCode *truth = g_ptr_array_index (image->codes, i);
      const AggDecodedCode *found = NULL;

      for (guint j = 0; j < result->codes->len; j++)
        {
          const AggDecodedCode *code = g_ptr_array_index (result->codes, j);

          if (code->slot == truth->slot)
            {
              g_assert_null (found);
              found = code;
            }
        }

      if (!truth->readable)
        {
          g_assert_null (found);
          continue;
        }
      readable++;

      if (found == NULL)
        g_error ("slot %d: %s was not read", truth->slot, truth->data);
      g_assert_cmpmem (found->data, found->len, truth->data, truth->len);
      g_assert_cmpint (found->data[found->len], ==, '\0');
      for (guint c = 0; c < 4; c++)
        {
          double dx = found->corners[c][0] - truth->corners[c][0];
          double dy = found->corners[c][1] - truth->corners[c][1];

          if (dx * dx + dy * dy > tolerance * tolerance)
            g_error ("slot %d corner %u: (%.1f, %.1f), drawn at (%.1f, %.1f)", truth->slot, c,
                     found->corners[c][0], found->corners[c][1], truth->corners[c][0],
                     truth->corners[c][1]);
        }

      /* Only a later copy of data already read is a duplicate. */
      {
        gboolean earlier = FALSE;

        for (guint j = 0; j < i; j++)
          {
            const AggGenCode *other = g_ptr_array_index (image->codes, j);

            earlier |= other->readable && g_str_equal (other->data, truth->data);
          }
        g_assert_cmpint (found->duplicate, ==, earlier);
      }
    }

  g_assert_cmpuint (result->codes->len, ==, readable);
  for (guint j = 1; j < result->codes->len; j++)
    g_assert_cmpint (((AggDecodedCode *) g_ptr_array_index (result->codes, j - 1))->slot, <,
                     ((AggDecodedCode *) g_ptr_array_index (result->codes, j))->slot);

  g_assert_cmpuint (result->empty_slots->len, ==, image->empty_slots->len);
  for (guint i = 0; i < image->empty_slots->len; i++)
    g_assert_cmpint (g_array_index (result->empty_slots, int, i), ==,
                     g_array_index (image->empty_slots, int, i));
  g_assert_false (result->deadline_hit);
  g_assert_cmpuint (result->n_regions, >=, readable);
}

static void
test_image_in_process (gconstpointer data)
{
  const AggGenSpec *spec = data;
  g_autoptr(AggGenImage) image = agg_gen_image (spec);
  g_autoptr(AggDecodeResult) result = NULL;
  g_autoptr(GError) error = NULL;
  AggDecodeOptions options = options_for (image);

  result = agg_decode_gray (image->pixels, image->width, image->height, image->width, &options,
                            &error);
  g_assert_no_error (error);
  g_test_message ("%s: %u codes in %.1f ms, %u regions", spec->name, result->codes->len,
                  result->elapsed_ms, result->n_regions);
  assert_matches_truth (result, image);
}

/* Without a count to stop at, every region is tried, and the result is
 * the same. */
static void
test_unknown_count (void)
{
  g_autoptr(AggGenImage) image = agg_gen_image (agg_gen_spec_lookup ("damaged-empty-24"));
  g_autoptr(AggDecodeResult) result = NULL;
  g_autoptr(GError) error = NULL;
  AggDecodeOptions options = options_for (image);

  options.expect = 0;
  result = agg_decode_gray (image->pixels, image->width, image->height, image->width, &options,
                            &error);
  g_assert_no_error (error);
  assert_matches_truth (result, image);
}

/* A stride wider than the row, and no layout: every code, in no slot. */
static void
test_stride_and_no_layout (void)
{
  g_autoptr(AggGenImage) image = agg_gen_image (agg_gen_spec_lookup ("duplicate-12"));
  g_autoptr(AggDecodeResult) result = NULL;
  g_autoptr(GError) error = NULL;
  AggDecodeOptions options = options_for (image);
  gsize stride = image->width + 13;
  g_autofree guint8 *padded = g_malloc0 (stride * image->height);
  guint duplicates = 0;

  for (guint y = 0; y < image->height; y++)
    memcpy (padded + y * stride, image->pixels + (gsize) y * image->width, image->width);
  options.rows = options.cols = 0;

  result = agg_decode_gray (padded, image->width, image->height, stride, &options, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (result->codes->len, ==, image->codes->len);
  g_assert_cmpuint (result->empty_slots->len, ==, 0);
  for (guint i = 0; i < result->codes->len; i++)
    {
      const AggDecodedCode *code = g_ptr_array_index (result->codes, i);

      g_assert_cmpint (code->slot, ==, -1);
      duplicates += code->duplicate;
    }
  g_assert_cmpuint (duplicates, ==, 1);
}

/* Flat, black, white and pure noise: nothing to read, and no hang — the
 * test's own time limit would catch one. */
static void
test_featureless (void)
{
  guint width = 2448, height = 2048;
  g_autofree guint8 *pixels = g_malloc ((gsize) width * height);
  g_autoptr(GRand) rand = g_rand_new_with_seed (42);
  const struct {
    const char *name;
    int         value;                /* -1: noise */
  } cases[] = { { "black", 0 }, { "white", 255 }, { "grey", 128 }, { "noise", -1 } };

  for (guint c = 0; c < G_N_ELEMENTS (cases); c++)
    {
      g_autoptr(AggDecodeResult) result = NULL;
      g_autoptr(GError) error = NULL;
      AggDecodeOptions options;

      if (cases[c].value >= 0)
        memset (pixels, cases[c].value, (gsize) width * height);
      else
        for (gsize i = 0; i < (gsize) width * height; i++)
          pixels[i] = g_rand_int_range (rand, 0, 256);

      agg_decode_options_init (&options);
      options.expect = 24;
      options.rows = 4;
      options.cols = 6;
      options.deadline_ms = 300;
      result = agg_decode_gray (pixels, width, height, width, &options, &error);
      g_assert_no_error (error);
      g_test_message ("%s: %u regions, %.1f ms", cases[c].name, result->n_regions,
                      result->elapsed_ms);
      g_assert_cmpuint (result->codes->len, ==, 0);
      g_assert_cmpuint (result->empty_slots->len, ==, 24);
    }
}

static void
test_bad_arguments (void)
{
  guint8 pixel = 0;
  g_autoptr(GError) error = NULL;
  AggDecodeResult *result;

  result = agg_decode_gray (&pixel, 0, 1, 1, NULL, &error);
  g_assert_null (result);
  g_assert_error (error, AGG_DECODE_ERROR, AGG_DECODE_ERROR_INVALID);
  g_clear_error (&error);

  result = agg_decode_gray (&pixel, 10, 1, 5, NULL, &error);
  g_assert_null (result);
  g_assert_error (error, AGG_DECODE_ERROR, AGG_DECODE_ERROR_INVALID);
  g_clear_error (&error);

  /* The size is refused before a pixel is read. */
  result = agg_decode_gray (&pixel, 100000, 100000, 100000, NULL, &error);
  g_assert_null (result);
  g_assert_error (error, AGG_DECODE_ERROR, AGG_DECODE_ERROR_TOO_LARGE);
}

/* Hostile files */

static guint32
crc32 (const guint8 *data,
       gsize         len,
       guint32       crc)
{
  crc = ~crc;
  for (gsize i = 0; i < len; i++)
    {
      crc ^= data[i];
      for (guint k = 0; k < 8; k++)
        crc = (crc >> 1) ^ (0xEDB88320u & -(crc & 1));
    }
  return ~crc;
}

static void
put_be32 (guint8  *p,
          guint32  v)
{
  p[0] = v >> 24;
  p[1] = v >> 16;
  p[2] = v >> 8;
  p[3] = v;
}

/* A PNG whose header, with a valid checksum, claims @width × @height, and
 * nothing after it. */
static char *
write_huge_png (guint32 width,
                guint32 height)
{
  guint8 png[8 + 25];
  static const guint8 signature[8] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n' };
  char *path = g_build_filename (tmpdir, "huge.png", NULL);

  memcpy (png, signature, 8);
  put_be32 (png + 8, 13);
  memcpy (png + 12, "IHDR", 4);
  put_be32 (png + 16, width);
  put_be32 (png + 20, height);
  png[24] = 8;                        /* bit depth */
  png[25] = 0;                        /* greyscale */
  png[26] = png[27] = png[28] = 0;
  put_be32 (png + 29, crc32 (png + 12, 17, 0));
  g_assert_true (g_file_set_contents (path, (const char *) png, sizeof png, NULL));
  return path;
}

static char *
write_file (const char *name,
            const void *data,
            gsize       len)
{
  char *path = g_build_filename (tmpdir, name, NULL);

  g_assert_true (g_file_set_contents (path, data, len, NULL));
  return path;
}

/* A real image cut short. */
static char *
write_truncated (const char *name,
                 const char *source)
{
  g_autofree char *contents = NULL;
  gsize len;

  g_assert_true (g_file_get_contents (source, &contents, &len, NULL));
  return write_file (name, contents, len / 3);
}

static char *
write_standard (const char *spec_name,
                const char *file_name)
{
  g_autoptr(AggGenImage) image = agg_gen_image (agg_gen_spec_lookup (spec_name));
  g_autoptr(GError) error = NULL;
  char *path = g_build_filename (tmpdir, file_name, NULL);

  g_assert_true (agg_gen_image_save (image, path, &error));
  g_assert_no_error (error);
  return path;
}

static GPtrArray *
hostile_files (void)
{
  GPtrArray *paths = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *png = write_standard ("duplicate-12", "source.png");
  g_autofree char *jpeg = write_standard ("duplicate-12", "source.jpg");
  g_autoptr(GRand) rand = g_rand_new_with_seed (7);
  guint8 noise[4096];

  for (guint i = 0; i < sizeof noise; i++)
    noise[i] = g_rand_int_range (rand, 0, 256);

  g_ptr_array_add (paths, write_truncated ("truncated.png", png));
  g_ptr_array_add (paths, write_truncated ("truncated.jpg", jpeg));
  g_ptr_array_add (paths, write_huge_png (100000, 100000));
  g_ptr_array_add (paths, write_file ("noise.png", noise, sizeof noise));
  g_ptr_array_add (paths, write_file ("empty.png", "", 0));
  g_ptr_array_add (paths, write_file ("text.png", "not an image\n", 13));
  g_ptr_array_add (paths, g_strdup (tmpdir));
  g_ptr_array_add (paths, g_build_filename (tmpdir, "missing.png", NULL));
  return paths;
}

static void
test_hostile_files_in_process (void)
{
  g_autoptr(GPtrArray) paths = hostile_files ();

  for (guint i = 0; i < paths->len; i++)
    {
      const char *path = g_ptr_array_index (paths, i);
      g_autoptr(AggDecodeResult) result = NULL;
      g_autoptr(GError) error = NULL;

      result = agg_decode_file (path, NULL, &error);
      g_test_message ("%s: %s", path, error != NULL ? error->message : "decoded");
      /* A loader may give what it could read of a truncated file; an
       * error must say which file. */
      if (result == NULL)
        {
          g_autofree char *display = g_filename_display_name (path);

          g_assert_true (error->domain == AGG_DECODE_ERROR);
          g_assert_nonnull (strstr (error->message, display));
        }
      else
        g_assert_cmpuint (result->codes->len, <=, 12);
    }
}

/* The supervised helper */

typedef struct
{
  AggDecodeResult *result;
  GError          *error;
  gboolean         done;
} Wait;

static void
decoded_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  Wait *wait = user_data;

  wait->result = agg_decoder_decode_finish (AGG_DECODER (source), result, &wait->error);
  wait->done = TRUE;
}

static void
wait_for (Wait *wait)
{
  while (!wait->done)
    g_main_context_iteration (NULL, TRUE);
}

static AggDecodeResult *
decode_file_with (AggDecoder              *decoder,
                  const char              *path,
                  const AggDecodeOptions  *options,
                  GError                 **error)
{
  Wait wait = { NULL, NULL, FALSE };

  agg_decoder_decode_file_async (decoder, path, options, NULL, decoded_cb, &wait);
  wait_for (&wait);
  if (wait.error != NULL)
    g_propagate_error (error, wait.error);
  return wait.result;
}

static void
test_decoder_gray (void)
{
  g_autoptr(AggDecoder) decoder = agg_decoder_new ();
  g_autoptr(AggGenImage) image = agg_gen_image (agg_gen_spec_lookup ("clean-24"));
  g_autoptr(AggDecodeResult) first = NULL;
  g_autoptr(AggDecodeResult) second = NULL;
  AggDecodeOptions options = options_for (image);
  Wait a = { NULL, NULL, FALSE }, b = { NULL, NULL, FALSE };
  g_autofree guint8 *copy = g_memdup2 (image->pixels, (gsize) image->width * image->height);

  /* Two images queued at once; the pixels may go as soon as the call
   * returns. */
  agg_decoder_decode_async (decoder, copy, image->width, image->height, image->width, &options,
                            NULL, decoded_cb, &a);
  memset (copy, 0, (gsize) image->width * image->height);
  agg_decoder_decode_async (decoder, image->pixels, image->width, image->height, image->width,
                            &options, NULL, decoded_cb, &b);
  wait_for (&a);
  wait_for (&b);
  g_assert_no_error (a.error);
  g_assert_no_error (b.error);
  first = a.result;
  second = b.result;
  assert_matches_truth (first, image);
  assert_matches_truth (second, image);
  g_assert_cmpuint (agg_decoder_get_restarts (decoder), ==, 0);
}

static void
test_decoder_files (void)
{
  g_autoptr(AggDecoder) decoder = agg_decoder_new ();
  const char *specs[] = { "rotated-12", "perspective-24" };
  const char *extensions[] = { "png", "jpg" };

  for (guint s = 0; s < G_N_ELEMENTS (specs); s++)
    for (guint e = 0; e < G_N_ELEMENTS (extensions); e++)
      {
        g_autoptr(AggGenImage) image = agg_gen_image (agg_gen_spec_lookup (specs[s]));
        g_autofree char *name = g_strdup_printf ("%s.%s", specs[s], extensions[e]);
        g_autofree char *path = write_standard (specs[s], name);
        g_autoptr(AggDecodeResult) result = NULL;
        g_autoptr(GError) error = NULL;
        AggDecodeOptions options = options_for (image);

        result = decode_file_with (decoder, path, &options, &error);
        g_assert_no_error (error);
        assert_matches_truth (result, image);
      }
  g_assert_cmpuint (agg_decoder_get_restarts (decoder), ==, 0);
}

static void
test_decoder_hostile_files (void)
{
  g_autoptr(AggDecoder) decoder = agg_decoder_new ();
  g_autoptr(GPtrArray) paths = hostile_files ();

  for (guint i = 0; i < paths->len; i++)
    {
      g_autoptr(AggDecodeResult) result = NULL;
      g_autoptr(GError) error = NULL;

      result = decode_file_with (decoder, g_ptr_array_index (paths, i), NULL, &error);
      if (result == NULL)
        g_assert_true (error->domain == AGG_DECODE_ERROR);
    }
  /* Errors, not crashes: the same helper answered them all. */
  g_assert_cmpuint (agg_decoder_get_restarts (decoder), ==, 0);
}

/* The tests' build of the helper crashes on "crash-…" files and stalls
 * on "stall-…" ones; the image fails, a new helper reads the next. */
static void
test_decoder_crash_and_stall (void)
{
  const char *faulty = g_getenv ("AGG_DECODE_HELPER_FAULTY");
  g_autoptr(AggDecoder) decoder = NULL;
  g_autoptr(AggGenImage) image = agg_gen_image (agg_gen_spec_lookup ("duplicate-12"));
  g_autofree char *good = write_standard ("duplicate-12", "good.png");
  g_autofree char *crash = write_standard ("duplicate-12", "crash-1.png");
  g_autofree char *stall = write_standard ("duplicate-12", "stall-1.png");
  AggDecodeOptions options = options_for (image);
  AggDecodeOptions short_deadline = options;
  Wait w_crash = { NULL, NULL, FALSE }, w_good = { NULL, NULL, FALSE };
  g_autoptr(AggDecodeResult) result = NULL;
  g_autoptr(GError) error = NULL;

  if (faulty == NULL)
    {
      g_test_skip ("AGG_DECODE_HELPER_FAULTY names no helper that fails on purpose");
      return;
    }
  decoder = g_object_new (AGG_TYPE_DECODER, "helper-path", faulty, NULL);

  /* A crash, with a good image queued behind it. */
  agg_decoder_decode_file_async (decoder, crash, &options, NULL, decoded_cb, &w_crash);
  agg_decoder_decode_file_async (decoder, good, &options, NULL, decoded_cb, &w_good);
  wait_for (&w_crash);
  wait_for (&w_good);
  g_assert_null (w_crash.result);
  g_assert_error (w_crash.error, AGG_DECODER_ERROR, AGG_DECODER_ERROR_CRASHED);
  g_clear_error (&w_crash.error);
  g_assert_no_error (w_good.error);
  assert_matches_truth (w_good.result, image);
  g_clear_pointer (&w_good.result, agg_decode_result_free);
  g_assert_cmpuint (agg_decoder_get_restarts (decoder), ==, 1);

  /* A stall: killed after the deadline and the margins. */
  short_deadline.deadline_ms = 100;
  result = decode_file_with (decoder, stall, &short_deadline, &error);
  g_assert_null (result);
  g_assert_error (error, AGG_DECODER_ERROR, AGG_DECODER_ERROR_OVERRUN);
  g_clear_error (&error);
  g_assert_cmpuint (agg_decoder_get_restarts (decoder), ==, 2);

  result = decode_file_with (decoder, good, &options, &error);
  g_assert_no_error (error);
  assert_matches_truth (result, image);
  g_assert_cmpuint (agg_decoder_get_restarts (decoder), ==, 2);
}

static void
test_decoder_missing_helper (void)
{
  g_autofree char *missing = g_build_filename (tmpdir, "no-such-helper", NULL);
  g_autoptr(AggDecoder) decoder = NULL;
  g_autoptr(AggDecodeResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *good = write_standard ("duplicate-12", "good.png");

  decoder = g_object_new (AGG_TYPE_DECODER, "helper-path", missing, NULL);

  result = decode_file_with (decoder, good, NULL, &error);
  g_assert_null (result);
  g_assert_error (error, AGG_DECODER_ERROR, AGG_DECODER_ERROR_HELPER);
  g_assert_nonnull (strstr (error->message, missing));
}

int
main (int    argc,
      char **argv)
{
  guint n_specs;
  const AggGenSpec *specs = agg_gen_specs (&n_specs);
  int status;

  g_test_init (&argc, &argv, NULL);
  tmpdir = agg_test_make_tmpdir ("test-decode");

  for (guint i = 0; i < n_specs; i++)
    {
      g_autofree char *path = g_strdup_printf ("/decode/in-process/%s", specs[i].name);

      g_test_add_data_func (path, &specs[i], test_image_in_process);
    }
  g_test_add_func ("/decode/in-process/unknown-count", test_unknown_count);
  g_test_add_func ("/decode/in-process/stride-no-layout", test_stride_and_no_layout);
  g_test_add_func ("/decode/in-process/featureless", test_featureless);
  g_test_add_func ("/decode/in-process/bad-arguments", test_bad_arguments);
  g_test_add_func ("/decode/in-process/hostile-files", test_hostile_files_in_process);
  g_test_add_func ("/decode/helper/gray", test_decoder_gray);
  g_test_add_func ("/decode/helper/files", test_decoder_files);
  g_test_add_func ("/decode/helper/hostile-files", test_decoder_hostile_files);
  g_test_add_func ("/decode/helper/crash-and-stall", test_decoder_crash_and_stall);
  g_test_add_func ("/decode/helper/missing", test_decoder_missing_helper);

  status = g_test_run ();
  agg_test_remove_tree (tmpdir);
  g_free (tmpdir);
  return status;
}
