/* agg-cli-epcis.c: aggctl epcis export, and the serialisation benchmark
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "agg-cli.h"
#include "agg-epcis-private.h"
#include "agg-line-job.h"

#define EXPORT_USAGE N_("usage: aggctl epcis export --format jsonld|xml|xml12" \
                        " [--pending|--all|--order ID] [--epc-urns --gcp-length N]")

static gboolean
parse_format (const char     *text,
              AggEpcisFormat *format)
{
  if (g_strcmp0 (text, "jsonld") == 0)
    *format = AGG_EPCIS_FORMAT_JSONLD;
  else if (g_strcmp0 (text, "xml") == 0)
    *format = AGG_EPCIS_FORMAT_XML;
  else if (g_strcmp0 (text, "xml12") == 0)
    *format = AGG_EPCIS_FORMAT_XML_1_2;
  else
    return FALSE;
  return TRUE;
}

/* Declarations of events among @events only. */
static GPtrArray *
declarations_of (GPtrArray *declarations,
                 GPtrArray *events)
{
  g_autoptr(GHashTable) ids = g_hash_table_new (g_str_hash, g_str_equal);
  GPtrArray *kept = g_ptr_array_new_with_free_func ((GDestroyNotify) agg_epcis_declaration_unref);

  for (guint i = 0; i < events->len; i++)
    g_hash_table_add (ids, (gpointer) agg_epcis_event_get_id (g_ptr_array_index (events, i)));
  for (guint i = 0; i < declarations->len; i++)
    {
      AggEpcisDeclaration *declaration = g_ptr_array_index (declarations, i);

      if (g_hash_table_contains (ids, agg_epcis_declaration_get_event_id (declaration)))
        g_ptr_array_add (kept, agg_epcis_declaration_ref (declaration));
    }
  return kept;
}

static int
epcis_export (int    argc,
              char **argv)
{
  g_autoptr(AggConfig) config = NULL;
  g_autoptr(AggStore) store = NULL;
  g_autoptr(GPtrArray) events = NULL;
  g_autoptr(GPtrArray) declarations = NULL;
  g_autoptr(GBytes) document = NULL;
  g_autoptr(GError) error = NULL;
  const char *format_text = NULL;
  const char *order_id = NULL;
  const char *status = NULL;
  gboolean pending = FALSE, all = FALSE, epc_urns = FALSE;
  gint64 gcp_length = -1;
  AggEpcisFormat format;
  AggEpcisOptions options;
  gconstpointer data;
  gsize size;

  for (int i = 1; i < argc; i++)
    {
      if (strcmp (argv[i], "--pending") == 0)
        pending = TRUE;
      else if (strcmp (argv[i], "--all") == 0)
        all = TRUE;
      else if (strcmp (argv[i], "--epc-urns") == 0)
        epc_urns = TRUE;
      else if (strcmp (argv[i], "--format") == 0 && i + 1 < argc)
        format_text = argv[++i];
      else if (strcmp (argv[i], "--order") == 0 && i + 1 < argc)
        order_id = argv[++i];
      else if (strcmp (argv[i], "--gcp-length") == 0 && i + 1 < argc)
        {
          char *end = NULL;

          gcp_length = g_ascii_strtoll (argv[++i], &end, 10);
          if (end == NULL || *end != '\0' || gcp_length < 6 || gcp_length > 12)
            return agg_cli_usage_error (_("--gcp-length takes the length of the GS1 Company"
                                          " Prefix: 6 to 12"));
        }
      else
        return agg_cli_usage_error ("%s", _(EXPORT_USAGE));
    }

  if (!parse_format (format_text, &format))
    return agg_cli_usage_error ("%s", _(EXPORT_USAGE));
  if (pending + all + (order_id != NULL) > 1)
    return agg_cli_usage_error (_("Choose one of --pending, --all and --order"));

  config = agg_cli_load_config ();
  if (config == NULL)
    return AGG_CLI_EXIT_FAILED;
  if (!agg_epcis_options_load (&options, config, &error))
    return agg_cli_failure ("%s", error->message);
  if (epc_urns)
    options.epc_urns = TRUE;
  if (gcp_length > 0)
    options.company_prefix_length = (guint) gcp_length;
  if (options.epc_urns && options.company_prefix_length == 0)
    return agg_cli_usage_error (_("--epc-urns needs --gcp-length N or company-prefix-length"
                                  " in [epcis]"));

  store = agg_cli_open_store (FALSE);
  if (store == NULL)
    return AGG_CLI_EXIT_FAILED;

  if (pending)
    status = "pending";
  events = agg_epcis_events_read (store, status, order_id, 0, 0, &error);
  if (events == NULL)
    return agg_cli_failure ("%s", error->message);
  declarations = agg_epcis_declarations_read (store, status, 0, 0, &error);
  if (declarations == NULL)
    return agg_cli_failure ("%s", error->message);
  if (order_id != NULL)
    {
      GPtrArray *kept = declarations_of (declarations, events);

      g_ptr_array_unref (declarations);
      declarations = kept;
    }

  document = agg_epcis_document_new (events, declarations, format, &options, &error);
  if (document == NULL)
    return agg_cli_failure ("%s", error->message);

  data = g_bytes_get_data (document, &size);
  if (fwrite (data, 1, size, stdout) != size || fflush (stdout) != 0)
    return agg_cli_failure (_("Could not write the document: %s"), g_strerror (errno));
  return AGG_CLI_EXIT_OK;
}

int
agg_cli_epcis (int    argc,
               char **argv)
{
  if (argc >= 2 && strcmp (argv[1], "export") == 0)
    return epcis_export (argc - 1, argv + 1);
  return agg_cli_usage_error ("%s", _(EXPORT_USAGE));
}

/* aggctl bench epcis */

typedef struct
{
  guint n_events;
  guint per_case;
} FillJob;

/* Cases of @per_case units, each a commissioning and a packing event, as
 * the engine writes them. */
static gpointer
fill_job (AggStore  *store,
          sqlite3   *db,
          gpointer   user_data,
          GError   **error)
{
  FillJob *job = user_data;
  guint written = 0;
  guint64 serial = 0;

  for (guint c = 0; written < job->n_events; c++)
    {
      g_autoptr(GPtrArray) epcs = g_ptr_array_new_with_free_func (g_free);
      g_autoptr(GPtrArray) units = g_ptr_array_new_with_free_func (g_free);
      g_autofree char *sscc = agg_gs1_sscc_make ("4012345", 0, c + 1, error);
      g_autofree char *parent = NULL;

      if (sscc == NULL)
        return NULL;
      parent = agg_sscc_uri (sscc);
      g_ptr_array_add (epcs, g_strdup (parent));
      for (guint u = 0; u < job->per_case; u++)
        {
          g_autofree char *number = g_strdup_printf ("%010" G_GUINT64_FORMAT, ++serial);
          g_ptr_array_add (units, agg_unit_uri ("04012345123456", number));
        }
      if (!agg_events_add (store, "ObjectEvent", "ADD", "commissioning", "active", NULL, epcs,
                           NULL, 0, error) ||
          !agg_events_add (store, "AggregationEvent", "ADD", "packing", "in_progress", parent,
                           units, NULL, 0, error))
        return NULL;
      written += 2;
    }
  return GINT_TO_POINTER (TRUE);
}

static double
measure (GPtrArray             *events,
         AggEpcisFormat         format,
         const AggEpcisOptions *options,
         gsize                 *size)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) document = NULL;
  gint64 start = g_get_monotonic_time ();

  document = agg_epcis_document_new (events, NULL, format, options, &error);
  if (document == NULL)
    {
      fprintf (stderr, "aggctl: bench: %s\n", error->message);
      return -1;
    }
  *size = g_bytes_get_size (document);
  return (g_get_monotonic_time () - start) / 1e6;
}

int
agg_cli_bench_epcis (int    argc,
                     char **argv)
{
  static const struct
  {
    const char     *name;
    AggEpcisFormat  format;
    gboolean        urns;
  } runs[] = {
    { "jsonld", AGG_EPCIS_FORMAT_JSONLD, FALSE },
    { "jsonld-urn", AGG_EPCIS_FORMAT_JSONLD, TRUE },
    { "xml", AGG_EPCIS_FORMAT_XML, FALSE },
    { "xml12", AGG_EPCIS_FORMAT_XML_1_2, FALSE },
  };
  g_autoptr(GError) error = NULL;
  g_autoptr(AggStore) store = NULL;
  g_autoptr(GPtrArray) events = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *path = NULL;
  FillJob job = { 10000, 24 };
  AggEpcisOptions options = { FALSE, 7, "4012345000009" };
  gint64 start;
  double seconds;

  if (argc == 4 && strcmp (argv[2], "--events") == 0)
    {
      gint64 n = g_ascii_strtoll (argv[3], NULL, 10);

      if (n < 2 || n > 10000000)
        return agg_cli_usage_error (_("--events takes a number between 2 and 10000000"));
      job.n_events = (guint) n;
    }
  else if (argc != 2)
    return agg_cli_usage_error (_("usage: aggctl bench epcis [--events N]"));

  dir = g_dir_make_tmp ("aggctl-bench-epcis-XXXXXX", &error);
  if (dir == NULL)
    return agg_cli_failure ("%s", error->message);
  path = g_build_filename (dir, "bench.db", NULL);
  store = agg_store_open (path, &error);
  if (store == NULL)
    return agg_cli_failure ("%s", error->message);

  /* Writing includes building each event and its hash ID. */
  start = g_get_monotonic_time ();
  if (agg_store_run_sync (store, AGG_STORE_WRITE, fill_job, &job, &error) == NULL)
    return agg_cli_failure ("%s", error->message);
  seconds = (g_get_monotonic_time () - start) / 1e6;
  printf ("epcis write (build + hash ID + insert): %u events in %.3f s, %.0f events/s\n",
          job.n_events, seconds, job.n_events / seconds);

  start = g_get_monotonic_time ();
  events = agg_epcis_events_read (store, NULL, NULL, 0, 0, &error);
  if (events == NULL)
    return agg_cli_failure ("%s", error->message);
  seconds = (g_get_monotonic_time () - start) / 1e6;
  printf ("epcis read: %u events in %.3f s, %.0f events/s\n", events->len, seconds,
          events->len / seconds);

  start = g_get_monotonic_time ();
  for (guint i = 0; i < events->len; i++)
    {
      g_autofree char *id = agg_epcis_event_hash_id (
        agg_epcis_event_get_json (g_ptr_array_index (events, i)), NULL);
      if (g_strcmp0 (id, agg_epcis_event_get_id (g_ptr_array_index (events, i))) != 0)
        return agg_cli_failure ("event %u: hash ID differs from the stored one", i);
    }
  seconds = (g_get_monotonic_time () - start) / 1e6;
  printf ("epcis hash ID: %u events in %.3f s, %.0f events/s\n", events->len, seconds,
          events->len / seconds);

  for (guint r = 0; r < G_N_ELEMENTS (runs); r++)
    {
      gsize size = 0;

      options.epc_urns = runs[r].urns;
      seconds = measure (events, runs[r].format, &options, &size);
      if (seconds < 0)
        return AGG_CLI_EXIT_FAILED;
      printf ("epcis document %-10s: %u events, %" G_GSIZE_FORMAT " bytes in %.3f s,"
              " %.0f events/s\n", runs[r].name, events->len, size, seconds,
              events->len / seconds);
    }

  agg_store_close (store);
  g_clear_object (&store);
  for (const char *suffix = ""; ; suffix = suffix[0] == '\0' ? "-wal" : "-shm")
    {
      g_autofree char *file = g_strconcat (path, suffix, NULL);
      g_unlink (file);
      if (strcmp (suffix, "-shm") == 0)
        break;
    }
  g_rmdir (dir);
  return AGG_CLI_EXIT_OK;
}
