/* agg-cli-scanner.c: aggctl scanner and aggctl bench readers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * "scanner list" shows the readers of the configuration; "scanner listen"
 * opens them and prints every frame, dropped frame and connection change
 * until it is stopped, so that a reader can be wired and set up before
 * the station runs.  "bench readers" times the framing alone and whole
 * readers on a pseudo-terminal and on loopback TCP.
 */

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <glib-unix.h>
#include <glib/gi18n-lib.h>
#include <inttypes.h>
#include <pty.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "agg-cli.h"
#include "agg-framer.h"
#include "agg-reader.h"

/* The configured readers, or only those named in @names; NULL after
 * printing why. */
static GPtrArray *
load_readers (char **names,
              int    n_names)
{
  g_autoptr(AggConfig) config = agg_cli_load_config ();
  g_autoptr(GPtrArray) readers = NULL;
  g_autoptr(GPtrArray) chosen = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GError) error = NULL;

  if (config == NULL)
    return NULL;
  readers = agg_readers_new_from_config (config, &error);
  if (readers == NULL)
    {
      agg_cli_failure ("%s", error->message);
      return NULL;
    }
  if (n_names == 0)
    return g_steal_pointer (&readers);

  for (int i = 0; i < n_names; i++)
    {
      AggReader *found = NULL;

      for (guint k = 0; k < readers->len; k++)
        if (strcmp (agg_reader_get_name (readers->pdata[k]), names[i]) == 0)
          found = readers->pdata[k];
      if (found == NULL)
        {
          agg_cli_failure (_("there is no [scanner:%s] in the configuration"), names[i]);
          return NULL;
        }
      g_ptr_array_add (chosen, g_object_ref (found));
    }
  return g_steal_pointer (&chosen);
}

static void
print_json (JsonNode *node)
{
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  g_autofree char *text = NULL;

  json_generator_set_root (generator, node);
  text = json_generator_to_data (generator, NULL);
  printf ("%s\n", text);
  fflush (stdout);
}

static int
scanner_list (int    argc,
              char **argv)
{
  g_autoptr(GPtrArray) readers = NULL;
  gboolean json = FALSE;

  for (int i = 2; i < argc; i++)
    if (strcmp (argv[i], "--json") == 0)
      json = TRUE;
    else
      return agg_cli_usage_error (_("usage: aggctl scanner list [--json]"));

  readers = load_readers (NULL, 0);
  if (readers == NULL)
    return AGG_CLI_EXIT_FAILED;

  if (json)
    {
      g_autoptr(JsonNode) node = json_node_new (JSON_NODE_ARRAY);
      JsonArray *array = json_array_new ();

      for (guint i = 0; i < readers->len; i++)
        json_array_add_object_element (array, agg_reader_dup_status (readers->pdata[i]));
      json_node_take_array (node, array);
      print_json (node);
      return AGG_CLI_EXIT_OK;
    }

  for (guint i = 0; i < readers->len; i++)
    {
      g_autoptr(JsonObject) status = agg_reader_dup_status (readers->pdata[i]);

      printf ("%-16s %-10s %-4s %-8s %s\n",
              json_object_get_string_member (status, "name"),
              json_object_get_string_member (status, "type"),
              json_object_get_string_member (status, "role"),
              json_object_get_string_member (status, "kind"),
              json_object_get_string_member (status, "endpoint"));
    }
  return AGG_CLI_EXIT_OK;
}

typedef struct
{
  GMainLoop *loop;
  gboolean   json;
  guint64    count;                   /* frames to wait for; 0: no end */
  guint64    frames;
} Listen;

/* A frame as a person reads it: control characters by name, other
 * bytes that are not printable ASCII as \xNN. */
static char *
shown (const guint8 *data,
       gsize         len)
{
  static const char * const names[32] = {
    "NUL", "SOH", "STX", "ETX", "EOT", "ENQ", "ACK", "BEL", "BS", "TAB", "LF", "VT", "FF", "CR",
    "SO", "SI", "DLE", "DC1", "DC2", "DC3", "DC4", "NAK", "SYN", "ETB", "CAN", "EM", "SUB",
    "ESC", "FS", "GS", "RS", "US",
  };
  GString *out = g_string_sized_new (len + 8);

  for (gsize i = 0; i < len; i++)
    {
      if (data[i] < 32)
        g_string_append_printf (out, "<%s>", names[data[i]]);
      else if (data[i] < 127)
        g_string_append_c (out, data[i]);
      else
        g_string_append_printf (out, "\\x%02X", data[i]);
    }
  return g_string_free (out, FALSE);
}

/* One line: when, which reader, what happened ("frame", "frame-error",
 * "connected", "disconnected") and its text. */
static void
print_event (Listen     *listen,
             AggReader  *reader,
             const char *event,
             const char *text)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  g_autofree char *at = g_date_time_format_iso8601 (now);

  if (listen->json)
    {
      g_autoptr(JsonNode) node = json_node_new (JSON_NODE_OBJECT);
      JsonObject *object = json_object_new ();

      json_object_set_string_member (object, "at", at);
      json_object_set_string_member (object, "reader", agg_reader_get_name (reader));
      json_object_set_string_member (object, "event", event);
      if (text != NULL)
        json_object_set_string_member (object, "data", text);
      else
        json_object_set_null_member (object, "data");
      json_node_take_object (node, object);
      print_json (node);
      return;
    }
  printf ("%s  %-16s %-12s %s\n", at, agg_reader_get_name (reader), event,
          text != NULL ? text : "");
  fflush (stdout);
}

static void
listen_frame_cb (AggReader *reader,
                 GBytes    *payload,
                 Listen    *listen)
{
  gsize len;
  const guint8 *data = g_bytes_get_data (payload, &len);
  g_autofree char *text = NULL;

  /* JSON carries the frame as it is when it is text; people read the
   * control characters by name. */
  if (listen->json && g_utf8_validate ((const char *) data, len, NULL)
      && memchr (data, '\0', len) == NULL)
    text = g_strndup ((const char *) data, len);
  else
    text = shown (data, len);
  print_event (listen, reader, "frame", text);

  listen->frames++;
  if (listen->count > 0 && listen->frames >= listen->count)
    g_main_loop_quit (listen->loop);
}

static void
listen_frame_error_cb (AggReader  *reader,
                       const char *message,
                       Listen     *listen)
{
  print_event (listen, reader, "frame-error", message);
}

static void
listen_connected_cb (AggReader  *reader,
                     GParamSpec *pspec,
                     Listen     *listen)
{
  g_autoptr(JsonObject) status = agg_reader_dup_status (reader);
  const char *why = json_object_get_null_member (status, "last_error")
                    ? NULL : json_object_get_string_member (status, "last_error");

  if (agg_reader_get_connected (reader))
    print_event (listen, reader, "connected", json_object_get_string_member (status, "endpoint"));
  else
    print_event (listen, reader, "disconnected", why);
}

static gboolean
listen_stop_cb (gpointer user_data)
{
  Listen *listen = user_data;

  g_main_loop_quit (listen->loop);
  return G_SOURCE_CONTINUE;
}

static int
scanner_listen (int    argc,
                char **argv)
{
  g_autoptr(GPtrArray) readers = NULL;
  g_autoptr(GMainLoop) loop = g_main_loop_new (NULL, FALSE);
  Listen listen = { loop, FALSE, 0, 0 };
  const char *usage = _("usage: aggctl scanner listen [--json] [--count N] [NAME…]");
  int first_name = argc;
  guint sigint, sigterm;

  for (int i = 2; i < argc; i++)
    {
      if (strcmp (argv[i], "--json") == 0)
        listen.json = TRUE;
      else if (strcmp (argv[i], "--count") == 0 && i + 1 < argc)
        {
          char *end;

          listen.count = g_ascii_strtoull (argv[++i], &end, 10);
          if (*end != '\0' || listen.count == 0)
            return agg_cli_usage_error ("%s", usage);
        }
      else if (argv[i][0] != '-')
        {
          first_name = i;
          break;
        }
      else
        return agg_cli_usage_error ("%s", usage);
    }

  readers = load_readers (argv + first_name, argc - first_name);
  if (readers == NULL)
    return AGG_CLI_EXIT_FAILED;
  if (readers->len == 0)
    return agg_cli_failure (_("the configuration has no [scanner:NAME] group"));

  for (guint i = 0; i < readers->len; i++)
    {
      AggReader *reader = readers->pdata[i];

      g_signal_connect (reader, "frame", G_CALLBACK (listen_frame_cb), &listen);
      g_signal_connect (reader, "frame-error", G_CALLBACK (listen_frame_error_cb), &listen);
      g_signal_connect (reader, "notify::connected", G_CALLBACK (listen_connected_cb), &listen);
    }
  for (guint i = 0; i < readers->len; i++)
    {
      g_autoptr(GError) error = NULL;

      if (!agg_reader_start (readers->pdata[i], &error))
        return agg_cli_failure ("%s", error->message);
    }

  sigint = g_unix_signal_add (SIGINT, listen_stop_cb, &listen);
  sigterm = g_unix_signal_add (SIGTERM, listen_stop_cb, &listen);
  g_main_loop_run (loop);
  g_source_remove (sigint);
  g_source_remove (sigterm);

  for (guint i = 0; i < readers->len; i++)
    {
      g_signal_handlers_disconnect_by_data (readers->pdata[i], &listen);
      agg_reader_stop (readers->pdata[i]);
    }
  return AGG_CLI_EXIT_OK;
}

int
agg_cli_scanner (int    argc,
                 char **argv)
{
  if (argc >= 2 && strcmp (argv[1], "list") == 0)
    return scanner_list (argc, argv);
  if (argc >= 2 && strcmp (argv[1], "listen") == 0)
    return scanner_listen (argc, argv);
  return agg_cli_usage_error (_("usage: aggctl scanner list [--json] | "
                                "scanner listen [--json] [--count N] [NAME…]"));
}

/* bench readers */

typedef struct
{
  guint64 frames;
} Counter;

static void
count_frame_cb (const guint8 *data,
                gsize         len,
                gpointer      user_data)
{
  Counter *counter = user_data;

  counter->frames++;
}

static void
bench_framer (void)
{
  g_autoptr(GString) stream = g_string_new (NULL);
  g_autoptr(AggFramer) framer = NULL;
  Counter counter = { 0 };
  guint n = 0;
  gint64 start, elapsed;
  guint rounds = 64;

  while (stream->len < 1024 * 1024)
    g_string_append_printf (stream, "010950110102091710LOT42~21S%08u~17281231\r", n++);

  framer = agg_framer_new (AGG_FRAMING_CR, AGG_FRAMER_DEFAULT_MAX_FRAME, count_frame_cb, NULL,
                           &counter);
  agg_framer_set_gs_substitute (framer, '~');
  start = g_get_monotonic_time ();
  for (guint r = 0; r < rounds; r++)
    for (gsize pos = 0; pos < stream->len; pos += 4096)
      agg_framer_push (framer, (const guint8 *) stream->str + pos,
                       MIN (4096, stream->len - pos), 0);
  elapsed = MAX (g_get_monotonic_time () - start, 1);
  g_assert (counter.frames == (guint64) n * rounds);

  printf ("framer: %u MiB in 4 KiB reads: %.0f MiB/s, %.2f million frames/s\n",
          rounds, rounds / (elapsed / 1e6), counter.frames / (elapsed / 1e6) / 1e6);
}

typedef struct
{
  guint64 frames;
  guint64 wanted;
} Wait;

static void
bench_frame_cb (AggReader *reader,
                GBytes    *payload,
                Wait      *wait)
{
  wait->frames++;
}

static gboolean
bench_connected (AggReader *reader)
{
  gint64 end = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;

  while (!agg_reader_get_connected (reader) && g_get_monotonic_time () < end)
    g_main_context_iteration (NULL, FALSE);
  return agg_reader_get_connected (reader);
}

static gboolean
write_all (int         fd,
           const char *data,
           gsize       len)
{
  while (len > 0)
    {
      gssize n = write (fd, data, len);

      if (n < 0 && (errno == EINTR || errno == EAGAIN))
        {
          /* The reader empties the buffer only while the loop runs. */
          g_main_context_iteration (NULL, FALSE);
          continue;
        }
      if (n < 0)
        return FALSE;
      data += n;
      len -= n;
    }
  return TRUE;
}

static int
compare_spans (gconstpointer a,
               gconstpointer b)
{
  gint64 x = *(const gint64 *) a, y = *(const gint64 *) b;

  return x < y ? -1 : x > y;
}

/* Times one frame at a time from the write at @fd to the "frame" signal,
 * then a 1 MiB burst. */
static gboolean
bench_reader (const char *label,
              AggReader  *reader,
              int         fd)
{
  g_autoptr(GArray) spans = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autoptr(GString) burst = g_string_new (NULL);
  Wait wait = { 0, 0 };
  const guint n_single = 2000;
  gint64 start, elapsed;
  guint n_burst = 0;

  g_signal_connect (reader, "frame", G_CALLBACK (bench_frame_cb), &wait);
  g_unix_set_fd_nonblocking (fd, TRUE, NULL);

  for (guint i = 0; i < n_single; i++)
    {
      g_autofree char *frame = g_strdup_printf ("010950110102091710LOT42\x1d" "21S%08u\r", i);
      gint64 deadline;

      start = g_get_monotonic_time ();
      deadline = start + 5 * G_USEC_PER_SEC;
      if (!write_all (fd, frame, strlen (frame)))
        return FALSE;
      while (wait.frames <= i && g_get_monotonic_time () < deadline)
        g_main_context_iteration (NULL, TRUE);
      if (wait.frames <= i)
        return FALSE;
      elapsed = g_get_monotonic_time () - start;
      g_array_append_val (spans, elapsed);
    }
  g_array_sort (spans, compare_spans);
  printf ("%s: write to frame, %u single scans: median %" PRId64 " µs, "
          "99th percentile %" PRId64 " µs, max %" PRId64 " µs\n",
          label, n_single, g_array_index (spans, gint64, n_single / 2),
          g_array_index (spans, gint64, n_single * 99 / 100),
          g_array_index (spans, gint64, n_single - 1));

  while (burst->len < 1024 * 1024)
    g_string_append_printf (burst, "010950110102091710LOT42\x1d" "21S%08u\r", n_burst++);
  wait.frames = 0;
  start = g_get_monotonic_time ();
  if (!write_all (fd, burst->str, burst->len))
    return FALSE;
  while (wait.frames < n_burst && g_get_monotonic_time () - start < 30 * G_USEC_PER_SEC)
    g_main_context_iteration (NULL, TRUE);
  if (wait.frames < n_burst)
    return FALSE;
  elapsed = MAX (g_get_monotonic_time () - start, 1);
  printf ("%s: 1 MiB burst of %u frames: %.1f MiB/s, %.0f frames/s\n",
          label, n_burst, 1 / (elapsed / 1e6), n_burst / (elapsed / 1e6));

  g_signal_handlers_disconnect_by_data (reader, &wait);
  return TRUE;
}

static AggReader *
bench_reader_new (const char *text)
{
  g_autoptr(AggConfig) config = agg_config_load_data (text, strlen (text), "bench", NULL);

  g_assert (config != NULL);
  return agg_reader_new_from_config (config, "scanner:bench", NULL);
}

static gboolean
bench_pty (void)
{
  g_autoptr(AggReader) reader = NULL;
  g_autofree char *text = NULL;
  struct termios tio;
  int master, slave;
  gboolean ok;

  if (openpty (&master, &slave, NULL, NULL, NULL) < 0)
    return FALSE;
  tcgetattr (slave, &tio);
  cfmakeraw (&tio);
  tcsetattr (slave, TCSANOW, &tio);
  text = g_strdup_printf ("[scanner:bench]\ntype = serial\ndevice = %s\n", ttyname (slave));
  reader = bench_reader_new (text);
  ok = reader != NULL && agg_reader_start (reader, NULL) && bench_connected (reader)
       && bench_reader ("serial (pseudo-terminal)", reader, master);
  if (reader != NULL)
    agg_reader_stop (reader);
  close (master);
  close (slave);
  return ok;
}

static void
accept_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  GSocketConnection **connection = user_data;

  *connection = g_socket_listener_accept_finish (G_SOCKET_LISTENER (source), result, NULL, NULL);
}

static gboolean
bench_tcp (void)
{
  g_autoptr(GSocketListener) listener = g_socket_listener_new ();
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GSocketAddress) effective = NULL;
  g_autoptr(GSocketConnection) connection = NULL;
  g_autoptr(AggReader) reader = NULL;
  g_autofree char *text = NULL;
  gint64 end;
  gboolean ok;

  if (!g_socket_listener_add_address (listener, address, G_SOCKET_TYPE_STREAM,
                                      G_SOCKET_PROTOCOL_TCP, NULL, &effective, NULL))
    return FALSE;
  text = g_strdup_printf ("[scanner:bench]\ntype = tcp-client\nhost = 127.0.0.1\nport = %u\n",
                          g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (effective)));
  reader = bench_reader_new (text);
  if (reader == NULL || !agg_reader_start (reader, NULL))
    return FALSE;
  g_socket_listener_accept_async (listener, NULL, accept_cb, &connection);
  end = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;
  while (connection == NULL && g_get_monotonic_time () < end)
    g_main_context_iteration (NULL, TRUE);
  ok = connection != NULL && bench_connected (reader)
       && bench_reader ("tcp (loopback)", reader,
                        g_socket_get_fd (g_socket_connection_get_socket (connection)));
  agg_reader_stop (reader);
  return ok;
}

int
agg_cli_bench_readers (int    argc,
                       char **argv)
{
  if (argc > 2)
    return agg_cli_usage_error (_("usage: aggctl bench readers"));

  bench_framer ();
  if (!bench_pty ())
    return agg_cli_failure (_("the pseudo-terminal benchmark failed"));
  if (!bench_tcp ())
    return agg_cli_failure (_("the TCP benchmark failed"));
  return AGG_CLI_EXIT_OK;
}
