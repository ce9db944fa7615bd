/* agg-login-page.h: PIN pad and badge login
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "agg-line.h"

G_BEGIN_DECLS

#define AGG_TYPE_LOGIN_PAGE (agg_login_page_get_type ())
G_DECLARE_FINAL_TYPE (AggLoginPage, agg_login_page, AGG, LOGIN_PAGE, AdwBin)

/* Emits "logged-in" once the engine accepted a PIN or a badge. */
void agg_login_page_set_line (AggLoginPage *self,
                              AggLine      *line);
/* A badge scanned while nobody is logged in. */
void agg_login_page_scan     (AggLoginPage *self,
                              const char   *data,
                              gsize         len);

G_END_DECLS
