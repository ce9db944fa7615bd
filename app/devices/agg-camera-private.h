/* agg-camera-private.h: the frame sources behind AggCamera
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A frame source is a camera that delivers pixels on demand: a GenICam
 * camera through Aravis, a webcam through GStreamer.  Its functions block
 * and run on a worker thread, one call at a time per source.
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* What a frame source is opened with, from its [camera:NAME] group. */
typedef struct
{
  char   *device;                     /* Aravis device id or V4L2 device; NULL: the first */
  double  exposure_us;                /* Aravis; < 0: the camera's own */
  double  gain_db;                    /* Aravis; < 0: the camera's own */
  char   *element;                    /* GStreamer: "v4l2src" or "videotestsrc" */
  guint   width, height;              /* GStreamer: 0: the device's default */
} AggFrameSettings;

/* One 8-bit grayscale image. */
typedef struct
{
  GBytes *pixels;
  guint   width;
  guint   height;
  gsize   stride;
} AggFrame;

void agg_frame_clear (AggFrame *frame);

typedef struct _AggFrameSource AggFrameSource;

typedef struct
{
  const char      *name;              /* the configuration's type */
  AggFrameSource *(*open)  (const AggFrameSettings  *settings,
                            GError                 **error);
  /* Takes one image now, waiting at most @timeout_ms for it. */
  gboolean        (*grab)  (AggFrameSource          *source,
                            guint                    timeout_ms,
                            AggFrame                *frame,
                            GError                 **error);
  void            (*close) (AggFrameSource          *source);
} AggFrameSourceFuncs;

extern const AggFrameSourceFuncs agg_camera_aravis_funcs;
extern const AggFrameSourceFuncs agg_camera_uvc_funcs;

G_END_DECLS
