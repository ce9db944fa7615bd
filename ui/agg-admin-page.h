/* agg-admin-page.h: users, master data and the station's settings
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "agg-line.h"

G_BEGIN_DECLS

#define AGG_TYPE_ADMIN_PAGE (agg_admin_page_get_type ())
G_DECLARE_FINAL_TYPE (AggAdminPage, agg_admin_page, AGG, ADMIN_PAGE, AdwBin)

void agg_admin_page_set_line (AggAdminPage *self,
                              AggLine      *line);
/* Reads the users and settings again (done by itself when shown). */
void agg_admin_page_refresh  (AggAdminPage *self);

G_END_DECLS
