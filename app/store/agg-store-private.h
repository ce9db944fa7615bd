/* agg-store-private.h: the schema, one migration per version
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* agg_store_migrations[v] takes a database from user_version v to v + 1. */
extern const char *const agg_store_migrations[];
extern const guint agg_store_n_migrations;

G_END_DECLS
