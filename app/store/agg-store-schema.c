/* agg-store-schema.c: the station's tables
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Released migrations are never edited: a change is a new migration.
 */

#include "agg-store-private.h"

static const char migration_1[] =
  /* Station settings, audited on change. */
  "CREATE TABLE settings ("
  "  key   TEXT PRIMARY KEY,"
  "  value TEXT NOT NULL"
  ") WITHOUT ROWID;"

  /* Users are deactivated, never deleted: the audit trail names them. */
  "CREATE TABLE users ("
  "  id              INTEGER PRIMARY KEY,"
  "  username        TEXT NOT NULL UNIQUE,"
  "  full_name       TEXT NOT NULL,"
  "  role            TEXT NOT NULL CHECK (role IN ('operator', 'supervisor', 'admin')),"
  "  pin_hash        TEXT NOT NULL,"
  "  badge           TEXT UNIQUE,"
  "  active          INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),"
  "  failed_attempts INTEGER NOT NULL DEFAULT 0,"
  "  locked          INTEGER NOT NULL DEFAULT 0 CHECK (locked IN (0, 1)),"
  "  created_at      TEXT NOT NULL"
  ");"
  "CREATE TRIGGER users_no_delete BEFORE DELETE ON users BEGIN"
  "  SELECT RAISE (ABORT, 'users are deactivated, never deleted');"
  "END;"

  "CREATE TABLE products ("
  "  gtin                  TEXT PRIMARY KEY CHECK (length (gtin) = 14),"
  "  description           TEXT NOT NULL,"
  "  units_per_case        INTEGER NOT NULL CHECK (units_per_case > 0),"
  "  cases_per_pallet      INTEGER NOT NULL CHECK (cases_per_pallet > 0),"
  "  allow_mixed_lots      INTEGER NOT NULL DEFAULT 0 CHECK (allow_mixed_lots IN (0, 1)),"
  "  require_future_expiry INTEGER NOT NULL DEFAULT 1 CHECK (require_future_expiry IN (0, 1)),"
  "  require_serial_list   INTEGER NOT NULL DEFAULT 0 CHECK (require_serial_list IN (0, 1)),"
  "  case_code             TEXT NOT NULL DEFAULT 'allocate'"
  "                        CHECK (case_code IN ('allocate', 'scan'))"
  ") WITHOUT ROWID;"

  /* Each station draws from its own window of serial references, so that
   * stations never collide while offline.  next_ref only grows, in the
   * transaction that uses the SSCC. */
  "CREATE TABLE sscc_ranges ("
  "  id             INTEGER PRIMARY KEY,"
  "  company_prefix TEXT NOT NULL,"
  "  extension      INTEGER NOT NULL CHECK (extension BETWEEN 0 AND 9),"
  "  first_ref      INTEGER NOT NULL,"
  "  last_ref       INTEGER NOT NULL,"
  "  next_ref       INTEGER NOT NULL,"
  "  warn_below     INTEGER NOT NULL DEFAULT 1000,"
  "  CHECK (first_ref <= last_ref AND next_ref BETWEEN first_ref AND last_ref + 1)"
  ");"

  "CREATE TABLE work_orders ("
  "  id         TEXT PRIMARY KEY,"
  "  gtin       TEXT NOT NULL REFERENCES products (gtin),"
  "  lot        TEXT NOT NULL,"
  "  expiry     TEXT NOT NULL CHECK (length (expiry) = 6),"
  "  planned    INTEGER NOT NULL CHECK (planned >= 0),"
  "  status     TEXT NOT NULL DEFAULT 'planned'"
  "             CHECK (status IN ('planned', 'running', 'suspended', 'closed')),"
  "  created_at TEXT NOT NULL,"
  "  closed_at  TEXT"
  ");"

  "CREATE TABLE commissioned_serials ("
  "  order_id TEXT NOT NULL REFERENCES work_orders (id),"
  "  serial   TEXT NOT NULL,"
  "  PRIMARY KEY (order_id, serial)"
  ") WITHOUT ROWID;"

  /* Cases and pallets.  "announced" is set once the AggregationEvent ADD
   * that puts the container into its parent is in the outbox. */
  "CREATE TABLE containers ("
  "  id             INTEGER PRIMARY KEY,"
  "  sscc           TEXT NOT NULL UNIQUE CHECK (length (sscc) = 18),"
  "  kind           TEXT NOT NULL CHECK (kind IN ('case', 'pallet')),"
  "  order_id       TEXT NOT NULL REFERENCES work_orders (id),"
  "  status         TEXT NOT NULL DEFAULT 'open'"
  "                 CHECK (status IN ('open', 'closed', 'voided', 'decommissioned', 'destroyed')),"
  "  parent_id      INTEGER REFERENCES containers (id),"
  "  announced      INTEGER NOT NULL DEFAULT 0 CHECK (announced IN (0, 1)),"
  "  partial_reason TEXT,"
  "  reprints       INTEGER NOT NULL DEFAULT 0,"
  "  created_at     TEXT NOT NULL,"
  "  closed_at      TEXT,"
  "  CHECK (parent_id IS NULL OR kind = 'case')"
  ");"
  "CREATE INDEX containers_parent ON containers (parent_id);"
  "CREATE INDEX containers_order ON containers (order_id, kind, status);"

  /* One row per serialised unit ever accepted.  A unit is in a case
   * exactly when it is aggregated, and parent_id is a single column:
   * no unit can sit in two cases. */
  "CREATE TABLE units ("
  "  id         INTEGER PRIMARY KEY,"
  "  gtin       TEXT NOT NULL,"
  "  serial     TEXT NOT NULL,"
  "  lot        TEXT,"
  "  expiry     TEXT,"
  "  order_id   TEXT NOT NULL REFERENCES work_orders (id),"
  "  status     TEXT NOT NULL"
  "             CHECK (status IN ('aggregated', 'removed', 'sampled', 'decommissioned', 'destroyed')),"
  "  parent_id  INTEGER REFERENCES containers (id),"
  "  announced  INTEGER NOT NULL DEFAULT 0 CHECK (announced IN (0, 1)),"
  "  scanned_at TEXT NOT NULL,"
  "  UNIQUE (gtin, serial),"
  "  CHECK ((status = 'aggregated') = (parent_id IS NOT NULL))"
  ");"
  "CREATE INDEX units_parent ON units (parent_id);"
  "CREATE INDEX units_order ON units (order_id, status);"

  /* Scans the rules turned away, for reconciliation by reason. */
  "CREATE TABLE rejects ("
  "  id       INTEGER PRIMARY KEY,"
  "  order_id TEXT REFERENCES work_orders (id),"
  "  outcome  TEXT NOT NULL,"
  "  gtin     TEXT,"
  "  serial   TEXT,"
  "  data     TEXT NOT NULL,"
  "  source   TEXT,"
  "  user_id  INTEGER REFERENCES users (id),"
  "  at       TEXT NOT NULL"
  ");"
  "CREATE INDEX rejects_order ON rejects (order_id, outcome);"
  "CREATE INDEX rejects_unit ON rejects (gtin, serial);"

  /* The audit trail: append-only, each row chained to the one before by
   * its hash.  An electronic signature is part of the row it signs. */
  "CREATE TABLE audit ("
  "  id          INTEGER PRIMARY KEY,"
  "  at          TEXT NOT NULL,"
  "  utc_offset  TEXT NOT NULL,"
  "  user_id     INTEGER REFERENCES users (id),"
  "  username    TEXT,"
  "  action      TEXT NOT NULL,"
  "  object      TEXT,"
  "  old_value   TEXT,"
  "  new_value   TEXT,"
  "  reason      TEXT,"
  "  signer      TEXT,"
  "  signer_name TEXT,"
  "  meaning     TEXT,"
  "  prev_hash   TEXT NOT NULL,"
  "  hash        TEXT NOT NULL"
  ");"
  "CREATE INDEX audit_object ON audit (object);"
  "CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit BEGIN"
  "  SELECT RAISE (ABORT, 'the audit trail is append-only');"
  "END;"
  "CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit BEGIN"
  "  SELECT RAISE (ABORT, 'the audit trail is append-only');"
  "END;"

  /* The EPCIS outbox, in the order the events happened.  Identifiers are
   * GS1 Digital Link URIs on id.gs1.org; the uploader may render them as
   * EPC URNs. */
  "CREATE TABLE events ("
  "  id           INTEGER PRIMARY KEY,"
  "  event_id     TEXT NOT NULL UNIQUE,"
  "  type         TEXT NOT NULL CHECK (type IN ('ObjectEvent', 'AggregationEvent')),"
  "  action       TEXT NOT NULL CHECK (action IN ('ADD', 'OBSERVE', 'DELETE')),"
  "  biz_step     TEXT NOT NULL,"
  "  disposition  TEXT,"
  "  event_time   TEXT NOT NULL,"
  "  tz_offset    TEXT NOT NULL,"
  "  parent       TEXT,"
  "  epcs         TEXT NOT NULL,"
  "  read_point   TEXT NOT NULL,"
  "  biz_location TEXT NOT NULL,"
  "  order_id     TEXT REFERENCES work_orders (id),"
  "  audit_id     INTEGER REFERENCES audit (id),"
  "  status       TEXT NOT NULL DEFAULT 'pending'"
  "               CHECK (status IN ('pending', 'sent', 'exception', 'handled')),"
  "  sent_at      TEXT"
  ");"
  "CREATE INDEX events_status ON events (status, id);";

/* Devices, labels, upstream sync and camera reads.  Each block belongs to
 * one subsystem. */
static const char migration_2[] =
  /* Devices: which reader produced an accepted unit or a refused scan. */
  "ALTER TABLE units ADD COLUMN source TEXT;"

  /* Labels: the template of each product's case and pallet labels, and
   * whether a printed label must be scanned back before the next case. */
  "ALTER TABLE products ADD COLUMN case_template TEXT;"
  "ALTER TABLE products ADD COLUMN pallet_template TEXT;"
  "ALTER TABLE products ADD COLUMN print_verify INTEGER NOT NULL DEFAULT 0"
  "  CHECK (print_verify IN (0, 1));"
  /* Whether the order's date goes on the label as a best-before date,
   * AI (15), rather than as an expiry date, AI (17). */
  "ALTER TABLE products ADD COLUMN best_before INTEGER NOT NULL DEFAULT 0"
  "  CHECK (best_before IN (0, 1));"
  "ALTER TABLE containers ADD COLUMN label_status TEXT NOT NULL DEFAULT 'none'"
  "  CHECK (label_status IN ('none', 'pending', 'printed', 'verified', 'failed'));"
  /* One row per label sent or waiting for a printer; reprints are rows of
   * their own. */
  "CREATE TABLE label_jobs ("
  "  id           INTEGER PRIMARY KEY,"
  "  container_id INTEGER NOT NULL REFERENCES containers (id),"
  "  printer      TEXT NOT NULL,"
  "  reprint      INTEGER NOT NULL DEFAULT 0 CHECK (reprint IN (0, 1)),"
  "  status       TEXT NOT NULL DEFAULT 'queued'"
  "               CHECK (status IN ('queued', 'sent', 'failed', 'cancelled')),"
  "  attempts     INTEGER NOT NULL DEFAULT 0,"
  "  last_error   TEXT,"
  "  audit_id     INTEGER REFERENCES audit (id),"
  "  created_at   TEXT NOT NULL,"
  "  sent_at      TEXT,"
  /* Set before the first byte leaves and cleared once the printer's
   * answer is known: a job still in doubt at the next attempt may have
   * printed already. */
  "  in_doubt     INTEGER NOT NULL DEFAULT 0 CHECK (in_doubt IN (0, 1))"
  ");"
  "CREATE INDEX label_jobs_queue ON label_jobs (printer, status, id);"
  "CREATE INDEX label_jobs_container ON label_jobs (container_id);"
  /* The queue and the station's figures read only the waiting jobs. */
  "CREATE INDEX label_jobs_queued ON label_jobs (id) WHERE status = 'queued';"
  /* Print and verify looks for the labels not yet scanned back. */
  "CREATE INDEX containers_label_open ON containers (order_id)"
  "  WHERE label_status IN ('pending', 'printed', 'failed');"
  /* A voided, decommissioned or destroyed container's waiting labels are
   * never printed, whichever correction retired it. */
  "CREATE TRIGGER label_jobs_cancel AFTER UPDATE OF status ON containers"
  "  WHEN NEW.status IN ('voided', 'decommissioned', 'destroyed') BEGIN"
  "  UPDATE label_jobs SET status = 'cancelled'"
  "   WHERE container_id = NEW.id AND status = 'queued';"
  "  UPDATE containers SET label_status = 'none'"
  "   WHERE id = NEW.id AND label_status = 'pending';"
  "END;"

  /* Sync: delivery attempts, the server's answer to a refused event, and
   * how a supervisor resolved it. */
  "ALTER TABLE events ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0;"
  "ALTER TABLE events ADD COLUMN last_error TEXT;"
  "ALTER TABLE events ADD COLUMN resolution TEXT;"
  "ALTER TABLE events ADD COLUMN resolved_audit_id INTEGER REFERENCES audit (id);"
  /* The event's EPCIS 2.0 JSON-LD form as it was when its hash ID was
   * computed: what is delivered, byte for byte, however often. */
  "ALTER TABLE events ADD COLUMN body TEXT;"
  /* An error declaration names a sent event whose meaning was wrong and
   * the corrective events that replace it. */
  "CREATE TABLE error_declarations ("
  "  id             INTEGER PRIMARY KEY,"
  "  event_id       TEXT NOT NULL REFERENCES events (event_id),"
  "  declared_at    TEXT NOT NULL,"
  "  tz_offset      TEXT NOT NULL,"
  "  reason         TEXT NOT NULL,"
  "  corrective_ids TEXT NOT NULL,"
  "  audit_id       INTEGER REFERENCES audit (id),"
  "  status         TEXT NOT NULL DEFAULT 'pending'"
  "                 CHECK (status IN ('pending', 'sent', 'exception', 'handled')),"
  "  attempts       INTEGER NOT NULL DEFAULT 0,"
  "  last_error     TEXT,"
  "  sent_at        TEXT"
  ");"
  "CREATE INDEX error_declarations_status ON error_declarations (status, id);"

  /* Camera: the case layer's arrangement per product, and each image
   * kept as evidence with what was read in it.  Retention deletes old
   * image files and keeps their rows, marked with removed_at. */
  "ALTER TABLE products ADD COLUMN layer_rows INTEGER CHECK (layer_rows > 0);"
  "ALTER TABLE products ADD COLUMN layer_cols INTEGER CHECK (layer_cols > 0);"
  "CREATE TABLE case_images ("
  "  id           INTEGER PRIMARY KEY,"
  "  container_id INTEGER REFERENCES containers (id),"
  "  camera       TEXT NOT NULL,"
  "  path         TEXT NOT NULL,"
  "  reads        TEXT NOT NULL,"
  "  read_count   INTEGER NOT NULL,"
  "  expected     INTEGER NOT NULL,"
  "  taken_at     TEXT NOT NULL,"
  "  audit_id     INTEGER REFERENCES audit (id),"
  "  removed_at   TEXT"
  ");"
  "CREATE INDEX case_images_container ON case_images (container_id);"
  "CREATE INDEX case_images_camera ON case_images (camera, removed_at, id);";

const char *const agg_store_migrations[] = {
  migration_1,
  migration_2,
};

const guint agg_store_n_migrations = G_N_ELEMENTS (agg_store_migrations);
