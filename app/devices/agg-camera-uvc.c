/* agg-camera-uvc.c: UVC webcams through GStreamer
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * v4l2src → videoconvert → appsink in GRAY8.  A webcam streams all the
 * time; a grab drops the frame the sink holds and waits for the next, so
 * that the image is taken after the trigger.  "videotestsrc" stands in
 * for the webcam where there is none.
 */

#include "config.h"

#include <gst/app/gstappsink.h>
#include <gst/gst.h>
#include <gst/video/video.h>
#include <gio/gio.h>
#include <glib/gi18n-lib.h>
#include <string.h>

#include "agg-camera-private.h"

struct _AggFrameSource
{
  GstElement *pipeline;
  GstElement *sink;
  char       *device;
};

static void
uvc_close (AggFrameSource *source)
{
  if (source->pipeline != NULL)
    gst_element_set_state (source->pipeline, GST_STATE_NULL);
  g_clear_object (&source->sink);
  g_clear_object (&source->pipeline);
  g_free (source->device);
  g_free (source);
}

/* The first error on the bus, if there is one. */
static gboolean
bus_error (AggFrameSource  *source,
           GError         **error)
{
  g_autoptr(GstBus) bus = gst_element_get_bus (source->pipeline);
  g_autoptr(GstMessage) message = gst_bus_pop_filtered (bus, GST_MESSAGE_ERROR);
  GError *gst_error = NULL;

  if (message == NULL)
    return FALSE;
  gst_message_parse_error (message, &gst_error, NULL);
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "%s: %s", source->device,
               gst_error->message);
  g_error_free (gst_error);
  return TRUE;
}

static AggFrameSource *
uvc_open (const AggFrameSettings  *settings,
          GError                 **error)
{
  AggFrameSource *source;
  GstElement *camera, *convert;
  g_autoptr(GstCaps) caps = NULL;
  GstStateChangeReturn ret;

  if (!gst_init_check (NULL, NULL, error))
    return NULL;

  source = g_new0 (AggFrameSource, 1);
  source->device = g_strdup (settings->device ? settings->device : settings->element);
  source->pipeline = gst_object_ref_sink (gst_pipeline_new (NULL));
  camera = gst_element_factory_make (settings->element, NULL);
  convert = gst_element_factory_make ("videoconvert", NULL);
  source->sink = gst_element_factory_make ("appsink", NULL);
  if (camera == NULL || convert == NULL || source->sink == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                   _("GStreamer lacks %s or videoconvert: install gstreamer1.0-plugins-good"),
                   settings->element);
      g_clear_object (&camera);
      g_clear_object (&convert);
      uvc_close (source);
      return NULL;
    }
  gst_object_ref (source->sink);
  if (settings->device != NULL && g_object_class_find_property (G_OBJECT_GET_CLASS (camera),
                                                                "device") != NULL)
    g_object_set (camera, "device", settings->device, NULL);

  caps = gst_caps_new_simple ("video/x-raw", "format", G_TYPE_STRING, "GRAY8", NULL);
  if (settings->width > 0 && settings->height > 0)
    gst_caps_set_simple (caps, "width", G_TYPE_INT, (int) settings->width,
                         "height", G_TYPE_INT, (int) settings->height, NULL);
  g_object_set (source->sink, "caps", caps, "max-buffers", 1, "drop", TRUE, "sync", FALSE,
                NULL);

  gst_bin_add_many (GST_BIN (source->pipeline), camera, convert, source->sink, NULL);
  if (!gst_element_link_many (camera, convert, source->sink, NULL))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                   _("%s: cannot deliver GRAY8 images of that size"), source->device);
      uvc_close (source);
      return NULL;
    }

  ret = gst_element_set_state (source->pipeline, GST_STATE_PLAYING);
  if (ret == GST_STATE_CHANGE_ASYNC)
    ret = gst_element_get_state (source->pipeline, NULL, NULL, 5 * GST_SECOND);
  if (ret == GST_STATE_CHANGE_FAILURE || ret == GST_STATE_CHANGE_ASYNC)
    {
      if (!bus_error (source, error))
        g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, _("%s: does not start streaming"),
                     source->device);
      uvc_close (source);
      return NULL;
    }
  return source;
}

static gboolean
uvc_grab (AggFrameSource  *source,
          guint            timeout_ms,
          AggFrame        *frame,
          GError         **error)
{
  GstAppSink *sink = GST_APP_SINK (source->sink);
  g_autoptr(GstSample) stale = gst_app_sink_try_pull_sample (sink, 0);
  g_autoptr(GstSample) sample = gst_app_sink_try_pull_sample (sink, timeout_ms * GST_MSECOND);
  GstVideoInfo info;
  GstMapInfo map;
  GstBuffer *buffer;
  guint8 *pixels;

  if (sample == NULL)
    {
      if (!bus_error (source, error))
        g_set_error (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT,
                     _("%s: no image within %u ms"), source->device, timeout_ms);
      return FALSE;
    }

  if (!gst_video_info_from_caps (&info, gst_sample_get_caps (sample)) ||
      GST_VIDEO_INFO_FORMAT (&info) != GST_VIDEO_FORMAT_GRAY8)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, _("%s: the image is not GRAY8"),
                   source->device);
      return FALSE;
    }

  buffer = gst_sample_get_buffer (sample);
  if (!gst_buffer_map (buffer, &map, GST_MAP_READ))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, _("%s: the image cannot be read"),
                   source->device);
      return FALSE;
    }

  /* Rows of GStreamer's video buffers are padded to 4 bytes: kept tight. */
  frame->width = GST_VIDEO_INFO_WIDTH (&info);
  frame->height = GST_VIDEO_INFO_HEIGHT (&info);
  frame->stride = frame->width;
  pixels = g_malloc ((gsize) frame->width * frame->height);
  for (guint y = 0; y < frame->height; y++)
    memcpy (pixels + (gsize) y * frame->width,
            map.data + (gsize) y * GST_VIDEO_INFO_PLANE_STRIDE (&info, 0), frame->width);
  gst_buffer_unmap (buffer, &map);
  frame->pixels = g_bytes_new_take (pixels, (gsize) frame->width * frame->height);
  return TRUE;
}

const AggFrameSourceFuncs agg_camera_uvc_funcs = {
  "uvc",
  uvc_open,
  uvc_grab,
  uvc_close,
};
