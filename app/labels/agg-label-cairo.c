/* agg-label-cairo.c: a label drawn with cairo — PNG, PDF, previews, office printers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * zint encodes the symbols; their modules are drawn here as rectangles
 * of whole dots, so that a PNG at the printer's resolution is what the
 * printer would print, and a PDF holds the same geometry as vectors.
 */

#include "config.h"

#include <cairo-pdf.h>
#include <glib/gi18n-lib.h>
#include <png.h>
#include <string.h>
#include <zint.h>

#include "agg-label-private.h"

static gboolean
module_is_set (const struct zint_symbol *symbol,
               int                       row,
               int                       column)
{
  return (symbol->encoded_data[row][column >> 3] >> (column & 7)) & 1;
}

static struct zint_symbol *
encode (const AggLabelItem  *item,
        GError             **error)
{
  g_autofree char *data = agg_label_item_data (item, NULL, TRUE);
  struct zint_symbol *symbol = ZBarcode_Create ();
  int rc;

  if (symbol == NULL)
    {
      g_set_error (error, AGG_LABEL_ERROR, AGG_LABEL_ERROR_RENDER, _("Out of memory"));
      return NULL;
    }
  symbol->input_mode = GS1_MODE;
  if (item->kind == AGG_LABEL_ITEM_DATAMATRIX)
    {
      symbol->symbology = BARCODE_DATAMATRIX;
      symbol->option_3 = DM_SQUARE;
    }
  else
    symbol->symbology = BARCODE_GS1_128;

  rc = ZBarcode_Encode (symbol, (const unsigned char *) data, strlen (data));
  if (rc >= ZINT_ERROR)
    {
      g_set_error (error, AGG_LABEL_ERROR, AGG_LABEL_ERROR_RENDER,
                   _("The symbol of “%s” cannot be made: %s"), data, symbol->errtxt);
      ZBarcode_Delete (symbol);
      return NULL;
    }
  return symbol;
}

/* Draws @text in the box, shrinking it when it is wider: a long
 * description stays on the label. */
static void
draw_text (cairo_t        *cr,
           const char     *font,
           const char     *text,
           double          x,
           double          y,
           double          width,
           double          size,
           gboolean        bold,
           AggLabelAlign   align)
{
  cairo_text_extents_t extents;
  cairo_font_extents_t font_extents;
  double left;

  cairo_select_font_face (cr, font, CAIRO_FONT_SLANT_NORMAL,
                          bold ? CAIRO_FONT_WEIGHT_BOLD : CAIRO_FONT_WEIGHT_NORMAL);
  cairo_set_font_size (cr, size);
  cairo_text_extents (cr, text, &extents);
  if (extents.x_advance > width && extents.x_advance > 0)
    {
      cairo_set_font_size (cr, size * width / extents.x_advance);
      cairo_text_extents (cr, text, &extents);
    }
  cairo_font_extents (cr, &font_extents);

  switch (align)
    {
    case AGG_LABEL_ALIGN_CENTER:
      left = x + (width - extents.x_advance) / 2;
      break;
    case AGG_LABEL_ALIGN_RIGHT:
      left = x + width - extents.x_advance;
      break;
    case AGG_LABEL_ALIGN_LEFT:
    default:
      left = x;
      break;
    }
  cairo_move_to (cr, left, y + font_extents.ascent);
  cairo_show_text (cr, text);
}

static gboolean
too_wide (const AggLabelItem  *item,
          guint                dpi,
          int                  needed,
          GError             **error)
{
  g_set_error (error, AGG_LABEL_ERROR, AGG_LABEL_ERROR_DOES_NOT_FIT,
               _("The symbol for %s is %.1f mm wide with its quiet zones; its field is %.1f mm"),
               item->text != NULL ? item->text : "DataMatrix", needed * 25.4 / dpi,
               item->width * 25.4 / dpi);
  return FALSE;
}

static gboolean
draw_gs1_128 (cairo_t             *cr,
              const AggLabelLayout *layout,
              const AggLabelItem  *item,
              GError             **error)
{
  struct zint_symbol *symbol = encode (item, error);
  int width, x0;

  if (symbol == NULL)
    return FALSE;

  width = symbol->width * item->module;
  if (width + 2 * AGG_LABEL_GS1_128_QUIET_ZONE * item->module > item->width)
    {
      ZBarcode_Delete (symbol);
      return too_wide (item, layout->dpi,
                       width + 2 * AGG_LABEL_GS1_128_QUIET_ZONE * item->module, error);
    }

  x0 = item->x + (item->width - width) / 2;
  for (int i = 0; i < symbol->width; i++)
    if (module_is_set (symbol, 0, i))
      cairo_rectangle (cr, x0 + i * item->module, item->y, item->module, item->bar_height);
  cairo_fill (cr);
  ZBarcode_Delete (symbol);

  draw_text (cr, layout->font, item->text, item->x, item->y + item->bar_height + item->font / 4,
             item->width, item->font, FALSE, AGG_LABEL_ALIGN_CENTER);
  return TRUE;
}

static gboolean
draw_datamatrix (cairo_t             *cr,
                 const AggLabelLayout *layout,
                 const AggLabelItem  *item,
                 GError             **error)
{
  struct zint_symbol *symbol = encode (item, error);
  int size, x0, y0;

  if (symbol == NULL)
    return FALSE;

  /* The quiet zone of DataMatrix is one module. */
  size = symbol->width * item->module;
  if (size + 2 * item->module > MIN (item->width, item->height))
    {
      ZBarcode_Delete (symbol);
      g_set_error (error, AGG_LABEL_ERROR, AGG_LABEL_ERROR_DOES_NOT_FIT,
                   _("The DataMatrix is %.1f mm square with its quiet zone; its field is "
                     "%.1f × %.1f mm"), (size + 2 * item->module) * 25.4 / layout->dpi,
                   item->width * 25.4 / layout->dpi, item->height * 25.4 / layout->dpi);
      return FALSE;
    }

  x0 = item->x + (item->width - size) / 2;
  y0 = item->y + (item->height - symbol->rows * item->module) / 2;
  for (int row = 0; row < symbol->rows; row++)
    for (int column = 0; column < symbol->width; column++)
      if (module_is_set (symbol, row, column))
        cairo_rectangle (cr, x0 + column * item->module, y0 + row * item->module,
                         item->module, item->module);
  cairo_fill (cr);
  ZBarcode_Delete (symbol);
  return TRUE;
}

gboolean
agg_label_draw_layout (AggLabelLayout  *layout,
                       cairo_t         *cr,
                       GError         **error)
{
  cairo_save (cr);
  cairo_set_source_rgb (cr, 1, 1, 1);
  cairo_rectangle (cr, 0, 0, layout->width, layout->height);
  cairo_fill (cr);
  cairo_set_source_rgb (cr, 0, 0, 0);

  for (guint i = 0; i < layout->items->len; i++)
    {
      const AggLabelItem *item = g_ptr_array_index (layout->items, i);
      gboolean ok = TRUE;

      switch (item->kind)
        {
        case AGG_LABEL_ITEM_TEXT:
          draw_text (cr, layout->font, item->text, item->x, item->y, item->width, item->font,
                     item->bold, item->align);
          break;
        case AGG_LABEL_ITEM_REPRINT:
          cairo_rectangle (cr, item->x, item->y, item->width, item->height);
          cairo_fill (cr);
          cairo_set_source_rgb (cr, 1, 1, 1);
          draw_text (cr, layout->font, item->text, item->x,
                     item->y + MAX (0, (item->height - item->font) / 2), item->width,
                     item->font, TRUE, AGG_LABEL_ALIGN_CENTER);
          cairo_set_source_rgb (cr, 0, 0, 0);
          break;
        case AGG_LABEL_ITEM_RULE:
          cairo_rectangle (cr, item->x, item->y, item->width, item->height);
          cairo_fill (cr);
          break;
        case AGG_LABEL_ITEM_GS1_128:
          ok = draw_gs1_128 (cr, layout, item, error);
          break;
        case AGG_LABEL_ITEM_DATAMATRIX:
          ok = draw_datamatrix (cr, layout, item, error);
          break;
        default:
          g_assert_not_reached ();
        }
      if (!ok)
        {
          cairo_restore (cr);
          return FALSE;
        }
    }
  cairo_restore (cr);

  if (cairo_status (cr) != CAIRO_STATUS_SUCCESS)
    {
      g_set_error (error, AGG_LABEL_ERROR, AGG_LABEL_ERROR_RENDER, _("Drawing the label failed: %s"),
                   cairo_status_to_string (cairo_status (cr)));
      return FALSE;
    }
  return TRUE;
}

static cairo_status_t
write_cb (void                *closure,
          const unsigned char *data,
          unsigned int         length)
{
  g_byte_array_append (closure, data, length);
  return CAIRO_STATUS_SUCCESS;
}

static gboolean
check_surface (cairo_surface_t  *surface,
               GError          **error)
{
  cairo_status_t status = cairo_surface_status (surface);

  if (status != CAIRO_STATUS_SUCCESS)
    {
      g_set_error (error, AGG_LABEL_ERROR, AGG_LABEL_ERROR_RENDER, _("Drawing the label failed: %s"),
                   cairo_status_to_string (status));
      return FALSE;
    }
  return TRUE;
}

static void
png_write_cb (png_structp  png,
              png_bytep    data,
              size_t       length)
{
  g_byte_array_append (png_get_io_ptr (png), data, length);
}

static void
png_flush_cb (png_structp png)
{
}

/* An 8-bit grey PNG at the fastest compression: a label is black on
 * white, and a quarter of the size of RGB compresses in a fraction of
 * the time, which keeps a 300 dpi label well inside its time budget. */
static gboolean
write_grey_png (cairo_surface_t  *surface,
                GByteArray       *out,
                GError          **error)
{
  int width = cairo_image_surface_get_width (surface);
  int height = cairo_image_surface_get_height (surface);
  int stride = cairo_image_surface_get_stride (surface);
  const guint8 *pixels;
  g_autofree guint8 *row = g_malloc (width);
  png_structp png;
  png_infop info;

  cairo_surface_flush (surface);
  pixels = cairo_image_surface_get_data (surface);

  png = png_create_write_struct (PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
  info = png != NULL ? png_create_info_struct (png) : NULL;
  if (info == NULL || setjmp (png_jmpbuf (png)))
    {
      png_destroy_write_struct (&png, &info);
      g_set_error (error, AGG_LABEL_ERROR, AGG_LABEL_ERROR_RENDER,
                   _("The label could not be written as PNG"));
      return FALSE;
    }

  png_set_write_fn (png, out, png_write_cb, png_flush_cb);
  png_set_compression_level (png, 1);
  png_set_filter (png, PNG_FILTER_TYPE_BASE, PNG_FILTER_NONE);
  png_set_IHDR (png, info, width, height, 8, PNG_COLOR_TYPE_GRAY, PNG_INTERLACE_NONE,
                PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
  png_write_info (png, info);
  for (int y = 0; y < height; y++)
    {
      const guint32 *source = (const guint32 *) (pixels + (gsize) y * stride);

      /* The green channel stands for the grey: everything is drawn in
       * black and white. */
      for (int x = 0; x < width; x++)
        row[x] = (source[x] >> 8) & 0xff;
      png_write_row (png, row);
    }
  png_write_end (png, info);
  png_destroy_write_struct (&png, &info);
  return TRUE;
}

GBytes *
agg_label_render_png (AggLabelLayout  *layout,
                      GError         **error)
{
  g_autoptr(GByteArray) png = g_byte_array_new ();
  cairo_surface_t *surface;
  cairo_t *cr;
  gboolean ok;

  surface = cairo_image_surface_create (CAIRO_FORMAT_RGB24, layout->width, layout->height);
  cr = cairo_create (surface);
  ok = agg_label_draw_layout (layout, cr, error) && check_surface (surface, error);
  cairo_destroy (cr);
  ok = ok && write_grey_png (surface, png, error);
  cairo_surface_destroy (surface);
  if (!ok)
    return NULL;
  return g_byte_array_free_to_bytes (g_steal_pointer (&png));
}

GBytes *
agg_label_render_pdf (AggLabelLayout  *layout,
                      GError         **error)
{
  g_autoptr(GByteArray) pdf = g_byte_array_new ();
  double width_pt = layout->width * 72.0 / layout->dpi;
  double height_pt = layout->height * 72.0 / layout->dpi;
  cairo_surface_t *surface;
  cairo_t *cr;
  gboolean ok;

  surface = cairo_pdf_surface_create_for_stream (write_cb, pdf, width_pt, height_pt);
  cr = cairo_create (surface);
  cairo_scale (cr, 72.0 / layout->dpi, 72.0 / layout->dpi);
  ok = agg_label_draw_layout (layout, cr, error);
  cairo_destroy (cr);
  cairo_surface_finish (surface);
  ok = ok && check_surface (surface, error);
  cairo_surface_destroy (surface);
  if (!ok)
    return NULL;
  return g_byte_array_free_to_bytes (g_steal_pointer (&pdf));
}
