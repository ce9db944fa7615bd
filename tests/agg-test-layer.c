/* agg-test-layer.c: images of case layers for the camera tests
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include <dmtx.h>
#include <gdk-pixbuf/gdk-pixbuf.h>
#include <glib/gstdio.h>
#include <string.h>

#include "agg-test-layer.h"

#define GTIN   AGG_TEST_LAYER_GTIN
#define LOT    AGG_TEST_LAYER_LOT
#define EXPIRY AGG_TEST_LAYER_EXPIRY
#define ROWS   AGG_TEST_LAYER_ROWS
#define COLS   AGG_TEST_LAYER_COLS
#define CELL   AGG_TEST_LAYER_CELL
#define MODULE 5                      /* pixels per module */

/* GS1 element string of unit @serial, FNC1 first and GS after the lot. */
static char *
unit_element_string (const char *serial)
{
  return g_strconcat ("\x1d" "01" GTIN "17" EXPIRY "10" LOT "\x1d" "21", serial, NULL);
}

/* Pastes the GS1 DataMatrix of @data centred at (@cx, @cy). */
static void
paste_symbol (GdkPixbuf  *canvas,
              const char *data,
              int         cx,
              int         cy)
{
  DmtxEncode *encode = dmtxEncodeCreate ();
  int width, height, bpp, rowstride = gdk_pixbuf_get_rowstride (canvas);
  guint8 *out = gdk_pixbuf_get_pixels (canvas);

  dmtxEncodeSetProp (encode, DmtxPropModuleSize, MODULE);
  dmtxEncodeSetProp (encode, DmtxPropMarginSize, 0);
  dmtxEncodeSetProp (encode, DmtxPropFnc1, 0x1d);
  g_assert_cmpint (dmtxEncodeDataMatrix (encode, strlen (data), (unsigned char *) data), ==,
                   DmtxPass);
  width = dmtxImageGetProp (encode->image, DmtxPropWidth);
  height = dmtxImageGetProp (encode->image, DmtxPropHeight);
  bpp = dmtxImageGetProp (encode->image, DmtxPropBytesPerPixel);
  g_assert_cmpint (width, <, CELL * 3 / 4);

  for (int y = 0; y < height; y++)
    for (int x = 0; x < width; x++)
      {
        const unsigned char *in = encode->image->pxl + (y * width + x) * bpp;
        guint8 *p = out + (gsize) (cy - height / 2 + y) * rowstride + (cx - width / 2 + x) * 3;

        p[0] = p[1] = p[2] = in[0];
      }
  dmtxEncodeDestroy (&encode);
}

/* A layer of ROWS × COLS units @prefix01 …, slot @skip (-1: none) left
 * empty and slot @copy_to (-1: none) holding the code of slot 0. */
void
agg_test_write_layer (const char *path,
             const char *prefix,
             int         skip,
             int         copy_to)
{
  g_autoptr(GdkPixbuf) canvas = gdk_pixbuf_new (GDK_COLORSPACE_RGB, FALSE, 8, COLS * CELL,
                                                ROWS * CELL);
  g_autoptr(GError) error = NULL;
  g_autofree char *partial = g_strconcat (path, ".part", NULL);

  gdk_pixbuf_fill (canvas, 0xf0f0f0ff);
  for (int slot = 0; slot < ROWS * COLS; slot++)
    {
      g_autofree char *serial = g_strdup_printf ("%s%02d", prefix, slot == copy_to ? 1 : slot + 1);
      g_autofree char *data = unit_element_string (serial);

      if (slot != skip)
        paste_symbol (canvas, data, (slot % COLS) * CELL + CELL / 2, (slot / COLS) * CELL + CELL / 2);
    }
  /* Written aside and renamed in, as cameras and FTP servers do. */
  g_assert_true (gdk_pixbuf_save (canvas, partial, "png", &error, NULL));
  g_assert_no_error (error);
  g_assert_cmpint (g_rename (partial, path), ==, 0);
}
