/* agg-decode-gen.c: camera images of GS1 DataMatrix grids with known truth
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Every output pixel is mapped back through the perspective to the flat
 * layer, and there into its cell's symbol, four samples a pixel; blur and
 * noise come after, as in a camera.
 */

#include <gdk-pixbuf/gdk-pixbuf.h>
#include <json-glib/json-glib.h>
#include <math.h>
#include <string.h>
#include <zint.h>

#include "agg-decode-gen.h"
#include "agg-decode-private.h"

#define GTIN "09506000134352"
#define QUIET_MODULES 3

static const AggGenSpec specs[] = {
  /* name              w     h     r  c  mod  rot  jit  blur noise dark light carton keyst dmg empty dup seed */
  { "clean-24",        2448, 2048, 4, 6, 5.0, 0,   3,   0,   2,    20,  235,  150,   0,    -1, -1,   -1, 1 },
  { "rotated-12",      1600, 1200, 3, 4, 8.0, -1,  0,   0,   2,    30,  225,  140,   0,    -1, -1,   -1, 2 },
  { "dense-48",        2448, 2048, 6, 8, 3.0, 0,   2,   0,   2,    25,  230,  150,   0,    -1, -1,   -1, 3 },
  { "blur-noise-24",   2448, 2048, 4, 6, 6.0, 8,   4,   1.2, 8,    30,  220,  140,   0,    -1, -1,   -1, 4 },
  { "low-contrast-24", 2448, 2048, 4, 6, 5.0, 0,   4,   0.6, 2,    120, 175,  150,   0,    -1, -1,   -1, 5 },
  { "perspective-24",  2448, 2048, 4, 6, 5.0, 0,   3,   0.5, 2,    25,  230,  150,   0.12, -1, -1,   -1, 6 },
  { "damaged-empty-24", 2448, 2048, 4, 6, 4.0, 0,  3,   0,   2,    20,  235,  150,   0,     7, 16,   -1, 7 },
  { "duplicate-12",    1600, 1200, 3, 4, 6.0, 0,   3,   0,   2,    20,  235,  150,   0,    -1, -1,    5, 8 },
};

const AggGenSpec *
agg_gen_specs (guint *n_specs)
{
  *n_specs = G_N_ELEMENTS (specs);
  return specs;
}

const AggGenSpec *
agg_gen_spec_lookup (const char *name)
{
  for (guint i = 0; i < G_N_ELEMENTS (specs); i++)
    if (g_str_equal (specs[i].name, name))
      return &specs[i];
  return NULL;
}

static void
gen_code_free (gpointer data)
{
  AggGenCode *code = data;

  g_free (code->data);
  g_free (code);
}

void
agg_gen_image_free (AggGenImage *image)
{
  g_free (image->pixels);
  g_ptr_array_unref (image->codes);
  g_array_unref (image->empty_slots);
  g_free (image);
}

/* One symbol's modules, row by row, 1 for dark. */
typedef struct
{
  guint8 *modules;
  int     rows, cols;
  double  cx, cy;                     /* centre on the flat layer */
  double  cos_a, sin_a;
  gboolean damaged;
} Symbol;

static void
random_alnum (GRand *rand,
              char  *out,
              guint  len)
{
  static const char alphabet[] = "0123456789ABCDEFGHJKLMNPQRSTUVWXYZ";

  for (guint i = 0; i < len; i++)
    out[i] = alphabet[g_rand_int_range (rand, 0, sizeof alphabet - 1)];
  out[len] = '\0';
}

static gboolean
encode (const char *serial,
        const char *expiry,
        const char *lot,
        Symbol     *symbol)
{
  struct zint_symbol *zs = ZBarcode_Create ();
  g_autofree char *input = g_strdup_printf ("[01]%s[21]%s[17]%s[10]%s", GTIN, serial, expiry, lot);

  zs->symbology = BARCODE_DATAMATRIX;
  zs->input_mode = GS1_MODE;
  zs->option_3 = DM_SQUARE;
  if (ZBarcode_Encode (zs, (const unsigned char *) input, strlen (input)) >= ZINT_ERROR)
    {
      g_printerr ("zint: %s\n", zs->errtxt);
      ZBarcode_Delete (zs);
      return FALSE;
    }

  symbol->rows = zs->rows;
  symbol->cols = zs->width;
  symbol->modules = g_new (guint8, symbol->rows * symbol->cols);
  for (int r = 0; r < symbol->rows; r++)
    for (int c = 0; c < symbol->cols; c++)
      symbol->modules[r * symbol->cols + c] = (zs->encoded_data[r][c >> 3] >> (c & 7)) & 1;
  ZBarcode_Delete (zs);
  return TRUE;
}

/* The flat layer as the camera sees it: the top edge narrower. */
static void
warp (const AggGenSpec *spec,
      double            x,
      double            y,
      double           *ox,
      double           *oy)
{
  double scale = 1.0 - spec->keystone * (1.0 - y / spec->height);

  *ox = spec->width / 2.0 + (x - spec->width / 2.0) * scale;
  *oy = y;
}

static void
unwarp (const AggGenSpec *spec,
        double            x,
        double            y,
        double           *ox,
        double           *oy)
{
  double scale = 1.0 - spec->keystone * (1.0 - y / spec->height);

  *ox = spec->width / 2.0 + (x - spec->width / 2.0) / scale;
  *oy = y;
}

/* The grey of one point of the flat layer. */
static double
sample (const AggGenSpec *spec,
        const Symbol     *symbols,
        double            x,
        double            y)
{
  double cell_w = (double) spec->width / spec->cols, cell_h = (double) spec->height / spec->rows;
  int col = (int) floor (x / cell_w), row = (int) floor (y / cell_h);
  const Symbol *symbol;
  double dx, dy, u, v;

  if (col < 0 || row < 0 || col >= (int) spec->cols || row >= (int) spec->rows)
    return spec->carton;
  symbol = &symbols[row * spec->cols + col];
  if (symbol->modules == NULL)
    return spec->carton;

  dx = x - symbol->cx;
  dy = y - symbol->cy;
  u = (dx * symbol->cos_a + dy * symbol->sin_a) / spec->module_px + symbol->cols / 2.0;
  v = (-dx * symbol->sin_a + dy * symbol->cos_a) / spec->module_px + symbol->rows / 2.0;
  if (u < -QUIET_MODULES || v < -QUIET_MODULES
      || u >= symbol->cols + QUIET_MODULES || v >= symbol->rows + QUIET_MODULES)
    return spec->carton;
  if (u < 0 || v < 0 || u >= symbol->cols || v >= symbol->rows)
    return spec->light;
  /* A scratch across the middle takes most of the data away. */
  if (symbol->damaged && u > symbol->cols * 0.12 && u < symbol->cols * 0.88
      && v > symbol->rows * 0.12 && v < symbol->rows * 0.88)
    return spec->light;
  return symbol->modules[(int) v * symbol->cols + (int) u] ? spec->dark : spec->light;
}

static void
blur (guint8 *pixels,
      guint   width,
      guint   height,
      double  sigma)
{
  int radius = (int) ceil (sigma * 3);
  g_autofree double *kernel = g_new (double, 2 * radius + 1);
  g_autofree double *line = g_new (double, MAX (width, height));
  double total = 0;

  for (int i = -radius; i <= radius; i++)
    total += kernel[i + radius] = exp (-(i * i) / (2 * sigma * sigma));
  for (int i = 0; i <= 2 * radius; i++)
    kernel[i] /= total;

  for (guint pass = 0; pass < 2; pass++)
    {
      guint n = pass == 0 ? width : height, lines = pass == 0 ? height : width;
      gsize step = pass == 0 ? 1 : width, line_step = pass == 0 ? width : 1;

      for (guint l = 0; l < lines; l++)
        {
          guint8 *p = pixels + l * line_step;

          for (guint i = 0; i < n; i++)
            {
              double acc = 0;

              for (int k = -radius; k <= radius; k++)
                acc += kernel[k + radius] * p[CLAMP ((int) i + k, 0, (int) n - 1) * step];
              line[i] = acc;
            }
          for (guint i = 0; i < n; i++)
            p[i * step] = (guint8) CLAMP (line[i] + 0.5, 0, 255);
        }
    }
}

static double
gaussian (GRand *rand)
{
  double u = g_rand_double_range (rand, 1e-12, 1.0), v = g_rand_double (rand);

  return sqrt (-2 * log (u)) * cos (2 * G_PI * v);
}

static int
compare_int (gconstpointer a,
             gconstpointer b)
{
  return *(const int *) a - *(const int *) b;
}

AggGenImage *
agg_gen_image (const AggGenSpec *spec)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (spec->seed);
  g_autofree Symbol *symbols = g_new0 (Symbol, spec->rows * spec->cols);
  double cell_w = (double) spec->width / spec->cols, cell_h = (double) spec->height / spec->rows;
  AggGenImage *image = g_new0 (AggGenImage, 1);
  char first_serial[13] = "";

  image->width = spec->width;
  image->height = spec->height;
  image->rows = spec->rows;
  image->cols = spec->cols;
  image->module_px = spec->module_px;
  image->codes = g_ptr_array_new_with_free_func (gen_code_free);
  image->empty_slots = g_array_new (FALSE, FALSE, sizeof (int));
  image->pixels = g_malloc ((gsize) spec->width * spec->height);

  for (int slot = 0; slot < (int) (spec->rows * spec->cols); slot++)
    {
      Symbol *symbol = &symbols[slot];
      AggGenCode *code;
      char serial[13], lot[7];
      const char *expiry = "281231";
      double angle, half_w, half_h;
      static const double unit[4][2] = { { 0, 0 }, { 1, 0 }, { 1, 1 }, { 0, 1 } };

      random_alnum (rand, serial, 12);
      random_alnum (rand, lot, 6);
      angle = (spec->rotation_deg < 0 ? g_rand_double_range (rand, 0, 360) : spec->rotation_deg)
              + g_rand_double_range (rand, -spec->jitter_deg, spec->jitter_deg + 1e-9);
      if (slot == spec->empty_slot)
        {
          g_array_append_val (image->empty_slots, slot);
          continue;
        }
      if (slot == 0)
        memcpy (first_serial, serial, sizeof serial);
      if (slot == spec->duplicate_slot)
        {
          const AggGenCode *first = g_ptr_array_index (image->codes, 0);

          memcpy (serial, first_serial, sizeof serial);
          memcpy (lot, first->data + strlen (first->data) - 6, 7);
        }

      if (!encode (serial, expiry, lot, symbol))
        g_error ("zint refused a unit code");
      symbol->cos_a = cos (angle * G_PI / 180);
      symbol->sin_a = sin (angle * G_PI / 180);
      symbol->damaged = slot == spec->damaged_slot;
      /* Somewhere in its cell, away from the cell's edges. */
      half_w = (symbol->cols + 2 * QUIET_MODULES) * spec->module_px * 0.75;
      half_h = (symbol->rows + 2 * QUIET_MODULES) * spec->module_px * 0.75;
      symbol->cx = (slot % spec->cols + 0.5) * cell_w
                   + g_rand_double_range (rand, -1, 1) * MAX (0, cell_w / 2 - half_w) * 0.5;
      symbol->cy = (slot / spec->cols + 0.5) * cell_h
                   + g_rand_double_range (rand, -1, 1) * MAX (0, cell_h / 2 - half_h) * 0.5;

      code = g_new0 (AggGenCode, 1);
      code->data = g_strdup_printf ("]d201%s21%s\x1d" "17%s10%s", GTIN, serial, expiry, lot);
      code->len = strlen (code->data);
      code->slot = slot;
      code->readable = !symbol->damaged;
      for (guint i = 0; i < 4; i++)
        {
          double a = (unit[i][0] - 0.5) * symbol->cols * spec->module_px;
          double b = (unit[i][1] - 0.5) * symbol->rows * spec->module_px;

          warp (spec, symbol->cx + a * symbol->cos_a - b * symbol->sin_a,
                symbol->cy + a * symbol->sin_a + b * symbol->cos_a,
                &code->corners[i][0], &code->corners[i][1]);
        }
      g_ptr_array_add (image->codes, code);
      if (symbol->damaged)
        g_array_append_val (image->empty_slots, slot);
    }
  g_array_sort (image->empty_slots, compare_int);

  for (guint y = 0; y < spec->height; y++)
    for (guint x = 0; x < spec->width; x++)
      {
        double acc = 0;

        for (guint s = 0; s < 4; s++)
          {
            double fx, fy;

            unwarp (spec, x + 0.25 + 0.5 * (s & 1), y + 0.25 + 0.5 * (s >> 1), &fx, &fy);
            acc += sample (spec, symbols, fx, fy);
          }
        image->pixels[(gsize) y * spec->width + x] = (guint8) (acc / 4 + 0.5);
      }

  if (spec->blur_sigma > 0)
    blur (image->pixels, spec->width, spec->height, spec->blur_sigma);
  if (spec->noise_sigma > 0)
    for (gsize i = 0; i < (gsize) spec->width * spec->height; i++)
      image->pixels[i] = (guint8) CLAMP (image->pixels[i] + spec->noise_sigma * gaussian (rand)
                                         + 0.5, 0, 255);

  for (guint i = 0; i < spec->rows * spec->cols; i++)
    g_free (symbols[i].modules);
  return image;
}

gboolean
agg_gen_image_save (const AggGenImage  *image,
                    const char         *path,
                    GError            **error)
{
  g_autoptr(GdkPixbuf) pixbuf = gdk_pixbuf_new (GDK_COLORSPACE_RGB, FALSE, 8, image->width,
                                                image->height);
  guint8 *dst = gdk_pixbuf_get_pixels (pixbuf);
  int rowstride = gdk_pixbuf_get_rowstride (pixbuf);

  for (guint y = 0; y < image->height; y++)
    for (guint x = 0; x < image->width; x++)
      memset (dst + (gsize) y * rowstride + x * 3, image->pixels[(gsize) y * image->width + x], 3);

  if (g_str_has_suffix (path, ".jpg") || g_str_has_suffix (path, ".jpeg"))
    return gdk_pixbuf_save (pixbuf, path, "jpeg", error, "quality", "92", NULL);
  return gdk_pixbuf_save (pixbuf, path, "png", error, "compression", "1", NULL);
}

char *
agg_gen_image_truth (const AggGenImage *image,
                     const char        *name)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  g_autoptr(JsonNode) root = NULL;

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "name");
  json_builder_add_string_value (builder, name);
  json_builder_set_member_name (builder, "width");
  json_builder_add_int_value (builder, image->width);
  json_builder_set_member_name (builder, "height");
  json_builder_add_int_value (builder, image->height);
  json_builder_set_member_name (builder, "rows");
  json_builder_add_int_value (builder, image->rows);
  json_builder_set_member_name (builder, "cols");
  json_builder_add_int_value (builder, image->cols);
  json_builder_set_member_name (builder, "module_px");
  json_builder_add_double_value (builder, image->module_px);
  json_builder_set_member_name (builder, "codes");
  json_builder_begin_array (builder);
  for (guint i = 0; i < image->codes->len; i++)
    {
      const AggGenCode *code = g_ptr_array_index (image->codes, i);

      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "data");
      json_builder_add_string_value (builder, code->data);
      json_builder_set_member_name (builder, "slot");
      json_builder_add_int_value (builder, code->slot);
      json_builder_set_member_name (builder, "readable");
      json_builder_add_boolean_value (builder, code->readable);
      json_builder_set_member_name (builder, "corners");
      agg_decode_corners_to_json (builder, code->corners);
      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);
  json_builder_set_member_name (builder, "empty_slots");
  json_builder_begin_array (builder);
  for (guint i = 0; i < image->empty_slots->len; i++)
    json_builder_add_int_value (builder, g_array_index (image->empty_slots, int, i));
  json_builder_end_array (builder);
  json_builder_end_object (builder);

  root = json_builder_get_root (builder);
  json_generator_set_root (generator, root);
  json_generator_set_pretty (generator, TRUE);
  return json_generator_to_data (generator, NULL);
}
