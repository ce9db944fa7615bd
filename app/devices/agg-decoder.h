/* agg-decoder.h: camera decoding in a supervised helper process
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * libdmtx can crash or stall on some images; the station must not.  An
 * AggDecoder runs agg_decode_gray () in a helper process, one image at a
 * time (the helper itself uses every core), and queues the others.  When
 * the helper dies, or overruns the image's deadline by more than a
 * margin, the image fails with AGG_DECODER_ERROR_CRASHED or _OVERRUN —
 * it stays unread — and a new helper is started at once.
 */

#pragma once

#include <gio/gio.h>

#include "agg-decode.h"

G_BEGIN_DECLS

#define AGG_DECODER_ERROR (agg_decoder_error_quark ())

typedef enum
{
  AGG_DECODER_ERROR_CRASHED,          /* the helper died while decoding this image */
  AGG_DECODER_ERROR_OVERRUN,          /* the helper overran the deadline and was killed */
  AGG_DECODER_ERROR_HELPER,           /* the helper could not be started, or broke the protocol */
} AggDecoderError;

GQuark agg_decoder_error_quark (void);

/* How long past its deadline a helper may take before it is killed; an
 * image file may take a while longer, for the reading. */
#define AGG_DECODER_OVERRUN_MARGIN_MS 500
#define AGG_DECODER_FILE_MARGIN_MS 2000

#define AGG_TYPE_DECODER (agg_decoder_get_type ())

G_DECLARE_FINAL_TYPE (AggDecoder, agg_decoder, AGG, DECODER, GObject)

/* The helper is the one AGG_DECODE_HELPER names (the build tree's), else
 * the installed one, else the one beside the running program; the
 * construct-only property "helper-path" names another.  It starts with
 * the first image. */
AggDecoder      *agg_decoder_new               (void);

/* Copies the pixels; the caller may free them at once. */
void             agg_decoder_decode_async      (AggDecoder              *self,
                                                const guint8            *gray,
                                                guint                    width,
                                                guint                    height,
                                                gsize                    stride,
                                                const AggDecodeOptions  *options,
                                                GCancellable            *cancellable,
                                                GAsyncReadyCallback      callback,
                                                gpointer                 user_data);
/* The helper reads the file itself, so that a hostile file harms only it. */
void             agg_decoder_decode_file_async (AggDecoder              *self,
                                                const char              *path,
                                                const AggDecodeOptions  *options,
                                                GCancellable            *cancellable,
                                                GAsyncReadyCallback      callback,
                                                gpointer                 user_data);
AggDecodeResult *agg_decoder_decode_finish     (AggDecoder              *self,
                                                GAsyncResult            *result,
                                                GError                 **error);

/* How many times a helper was started again after a crash or an overrun. */
guint            agg_decoder_get_restarts      (AggDecoder              *self);

G_END_DECLS
