/* agg-cli-bench.c: aggctl bench
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * "bench gs1" times the parser alone.  "bench line" times the station as
 * the line sees it: durable scans through the engine, each committed with
 * a sync to disk, and lookups in a database of millions of units.
 */

#include "config.h"

#include <inttypes.h>
#include <errno.h>
#include <fcntl.h>
#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/vfs.h>
#endif

#include "agg-cli.h"
#include "agg-gs1.h"
#include "agg-line-private.h"

#define N_CODES 4096

static void
random_alnum (GRand *rand,
              char  *out,
              guint  len)
{
  static const char alphabet[] = "0123456789ABCDEFGHJKLMNPQRSTUVWXYZ";

  for (guint i = 0; i < len; i++)
    out[i] = alphabet[g_rand_int_range (rand, 0, sizeof alphabet - 1)];
  out[len] = '\0';
}

/* The random parts of a unit code: lot, serial and expiry date YYMMDD. */
typedef struct
{
  char lot[7];
  char serial[13];
  char expiry[7];
} UnitParts;

static void
random_unit_parts (GRand     *rand,
                   UnitParts *parts)
{
  int yy, mm, dd;

  random_alnum (rand, parts->lot, 6);
  random_alnum (rand, parts->serial, 12);
  yy = g_rand_int_range (rand, 26, 40);
  mm = g_rand_int_range (rand, 1, 13);
  dd = g_rand_int_range (rand, 1, 29);
  g_snprintf (parts->expiry, sizeof parts->expiry, "%02d%02d%02d", yy, mm, dd);
}

typedef char *(*MakeCode) (const char *gtin, const UnitParts *parts);

/* A unit code as a pharma DataMatrix carries it: GTIN, expiry, lot, serial. */
static char *
make_scan_data (const char      *gtin,
                const UnitParts *parts)
{
  return g_strdup_printf ("]d201%s17%s10%s\x1d" "21%s", gtin, parts->expiry, parts->lot,
                          parts->serial);
}

static char *
make_bracketed (const char      *gtin,
                const UnitParts *parts)
{
  return g_strdup_printf ("(01)%s(17)%s(10)%s(21)%s", gtin, parts->expiry, parts->lot,
                          parts->serial);
}

static char *
make_digital_link (const char      *gtin,
                   const UnitParts *parts)
{
  return g_strdup_printf ("https://id.gs1.org/01/%s/10/%s/21/%s?17=%s", gtin, parts->lot,
                          parts->serial, parts->expiry);
}

/* Parses the codes round and round for @seconds; returns codes per second,
 * or -1 when a code did not parse (the benchmark is then meaningless). */
static double
run (char   **codes,
     double   seconds)
{
  AggGs1Data *data = g_new (AggGs1Data, 1);
  gint64 start = g_get_monotonic_time ();
  gint64 end = start + (gint64) (seconds * G_USEC_PER_SEC);
  gint64 now;
  guint64 parsed = 0;
  gsize lens[N_CODES];

  for (guint i = 0; i < N_CODES; i++)
    lens[i] = strlen (codes[i]);

  do
    {
      for (guint i = 0; i < N_CODES; i++)
        {
          if (G_UNLIKELY (!agg_gs1_parse (codes[i], lens[i], data, NULL)))
            {
              fprintf (stderr, "aggctl: %s: %s\n", _("benchmark code did not parse"), codes[i]);
              g_free (data);
              return -1;
            }
        }
      parsed += N_CODES;
      now = g_get_monotonic_time ();
    }
  while (now < end);

  g_free (data);
  return parsed / ((now - start) / (double) G_USEC_PER_SEC);
}

static int
bench_gs1 (double seconds)
{
  static const char *gtins[] = { "09506000134352", "09506000134376", "04012345000016" };
  static const struct {
    const char *name;
    MakeCode    make;
  } forms[] = {
    { "scan data ]d2", make_scan_data },
    { "bracketed", make_bracketed },
    { "Digital Link", make_digital_link },
  };
  g_autoptr(GRand) rand = g_rand_new_with_seed (20261124);
  int status = AGG_CLI_EXIT_OK;

  for (guint f = 0; f < G_N_ELEMENTS (forms); f++)
    {
      char **codes = g_new0 (char *, N_CODES + 1);
      double rate;

      for (guint i = 0; i < N_CODES; i++)
        {
          UnitParts parts;

          random_unit_parts (rand, &parts);
          codes[i] = forms[f].make (gtins[i % G_N_ELEMENTS (gtins)], &parts);
        }

      /* Warm the caches and the AI index before timing. */
      run (codes, seconds / 10);
      rate = run (codes, seconds);
      if (rate < 0)
        status = AGG_CLI_EXIT_FAILED;
      else
        printf ("gs1 parse, %-14s %10.0f codes/s  %6.0f ns/code  (one core, %u distinct pharma unit codes)\n",
                forms[f].name, rate, 1e9 / rate, N_CODES);
      g_strfreev (codes);
    }

  return status;
}

/* bench line */

#define BENCH_GTIN      "09506000134352"
#define BENCH_LOT       "DEMO01"
#define BENCH_EXPIRY    "281231"
#define BENCH_ORDER     "WO-DEMO-1"
#define BENCH_LOOKUPS   10000
#define UNITS_PER_TXN   50000
#define GENESIS_HASH    "0000000000000000000000000000000000000000000000000000000000000000"
#define READ_POINT      "https://id.gs1.org/414/9506000000008/254/0"

#define LINE_USAGE N_("usage: aggctl bench line [--scans N] [--units M] [--dir DIR] [--keep]")

static const char serial_alphabet[] = "0123456789ABCDEFGHJKLMNPQRSTUVWXYZ";

/* splitmix64: a serial's random part from its number, so that a lookup
 * can name any unit without keeping ten million serials in memory. */
static guint64
mix64 (guint64 x)
{
  x += G_GUINT64_CONSTANT (0x9E3779B97F4A7C15);
  x = (x ^ (x >> 30)) * G_GUINT64_CONSTANT (0xBF58476D1CE4E5B9);
  x = (x ^ (x >> 27)) * G_GUINT64_CONSTANT (0x94D049BB133111EB);
  return x ^ (x >> 31);
}

/* Twelve characters: six random-looking ones, then six that count in
 * base 34, which keeps serials unique up to 34^6 (1.5 billion). */
static void
make_serial (guint64 salt,
             guint64 number,
             char    out[13])
{
  guint64 r = mix64 (number ^ salt);
  const guint base = sizeof serial_alphabet - 1;

  for (guint i = 0; i < 6; i++, r /= base)
    out[i] = serial_alphabet[r % base];
  for (guint i = 0; i < 6; i++, number /= base)
    out[11 - i] = serial_alphabet[number % base];
  out[12] = '\0';
}

static char *
make_unit_code (const char *serial)
{
  return g_strdup_printf ("]d201" BENCH_GTIN "17" BENCH_EXPIRY "10" BENCH_LOT "\x1d" "21%s",
                          serial);
}

static int
compare_gint64 (gconstpointer a,
                gconstpointer b)
{
  gint64 x = *(const gint64 *) a;
  gint64 y = *(const gint64 *) b;

  return (x > y) - (x < y);
}

/* Nearest-rank percentile of sorted microseconds, in milliseconds. */
static double
percentile_ms (GArray *sorted,
               guint   per_mille)
{
  guint64 rank = ((guint64) sorted->len * per_mille + 999) / 1000;

  if (sorted->len == 0)
    return 0;
  rank = CLAMP (rank, 1, sorted->len);
  return g_array_index (sorted, gint64, rank - 1) / 1000.0;
}

static void
print_latencies (const char *what,
                 GArray     *latencies)
{
  g_array_sort (latencies, compare_gint64);
  printf ("  %s: p50 %.3f ms, p99 %.3f ms, max %.3f ms\n", what,
          percentile_ms (latencies, 500), percentile_ms (latencies, 990),
          percentile_ms (latencies, 1000));
}

static char *
format_size (guint64 bytes)
{
  return g_format_size_full (bytes, G_FORMAT_SIZE_IEC_UNITS);
}

/* The database file and its write-ahead log, in bytes. */
static guint64
database_size (const char *path,
               guint64    *wal_size)
{
  g_autofree char *wal_path = g_strconcat (path, "-wal", NULL);
  GStatBuf st;
  guint64 size = 0;

  *wal_size = 0;
  if (g_stat (path, &st) == 0)
    size = st.st_size;
  if (g_stat (wal_path, &st) == 0)
    *wal_size = st.st_size;
  return size;
}

/* The kind of file system @path is on, and whether it lives in memory,
 * where a sync to disk costs nothing and proves nothing. */
static const char *
filesystem_type (const char *path,
                 gboolean   *in_memory)
{
  *in_memory = FALSE;
#ifdef __linux__
  {
    static const struct {
      unsigned long magic;
      const char   *name;
      gboolean      in_memory;
    } types[] = {
      { 0xEF53, "ext2/3/4", FALSE },
      { 0x58465342, "xfs", FALSE },
      { 0x9123683E, "btrfs", FALSE },
      { 0xF2F52010, "f2fs", FALSE },
      { 0x2FC12FC1, "zfs", FALSE },
      { 0x794C7630, "overlayfs", FALSE },
      { 0x6969, "nfs", FALSE },
      { 0x65735546, "fuse", FALSE },
      { 0x01021994, "tmpfs", TRUE },
      { 0x858458F6, "ramfs", TRUE },
    };
    struct statfs st;

    if (statfs (path, &st) != 0)
      return "unknown";
    for (guint i = 0; i < G_N_ELEMENTS (types); i++)
      if ((unsigned long) st.f_type == types[i].magic)
        {
          *in_memory = types[i].in_memory;
          return types[i].name;
        }
    return "other";
  }
#else
  return "unknown";
#endif
}

/* A fresh folder for the benchmark's databases: under @parent when given;
 * else in the temporary folder when that is on a disk, else under the
 * current one. */
static char *
make_work_dir (const char  *parent,
               GError     **error)
{
  g_autofree char *cwd = NULL;
  g_autofree char *template = NULL;
  gboolean in_memory;

  if (parent == NULL)
    {
      filesystem_type (g_get_tmp_dir (), &in_memory);
      if (!in_memory)
        return g_dir_make_tmp ("aggctl-bench-XXXXXX", error);
      parent = cwd = g_get_current_dir ();
    }

  template = g_build_filename (parent, "aggctl-bench-XXXXXX", NULL);
  if (g_mkdtemp (template) == NULL)
    {
      int saved_errno = errno;

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved_errno),
                   _("Could not create a folder in “%s”: %s"), parent, g_strerror (saved_errno));
      return NULL;
    }
  return g_steal_pointer (&template);
}

static void
remove_work_dir (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  if (dir == NULL)
    return;
  while ((name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *file = g_build_filename (path, name, NULL);
      g_unlink (file);
    }
  g_rmdir (path);
}

static gpointer
import_demo_job (AggStore  *store,
                 sqlite3   *db,
                 gpointer   user_data,
                 GError   **error)
{
  agg_import_demo (store, error);
  return NULL;
}

/* A new demo station at @path, as "aggctl init --demo" makes it. */
static gboolean
create_demo_db (const char  *path,
                GError     **error)
{
  g_autoptr(AggStore) store = agg_store_open (path, error);

  if (store == NULL)
    return FALSE;
  agg_store_run_sync (store, AGG_STORE_WRITE, import_demo_job, NULL, error);
  agg_store_close (store);
  return error == NULL || *error == NULL;
}

static gboolean
execute_ok (AggLine    *line,
            AggRequest *request,
            const char *what)
{
  g_autoptr(AggResult) result = agg_line_execute_sync (line, request);

  if (result != NULL && agg_result_is_ok (result))
    return TRUE;
  fprintf (stderr, "aggctl: bench: %s: %s %s\n", what,
           result != NULL ? agg_outcome_to_string (result->outcome) : "",
           result != NULL ? result->message : "");
  return FALSE;
}

static AggLine *
start_line (AggStore *store)
{
  g_autoptr(AggLine) line = agg_line_new (store);
  g_autoptr(AggRequest) login = agg_request_new (AGG_ACTION_LOGIN);
  g_autoptr(AggRequest) start = agg_request_new (AGG_ACTION_START_ORDER);

  login->user = g_strdup ("operator");
  login->pin = g_strdup ("1111");
  start->code = g_strdup (BENCH_ORDER);
  if (!execute_ok (line, login, "login") || !execute_ok (line, start, "start"))
    return NULL;
  return g_steal_pointer (&line);
}

/* (a) Durable scans, one request at a time, exactly as "aggctl run"
 * sends them. */
static int
bench_scans (const char *dir,
             guint       n_scans)
{
  g_autofree char *path = g_build_filename (dir, "scans.db", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(AggStore) store = NULL;
  g_autoptr(AggLine) line = NULL;
  g_autoptr(GArray) latencies = g_array_sized_new (FALSE, FALSE, sizeof (gint64), n_scans);
  g_autofree char *db_text = NULL;
  g_autofree char *wal_text = NULL;
  guint64 salt = g_random_int () | ((guint64) g_random_int () << 32);
  guint64 db_bytes, wal_bytes;
  gint64 start, elapsed;
  double rate;

  if (!create_demo_db (path, &error) || (store = agg_store_open (path, &error)) == NULL)
    return agg_cli_failure ("%s", error->message);
  line = start_line (store);
  if (line == NULL)
    return AGG_CLI_EXIT_FAILED;

  start = g_get_monotonic_time ();
  for (guint i = 0; i < n_scans; i++)
    {
      g_autoptr(AggRequest) request = agg_request_new (AGG_ACTION_SCAN);
      g_autoptr(AggResult) result = NULL;
      char serial[13];
      gint64 before;

      make_serial (salt, i, serial);
      request->data = make_unit_code (serial);
      request->data_len = strlen (request->data);
      request->source = g_strdup ("bench");

      before = g_get_monotonic_time ();
      result = agg_line_execute_sync (line, request);
      elapsed = g_get_monotonic_time () - before;
      g_array_append_val (latencies, elapsed);

      if (result == NULL || result->outcome != AGG_OUTCOME_ACCEPTED)
        return agg_cli_failure ("bench: scan %u (%s) not accepted: %s", i + 1, serial,
                                result != NULL ? result->message : "");
    }
  elapsed = g_get_monotonic_time () - start;
  rate = n_scans / (elapsed / (double) G_USEC_PER_SEC);

  g_clear_object (&line);
  agg_store_close (store);
  db_bytes = database_size (path, &wal_bytes);
  db_text = format_size (db_bytes);
  wal_text = format_size (wal_bytes);

  printf ("(a) durable scans through the engine (WAL, synchronous=FULL, one commit a scan)\n");
  printf ("  %u scans in %.2f s: %.0f scans/s\n", n_scans, elapsed / (double) G_USEC_PER_SEC,
          rate);
  print_latencies ("scan latency", latencies);
  printf ("  database %s + WAL %s: %.0f bytes/unit\n", db_text, wal_text,
          n_scans > 0 ? (db_bytes + wal_bytes) / (double) n_scans : 0.0);
  printf ("  targets: >= 500 scans/s %s, p99 <= 10 ms %s\n",
          rate >= 500 ? "met" : "MISSED",
          percentile_ms (latencies, 990) <= 10.0 ? "met" : "MISSED");
  return AGG_CLI_EXIT_OK;
}

/* (b) A database of millions of units, written with plain SQL in big
 * transactions: what years of packing leave behind, row for row as the
 * engine writes them (units in cases of 12, cases on pallets of 4, their
 * audit rows chained by hash, their EPCIS events). */
typedef struct
{
  sqlite3      *db;
  sqlite3_stmt *insert_unit;
  sqlite3_stmt *insert_container;
  sqlite3_stmt *insert_audit;
  sqlite3_stmt *insert_event;
  sqlite3_stmt *close;
  GChecksum    *checksum;
  gint64        user_id;
  gint64        audit_id;
  char          prev_hash[65];
  char          prefix[12];
  guint         extension;
  gint64        range_id;
  guint64       next_ref;
  gint64        clock_ms;
  char          now[32];
} Builder;

static gboolean
sql_ok (Builder    *b,
        int         rc,
        const char *what)
{
  if (rc == SQLITE_OK || rc == SQLITE_DONE || rc == SQLITE_ROW)
    return TRUE;
  fprintf (stderr, "aggctl: bench: %s: %s\n", what, sqlite3_errmsg (b->db));
  return FALSE;
}

static gboolean
builder_step (Builder      *b,
              sqlite3_stmt *stmt,
              const char   *what)
{
  int rc = sqlite3_step (stmt);
  gboolean ok = sql_ok (b, rc == SQLITE_DONE ? SQLITE_OK : rc == SQLITE_ROW ? SQLITE_MISUSE : rc,
                        what);

  sqlite3_reset (stmt);
  sqlite3_clear_bindings (stmt);
  return ok;
}

/* The line's clock: a unit every half second. */
static const char *
tick (Builder *b,
      gint64   ms)
{
  time_t seconds;
  struct tm tm;
  char text[24];

  b->clock_ms += ms;
  seconds = b->clock_ms / 1000;
  gmtime_r (&seconds, &tm);
  strftime (text, sizeof text, "%Y-%m-%dT%H:%M:%S", &tm);
  g_snprintf (b->now, sizeof b->now, "%s.%03dZ", text, (int) (b->clock_ms % 1000));
  return b->now;
}

static void
hash_field (GChecksum  *checksum,
            const char *value)
{
  char prefix[24];
  int n;

  if (value == NULL)
    {
      g_checksum_update (checksum, (const guchar *) "-", 1);
      return;
    }
  n = g_snprintf (prefix, sizeof prefix, "%" G_GSIZE_FORMAT ":", strlen (value));
  g_checksum_update (checksum, (const guchar *) prefix, n);
  g_checksum_update (checksum, (const guchar *) value, strlen (value));
}

/* An audit row chained to the one before, by the encoding documented in
 * agg-audit.c; "aggctl audit verify" accepts the result. */
static gboolean
audit (Builder    *b,
       const char *action,
       const char *object,
       const char *old_value,
       const char *new_value)
{
  const char *fields[] = { NULL, b->now, "+00:00", NULL, "operator", action, object,
                           old_value, new_value, NULL, NULL, NULL, NULL, b->prev_hash };
  char id_text[24];
  char user_text[24];
  char hash[65];
  sqlite3_stmt *s = b->insert_audit;

  b->audit_id++;
  g_snprintf (id_text, sizeof id_text, "%" PRId64, b->audit_id);
  g_snprintf (user_text, sizeof user_text, "%" PRId64, b->user_id);
  fields[0] = id_text;
  fields[3] = user_text;

  g_checksum_reset (b->checksum);
  for (guint i = 0; i < G_N_ELEMENTS (fields); i++)
    hash_field (b->checksum, fields[i]);
  memcpy (hash, g_checksum_get_string (b->checksum), sizeof hash);

  sqlite3_bind_int64 (s, 1, b->audit_id);
  sqlite3_bind_text (s, 2, b->now, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (s, 3, b->user_id);
  sqlite3_bind_text (s, 4, action, -1, SQLITE_STATIC);
  sqlite3_bind_text (s, 5, object, -1, SQLITE_STATIC);
  sqlite3_bind_text (s, 6, old_value, -1, SQLITE_STATIC);
  sqlite3_bind_text (s, 7, new_value, -1, SQLITE_STATIC);
  sqlite3_bind_text (s, 8, b->prev_hash, 64, SQLITE_STATIC);
  sqlite3_bind_text (s, 9, hash, 64, SQLITE_STATIC);
  if (!builder_step (b, s, "audit"))
    return FALSE;
  memcpy (b->prev_hash, hash, sizeof hash);
  return TRUE;
}

static gboolean
event (Builder    *b,
       const char *type,
       const char *biz_step,
       const char *disposition,
       const char *parent,
       const char *epcs)
{
  g_autofree char *uuid = g_uuid_string_random ();
  g_autofree char *event_id = g_strconcat ("urn:uuid:", uuid, NULL);
  sqlite3_stmt *s = b->insert_event;

  sqlite3_bind_text (s, 1, event_id, -1, SQLITE_STATIC);
  sqlite3_bind_text (s, 2, type, -1, SQLITE_STATIC);
  sqlite3_bind_text (s, 3, biz_step, -1, SQLITE_STATIC);
  sqlite3_bind_text (s, 4, disposition, -1, SQLITE_STATIC);
  sqlite3_bind_text (s, 5, b->now, -1, SQLITE_STATIC);
  sqlite3_bind_text (s, 6, parent, -1, SQLITE_STATIC);
  sqlite3_bind_text (s, 7, epcs, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (s, 8, b->audit_id);
  return builder_step (b, s, "event");
}

/* A container with its audit row and commissioning event; its row id. */
static gint64
open_container (Builder    *b,
                gboolean    pallet,
                gint64      parent_id,
                char        sscc[19])
{
  g_autoptr(GError) error = NULL;
  g_autofree char *made = agg_gs1_sscc_make (b->prefix, b->extension, b->next_ref++, &error);
  g_autofree char *epcs = NULL;
  sqlite3_stmt *s = b->insert_container;
  gint64 id;

  if (made == NULL)
    {
      fprintf (stderr, "aggctl: bench: %s\n", error->message);
      return 0;
    }
  g_strlcpy (sscc, made, 19);

  sqlite3_bind_text (s, 1, sscc, -1, SQLITE_STATIC);
  sqlite3_bind_text (s, 2, pallet ? "pallet" : "case", -1, SQLITE_STATIC);
  if (parent_id != 0)
    sqlite3_bind_int64 (s, 3, parent_id);
  sqlite3_bind_text (s, 4, b->now, -1, SQLITE_STATIC);
  if (!builder_step (b, s, "container"))
    return 0;
  id = sqlite3_last_insert_rowid (b->db);

  epcs = g_strdup_printf ("[\"https://id.gs1.org/00/%s\"]", sscc);
  if (!audit (b, pallet ? "pallet.open" : "case.open", sscc, NULL, "open") ||
      !event (b, "ObjectEvent", "commissioning", "active", NULL, epcs))
    return 0;
  return id;
}

/* Closes a container: its audit row and the AggregationEvent ADD of its
 * contents, @epcs, a JSON array still open at its end. */
static gboolean
close_container (Builder    *b,
                 gboolean    pallet,
                 gint64      id,
                 const char *sscc,
                 guint       count,
                 GString    *epcs)
{
  g_autofree char *parent = g_strconcat ("https://id.gs1.org/00/", sscc, NULL);
  char count_text[16];

  sqlite3_bind_text (b->close, 1, b->now, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (b->close, 2, id);
  if (!builder_step (b, b->close, "close"))
    return FALSE;

  g_snprintf (count_text, sizeof count_text, "%u", count);
  g_string_append_c (epcs, ']');
  return audit (b, pallet ? "pallet.close" : "case.close", sscc, "open", count_text) &&
         event (b, "AggregationEvent", "packing", "in_progress", parent, epcs->str);
}

static gboolean
builder_prepare (Builder *b)
{
  static const struct {
    gsize       offset;
    const char *sql;
  } statements[] = {
    { G_STRUCT_OFFSET (Builder, insert_unit),
      "INSERT INTO units (gtin, serial, lot, expiry, order_id, status, parent_id, announced,"
      "  scanned_at)"
      " VALUES ('" BENCH_GTIN "', ?1, '" BENCH_LOT "', '" BENCH_EXPIRY "', '" BENCH_ORDER "',"
      "  'aggregated', ?2, 1, ?3)" },
    { G_STRUCT_OFFSET (Builder, insert_container),
      "INSERT INTO containers (sscc, kind, order_id, status, parent_id, announced, created_at)"
      " VALUES (?1, ?2, '" BENCH_ORDER "', 'open', ?3, ?3 IS NOT NULL, ?4)" },
    { G_STRUCT_OFFSET (Builder, close),
      "UPDATE containers SET status = 'closed', closed_at = ?1 WHERE id = ?2" },
    { G_STRUCT_OFFSET (Builder, insert_audit),
      "INSERT INTO audit (id, at, utc_offset, user_id, username, action, object, old_value,"
      "  new_value, prev_hash, hash)"
      " VALUES (?1, ?2, '+00:00', ?3, 'operator', ?4, ?5, ?6, ?7, ?8, ?9)" },
    { G_STRUCT_OFFSET (Builder, insert_event),
      "INSERT INTO events (event_id, type, action, biz_step, disposition, event_time,"
      "  tz_offset, parent, epcs, read_point, biz_location, order_id, audit_id, status)"
      " VALUES (?1, ?2, 'ADD', ?3, ?4, ?5, '+00:00', ?6, ?7, '" READ_POINT "',"
      "  '" READ_POINT "', '" BENCH_ORDER "', ?8, 'sent')" },
  };
  sqlite3_stmt *stmt = NULL;
  int rc;

  for (guint i = 0; i < G_N_ELEMENTS (statements); i++)
    {
      rc = sqlite3_prepare_v2 (b->db, statements[i].sql, -1,
                               &G_STRUCT_MEMBER (sqlite3_stmt *, b, statements[i].offset), NULL);
      if (!sql_ok (b, rc, "prepare"))
        return FALSE;
    }

  /* Where the demo left off: the operator, the chain's end, the SSCCs. */
  rc = sqlite3_prepare_v2 (b->db,
                           "SELECT (SELECT id FROM users WHERE username = 'operator'),"
                           "  (SELECT id FROM audit ORDER BY id DESC LIMIT 1),"
                           "  (SELECT hash FROM audit ORDER BY id DESC LIMIT 1),"
                           "  id, company_prefix, extension, next_ref"
                           " FROM sscc_ranges ORDER BY id LIMIT 1", -1, &stmt, NULL);
  if (rc == SQLITE_OK)
    rc = sqlite3_step (stmt);
  if (rc != SQLITE_ROW)
    {
      sql_ok (b, rc == SQLITE_DONE ? SQLITE_ERROR : rc, "the demo line");
      sqlite3_finalize (stmt);
      return FALSE;
    }
  b->user_id = sqlite3_column_int64 (stmt, 0);
  b->audit_id = sqlite3_column_int64 (stmt, 1);
  g_strlcpy (b->prev_hash,
             sqlite3_column_text (stmt, 2) ? (const char *) sqlite3_column_text (stmt, 2)
                                           : GENESIS_HASH,
             sizeof b->prev_hash);
  b->range_id = sqlite3_column_int64 (stmt, 3);
  g_strlcpy (b->prefix, (const char *) sqlite3_column_text (stmt, 4), sizeof b->prefix);
  b->extension = sqlite3_column_int (stmt, 5);
  b->next_ref = sqlite3_column_int64 (stmt, 6);
  sqlite3_finalize (stmt);
  return TRUE;
}

static void
builder_clear (Builder *b)
{
  sqlite3_finalize (b->insert_unit);
  sqlite3_finalize (b->insert_container);
  sqlite3_finalize (b->close);
  sqlite3_finalize (b->insert_audit);
  sqlite3_finalize (b->insert_event);
  g_clear_pointer (&b->checksum, g_checksum_free);
  if (b->db != NULL)
    sqlite3_close (b->db);
  b->db = NULL;
}

/* One pallet of up to 4 cases of 12: units @first to @last - 1. */
static gboolean
build_pallet (Builder *b,
              guint64  salt,
              guint64  first,
              guint64  last)
{
  g_autoptr(GString) pallet_epcs = g_string_new ("[");
  g_autoptr(GString) case_epcs = g_string_new (NULL);
  char pallet_sscc[19];
  gint64 pallet_id;
  guint n_cases = 0;

  tick (b, 500);
  pallet_id = open_container (b, TRUE, 0, pallet_sscc);
  if (pallet_id == 0)
    return FALSE;

  for (guint64 unit = first; unit < last; n_cases++)
    {
      char case_sscc[19];
      char serial[13];
      char key[64];
      gint64 case_id;
      guint n_units = 0;

      tick (b, 500);
      case_id = open_container (b, FALSE, pallet_id, case_sscc);
      if (case_id == 0)
        return FALSE;

      g_string_assign (case_epcs, "[");
      for (; unit < last && n_units < 12; unit++, n_units++)
        {
          make_serial (salt, unit, serial);
          tick (b, 500);
          sqlite3_bind_text (b->insert_unit, 1, serial, -1, SQLITE_STATIC);
          sqlite3_bind_int64 (b->insert_unit, 2, case_id);
          sqlite3_bind_text (b->insert_unit, 3, b->now, -1, SQLITE_STATIC);
          if (!builder_step (b, b->insert_unit, "unit"))
            return FALSE;
          g_snprintf (key, sizeof key, "(01)" BENCH_GTIN "(21)%s", serial);
          if (!audit (b, "unit.aggregate", key, NULL, case_sscc))
            return FALSE;
          g_string_append_printf (case_epcs, "%s\"https://id.gs1.org/01/" BENCH_GTIN "/21/%s\"",
                                  n_units > 0 ? "," : "", serial);
        }

      if (!close_container (b, FALSE, case_id, case_sscc, n_units, case_epcs) ||
          !audit (b, "case.palletise", case_sscc, NULL, pallet_sscc))
        return FALSE;
      g_string_append_printf (pallet_epcs, "%s\"https://id.gs1.org/00/%s\"",
                              n_cases > 0 ? "," : "", case_sscc);
    }

  tick (b, 500);
  return close_container (b, TRUE, pallet_id, pallet_sscc, n_cases, pallet_epcs);
}

static gboolean
build_database (const char *path,
                guint64     n_units,
                guint64     salt)
{
  Builder b = { NULL, };
  g_autofree char *update_range = NULL;
  gboolean ok = FALSE;
  guint64 unit = 0;
  int rc;

  rc = sqlite3_open_v2 (path, &b.db, SQLITE_OPEN_READWRITE, NULL);
  if (!sql_ok (&b, rc, path))
    goto out;

  /* A bulk load: no journal, no syncs, a large cache.  The station puts
   * the database back into WAL mode when it opens it. */
  rc = sqlite3_exec (b.db,
                     "PRAGMA journal_mode = DELETE;"
                     "PRAGMA journal_mode = OFF;"
                     "PRAGMA synchronous = OFF;"
                     "PRAGMA cache_size = -1048576;", NULL, NULL, NULL);
  if (!sql_ok (&b, rc, "pragmas") || !builder_prepare (&b))
    goto out;

  b.checksum = g_checksum_new (G_CHECKSUM_SHA256);
  b.clock_ms = G_GINT64_CONSTANT (1735689600000);     /* 2025-01-01 */

  while (unit < n_units)
    {
      guint64 end = MIN (unit + UNITS_PER_TXN, n_units);

      if (!sql_ok (&b, sqlite3_exec (b.db, "BEGIN", NULL, NULL, NULL), "begin"))
        goto out;
      for (; unit < end; unit = MIN (unit + 48, end))
        if (!build_pallet (&b, salt, unit, MIN (unit + 48, end)))
          goto out;
      if (!sql_ok (&b, sqlite3_exec (b.db, "COMMIT", NULL, NULL, NULL), "commit"))
        goto out;
    }

  update_range = g_strdup_printf ("UPDATE sscc_ranges SET next_ref = %" PRIu64
                                  " WHERE id = %" PRId64 ";"
                                  "PRAGMA journal_mode = WAL;",
                                  b.next_ref, b.range_id);
  ok = sql_ok (&b, sqlite3_exec (b.db, update_range, NULL, NULL, NULL), "sscc range");

out:
  builder_clear (&b);
  return ok;
}

/* Drops @path from the operating system's page cache, and only that
 * file: the next reads come from the disk. */
static gboolean
evict_from_page_cache (const char *path)
{
  int fd = g_open (path, O_RDONLY, 0);
  gboolean ok;

  if (fd < 0)
    return FALSE;
  /* Only clean pages can go: write back the bulk load first. */
  ok = fdatasync (fd) == 0 && posix_fadvise (fd, 0, 0, POSIX_FADV_DONTNEED) == 0;
  close (fd);
  return ok;
}

/* Shows @n random units of the @n_units built with @salt, as a
 * supervisor's lookup does, timing each. */
static gboolean
run_lookups (AggLine *line,
             GRand   *rand,
             guint64  salt,
             guint64  n_units,
             guint    n,
             GArray  *latencies)
{
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(AggRequest) request = agg_request_new (AGG_ACTION_SHOW);
      g_autoptr(AggResult) result = NULL;
      guint64 unit = ((guint64) g_rand_int (rand) << 32 | g_rand_int (rand)) % n_units;
      char serial[13];
      gint64 before, elapsed;

      make_serial (salt, unit, serial);
      request->code = make_unit_code (serial);

      before = g_get_monotonic_time ();
      result = agg_line_execute_sync (line, request);
      elapsed = g_get_monotonic_time () - before;
      g_array_append_val (latencies, elapsed);

      if (result == NULL || result->outcome != AGG_OUTCOME_ACCEPTED ||
          strstr (result->message, serial) == NULL)
        {
          agg_cli_failure ("bench: show %s: %s", serial, result != NULL ? result->message : "");
          return FALSE;
        }
    }
  return TRUE;
}

static int
bench_lookups (const char *dir,
               guint64     n_units)
{
  g_autofree char *path = g_build_filename (dir, "lookup.db", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(AggStore) store = NULL;
  g_autoptr(AggLine) line = NULL;
  g_autoptr(GArray) warm = g_array_sized_new (FALSE, FALSE, sizeof (gint64), BENCH_LOOKUPS);
  g_autoptr(GArray) cold = g_array_sized_new (FALSE, FALSE, sizeof (gint64), BENCH_LOOKUPS);
  g_autoptr(GRand) rand = g_rand_new ();
  g_autofree char *db_text = NULL;
  g_autofree char *wal_text = NULL;
  guint64 salt = g_rand_int (rand) | ((guint64) g_rand_int (rand) << 32);
  guint64 db_bytes, wal_bytes;
  gint64 start, built, opened;
  gboolean evicted;

  if (!create_demo_db (path, &error))
    return agg_cli_failure ("%s", error->message);

  start = g_get_monotonic_time ();
  if (!build_database (path, n_units, salt))
    return AGG_CLI_EXIT_FAILED;
  built = g_get_monotonic_time () - start;
  db_bytes = database_size (path, &wal_bytes);
  db_text = format_size (db_bytes);
  wal_text = format_size (wal_bytes);

  printf ("(b) lookups at scale\n");
  printf ("  built %" PRIu64 " units (%" PRIu64 " cases, %" PRIu64
          " pallets, with audit rows and events) in %.1f s: %.0f units/s\n",
          n_units, (n_units + 11) / 12, (n_units + 47) / 48, built / (double) G_USEC_PER_SEC,
          n_units / (built / (double) G_USEC_PER_SEC));
  printf ("  database %s + WAL %s\n", db_text, wal_text);
  fflush (stdout);

  /* Opening runs the station's integrity check over the whole file. */
  start = g_get_monotonic_time ();
  store = agg_store_open (path, &error);
  if (store == NULL)
    return agg_cli_failure ("%s", error->message);
  opened = g_get_monotonic_time () - start;
  printf ("  opened with its quick_check in %.1f s\n", opened / (double) G_USEC_PER_SEC);

  line = agg_line_new (store);
  if (!run_lookups (line, rand, salt, n_units, BENCH_LOOKUPS, warm))
    return AGG_CLI_EXIT_FAILED;
  printf ("  %u random show lookups of a unit (with its case, pallet and history):\n",
          BENCH_LOOKUPS);
  print_latencies ("lookup latency, warm cache", warm);

  /* The same after the file left the page cache, as after a reboot. */
  evicted = evict_from_page_cache (path);
  if (!run_lookups (line, rand, salt, n_units, BENCH_LOOKUPS, cold))
    return AGG_CLI_EXIT_FAILED;
  if (evicted)
    print_latencies ("lookup latency, cold cache", cold);
  else
    printf ("  (could not drop the file from the page cache: no cold figures)\n");
  printf ("  target: lookup <= 1 ms %s (p99, warm cache)\n",
          percentile_ms (warm, 990) <= 1.0 ? "met" : "MISSED");

  g_clear_object (&line);
  agg_store_close (store);
  db_bytes = database_size (path, &wal_bytes);
  printf ("(c) %.0f bytes/unit (database and WAL over %" PRIu64 " units)\n",
          (db_bytes + wal_bytes) / (double) n_units, n_units);
  return AGG_CLI_EXIT_OK;
}

static int
bench_line (int    argc,
            char **argv)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = NULL;
  const char *parent = NULL;
  guint64 n_scans = 5000;
  guint64 n_units = 10000000;
  gboolean keep = FALSE;
  gboolean in_memory;
  int status;

  for (int i = 2; i < argc; i++)
    {
      if (strcmp (argv[i], "--scans") == 0 && i + 1 < argc)
        {
          if (!g_ascii_string_to_unsigned (argv[++i], 10, 1, 10000000, &n_scans, NULL))
            return agg_cli_usage_error (_("--scans takes a number from 1 to 10000000"));
        }
      else if (strcmp (argv[i], "--units") == 0 && i + 1 < argc)
        {
          if (!g_ascii_string_to_unsigned (argv[++i], 10, 1, 1000000000, &n_units, NULL))
            return agg_cli_usage_error (_("--units takes a number from 1 to 1000000000"));
        }
      else if (strcmp (argv[i], "--dir") == 0 && i + 1 < argc)
        parent = argv[++i];
      else if (strcmp (argv[i], "--keep") == 0)
        keep = TRUE;
      else
        return agg_cli_usage_error ("%s", _(LINE_USAGE));
    }

  dir = make_work_dir (parent, &error);
  if (dir == NULL)
    return agg_cli_failure ("%s", error->message);
  printf ("bench line: databases in %s, on %s\n", dir, filesystem_type (dir, &in_memory));
  if (in_memory)
    printf ("  warning: that file system is in memory: syncs cost nothing there\n");
  fflush (stdout);

  status = bench_scans (dir, n_scans);
  fflush (stdout);
  if (status == AGG_CLI_EXIT_OK)
    status = bench_lookups (dir, n_units);

  if (keep)
    printf ("kept %s\n", dir);
  else
    remove_work_dir (dir);
  return status;
}

#define BENCH_USAGE N_("usage: aggctl bench gs1 [--seconds N] | bench epcis [--events N] | " \
                       "bench line [--scans N] [--units M] [--dir DIR] [--keep] | bench readers | " \
                       "bench label [--seconds N] | bench print [--cases N]")

int
agg_cli_bench (int    argc,
               char **argv)
{
  double seconds = 2.0;

  if (argc >= 2 && strcmp (argv[1], "line") == 0)
    return bench_line (argc, argv);
  if (argc >= 2 && strcmp (argv[1], "epcis") == 0)
    return agg_cli_bench_epcis (argc, argv);
  if (argc >= 2 && strcmp (argv[1], "readers") == 0)
    return agg_cli_bench_readers (argc, argv);
  if (argc >= 2 && strcmp (argv[1], "label") == 0)
    return agg_cli_bench_label (argc, argv);
  if (argc >= 2 && strcmp (argv[1], "print") == 0)
    return agg_cli_bench_print (argc, argv);

  if (argc < 2 || strcmp (argv[1], "gs1") != 0)
    return agg_cli_usage_error ("%s", _(BENCH_USAGE));

  if (argc == 4 && strcmp (argv[2], "--seconds") == 0)
    {
      seconds = g_ascii_strtod (argv[3], NULL);
      if (seconds <= 0 || seconds > 600)
        return agg_cli_usage_error (_("--seconds takes a number between 0 and 600"));
    }
  else if (argc != 2)
    return agg_cli_usage_error (_("usage: aggctl bench gs1 [--seconds N]"));

  return bench_gs1 (seconds);
}
