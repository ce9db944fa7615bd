/* agg-format.h: codes and dates as people on the line read them
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

char *agg_format_sscc   (const char *sscc);
char *agg_format_expiry (const char *yymmdd);

G_END_DECLS
