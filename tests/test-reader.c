/* test-reader.c: readers on real pseudo-terminals and loopback TCP
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The serial tests put a reader on one end of a socat pseudo-terminal
 * pair and write from the other end, as a handheld on a USB-serial cable
 * would; killing socat is pulling the cable.  The TCP tests play the
 * fixed reader (or its peers) with GIO sockets of their own.
 */

#include <errno.h>
#include <fcntl.h>
#include <gio/gio.h>
#include <glib/gstdio.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "agg-reader.h"
#include "agg-test-utils.h"

/* Every wait has a limit; none of these takes more than a fraction of it
 * on a loaded machine. */
#define WAIT_MS 10000

static gboolean
timeout_cb (gpointer user_data)
{
  gboolean *expired = user_data;

  *expired = TRUE;
  return G_SOURCE_REMOVE;
}

static gboolean
tick_cb (gpointer user_data)
{
  return G_SOURCE_CONTINUE;
}

/* Runs the main context until @cond holds; FALSE when @timeout_ms passed
 * first.  A tick wakes the context now and then for conditions that no
 * source of it reports, such as socat's links appearing. */
static gboolean
wait_until (gboolean (*cond) (gpointer),
            gpointer   data,
            guint      timeout_ms)
{
  gboolean expired = FALSE;
  guint id = g_timeout_add (timeout_ms, timeout_cb, &expired);
  guint tick = g_timeout_add (10, tick_cb, NULL);

  while (!cond (data) && !expired)
    g_main_context_iteration (NULL, TRUE);
  if (!expired)
    g_source_remove (id);
  g_source_remove (tick);
  return cond (data);
}

/* What a reader emitted. */
typedef struct
{
  AggReader *reader;
  GPtrArray *frames;                  /* of char *, NUL-terminated copies */
  GPtrArray *errors;                  /* of char * */
  guint      status_changes;
} Recorder;

static void
frame_cb (AggReader *reader,
          GBytes    *payload,
          Recorder  *rec)
{
  gsize len;
  const char *data = g_bytes_get_data (payload, &len);

  g_assert_cmpuint (len, >, 0);
  g_ptr_array_add (rec->frames, g_strndup (data, len));
}

static void
frame_error_cb (AggReader  *reader,
                const char *message,
                Recorder   *rec)
{
  g_assert_nonnull (message);
  g_ptr_array_add (rec->errors, g_strdup (message));
}

static void
status_changed_cb (AggReader *reader,
                   Recorder  *rec)
{
  rec->status_changes++;
}

static AggReader *
reader_from_text (const char *text)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(AggConfig) config = agg_config_load_data (text, strlen (text), "station.conf", &error);
  AggReader *reader;

  g_assert_no_error (error);
  reader = agg_reader_new_from_config (config, "scanner:test", &error);
  g_assert_no_error (error);
  g_assert_nonnull (reader);
  return reader;
}

static void
recorder_init (Recorder  *rec,
               AggReader *reader)
{
  memset (rec, 0, sizeof *rec);
  rec->reader = reader;
  rec->frames = g_ptr_array_new_with_free_func (g_free);
  rec->errors = g_ptr_array_new_with_free_func (g_free);
  g_signal_connect (reader, "frame", G_CALLBACK (frame_cb), rec);
  g_signal_connect (reader, "frame-error", G_CALLBACK (frame_error_cb), rec);
  g_signal_connect (reader, "status-changed", G_CALLBACK (status_changed_cb), rec);
}

static void
recorder_clear (Recorder *rec)
{
  g_signal_handlers_disconnect_by_data (rec->reader, rec);
  g_ptr_array_unref (rec->frames);
  g_ptr_array_unref (rec->errors);
}

typedef struct
{
  Recorder *rec;
  guint     n;
} Count;

static gboolean
has_frames (gpointer data)
{
  Count *count = data;

  return count->rec->frames->len >= count->n;
}

static gboolean
has_errors (gpointer data)
{
  Count *count = data;

  return count->rec->errors->len >= count->n;
}

static void
wait_frames (Recorder *rec,
             guint     n)
{
  Count count = { rec, n };

  if (!wait_until (has_frames, &count, WAIT_MS))
    g_error ("%u frames after %u ms, expected %u", rec->frames->len, WAIT_MS, n);
}

static void
wait_errors (Recorder *rec,
             guint     n)
{
  Count count = { rec, n };

  if (!wait_until (has_errors, &count, WAIT_MS))
    g_error ("%u frame errors after %u ms, expected %u", rec->errors->len, WAIT_MS, n);
}

static gboolean
is_connected (gpointer data)
{
  return agg_reader_get_connected (data);
}

static gboolean
is_disconnected (gpointer data)
{
  return !agg_reader_get_connected (data);
}

static gint64
status_int (AggReader  *reader,
            const char *member)
{
  g_autoptr(JsonObject) status = agg_reader_dup_status (reader);

  return json_object_get_int_member (status, member);
}

static char *
status_string (AggReader  *reader,
               const char *member)
{
  g_autoptr(JsonObject) status = agg_reader_dup_status (reader);

  if (json_object_get_null_member (status, member))
    return NULL;
  return g_strdup (json_object_get_string_member (status, member));
}

typedef struct
{
  AggReader  *reader;
  const char *member;
  gint64      value;
} StatusWait;

static gboolean
status_reached (gpointer data)
{
  StatusWait *w = data;

  return status_int (w->reader, w->member) >= w->value;
}

static void
wait_status (AggReader  *reader,
             const char *member,
             gint64      value)
{
  StatusWait w = { reader, member, value };

  if (!wait_until (status_reached, &w, WAIT_MS))
    g_error ("status %s is %" G_GINT64_FORMAT ", expected %" G_GINT64_FORMAT,
             member, status_int (reader, member), value);
}

typedef struct
{
  AggReader  *reader;
  const char *state;
} StateWait;

static gboolean
state_reached (gpointer data)
{
  StateWait *w = data;
  g_autofree char *state = status_string (w->reader, "state");

  return g_strcmp0 (state, w->state) == 0;
}

static void
wait_state (AggReader  *reader,
            const char *state)
{
  StateWait w = { reader, state };

  if (!wait_until (state_reached, &w, WAIT_MS))
    g_error ("reader never reached state %s", state);
}

/* Pseudo-terminal pairs */

static gboolean
have_socat (void)
{
  g_autofree char *path = g_find_program_in_path ("socat");

  if (path == NULL)
    g_test_skip ("socat is not installed: the serial tests need its pseudo-terminal pairs");
  return path != NULL;
}

typedef struct
{
  char        *dir;
  char        *a;                     /* the reader's end */
  char        *b;                     /* the test's end */
  GSubprocess *socat;
  int          fd;                    /* @b, open */
} Pty;

static gboolean
links_exist (gpointer data)
{
  Pty *pty = data;

  /* g_file_test follows the links: a stale link does not count. */
  return g_file_test (pty->a, G_FILE_TEST_EXISTS) && g_file_test (pty->b, G_FILE_TEST_EXISTS);
}

static void
pty_start (Pty *pty)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *arg_a = g_strdup_printf ("pty,raw,echo=0,link=%s", pty->a);
  g_autofree char *arg_b = g_strdup_printf ("pty,raw,echo=0,link=%s", pty->b);
  struct termios tio;

  g_unlink (pty->a);
  g_unlink (pty->b);
  pty->socat = g_subprocess_new (G_SUBPROCESS_FLAGS_STDERR_SILENCE, &error,
                                 "socat", "-d", "-d", arg_a, arg_b, NULL);
  g_assert_no_error (error);
  if (!wait_until (links_exist, pty, WAIT_MS))
    g_error ("socat made no pseudo-terminals");

  pty->fd = open (pty->b, O_RDWR | O_NOCTTY);
  g_assert_cmpint (pty->fd, >=, 0);
  g_assert_cmpint (tcgetattr (pty->fd, &tio), ==, 0);
  cfmakeraw (&tio);
  g_assert_cmpint (tcsetattr (pty->fd, TCSANOW, &tio), ==, 0);
}

/* Pulls the cable: socat dies at once, without tidying up. */
static void
pty_kill (Pty *pty)
{
  g_autoptr(GError) error = NULL;

  g_subprocess_force_exit (pty->socat);
  g_subprocess_wait (pty->socat, NULL, &error);
  g_assert_no_error (error);
  g_clear_object (&pty->socat);
  close (pty->fd);
  pty->fd = -1;
}

static void
pty_init (Pty *pty)
{
  memset (pty, 0, sizeof *pty);
  pty->dir = agg_test_make_tmpdir ("test-reader");
  pty->a = g_build_filename (pty->dir, "a", NULL);
  pty->b = g_build_filename (pty->dir, "b", NULL);
  pty->fd = -1;
  pty_start (pty);
}

static void
pty_clear (Pty *pty)
{
  if (pty->socat != NULL)
    pty_kill (pty);
  agg_test_remove_tree (pty->dir);
  g_free (pty->dir);
  g_free (pty->a);
  g_free (pty->b);
}

static void
pty_write (Pty        *pty,
           const void *data,
           gsize       len)
{
  const char *p = data;

  while (len > 0)
    {
      ssize_t n = write (pty->fd, p, len);

      if (n < 0 && errno == EINTR)
        continue;
      g_assert_cmpint (n, >, 0);
      p += n;
      len -= n;
    }
}

static void
pty_write_str (Pty        *pty,
               const char *text)
{
  pty_write (pty, text, strlen (text));
}

typedef struct
{
  Pty    *pty;
  GBytes *data;
} WriteJob;

static gpointer
write_thread (gpointer user_data)
{
  WriteJob *job = user_data;
  gsize len;
  const char *data = g_bytes_get_data (job->data, &len);

  pty_write (job->pty, data, len);
  g_bytes_unref (job->data);
  g_free (job);
  return NULL;
}

/* Big writes go from a thread: the pseudo-terminal's buffers are small
 * and the reader empties them only while the main context runs.  Join
 * the thread returned once the reader has what it needs. */
static GThread *
write_in_thread (Pty    *pty,
                 GBytes *data)
{
  WriteJob *job = g_new0 (WriteJob, 1);

  job->pty = pty;
  job->data = g_bytes_ref (data);
  return g_thread_new ("writer", write_thread, job);
}

static AggReader *
serial_reader (Pty        *pty,
               const char *extra)
{
  g_autofree char *text = g_strdup_printf ("[scanner:test]\n"
                                           "type = serial\n"
                                           "device = %s\n"
                                           "baud = 115200\n"
                                           "reconnect-min = 20ms\n"
                                           "reconnect-max = 300ms\n"
                                           "%s", pty->a, extra);

  return reader_from_text (text);
}

static void
start_and_wait_connected (AggReader *reader)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (agg_reader_start (reader, &error));
  g_assert_no_error (error);
  if (!wait_until (is_connected, reader, WAIT_MS))
    g_error ("the reader did not connect");
}

/* A serial reader on @pty, started, connected and recorded in @rec. */
static AggReader *
start_serial_reader (Pty        *pty,
                     const char *extra,
                     Recorder   *rec)
{
  AggReader *reader = serial_reader (pty, extra);

  recorder_init (rec, reader);
  start_and_wait_connected (reader);
  return reader;
}

static void
test_reader_serial_framings (void)
{
  static const struct
  {
    const char *config;
    const char *suffix;
  } cases[] = {
    { "framing = cr\n", "\r" },
    { "framing = lf\n", "\n" },
    { "framing = crlf\n", "\r\n" },
  };
  Pty pty;

  if (!have_socat ())
    return;
  pty_init (&pty);

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      Recorder rec;
      g_autoptr(AggReader) reader = start_serial_reader (&pty, cases[i].config, &rec);
      g_autofree char *merged = g_strdup_printf ("F1%sF2%s", cases[i].suffix, cases[i].suffix);
      g_autofree char *split = g_strdup_printf ("F3-SPLIT%s", cases[i].suffix);

      /* Two frames in one write, then one written byte by byte. */
      pty_write_str (&pty, merged);
      for (const char *p = split; *p != '\0'; p++)
        pty_write (&pty, p, 1);
      wait_frames (&rec, 3);
      g_assert_cmpstr (rec.frames->pdata[0], ==, "F1");
      g_assert_cmpstr (rec.frames->pdata[1], ==, "F2");
      g_assert_cmpstr (rec.frames->pdata[2], ==, "F3-SPLIT");
      g_assert_cmpint (status_int (reader, "frames"), ==, 3);
      g_assert_cmpint (status_int (reader, "bytes"), ==, strlen (merged) + strlen (split));
      g_assert_cmpuint (rec.errors->len, ==, 0);
      agg_reader_stop (reader);
      g_assert_false (agg_reader_get_connected (reader));
      recorder_clear (&rec);
    }

  {
    Recorder rec;
    g_autoptr(AggReader) reader = start_serial_reader (&pty, "framing = timeout\n"
                                                             "frame-timeout = 30ms\n"
                                                             "gs-substitute = ~\n", &rec);

    pty_write_str (&pty, "0109501101020917~10A\r");
    wait_frames (&rec, 1);
    pty_write_str (&pty, "T2");
    wait_frames (&rec, 2);
    g_assert_cmpstr (rec.frames->pdata[0], ==, "0109501101020917\x1d" "10A\r");
    g_assert_cmpstr (rec.frames->pdata[1], ==, "T2");
    agg_reader_stop (reader);
    recorder_clear (&rec);
  }

  pty_clear (&pty);
}

static void
test_reader_serial_garbage_then_good_frames (void)
{
  g_autoptr(GByteArray) stream = g_byte_array_new ();
  g_autoptr(GRand) rand = g_rand_new_with_seed (g_test_rand_int ());
  g_autoptr(AggReader) reader = NULL;
  g_autoptr(GBytes) data = NULL;
  GThread *thread;
  Recorder rec;
  Pty pty;
  guint good = 0;

  if (!have_socat ())
    return;
  pty_init (&pty);
  reader = start_serial_reader (&pty, "", &rec);

  for (guint i = 0; i < 64 * 1024; i++)
    {
      guint8 c = g_rand_int_range (rand, 0, 256);

      g_byte_array_append (stream, &c, 1);
    }
  /* A real reader's next scan would start after the noise; the CR ends
   * whatever the noise left half done. */
  g_byte_array_append (stream, (const guint8 *) "\r", 1);
  for (guint i = 0; i < 100; i++)
    {
      g_autofree char *frame = g_strdup_printf ("GOOD-%04u-7f3a\r", i);

      g_byte_array_append (stream, (const guint8 *) frame, strlen (frame));
    }
  g_byte_array_append (stream, (const guint8 *) "END\r", 4);

  data = g_byte_array_free_to_bytes (g_steal_pointer (&stream));
  thread = write_in_thread (&pty, data);
  wait_status (reader, "bytes", g_bytes_get_size (data));
  g_thread_join (thread);
  wait_frames (&rec, 1);
  g_assert_cmpstr (rec.frames->pdata[rec.frames->len - 1], ==, "END");

  for (guint i = 0; i < rec.frames->len; i++)
    if (g_str_has_prefix (rec.frames->pdata[i], "GOOD-"))
      {
        g_autofree char *expected = g_strdup_printf ("GOOD-%04u-7f3a", good);

        g_assert_cmpstr (rec.frames->pdata[i], ==, expected);
        good++;
      }
  g_assert_cmpuint (good, ==, 100);
  g_assert_cmpint (status_int (reader, "frames"), ==, rec.frames->len);

  agg_reader_stop (reader);
  recorder_clear (&rec);
  pty_clear (&pty);
}

static void
test_reader_serial_burst_of_one_mebibyte (void)
{
  g_autoptr(GString) stream = g_string_new (NULL);
  g_autoptr(AggReader) reader = NULL;
  g_autoptr(GBytes) data = NULL;
  GThread *thread;
  Recorder rec;
  Pty pty;
  guint n = 0;

  if (!have_socat ())
    return;
  pty_init (&pty);
  reader = start_serial_reader (&pty, "gs-substitute = GS\n", &rec);

  while (stream->len < 1024 * 1024)
    g_string_append_printf (stream, "010950110102091710LOT42\x1d" "21S%08u\r", n++);
  data = g_string_free_to_bytes (g_steal_pointer (&stream));
  thread = write_in_thread (&pty, data);
  wait_frames (&rec, n);
  g_thread_join (thread);

  g_assert_cmpuint (rec.frames->len, ==, n);
  for (guint i = 0; i < n; i++)
    {
      g_autofree char *expected = g_strdup_printf ("010950110102091710LOT42\x1d" "21S%08u", i);

      g_assert_cmpstr (rec.frames->pdata[i], ==, expected);
    }
  g_assert_cmpint (status_int (reader, "bytes"), ==, g_bytes_get_size (data));
  g_assert_cmpint (status_int (reader, "discarded"), ==, 0);

  agg_reader_stop (reader);
  recorder_clear (&rec);
  pty_clear (&pty);
}

static void
test_reader_serial_unplug_and_return (void)
{
  g_autoptr(AggReader) reader = NULL;
  g_autofree char *last_error = NULL;
  Recorder rec;
  Pty pty;
  gint64 back;

  if (!have_socat ())
    return;
  pty_init (&pty);
  reader = start_serial_reader (&pty, "", &rec);

  pty_write_str (&pty, "BEFORE\r");
  wait_frames (&rec, 1);
  /* Half a scan reaches the reader, then the cable goes. */
  pty_write_str (&pty, "HALF");
  wait_status (reader, "bytes", 11);
  pty_kill (&pty);

  if (!wait_until (is_disconnected, reader, WAIT_MS))
    g_error ("the reader did not notice the lost port");
  wait_errors (&rec, 1);
  g_assert_cmpint (status_int (reader, "discarded"), ==, 1);
  last_error = status_string (reader, "last_error");
  g_assert_nonnull (last_error);

  /* The device comes back at the same path. */
  back = g_get_monotonic_time ();
  pty_start (&pty);
  if (!wait_until (is_connected, reader, 5000))
    g_error ("the reader did not reopen the port within 5 s of its return");
  g_test_message ("reopened %" G_GINT64_FORMAT " ms after the port returned",
                  (g_get_monotonic_time () - back) / 1000);
  g_assert_cmpint (status_int (reader, "reconnects"), ==, 1);

  pty_write_str (&pty, "AFTER\r");
  wait_frames (&rec, 2);
  g_assert_cmpuint (rec.frames->len, ==, 2);
  g_assert_cmpstr (rec.frames->pdata[0], ==, "BEFORE");
  g_assert_cmpstr (rec.frames->pdata[1], ==, "AFTER");
  g_assert_cmpint (status_int (reader, "frames"), ==, 2);

  agg_reader_stop (reader);
  recorder_clear (&rec);
  pty_clear (&pty);
}

/* TCP */

/* A listener on a free loopback port; its port in *@port. */
static GSocketListener *
loopback_listener (guint16 *port)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GSocketAddress) effective = NULL;
  GSocketListener *listener = g_socket_listener_new ();

  g_socket_listener_add_address (listener, address, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP,
                                 NULL, &effective, &error);
  g_assert_no_error (error);
  *port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (effective));
  return listener;
}

static void
accept_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  GSocketConnection **connection = user_data;
  g_autoptr(GError) error = NULL;

  *connection = g_socket_listener_accept_finish (G_SOCKET_LISTENER (source), result, NULL, &error);
  g_assert_no_error (error);
}

static gboolean
is_set (gpointer data)
{
  return *(gpointer *) data != NULL;
}

static GSocketConnection *
accept_one (GSocketListener *listener)
{
  GSocketConnection *connection = NULL;

  g_socket_listener_accept_async (listener, NULL, accept_cb, &connection);
  if (!wait_until (is_set, &connection, WAIT_MS))
    g_error ("no connection came");
  return connection;
}

static void
send_str (GSocketConnection *connection,
          const char        *text)
{
  g_autoptr(GError) error = NULL;
  GOutputStream *out = g_io_stream_get_output_stream (G_IO_STREAM (connection));

  g_output_stream_write_all (out, text, strlen (text), NULL, NULL, &error);
  g_assert_no_error (error);
}

static void
test_reader_tcp_client_reconnects (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSocketListener) listener = NULL;
  g_autoptr(GSocketConnection) first = NULL;
  g_autoptr(GSocketConnection) second = NULL;
  g_autoptr(AggReader) reader = NULL;
  g_autofree char *text = NULL;
  g_autofree char *endpoint = NULL;
  g_autofree char *expected_endpoint = NULL;
  char trigger[8] = { 0 };
  Recorder rec;
  guint16 port;

  listener = loopback_listener (&port);
  text = g_strdup_printf ("[scanner:test]\n"
                          "type = tcp-client\n"
                          "host = 127.0.0.1\n"
                          "port = %u\n"
                          "role = unit\n"
                          "reconnect-min = 20ms\n"
                          "reconnect-max = 200ms\n"
                          "trigger-command = LON\\r\n"
                          "no-read = NG\n", port);
  reader = reader_from_text (text);
  g_assert_cmpint (agg_reader_get_kind (reader), ==, AGG_READER_KIND_FIXED);
  recorder_init (&rec, reader);

  g_assert_false (agg_reader_trigger (reader, &error));
  g_assert_error (error, AGG_READER_ERROR, AGG_READER_ERROR_NOT_CONNECTED);
  g_clear_error (&error);

  start_and_wait_connected (reader);
  first = accept_one (listener);
  endpoint = status_string (reader, "endpoint");
  expected_endpoint = g_strdup_printf ("127.0.0.1:%u", port);
  g_assert_cmpstr (endpoint, ==, expected_endpoint);

  /* Frames split and merged across reads; a failed read; half a frame,
   * then the reader drops the connection. */
  send_str (first, "AB");
  wait_status (reader, "bytes", 2);
  send_str (first, "C\rDE");
  wait_frames (&rec, 1);
  send_str (first, "F\rNG\rHAL");
  wait_status (reader, "bytes", 14);
  g_io_stream_close (G_IO_STREAM (first), NULL, &error);
  g_assert_no_error (error);

  if (!wait_until (is_disconnected, reader, WAIT_MS))
    g_error ("the reader did not notice the closed connection");
  wait_errors (&rec, 2);
  second = accept_one (listener);
  if (!wait_until (is_connected, reader, WAIT_MS))
    g_error ("the reader did not reconnect");
  g_assert_cmpint (status_int (reader, "reconnects"), ==, 1);

  /* A fixed reader is triggered over the same connection. */
  g_assert_true (agg_reader_trigger (reader, &error));
  g_assert_no_error (error);
  g_input_stream_read_all (g_io_stream_get_input_stream (G_IO_STREAM (second)), trigger, 4,
                           NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (trigger, ==, "LON\r");

  send_str (second, "G\r");
  wait_frames (&rec, 3);
  g_assert_cmpuint (rec.frames->len, ==, 3);
  g_assert_cmpstr (rec.frames->pdata[0], ==, "ABC");
  g_assert_cmpstr (rec.frames->pdata[1], ==, "DEF");
  g_assert_cmpstr (rec.frames->pdata[2], ==, "G");
  g_assert_cmpuint (rec.errors->len, ==, 2);
  g_assert_cmpint (status_int (reader, "bad"), ==, 1);
  g_assert_cmpint (status_int (reader, "discarded"), ==, 1);

  agg_reader_note_result (reader, TRUE);
  agg_reader_note_result (reader, FALSE);
  g_assert_cmpint (status_int (reader, "good"), ==, 1);
  g_assert_cmpint (status_int (reader, "bad"), ==, 2);

  agg_reader_stop (reader);
  g_assert_false (agg_reader_get_connected (reader));
  {
    g_autofree char *state = status_string (reader, "state");

    g_assert_cmpstr (state, ==, "stopped");
  }
  recorder_clear (&rec);
}

static guint16
free_port (void)
{
  guint16 port;
  g_autoptr(GSocketListener) listener = loopback_listener (&port);

  g_socket_listener_close (listener);
  return port;
}

static GSocketConnection *
connect_to (guint16 port)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSocketClient) client = g_socket_client_new ();
  GSocketConnection *connection;

  g_socket_client_set_enable_proxy (client, FALSE);
  connection = g_socket_client_connect_to_host (client, "127.0.0.1", port, NULL, &error);
  g_assert_no_error (error);
  return connection;
}

static int
compare_strings (gconstpointer a,
                 gconstpointer b)
{
  return strcmp (*(const char * const *) a, *(const char * const *) b);
}

static void
test_reader_tcp_server_two_peers (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSocketConnection) one = NULL;
  g_autoptr(GSocketConnection) two = NULL;
  g_autoptr(AggReader) reader = NULL;
  g_autofree char *text = NULL;
  guint16 port = free_port ();
  Recorder rec;

  text = g_strdup_printf ("[scanner:test]\n"
                          "type = tcp-server\n"
                          "listen = 127.0.0.1\n"
                          "port = %u\n"
                          "framing = etx\n"
                          "trigger-command = \\x16T\\r\n", port);
  reader = reader_from_text (text);
  recorder_init (&rec, reader);
  g_assert_true (agg_reader_start (reader, &error));
  g_assert_no_error (error);
  wait_state (reader, "listening");
  g_assert_false (agg_reader_get_connected (reader));

  one = connect_to (port);
  two = connect_to (port);
  wait_status (reader, "peers", 2);
  g_assert_true (agg_reader_get_connected (reader));

  /* Each peer's frames are cut on their own, however they interleave. */
  send_str (one, "\x02P1-A");
  wait_status (reader, "bytes", 5);
  send_str (two, "\x02P2-A\x03\x02P2-");
  wait_frames (&rec, 1);
  send_str (one, "1\x03");
  send_str (two, "B\x03");
  wait_frames (&rec, 3);
  g_ptr_array_sort (rec.frames, compare_strings);
  g_assert_cmpstr (rec.frames->pdata[0], ==, "P1-A1");
  g_assert_cmpstr (rec.frames->pdata[1], ==, "P2-A");
  g_assert_cmpstr (rec.frames->pdata[2], ==, "P2-B");

  /* The trigger goes to every peer. */
  g_assert_true (agg_reader_trigger (reader, &error));
  g_assert_no_error (error);
  for (guint i = 0; i < 2; i++)
    {
      char buf[4] = { 0 };

      g_input_stream_read_all (g_io_stream_get_input_stream (G_IO_STREAM (i == 0 ? one : two)),
                               buf, 3, NULL, NULL, &error);
      g_assert_no_error (error);
      g_assert_cmpstr (buf, ==, "\x16T\r");
    }

  /* One peer leaves in the middle of a frame: the others stay. */
  send_str (one, "\x02HALF");
  wait_status (reader, "bytes", 24);
  g_io_stream_close (G_IO_STREAM (one), NULL, &error);
  g_assert_no_error (error);
  wait_errors (&rec, 1);
  g_assert_cmpint (status_int (reader, "peers"), ==, 1);
  g_assert_true (agg_reader_get_connected (reader));
  send_str (two, "LAST\x03");
  wait_frames (&rec, 4);
  g_assert_cmpstr (rec.frames->pdata[3], ==, "LAST");

  g_io_stream_close (G_IO_STREAM (two), NULL, &error);
  g_assert_no_error (error);
  if (!wait_until (is_disconnected, reader, WAIT_MS))
    g_error ("the reader did not notice that its last peer left");
  wait_state (reader, "listening");
  g_assert_cmpint (status_int (reader, "frames"), ==, 4);
  g_assert_cmpint (status_int (reader, "discarded"), ==, 1);

  agg_reader_stop (reader);
  recorder_clear (&rec);
}

static void
test_reader_tcp_server_port_in_use_is_retried (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSocketListener) squatter = NULL;
  g_autoptr(GSocketConnection) peer = NULL;
  g_autoptr(AggReader) reader = NULL;
  g_autofree char *text = NULL;
  g_autofree char *last_error = NULL;
  guint16 port;
  Recorder rec;

  squatter = loopback_listener (&port);
  text = g_strdup_printf ("[scanner:test]\n"
                          "type = tcp-server\n"
                          "listen = 127.0.0.1\n"
                          "port = %u\n"
                          "reconnect-min = 20ms\n"
                          "reconnect-max = 200ms\n", port);
  reader = reader_from_text (text);
  recorder_init (&rec, reader);

  g_assert_true (agg_reader_start (reader, &error));
  g_assert_no_error (error);
  wait_state (reader, "waiting");
  last_error = status_string (reader, "last_error");
  g_assert_nonnull (last_error);

  g_socket_listener_close (squatter);
  wait_state (reader, "listening");
  peer = connect_to (port);
  send_str (peer, "HELLO\r");
  wait_frames (&rec, 1);
  g_assert_cmpstr (rec.frames->pdata[0], ==, "HELLO");

  agg_reader_stop (reader);
  recorder_clear (&rec);
}

/* Configuration */

static void
test_reader_config_valid (void)
{
  const char *text = "[station]\n"
                     "name = Line 1\n"
                     "[scanner:hand]\n"
                     "type = serial\n"
                     "device = /dev/serial/by-id/usb-Reader-if00\n"
                     "role = unit\n"
                     "parity = even\n"
                     "data-bits = 7\n"
                     "stop-bits = 2\n"
                     "flow-control = rtscts\n"
                     "prefix = \\x02\n"
                     "[scanner:case]\n"
                     "type = tcp-client\n"
                     "host = 192.0.2.10\n"
                     "port = 9004\n"
                     "role = case\n"
                     "kind = fixed\n"
                     "framing = crlf\n";
  g_autoptr(GError) error = NULL;
  g_autoptr(AggConfig) config = agg_config_load_data (text, strlen (text), "station.conf", &error);
  g_autoptr(GPtrArray) readers = NULL;
  g_autoptr(AggConfig) empty = agg_config_new ();
  g_autoptr(JsonObject) status = NULL;
  g_autoptr(GPtrArray) none = NULL;
  AggReader *hand, *fixed;

  g_assert_no_error (error);
  readers = agg_readers_new_from_config (config, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (readers->len, ==, 2);
  hand = readers->pdata[0];
  fixed = readers->pdata[1];
  g_assert_cmpstr (agg_reader_get_name (hand), ==, "hand");
  g_assert_cmpint (agg_reader_get_role (hand), ==, AGG_READER_ROLE_UNIT);
  g_assert_cmpint (agg_reader_get_kind (hand), ==, AGG_READER_KIND_HANDHELD);
  g_assert_cmpstr (agg_reader_get_name (fixed), ==, "case");
  g_assert_cmpstr (agg_reader_role_to_string (agg_reader_get_role (fixed)), ==, "case");
  g_assert_cmpstr (agg_reader_kind_to_string (agg_reader_get_kind (fixed)), ==, "fixed");

  status = agg_reader_dup_status (hand);
  g_assert_cmpstr (json_object_get_string_member (status, "type"), ==, "serial");
  g_assert_cmpstr (json_object_get_string_member (status, "endpoint"), ==,
                   "/dev/serial/by-id/usb-Reader-if00");
  g_assert_cmpstr (json_object_get_string_member (status, "state"), ==, "stopped");
  g_assert_false (json_object_get_boolean_member (status, "connected"));
  g_assert_true (json_object_get_null_member (status, "last_error"));
  g_assert_true (json_object_get_null_member (status, "last_frame_at"));
  g_assert_cmpint (json_object_get_int_member (status, "frames"), ==, 0);

  g_assert_false (agg_reader_trigger (hand, &error));
  g_assert_error (error, AGG_READER_ERROR, AGG_READER_ERROR_NO_TRIGGER);

  none = agg_readers_new_from_config (empty, NULL);
  g_assert_cmpuint (none->len, ==, 0);
}

static void
test_reader_config_errors_name_the_line (void)
{
  static const struct
  {
    const char *text;
    const char *prefix;
  } cases[] = {
    { "[scanner:a]\ndevice = /dev/ttyACM0\n",
      "station.conf:1: [scanner:a]: the key “type” is required" },
    { "[scanner:a]\ntype = serial\ndevice = /dev/ttyACM0\nbogus = 1\n",
      "station.conf:4: [scanner:a] bogus: unknown key" },
    { "[scanner:a]\ntype = usb\n",
      "station.conf:2: [scanner:a] type: “usb” is none of" },
    { "[scanner:a]\ntype = serial\ndevice = /dev/ttyACM0\nbaud = 12345\n",
      "station.conf:4: [scanner:a] baud: 12345 is not a standard rate" },
    { "[scanner:a]\ntype = serial\ndevice = /dev/ttyACM0\nhost = 10.0.0.1\n",
      "station.conf:4: [scanner:a] host: the key does not apply to a reader of type serial" },
    { "[scanner:a]\ntype = serial\ndevice = /dev/ttyACM0\nframe-timeout = 20ms\n",
      "station.conf:4: [scanner:a] frame-timeout: frame-timeout applies only to framing = timeout" },
    { "[scanner:a]\ntype = tcp-client\nhost = h\nport = 70000\n",
      "station.conf:4: [scanner:a] port: 70000 is out of range" },
    { "[scanner:a]\ntype = tcp-client\nport = 23\n",
      "station.conf:1: [scanner:a]: the key “host” is required" },
    { "[scanner:a]\ntype = tcp-server\nport = 23\nlisten = everywhere\n",
      "station.conf:4: [scanner:a] listen: “everywhere” is not an IP address" },
    { "[scanner:a]\ntype = tcp-server\nport = 23\nreconnect-min = 2s\nreconnect-max = 1s\n",
      "station.conf:5: [scanner:a] reconnect-max: reconnect-max must not be shorter" },
    { "[scanner:a]\ntype = tcp-server\nport = 23\ntrigger-command = LON\\q\n",
      "station.conf:4: [scanner:a] trigger-command: a backslash starts one of" },
    { "[scanner:a]\ntype = serial\ndevice = /dev/ttyACM0\ngs-substitute = CR\n",
      "station.conf:4: [scanner:a] gs-substitute: the character already ends" },
    { "[scanner:a]\ntype = serial\ndevice = /dev/ttyACM0\nframing = stx\n",
      "station.conf:4: [scanner:a] framing: “stx” is none of" },
    { "[scanner:]\ntype = serial\n",
      "station.conf:1: [scanner:]: a scanner needs a name" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(AggConfig) config = agg_config_load_data (cases[i].text, strlen (cases[i].text),
                                                          "station.conf", &error);
      g_autoptr(GPtrArray) readers = NULL;

      g_assert_no_error (error);
      readers = agg_readers_new_from_config (config, &error);
      g_assert_null (readers);
      g_assert_error (error, AGG_CONFIG_ERROR, error->code);
      if (!g_str_has_prefix (error->message, cases[i].prefix))
        g_error ("case %u: “%s” does not start with “%s”", i, error->message, cases[i].prefix);
    }
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/reader/config/valid", test_reader_config_valid);
  g_test_add_func ("/reader/config/errors-name-the-line", test_reader_config_errors_name_the_line);
  g_test_add_func ("/reader/serial/framings", test_reader_serial_framings);
  g_test_add_func ("/reader/serial/garbage-then-good-frames",
                   test_reader_serial_garbage_then_good_frames);
  g_test_add_func ("/reader/serial/burst-of-one-mebibyte", test_reader_serial_burst_of_one_mebibyte);
  g_test_add_func ("/reader/serial/unplug-and-return", test_reader_serial_unplug_and_return);
  g_test_add_func ("/reader/tcp-client/reconnects", test_reader_tcp_client_reconnects);
  g_test_add_func ("/reader/tcp-server/two-peers", test_reader_tcp_server_two_peers);
  g_test_add_func ("/reader/tcp-server/port-in-use-is-retried",
                   test_reader_tcp_server_port_in_use_is_retried);

  return g_test_run ();
}
