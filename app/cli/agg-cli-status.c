/* agg-cli-status.c: aggctl status
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n-lib.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "agg-cli.h"
#include "agg-line.h"
#include "agg-station.h"

#define STATUS_USAGE N_("usage: aggctl [--db PATH] status [--json]")

static const char *
text_or (JsonObject *object,
         const char *name,
         const char *fallback)
{
  JsonNode *node = object != NULL ? json_object_get_member (object, name) : NULL;

  if (node == NULL || json_node_get_value_type (node) != G_TYPE_STRING)
    return fallback;
  return json_node_get_string (node);
}

static void
print_conditions (JsonObject *station,
                  const char *name,
                  const char *title)
{
  JsonArray *array = json_object_get_array_member (station, name);

  if (array == NULL || json_array_get_length (array) == 0)
    return;
  printf ("%s\n", title);
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonObject *item = json_array_get_object_element (array, i);

      printf ("  %-16s %s\n", text_or (item, "id", "?"), text_or (item, "message", ""));
    }
}

static void
print_devices (JsonArray *devices)
{
  printf ("%s\n", _("Devices:"));
  if (devices == NULL || json_array_get_length (devices) == 0)
    {
      printf ("  %s\n", _("(none configured)"));
      return;
    }
  for (guint i = 0; i < json_array_get_length (devices); i++)
    {
      JsonObject *device = json_array_get_object_element (devices, i);
      const char *error = text_or (device, "last_error", NULL);

      printf ("  %-8s %-16s %-12s %s\n", text_or (device, "kind", "?"),
              text_or (device, "name", "?"), text_or (device, "state", "?"),
              text_or (device, "detail", ""));
      if (error != NULL)
        /* Translators: the last error a device reported. */
        printf (_("           last error: %s\n"), error);
    }
}

static void
print_text (JsonObject *engine,
            JsonObject *station,
            gboolean    running)
{
  JsonObject *order = NULL;
  JsonNode *node = json_object_get_member (engine, "running_order");

  if (node != NULL && JSON_NODE_HOLDS_OBJECT (node))
    order = json_node_get_object (node);

  printf ("%s %s (%" PRId64 " %s)\n", _("Database:"), text_or (engine, "database", "?"),
          json_object_get_int_member_with_default (engine, "database_bytes", 0), _("bytes"));
  printf ("%s %" PRId64 " %s, %" PRId64 " %s\n", _("Recorded:"),
          json_object_get_int_member_with_default (engine, "units_total", 0), _("units"),
          json_object_get_int_member_with_default (engine, "containers_total", 0),
          _("cases and pallets"));
  printf ("%s %" PRId64 " %s, %" PRId64 " %s\n", _("Upstream:"),
          json_object_get_int_member_with_default (engine, "events_pending", 0), _("events pending"),
          json_object_get_int_member_with_default (engine, "events_exceptions", 0),
          _("exceptions"));
  printf ("%s %s\n", _("Running order:"), order != NULL ? text_or (order, "id", "?") : _("none"));

  if (station == NULL)
    {
      printf ("%s %s\n", _("Station:"), _("not running"));
      return;
    }
  printf ("%s %s (%s %s)\n", _("Station:"), running ? _("running") : _("not running"),
          _("last update"), text_or (station, "updated_at", "?"));
  print_conditions (station, "faults", _("Faults:"));
  print_conditions (station, "warnings", _("Warnings:"));
  print_devices (json_object_get_array_member (station, "devices"));
}

int
agg_cli_status (int    argc,
                char **argv)
{
  g_autoptr(AggStore) store = NULL;
  g_autoptr(AggLine) line = NULL;
  g_autoptr(AggRequest) request = agg_request_new (AGG_ACTION_STATUS);
  g_autoptr(AggResult) result = NULL;
  g_autoptr(JsonObject) station = NULL;
  g_autoptr(GError) error = NULL;
  JsonObject *engine;
  gboolean running = FALSE;
  gboolean json = FALSE;

  for (int i = 1; i < argc; i++)
    {
      if (strcmp (argv[i], "--json") == 0)
        json = TRUE;
      else
        return agg_cli_usage_error ("%s", _(STATUS_USAGE));
    }

  store = agg_cli_open_store (FALSE);
  if (store == NULL)
    return AGG_CLI_EXIT_FAILED;

  line = agg_line_new (store);
  result = agg_line_execute_sync (line, request);
  if (!agg_result_is_ok (result))
    return agg_cli_failure ("%s", result->message);
  engine = json_object_get_object_member (result->details, "status");

  /* What the running station sees of its devices, as it last said. */
  station = agg_station_read_status (agg_store_get_path (store), &running, &error);
  if (error != NULL)
    return agg_cli_failure ("%s", error->message);
  if (station != NULL)
    {
      json_object_set_boolean_member (station, "running", running);
      json_object_set_member (engine, "devices",
                              json_node_copy (json_object_get_member (station, "devices")));
      json_object_set_object_member (engine, "station", json_object_ref (station));
    }
  else
    json_object_set_null_member (engine, "station");

  if (json)
    {
      g_autoptr(JsonNode) node = json_node_new (JSON_NODE_OBJECT);
      g_autofree char *text = NULL;

      json_node_set_object (node, engine);
      text = json_to_string (node, FALSE);
      printf ("%s\n", text);
    }
  else
    print_text (engine, station, running);

  return AGG_CLI_EXIT_OK;
}
