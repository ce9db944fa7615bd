/* agg-framer.c: cutting a reader's byte stream into scans
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "agg-framer.h"

#define STX 0x02
#define ETX 0x03
#define GS  0x1d

struct _AggFramer
{
  AggFraming             framing;
  gsize                  max_frame;
  AggFramerFrameFunc     frame_func;
  AggFramerOversizeFunc  oversize_func;
  gpointer               user_data;

  guint8                *prefix;
  gsize                  prefix_len;
  int                    gs_substitute;
  gint64                 timeout_us;

  GByteArray            *buf;
  /* The frame under way grew too long: its bytes are dropped up to the
   * end of the frame. */
  gboolean               discarding;
  /* CRLF framing: a CR was the last byte read; the next one decides
   * whether it is data or half of the suffix. */
  gboolean               pending_cr;
  gint64                 last_byte_us;

  AggFramerStats         stats;
};

const char *
agg_framing_to_string (AggFraming framing)
{
  switch (framing)
    {
    case AGG_FRAMING_CR: return "cr";
    case AGG_FRAMING_LF: return "lf";
    case AGG_FRAMING_CRLF: return "crlf";
    case AGG_FRAMING_ETX: return "etx";
    case AGG_FRAMING_TIMEOUT: return "timeout";
    default: g_return_val_if_reached (NULL);
    }
}

AggFramer *
agg_framer_new (AggFraming             framing,
                gsize                  max_frame,
                AggFramerFrameFunc     frame_func,
                AggFramerOversizeFunc  oversize_func,
                gpointer               user_data)
{
  AggFramer *self;

  g_return_val_if_fail (framing <= AGG_FRAMING_TIMEOUT, NULL);
  g_return_val_if_fail (max_frame > 0, NULL);
  g_return_val_if_fail (frame_func != NULL, NULL);

  self = g_new0 (AggFramer, 1);
  self->framing = framing;
  self->max_frame = max_frame;
  self->frame_func = frame_func;
  self->oversize_func = oversize_func;
  self->user_data = user_data;
  self->gs_substitute = -1;
  self->timeout_us = 50 * G_TIME_SPAN_MILLISECOND;
  self->buf = g_byte_array_sized_new (MIN (max_frame, 256));
  return self;
}

void
agg_framer_free (AggFramer *self)
{
  if (self == NULL)
    return;
  g_byte_array_unref (self->buf);
  g_free (self->prefix);
  g_free (self);
}

void
agg_framer_set_prefix (AggFramer    *self,
                       const guint8 *prefix,
                       gsize         len)
{
  g_return_if_fail (self != NULL);
  g_return_if_fail (prefix != NULL || len == 0);

  g_clear_pointer (&self->prefix, g_free);
  self->prefix_len = len;
  if (len > 0)
    self->prefix = g_memdup2 (prefix, len);
}

void
agg_framer_set_gs_substitute (AggFramer *self,
                              int        c)
{
  g_return_if_fail (self != NULL);
  g_return_if_fail (c >= -1 && c <= 0xff);

  self->gs_substitute = c;
}

void
agg_framer_set_timeout (AggFramer *self,
                        gint64     timeout_us)
{
  g_return_if_fail (self != NULL);
  g_return_if_fail (timeout_us > 0);

  self->timeout_us = timeout_us;
}

static void
update_pending (AggFramer *self)
{
  self->stats.pending_bytes = self->buf->len + (self->pending_cr ? 1 : 0);
}

/* Adds @n bytes of data to the frame under way, or drops them when the
 * frame is, or becomes, too long. */
static void
append (AggFramer    *self,
        const guint8 *data,
        gsize         n)
{
  if (self->framing == AGG_FRAMING_ETX && !self->discarding && self->buf->len == 0)
    while (n > 0 && *data == STX)
      {
        self->stats.overhead_bytes++;
        data++;
        n--;
      }
  if (n == 0)
    return;

  if (self->discarding)
    {
      self->stats.discarded_bytes += n;
      return;
    }
  if (self->buf->len + n > self->max_frame)
    {
      self->stats.discarded_bytes += self->buf->len + n;
      self->stats.oversize++;
      g_byte_array_set_size (self->buf, 0);
      self->discarding = TRUE;
      if (self->oversize_func != NULL)
        self->oversize_func (self->user_data);
      return;
    }
  g_byte_array_append (self->buf, data, n);
}

/* The frame under way is complete: deliver it unless it is empty or was
 * too long. */
static void
end_frame (AggFramer *self)
{
  guint8 *data = self->buf->data;
  gsize len = self->buf->len;

  if (self->discarding)
    {
      self->discarding = FALSE;
      return;
    }

  if (self->prefix_len > 0 && len >= self->prefix_len
      && memcmp (data, self->prefix, self->prefix_len) == 0)
    {
      self->stats.overhead_bytes += self->prefix_len;
      data += self->prefix_len;
      len -= self->prefix_len;
    }

  if (len > 0)
    {
      if (self->gs_substitute >= 0)
        for (gsize i = 0; i < len; i++)
          if (data[i] == self->gs_substitute)
            data[i] = GS;
      self->stats.frames++;
      self->stats.frame_bytes += len;
      self->frame_func (data, len, self->user_data);
    }
  g_byte_array_set_size (self->buf, 0);
}

static void
push_terminated (AggFramer    *self,
                 const guint8 *data,
                 gsize         len,
                 guint8        suffix)
{
  while (len > 0)
    {
      const guint8 *end = memchr (data, suffix, len);
      gsize seg = end != NULL ? (gsize) (end - data) : len;

      append (self, data, seg);
      if (end == NULL)
        return;
      self->stats.overhead_bytes++;
      end_frame (self);
      data += seg + 1;
      len -= seg + 1;
    }
}

static void
push_crlf (AggFramer    *self,
           const guint8 *data,
           gsize         len)
{
  static const guint8 cr = '\r';
  static const guint8 lf = '\n';

  while (len > 0)
    {
      const guint8 *end = memchr (data, '\n', len);
      gsize seg = end != NULL ? (gsize) (end - data) : len;
      gboolean ends_with_cr;

      if (seg > 0 && self->pending_cr)
        {
          /* A CR followed by data is data. */
          self->pending_cr = FALSE;
          append (self, &cr, 1);
        }

      if (end == NULL)
        {
          if (data[seg - 1] == '\r')
            {
              append (self, data, seg - 1);
              self->pending_cr = TRUE;
            }
          else
            append (self, data, seg);
          return;
        }

      if (seg > 0)
        {
          ends_with_cr = data[seg - 1] == '\r';
          append (self, data, ends_with_cr ? seg - 1 : seg);
        }
      else
        {
          ends_with_cr = self->pending_cr;
          self->pending_cr = FALSE;
        }

      if (ends_with_cr)
        {
          self->stats.overhead_bytes += 2;
          end_frame (self);
        }
      else
        append (self, &lf, 1);
      data += seg + 1;
      len -= seg + 1;
    }
}

void
agg_framer_push (AggFramer    *self,
                 const guint8 *data,
                 gsize         len,
                 gint64        now_us)
{
  g_return_if_fail (self != NULL);
  g_return_if_fail (data != NULL || len == 0);

  if (len == 0)
    return;
  self->stats.bytes += len;

  switch (self->framing)
    {
    case AGG_FRAMING_CR:
      push_terminated (self, data, len, '\r');
      break;
    case AGG_FRAMING_LF:
      push_terminated (self, data, len, '\n');
      break;
    case AGG_FRAMING_ETX:
      push_terminated (self, data, len, ETX);
      break;
    case AGG_FRAMING_CRLF:
      push_crlf (self, data, len);
      break;
    case AGG_FRAMING_TIMEOUT:
      /* The silence may have passed before the owner flushed. */
      agg_framer_flush_timeout (self, now_us);
      append (self, data, len);
      self->last_byte_us = now_us;
      break;
    default:
      g_assert_not_reached ();
    }
  update_pending (self);
}

gint64
agg_framer_get_deadline (AggFramer *self)
{
  g_return_val_if_fail (self != NULL, -1);

  if (self->framing != AGG_FRAMING_TIMEOUT || (self->buf->len == 0 && !self->discarding))
    return -1;
  return self->last_byte_us + self->timeout_us;
}

void
agg_framer_flush_timeout (AggFramer *self,
                          gint64     now_us)
{
  gint64 deadline;

  g_return_if_fail (self != NULL);

  deadline = agg_framer_get_deadline (self);
  if (deadline < 0 || now_us < deadline)
    return;
  end_frame (self);
  update_pending (self);
}

gboolean
agg_framer_abandon (AggFramer *self)
{
  gboolean had_frame;

  g_return_val_if_fail (self != NULL, FALSE);

  had_frame = !self->discarding && (self->buf->len > 0 || self->pending_cr);
  self->stats.discarded_bytes += self->buf->len + (self->pending_cr ? 1 : 0);
  g_byte_array_set_size (self->buf, 0);
  self->pending_cr = FALSE;
  self->discarding = FALSE;
  update_pending (self);
  return had_frame;
}

void
agg_framer_get_stats (AggFramer      *self,
                      AggFramerStats *stats)
{
  g_return_if_fail (self != NULL);
  g_return_if_fail (stats != NULL);

  *stats = self->stats;
}
