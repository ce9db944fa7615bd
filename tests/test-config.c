/* test-config.c: the configuration file and its errors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include <glib.h>
#include <string.h>
#include <glib/gstdio.h>

#include "agg-config.h"

static AggConfig *
load (const char *text)
{
  g_autoptr(GError) error = NULL;
  AggConfig *config = agg_config_load_data (text, strlen (text), "station.conf", &error);

  g_assert_no_error (error);
  g_assert_nonnull (config);
  return config;
}

static void
test_config_syntax_error_names_line (void)
{
  const char *text = "[station]\nname = Line 1\n\nthis is not a key\n";
  g_autoptr(GError) error = NULL;
  g_autoptr(AggConfig) config = agg_config_load_data (text, strlen (text), "x.conf", &error);

  g_assert_null (config);
  g_assert_error (error, AGG_CONFIG_ERROR, AGG_CONFIG_ERROR_SYNTAX);
  g_assert_true (g_str_has_prefix (error->message, "x.conf:4: "));
}

static void
test_config_typed_getters (void)
{
  g_autoptr(AggConfig) config = load ("# comment\n"
                                      "[scanner:hand]\n"
                                      "baud = 115200\n"
                                      "parity = Even\n"
                                      "timeout = 250ms\n"
                                      "gap = 2\n"
                                      "enabled = yes\n"
                                      "gs = GS\n"
                                      "hex = 0x1D\n"
                                      "tab = \\t\n"
                                      "ratio = 0.5\n"
                                      "name =  Hand 1  \n");
  static const char * const parities[] = { "none", "odd", "even", NULL };
  g_autoptr(GError) error = NULL;
  g_autofree char *name = NULL;
  g_autofree char *missing = NULL;
  gint64 baud;
  guint parity;
  guint64 ms;
  gboolean enabled;
  int c;
  double ratio;

  g_assert_true (agg_config_get_int (config, "scanner:hand", "baud", TRUE, 0, 300, 4000000, &baud, &error));
  g_assert_cmpint (baud, ==, 115200);
  g_assert_true (agg_config_get_choice (config, "scanner:hand", "parity", FALSE, parities, 0, &parity, &error));
  g_assert_cmpuint (parity, ==, 2);
  g_assert_true (agg_config_get_duration (config, "scanner:hand", "timeout", FALSE, 0, 1, 10000, 1, &ms, &error));
  g_assert_cmpuint (ms, ==, 250);
  g_assert_true (agg_config_get_duration (config, "scanner:hand", "gap", FALSE, 0, 1, 10000, 1000, &ms, &error));
  g_assert_cmpuint (ms, ==, 2000);
  g_assert_true (agg_config_get_boolean (config, "scanner:hand", "enabled", FALSE, FALSE, &enabled, &error));
  g_assert_true (enabled);
  g_assert_true (agg_config_get_char (config, "scanner:hand", "gs", FALSE, 0, &c, &error));
  g_assert_cmpint (c, ==, 0x1d);
  g_assert_true (agg_config_get_char (config, "scanner:hand", "hex", FALSE, 0, &c, &error));
  g_assert_cmpint (c, ==, 0x1d);
  g_assert_true (agg_config_get_char (config, "scanner:hand", "tab", FALSE, 0, &c, &error));
  g_assert_cmpint (c, ==, '\t');
  g_assert_true (agg_config_get_double (config, "scanner:hand", "ratio", FALSE, 0, 0, 1, &ratio, &error));
  g_assert_cmpfloat (ratio, ==, 0.5);
  g_assert_true (agg_config_get_string (config, "scanner:hand", "name", TRUE, NULL, &name, &error));
  g_assert_cmpstr (name, ==, "Hand 1");
  g_assert_true (agg_config_get_string (config, "scanner:hand", "host", FALSE, "fallback", &missing, &error));
  g_assert_cmpstr (missing, ==, "fallback");
  g_assert_no_error (error);
}

static void
test_config_errors_name_file_line_and_key (void)
{
  g_autoptr(AggConfig) config = load ("[station]\n"
                                      "name = A\n"
                                      "\n"
                                      "[scanner:hand]\n"
                                      "baud = fast\n"
                                      "parity = mark\n"
                                      "typo = 1\n"
                                      "timeout = 3 fortnights\n");
  static const char * const parities[] = { "none", "odd", "even", NULL };
  static const char * const known[] = { "baud", "parity", "timeout", NULL };
  g_autoptr(GError) error = NULL;
  gint64 baud;
  guint parity;
  guint64 ms;
  g_autofree char *host = NULL;

  g_assert_false (agg_config_get_int (config, "scanner:hand", "baud", TRUE, 0, 300, 4000000, &baud, &error));
  g_assert_error (error, AGG_CONFIG_ERROR, AGG_CONFIG_ERROR_INVALID);
  g_assert_cmpstr (error->message, ==, "station.conf:5: [scanner:hand] baud: “fast” is not a whole number");
  g_clear_error (&error);

  g_assert_false (agg_config_get_choice (config, "scanner:hand", "parity", FALSE, parities, 0, &parity, &error));
  g_assert_cmpstr (error->message, ==, "station.conf:6: [scanner:hand] parity: “mark” is none of: none, odd, even");
  g_clear_error (&error);

  g_assert_false (agg_config_check_keys (config, "scanner:hand", known, &error));
  g_assert_cmpstr (error->message, ==, "station.conf:7: [scanner:hand] typo: unknown key");
  g_clear_error (&error);

  g_assert_false (agg_config_get_duration (config, "scanner:hand", "timeout", FALSE, 0, 0, 1000, 1, &ms, &error));
  g_assert_true (g_str_has_prefix (error->message, "station.conf:8: "));
  g_clear_error (&error);

  g_assert_false (agg_config_get_string (config, "scanner:hand", "host", TRUE, NULL, &host, &error));
  g_assert_error (error, AGG_CONFIG_ERROR, AGG_CONFIG_ERROR_MISSING);
  g_assert_cmpstr (error->message, ==, "station.conf:4: [scanner:hand]: the key “host” is required");
  g_clear_error (&error);
}

static void
test_config_groups (void)
{
  g_autoptr(AggConfig) config = load ("[station]\n"
                                      "[scanner:b]\n"
                                      "[scanner:a]\n"
                                      "[plc]\n"
                                      "[plc.map]\n"
                                      "[printer:zebra]\n");
  static const char * const claimed[] = { "station", "scanner:", "plc", "plc.map", NULL };
  static const char * const all[] = { "station", "scanner:", "plc", "plc.map", "printer:", NULL };
  g_auto(GStrv) scanners = agg_config_list_groups (config, "scanner:");
  g_autoptr(GError) error = NULL;

  g_assert_cmpuint (g_strv_length (scanners), ==, 2);
  g_assert_cmpstr (scanners[0], ==, "scanner:b");
  g_assert_cmpstr (scanners[1], ==, "scanner:a");
  g_assert_true (agg_config_has_group (config, "plc.map"));
  g_assert_false (agg_config_has_group (config, "camera"));

  g_assert_false (agg_config_check_groups (config, claimed, &error));
  g_assert_cmpstr (error->message, ==, "station.conf:6: [printer:zebra]: unknown group");
  g_clear_error (&error);
  g_assert_true (agg_config_check_groups (config, all, &error));
  g_assert_no_error (error);
}

static void
test_config_station (void)
{
  g_autoptr(AggConfig) good = load ("[station]\nname = Line 3\ngln = 9506000000008\n"
                                    "extension = L3\ntime-zone = +01:00\n");
  g_autoptr(AggConfig) bad_gln = load ("[station]\ngln = 9506000000009\n");
  g_autoptr(AggConfig) bad_tz = load ("[station]\ntime-zone = Europe/Paris\n");
  g_autoptr(AggConfig) empty = agg_config_new ();
  g_autoptr(GError) error = NULL;
  AggStationConfig station;

  g_assert_true (agg_config_get_station (good, &station, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (station.name, ==, "Line 3");
  g_assert_cmpstr (station.gln, ==, "9506000000008");
  g_assert_cmpstr (station.extension, ==, "L3");
  g_assert_cmpstr (station.time_zone, ==, "+01:00");
  agg_station_config_clear (&station);

  g_assert_false (agg_config_get_station (bad_gln, &station, &error));
  g_assert_cmpstr (error->message, ==, "station.conf:2: [station] gln: a GLN is 13 digits with a valid check digit");
  g_clear_error (&error);
  g_assert_false (agg_config_get_station (bad_tz, &station, &error));
  g_assert_true (g_str_has_prefix (error->message, "station.conf:2: [station] time-zone: "));
  g_clear_error (&error);

  g_assert_true (agg_config_get_station (empty, &station, &error));
  g_assert_cmpstr (station.time_zone, ==, "local");
  g_assert_null (station.gln);
  agg_station_config_clear (&station);
}

static void
test_config_load_missing_file (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(AggConfig) config = agg_config_load ("/nonexistent/station.conf", &error);

  g_assert_null (config);
  g_assert_error (error, G_FILE_ERROR, G_FILE_ERROR_NOENT);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/config/syntax-error-names-line", test_config_syntax_error_names_line);
  g_test_add_func ("/config/typed-getters", test_config_typed_getters);
  g_test_add_func ("/config/errors-name-file-line-and-key", test_config_errors_name_file_line_and_key);
  g_test_add_func ("/config/groups", test_config_groups);
  g_test_add_func ("/config/station", test_config_station);
  g_test_add_func ("/config/load-missing-file", test_config_load_missing_file);

  return g_test_run ();
}
