/* agg-cli.h: the sub-commands of aggctl
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Exit statuses shared by every sub-command. */
enum
{
  AGG_CLI_EXIT_OK = 0,
  AGG_CLI_EXIT_FAILED = 1,          /* the command ran; the answer is "no" */
  AGG_CLI_EXIT_USAGE = 2,
};

/* Each takes the arguments after its own name (argv[0] is the command). */
int agg_cli_gs1   (int argc, char **argv);
int agg_cli_sscc  (int argc, char **argv);
int agg_cli_bench (int argc, char **argv);
int agg_cli_demo  (int argc, char **argv);

/* Prints "aggctl: MESSAGE" to stderr and returns AGG_CLI_EXIT_USAGE. */
int agg_cli_usage_error (const char *format,
                         ...) G_GNUC_PRINTF (1, 2);

G_END_DECLS
