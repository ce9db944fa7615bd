/* agg-camera-aravis.c: GenICam cameras (GigE Vision, USB3 Vision) through Aravis
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The camera runs with a software trigger in Mono8: each grab fires the
 * trigger and waits for that one frame, so that the image is taken when
 * the case is under the camera, not whenever the camera last streamed.
 */

#include "config.h"

#include <arv.h>
#include <glib/gi18n-lib.h>
#include <string.h>

#include "agg-camera-private.h"

/* Buffers queued for the stream: one in use, one being filled, spares. */
#define N_BUFFERS 3

struct _AggFrameSource
{
  ArvCamera *camera;
  ArvStream *stream;
  char      *device;
};

static void
aravis_close (AggFrameSource *source)
{
  if (source->camera != NULL)
    arv_camera_stop_acquisition (source->camera, NULL);
  g_clear_object (&source->stream);
  g_clear_object (&source->camera);
  g_free (source->device);
  g_free (source);
}

static gboolean
prefix_error (GError     **error,
              const char  *device,
              const char  *what)
{
  g_prefix_error (error, "%s: %s: ", device, what);
  return FALSE;
}

static AggFrameSource *
aravis_open (const AggFrameSettings  *settings,
             GError                 **error)
{
  AggFrameSource *source = g_new0 (AggFrameSource, 1);
  GError *local_error = NULL;
  guint payload;

  /* Aravis' simulated camera, for commissioning without hardware. */
  if (settings->device != NULL && g_str_has_prefix (settings->device, "Fake"))
    arv_enable_interface ("Fake");

  source->device = g_strdup (settings->device ? settings->device : _("the first camera"));
  source->camera = arv_camera_new (settings->device, &local_error);
  if (source->camera == NULL)
    goto failed;

  arv_camera_set_pixel_format (source->camera, ARV_PIXEL_FORMAT_MONO_8, &local_error);
  if (local_error != NULL)
    {
      prefix_error (&local_error, source->device, _("no Mono8 pixel format"));
      goto failed;
    }
  if (settings->exposure_us >= 0)
    {
      arv_camera_set_exposure_time (source->camera, settings->exposure_us, &local_error);
      if (local_error != NULL)
        goto failed;
    }
  if (settings->gain_db >= 0)
    {
      arv_camera_set_gain (source->camera, settings->gain_db, &local_error);
      if (local_error != NULL)
        goto failed;
    }
  arv_camera_set_trigger (source->camera, "Software", &local_error);
  if (local_error != NULL)
    {
      prefix_error (&local_error, source->device, _("no software trigger"));
      goto failed;
    }

  source->stream = arv_camera_create_stream (source->camera, NULL, NULL, &local_error);
  if (source->stream == NULL)
    goto failed;
  payload = arv_camera_get_payload (source->camera, &local_error);
  if (local_error != NULL)
    goto failed;
  for (guint i = 0; i < N_BUFFERS; i++)
    arv_stream_push_buffer (source->stream, arv_buffer_new (payload, NULL));

  arv_camera_start_acquisition (source->camera, &local_error);
  if (local_error != NULL)
    goto failed;
  return source;

failed:
  g_propagate_error (error, local_error);
  aravis_close (source);
  return NULL;
}

static gboolean
aravis_grab (AggFrameSource  *source,
             guint            timeout_ms,
             AggFrame        *frame,
             GError         **error)
{
  GError *local_error = NULL;
  ArvBuffer *buffer;
  const guint8 *data;
  size_t size;
  gint width, height;

  /* A frame left over from before this trigger is not this case's. */
  while ((buffer = arv_stream_try_pop_buffer (source->stream)) != NULL)
    arv_stream_push_buffer (source->stream, buffer);

  arv_camera_software_trigger (source->camera, &local_error);
  if (local_error != NULL)
    {
      g_propagate_error (error, local_error);
      return prefix_error (error, source->device, _("trigger"));
    }

  buffer = arv_stream_timeout_pop_buffer (source->stream, (guint64) timeout_ms * 1000);
  if (buffer == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT,
                   _("%s: no image within %u ms of the trigger"), source->device, timeout_ms);
      return FALSE;
    }

  if (arv_buffer_get_status (buffer) != ARV_BUFFER_STATUS_SUCCESS)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                   _("%s: the image arrived incomplete (status %d)"), source->device,
                   arv_buffer_get_status (buffer));
      arv_stream_push_buffer (source->stream, buffer);
      return FALSE;
    }

  width = arv_buffer_get_image_width (buffer);
  height = arv_buffer_get_image_height (buffer);
  data = arv_buffer_get_image_data (buffer, &size);
  if (width <= 0 || height <= 0 || size < (size_t) width * height)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                   _("%s: an image of %d × %d in %zu bytes is no Mono8 image"), source->device,
                   width, height, size);
      arv_stream_push_buffer (source->stream, buffer);
      return FALSE;
    }

  frame->pixels = g_bytes_new (data, (gsize) width * height);
  frame->width = width;
  frame->height = height;
  frame->stride = width;
  arv_stream_push_buffer (source->stream, buffer);
  return TRUE;
}

const AggFrameSourceFuncs agg_camera_aravis_funcs = {
  "aravis",
  aravis_open,
  aravis_grab,
  aravis_close,
};
