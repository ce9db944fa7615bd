/* agg-test-layer.h: images of case layers for the camera tests
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * GS1 DataMatrix symbols encoded by libdmtx, one per slot of a grid of
 * AGG_TEST_LAYER_ROWS × AGG_TEST_LAYER_COLS, written as PNG.
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define AGG_TEST_LAYER_GTIN   "09506000134352"
#define AGG_TEST_LAYER_LOT    "DEMO01"
#define AGG_TEST_LAYER_EXPIRY "281231"
#define AGG_TEST_LAYER_ROWS   3
#define AGG_TEST_LAYER_COLS   4
#define AGG_TEST_LAYER_CELL   200       /* pixels per slot */

/* Writes at @path (under a temporary name, then renamed, as cameras and
 * FTP servers do) a layer of units @prefix01 … @prefix12 of the demo
 * order, slot @skip (-1: none) left empty and slot @copy_to (-1: none)
 * holding the code of slot 0. */
void agg_test_write_layer (const char *path,
                           const char *prefix,
                           int         skip,
                           int         copy_to);

G_END_DECLS
