/* test-printer.c: printers — ~HS answers, faults, configuration, the file transport
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The host status strings are built field by field from the layout of the
 * ZPL II Programming Guide, so that each flag is read from its own place;
 * configuration errors must name the file, the line and the key.
 */

#include <string.h>

#include "agg-printer.h"
#include "agg-test-utils.h"

/* The three ~HS strings with the flags the test sets; everything else as
 * a ready thermal-transfer printer reports it. */
static char *
host_status (gboolean paper_out,
             gboolean paused,
             gboolean buffer_full,
             gboolean over_temperature,
             gboolean head_up,
             gboolean ribbon_out)
{
  return g_strdup_printf ("\002030,%d,%d,1218,002,%d,0,0,000,0,0,%d\003\r\n"
                          "\002001,0,%d,%d,1,2,6,0,00000017,1,000\003\r\n"
                          "\0021234,0\003\r\n",
                          paper_out, paused, buffer_full, over_temperature, head_up, ribbon_out);
}

static void
test_host_status_fields (void)
{
  g_autofree char *reply = host_status (FALSE, FALSE, FALSE, FALSE, FALSE, FALSE);
  g_autoptr(GError) error = NULL;
  AggZplHostStatus status;

  g_assert_true (agg_zpl_host_status_parse (reply, strlen (reply), &status, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (status.label_length, ==, 1218);
  g_assert_cmpuint (status.formats_in_buffer, ==, 2);
  g_assert_true (status.thermal_transfer);
  g_assert_cmpuint (status.print_mode, ==, 2);
  g_assert_cmpuint (status.labels_remaining, ==, 17);
  g_assert_false (status.paper_out || status.paused || status.head_up || status.ribbon_out);
  g_assert_cmpint (agg_zpl_host_status_fault (&status), ==, AGG_PRINTER_FAULT_NONE);
}

static void
test_host_status_faults (void)
{
  static const struct {
    gboolean paper_out, paused, buffer_full, hot, head_up, ribbon_out;
    AggPrinterFault fault;
    const char *id;
  } cases[] = {
    { 1, 1, 0, 0, 0, 0, AGG_PRINTER_FAULT_PAPER_OUT, "paper-out" },
    { 0, 1, 0, 0, 1, 0, AGG_PRINTER_FAULT_HEAD_OPEN, "head-open" },
    { 1, 1, 0, 0, 1, 0, AGG_PRINTER_FAULT_HEAD_OPEN, "head-open" },
    { 0, 1, 0, 0, 0, 1, AGG_PRINTER_FAULT_RIBBON_OUT, "ribbon-out" },
    { 0, 1, 0, 0, 0, 0, AGG_PRINTER_FAULT_PAUSED, "paused" },
    { 0, 0, 1, 0, 0, 0, AGG_PRINTER_FAULT_BUFFER_FULL, "buffer-full" },
    { 0, 1, 0, 1, 0, 0, AGG_PRINTER_FAULT_HEAD_TOO_HOT, "head-too-hot" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *reply = host_status (cases[i].paper_out, cases[i].paused,
                                            cases[i].buffer_full, cases[i].hot,
                                            cases[i].head_up, cases[i].ribbon_out);
      AggZplHostStatus status;
      AggPrinterFault fault;

      g_assert_true (agg_zpl_host_status_parse (reply, strlen (reply), &status, NULL));
      fault = agg_zpl_host_status_fault (&status);
      g_assert_cmpint (fault, ==, cases[i].fault);
      g_assert_cmpstr (agg_printer_fault_to_id (fault), ==, cases[i].id);
      g_assert_nonnull (agg_printer_fault_to_message (fault));
    }
}

static void
test_host_status_broken (void)
{
  static const char *const replies[] = {
    "",
    "\002030,0,0,1218,000,0,0,0,000,0,0,0\003\r\n",
    "\002030,0,0,1218,000,0,0,0,000,0,0,0\003\r\n\002001,0,0,0,1,2,6,0,00000000,1,000\003\r\n"
    "\0021234,0",
    "\002030,0,0,1218,000,0,0,0,000,0,0\003\r\n\002001,0,0,0,1,2,6,0,00000000,1,000\003\r\n"
    "\0021234,0\003\r\n",
    "\002030,X,0,1218,000,0,0,0,000,0,0,0\003\r\n\002001,0,0,0,1,2,6,0,00000000,1,000\003\r\n"
    "\0021234,0\003\r\n",
  };

  for (guint i = 0; i < G_N_ELEMENTS (replies); i++)
    {
      g_autoptr(GError) error = NULL;
      AggZplHostStatus status;

      g_assert_false (agg_zpl_host_status_parse (replies[i], strlen (replies[i]), &status,
                                                 &error));
      g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA);
    }
}

static AggPrinter *
printer_from (const char  *text,
              GError     **error)
{
  g_autoptr(AggConfig) config = agg_config_load_data (text, strlen (text), "station.conf", NULL);
  g_auto(GStrv) groups = agg_config_list_groups (config, "printer:");

  g_assert_nonnull (groups[0]);
  return agg_printer_new_from_config (config, groups[0], error);
}

static void
test_config (void)
{
  static const struct {
    const char *text;
    const char *error;                /* the message's start; NULL: valid */
    const char *key;                  /* named in the message */
  } cases[] = {
    { "[printer:zebra]\ntype = tcp\nhost = 10.0.0.5\n", NULL, NULL },
    { "[printer:zebra]\ntype = tcp\n", "station.conf:1: [printer:zebra]", "host" },
    { "[printer:zebra]\ntype = tcp\nhost = h\nport = 70000\n", "station.conf:4: [printer:zebra]", "port" },
    { "[printer:zebra]\ntype = tcp\nhost = h\ndpi = 250\n", "station.conf:4: [printer:zebra]", "dpi" },
    { "[printer:zebra]\ntype = laser\n", "station.conf:2: [printer:zebra]", "type" },
    { "[printer:zebra]\ntype = file\npath = /dev/null\nhost = h\n", "station.conf:4: [printer:zebra]", "host" },
    { "[printer:zebra]\ntype = serial\ndevice = /dev/ttyS0\nparity = mark\n", "station.conf:4: [printer:zebra]", "parity" },
    { "[printer:zebra]\ntype = cups\nqueue = office\nrole = box\n", "station.conf:4: [printer:zebra]", "role" },
    { "[printer:]\ntype = file\npath = x\n", "station.conf:1: [printer:]", "name" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(AggPrinter) printer = printer_from (cases[i].text, &error);

      if (cases[i].error == NULL)
        {
          g_assert_no_error (error);
          g_assert_cmpstr (agg_printer_get_endpoint (printer), ==, "10.0.0.5:9100");
          g_assert_cmpuint (agg_printer_get_dpi (printer), ==, 203);
          g_assert_true (agg_printer_serves (printer, FALSE) && agg_printer_serves (printer, TRUE));
          g_assert_true (agg_printer_can_query (printer));
        }
      else
        {
          g_assert_null (printer);
          g_assert_nonnull (error);
          if (!g_str_has_prefix (error->message, cases[i].error) ||
              strstr (error->message, cases[i].key) == NULL)
            g_error ("“%s” does not start with “%s” or name “%s”", error->message,
                     cases[i].error, cases[i].key);
        }
    }
}

static void
test_file_appends (void)
{
  g_autofree char *dir = agg_test_make_tmpdir ("test-printer");
  g_autofree char *path = g_build_filename (dir, "labels.zpl", NULL);
  g_autofree char *text = g_strdup_printf ("[printer:debug]\ntype = file\npath = %s\n"
                                           "role = pallet\n", path);
  g_autoptr(GError) error = NULL;
  g_autoptr(AggPrinter) printer = printer_from (text, &error);
  g_autoptr(GBytes) first = g_bytes_new_static ("^XA^FDone^FS^XZ", 15);
  g_autoptr(GBytes) second = g_bytes_new_static ("^XA^FDtwo^FS^XZ", 15);
  g_autofree char *contents = NULL;
  AggPrinterFault after = AGG_PRINTER_N_FAULTS;

  g_assert_no_error (error);
  g_assert_false (agg_printer_serves (printer, FALSE));
  g_assert_true (agg_printer_serves (printer, TRUE));
  g_assert_false (agg_printer_can_query (printer));
  g_assert_true (agg_printer_send_sync (printer, first, &after, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpint (after, ==, AGG_PRINTER_FAULT_NONE);
  g_assert_true (agg_printer_send_sync (printer, second, NULL, NULL, &error));
  g_assert_true (g_file_get_contents (path, &contents, NULL, NULL));
  g_assert_cmpstr (contents, ==, "^XA^FDone^FS^XZ^XA^FDtwo^FS^XZ");

  agg_test_remove_tree (dir);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/printer/host-status/fields", test_host_status_fields);
  g_test_add_func ("/printer/host-status/faults", test_host_status_faults);
  g_test_add_func ("/printer/host-status/broken", test_host_status_broken);
  g_test_add_func ("/printer/config", test_config);
  g_test_add_func ("/printer/file-appends", test_file_appends);
  return g_test_run ();
}
