/* agg-label-zpl.c: a label as ZPL II for Zebra-class printers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The printer draws the symbols itself: ^BC in mode N with the start
 * code, FNC1 and subset changes written out (">;", ">8", ">6", ">5"), so
 * that the width is known here and the data is GS1-128 on any firmware;
 * ^BX with "@1" as FNC1 for GS1 DataMatrix.  ^BY takes at most 10 dots a
 * module, less than the 0.495 mm minimum at 600 dpi: there the bars of
 * GS1-128 are boxes (^GB) placed from zint's encoding instead.
 */

#include "config.h"

#include <glib/gi18n-lib.h>
#include <string.h>
#include <zint.h>

#include "agg-label-private.h"

#define ZPL_MAX_MODULE 10

/* Text for ^FD after ^FH: the field's own "_" and the ZPL prefixes "^"
 * and "~" as hexadecimal escapes, so that free text cannot end a field or
 * start a command. */
static void
append_escaped (GString    *zpl,
                const char *text)
{
  for (const char *p = text; *p != '\0'; p++)
    {
      if (*p == '_' || *p == '^' || *p == '~')
        g_string_append_printf (zpl, "_%02X", (guint) (guchar) *p);
      else
        g_string_append_c (zpl, *p);
    }
}

static char
align_letter (AggLabelAlign align)
{
  switch (align)
    {
    case AGG_LABEL_ALIGN_CENTER:
      return 'C';
    case AGG_LABEL_ALIGN_RIGHT:
      return 'R';
    case AGG_LABEL_ALIGN_LEFT:
    default:
      return 'L';
    }
}

static void
append_text (GString       *zpl,
             int            x,
             int            y,
             int            width,
             int            font,
             AggLabelAlign  align,
             gboolean       reverse,
             const char    *text)
{
  g_string_append_printf (zpl, "^FO%d,%d^A0N,%d,%d^FB%d,1,0,%c,0%s^FH^FD", x, y, font, font,
                          width, align_letter (align), reverse ? "^FR" : "");
  append_escaped (zpl, text);
  g_string_append (zpl, "^FS\n");
}

/* Code 128 */

static gsize
digit_run (const char *p)
{
  return strspn (p, "0123456789");
}

/* The ^FD of a GS1-128 symbol in ^BC mode N, and the number of symbol
 * characters between its start and check characters.  @data holds the
 * element string with GS (0x1d) for each separating FNC1. */
static char *
code128_plan (const char *data,
              guint      *n_chars)
{
  GString *fd = g_string_new (">;>8");
  gboolean in_c = TRUE;
  const char *p = data;

  *n_chars = 1;
  while (*p != '\0')
    {
      gsize run = digit_run (p);

      if (*p == '\x1d')
        {
          g_string_append (fd, ">8");
          (*n_chars)++;
          p++;
        }
      else if (in_c && run >= 2)
        {
          g_string_append_len (fd, p, 2);
          (*n_chars)++;
          p += 2;
        }
      else if (!in_c && run >= 4)
        {
          /* An odd run leaves its first digit in B, so that the pairs
           * that follow line up. */
          if (run % 2 == 1)
            {
              g_string_append_c (fd, *p);
              (*n_chars)++;
              p++;
            }
          g_string_append (fd, ">5");
          (*n_chars)++;
          in_c = TRUE;
        }
      else if (in_c)
        {
          g_string_append (fd, ">6");
          (*n_chars)++;
          in_c = FALSE;
        }
      else
        {
          if (*p == '>')
            g_string_append (fd, "><");
          else
            g_string_append_c (fd, *p);
          (*n_chars)++;
          p++;
        }
    }
  return g_string_free (fd, FALSE);
}

static gboolean
check_fits (const AggLabelItem  *item,
            guint                dpi,
            int                  symbol_width,
            int                  quiet_zone,
            GError             **error)
{
  int needed = symbol_width + 2 * quiet_zone;

  if (needed > item->width)
    {
      g_set_error (error, AGG_LABEL_ERROR, AGG_LABEL_ERROR_DOES_NOT_FIT,
                   _("The symbol for %s is %.1f mm wide with its quiet zones; its field is "
                     "%.1f mm"), item->text != NULL ? item->text : "DataMatrix",
                   needed * 25.4 / dpi, item->width * 25.4 / dpi);
      return FALSE;
    }
  return TRUE;
}

/* The bars of @item as boxes, from zint's encoding: for modules wider
 * than ^BY allows. */
static gboolean
append_bars (GString             *zpl,
             const AggLabelItem  *item,
             guint                dpi,
             GError             **error)
{
  struct zint_symbol *symbol = ZBarcode_Create ();
  g_autofree char *data = agg_label_item_data (item, NULL, TRUE);
  int x0, run = 0;
  int rc;

  symbol->symbology = BARCODE_GS1_128;
  symbol->input_mode = GS1_MODE;
  rc = ZBarcode_Encode (symbol, (const unsigned char *) data, strlen (data));
  if (rc >= ZINT_ERROR)
    {
      g_set_error (error, AGG_LABEL_ERROR, AGG_LABEL_ERROR_RENDER,
                   _("GS1-128 of “%s”: %s"), data, symbol->errtxt);
      ZBarcode_Delete (symbol);
      return FALSE;
    }
  if (!check_fits (item, dpi, symbol->width * item->module,
                   AGG_LABEL_GS1_128_QUIET_ZONE * item->module, error))
    {
      ZBarcode_Delete (symbol);
      return FALSE;
    }

  x0 = item->x + (item->width - symbol->width * item->module) / 2;
  for (int i = 0; i <= symbol->width; i++)
    {
      gboolean set = i < symbol->width && ((symbol->encoded_data[0][i >> 3] >> (i & 7)) & 1);

      if (set)
        run++;
      else if (run > 0)
        {
          int w = run * item->module;

          g_string_append_printf (zpl, "^FO%d,%d^GB%d,%d,%d^FS\n",
                                  x0 + (i - run) * item->module, item->y, w,
                                  item->bar_height, w);
          run = 0;
        }
    }
  ZBarcode_Delete (symbol);
  return TRUE;
}

static gboolean
append_gs1_128 (GString             *zpl,
                const AggLabelItem  *item,
                guint                dpi,
                GError             **error)
{
  g_autofree char *data = agg_label_item_data (item, NULL, FALSE);
  g_autofree char *fd = NULL;
  guint n_chars;
  int width;

  if (item->module > ZPL_MAX_MODULE)
    {
      if (!append_bars (zpl, item, dpi, error))
        return FALSE;
    }
  else
    {
      /* Start, the characters, the check character and the stop's 13. */
      fd = code128_plan (data, &n_chars);
      width = (11 * (n_chars + 2) + 13) * item->module;
      if (!check_fits (item, dpi, width, AGG_LABEL_GS1_128_QUIET_ZONE * item->module, error))
        return FALSE;
      g_string_append_printf (zpl, "^FO%d,%d^BY%d^BCN,%d,N,N,N,N^FD%s^FS\n",
                              item->x + (item->width - width) / 2, item->y, item->module,
                              item->bar_height, fd);
    }

  append_text (zpl, item->x, item->y + item->bar_height + item->font / 4, item->width,
               item->font, AGG_LABEL_ALIGN_CENTER, FALSE, item->text);
  return TRUE;
}

static gboolean
append_datamatrix (GString             *zpl,
                   const AggLabelItem  *item,
                   guint                dpi,
                   GError             **error)
{
  struct zint_symbol *symbol = ZBarcode_Create ();
  g_autofree char *bracketed = agg_label_item_data (item, NULL, TRUE);
  g_autofree char *data = agg_label_item_data (item, "@1", FALSE);
  int size, rc;

  /* zint chooses the square size the printer will choose, the smallest
   * that holds the data, which places the symbol in its field. */
  symbol->symbology = BARCODE_DATAMATRIX;
  symbol->input_mode = GS1_MODE;
  symbol->option_3 = DM_SQUARE;
  rc = ZBarcode_Encode (symbol, (const unsigned char *) bracketed, strlen (bracketed));
  if (rc >= ZINT_ERROR)
    {
      g_set_error (error, AGG_LABEL_ERROR, AGG_LABEL_ERROR_RENDER,
                   _("GS1 DataMatrix of “%s”: %s"), bracketed, symbol->errtxt);
      ZBarcode_Delete (symbol);
      return FALSE;
    }
  size = symbol->width * item->module;
  ZBarcode_Delete (symbol);
  if (!check_fits (item, dpi, size, item->module, error))
    return FALSE;
  if (size + 2 * item->module > item->height)
    {
      g_set_error (error, AGG_LABEL_ERROR, AGG_LABEL_ERROR_DOES_NOT_FIT,
                   _("The DataMatrix is %.1f mm high with its quiet zone; its field is %.1f mm"),
                   (size + 2 * item->module) * 25.4 / dpi, item->height * 25.4 / dpi);
      return FALSE;
    }

  /* "@" is no character of GS1's set 82, so it can escape FNC1. */
  g_string_append_printf (zpl, "^FO%d,%d^BXN,%d,200,,,,@^FD@1%s^FS\n",
                          item->x + (item->width - size) / 2,
                          item->y + (item->height - size) / 2, item->module, data);
  return TRUE;
}

GBytes *
agg_label_render_zpl (AggLabelLayout  *layout,
                      GError         **error)
{
  g_autoptr(GString) zpl = g_string_new (NULL);

  /* UTF-8 text, the label's size, the origin at its corner. */
  g_string_append_printf (zpl, "^XA\n^CI28\n^PW%d\n^LL%d\n^LH0,0\n", layout->width,
                          layout->height);

  for (guint i = 0; i < layout->items->len; i++)
    {
      const AggLabelItem *item = g_ptr_array_index (layout->items, i);

      switch (item->kind)
        {
        case AGG_LABEL_ITEM_TEXT:
          append_text (zpl, item->x, item->y, item->width, item->font, item->align, FALSE,
                       item->text);
          break;
        case AGG_LABEL_ITEM_REPRINT:
          g_string_append_printf (zpl, "^FO%d,%d^GB%d,%d,%d^FS\n", item->x, item->y,
                                  item->width, item->height, MIN (item->width, item->height));
          append_text (zpl, item->x, item->y + MAX (0, (item->height - item->font) / 2),
                       item->width, item->font, AGG_LABEL_ALIGN_CENTER, TRUE, item->text);
          break;
        case AGG_LABEL_ITEM_RULE:
          g_string_append_printf (zpl, "^FO%d,%d^GB%d,%d,%d^FS\n", item->x, item->y,
                                  item->width, item->height, item->height);
          break;
        case AGG_LABEL_ITEM_GS1_128:
          if (!append_gs1_128 (zpl, item, layout->dpi, error))
            return NULL;
          break;
        case AGG_LABEL_ITEM_DATAMATRIX:
          if (!append_datamatrix (zpl, item, layout->dpi, error))
            return NULL;
          break;
        default:
          g_assert_not_reached ();
        }
    }

  g_string_append (zpl, "^XZ\n");
  return g_string_free_to_bytes (g_steal_pointer (&zpl));
}
