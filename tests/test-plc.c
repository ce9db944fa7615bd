/* test-plc.c: the PLC over Modbus, against a real Modbus TCP server
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Each case runs AggPlc against tests/plc-server.py, a pymodbus server that
 * logs every write with its monotonic time and that the test steers: it
 * sets inputs, reads back the history of an output, delays responses and
 * is killed and restarted.  Every wait is on a condition, with a time
 * limit only to turn a hang into a failure.
 */

#include "config.h"

#include <fcntl.h>
#include <gio/gio.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "agg-plc-private.h"
#include "agg-test-utils.h"

/* A condition not met within this long fails the test. */
#define WAIT_MS 15000

/* How much longer than configured a reject pulse may be on the PLC: the
 * thread's wake-up and the write's round trip on a loaded machine.  It is
 * never shorter: the pulse is timed from the PLC's acknowledgement. */
#define PULSE_SLACK_MS 250

typedef struct
{
  GSubprocess      *proc;
  GOutputStream    *in;
  GDataInputStream *out;
  guint             port;
} Server;

typedef struct
{
  Server  server;
  AggPlc *plc;
  guint   triggers;
  guint   line_running_seen;
  guint   status_changes;
  guint   misread;                      /* statuses with an input no address holds */
  char   *misread_status;
} Fixture;

/* The server's answer to one command line. */
static char *
server_ask (Server     *server,
            const char *format,
            ...) G_GNUC_PRINTF (2, 3);

static char *
server_ask (Server     *server,
            const char *format,
            ...)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *command = NULL;
  g_autofree char *line = NULL;
  va_list args;
  char *answer;

  va_start (args, format);
  command = g_strdup_vprintf (format, args);
  va_end (args);
  line = g_strconcat (command, "\n", NULL);

  g_output_stream_write_all (server->in, line, strlen (line), NULL, NULL, &error);
  g_assert_no_error (error);
  g_output_stream_flush (server->in, NULL, &error);
  g_assert_no_error (error);
  answer = g_data_input_stream_read_line_utf8 (server->out, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (answer);
  g_assert_false (g_str_has_prefix (answer, "error"));
  return answer;
}

/* Starts the server with @option and @value; FALSE when pymodbus is
 * missing, with the server's reason in *@skip_reason.  The first line it
 * prints is returned in *@first. */
static gboolean
server_spawn (Server      *server,
              const char  *option,
              const char  *value,
              char       **first,
              char       **skip_reason)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *script = g_test_build_filename (G_TEST_DIST, "plc-server.py", NULL);
  const char *python = g_getenv ("AGG_PYTHON3");
  char *line;

  server->proc = g_subprocess_new (G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_PIPE,
                                   &error, python != NULL ? python : "python3", script,
                                   option, value, NULL);
  g_assert_no_error (error);
  server->in = g_subprocess_get_stdin_pipe (server->proc);
  server->out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (server->proc));
  line = g_data_input_stream_read_line_utf8 (server->out, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (line);

  if (g_str_has_prefix (line, "skip: "))
    {
      if (skip_reason != NULL)
        *skip_reason = g_strdup (line + strlen ("skip: "));
      g_free (line);
      g_subprocess_wait (server->proc, NULL, NULL);
      g_clear_object (&server->out);
      g_clear_object (&server->proc);
      return FALSE;
    }
  *first = line;
  return TRUE;
}

/* Starts a Modbus TCP server on @port, 0 for any. */
static gboolean
server_start (Server  *server,
              guint    port,
              char   **skip_reason)
{
  g_autofree char *port_text = g_strdup_printf ("%u", port);
  g_autofree char *line = NULL;

  if (!server_spawn (server, "--port", port_text, &line, skip_reason))
    return FALSE;
  g_assert_true (g_str_has_prefix (line, "port "));
  server->port = atoi (line + strlen ("port "));
  g_assert_cmpuint (server->port, >, 0);
  if (port != 0)
    g_assert_cmpuint (server->port, ==, port);
  return TRUE;
}

/* Kills the server as a PLC dies: no goodbye on any connection. */
static void
server_kill (Server *server)
{
  g_subprocess_force_exit (server->proc);
  g_subprocess_wait (server->proc, NULL, NULL);
  g_clear_object (&server->out);
  g_clear_object (&server->proc);
  server->in = NULL;
}

static void
server_stop (Server *server)
{
  g_autoptr(GError) error = NULL;

  if (server->proc == NULL)
    return;
  g_output_stream_close (server->in, NULL, NULL);
  g_subprocess_wait_check (server->proc, NULL, &error);
  g_assert_no_error (error);
  g_clear_object (&server->out);
  g_clear_object (&server->proc);
  server->in = NULL;
}

typedef struct
{
  double time;
  int    value;
} Write;

/* The client's writes to one address, oldest first. */
static GArray *
server_history (Server     *server,
                const char *table,
                guint       address)
{
  g_autofree char *answer = server_ask (server, "history %s %u", table, address);
  g_auto(GStrv) words = g_strsplit (answer, " ", -1);
  GArray *writes = g_array_new (FALSE, FALSE, sizeof (Write));

  g_assert_cmpstr (words[0], ==, "history");
  for (guint i = 1; words[i] != NULL; i++)
    {
      Write write;
      char *colon = strchr (words[i], ':');

      g_assert_nonnull (colon);
      write.time = g_ascii_strtod (words[i], NULL);
      write.value = atoi (colon + 1);
      g_array_append_val (writes, write);
    }
  return writes;
}

/* The last value the client wrote to @address, -1 when none. */
static int
server_last (Server     *server,
             const char *table,
             guint       address)
{
  g_autoptr(GArray) writes = server_history (server, table, address);

  return writes->len > 0 ? g_array_index (writes, Write, writes->len - 1).value : -1;
}

static guint
server_count (Server     *server,
              const char *table,
              guint       address)
{
  g_autoptr(GArray) writes = server_history (server, table, address);

  return writes->len;
}

static int
server_get (Server     *server,
            const char *table,
            guint       address)
{
  g_autofree char *answer = server_ask (server, "get %s %u", table, address);

  g_assert_true (g_str_has_prefix (answer, "value "));
  return atoi (answer + strlen ("value "));
}

static void
server_set (Server     *server,
            const char *table,
            guint       address,
            int         value)
{
  g_autofree char *answer = server_ask (server, "set %s %u %d", table, address, value);

  g_assert_cmpstr (answer, ==, "ok");
}

/* Lets the main context run for up to @ms. */
static gboolean
timeout_cb (gpointer data)
{
  *(gboolean *) data = TRUE;
  return G_SOURCE_REMOVE;
}

static void
spin (guint ms)
{
  gboolean done = FALSE;
  guint id = g_timeout_add (ms, timeout_cb, &done);

  while (!done)
    g_main_context_iteration (NULL, TRUE);
  (void) id;
}

/* Runs the main context until @expr holds, failing after WAIT_MS. */
#define WAIT_UNTIL(expr) \
  G_STMT_START { \
    gint64 wait_deadline_ = g_get_monotonic_time () + WAIT_MS * G_TIME_SPAN_MILLISECOND; \
    while (!(expr) && g_get_monotonic_time () < wait_deadline_) \
      spin (10); \
    g_assert_true (expr); \
  } G_STMT_END

static gint64
status_int (AggPlc     *plc,
            const char *member)
{
  g_autoptr(JsonObject) status = agg_plc_dup_status (plc);

  return json_object_get_int_member (status, member);
}

/* An input or output of the status: 1, 0, or -1 for null. */
static int
status_level (AggPlc     *plc,
              const char *object,
              const char *member)
{
  g_autoptr(JsonObject) status = agg_plc_dup_status (plc);
  JsonNode *node = json_object_get_member (json_object_get_object_member (status, object), member);

  if (JSON_NODE_HOLDS_NULL (node))
    return -1;
  return json_node_get_boolean (node);
}

/* Waits until the PLC has finished @n more polls. */
static void
wait_polls (AggPlc *plc,
            guint   n)
{
  gint64 target = status_int (plc, "polls") + n;

  WAIT_UNTIL (status_int (plc, "polls") >= target);
}

static void
trigger_cb (AggPlc  *plc,
            Fixture *fixture)
{
  fixture->triggers++;
}

static void
line_running_cb (AggPlc     *plc,
                 GParamSpec *pspec,
                 Fixture    *fixture)
{
  if (agg_plc_get_line_running (plc))
    fixture->line_running_seen++;
}

static AggPlc *
plc_from_text (const char *text)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(AggConfig) config = agg_config_load_data (text, strlen (text), "plc-test.conf", &error);
  AggPlc *plc;

  g_assert_no_error (error);
  plc = agg_plc_new_from_config (config, &error);
  g_assert_no_error (error);
  g_assert_nonnull (plc);
  return plc;
}

/* The [plc] group of a test against the server. */
static char *
plc_group (Server *server)
{
  return g_strdup_printf ("[plc]\n"
                          "type = modbus-tcp\n"
                          "host = 127.0.0.1\n"
                          "port = %u\n"
                          "response-timeout = 200ms\n"
                          "poll-interval = 20ms\n"
                          "watchdog = 1500ms\n"
                          "heartbeat-period = 100ms\n"
                          "reconnect-min = 20ms\n"
                          "reconnect-max = 200ms\n",
                          server->port);
}

/* The map most cases use: each kind of address, lights in one register. */
static const char standard_map[] =
  "[plc.map]\n"
  "trigger = discrete:3\n"
  "case-present = input-register:40.2\n"
  "line-running = coil:100\n"
  "reject = coil:10\n"
  "reject-pulse = 150ms\n"
  "ready = coil:11\n"
  "heartbeat = coil:12\n"
  "line-stop = coil:13\n"
  "light-green = holding-register:20.0\n"
  "light-amber = holding-register:20.1\n"
  "light-red = holding-register:20.2\n";

static gboolean
fixture_start_server (Fixture *fixture)
{
  g_autofree char *reason = NULL;

  memset (fixture, 0, sizeof *fixture);
  if (!server_start (&fixture->server, 0, &reason))
    {
      g_test_skip (reason);
      return FALSE;
    }
  return TRUE;
}

static void
fixture_start_plc (Fixture    *fixture,
                   const char *map)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *group = plc_group (&fixture->server);
  g_autofree char *text = g_strconcat (group, "\n", map, NULL);

  fixture->plc = plc_from_text (text);
  g_signal_connect (fixture->plc, "trigger", G_CALLBACK (trigger_cb), fixture);
  g_signal_connect (fixture->plc, "notify::line-running", G_CALLBACK (line_running_cb), fixture);
  agg_plc_start (fixture->plc, &error);
  g_assert_no_error (error);
}

static void
fixture_finish (Fixture *fixture)
{
  if (fixture->plc != NULL)
    {
      agg_plc_stop (fixture->plc);
      g_assert_finalize_object (fixture->plc);
      fixture->plc = NULL;
    }
  server_stop (&fixture->server);
  g_free (fixture->misread_status);
}

/* The stack light in holding register 20: bit 0 green, 1 amber, 2 red. */
static int
lights (Fixture *fixture)
{
  return server_get (&fixture->server, "hr", 20) & 7;
}

/* Configuration */

static void
expect_error (const char *text,
              guint       line,
              const char *part)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(AggConfig) config = agg_config_load_data (text, strlen (text), "plc-test.conf", &error);
  g_autoptr(AggPlc) plc = NULL;
  g_autofree char *where = g_strdup_printf ("plc-test.conf:%u: ", line);

  g_assert_no_error (error);
  plc = agg_plc_new_from_config (config, &error);
  g_assert_null (plc);
  g_assert_error (error, AGG_CONFIG_ERROR, error->code);
  if (!g_str_has_prefix (error->message, where) || strstr (error->message, part) == NULL)
    g_error ("expected “%s…%s”, got “%s”", where, part, error->message);
}

static void
test_plc_config_rtu (void)
{
  static const char rtu[] =
    "[plc]\n"                            /* 1 */
    "type = modbus-rtu\n"                /* 2 */
    "device = /dev/ttyUSB0\n"            /* 3 */
    "baud = 38400\n"                     /* 4 */
    "parity = none\n"                    /* 5 */
    "stop-bits = 2\n"                    /* 6 */
    "unit-id = 17\n"                     /* 7 */
    "[plc.map]\n"                        /* 8 */
    "reject = coil:0\n";                 /* 9 */
  g_autoptr(AggPlc) plc = plc_from_text (rtu);
  g_autoptr(JsonObject) status = agg_plc_dup_status (plc);

  g_assert_cmpstr (json_object_get_string_member (status, "type"), ==, "modbus-rtu");
  g_assert_cmpstr (json_object_get_string_member (status, "endpoint"), ==, "/dev/ttyUSB0 38400 8N2");
  g_assert_cmpint (json_object_get_int_member (status, "unit_id"), ==, 17);
  g_assert_false (json_object_get_boolean_member (status, "connected"));
  g_assert_cmpstr (json_object_get_string_member (status, "state"), ==, "stopped");

  /* Even parity and one stop bit are the defaults of Modbus RTU. */
  {
    g_autoptr(AggPlc) defaults = plc_from_text ("[plc]\ntype = modbus-rtu\ndevice = /dev/ttyS0\n"
                                                "[plc.map]\nready = coil:1\n");
    g_autoptr(JsonObject) s = agg_plc_dup_status (defaults);

    g_assert_cmpstr (json_object_get_string_member (s, "endpoint"), ==, "/dev/ttyS0 19200 8E1");
  }

  expect_error ("[plc]\ntype = modbus-rtu\nbaud = 9600\n[plc.map]\nready = coil:1\n", 1, "device");
  expect_error ("[plc]\ntype = modbus-rtu\ndevice = /dev/ttyS0\nhost = 10.0.0.1\n"
                "[plc.map]\nready = coil:1\n", 4, "modbus-tcp");
  expect_error ("[plc]\ntype = modbus-rtu\ndevice = /dev/ttyS0\nparity = mark\n"
                "[plc.map]\nready = coil:1\n", 4, "mark");
  expect_error ("[plc]\ntype = modbus-rtu\ndevice = /dev/ttyS0\nbaud = 12345\n"
                "[plc.map]\nready = coil:1\n", 4, "12345");
  expect_error ("[plc]\ntype = modbus-rtu\ndevice = /dev/ttyS0\ndata-bits = 5\n"
                "[plc.map]\nready = coil:1\n", 4, "5");
  expect_error ("[plc]\ntype = modbus-rtu\ndevice = /dev/ttyS0\nstop-bits = 3\n"
                "[plc.map]\nready = coil:1\n", 4, "3");
  expect_error ("[plc]\ntype = modbus-rtu\ndevice = /dev/ttyS0\nunit-id = 248\n"
                "[plc.map]\nready = coil:1\n", 4, "248");
  expect_error ("[plc]\ntype = modbus-rtu\ndevice = /dev/ttyS0\nunit-id = 0\n"
                "[plc.map]\nready = coil:1\n", 4, "0");
  expect_error ("[plc]\ntype = modbus-ascii\ndevice = /dev/ttyS0\n"
                "[plc.map]\nready = coil:1\n", 2, "modbus-ascii");
}

static void
test_plc_config_map (void)
{
  g_autoptr(GError) error = NULL;

  /* No [plc]: no PLC, and no error. */
  {
    static const char text[] = "[station]\nname = L1\n";
    g_autoptr(AggConfig) config = agg_config_load_data (text, strlen (text), "plc-test.conf", &error);
    g_assert_no_error (error);
    g_assert_null (agg_plc_new_from_config (config, &error));
    g_assert_no_error (error);
  }

  expect_error ("[plc]\ntype = modbus-tcp\n[plc.map]\nready = coil:1\n", 1, "host");
  expect_error ("[plc]\ntype = modbus-tcp\nhost = plc\ndevice = /dev/ttyS0\n[plc.map]\nready = coil:1\n",
                4, "modbus-rtu");
  expect_error ("[plc]\ntype = modbus-tcp\nhost = plc\ncolour = red\n[plc.map]\nready = coil:1\n",
                4, "unknown key");
  expect_error ("[plc]\ntype = modbus-tcp\nhost = plc\n[plc.map]\n", 4, "at least one");
  expect_error ("[plc.map]\nready = coil:1\n", 1, "[plc]");
  expect_error ("[plc]\ntype = modbus-tcp\nhost = plc\n[plc.map]\nready = coil:1\nbell = coil:2\n",
                6, "unknown key");
  expect_error ("[plc]\ntype = modbus-tcp\nhost = plc\n[plc.map]\nreject = discrete:3\n",
                5, "read-only");
  expect_error ("[plc]\ntype = modbus-tcp\nhost = plc\n[plc.map]\nready = input-register:3.1\n",
                5, "read-only");
  expect_error ("[plc]\ntype = modbus-tcp\nhost = plc\n[plc.map]\nready = holding-register:20\n",
                5, "no bit");
  expect_error ("[plc]\ntype = modbus-tcp\nhost = plc\n[plc.map]\nready = holding-register:20.16\n",
                5, "0 to 15");
  expect_error ("[plc]\ntype = modbus-tcp\nhost = plc\n[plc.map]\ntrigger = coil:65536\n",
                5, "0 to 65535");
  expect_error ("[plc]\ntype = modbus-tcp\nhost = plc\n[plc.map]\ntrigger = coil:-1\n",
                5, "0 to 65535");
  expect_error ("[plc]\ntype = modbus-tcp\nhost = plc\n[plc.map]\ntrigger = relay:4\n",
                5, "relay:4");
  expect_error ("[plc]\ntype = modbus-tcp\nhost = plc\n[plc.map]\nready = coil:4\nheartbeat = coil:4\n",
                6, "ready");
  expect_error ("[plc]\ntype = modbus-tcp\nhost = plc\n[plc.map]\nready = coil:4\nreject-pulse = 5ms\n",
                6, "5ms");
  expect_error ("[plc]\ntype = modbus-tcp\nhost = plc\nresponse-timeout = 2s\nwatchdog = 1s\n"
                "[plc.map]\nready = coil:4\n", 5, "watchdog");
  expect_error ("[plc]\ntype = modbus-tcp\nhost = plc\nreconnect-min = 2s\nreconnect-max = 1s\n"
                "[plc.map]\nready = coil:4\n", 5, "reconnect-min");

  /* Lights sharing a register and an input in the same register are fine. */
  {
    g_autoptr(AggPlc) plc = plc_from_text ("[plc]\ntype = modbus-tcp\nhost = plc\n[plc.map]\n"
                                           "light-green = holding-register:9.0\n"
                                           "light-red = holding-register:9.1\n"
                                           "line-running = holding-register:9.7\n");
    g_autoptr(JsonObject) status = agg_plc_dup_status (plc);

    g_assert_cmpstr (json_object_get_string_member (status, "endpoint"), ==, "plc:502");
  }
}

/* Behaviour on the wire */

static void
test_plc_reject_pulses (void)
{
  Fixture fixture;
  g_autoptr(GArray) writes = NULL;
  guint first = 0, ones = 0;

  if (!fixture_start_server (&fixture))
    return;
  fixture_start_plc (&fixture, standard_map);

  /* Connected and resynchronised: the reject coil written off once. */
  WAIT_UNTIL (agg_plc_get_connected (fixture.plc));
  WAIT_UNTIL (server_last (&fixture.server, "co", 10) == 0);
  first = server_count (&fixture.server, "co", 10);

  agg_plc_pulse_reject (fixture.plc);
  agg_plc_pulse_reject (fixture.plc);
  agg_plc_pulse_reject (fixture.plc);
  WAIT_UNTIL (status_int (fixture.plc, "rejects") == 3);
  g_assert_cmpint (status_int (fixture.plc, "rejects_pending"), ==, 0);
  /* Nothing more comes of three requests. */
  wait_polls (fixture.plc, 10);
  g_assert_cmpint (status_int (fixture.plc, "rejects"), ==, 3);

  writes = server_history (&fixture.server, "co", 10);
  g_assert_cmpuint (writes->len - first, ==, 6);
  for (guint i = first; i < writes->len; i++)
    {
      const Write *write = &g_array_index (writes, Write, i);

      /* On, off, on, off: three pulses, none merged into another. */
      g_assert_cmpint (write->value, ==, (i - first) % 2 == 0 ? 1 : 0);
      if (write->value == 1)
        {
          const Write *off = &g_array_index (writes, Write, i + 1);
          double length_ms = (off->time - write->time) * 1000;

          ones++;
          g_test_message ("pulse %u: %.1f ms", ones, length_ms);
          g_assert_cmpfloat (length_ms, >=, 150);
          g_assert_cmpfloat (length_ms, <=, 150 + PULSE_SLACK_MS);
          if (i + 2 < writes->len)
            g_assert_cmpfloat ((g_array_index (writes, Write, i + 2).time - off->time) * 1000, >=, 150);
        }
    }
  g_assert_cmpuint (ones, ==, 3);

  fixture_finish (&fixture);
}

static void
test_plc_fault_lights (void)
{
  Fixture fixture;
  g_autoptr(JsonObject) status = NULL;
  JsonArray *faults;

  if (!fixture_start_server (&fixture))
    return;
  /* A bit the PLC's own program uses in the lights' register: mask writes
   * must leave it alone. */
  server_set (&fixture.server, "hr", 20, 0x8000);
  fixture_start_plc (&fixture, standard_map);

  WAIT_UNTIL (server_last (&fixture.server, "co", 11) == 1 && lights (&fixture) == 1);
  g_assert_cmpint (server_last (&fixture.server, "co", 13), ==, 0);

  agg_plc_set_warning (fixture.plc, "label", "Label pending");
  WAIT_UNTIL (lights (&fixture) == 2);

  agg_plc_set_fault (fixture.plc, "db", "The database refused the write");
  agg_plc_set_fault (fixture.plc, "printer", "Printer down");
  WAIT_UNTIL (server_last (&fixture.server, "co", 13) == 1 && lights (&fixture) == 4
              && server_last (&fixture.server, "co", 11) == 0);
  status = agg_plc_dup_status (fixture.plc);
  faults = json_object_get_array_member (status, "faults");
  g_assert_cmpuint (json_array_get_length (faults), ==, 2);
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (faults, 0), "id"), ==, "db");
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (faults, 1), "message"),
                   ==, "Printer down");
  g_assert_true (json_object_get_boolean_member (json_object_get_object_member (status, "outputs"),
                                                 "line_stop"));

  /* One reason gone, the other still stops the line. */
  agg_plc_set_fault (fixture.plc, "db", NULL);
  wait_polls (fixture.plc, 10);
  g_assert_cmpint (server_last (&fixture.server, "co", 13), ==, 1);
  g_assert_cmpint (lights (&fixture), ==, 4);

  /* The last one gone: the warning shows again. */
  agg_plc_set_fault (fixture.plc, "printer", NULL);
  WAIT_UNTIL (server_last (&fixture.server, "co", 13) == 0 && lights (&fixture) == 2
              && server_last (&fixture.server, "co", 11) == 1);

  agg_plc_set_warning (fixture.plc, "label", NULL);
  WAIT_UNTIL (lights (&fixture) == 1);
  g_assert_cmpint (server_get (&fixture.server, "hr", 20) & 0x8000, ==, 0x8000);

  /* Stopping: no longer ready, no heartbeat, no green. */
  agg_plc_stop (fixture.plc);
  g_assert_cmpint (server_last (&fixture.server, "co", 11), ==, 0);
  g_assert_cmpint (server_last (&fixture.server, "co", 12), ==, 0);
  g_assert_cmpint (lights (&fixture), ==, 0);
  g_assert_cmpint (server_get (&fixture.server, "hr", 20), ==, 0x8000);

  fixture_finish (&fixture);
}

static void
test_plc_heartbeat (void)
{
  Fixture fixture;
  g_autoptr(GArray) writes = NULL;
  guint count;

  if (!fixture_start_server (&fixture))
    return;
  fixture_start_plc (&fixture, standard_map);

  WAIT_UNTIL (server_count (&fixture.server, "co", 12) >= 5);
  writes = server_history (&fixture.server, "co", 12);
  for (guint i = 1; i < writes->len; i++)
    g_assert_cmpint (g_array_index (writes, Write, i).value, !=, g_array_index (writes, Write, i - 1).value);

  /* A fault stops it, off. */
  agg_plc_set_fault (fixture.plc, "sscc", "SSCC range exhausted");
  WAIT_UNTIL (server_last (&fixture.server, "co", 13) == 1 && server_last (&fixture.server, "co", 12) == 0);
  count = server_count (&fixture.server, "co", 12);
  /* 20 polls of 20 ms: four heartbeat periods. */
  wait_polls (fixture.plc, 20);
  g_assert_cmpuint (server_count (&fixture.server, "co", 12), ==, count);

  agg_plc_set_fault (fixture.plc, "sscc", NULL);
  WAIT_UNTIL (server_count (&fixture.server, "co", 12) >= count + 3);

  fixture_finish (&fixture);
}

static void
test_plc_trigger (void)
{
  Fixture fixture;

  if (!fixture_start_server (&fixture))
    return;
  /* A trigger already high when the PLC connects is no new case. */
  server_set (&fixture.server, "di", 3, 1);
  fixture_start_plc (&fixture, standard_map);

  WAIT_UNTIL (status_level (fixture.plc, "inputs", "trigger") == 1);
  wait_polls (fixture.plc, 5);
  g_assert_cmpuint (fixture.triggers, ==, 0);

  server_set (&fixture.server, "di", 3, 0);
  WAIT_UNTIL (status_level (fixture.plc, "inputs", "trigger") == 0);
  server_set (&fixture.server, "di", 3, 1);
  WAIT_UNTIL (fixture.triggers == 1);
  /* Held high: still one. */
  wait_polls (fixture.plc, 10);
  g_assert_cmpuint (fixture.triggers, ==, 1);

  server_set (&fixture.server, "di", 3, 0);
  WAIT_UNTIL (status_level (fixture.plc, "inputs", "trigger") == 0);
  g_assert_cmpuint (fixture.triggers, ==, 1);
  server_set (&fixture.server, "di", 3, 1);
  WAIT_UNTIL (fixture.triggers == 2);

  /* The other inputs, as properties: bit 2 of input register 40, coil 100. */
  g_assert_false (agg_plc_get_case_present (fixture.plc));
  server_set (&fixture.server, "ir", 40, 4);
  WAIT_UNTIL (agg_plc_get_case_present (fixture.plc));
  server_set (&fixture.server, "ir", 40, 3);
  WAIT_UNTIL (!agg_plc_get_case_present (fixture.plc));
  g_assert_false (agg_plc_get_line_running (fixture.plc));
  server_set (&fixture.server, "co", 100, 1);
  WAIT_UNTIL (agg_plc_get_line_running (fixture.plc));
  g_assert_cmpuint (fixture.line_running_seen, ==, 1);
  g_assert_cmpuint (fixture.triggers, ==, 2);

  fixture_finish (&fixture);
}

static void
connected_cb (AggPlc     *plc,
              GParamSpec *pspec,
              guint      *changes)
{
  (*changes)++;
}

static void
test_plc_reconnect (void)
{
  Fixture fixture;
  g_autofree char *reason = NULL;
  g_autoptr(JsonObject) status = NULL;
  guint port, connected_changes = 0;

  if (!fixture_start_server (&fixture))
    return;
  fixture_start_plc (&fixture, standard_map);
  g_signal_connect (fixture.plc, "notify::connected", G_CALLBACK (connected_cb), &connected_changes);

  agg_plc_set_warning (fixture.plc, "sscc-low", "SSCC range low");
  WAIT_UNTIL (agg_plc_get_connected (fixture.plc) && lights (&fixture) == 2
              && server_last (&fixture.server, "co", 11) == 1);
  g_assert_cmpint (status_int (fixture.plc, "reconnects"), ==, 0);

  /* The PLC dies: after the watchdog, the station knows and says why. */
  port = fixture.server.port;
  server_kill (&fixture.server);
  WAIT_UNTIL (!agg_plc_get_connected (fixture.plc));
  status = agg_plc_dup_status (fixture.plc);
  g_assert_cmpstr (json_object_get_string_member (status, "state"), ==, "offline");
  g_assert_false (json_object_get_null_member (status, "last_error"));
  g_test_message ("last error: %s", json_object_get_string_member (status, "last_error"));
  g_assert_cmpint (status_level (fixture.plc, "inputs", "trigger"), ==, -1);

  /* It comes back on the same port with nothing set: every output is
   * written again to what the station wants. */
  g_assert_true (server_start (&fixture.server, port, &reason));
  WAIT_UNTIL (agg_plc_get_connected (fixture.plc));
  WAIT_UNTIL (server_last (&fixture.server, "co", 11) == 1 && lights (&fixture) == 2
              && server_last (&fixture.server, "co", 13) == 0
              && server_last (&fixture.server, "co", 10) == 0
              && server_count (&fixture.server, "co", 12) > 0);
  g_assert_cmpint (status_int (fixture.plc, "reconnects"), >=, 1);
  g_assert_cmpuint (connected_changes, ==, 3);

  g_clear_pointer (&status, json_object_unref);
  status = agg_plc_dup_status (fixture.plc);
  g_assert_cmpstr (json_object_get_string_member (status, "state"), ==, "online");

  fixture_finish (&fixture);
}

/* Each input's bit differs in the registers of the two others, so a reply
 * to one address read as the answer for another shows: a trigger, a
 * running line or an absent case that no register holds. */
static const char scattered_map[] =
  "[plc.map]\n"
  "trigger = input-register:40.1\n"
  "case-present = input-register:400.0\n"
  "line-running = input-register:4000.2\n"
  "ready = coil:11\n";

static void
check_inputs (Fixture *fixture)
{
  g_autoptr(JsonObject) status = agg_plc_dup_status (fixture->plc);
  JsonObject *inputs = json_object_get_object_member (status, "inputs");
  JsonNode *trigger = json_object_get_member (inputs, "trigger");
  JsonNode *case_present = json_object_get_member (inputs, "case_present");
  JsonNode *line_running = json_object_get_member (inputs, "line_running");

  if ((!JSON_NODE_HOLDS_NULL (trigger) && json_node_get_boolean (trigger))
      || (!JSON_NODE_HOLDS_NULL (case_present) && !json_node_get_boolean (case_present))
      || (!JSON_NODE_HOLDS_NULL (line_running) && json_node_get_boolean (line_running)))
    {
      g_autoptr(JsonNode) node = json_node_init_object (json_node_alloc (), status);

      fixture->misread++;
      g_free (fixture->misread_status);
      fixture->misread_status = json_to_string (node, FALSE);
    }
}

static void
status_changed_cb (AggPlc  *plc,
                   Fixture *fixture)
{
  fixture->status_changes++;
  check_inputs (fixture);
}

static gboolean
late_replies_done (Fixture *fixture,
                   gint64   timeouts,
                   gint64   reconnects)
{
  check_inputs (fixture);
  return status_int (fixture->plc, "timeouts") >= timeouts
         && status_int (fixture->plc, "reconnects") >= reconnects;
}

static void
test_plc_late_replies (void)
{
  Fixture fixture;
  g_autoptr(JsonObject) status = NULL;
  gint64 timeouts, reconnects;

  if (!fixture_start_server (&fixture))
    return;
  server_set (&fixture.server, "ir", 40, 4);       /* trigger (bit 1) off */
  server_set (&fixture.server, "ir", 400, 7);      /* case-present (bit 0) on */
  server_set (&fixture.server, "ir", 4000, 2);     /* line-running (bit 2) off */
  fixture_start_plc (&fixture, scattered_map);
  g_signal_connect (fixture.plc, "status-changed", G_CALLBACK (status_changed_cb), &fixture);

  WAIT_UNTIL (agg_plc_get_case_present (fixture.plc));
  timeouts = status_int (fixture.plc, "timeouts");
  reconnects = status_int (fixture.plc, "reconnects");

  /* Three replies, each three response timeouts late. */
  g_free (server_ask (&fixture.server, "delay 3 600"));
  WAIT_UNTIL (late_replies_done (&fixture, timeouts + 3, reconnects + 3));
  g_test_message ("timeouts %" G_GINT64_FORMAT ", reconnects %" G_GINT64_FORMAT,
                  status_int (fixture.plc, "timeouts"), status_int (fixture.plc, "reconnects"));

  /* The late replies arrive while the polls go on. */
  {
    gint64 target = status_int (fixture.plc, "polls") + 50;

    WAIT_UNTIL ((check_inputs (&fixture), status_int (fixture.plc, "polls") >= target));
  }

  if (fixture.misread > 0)
    g_error ("%u statuses with inputs read from the wrong address, the last: %s",
             fixture.misread, fixture.misread_status);
  g_assert_cmpuint (fixture.triggers, ==, 0);
  g_assert_cmpuint (fixture.line_running_seen, ==, 0);
  g_assert_true (agg_plc_get_case_present (fixture.plc));
  g_assert_cmpuint (fixture.status_changes, >, 0);

  status = agg_plc_dup_status (fixture.plc);
  g_assert_true (json_object_get_boolean_member (status, "connected"));
  g_assert_cmpfloat (json_object_get_double_member (status, "rtt_ms"), >, 0);
  g_assert_cmpfloat (json_object_get_double_member (status, "rtt_avg_ms"), >, 0);

  fixture_finish (&fixture);
}

static void
test_plc_no_mask_write (void)
{
  Fixture fixture;

  if (!fixture_start_server (&fixture))
    return;
  /* A PLC without FC 22, as Siemens' MB_SERVER: read, then write. */
  g_free (server_ask (&fixture.server, "refuse 22"));
  server_set (&fixture.server, "hr", 20, 0x8000);
  fixture_start_plc (&fixture, standard_map);

  WAIT_UNTIL (server_get (&fixture.server, "hr", 20) == 0x8001);
  agg_plc_set_fault (fixture.plc, "db", "The database refused the write");
  WAIT_UNTIL (server_get (&fixture.server, "hr", 20) == 0x8004);
  wait_polls (fixture.plc, 3);
  g_assert_true (agg_plc_get_connected (fixture.plc));
  g_assert_cmpint (status_level (fixture.plc, "outputs", "red"), ==, 1);

  fixture_finish (&fixture);
}

static void
die_with_parent (gpointer data)
{
  prctl (PR_SET_PDEATHSIG, SIGTERM);
}

/* Modbus RTU over a pseudo-terminal pair: the PLC on one end, the station
 * on the other.  Replies that come late on a serial line carry nothing
 * that tells them from the answer to the next request; the line must be
 * drained before it is used again. */
static void
test_plc_rtu_late_replies (void)
{
  g_autofree char *socat_path = g_find_program_in_path ("socat");
  g_autoptr(GError) error = NULL;
  g_autoptr(GSubprocess) socat = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *plc_end = NULL;
  g_autofree char *station_end = NULL;
  g_autofree char *plc_link = NULL;
  g_autofree char *station_link = NULL;
  g_autofree char *first = NULL;
  g_autofree char *reason = NULL;
  g_autofree char *text = NULL;
  Fixture fixture = { 0 };
  gint64 timeouts, reconnects, deadline;
  int hold;

  if (socat_path == NULL)
    {
      g_test_skip ("socat is not installed");
      return;
    }

  dir = g_dir_make_tmp ("test-plc-XXXXXX", &error);
  g_assert_no_error (error);
  plc_end = g_build_filename (dir, "plc", NULL);
  station_end = g_build_filename (dir, "station", NULL);
  plc_link = g_strdup_printf ("pty,raw,echo=0,link=%s", plc_end);
  station_link = g_strdup_printf ("pty,raw,echo=0,link=%s", station_end);
  {
    g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE
                                                                         | G_SUBPROCESS_FLAGS_STDERR_SILENCE);

    /* socat reads no input that could end it: it goes when the test does,
     * even when the test fails half-way. */
    g_subprocess_launcher_set_child_setup (launcher, die_with_parent, NULL, NULL);
    socat = g_subprocess_launcher_spawn (launcher, &error, socat_path, plc_link, station_link, NULL);
    g_assert_no_error (error);
  }
  deadline = g_get_monotonic_time () + WAIT_MS * G_TIME_SPAN_MILLISECOND;
  while ((!g_file_test (plc_end, G_FILE_TEST_EXISTS) || !g_file_test (station_end, G_FILE_TEST_EXISTS))
         && g_get_monotonic_time () < deadline)
    g_usleep (10000);
  g_assert_true (g_file_test (station_end, G_FILE_TEST_EXISTS));
  /* socat ends its pair when the last opener of an end closes it; the
   * station closes and reopens its end on every recovery. */
  hold = g_open (station_end, O_RDWR | O_NOCTTY, 0);
  g_assert_cmpint (hold, >=, 0);

  if (!server_spawn (&fixture.server, "--rtu", plc_end, &first, &reason))
    {
      g_test_skip (reason);
      goto out;
    }
  g_assert_true (g_str_has_prefix (first, "rtu "));

  server_set (&fixture.server, "ir", 40, 4);       /* trigger (bit 1) off */
  server_set (&fixture.server, "ir", 400, 7);      /* case-present (bit 0) on */
  server_set (&fixture.server, "ir", 4000, 2);     /* line-running (bit 2) off */
  /* A pseudo-terminal knows no parity: 8N1. */
  text = g_strdup_printf ("[plc]\n"
                          "type = modbus-rtu\n"
                          "device = %s\n"
                          "parity = none\n"
                          "response-timeout = 200ms\n"
                          "poll-interval = 20ms\n"
                          "watchdog = 3s\n"
                          "reconnect-min = 20ms\n"
                          "reconnect-max = 100ms\n"
                          "\n%s",
                          station_end, scattered_map);
  fixture.plc = plc_from_text (text);
  g_signal_connect (fixture.plc, "trigger", G_CALLBACK (trigger_cb), &fixture);
  g_signal_connect (fixture.plc, "notify::line-running", G_CALLBACK (line_running_cb), &fixture);
  g_signal_connect (fixture.plc, "status-changed", G_CALLBACK (status_changed_cb), &fixture);
  agg_plc_start (fixture.plc, &error);
  g_assert_no_error (error);

  WAIT_UNTIL (agg_plc_get_case_present (fixture.plc) && server_last (&fixture.server, "co", 11) == 1);
  timeouts = status_int (fixture.plc, "timeouts");
  reconnects = status_int (fixture.plc, "reconnects");

  /* Late by half a response timeout: they arrive after the station gave up
   * and while it comes back. */
  g_free (server_ask (&fixture.server, "delay 3 300"));
  WAIT_UNTIL (late_replies_done (&fixture, timeouts + 3, reconnects + 3));
  {
    gint64 target = status_int (fixture.plc, "polls") + 50;

    WAIT_UNTIL ((check_inputs (&fixture), status_int (fixture.plc, "polls") >= target));
  }

  if (fixture.misread > 0)
    g_error ("%u statuses with inputs read from the wrong address, the last: %s",
             fixture.misread, fixture.misread_status);
  g_assert_cmpuint (fixture.triggers, ==, 0);
  g_assert_cmpuint (fixture.line_running_seen, ==, 0);
  g_assert_true (agg_plc_get_case_present (fixture.plc));
  g_assert_true (agg_plc_get_connected (fixture.plc));

  fixture_finish (&fixture);

out:
  close (hold);
  g_subprocess_force_exit (socat);
  g_subprocess_wait (socat, NULL, NULL);
  agg_test_remove_tree (dir);
}

int
main (int    argc,
      char **argv)
{
  g_autofree char *reason = NULL;
  Server probe = { 0 };

  g_test_init (&argc, &argv, NULL);

  /* Without pymodbus there is no PLC to talk to: the whole program is
   * skipped, in TAP's words, since meson reads exit status 77 of a TAP
   * test as an error. */
  if (!server_start (&probe, 0, &reason))
    {
      g_print ("1..0 # SKIP %s\n", reason);
      return 0;
    }
  server_stop (&probe);

  g_test_add_func ("/plc/config/rtu", test_plc_config_rtu);
  g_test_add_func ("/plc/config/map", test_plc_config_map);
  g_test_add_func ("/plc/reject-pulses", test_plc_reject_pulses);
  g_test_add_func ("/plc/fault-lights", test_plc_fault_lights);
  g_test_add_func ("/plc/heartbeat", test_plc_heartbeat);
  g_test_add_func ("/plc/trigger", test_plc_trigger);
  g_test_add_func ("/plc/reconnect", test_plc_reconnect);
  g_test_add_func ("/plc/late-replies", test_plc_late_replies);
  g_test_add_func ("/plc/no-mask-write", test_plc_no_mask_write);
  g_test_add_func ("/plc/rtu-late-replies", test_plc_rtu_late_replies);

  return g_test_run ();
}
