/* agg-reader.c: a barcode reader on a serial port or on TCP
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Serial ports are driven with termios directly rather than through
 * libserialport: libserialport 0.1.1 (bookworm) refuses every tty that has
 * no entry in /sys/class/tty, which includes the pseudo-terminals of
 * serial-over-network bridges (socat, ser2net) and of the tests, while on
 * Linux all it would add over termios is enumeration.
 *
 * The port's descriptor is non-blocking and watched with a GUnixFDSource
 * in the reader's main context rather than read by a thread: a scan is a
 * few dozen bytes, framing them costs microseconds, and the timeout
 * framing's deadline and the reconnection timers live in the same
 * context, so a thread would only add a hand-off and locking.  Sockets are
 * watched the same way.
 */

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <gio/gio.h>
#include <glib-unix.h>
#include <glib/gi18n-lib.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include "agg-framer.h"
#include "agg-reader.h"

/* How often an open serial port checks that its device node is still the
 * one it opened: some adapters vanish without a hang-up. */
#define NODE_CHECK_INTERVAL_MS 1000
/* Bytes read per wake-up at most, so that a flood from one reader cannot
 * starve the rest of the main context. */
#define READS_PER_WAKEUP 16
#define READ_SIZE 4096

typedef enum
{
  STATE_STOPPED,
  STATE_CONNECTING,
  STATE_CONNECTED,
  STATE_WAITING,
  STATE_LISTENING,
} ReaderState;

static const char * const state_names[] = {
  "stopped", "connecting", "connected", "waiting", "listening",
};

/* One open byte stream: the serial port, the client connection or one
 * peer of a server, each with a framer of its own. */
typedef struct
{
  AggReader         *reader;
  int                fd;
  dev_t              rdev;
  GSocketConnection *connection;
  GSource           *read_source;
  GSource           *node_check;
  GSource           *timer;
  AggFramer         *framer;
} Link;

/* A signal to emit once the I/O that caused it is done. */
typedef struct
{
  guint   signal;
  GBytes *payload;
  char   *message;
} Event;

struct _AggReader
{
  GObject        parent_instance;

  /* Configuration. */
  char          *name;
  AggReaderType  type;
  AggReaderRole  role;
  AggReaderKind  kind;
  char          *device;
  guint          baud;
  guint          data_bits;
  guint          parity;
  guint          stop_bits;
  guint          flow_control;
  char          *host;
  guint16        port;
  char          *listen;
  gboolean       keepalive;
  guint          connect_timeout_s;
  AggFraming     framing;
  guint64        frame_timeout_ms;
  GBytes        *prefix;
  int            gs_substitute;
  gsize          max_frame;
  guint64        reconnect_min_ms;
  guint64        reconnect_max_ms;
  GBytes        *trigger_command;
  char          *no_read;

  /* Running. */
  GMainContext  *context;
  ReaderState    state;
  gboolean       connected;
  gboolean       ever_connected;
  guint          attempt;
  GSource       *retry;
  GCancellable  *cancellable;
  Link          *link;
  GSocketService *service;
  GPtrArray     *peers;

  GQueue         events;
  gboolean       connected_changed;
  gboolean       status_dirty;

  /* Counters. */
  guint64        frames;
  guint64        good;
  guint64        bad;
  guint64        discarded;
  guint64        reconnects;
  guint64        bytes;
  char          *last_error;
  GDateTime     *last_frame_at;
};

G_DEFINE_TYPE (AggReader, agg_reader, G_TYPE_OBJECT)

G_DEFINE_QUARK (agg-reader-error-quark, agg_reader_error)

enum
{
  PROP_0,
  PROP_CONNECTED,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

enum
{
  SIGNAL_FRAME,
  SIGNAL_FRAME_ERROR,
  SIGNAL_STATUS_CHANGED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void open_endpoint (AggReader *self);

static void
event_free (Event *event)
{
  g_clear_pointer (&event->payload, g_bytes_unref);
  g_free (event->message);
  g_free (event);
}

static void
queue_frame (AggReader *self,
             GBytes    *payload)
{
  Event *event = g_new0 (Event, 1);

  event->signal = signals[SIGNAL_FRAME];
  event->payload = payload;
  g_queue_push_tail (&self->events, event);
  self->status_dirty = TRUE;
}

static void
queue_frame_error (AggReader  *self,
                   const char *message)
{
  Event *event = g_new0 (Event, 1);

  event->signal = signals[SIGNAL_FRAME_ERROR];
  event->message = g_strdup (message);
  g_queue_push_tail (&self->events, event);
  self->status_dirty = TRUE;
}

static void
set_last_error (AggReader  *self,
                const char *message)
{
  g_free (self->last_error);
  self->last_error = g_strdup (message);
  self->status_dirty = TRUE;
}

static void
set_state (AggReader   *self,
           ReaderState  state)
{
  if (self->state == state)
    return;
  self->state = state;
  self->status_dirty = TRUE;
}

static void
set_connected (AggReader *self,
               gboolean   connected)
{
  if (self->connected == connected)
    return;
  self->connected = connected;
  self->connected_changed = TRUE;
  self->status_dirty = TRUE;
  if (connected)
    {
      if (self->ever_connected)
        self->reconnects++;
      self->ever_connected = TRUE;
      self->attempt = 0;
    }
}

/* Emits what the last I/O caused, in order.  Handlers may stop or drop
 * the reader; nothing here touches a link. */
static void
dispatch (AggReader *self)
{
  Event *event;

  g_object_ref (self);
  while ((event = g_queue_pop_head (&self->events)) != NULL)
    {
      if (event->signal == signals[SIGNAL_FRAME])
        g_signal_emit (self, event->signal, 0, event->payload);
      else
        g_signal_emit (self, event->signal, 0, event->message);
      event_free (event);
    }
  if (self->connected_changed)
    {
      self->connected_changed = FALSE;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CONNECTED]);
    }
  if (self->status_dirty)
    {
      self->status_dirty = FALSE;
      g_signal_emit (self, signals[SIGNAL_STATUS_CHANGED], 0);
    }
  g_object_unref (self);
}

/* Links */

static void
link_frame_cb (const guint8 *data,
               gsize         len,
               gpointer      user_data)
{
  Link *link = user_data;
  AggReader *self = link->reader;

  if (self->no_read != NULL && len == strlen (self->no_read)
      && memcmp (data, self->no_read, len) == 0)
    {
      g_autofree char *message = NULL;

      self->bad++;
      /* Translators: the reader's name, then what it sent for a failed read. */
      message = g_strdup_printf (_("Reader “%s” could not read a code (it sent “%s”)"),
                                 self->name, self->no_read);
      queue_frame_error (self, message);
      return;
    }

  self->frames++;
  g_clear_pointer (&self->last_frame_at, g_date_time_unref);
  self->last_frame_at = g_date_time_new_now_local ();
  queue_frame (self, g_bytes_new (data, len));
}

static void
link_oversize_cb (gpointer user_data)
{
  Link *link = user_data;
  AggReader *self = link->reader;
  g_autofree char *message = NULL;

  self->discarded++;
  /* Translators: the reader's name, then the largest frame in bytes. */
  message = g_strdup_printf (_("Reader “%s” sent more than %zu bytes without "
                               "ending the scan; the scan was discarded"),
                             self->name, self->max_frame);
  set_last_error (self, message);
  queue_frame_error (self, message);
}

static gboolean
timer_dispatch (GSource     *source,
                GSourceFunc  callback,
                gpointer     user_data)
{
  g_source_set_ready_time (source, -1);
  return callback (user_data);
}

static GSourceFuncs timer_funcs = {
  .dispatch = timer_dispatch,
};

static void
link_arm_timer (Link *link)
{
  g_source_set_ready_time (link->timer, agg_framer_get_deadline (link->framer));
}

static gboolean
link_timer_cb (gpointer user_data)
{
  Link *link = user_data;
  AggReader *self = link->reader;

  agg_framer_flush_timeout (link->framer, g_get_monotonic_time ());
  link_arm_timer (link);
  dispatch (self);
  return G_SOURCE_CONTINUE;
}

static Link *
link_new (AggReader *self)
{
  Link *link = g_new0 (Link, 1);

  link->reader = self;
  link->fd = -1;
  link->framer = agg_framer_new (self->framing, self->max_frame,
                                 link_frame_cb, link_oversize_cb, link);
  if (self->prefix != NULL)
    agg_framer_set_prefix (link->framer, g_bytes_get_data (self->prefix, NULL),
                           g_bytes_get_size (self->prefix));
  agg_framer_set_gs_substitute (link->framer, self->gs_substitute);
  agg_framer_set_timeout (link->framer, self->frame_timeout_ms * G_TIME_SPAN_MILLISECOND);

  link->timer = g_source_new (&timer_funcs, sizeof (GSource));
  g_source_set_callback (link->timer, link_timer_cb, link, NULL);
  g_source_set_static_name (link->timer, "[agg] reader frame timeout");
  g_source_attach (link->timer, self->context);
  return link;
}

static void
destroy_source (GSource **source)
{
  if (*source == NULL)
    return;
  g_source_destroy (*source);
  g_clear_pointer (source, g_source_unref);
}

static void
link_free (Link *link)
{
  destroy_source (&link->read_source);
  destroy_source (&link->node_check);
  destroy_source (&link->timer);
  if (link->fd >= 0)
    close (link->fd);
  if (link->connection != NULL)
    {
      g_io_stream_close (G_IO_STREAM (link->connection), NULL, NULL);
      g_object_unref (link->connection);
    }
  agg_framer_free (link->framer);
  g_free (link);
}

static void
link_feed (Link         *link,
           const guint8 *data,
           gsize         len)
{
  link->reader->bytes += len;
  link->reader->status_dirty = TRUE;
  agg_framer_push (link->framer, data, len, g_get_monotonic_time ());
}

static void schedule_retry (AggReader *self);

/* The link's device or connection is gone: a frame under way is dropped
 * and reported, and the reader goes back to reopening or listening. */
static void
link_lost (AggReader  *self,
           Link       *link,
           const char *reason)
{
  if (agg_framer_abandon (link->framer))
    {
      g_autofree char *message = NULL;

      self->discarded++;
      /* Translators: the reader's name. */
      message = g_strdup_printf (_("Reader “%s”: a partial scan was discarded when the "
                                   "connection was lost"), self->name);
      queue_frame_error (self, message);
    }
  if (reason != NULL)
    set_last_error (self, reason);

  if (self->type == AGG_READER_TCP_SERVER)
    {
      g_ptr_array_remove (self->peers, link);
      if (self->peers->len == 0)
        {
          set_connected (self, FALSE);
          set_state (self, STATE_LISTENING);
        }
      return;
    }

  g_assert (link == self->link);
  g_clear_pointer (&self->link, link_free);
  set_connected (self, FALSE);
  schedule_retry (self);
}

/* Backoff */

static gboolean
retry_cb (gpointer user_data)
{
  AggReader *self = user_data;

  g_clear_pointer (&self->retry, g_source_unref);
  open_endpoint (self);
  dispatch (self);
  return G_SOURCE_REMOVE;
}

/* Exponential backoff with full jitter: the n-th attempt in a row waits a
 * random time between reconnect-min and min (reconnect-max,
 * reconnect-min × 2ⁿ), so that readers that lost a shared switch do not
 * all come back at once. */
static void
schedule_retry (AggReader *self)
{
  guint64 cap = self->reconnect_min_ms << MIN (self->attempt, 20);
  guint64 delay;

  cap = MIN (cap, self->reconnect_max_ms);
  delay = cap > self->reconnect_min_ms
          ? (guint64) g_random_double_range ((double) self->reconnect_min_ms, (double) cap)
          : self->reconnect_min_ms;
  self->attempt++;

  destroy_source (&self->retry);
  self->retry = g_timeout_source_new ((guint) delay);
  g_source_set_callback (self->retry, retry_cb, self, NULL);
  g_source_set_static_name (self->retry, "[agg] reader reconnect");
  g_source_attach (self->retry, self->context);
  set_state (self, STATE_WAITING);
}

/* Serial ports */

static const struct { guint baud; speed_t speed; } baud_rates[] = {
  { 1200, B1200 }, { 2400, B2400 }, { 4800, B4800 }, { 9600, B9600 },
  { 19200, B19200 }, { 38400, B38400 }, { 57600, B57600 }, { 115200, B115200 },
  { 230400, B230400 }, { 460800, B460800 }, { 921600, B921600 },
};

enum { PARITY_NONE, PARITY_ODD, PARITY_EVEN };
enum { FLOW_NONE, FLOW_XONXOFF, FLOW_RTSCTS };

static gboolean
serial_readable_cb (int          fd,
                    GIOCondition condition,
                    gpointer     user_data)
{
  Link *link = user_data;
  AggReader *self = link->reader;
  g_autofree char *lost = NULL;
  gboolean drained = FALSE;

  for (guint i = 0; i < READS_PER_WAKEUP; i++)
    {
      guint8 buf[READ_SIZE];
      ssize_t n = read (fd, buf, sizeof buf);

      if (n > 0)
        {
          link_feed (link, buf, n);
          continue;
        }
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0 && errno == EAGAIN)
        {
          drained = TRUE;
          break;
        }
      if (n == 0)
        /* Translators: the reader's name, then its device. */
        lost = g_strdup_printf (_("Reader “%s”: %s hung up"), self->name, self->device);
      else
        /* Translators: the reader's name, its device, then the system's reason. */
        lost = g_strdup_printf (_("Reader “%s”: reading %s failed: %s"),
                                self->name, self->device, g_strerror (errno));
      break;
    }
  if (lost == NULL && drained && (condition & (G_IO_HUP | G_IO_ERR | G_IO_NVAL)) != 0)
    lost = g_strdup_printf (_("Reader “%s”: %s hung up"), self->name, self->device);

  if (lost != NULL)
    link_lost (self, link, lost);
  else
    link_arm_timer (link);
  dispatch (self);
  return G_SOURCE_CONTINUE;
}

static gboolean
serial_node_check_cb (gpointer user_data)
{
  Link *link = user_data;
  AggReader *self = link->reader;
  struct stat st;

  if (stat (self->device, &st) == 0 && st.st_rdev == link->rdev)
    return G_SOURCE_CONTINUE;

  {
    g_autofree char *message = NULL;

    /* Translators: the reader's name, then its device. */
    message = g_strdup_printf (_("Reader “%s”: %s is gone"), self->name, self->device);
    link_lost (self, link, message);
  }
  dispatch (self);
  return G_SOURCE_CONTINUE;
}

static gboolean
serial_configure (AggReader  *self,
                  int         fd,
                  GError    **error)
{
  static const tcflag_t sizes[] = { CS5, CS6, CS7, CS8 };
  struct termios tio;
  speed_t speed = B9600;

  for (guint i = 0; i < G_N_ELEMENTS (baud_rates); i++)
    if (baud_rates[i].baud == self->baud)
      speed = baud_rates[i].speed;

  if (tcgetattr (fd, &tio) < 0)
    goto fail;
  cfmakeraw (&tio);
  tio.c_cflag |= CLOCAL | CREAD;
  tio.c_cflag &= ~(CSIZE | PARENB | PARODD | CSTOPB | CRTSCTS);
  tio.c_cflag |= sizes[self->data_bits - 5];
  if (self->parity != PARITY_NONE)
    tio.c_cflag |= PARENB | (self->parity == PARITY_ODD ? PARODD : 0);
  if (self->stop_bits == 2)
    tio.c_cflag |= CSTOPB;
  tio.c_iflag &= ~(IXON | IXOFF | IXANY);
  if (self->flow_control == FLOW_XONXOFF)
    tio.c_iflag |= IXON | IXOFF;
  else if (self->flow_control == FLOW_RTSCTS)
    tio.c_cflag |= CRTSCTS;
  tio.c_cc[VMIN] = 1;
  tio.c_cc[VTIME] = 0;
  if (cfsetispeed (&tio, speed) < 0 || cfsetospeed (&tio, speed) < 0
      || tcsetattr (fd, TCSANOW, &tio) < 0)
    goto fail;
  return TRUE;

fail:
  {
    int saved = errno;

    g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
                 /* Translators: the reader's name, its device, then the system's reason. */
                 _("Reader “%s”: cannot set up %s: %s"), self->name, self->device,
                 g_strerror (saved));
    return FALSE;
  }
}

static gboolean
serial_open (AggReader  *self,
             GError    **error)
{
  Link *link;
  struct stat st;
  int fd;

  fd = open (self->device, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0)
    {
      int saved = errno;

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
                   /* Translators: the reader's name, its device, then the system's reason. */
                   _("Reader “%s”: cannot open %s: %s"), self->name, self->device,
                   g_strerror (saved));
      return FALSE;
    }
  /* Exclusive: a modem manager or a second station probing the port would
   * swallow scans. */
  if (ioctl (fd, TIOCEXCL) < 0 || fstat (fd, &st) < 0 || !serial_configure (self, fd, error))
    {
      if (error != NULL && *error == NULL)
        {
          int saved = errno;

          g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
                       _("Reader “%s”: cannot set up %s: %s"), self->name, self->device,
                       g_strerror (saved));
        }
      close (fd);
      return FALSE;
    }

  link = link_new (self);
  link->fd = fd;
  link->rdev = st.st_rdev;
  link->read_source = g_unix_fd_source_new (fd, G_IO_IN | G_IO_HUP | G_IO_ERR);
  g_source_set_callback (link->read_source, (GSourceFunc) G_CALLBACK (serial_readable_cb),
                         link, NULL);
  g_source_set_static_name (link->read_source, "[agg] reader serial");
  g_source_attach (link->read_source, self->context);
  link->node_check = g_timeout_source_new (NODE_CHECK_INTERVAL_MS);
  g_source_set_callback (link->node_check, serial_node_check_cb, link, NULL);
  g_source_set_static_name (link->node_check, "[agg] reader node check");
  g_source_attach (link->node_check, self->context);
  self->link = link;
  return TRUE;
}

/* TCP, both ways */

static gboolean
socket_readable_cb (GSocket      *socket,
                    GIOCondition  condition,
                    gpointer      user_data)
{
  Link *link = user_data;
  AggReader *self = link->reader;
  g_autofree char *lost = NULL;
  gboolean closed = FALSE;

  for (guint i = 0; i < READS_PER_WAKEUP; i++)
    {
      g_autoptr(GError) error = NULL;
      guint8 buf[READ_SIZE];
      gssize n = g_socket_receive_with_blocking (socket, (char *) buf, sizeof buf, FALSE,
                                                 NULL, &error);

      if (n > 0)
        {
          link_feed (link, buf, n);
          continue;
        }
      if (n < 0 && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
        break;
      closed = TRUE;
      if (n < 0)
        /* Translators: the reader's name, then the system's reason. */
        lost = g_strdup_printf (_("Reader “%s”: the connection failed: %s"),
                                self->name, error->message);
      else if (self->type == AGG_READER_TCP_CLIENT)
        /* Translators: the reader's name. */
        lost = g_strdup_printf (_("Reader “%s” closed the connection"), self->name);
      break;
    }

  if (closed)
    link_lost (self, link, lost);
  else
    link_arm_timer (link);
  dispatch (self);
  return G_SOURCE_CONTINUE;
}

static Link *
socket_link_new (AggReader         *self,
                 GSocketConnection *connection)
{
  GSocket *socket = g_socket_connection_get_socket (connection);
  Link *link = link_new (self);

  /* The connect timeout also applies to reads; an idle reader is not a
   * dead one. */
  g_socket_set_timeout (socket, 0);
  if (self->keepalive)
    {
      /* Probes after 10 s of silence, every 5 s, 3 unanswered: a pulled
       * cable is noticed in about 25 s instead of two hours. */
      g_socket_set_keepalive (socket, TRUE);
      g_socket_set_option (socket, IPPROTO_TCP, TCP_KEEPIDLE, 10, NULL);
      g_socket_set_option (socket, IPPROTO_TCP, TCP_KEEPINTVL, 5, NULL);
      g_socket_set_option (socket, IPPROTO_TCP, TCP_KEEPCNT, 3, NULL);
    }
  link->connection = g_object_ref (connection);
  link->read_source = g_socket_create_source (socket, G_IO_IN | G_IO_HUP | G_IO_ERR, NULL);
  g_source_set_callback (link->read_source, (GSourceFunc) G_CALLBACK (socket_readable_cb),
                         link, NULL);
  g_source_set_static_name (link->read_source, "[agg] reader socket");
  g_source_attach (link->read_source, self->context);
  return link;
}

typedef struct
{
  AggReader    *self;
  GCancellable *cancellable;
} Attempt;

static void
attempt_free (Attempt *attempt)
{
  g_object_unref (attempt->self);
  g_object_unref (attempt->cancellable);
  g_free (attempt);
}

static void
client_connected_cb (GObject      *source,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  Attempt *attempt = user_data;
  AggReader *self = attempt->self;
  g_autoptr(GError) error = NULL;
  g_autoptr(GSocketConnection) connection = NULL;

  connection = g_socket_client_connect_to_host_finish (G_SOCKET_CLIENT (source), result, &error);
  if (g_cancellable_is_cancelled (attempt->cancellable))
    {
      attempt_free (attempt);
      return;
    }
  g_clear_object (&self->cancellable);

  if (connection == NULL)
    {
      g_autofree char *message = NULL;

      /* Translators: the reader's name, host:port, then the system's reason. */
      message = g_strdup_printf (_("Reader “%s”: cannot connect to %s:%u: %s"),
                                 self->name, self->host, self->port, error->message);
      set_last_error (self, message);
      schedule_retry (self);
    }
  else
    {
      self->link = socket_link_new (self, connection);
      set_state (self, STATE_CONNECTED);
      set_connected (self, TRUE);
    }
  dispatch (self);
  attempt_free (attempt);
}

static void
client_connect (AggReader *self)
{
  g_autoptr(GSocketClient) client = g_socket_client_new ();
  Attempt *attempt = g_new0 (Attempt, 1);

  /* Readers sit on the plant network: no proxy, whatever the
   * environment says. */
  g_socket_client_set_enable_proxy (client, FALSE);
  g_socket_client_set_timeout (client, self->connect_timeout_s);
  self->cancellable = g_cancellable_new ();
  attempt->self = g_object_ref (self);
  attempt->cancellable = g_object_ref (self->cancellable);
  set_state (self, STATE_CONNECTING);

  g_main_context_push_thread_default (self->context);
  g_socket_client_connect_to_host_async (client, self->host, self->port, self->cancellable,
                                         client_connected_cb, attempt);
  g_main_context_pop_thread_default (self->context);
}

static gboolean
server_incoming_cb (GSocketService    *service,
                    GSocketConnection *connection,
                    GObject           *source_object,
                    gpointer           user_data)
{
  AggReader *self = user_data;

  g_ptr_array_add (self->peers, socket_link_new (self, connection));
  set_state (self, STATE_CONNECTED);
  set_connected (self, TRUE);
  dispatch (self);
  return TRUE;
}

static void
server_close (AggReader *self)
{
  if (self->service == NULL)
    return;
  g_signal_handlers_disconnect_by_data (self->service, self);
  g_socket_service_stop (self->service);
  g_socket_listener_close (G_SOCKET_LISTENER (self->service));
  g_clear_object (&self->service);
}

static gboolean
server_listen (AggReader  *self,
               GError    **error)
{
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new_from_string (self->listen,
                                                                              self->port);
  g_autoptr(GError) local_error = NULL;
  gboolean ok;

  self->service = g_socket_service_new ();
  g_signal_connect (self->service, "incoming", G_CALLBACK (server_incoming_cb), self);
  /* The service accepts in the thread-default context of the moment it
   * learns of the address. */
  g_main_context_push_thread_default (self->context);
  ok = g_socket_listener_add_address (G_SOCKET_LISTENER (self->service), address,
                                      G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP,
                                      NULL, NULL, &local_error);
  if (ok)
    g_socket_service_start (self->service);
  g_main_context_pop_thread_default (self->context);

  if (!ok)
    {
      server_close (self);
      /* Translators: the reader's name, address:port, then the system's reason. */
      g_set_error (error, G_IO_ERROR, local_error->code,
                   _("Reader “%s”: cannot listen on %s:%u: %s"),
                   self->name, self->listen, self->port, local_error->message);
      return FALSE;
    }
  return TRUE;
}

/* Opening */

static void
open_endpoint (AggReader *self)
{
  g_autoptr(GError) error = NULL;

  switch (self->type)
    {
    case AGG_READER_SERIAL:
      if (serial_open (self, &error))
        {
          set_state (self, STATE_CONNECTED);
          set_connected (self, TRUE);
        }
      else
        {
          set_last_error (self, error->message);
          schedule_retry (self);
        }
      break;

    case AGG_READER_TCP_CLIENT:
      client_connect (self);
      break;

    case AGG_READER_TCP_SERVER:
      if (server_listen (self, &error))
        {
          self->attempt = 0;
          set_state (self, STATE_LISTENING);
        }
      else
        {
          set_last_error (self, error->message);
          schedule_retry (self);
        }
      break;

    default:
      g_assert_not_reached ();
    }
}

gboolean
agg_reader_start (AggReader  *self,
                  GError    **error)
{
  g_return_val_if_fail (AGG_IS_READER (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (self->state != STATE_STOPPED)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_BUSY,
                   /* Translators: the reader's name. */
                   _("Reader “%s” is already started"), self->name);
      return FALSE;
    }

  self->context = g_main_context_ref_thread_default ();
  self->attempt = 0;
  self->ever_connected = FALSE;
  open_endpoint (self);
  dispatch (self);
  return TRUE;
}

/* Closes every port, connection and timer; what was not emitted yet is
 * dropped. */
static void
teardown (AggReader *self)
{
  if (self->cancellable != NULL)
    {
      g_cancellable_cancel (self->cancellable);
      g_clear_object (&self->cancellable);
    }
  destroy_source (&self->retry);
  g_clear_pointer (&self->link, link_free);
  g_ptr_array_set_size (self->peers, 0);
  server_close (self);
  g_queue_clear_full (&self->events, (GDestroyNotify) event_free);
  g_clear_pointer (&self->context, g_main_context_unref);
}

void
agg_reader_stop (AggReader *self)
{
  g_return_if_fail (AGG_IS_READER (self));

  if (self->state == STATE_STOPPED)
    return;

  teardown (self);

  set_connected (self, FALSE);
  set_state (self, STATE_STOPPED);
  dispatch (self);
}

gboolean
agg_reader_get_connected (AggReader *self)
{
  g_return_val_if_fail (AGG_IS_READER (self), FALSE);

  return self->connected;
}

/* Writes all of @data without blocking; a trigger command is a few bytes
 * and goes out at once or not at all. */
static gboolean
link_send (AggReader  *self,
           Link       *link,
           GBytes     *data,
           GError    **error)
{
  gsize len;
  const char *bytes = g_bytes_get_data (data, &len);
  gssize n;

  if (link->fd >= 0)
    {
      do
        n = write (link->fd, bytes, len);
      while (n < 0 && errno == EINTR);
      if (n == (gssize) len)
        return TRUE;
      g_set_error (error, AGG_READER_ERROR, AGG_READER_ERROR_SEND,
                   /* Translators: the reader's name, then the system's reason. */
                   _("Reader “%s”: the trigger command could not be sent: %s"), self->name,
                   n < 0 ? g_strerror (errno) : _("the port is busy"));
      return FALSE;
    }
  else
    {
      g_autoptr(GError) local_error = NULL;
      GSocket *socket = g_socket_connection_get_socket (link->connection);

      n = g_socket_send_with_blocking (socket, bytes, len, FALSE, NULL, &local_error);
      if (n == (gssize) len)
        return TRUE;
      g_set_error (error, AGG_READER_ERROR, AGG_READER_ERROR_SEND,
                   _("Reader “%s”: the trigger command could not be sent: %s"), self->name,
                   n < 0 ? local_error->message : _("the connection is busy"));
      return FALSE;
    }
}

gboolean
agg_reader_trigger (AggReader  *self,
                    GError    **error)
{
  g_return_val_if_fail (AGG_IS_READER (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (self->trigger_command == NULL)
    {
      g_set_error (error, AGG_READER_ERROR, AGG_READER_ERROR_NO_TRIGGER,
                   /* Translators: the reader's name. */
                   _("Reader “%s” has no trigger-command"), self->name);
      return FALSE;
    }
  if (!self->connected)
    {
      g_set_error (error, AGG_READER_ERROR, AGG_READER_ERROR_NOT_CONNECTED,
                   /* Translators: the reader's name. */
                   _("Reader “%s” is not connected"), self->name);
      return FALSE;
    }

  if (self->type == AGG_READER_TCP_SERVER)
    {
      for (guint i = 0; i < self->peers->len; i++)
        if (!link_send (self, g_ptr_array_index (self->peers, i), self->trigger_command, error))
          return FALSE;
      return TRUE;
    }
  return link_send (self, self->link, self->trigger_command, error);
}

void
agg_reader_note_result (AggReader *self,
                        gboolean   good)
{
  g_return_if_fail (AGG_IS_READER (self));

  if (good)
    self->good++;
  else
    self->bad++;
  g_signal_emit (self, signals[SIGNAL_STATUS_CHANGED], 0);
}

static char *
endpoint (AggReader *self)
{
  switch (self->type)
    {
    case AGG_READER_SERIAL:
      return g_strdup (self->device);
    case AGG_READER_TCP_CLIENT:
      return strchr (self->host, ':') != NULL ? g_strdup_printf ("[%s]:%u", self->host, self->port)
                                              : g_strdup_printf ("%s:%u", self->host, self->port);
    case AGG_READER_TCP_SERVER:
      return strchr (self->listen, ':') != NULL
             ? g_strdup_printf ("[%s]:%u", self->listen, self->port)
             : g_strdup_printf ("%s:%u", self->listen, self->port);
    default:
      g_return_val_if_reached (NULL);
    }
}

JsonObject *
agg_reader_dup_status (AggReader *self)
{
  JsonObject *object;
  g_autofree char *where = NULL;

  g_return_val_if_fail (AGG_IS_READER (self), NULL);

  where = endpoint (self);
  object = json_object_new ();
  json_object_set_string_member (object, "name", self->name);
  json_object_set_string_member (object, "type", agg_reader_type_to_string (self->type));
  json_object_set_string_member (object, "role", agg_reader_role_to_string (self->role));
  json_object_set_string_member (object, "kind", agg_reader_kind_to_string (self->kind));
  json_object_set_string_member (object, "endpoint", where);
  json_object_set_boolean_member (object, "connected", self->connected);
  json_object_set_string_member (object, "state", state_names[self->state]);
  json_object_set_int_member (object, "frames", (gint64) self->frames);
  json_object_set_int_member (object, "good", (gint64) self->good);
  json_object_set_int_member (object, "bad", (gint64) self->bad);
  json_object_set_int_member (object, "discarded", (gint64) self->discarded);
  json_object_set_int_member (object, "reconnects", (gint64) self->reconnects);
  json_object_set_int_member (object, "bytes", (gint64) self->bytes);
  if (self->type == AGG_READER_TCP_SERVER)
    json_object_set_int_member (object, "peers", self->peers->len);
  if (self->last_error != NULL)
    json_object_set_string_member (object, "last_error", self->last_error);
  else
    json_object_set_null_member (object, "last_error");
  if (self->last_frame_at != NULL)
    {
      g_autofree char *at = g_date_time_format_iso8601 (self->last_frame_at);

      json_object_set_string_member (object, "last_frame_at", at);
    }
  else
    json_object_set_null_member (object, "last_frame_at");
  return object;
}

const char *
agg_reader_get_name (AggReader *self)
{
  g_return_val_if_fail (AGG_IS_READER (self), NULL);

  return self->name;
}

AggReaderType
agg_reader_get_reader_type (AggReader *self)
{
  g_return_val_if_fail (AGG_IS_READER (self), AGG_READER_SERIAL);

  return self->type;
}

AggReaderRole
agg_reader_get_role (AggReader *self)
{
  g_return_val_if_fail (AGG_IS_READER (self), AGG_READER_ROLE_ANY);

  return self->role;
}

AggReaderKind
agg_reader_get_kind (AggReader *self)
{
  g_return_val_if_fail (AGG_IS_READER (self), AGG_READER_KIND_HANDHELD);

  return self->kind;
}

static const char * const type_names[] = { "serial", "tcp-client", "tcp-server", NULL };
static const char * const role_names[] = { "unit", "case", "any", NULL };
static const char * const kind_names[] = { "handheld", "fixed", NULL };

const char *
agg_reader_type_to_string (AggReaderType type)
{
  g_return_val_if_fail (type <= AGG_READER_TCP_SERVER, NULL);

  return type_names[type];
}

const char *
agg_reader_role_to_string (AggReaderRole role)
{
  g_return_val_if_fail (role <= AGG_READER_ROLE_ANY, NULL);

  return role_names[role];
}

const char *
agg_reader_kind_to_string (AggReaderKind kind)
{
  g_return_val_if_fail (kind <= AGG_READER_KIND_FIXED, NULL);

  return kind_names[kind];
}

/* Configuration */

static const char * const common_keys[] = {
  "type", "role", "kind", "framing", "frame-timeout", "prefix", "gs-substitute", "max-frame",
  "reconnect-min", "reconnect-max", "trigger-command", "no-read", NULL
};
static const char * const serial_keys[] = {
  "device", "baud", "data-bits", "parity", "stop-bits", "flow-control", NULL
};
static const char * const client_keys[] = {
  "host", "port", "keepalive", "connect-timeout", NULL
};
static const char * const server_keys[] = {
  "listen", "port", "keepalive", NULL
};

static gboolean
check_keys (AggConfig     *config,
            const char    *group,
            AggReaderType  type,
            GError       **error)
{
  const char * const *type_keys[] = { serial_keys, client_keys, server_keys };
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  g_auto(GStrv) known = NULL;
  g_auto(GStrv) keys = NULL;

  g_strv_builder_addv (builder, (const char **) common_keys);
  for (guint i = 0; i < G_N_ELEMENTS (type_keys); i++)
    g_strv_builder_addv (builder, (const char **) type_keys[i]);
  known = g_strv_builder_end (builder);
  if (!agg_config_check_keys (config, group, (const char * const *) known, error))
    return FALSE;

  keys = g_key_file_get_keys (agg_config_get_key_file (config), group, NULL, NULL);
  for (guint i = 0; keys != NULL && keys[i] != NULL; i++)
    if (!g_strv_contains (common_keys, keys[i]) && !g_strv_contains (type_keys[type], keys[i]))
      {
        agg_config_set_error (config, error, AGG_CONFIG_ERROR_INVALID, group, keys[i],
                              /* Translators: the reader type, e.g. "serial". */
                              _("the key does not apply to a reader of type %s"),
                              type_names[type]);
        return FALSE;
      }
  return TRUE;
}

/* A byte string with the escapes \r \n \t \s \\ and \xNN, for what
 * readers send and expect that is not text: "LON\r", "\x02" … */
static gboolean
get_bytes (AggConfig   *config,
           const char  *group,
           const char  *key,
           gsize        max_len,
           GBytes     **value,
           GError     **error)
{
  GKeyFile *key_file = agg_config_get_key_file (config);
  g_autoptr(GByteArray) out = NULL;
  g_autofree char *raw = NULL;

  *value = NULL;
  if (!g_key_file_has_key (key_file, group, key, NULL))
    return TRUE;
  raw = g_key_file_get_value (key_file, group, key, NULL);
  g_strstrip (raw);

  out = g_byte_array_new ();
  for (const char *p = raw; *p != '\0'; p++)
    {
      guint8 c = *p;

      if (c == '\\')
        {
          switch (*++p)
            {
            case 'r': c = '\r'; break;
            case 'n': c = '\n'; break;
            case 't': c = '\t'; break;
            case 's': c = ' '; break;
            case '\\': c = '\\'; break;
            case 'x':
              if (g_ascii_isxdigit (p[1]) && g_ascii_isxdigit (p[2]))
                {
                  c = g_ascii_xdigit_value (p[1]) * 16 + g_ascii_xdigit_value (p[2]);
                  p += 2;
                  break;
                }
              G_GNUC_FALLTHROUGH;
            default:
              agg_config_set_error (config, error, AGG_CONFIG_ERROR_INVALID, group, key,
                                    _("a backslash starts one of \\r \\n \\t \\s \\\\ \\xNN"));
              return FALSE;
            }
        }
      g_byte_array_append (out, &c, 1);
    }

  if (out->len == 0 || out->len > max_len)
    {
      agg_config_set_error (config, error, AGG_CONFIG_ERROR_INVALID, group, key,
                            /* Translators: the longest value allowed, in bytes. */
                            _("the value must be 1 to %zu bytes long"), max_len);
      return FALSE;
    }
  *value = g_byte_array_free_to_bytes (g_steal_pointer (&out));
  return TRUE;
}

static gboolean
parse_serial (AggReader  *self,
              AggConfig  *config,
              const char *group,
              GError    **error)
{
  static const char * const parities[] = { "none", "odd", "even", NULL };
  static const char * const flows[] = { "none", "xonxoff", "rtscts", NULL };
  gboolean baud_ok = FALSE;
  gint64 baud, data_bits, stop_bits;

  if (!agg_config_get_string (config, group, "device", TRUE, NULL, &self->device, error)
      || !agg_config_get_int (config, group, "baud", FALSE, 9600, 1, G_MAXINT, &baud, error)
      || !agg_config_get_int (config, group, "data-bits", FALSE, 8, 5, 8, &data_bits, error)
      || !agg_config_get_choice (config, group, "parity", FALSE, parities, PARITY_NONE,
                                 &self->parity, error)
      || !agg_config_get_int (config, group, "stop-bits", FALSE, 1, 1, 2, &stop_bits, error)
      || !agg_config_get_choice (config, group, "flow-control", FALSE, flows, FLOW_NONE,
                                 &self->flow_control, error))
    return FALSE;

  for (guint i = 0; i < G_N_ELEMENTS (baud_rates); i++)
    baud_ok |= baud_rates[i].baud == baud;
  if (!baud_ok)
    {
      agg_config_set_error (config, error, AGG_CONFIG_ERROR_INVALID, group, "baud",
                            /* Translators: the value given. */
                            _("%" PRId64 " is not a standard rate such as 9600, "
                              "19200, 38400, 57600 or 115200"), baud);
      return FALSE;
    }
  self->baud = baud;
  self->data_bits = data_bits;
  self->stop_bits = stop_bits;
  return TRUE;
}

static gboolean
parse_tcp (AggReader  *self,
           AggConfig  *config,
           const char *group,
           GError    **error)
{
  gint64 port;

  if (!agg_config_get_int (config, group, "port", TRUE, 0, 1, 65535, &port, error)
      || !agg_config_get_boolean (config, group, "keepalive", FALSE, TRUE, &self->keepalive,
                                  error))
    return FALSE;
  self->port = port;

  if (self->type == AGG_READER_TCP_CLIENT)
    {
      guint64 timeout_ms;

      if (!agg_config_get_string (config, group, "host", TRUE, NULL, &self->host, error)
          || !agg_config_get_duration (config, group, "connect-timeout", FALSE, 5000, 1000,
                                       600000, 1000, &timeout_ms, error))
        return FALSE;
      self->connect_timeout_s = (timeout_ms + 999) / 1000;
    }
  else
    {
      g_autoptr(GInetAddress) address = NULL;

      if (!agg_config_get_string (config, group, "listen", FALSE, "0.0.0.0", &self->listen,
                                  error))
        return FALSE;
      address = g_inet_address_new_from_string (self->listen);
      if (address == NULL)
        {
          agg_config_set_error (config, error, AGG_CONFIG_ERROR_INVALID, group, "listen",
                                /* Translators: the value given. */
                                _("“%s” is not an IP address such as 0.0.0.0 or 192.168.1.10"),
                                self->listen);
          return FALSE;
        }
    }
  return TRUE;
}

AggReader *
agg_reader_new_from_config (AggConfig   *config,
                            const char  *group,
                            GError     **error)
{
  static const char * const framings[] = { "cr", "lf", "crlf", "etx", "timeout", NULL };
  static const int suffixes[][2] = {
    { '\r', -1 }, { '\n', -1 }, { '\r', '\n' }, { 0x03, 0x02 }, { -1, -1 },
  };
  g_autoptr(AggReader) self = NULL;
  guint type, role, kind, framing;
  gint64 max_frame;

  g_return_val_if_fail (config != NULL, NULL);
  g_return_val_if_fail (group != NULL && g_str_has_prefix (group, "scanner:"), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!agg_config_has_group (config, group))
    {
      agg_config_set_error (config, error, AGG_CONFIG_ERROR_MISSING, group, NULL,
                            _("there is no such group"));
      return NULL;
    }

  self = g_object_new (AGG_TYPE_READER, NULL);
  self->name = g_strdup (group + strlen ("scanner:"));
  if (*self->name == '\0')
    {
      agg_config_set_error (config, error, AGG_CONFIG_ERROR_INVALID, group, NULL,
                            _("a scanner needs a name: [scanner:NAME]"));
      return NULL;
    }

  if (!agg_config_get_choice (config, group, "type", TRUE, type_names, 0, &type, error)
      || !check_keys (config, group, type, error)
      || !agg_config_get_choice (config, group, "role", FALSE, role_names,
                                 AGG_READER_ROLE_ANY, &role, error)
      || !agg_config_get_choice (config, group, "kind", FALSE, kind_names,
                                 type == AGG_READER_SERIAL ? AGG_READER_KIND_HANDHELD
                                                           : AGG_READER_KIND_FIXED,
                                 &kind, error)
      || !agg_config_get_choice (config, group, "framing", FALSE, framings, AGG_FRAMING_CR,
                                 &framing, error))
    return NULL;
  self->type = type;
  self->role = role;
  self->kind = kind;
  self->framing = framing;

  if (framing != AGG_FRAMING_TIMEOUT
      && g_key_file_has_key (agg_config_get_key_file (config), group, "frame-timeout", NULL))
    {
      agg_config_set_error (config, error, AGG_CONFIG_ERROR_INVALID, group, "frame-timeout",
                            _("frame-timeout applies only to framing = timeout"));
      return NULL;
    }

  if (!agg_config_get_duration (config, group, "frame-timeout", FALSE, 50, 1, 10000, 1,
                                &self->frame_timeout_ms, error)
      || !get_bytes (config, group, "prefix", 64, &self->prefix, error)
      || !agg_config_get_char (config, group, "gs-substitute", FALSE, -1, &self->gs_substitute,
                               error)
      || !agg_config_get_int (config, group, "max-frame", FALSE, AGG_FRAMER_DEFAULT_MAX_FRAME,
                              1, 1024 * 1024, &max_frame, error)
      || !agg_config_get_duration (config, group, "reconnect-min", FALSE, 250, 10, 60000, 1,
                                   &self->reconnect_min_ms, error)
      || !agg_config_get_duration (config, group, "reconnect-max", FALSE, 5000, 10, 600000, 1,
                                   &self->reconnect_max_ms, error)
      || !get_bytes (config, group, "trigger-command", 256, &self->trigger_command, error)
      || !agg_config_get_string (config, group, "no-read", FALSE, NULL, &self->no_read, error))
    return NULL;
  self->max_frame = max_frame;

  if (self->gs_substitute >= 0
      && (self->gs_substitute == suffixes[framing][0] || self->gs_substitute == suffixes[framing][1]))
    {
      agg_config_set_error (config, error, AGG_CONFIG_ERROR_INVALID, group, "gs-substitute",
                            _("the character already ends or starts frames with this framing"));
      return NULL;
    }
  if (self->reconnect_max_ms < self->reconnect_min_ms)
    {
      agg_config_set_error (config, error, AGG_CONFIG_ERROR_INVALID, group, "reconnect-max",
                            _("reconnect-max must not be shorter than reconnect-min"));
      return NULL;
    }
  if (self->no_read != NULL && *self->no_read == '\0')
    {
      agg_config_set_error (config, error, AGG_CONFIG_ERROR_INVALID, group, "no-read",
                            _("the value must not be empty"));
      return NULL;
    }

  if (type == AGG_READER_SERIAL ? !parse_serial (self, config, group, error)
                                : !parse_tcp (self, config, group, error))
    return NULL;

  return g_steal_pointer (&self);
}

GPtrArray *
agg_readers_new_from_config (AggConfig  *config,
                             GError    **error)
{
  g_autoptr(GPtrArray) readers = g_ptr_array_new_with_free_func (g_object_unref);
  g_auto(GStrv) groups = NULL;

  g_return_val_if_fail (config != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  groups = agg_config_list_groups (config, "scanner:");
  for (guint i = 0; groups[i] != NULL; i++)
    {
      AggReader *reader = agg_reader_new_from_config (config, groups[i], error);

      if (reader == NULL)
        return NULL;
      g_ptr_array_add (readers, reader);
    }
  return g_steal_pointer (&readers);
}

/* GObject */

static void
agg_reader_dispose (GObject *object)
{
  AggReader *self = AGG_READER (object);

  teardown (self);
  self->state = STATE_STOPPED;
  self->connected = FALSE;

  G_OBJECT_CLASS (agg_reader_parent_class)->dispose (object);
}

static void
agg_reader_finalize (GObject *object)
{
  AggReader *self = AGG_READER (object);

  g_free (self->name);
  g_free (self->device);
  g_free (self->host);
  g_free (self->listen);
  g_clear_pointer (&self->prefix, g_bytes_unref);
  g_clear_pointer (&self->trigger_command, g_bytes_unref);
  g_free (self->no_read);
  g_ptr_array_unref (self->peers);
  g_free (self->last_error);
  g_clear_pointer (&self->last_frame_at, g_date_time_unref);

  G_OBJECT_CLASS (agg_reader_parent_class)->finalize (object);
}

static void
agg_reader_get_property (GObject    *object,
                         guint       prop_id,
                         GValue     *value,
                         GParamSpec *pspec)
{
  AggReader *self = AGG_READER (object);

  switch (prop_id)
    {
    case PROP_CONNECTED:
      g_value_set_boolean (value, self->connected);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
agg_reader_class_init (AggReaderClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = agg_reader_dispose;
  object_class->finalize = agg_reader_finalize;
  object_class->get_property = agg_reader_get_property;

  properties[PROP_CONNECTED] =
    g_param_spec_boolean ("connected", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /* One complete frame (GBytes): framed, prefix stripped, GS restored. */
  signals[SIGNAL_FRAME] =
    g_signal_new ("frame", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_BYTES);
  /* A frame that was dropped or a failed read, with a translated message. */
  signals[SIGNAL_FRAME_ERROR] =
    g_signal_new ("frame-error", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);
  /* The connection state or a counter changed. */
  signals[SIGNAL_STATUS_CHANGED] =
    g_signal_new ("status-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
agg_reader_init (AggReader *self)
{
  self->peers = g_ptr_array_new_with_free_func ((GDestroyNotify) link_free);
  self->gs_substitute = -1;
  self->max_frame = AGG_FRAMER_DEFAULT_MAX_FRAME;
  g_queue_init (&self->events);
}
