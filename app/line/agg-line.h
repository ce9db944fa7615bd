/* agg-line.h: the line engine — sessions, scans, cases, pallets, corrections
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <json-glib/json-glib.h>

#include "agg-store.h"

G_BEGIN_DECLS

#define AGG_LINE_ERROR (agg_line_error_quark ())

/* Errors of master data and user administration (imports, aggctl user …);
 * refusals on the line itself are AggOutcome values. */
typedef enum
{
  AGG_LINE_ERROR_INVALID,             /* malformed or inconsistent input, with file position */
  AGG_LINE_ERROR_EXISTS,
  AGG_LINE_ERROR_NOT_FOUND,
} AggLineError;

GQuark agg_line_error_quark (void);

/* Every answer of the engine.  The names (agg_outcome_to_string) are a
 * stable interface: aggctl prints them and scripts match them. */
typedef enum
{
  AGG_OUTCOME_ACCEPTED,
  AGG_OUTCOME_NOT_GS1,
  AGG_OUTCOME_INVALID_GS1,
  AGG_OUTCOME_NOT_A_UNIT,             /* GS1, but no GTIN + serial */
  AGG_OUTCOME_WRONG_PRODUCT,
  AGG_OUTCOME_WRONG_LOT,
  AGG_OUTCOME_WRONG_EXPIRY,
  AGG_OUTCOME_EXPIRED,
  AGG_OUTCOME_NOT_COMMISSIONED,
  AGG_OUTCOME_DUPLICATE_IN_THIS_CASE,
  AGG_OUTCOME_ALREADY_AGGREGATED,
  AGG_OUTCOME_UNIT_DECOMMISSIONED,
  AGG_OUTCOME_CASE_FULL,
  AGG_OUTCOME_NO_OPEN_CASE,
  AGG_OUTCOME_NO_RUNNING_ORDER,
  AGG_OUTCOME_SSCC_RANGE_EXHAUSTED,
  AGG_OUTCOME_NOT_PERMITTED,
  AGG_OUTCOME_NOT_LOGGED_IN,
  AGG_OUTCOME_BAD_CREDENTIALS,
  AGG_OUTCOME_LOCKED_OUT,
  AGG_OUTCOME_SIGNATURE_REQUIRED,
  AGG_OUTCOME_NOT_FOUND,
  AGG_OUTCOME_INVALID_STATE,          /* e.g. closing an empty case, reopening an open one */
  AGG_OUTCOME_OPEN_CONTAINERS,        /* an order cannot close while cases or pallets are open */
  AGG_OUTCOME_STORE_FAILED,           /* the database refused: disk full, damaged, busy */
  AGG_OUTCOME_BAD_REQUEST,            /* malformed command */
  AGG_OUTCOME_LABEL_NOT_VERIFIED,     /* print and verify: scan the last case's label first */
  AGG_OUTCOME_LABEL_MISMATCH,         /* print and verify: another SSCC than the case's */
  AGG_OUTCOME_LAYER_INCOMPLETE,       /* a camera layer with empty or refused slots */
  AGG_N_OUTCOMES
} AggOutcome;

const char *agg_outcome_to_string (AggOutcome outcome);

typedef enum
{
  AGG_ROLE_OPERATOR,
  AGG_ROLE_SUPERVISOR,
  AGG_ROLE_ADMIN,
} AggRole;

const char *agg_role_to_string   (AggRole     role);
gboolean    agg_role_from_string (const char *name,
                                  AggRole    *role);

typedef enum
{
  AGG_ACTION_LOGIN,                   /* user, pin — or badge */
  AGG_ACTION_LOGOUT,                  /* code "idle": nobody used the station for its idle time */
  AGG_ACTION_START_ORDER,             /* code: order id or its scanned barcode */
  AGG_ACTION_SUSPEND_ORDER,
  AGG_ACTION_SCAN,                    /* data, source */
  AGG_ACTION_CLOSE_CASE,              /* reason set: partial close */
  AGG_ACTION_CLOSE_PALLET,            /* reason set: partial close */
  AGG_ACTION_SHOW,                    /* code */
  AGG_ACTION_REMOVE_UNIT,             /* code, reason */
  AGG_ACTION_REPLACE_UNIT,            /* code (old), code2 (new), reason */
  AGG_ACTION_UNPACK,                  /* code (case or pallet), reason */
  AGG_ACTION_REMOVE_CASE,             /* code (case), reason: take it off its pallet */
  AGG_ACTION_MOVE_CASE,               /* code (case), code2 (pallet), reason */
  AGG_ACTION_REOPEN_CASE,             /* code, reason */
  AGG_ACTION_DECOMMISSION,            /* code, reason, with_contents */
  AGG_ACTION_DESTROY,                 /* code, reason, with_contents */
  AGG_ACTION_SAMPLE,                  /* code (unit), reason */
  AGG_ACTION_VOID_LABEL,              /* code (SSCC), reason */
  AGG_ACTION_REPRINT_LABEL,           /* code (SSCC), reason; code2: a printer, or NULL */
  AGG_ACTION_RECONCILE,               /* code: order id (default: the running one) */
  AGG_ACTION_CLOSE_ORDER,             /* code: order id, reason */
  AGG_ACTION_SET_MODE,                /* code: "case" or "pallet" */
  AGG_ACTION_STATUS,                  /* the station's figures: database, outbox, order */
  /* Administration: an admin's, except that anyone logged in may list the
   * users.  Every change is audited. */
  AGG_ACTION_USER_ADD,                /* user, code: full name, code2: role, pin, data: badge or NULL */
  AGG_ACTION_USER_SET_PIN,            /* user, pin: a new PIN, which also unlocks */
  AGG_ACTION_USER_SET_ACTIVE,         /* user, code: "1" enables, "0" disables */
  AGG_ACTION_LIST_USERS,              /* details "users": username, full_name, role, active, locked, badge */
  AGG_ACTION_IMPORT,                  /* data, data_len: master data, JSON or CSV; details "imported" */
  AGG_ACTION_GET_SETTINGS,            /* details "settings": { key: value } */
  AGG_ACTION_SET_SETTING,             /* code: key, code2: value; only the station's known keys */
  AGG_ACTION_LIST_ORDERS,             /* details "orders": the planned, running and suspended ones */
  /* Upstream: events the repository refused, and what a supervisor does
   * with them, signed. */
  AGG_ACTION_LIST_EXCEPTIONS,         /* details "exceptions": the refused events, oldest first */
  AGG_ACTION_EVENT_RESEND,            /* code: event ID, reason: deliver it again after a fix */
  AGG_ACTION_EVENT_HANDLED,           /* code: event ID, reason: resolved outside the station */
  /* A camera's read of a case layer: source, data: JSON (see
   * agg-line-layer.c); details "layer" with each slot's verdict. */
  AGG_ACTION_SCAN_LAYER,
  AGG_N_ACTIONS
} AggAction;

const char *agg_action_to_string   (AggAction   action);
gboolean    agg_action_from_string (const char *name,
                                    AggAction  *action);

/* One thing the operator or supervisor asks of the line.  Strings are
 * owned by the request. */
typedef struct
{
  AggAction action;
  char     *user;                     /* login */
  char     *pin;                      /* login */
  char     *data;                     /* scan: raw bytes, GS as 0x1d */
  gsize     data_len;
  char     *source;                   /* scan: the reader's name */
  char     *code;
  char     *code2;
  char     *reason;
  gboolean  with_contents;
  /* An electronic signature: the signer re-enters the PIN.  Without one,
   * an action that needs it answers AGG_OUTCOME_SIGNATURE_REQUIRED with
   * the meaning to show before signing. */
  char     *signer;
  char     *signer_pin;
} AggRequest;

AggRequest *agg_request_new  (AggAction   action);
AggRequest *agg_request_copy (const AggRequest *request);
void        agg_request_free (AggRequest *request);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (AggRequest, agg_request_free)

/* The answer: given only once the transaction behind it has committed. */
typedef struct
{
  AggOutcome  outcome;
  char       *message;                /* translated, for people */
  JsonObject *details;                /* what changed: "case", "unit", "order", … */
} AggResult;

/* A result with @outcome, no details yet, and the message @format makes:
 * the caller passes it translated. */
AggResult  *agg_result_new     (AggOutcome       outcome,
                                const char      *format,
                                ...) G_GNUC_PRINTF (2, 3);
gboolean    agg_result_is_ok   (const AggResult *result);
void        agg_result_free    (AggResult *result);
char       *agg_result_to_json (const AggResult *result);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (AggResult, agg_result_free)

#define AGG_TYPE_LINE (agg_line_get_type ())
G_DECLARE_FINAL_TYPE (AggLine, agg_line, AGG, LINE, GObject)

AggLine    *agg_line_new            (AggStore            *store);
AggStore   *agg_line_get_store      (AggLine             *line);

/* The session: who is logged in, and since when nothing happened. */
const char *agg_line_get_username   (AggLine             *line);
gboolean    agg_line_get_role       (AggLine             *line,
                                     AggRole             *role);
void        agg_line_set_idle_timeout (AggLine           *line,
                                       guint              seconds);
guint       agg_line_get_idle_timeout (AggLine           *line);
/* Reads the station's settings that shape the session (idle_timeout).
 * Blocks: call it from non-UI code, before the line is used. */
gboolean    agg_line_load_settings_sync (AggLine         *line,
                                         GError         **error);

/* Runs one request.  Refusals are outcomes, not errors; the result is
 * NULL only for programming errors.  Store failures (disk full, …) give
 * AGG_OUTCOME_STORE_FAILED with the reason, and nothing written. */
AggResult  *agg_line_execute_sync   (AggLine             *line,
                                     const AggRequest    *request);
void        agg_line_execute_async  (AggLine             *line,
                                     const AggRequest    *request,
                                     GCancellable        *cancellable,
                                     GAsyncReadyCallback  callback,
                                     gpointer             user_data);
AggResult  *agg_line_execute_finish (AggLine             *line,
                                     GAsyncResult        *result,
                                     GError             **error);

/* Figures another part of the station adds to the details of
 * AGG_ACTION_STATUS, under "status" → @name (e.g. "sync").  @func runs
 * in the thread that gets the result and returns a new object. */
typedef JsonObject *(*AggLineStatusFunc) (gpointer user_data);

void        agg_line_add_status_source (AggLine            *line,
                                        const char         *name,
                                        AggLineStatusFunc   func,
                                        gpointer            user_data,
                                        GDestroyNotify      destroy);

/* The usernames of the active users, for a login screen to offer. */
void        agg_line_list_users_async  (AggLine             *line,
                                        GCancellable        *cancellable,
                                        GAsyncReadyCallback  callback,
                                        gpointer             user_data);
char      **agg_line_list_users_finish (AggLine             *line,
                                        GAsyncResult        *result,
                                        GError             **error);

G_END_DECLS
