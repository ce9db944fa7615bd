/* agg-decode.c: every GS1 DataMatrix in one camera image
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * libdmtx alone scans the whole image from the centre outwards, and its
 * cost grows with the image, not with the codes: it is slow on a large
 * camera frame.  Here a coarse pass finds where the codes can be, first:
 *
 *  1. The image is cut into blocks of 8 × 8 pixels and the standard
 *     deviation of each block is measured (every other row).  A block of
 *     a DataMatrix holds dark and light modules; the carton around it is
 *     flat.  Blocks above three times the image's background level (its
 *     25th percentile) are marked.
 *  2. The mask is closed (dilated, then eroded) so that a symbol's blocks
 *     join, and its connected components become candidate regions, most
 *     textured first.
 *  3. Each region, cropped with a margin, goes to libdmtx with properties
 *     that fit its size (smallest and largest edge), FNC1 as GS, and the
 *     deadline as its time limit.  Worker threads, one per core, take the
 *     regions in turn; regions that gave nothing are tried once more,
 *     shrunk by two (blurred or noisy codes), while time remains.
 *
 * All of it stops at the deadline: the calling thread waits for the
 * workers until then and returns what was read.  A worker still inside
 * libdmtx keeps a reference on its own copy of the region and finishes
 * alone, unseen.
 */

#include "config.h"

#include <dmtx.h>
#include <gdk-pixbuf/gdk-pixbuf.h>
#include <glib/gi18n-lib.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "agg-decode.h"
#include "agg-decode-private.h"

G_DEFINE_QUARK (agg-decode-error-quark, agg_decode_error)

#define BLOCK 8
#define MAX_REGIONS 256
#define MARGIN_BLOCKS 2
/* Once the workers are past the deadline, how long the caller still waits
 * for a symbol being decoded: error correction is quick. */
#define GRACE_US (20 * 1000)

void
agg_decode_options_init (AggDecodeOptions *options)
{
  g_return_if_fail (options != NULL);

  memset (options, 0, sizeof *options);
  options->deadline_ms = 500;
}

static void
decoded_code_free (gpointer data)
{
  AggDecodedCode *code = data;

  g_free (code->data);
  g_free (code);
}

AggDecodeResult *
agg_decode_result_new (guint width,
                       guint height)
{
  AggDecodeResult *result = g_new0 (AggDecodeResult, 1);

  result->codes = g_ptr_array_new_with_free_func (decoded_code_free);
  result->empty_slots = g_array_new (FALSE, FALSE, sizeof (int));
  result->width = width;
  result->height = height;
  return result;
}

AggDecodedCode *
agg_decoded_code_new (const char *data,
                      gsize       len)
{
  AggDecodedCode *code = g_new0 (AggDecodedCode, 1);

  code->data = g_malloc (len + 1);
  memcpy (code->data, data, len);
  code->data[len] = '\0';
  code->len = len;
  code->slot = -1;
  return code;
}

void
agg_decode_result_free (AggDecodeResult *result)
{
  if (result == NULL)
    return;

  g_ptr_array_unref (result->codes);
  g_array_unref (result->empty_slots);
  g_free (result);
}

/* Candidate regions */

typedef struct
{
  int     x0, y0, x1, y1;             /* the crop in image pixels, end exclusive */
  double  score;                      /* sum of the blocks' deviations: texture */
  guint8 *pixels;                     /* the crop, x1 - x0 bytes a row */
  double  module_px;                  /* estimated from its runs of dark and light */
  int     n_read;                     /* codes read in it so far (atomic) */
  int     pass1_done;                 /* atomic */
} Region;

static void
region_free (gpointer data)
{
  Region *region = data;

  g_free (region->pixels);
  g_free (region);
}

/* The standard deviation of each block, every other row sampled. */
static float *
block_deviations (const guint8 *pixels,
                  gsize         stride,
                  guint         bw,
                  guint         bh)
{
  float *dev = g_new (float, (gsize) bw * bh);
  guint32 *sum = g_new (guint32, bw);
  guint32 *sq = g_new (guint32, bw);
  const double n = (BLOCK / 2) * BLOCK;

  for (guint by = 0; by < bh; by++)
    {
      memset (sum, 0, bw * sizeof *sum);
      memset (sq, 0, bw * sizeof *sq);
      for (guint y = by * BLOCK; y < (by + 1) * BLOCK; y += 2)
        {
          const guint8 *row = pixels + y * stride;

          for (guint bx = 0; bx < bw; bx++)
            {
              const guint8 *p = row + bx * BLOCK;
              guint32 s = 0, q = 0;

              for (guint i = 0; i < BLOCK; i++)
                {
                  s += p[i];
                  q += (guint32) p[i] * p[i];
                }
              sum[bx] += s;
              sq[bx] += q;
            }
        }
      for (guint bx = 0; bx < bw; bx++)
        {
          double mean = sum[bx] / n;
          double var = sq[bx] / n - mean * mean;

          dev[by * bw + bx] = var > 0 ? sqrt (var) : 0;
        }
    }

  g_free (sum);
  g_free (sq);
  return dev;
}

/* Three times the deviation of the image's flattest quarter: what stands
 * out from the carton, its print and the sensor's noise. */
static float
texture_threshold (const float *dev,
                   gsize        n)
{
  guint hist[256] = { 0 };
  gsize seen = 0;
  guint level = 0;

  for (gsize i = 0; i < n; i++)
    hist[MIN ((guint) dev[i], 255u)]++;
  for (level = 0; level < 256; level++)
    {
      seen += hist[level];
      if (seen * 4 >= n)
        break;
    }

  return MAX (10.0f, 3.0f * (level + 0.5f));
}

static void
morph (const guint8 *in,
       guint8       *out,
       guint         bw,
       guint         bh,
       gboolean      dilate)
{
  for (guint y = 0; y < bh; y++)
    for (guint x = 0; x < bw; x++)
      {
        gboolean any = FALSE, all = TRUE;

        for (int dy = -1; dy <= 1; dy++)
          for (int dx = -1; dx <= 1; dx++)
            {
              int nx = (int) x + dx, ny = (int) y + dy;
              gboolean v = nx >= 0 && ny >= 0 && nx < (int) bw && ny < (int) bh
                           && in[ny * bw + nx];

              any |= v;
              all &= v;
            }
        out[y * bw + x] = dilate ? any : all;
      }
}

static int
compare_regions_by_score (gconstpointer a,
                          gconstpointer b)
{
  const Region *ra = *(const Region **) a, *rb = *(const Region **) b;

  return (ra->score < rb->score) - (ra->score > rb->score);
}

/* A symbol's modules are dark or light at random: its runs along a row
 * are two modules long on average.  Runs longer than a quarter of the
 * crop are its quiet zone or label, and are left out. */
static double
estimate_module (const guint8 *pixels,
                 int           w,
                 int           h)
{
  guint64 sum = 0;
  guint64 total = 0, runs = 0;

  for (int i = 0; i < w * h; i += 7)
    sum += pixels[i];
  for (int y = h / 5; y < h - h / 5; y += 3)
    {
      const guint8 *row = pixels + (gsize) y * w;
      int mean = sum / ((w * h + 6) / 7);
      int start = w / 5;
      gboolean dark = row[start] < mean;

      for (int x = start + 1; x < w - w / 5; x++)
        {
          gboolean d = row[x] < mean;

          if (d != dark)
            {
              if (x - start < w / 4 && start > w / 5)
                {
                  total += x - start;
                  runs++;
                }
              start = x;
              dark = d;
            }
        }
    }

  return runs > 0 ? (double) total / runs / 2 : 0;
}

/* The candidate regions, most textured first, each with its pixels. */
static GPtrArray *
find_regions (const guint8           *pixels,
              guint                   width,
              guint                   height,
              gsize                   stride,
              const AggDecodeOptions *options)
{
  guint bw = width / BLOCK, bh = height / BLOCK;
  g_autoptr(GPtrArray) regions = g_ptr_array_new_with_free_func (region_free);
  g_autofree float *dev = NULL;
  g_autofree guint8 *mask = NULL;
  g_autofree guint8 *tmp = NULL;
  g_autofree int *stack = NULL;
  float threshold;
  guint min_blocks = 3;

  if (bw < 2 || bh < 2)
    return g_steal_pointer (&regions);

  /* The smallest symbol has 10 × 10 modules. */
  if (options->module_min_px > 0)
    min_blocks = MAX (2u, (10 * options->module_min_px * 2 / 3) / BLOCK);

  dev = block_deviations (pixels, stride, bw, bh);
  threshold = texture_threshold (dev, (gsize) bw * bh);
  mask = g_new (guint8, (gsize) bw * bh);
  tmp = g_new (guint8, (gsize) bw * bh);
  for (gsize i = 0; i < (gsize) bw * bh; i++)
    mask[i] = dev[i] > threshold;
  morph (mask, tmp, bw, bh, TRUE);
  morph (tmp, mask, bw, bh, FALSE);

  /* Connected components, eight-connected, by flood fill; a component's
   * blocks are cleared as they are taken. */
  stack = g_new (int, (gsize) bw * bh);
  for (guint start = 0; start < bw * bh; start++)
    {
      int bx0 = G_MAXINT, by0 = G_MAXINT, bx1 = -1, by1 = -1;
      double score = 0;
      gsize top = 0;
      Region *region;

      if (!mask[start])
        continue;

      mask[start] = 0;
      stack[top++] = start;
      while (top > 0)
        {
          int i = stack[--top];
          int x = i % bw, y = i / bw;

          bx0 = MIN (bx0, x);
          bx1 = MAX (bx1, x);
          by0 = MIN (by0, y);
          by1 = MAX (by1, y);
          score += dev[i];
          for (int dy = -1; dy <= 1; dy++)
            for (int dx = -1; dx <= 1; dx++)
              {
                int nx = x + dx, ny = y + dy;

                if (nx < 0 || ny < 0 || nx >= (int) bw || ny >= (int) bh)
                  continue;
                if (mask[ny * bw + nx])
                  {
                    mask[ny * bw + nx] = 0;
                    stack[top++] = ny * bw + nx;
                  }
              }
        }

      if ((guint) (bx1 - bx0 + 1) < min_blocks || (guint) (by1 - by0 + 1) < min_blocks)
        continue;

      region = g_new0 (Region, 1);
      region->x0 = MAX (0, (bx0 - MARGIN_BLOCKS) * BLOCK);
      region->y0 = MAX (0, (by0 - MARGIN_BLOCKS) * BLOCK);
      region->x1 = MIN ((int) width, (bx1 + 1 + MARGIN_BLOCKS) * BLOCK);
      region->y1 = MIN ((int) height, (by1 + 1 + MARGIN_BLOCKS) * BLOCK);
      region->score = score;
      g_ptr_array_add (regions, region);
    }

  g_ptr_array_sort (regions, compare_regions_by_score);
  if (regions->len > MAX_REGIONS)
    g_ptr_array_set_size (regions, MAX_REGIONS);

  /* Each region gets a copy of its pixels: a worker that overruns the
   * deadline must not read the caller's image after it was returned. */
  for (guint i = 0; i < regions->len; i++)
    {
      Region *region = g_ptr_array_index (regions, i);
      int w = region->x1 - region->x0, h = region->y1 - region->y0;

      region->pixels = g_malloc ((gsize) w * h);
      for (int y = 0; y < h; y++)
        memcpy (region->pixels + (gsize) y * w,
                pixels + (gsize) (region->y0 + y) * stride + region->x0, w);
      region->module_px = estimate_module (region->pixels, w, h);
      if (options->module_min_px > 0)
        region->module_px = MAX (region->module_px, options->module_min_px);
      if (options->module_max_px > 0)
        region->module_px = MIN (region->module_px, options->module_max_px);
    }

  return g_steal_pointer (&regions);
}

/* Decoding the regions */

typedef struct
{
  gint        ref_count;
  GMutex      lock;
  GCond       cond;
  GPtrArray  *regions;                /* of Region *, read-only once the workers run */
  gint        next;                   /* atomic: the next task, pass 1 then pass 2 */
  guint       running;                /* workers not yet finished, under lock */
  gint64      deadline;               /* monotonic, µs */
  guint       expect;
  guint       module_min_px;
  gint64      region_limit_ms;        /* no region may take more than this */
  gint        stop;                   /* atomic: all expected codes read, or given up */
  gint        deadline_hit;           /* atomic */
  GPtrArray  *codes;                  /* of AggDecodedCode *, under lock */
} Job;

static Job *
job_ref (Job *job)
{
  g_atomic_int_inc (&job->ref_count);
  return job;
}

static void
job_unref (Job *job)
{
  if (!g_atomic_int_dec_and_test (&job->ref_count))
    return;

  g_ptr_array_unref (job->regions);
  g_ptr_array_unref (job->codes);
  g_mutex_clear (&job->lock);
  g_cond_clear (&job->cond);
  g_free (job);
}

/* The message's bytes: FNC1 in first position becomes "]d2", every other
 * FNC1 a GS (libdmtx writes the GS given as DmtxPropFnc1 for each). */
static AggDecodedCode *
code_from_message (DmtxMessage *msg)
{
  const char *out = (const char *) msg->output;
  gsize len = msg->outputIdx;
  g_autoptr(GString) data = g_string_sized_new (len + 3);

  if (msg->codeSize > 0 && msg->code[0] == 232 && len > 0 && out[0] == '\x1d')
    {
      g_string_append (data, "]d2");
      out++;
      len--;
    }
  g_string_append_len (data, out, len);
  return agg_decoded_code_new (data->str, data->len);
}

/* libdmtx's symbol corners, from its grid to image pixels.  Its y axis
 * points up; (0, 0) is the corner of the L-shaped finder.  It saw the
 * crop @scale times as large, @height pixels high. */
static void
code_set_corners (AggDecodedCode *code,
                  DmtxRegion     *reg,
                  const Region   *region,
                  int             height,
                  double          scale)
{
  static const double fit[4][2] = { { 0, 1 }, { 1, 1 }, { 1, 0 }, { 0, 0 } };

  for (guint i = 0; i < 4; i++)
    {
      DmtxVector2 p = { fit[i][0], fit[i][1] };

      dmtxMatrix3VMultiplyBy (&p, reg->fit2raw);
      code->corners[i][0] = region->x0 + (p.X + 0.5) / scale - 0.5;
      code->corners[i][1] = region->y0 + (height - 1 - p.Y + 0.5) / scale - 0.5;
    }
}

static double
code_area (const AggDecodedCode *code)
{
  double area = 0;

  for (guint i = 0; i < 4; i++)
    {
      const double *a = code->corners[i], *b = code->corners[(i + 1) % 4];

      area += a[0] * b[1] - b[0] * a[1];
    }
  return fabs (area) / 2;
}

/* Whether @code spans at least half of its region's textured box (the
 * crop without its margin): then it is the region's only symbol, and the
 * rest of the crop, its quiet zone and label edges, need no scan.  Two
 * symbols that share a region each cover less. */
static gboolean
code_covers_region (const AggDecodedCode *code,
                    const Region         *region)
{
  double x0 = G_MAXDOUBLE, y0 = G_MAXDOUBLE, x1 = -G_MAXDOUBLE, y1 = -G_MAXDOUBLE;
  double inner_w = region->x1 - region->x0 - 2 * MARGIN_BLOCKS * BLOCK;
  double inner_h = region->y1 - region->y0 - 2 * MARGIN_BLOCKS * BLOCK;

  for (guint i = 0; i < 4; i++)
    {
      x0 = MIN (x0, code->corners[i][0]);
      x1 = MAX (x1, code->corners[i][0]);
      y0 = MIN (y0, code->corners[i][1]);
      y1 = MAX (y1, code->corners[i][1]);
    }
  return (x1 - x0) * (y1 - y0) * 2 >= inner_w * inner_h;
}

/* The crop twice as large, bilinear: libdmtx follows the edges of
 * modules of two or three pixels badly, and quickly those of six. */
static guint8 *
upscale (const guint8 *pixels,
         int           w,
         int           h)
{
  guint8 *out = g_malloc ((gsize) 4 * w * h);

  for (int y = 0; y < 2 * h; y++)
    {
      double fy = CLAMP ((y - 0.5) / 2, 0, h - 1);
      int y0 = (int) fy, y1 = MIN (y0 + 1, h - 1);
      double ty = fy - y0;

      for (int x = 0; x < 2 * w; x++)
        {
          double fx = CLAMP ((x - 0.5) / 2, 0, w - 1);
          int x0 = (int) fx, x1 = MIN (x0 + 1, w - 1);
          double tx = fx - x0;
          double top = pixels[y0 * w + x0] * (1 - tx) + pixels[y0 * w + x1] * tx;
          double bottom = pixels[y1 * w + x0] * (1 - tx) + pixels[y1 * w + x1] * tx;

          out[(gsize) y * 2 * w + x] = (guint8) (top * (1 - ty) + bottom * ty + 0.5);
        }
    }
  return out;
}

/* Runs libdmtx on @region seen at @scale: 2 (the crop enlarged), 1, or
 * 0.5 (libdmtx's own shrinking, which also averages blur and noise). */
static void
decode_region (Job    *job,
               Region *region,
               double  scale)
{
  int w = region->x1 - region->x0, h = region->y1 - region->y0;
  int side_min = MIN (w, h) - 2 * MARGIN_BLOCKS * BLOCK;
  int side_max = MAX (w, h);
  gint64 remaining_ms = (job->deadline - g_get_monotonic_time ()) / 1000;
  gint64 limit_ms = MIN (remaining_ms, job->region_limit_ms);
  g_autofree guint8 *enlarged = NULL;
  const guint8 *pixels = region->pixels;
  int shrink = scale < 1 ? (int) (1 / scale + 0.5) : 1;
  DmtxImage *img;
  DmtxDecode *dec;
  DmtxRegion *reg;
  DmtxTime timeout;

  if (limit_ms <= 0)
    return;
  timeout = dmtxTimeAdd (dmtxTimeNow (), limit_ms);

  if (scale > 1)
    {
      pixels = enlarged = upscale (region->pixels, w, h);
      w *= 2;
      h *= 2;
    }
  img = dmtxImageCreate ((unsigned char *) pixels, w, h, DmtxPack8bppK);
  if (img == NULL)
    return;
  dec = dmtxDecodeCreate (img, shrink);
  if (dec == NULL)
    {
      dmtxImageDestroy (&img);
      return;
    }

  /* Edges shorter than a quarter of the region (a symbol turned by 45°
   * fills its box diagonally, label and all) or longer than the whole
   * crop are not this symbol's. */
  dmtxDecodeSetProp (dec, DmtxPropEdgeMin, (int) MAX (8, side_min / 4 * scale));
  dmtxDecodeSetProp (dec, DmtxPropEdgeMax, (int) (side_max * 3 / 2 * scale));
  dmtxDecodeSetProp (dec, DmtxPropEdgeThresh, 5);
  dmtxDecodeSetProp (dec, DmtxPropFnc1, 0x1d);

  while (!g_atomic_int_get (&job->stop) && (reg = dmtxRegionFindNext (dec, &timeout)) != NULL)
    {
      DmtxMessage *msg = dmtxDecodeMatrixRegion (dec, reg, DmtxUndefined);

      if (msg != NULL)
        {
          AggDecodedCode *code = code_from_message (msg);
          gboolean alone;

          code_set_corners (code, reg, region, h / shrink, scale);
          alone = code_covers_region (code, region);
          g_atomic_int_inc (&region->n_read);

          g_mutex_lock (&job->lock);
          g_ptr_array_add (job->codes, code);
          if (job->expect > 0 && job->codes->len >= job->expect)
            g_atomic_int_set (&job->stop, TRUE);
          g_mutex_unlock (&job->lock);

          dmtxMessageDestroy (&msg);
          dmtxRegionDestroy (&reg);
          /* A symbol that fills its region is the region's only one. */
          if (alone)
            break;
        }
      else
        dmtxRegionDestroy (&reg);
    }

  if (dmtxTimeExceeded (timeout) && limit_ms == remaining_ms)
    g_atomic_int_set (&job->deadline_hit, TRUE);

  dmtxDecodeDestroy (&dec);
  dmtxImageDestroy (&img);
}

/* Small modules are enlarged, large ones shrunk: libdmtx is quickest and
 * surest at four to seven pixels a module.  (The estimate runs about 15 %
 * short of the true module size.) */
static double
first_scale (double module_px)
{
  if (module_px < 3.5)
    return 2;
  if (module_px >= 6.2)
    return 0.5;
  return 1;
}

/* The second try, for regions the first gave nothing: the other side. */
static double
second_scale (double module_px)
{
  if (module_px < 3.5 || module_px >= 6.2)
    return 1;
  return module_px < 5.5 ? 2 : 0.5;
}

static gpointer
worker (gpointer data)
{
  Job *job = data;
  guint n = job->regions->len;

  for (;;)
    {
      guint task = g_atomic_int_add (&job->next, 1);
      Region *region;

      if (task >= 2 * n || g_atomic_int_get (&job->stop))
        break;
      if (g_get_monotonic_time () >= job->deadline)
        {
          g_atomic_int_set (&job->deadline_hit, TRUE);
          break;
        }

      region = g_ptr_array_index (job->regions, task % n);
      if (task < n)
        {
          decode_region (job, region, first_scale (region->module_px));
          g_atomic_int_set (&region->pass1_done, TRUE);
        }
      else if (g_atomic_int_get (&region->pass1_done) && g_atomic_int_get (&region->n_read) == 0)
        decode_region (job, region, second_scale (region->module_px));
    }

  g_mutex_lock (&job->lock);
  job->running--;
  g_cond_signal (&job->cond);
  g_mutex_unlock (&job->lock);
  job_unref (job);
  return NULL;
}

/* Layout, order and duplicates */

static void
code_centre (const AggDecodedCode *code,
             double               *x,
             double               *y)
{
  *x = *y = 0;
  for (guint i = 0; i < 4; i++)
    {
      *x += code->corners[i][0] / 4;
      *y += code->corners[i][1] / 4;
    }
}

/* Two reads of one symbol: overlapping regions, or both passes. */
static void
drop_same_symbol (GPtrArray *codes)
{
  for (guint i = 0; i < codes->len; i++)
    {
      AggDecodedCode *a = g_ptr_array_index (codes, i);
      double ax, ay, size = sqrt (code_area (a));

      code_centre (a, &ax, &ay);
      for (guint j = codes->len; j-- > i + 1;)
        {
          AggDecodedCode *b = g_ptr_array_index (codes, j);
          double bx, by;

          code_centre (b, &bx, &by);
          if (a->len == b->len && memcmp (a->data, b->data, a->len) == 0
              && hypot (ax - bx, ay - by) < size / 2)
            g_ptr_array_remove_index (codes, j);
        }
    }
}

/* One axis of the grid: the centres of the outermost codes or regions
 * are the outermost rows or columns, evenly spaced between.  With too
 * little spread to measure (one column seen), the grid spans the image. */
static int
grid_index (double v,
            double lo,
            double hi,
            guint  n,
            double extent,
            double symbol)
{
  double pitch, first;
  int index;

  if (n == 1)
    return 0;
  if (hi - lo > symbol)
    {
      pitch = (hi - lo) / (n - 1);
      first = lo;
    }
  else
    {
      pitch = extent / n;
      first = pitch / 2;
    }

  index = (int) floor ((v - first) / pitch + 0.5);
  return index >= 0 && index < (int) n ? index : -1;
}

static void
map_slots (AggDecodeResult        *result,
           const GPtrArray        *regions,
           const AggDecodeOptions *options)
{
  double lo_x = G_MAXDOUBLE, hi_x = -G_MAXDOUBLE, lo_y = G_MAXDOUBLE, hi_y = -G_MAXDOUBLE;
  double symbol = 0;
  g_autofree gboolean *taken = NULL;
  guint n_slots = options->rows * options->cols;

  if (n_slots == 0)
    return;

  /* The grid's extent: the codes read, and the regions as large as those
   * codes that gave nothing (a damaged code still occupies its slot). */
  for (guint i = 0; i < result->codes->len; i++)
    {
      AggDecodedCode *code = g_ptr_array_index (result->codes, i);
      double x, y;

      code_centre (code, &x, &y);
      symbol = MAX (symbol, sqrt (code_area (code)));
      lo_x = MIN (lo_x, x);
      hi_x = MAX (hi_x, x);
      lo_y = MIN (lo_y, y);
      hi_y = MAX (hi_y, y);
    }
  for (guint i = 0; i < regions->len && result->codes->len > 0; i++)
    {
      const Region *region = g_ptr_array_index (regions, i);
      double w = region->x1 - region->x0 - 2 * MARGIN_BLOCKS * BLOCK;
      double h = region->y1 - region->y0 - 2 * MARGIN_BLOCKS * BLOCK;

      if (g_atomic_int_get (&region->n_read) > 0 || w < symbol * 0.6 || h < symbol * 0.6
          || w > symbol * 2 || h > symbol * 2)
        continue;
      lo_x = MIN (lo_x, (region->x0 + region->x1) / 2.0);
      hi_x = MAX (hi_x, (region->x0 + region->x1) / 2.0);
      lo_y = MIN (lo_y, (region->y0 + region->y1) / 2.0);
      hi_y = MAX (hi_y, (region->y0 + region->y1) / 2.0);
    }

  taken = g_new0 (gboolean, n_slots);
  for (guint i = 0; i < result->codes->len; i++)
    {
      AggDecodedCode *code = g_ptr_array_index (result->codes, i);
      double x, y;
      int col, row;

      code_centre (code, &x, &y);
      col = grid_index (x, lo_x, hi_x, options->cols, result->width, symbol);
      row = grid_index (y, lo_y, hi_y, options->rows, result->height, symbol);
      code->slot = col >= 0 && row >= 0 ? row * (int) options->cols + col : -1;
      if (code->slot >= 0)
        taken[code->slot] = TRUE;
    }

  for (int slot = 0; slot < (int) n_slots; slot++)
    if (!taken[slot])
      g_array_append_val (result->empty_slots, slot);
}

typedef struct
{
  AggDecodedCode *code;
  double          x, y;
  int             line;
} Ordered;

static int
compare_by_y (gconstpointer a,
              gconstpointer b)
{
  const Ordered *oa = a, *ob = b;

  return (oa->y > ob->y) - (oa->y < ob->y);
}

static int
compare_reading_order (gconstpointer a,
                       gconstpointer b)
{
  const Ordered *oa = a, *ob = b;
  int sa = oa->code->slot, sb = ob->code->slot;

  /* Codes in slots first, by slot; then the others, line by line. */
  if ((sa < 0) != (sb < 0))
    return sa < 0 ? 1 : -1;
  if (sa != sb)
    return sa - sb;
  if (oa->line != ob->line)
    return oa->line - ob->line;
  return (oa->x > ob->x) - (oa->x < ob->x);
}

/* Slot order, then reading order: a code whose centre is less than half
 * a symbol lower than its line's first one is on that line; lines are
 * read left to right.  A code with the data of one before it in that
 * order is a duplicate. */
static void
order_codes (AggDecodeResult *result)
{
  guint n = result->codes->len;
  g_autofree Ordered *ordered = g_new0 (Ordered, MAX (n, 1));
  double line_y = 0;
  int line = 0;

  for (guint i = 0; i < n; i++)
    {
      ordered[i].code = g_ptr_array_index (result->codes, i);
      code_centre (ordered[i].code, &ordered[i].x, &ordered[i].y);
    }
  qsort (ordered, n, sizeof *ordered, compare_by_y);
  for (guint i = 0; i < n; i++)
    {
      if (i == 0 || ordered[i].y - line_y > sqrt (code_area (ordered[i].code)) / 2)
        {
          line += i > 0;
          line_y = ordered[i].y;
        }
      ordered[i].line = line;
    }
  qsort (ordered, n, sizeof *ordered, compare_reading_order);

  g_ptr_array_set_free_func (result->codes, NULL);
  g_ptr_array_set_size (result->codes, 0);
  g_ptr_array_set_free_func (result->codes, decoded_code_free);
  for (guint i = 0; i < n; i++)
    {
      AggDecodedCode *code = ordered[i].code;

      for (guint j = 0; j < i && !code->duplicate; j++)
        {
          AggDecodedCode *earlier = ordered[j].code;

          code->duplicate = earlier->len == code->len
                            && memcmp (earlier->data, code->data, code->len) == 0;
        }
      g_ptr_array_add (result->codes, code);
    }
}

AggDecodeResult *
agg_decode_gray (const guint8            *pixels,
                 guint                    width,
                 guint                    height,
                 gsize                    stride,
                 const AggDecodeOptions  *options,
                 GError                 **error)
{
  gint64 start = g_get_monotonic_time ();
  AggDecodeOptions defaults;
  g_autoptr(AggDecodeResult) result = NULL;
  Job *job;
  guint n_threads;
  guint deadline_ms;

  g_return_val_if_fail (pixels != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (options == NULL)
    {
      agg_decode_options_init (&defaults);
      options = &defaults;
    }

  if (width == 0 || height == 0 || stride < width)
    {
      g_set_error (error, AGG_DECODE_ERROR, AGG_DECODE_ERROR_INVALID,
                   _("The image is %u × %u pixels with %" G_GSIZE_FORMAT " bytes a row: "
                     "there is nothing to decode"), width, height, stride);
      return NULL;
    }
  if ((guint64) width * height > AGG_DECODE_MAX_PIXELS)
    {
      g_set_error (error, AGG_DECODE_ERROR, AGG_DECODE_ERROR_TOO_LARGE,
                   _("The image is %u × %u pixels, more than the %u megapixels a camera "
                     "delivers"), width, height, AGG_DECODE_MAX_PIXELS / 1000000);
      return NULL;
    }

  result = agg_decode_result_new (width, height);

  job = g_new0 (Job, 1);
  job->ref_count = 1;
  g_mutex_init (&job->lock);
  g_cond_init (&job->cond);
  deadline_ms = options->deadline_ms > 0 ? options->deadline_ms : 500;
  job->deadline = start + (gint64) deadline_ms * 1000;
  job->expect = options->expect;
  job->module_min_px = options->module_min_px;
  job->codes = g_ptr_array_new_with_free_func (decoded_code_free);
  job->regions = find_regions (pixels, width, height, stride, options);
  result->n_regions = job->regions->len;

  n_threads = options->threads > 0 ? options->threads : g_get_num_processors ();
  n_threads = MIN (n_threads, MAX (job->regions->len, 1u));
  /* A fair share of the deadline for each region, at least 40 ms and at
   * most 300: a region that holds no readable symbol (print, a damaged
   * code) must not starve the others. */
  job->region_limit_ms = CLAMP ((gint64) deadline_ms * n_threads / MAX (job->regions->len, 1u),
                                40, 300);

  g_mutex_lock (&job->lock);
  for (guint i = 0; i < n_threads && job->regions->len > 0; i++)
    {
      GThread *thread = g_thread_try_new ("agg-decode", worker, job_ref (job), NULL);

      if (thread == NULL)
        {
          job_unref (job);
          continue;
        }
      job->running++;
      g_thread_unref (thread);
    }
  if (job->running == 0 && job->regions->len > 0)
    {
      g_mutex_unlock (&job->lock);
      job_unref (job);
      g_set_error (error, AGG_DECODE_ERROR, AGG_DECODE_ERROR_INVALID,
                   _("No thread could be started to decode the image"));
      return NULL;
    }
  while (job->running > 0)
    if (!g_cond_wait_until (&job->cond, &job->lock, job->deadline + GRACE_US))
      break;
  if (job->running > 0)
    {
      /* The stragglers finish alone; what they read now is lost. */
      g_atomic_int_set (&job->stop, TRUE);
      g_atomic_int_set (&job->deadline_hit, TRUE);
    }
  g_ptr_array_extend_and_steal (result->codes, g_steal_pointer (&job->codes));
  job->codes = g_ptr_array_new_with_free_func (decoded_code_free);
  g_mutex_unlock (&job->lock);

  result->deadline_hit = g_atomic_int_get (&job->deadline_hit);
  drop_same_symbol (result->codes);
  map_slots (result, job->regions, options);
  order_codes (result);
  job_unref (job);

  result->elapsed_ms = (g_get_monotonic_time () - start) / 1000.0;
  return g_steal_pointer (&result);
}

/* Files */

static guint8 *
pixbuf_to_gray (GdkPixbuf *pixbuf,
                guint     *width,
                guint     *height)
{
  int w = gdk_pixbuf_get_width (pixbuf), h = gdk_pixbuf_get_height (pixbuf);
  int channels = gdk_pixbuf_get_n_channels (pixbuf);
  int rowstride = gdk_pixbuf_get_rowstride (pixbuf);
  const guint8 *src = gdk_pixbuf_read_pixels (pixbuf);
  guint8 *gray = g_malloc ((gsize) w * h);

  for (int y = 0; y < h; y++)
    {
      const guint8 *p = src + (gsize) y * rowstride;
      guint8 *q = gray + (gsize) y * w;

      /* Luminance, Rec. 601 weights in 8-bit fixed point. */
      for (int x = 0; x < w; x++, p += channels)
        q[x] = (77 * p[0] + 150 * p[1] + 29 * p[2]) >> 8;
    }

  *width = w;
  *height = h;
  return gray;
}

AggDecodeResult *
agg_decode_file (const char              *path,
                 const AggDecodeOptions  *options,
                 GError                 **error)
{
  g_autoptr(GdkPixbuf) pixbuf = NULL;
  g_autoptr(GError) local_error = NULL;
  g_autofree guint8 *gray = NULL;
  g_autofree char *name = NULL;
  guint width, height;
  int w = 0, h = 0;

  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  name = g_filename_display_name (path);
  if (!g_file_test (path, G_FILE_TEST_IS_REGULAR))
    {
      g_set_error (error, AGG_DECODE_ERROR, AGG_DECODE_ERROR_UNREADABLE,
                   _("%s: no such image file"), name);
      return NULL;
    }

  /* The header first: a file claiming a huge size is refused before
   * anything is allocated for it. */
  if (gdk_pixbuf_get_file_info (path, &w, &h) == NULL)
    {
      g_set_error (error, AGG_DECODE_ERROR, AGG_DECODE_ERROR_UNREADABLE,
                   _("%s: not an image in a known format"), name);
      return NULL;
    }
  if ((gint64) w * h > AGG_DECODE_MAX_PIXELS)
    {
      g_set_error (error, AGG_DECODE_ERROR, AGG_DECODE_ERROR_TOO_LARGE,
                   _("%s: the image claims to be %d × %d pixels, more than the %u megapixels "
                     "a camera delivers"), name, w, h, AGG_DECODE_MAX_PIXELS / 1000000);
      return NULL;
    }

  pixbuf = gdk_pixbuf_new_from_file (path, &local_error);
  if (pixbuf == NULL)
    {
      g_set_error (error, AGG_DECODE_ERROR, AGG_DECODE_ERROR_UNREADABLE,
                   _("%s: the image cannot be read: %s"), name, local_error->message);
      return NULL;
    }
  if ((guint64) gdk_pixbuf_get_width (pixbuf) * gdk_pixbuf_get_height (pixbuf)
      > AGG_DECODE_MAX_PIXELS)
    {
      g_set_error (error, AGG_DECODE_ERROR, AGG_DECODE_ERROR_TOO_LARGE,
                   _("%s: the image is larger than the %u megapixels a camera delivers"),
                   name, AGG_DECODE_MAX_PIXELS / 1000000);
      return NULL;
    }

  gray = pixbuf_to_gray (pixbuf, &width, &height);
  g_clear_object (&pixbuf);

  /* The deadline and the time taken are the decoding's: reading a file
   * stands for the camera's delivery of the frame. */
  return agg_decode_gray (gray, width, height, width, options, error);
}
