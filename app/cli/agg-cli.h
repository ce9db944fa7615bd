/* agg-cli.h: the sub-commands of aggctl
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>
#include <json-glib/json-glib.h>

#include "agg-config.h"
#include "agg-line.h"
#include "agg-store.h"

G_BEGIN_DECLS

/* Exit statuses shared by every sub-command. */
enum
{
  AGG_CLI_EXIT_OK = 0,
  AGG_CLI_EXIT_FAILED = 1,          /* the command ran; the answer is "no" */
  AGG_CLI_EXIT_USAGE = 2,
};

/* The options given before the command, set by main (). */
typedef struct
{
  const char *db_path;              /* --db; NULL: agg_store_default_path () */
  const char *as_user;              /* --as: who runs an administrative command */
  const char *config_path;          /* --config; NULL: agg_config_default_path () */
} AggCliGlobals;

extern AggCliGlobals agg_cli_globals;

/* Each takes the arguments after its own name (argv[0] is the command). */
int agg_cli_gs1       (int argc, char **argv);
int agg_cli_sscc      (int argc, char **argv);
int agg_cli_bench     (int argc, char **argv);
int agg_cli_demo      (int argc, char **argv);
int agg_cli_init      (int argc, char **argv);
int agg_cli_run       (int argc, char **argv);
int agg_cli_show      (int argc, char **argv);
int agg_cli_status    (int argc, char **argv);
int agg_cli_user      (int argc, char **argv);
int agg_cli_product   (int argc, char **argv);
int agg_cli_workorder (int argc, char **argv);
int agg_cli_events    (int argc, char **argv);
int agg_cli_audit     (int argc, char **argv);
int agg_cli_backup    (int argc, char **argv);
int agg_cli_epcis     (int argc, char **argv);
int agg_cli_bench_epcis (int argc, char **argv);
int agg_cli_scanner   (int argc, char **argv);
/* aggctl bench readers, in agg-cli-scanner.c. */
int agg_cli_bench_readers (int argc, char **argv);
int agg_cli_label     (int argc, char **argv);
int agg_cli_bench_label (int argc, char **argv);
int agg_cli_print     (int argc, char **argv);
int agg_cli_printer   (int argc, char **argv);
int agg_cli_bench_print (int argc, char **argv);
int agg_cli_sync      (int argc, char **argv);

/* aggctl events exceptions [--json]; events resend|handled ID REASON. */
int agg_cli_events_exceptions (gboolean    json);
int agg_cli_events_resolve    (const char *how,
                               const char *event_id,
                               const char *reason);
int agg_cli_decode    (int argc, char **argv);
int agg_cli_camera    (int argc, char **argv);
int agg_cli_plc       (int argc, char **argv);

/* Prints "aggctl: MESSAGE" to stderr and returns AGG_CLI_EXIT_USAGE. */
int agg_cli_usage_error (const char *format,
                         ...) G_GNUC_PRINTF (1, 2);

/* Prints "aggctl: MESSAGE" to stderr and returns AGG_CLI_EXIT_FAILED. */
int agg_cli_failure (const char *format,
                     ...) G_GNUC_PRINTF (1, 2);

/* Opens the database named by --db.  Only @create makes a missing one;
 * on failure prints why to stderr and returns NULL. */
AggStore *agg_cli_open_store  (gboolean    create);

/* Loads the configuration named by --config, or the default one (an
 * empty configuration when that file does not exist).  On failure prints
 * why to stderr and returns NULL. */
AggConfig *agg_cli_load_config (void);

/* agg_cli_load_config (), then agg_cli_open_store (FALSE), for a command
 * that runs part of the station: a configuration it cannot run on is
 * refused before the database opens.  On failure prints why to stderr,
 * returns FALSE and sets neither. */
gboolean   agg_cli_open_station (AggConfig **config,
                                 AggStore  **store);

/* The string member @name of @object, or @absent when it is missing or
 * null: what a command prints for a value that is not there. */
const char *agg_cli_text_member (JsonObject *object,
                                 const char *name,
                                 const char *absent);

/* A PIN: from the environment variable @env_var when set, else the next
 * line of standard input (without echo on a terminal, after @prompt).
 * NULL at end of input. */
char     *agg_cli_read_secret (const char *env_var,
                               const char *prompt);

/* The PIN of the --as user, read with agg_cli_read_secret () from
 * AGGCTL_PIN or standard input.  Returns AGG_CLI_EXIT_OK, or the exit
 * status of the problem it printed (no --as, no PIN). */
int       agg_cli_read_as_pin (char      **pin);

/* Logs the --as user in on @line with @pin.  When the engine refuses,
 * prints its reason and returns FALSE. */
gboolean  agg_cli_log_in_as   (AggLine    *line,
                               const char *pin);

G_END_DECLS
