/* agg-cli-plc.c: aggctl plc, for commissioning the case packer's PLC
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n-lib.h>
#include <stdio.h>
#include <string.h>

#include "agg-cli.h"
#include "agg-plc-private.h"

/* How long a command waits for the PLC before it gives up. */
#define PLC_WAIT_MS 10000
/* How long test-lights holds each step. */
#define LIGHT_STEP_MS 1000

typedef gboolean (*StatusTest) (JsonObject *status,
                                gpointer    data);

static gboolean
tick_cb (gpointer data)
{
  return G_SOURCE_CONTINUE;
}

/* Runs the main context until @test holds for the PLC's status or
 * @timeout_ms have passed; with @test NULL, just for @timeout_ms. */
static gboolean
wait_status (AggPlc     *plc,
             StatusTest  test,
             gpointer    data,
             guint       timeout_ms)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) timeout_ms * G_TIME_SPAN_MILLISECOND;
  guint tick = g_timeout_add (20, tick_cb, NULL);
  gboolean done = FALSE;

  while (!done && g_get_monotonic_time () < deadline)
    {
      g_main_context_iteration (NULL, TRUE);
      if (test != NULL)
        {
          g_autoptr(JsonObject) status = agg_plc_dup_status (plc);

          done = test (status, data);
        }
    }
  g_source_remove (tick);
  return done;
}

static gboolean
has_error (JsonObject *status)
{
  return !json_object_get_null_member (status, "last_error");
}

/* The PLC answered a whole poll, or said why it cannot. */
static gboolean
polled_or_failed (JsonObject *status,
                  gpointer    data)
{
  return json_object_get_int_member (status, "polls") > 0 || has_error (status);
}

static gboolean
rejects_done (JsonObject *status,
              gpointer    data)
{
  return json_object_get_int_member (status, "rejects") >= GPOINTER_TO_INT (data)
         || (!json_object_get_boolean_member (status, "connected") && has_error (status));
}

typedef struct
{
  AggPlcLights lights;
} LightsWanted;

static gboolean
lights_shown (JsonObject *status,
              gpointer    data)
{
  static const struct { const char *name; AggPlcLights light; } lamps[] = {
    { "green", AGG_PLC_LIGHT_GREEN }, { "amber", AGG_PLC_LIGHT_AMBER }, { "red", AGG_PLC_LIGHT_RED },
  };
  const LightsWanted *wanted = data;
  JsonObject *outputs = json_object_get_object_member (status, "outputs");

  if (!json_object_get_boolean_member (status, "connected"))
    return FALSE;
  for (guint i = 0; i < G_N_ELEMENTS (lamps); i++)
    {
      JsonNode *node = json_object_get_member (outputs, lamps[i].name);

      if (JSON_NODE_HOLDS_NULL (node))
        continue;
      if (json_node_get_boolean (node) != ((wanted->lights & lamps[i].light) != 0))
        return FALSE;
    }
  return TRUE;
}

static const char *
level_text (JsonObject *object,
            const char *name)
{
  JsonNode *node = json_object_get_member (object, name);

  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    /* Translators: an input or output that is not mapped or not read. */
    return _("unknown");
  return json_node_get_boolean (node) ? _("on") : _("off");
}

static void
print_levels (const char *title,
              JsonObject *object)
{
  g_autoptr(GList) names = json_object_get_members (object);

  printf ("%s\n", title);
  for (GList *l = names; l != NULL; l = l->next)
    if (!JSON_NODE_HOLDS_NULL (json_object_get_member (object, l->data)))
      printf ("  %-14s %s\n", (const char *) l->data, level_text (object, l->data));
}

static void
print_status (JsonObject *status,
              gboolean    as_json)
{
  if (as_json)
    {
      g_autoptr(JsonNode) node = json_node_init_object (json_node_alloc (), status);
      g_autofree char *text = json_to_string (node, FALSE);

      printf ("%s\n", text);
      return;
    }

  /* Translators: the link type, its endpoint, the Modbus unit ID and the link's state. */
  printf (_("PLC: %s %s, unit %" G_GINT64_FORMAT ", %s\n"),
          json_object_get_string_member (status, "type"),
          json_object_get_string_member (status, "endpoint"),
          json_object_get_int_member (status, "unit_id"),
          json_object_get_string_member (status, "state"));
  if (!JSON_NODE_HOLDS_NULL (json_object_get_member (status, "rtt_ms")))
    printf (_("Round trip: %.1f ms (average %.1f ms)\n"),
            json_object_get_double_member (status, "rtt_ms"),
            json_object_get_double_member (status, "rtt_avg_ms"));
  printf (_("Requests: %" G_GINT64_FORMAT ", timeouts: %" G_GINT64_FORMAT ", reconnects: %" G_GINT64_FORMAT "\n"),
          json_object_get_int_member (status, "requests"),
          json_object_get_int_member (status, "timeouts"),
          json_object_get_int_member (status, "reconnects"));
  print_levels (_("Inputs:"), json_object_get_object_member (status, "inputs"));
  print_levels (_("Outputs:"), json_object_get_object_member (status, "outputs"));
  if (has_error (status))
    printf (_("Error: %s\n"), json_object_get_string_member (status, "last_error"));
}

/* The PLC of the configuration, or NULL after saying why not. */
static AggPlc *
load_plc (int *exit_status)
{
  g_autoptr(AggConfig) config = agg_cli_load_config ();
  g_autoptr(GError) error = NULL;
  AggPlc *plc;

  *exit_status = AGG_CLI_EXIT_FAILED;
  if (config == NULL)
    return NULL;
  plc = agg_plc_new_from_config (config, &error);
  if (error != NULL)
    agg_cli_failure ("%s", error->message);
  else if (plc == NULL)
    agg_cli_failure (_("The configuration has no [plc] group."));
  return plc;
}

static gboolean
start_plc (AggPlc *plc)
{
  g_autoptr(GError) error = NULL;

  if (!agg_plc_start (plc, &error))
    {
      agg_cli_failure ("%s", error->message);
      return FALSE;
    }
  return TRUE;
}

static int
plc_status (int    argc,
            char **argv)
{
  g_autoptr(AggPlc) plc = NULL;
  g_autoptr(JsonObject) status = NULL;
  gboolean as_json = FALSE;
  int exit_status;

  for (int i = 1; i < argc; i++)
    if (strcmp (argv[i], "--json") == 0)
      as_json = TRUE;
    else
      return agg_cli_usage_error (_("unknown argument “%s”"), argv[i]);

  plc = load_plc (&exit_status);
  if (plc == NULL)
    return exit_status;
  /* Status only looks: nothing is written to the PLC. */
  agg_plc_set_passive (plc, TRUE);
  if (!start_plc (plc))
    return AGG_CLI_EXIT_FAILED;
  wait_status (plc, polled_or_failed, NULL, PLC_WAIT_MS);
  status = agg_plc_dup_status (plc);
  agg_plc_stop (plc);

  print_status (status, as_json);
  return json_object_get_int_member (status, "polls") > 0 && !has_error (status)
         ? AGG_CLI_EXIT_OK : AGG_CLI_EXIT_FAILED;
}

static gboolean
connected (JsonObject *status,
           gpointer    data)
{
  return json_object_get_boolean_member (status, "connected");
}

static int
pulse_reject (AggPlc *plc)
{
  g_autoptr(JsonObject) status = NULL;

  if (!wait_status (plc, connected, NULL, PLC_WAIT_MS))
    {
      status = agg_plc_dup_status (plc);
      return agg_cli_failure (_("The PLC does not answer: %s"),
                              has_error (status) ? json_object_get_string_member (status, "last_error")
                                                 : _("no reply"));
    }

  agg_plc_pulse_reject (plc);
  if (!wait_status (plc, rejects_done, GINT_TO_POINTER (1), PLC_WAIT_MS))
    return agg_cli_failure (_("The reject pulse was not confirmed by the PLC."));

  status = agg_plc_dup_status (plc);
  if (json_object_get_int_member (status, "rejects") < 1)
    return agg_cli_failure (_("The reject pulse failed: %s"),
                            has_error (status) ? json_object_get_string_member (status, "last_error")
                                               : _("no reply"));
  printf ("%s\n", _("Reject pulsed."));
  return AGG_CLI_EXIT_OK;
}

static int
test_lights (AggPlc *plc)
{
  static const struct { AggPlcLights lights; const char *name; } steps[] = {
    { AGG_PLC_LIGHT_GREEN, N_("green") },
    { AGG_PLC_LIGHT_AMBER, N_("amber") },
    { AGG_PLC_LIGHT_RED, N_("red") },
    { AGG_PLC_LIGHT_GREEN | AGG_PLC_LIGHT_AMBER | AGG_PLC_LIGHT_RED, N_("all three") },
  };

  for (guint i = 0; i < G_N_ELEMENTS (steps); i++)
    {
      LightsWanted wanted = { steps[i].lights };

      agg_plc_set_light_override (plc, steps[i].lights);
      if (!wait_status (plc, lights_shown, &wanted, PLC_WAIT_MS))
        {
          g_autoptr(JsonObject) status = agg_plc_dup_status (plc);

          return agg_cli_failure (_("The PLC did not take the lights: %s"),
                                  has_error (status) ? json_object_get_string_member (status, "last_error")
                                                     : _("no reply"));
        }
      printf ("%s\n", _(steps[i].name));
      fflush (stdout);
      wait_status (plc, NULL, NULL, LIGHT_STEP_MS);
    }
  agg_plc_clear_light_override (plc);
  return AGG_CLI_EXIT_OK;
}

static int
plc_pulse (int    argc,
           char **argv)
{
  g_autoptr(AggPlc) plc = NULL;
  gboolean lights;
  int exit_status;

  if (argc != 2 || (strcmp (argv[1], "reject") != 0 && strcmp (argv[1], "test-lights") != 0))
    return agg_cli_usage_error (_("usage: plc pulse reject|test-lights"));
  lights = strcmp (argv[1], "test-lights") == 0;

  plc = load_plc (&exit_status);
  if (plc == NULL)
    return exit_status;

  if (!lights && !agg_plc_has_output (plc, "reject"))
    return agg_cli_failure (_("[plc.map] maps no reject output."));
  if (lights && !agg_plc_has_output (plc, "green") && !agg_plc_has_output (plc, "amber")
      && !agg_plc_has_output (plc, "red"))
    return agg_cli_failure (_("[plc.map] maps no stack light."));

  if (!start_plc (plc))
    return AGG_CLI_EXIT_FAILED;
  exit_status = lights ? test_lights (plc) : pulse_reject (plc);
  agg_plc_stop (plc);
  return exit_status;
}

int
agg_cli_plc (int    argc,
             char **argv)
{
  if (argc >= 2 && strcmp (argv[1], "status") == 0)
    return plc_status (argc - 1, argv + 1);
  if (argc >= 2 && strcmp (argv[1], "pulse") == 0)
    return plc_pulse (argc - 1, argv + 1);
  return agg_cli_usage_error (_("usage: plc status [--json] | plc pulse reject|test-lights"));
}
