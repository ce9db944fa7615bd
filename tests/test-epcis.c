/* test-epcis.c: the outbox's events as EPCIS 2.0, in every format
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Events are made by the engine, through requests on the demo line; the
 * tests read them back through agg-epcis.h and check their IDs (the hash
 * of the stored body, stable across reads), the three formats, Digital
 * Link against EPC URN identifiers, the [epcis] configuration, and the
 * error declarations that corrections of delivered events write.
 */

#include "config.h"

#include <string.h>

#include "agg-epcis.h"
#include "agg-line-private.h"
#include "agg-test-utils.h"

#define GTIN    "09506000134352"
#define LOT     "DEMO01"
#define EXPIRY  "281231"
#define ORDER   "WO-DEMO-1"
#define GLN     "9506000000008"

typedef struct
{
  AggTestStation  station;
  AggLine        *line;
} Fixture;

static void
set_setting (Fixture    *f,
             const char *key,
             const char *value)
{
  agg_test_set_setting (f->station.store, key, value);
}

static AggResult *
execute (Fixture    *f,
         AggRequest *request)
{
  AggResult *result = agg_line_execute_sync (f->line, request);

  g_assert_nonnull (result);
  if (result->outcome != AGG_OUTCOME_ACCEPTED)
    g_printerr ("%s: %s\n", agg_outcome_to_string (result->outcome), result->message);
  g_assert_cmpstr (agg_outcome_to_string (result->outcome), ==,
                   agg_outcome_to_string (AGG_OUTCOME_ACCEPTED));
  return result;
}

static void
request_ok (Fixture    *f,
            AggAction   action,
            const char *code,
            const char *code2)
{
  g_autoptr(AggRequest) request = agg_request_new (action);
  g_autoptr(AggResult) result = NULL;

  request->code = g_strdup (code);
  request->code2 = g_strdup (code2);
  if (action != AGG_ACTION_LOGIN && action != AGG_ACTION_START_ORDER &&
      action != AGG_ACTION_CLOSE_CASE)
    {
      request->reason = g_strdup ("test correction");
      request->signer = g_strdup ("supervisor");
      request->signer_pin = g_strdup ("2222");
    }
  result = execute (f, request);
}

static char *
unit_data (const char *serial)
{
  return g_strconcat ("]d2", "01", GTIN, "17", EXPIRY, "10", LOT, "\x1d", "21", serial, NULL);
}

/* Scans @serial; returns the SSCC of its case. */
static char *
scan_unit (Fixture    *f,
           const char *serial)
{
  g_autoptr(AggRequest) request = agg_request_new (AGG_ACTION_SCAN);
  g_autoptr(AggResult) result = NULL;
  g_autofree char *data = unit_data (serial);

  request->data = g_strdup (data);
  request->data_len = strlen (data);
  result = execute (f, request);
  return g_strdup (json_object_get_string_member (
    json_object_get_object_member (result->details, "case"), "sscc"));
}

/* A full case of the demo line (12 units): its SSCC. */
static char *
fill_case (Fixture    *f,
           const char *prefix)
{
  char *sscc = NULL;

  for (guint i = 1; i <= 12; i++)
    {
      g_autofree char *serial = g_strdup_printf ("%s%02u", prefix, i);

      g_free (sscc);
      sscc = scan_unit (f, serial);
    }
  return sscc;
}

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(AggRequest) login = agg_request_new (AGG_ACTION_LOGIN);
  g_autoptr(AggResult) result = NULL;

  agg_test_station_set_up (&f->station, data);
  agg_test_load_demo (f->station.store);
  set_setting (f, "gln", GLN);
  set_setting (f, "gln_extension", "L1");
  f->line = agg_line_new (f->station.store);

  login->user = g_strdup ("operator");
  login->pin = g_strdup ("1111");
  result = execute (f, login);
  request_ok (f, AGG_ACTION_START_ORDER, ORDER, NULL);
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  g_clear_object (&f->line);
  agg_test_station_tear_down (&f->station, data);
}

static GPtrArray *
read_events (Fixture    *f,
             const char *status)
{
  g_autoptr(GError) error = NULL;
  GPtrArray *events = agg_epcis_events_read (f->station.store, status, NULL, 0, 0, &error);

  g_assert_no_error (error);
  g_assert_nonnull (events);
  return events;
}

static char *
document_text (GPtrArray              *events,
               GPtrArray              *declarations,
               AggEpcisFormat          format,
               const AggEpcisOptions  *options)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) bytes = agg_epcis_document_new (events, declarations, format, options,
                                                     &error);
  gsize size;
  const char *data;

  g_assert_no_error (error);
  g_assert_nonnull (bytes);
  data = g_bytes_get_data (bytes, &size);
  return g_strndup (data, size);
}

/* IDs are the hash of the stored body, the same in the column, the body
 * and every read. */
static void
test_ids_stable (Fixture       *f,
                 gconstpointer  data)
{
  g_autofree char *sscc = fill_case (f, "ID");
  g_autoptr(GPtrArray) first = read_events (f, NULL);
  g_autoptr(GPtrArray) second = read_events (f, "pending");
  g_autoptr(GPtrArray) columns = agg_test_db_texts (f->station.db,
                                                    "SELECT event_id FROM events ORDER BY id");
  g_autoptr(GPtrArray) bodies = agg_test_db_texts (f->station.db,
                                                   "SELECT body FROM events ORDER BY id");
  g_autoptr(GPtrArray) page = NULL;
  g_autoptr(GError) error = NULL;

  /* The case's commissioning, then its packing. */
  g_assert_cmpuint (first->len, ==, 2);
  g_assert_cmpuint (second->len, ==, first->len);
  g_assert_cmpuint (columns->len, ==, first->len);

  for (guint i = 0; i < first->len; i++)
    {
      AggEpcisEvent *event = g_ptr_array_index (first, i);
      JsonObject *json = agg_epcis_event_get_json (event);
      g_autoptr(JsonNode) stored = json_from_string (g_ptr_array_index (bodies, i), &error);
      g_autofree char *recomputed = NULL;
      g_autofree char *from_body = NULL;

      g_assert_no_error (error);
      g_assert_true (g_str_has_prefix (agg_epcis_event_get_id (event), "ni:///sha-256;"));
      g_assert_true (g_str_has_suffix (agg_epcis_event_get_id (event), "?ver=CBV2.0"));
      g_assert_cmpstr (agg_epcis_event_get_id (event), ==, g_ptr_array_index (columns, i));
      g_assert_cmpstr (agg_epcis_event_get_id (event), ==,
                       agg_epcis_event_get_id (g_ptr_array_index (second, i)));
      g_assert_cmpstr (json_object_get_string_member (json, "eventID"), ==,
                       agg_epcis_event_get_id (event));
      recomputed = agg_epcis_event_hash_id (json, &error);
      g_assert_no_error (error);
      g_assert_cmpstr (recomputed, ==, agg_epcis_event_get_id (event));
      from_body = agg_epcis_event_hash_id (json_node_get_object (stored), &error);
      g_assert_no_error (error);
      g_assert_cmpstr (from_body, ==, agg_epcis_event_get_id (event));
      g_assert_cmpstr (agg_epcis_event_get_order_id (event), ==, ORDER);
      g_assert_cmpstr (agg_epcis_event_get_status (event), ==, "pending");
    }

  /* The commissioning of the SSCC, then the packing with the parent. */
  {
    AggEpcisEvent *commissioning = g_ptr_array_index (first, 0);
    AggEpcisEvent *packing = g_ptr_array_index (first, 1);
    JsonObject *json = agg_epcis_event_get_json (packing);
    g_autofree char *parent = g_strconcat ("https://id.gs1.org/00/", sscc, NULL);
    JsonObject *transaction = json_array_get_object_element (
      json_object_get_array_member (json, "bizTransactionList"), 0);

    g_assert_null (agg_epcis_event_get_parent (commissioning));
    g_assert_cmpstr (json_object_get_string_member (agg_epcis_event_get_json (commissioning),
                                                    "bizStep"), ==, "commissioning");
    g_assert_cmpstr (agg_epcis_event_get_parent (packing), ==, parent);
    g_assert_cmpstr (json_object_get_string_member (json, "type"), ==, "AggregationEvent");
    g_assert_cmpstr (json_object_get_string_member (json, "parentID"), ==, parent);
    g_assert_cmpuint (json_array_get_length (json_object_get_array_member (json, "childEPCs")),
                      ==, 12);
    g_assert_cmpstr (json_object_get_string_member (json, "disposition"), ==, "in_progress");
    g_assert_cmpstr (json_object_get_string_member (
                       json_object_get_object_member (json, "readPoint"), "id"), ==,
                     "https://id.gs1.org/414/" GLN "/254/L1");
    g_assert_cmpstr (json_object_get_string_member (transaction, "type"), ==, "prodorder");
    g_assert_cmpstr (json_object_get_string_member (transaction, "bizTransaction"), ==,
                     "urn:epcglobal:cbv:bt:" GLN ":" ORDER);
  }

  /* Paging: after a row id, at most a limit. */
  page = agg_epcis_events_read (f->station.store, NULL, ORDER,
                                agg_epcis_event_get_row_id (g_ptr_array_index (first, 0)), 1,
                                &error);
  g_assert_no_error (error);
  g_assert_cmpuint (page->len, ==, 1);
  g_assert_cmpstr (agg_epcis_event_get_id (g_ptr_array_index (page, 0)), ==,
                   agg_epcis_event_get_id (g_ptr_array_index (first, 1)));
  g_clear_pointer (&page, g_ptr_array_unref);
  page = agg_epcis_events_read (f->station.store, "sent", NULL, 0, 0, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (page->len, ==, 0);
}

/* The three formats carry the same events with the same IDs; DL by
 * default, EPC URNs when asked with a company prefix length. */
static void
test_formats (Fixture       *f,
              gconstpointer  data)
{
  g_autofree char *sscc = fill_case (f, "FM");
  g_autoptr(GPtrArray) events = read_events (f, NULL);
  AggEpcisOptions dl = { FALSE, 0, "" };
  AggEpcisOptions urns = { TRUE, 7, GLN };
  g_autofree char *jsonld = document_text (events, NULL, AGG_EPCIS_FORMAT_JSONLD, &dl);
  g_autofree char *jsonld_urn = document_text (events, NULL, AGG_EPCIS_FORMAT_JSONLD, &urns);
  g_autofree char *xml = document_text (events, NULL, AGG_EPCIS_FORMAT_XML, &dl);
  g_autofree char *xml12 = document_text (events, NULL, AGG_EPCIS_FORMAT_XML_1_2, &urns);
  g_autofree char *sscc_urn = g_strdup_printf ("urn:epc:id:sscc:%.7s.%c%.9s", sscc + 1, sscc[0],
                                               sscc + 8);
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(GError) error = NULL;
  JsonObject *document;
  JsonArray *list;

  root = json_from_string (jsonld, &error);
  g_assert_no_error (error);
  document = json_node_get_object (root);
  g_assert_cmpstr (json_array_get_string_element (
                     json_object_get_array_member (document, "@context"), 0), ==,
                   "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld");
  g_assert_cmpstr (json_object_get_string_member (document, "type"), ==, "EPCISDocument");
  g_assert_cmpstr (json_object_get_string_member (document, "schemaVersion"), ==, "2.0");
  g_assert_cmpstr (json_object_get_string_member (document, "sender"), ==,
                   "https://id.gs1.org/417/" GLN);
  list = json_object_get_array_member (json_object_get_object_member (document, "epcisBody"),
                                       "eventList");
  g_assert_cmpuint (json_array_get_length (list), ==, events->len);

  for (guint i = 0; i < events->len; i++)
    {
      const char *id = agg_epcis_event_get_id (g_ptr_array_index (events, i));
      g_autofree char *element = g_strdup_printf ("<eventID>%s</eventID>", id);

      g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (list, i),
                                                      "eventID"), ==, id);
      g_assert_nonnull (strstr (jsonld_urn, id));
      g_assert_nonnull (strstr (xml, element));
      g_assert_nonnull (strstr (xml12, element));
    }

  /* Vocabulary: bare words in JSON-LD, URNs in XML. */
  g_assert_nonnull (strstr (jsonld, "\"bizStep\":\"packing\""));
  g_assert_nonnull (strstr (xml, "<bizStep>urn:epcglobal:cbv:bizstep:packing</bizStep>"));
  g_assert_nonnull (strstr (xml, "<disposition>urn:epcglobal:cbv:disp:in_progress</disposition>"));
  g_assert_nonnull (strstr (xml, "type=\"urn:epcglobal:cbv:btt:prodorder\""));
  g_assert_nonnull (strstr (xml, "xmlns:epcis=\"urn:epcglobal:epcis:xsd:2\""));
  g_assert_nonnull (strstr (xml12, "xmlns:epcis=\"urn:epcglobal:epcis:xsd:1\""));
  g_assert_nonnull (strstr (xml12, "<baseExtension>"));
  g_assert_null (strstr (xml, "<baseExtension>"));

  /* Identifiers: Digital Link by default, EPC URNs on request. */
  g_assert_nonnull (strstr (jsonld, "https://id.gs1.org/01/" GTIN "/21/FM01"));
  g_assert_nonnull (strstr (xml, "https://id.gs1.org/00/"));
  g_assert_null (strstr (jsonld, "urn:epc:id:"));
  g_assert_nonnull (strstr (jsonld_urn, "urn:epc:id:sgtin:9506000.013435.FM01"));
  g_assert_nonnull (strstr (jsonld_urn, sscc_urn));
  g_assert_nonnull (strstr (jsonld_urn, "urn:epc:id:sgln:9506000.00000.L1"));
  g_assert_nonnull (strstr (jsonld_urn, "urn:epc:id:pgln:9506000.00000"));
  g_assert_null (strstr (jsonld_urn, "https://id.gs1.org/01/"));
  g_assert_nonnull (strstr (xml12, "<epc>urn:epc:id:sgtin:9506000.013435.FM12</epc>"));

  /* The URN document's events hash to the same IDs. */
  {
    g_autoptr(JsonNode) urn_root = json_from_string (jsonld_urn, &error);
    JsonArray *urn_list;

    g_assert_no_error (error);
    urn_list = json_object_get_array_member (
      json_object_get_object_member (json_node_get_object (urn_root), "epcisBody"), "eventList");
    for (guint i = 0; i < json_array_get_length (urn_list); i++)
      {
        g_autofree char *id = agg_epcis_event_hash_id (json_array_get_object_element (urn_list, i),
                                                       &error);
        g_assert_no_error (error);
        g_assert_cmpstr (id, ==, agg_epcis_event_get_id (g_ptr_array_index (events, i)));
      }
  }
}

static void
mark_all_sent (Fixture *f)
{
  agg_test_exec (f->station.store, "UPDATE events SET status = 'sent'");
}

static void
check_declaration (Fixture             *f,
                   AggEpcisDeclaration *declaration,
                   const char          *reason,
                   gint64               audit_id_min)
{
  JsonObject *json = agg_epcis_declaration_get_json (declaration);
  JsonObject *details = json_object_get_object_member (json, "errorDeclaration");
  JsonArray *corrective = json_object_get_array_member (details, "correctiveEventIDs");
  g_autoptr(GPtrArray) expected = NULL;
  g_autofree char *sql = NULL;
  g_autofree char *recomputed = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_cmpstr (json_object_get_string_member (details, "reason"), ==, reason);
  g_assert_cmpstr (json_object_get_string_member (json, "eventID"), ==,
                   agg_epcis_declaration_get_event_id (declaration));
  g_assert_cmpstr (agg_epcis_declaration_get_status (declaration), ==, "pending");
  /* The declaration does not change the declared event's ID. */
  recomputed = agg_epcis_event_hash_id (json, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (recomputed, ==, agg_epcis_declaration_get_event_id (declaration));

  /* The corrective events are those the correction wrote, pending. */
  sql = g_strdup_printf ("SELECT event_id FROM events WHERE status = 'pending' AND audit_id >= %"
                         G_GINT64_FORMAT " ORDER BY id", audit_id_min);
  expected = agg_test_db_texts (f->station.db, sql);
  g_assert_cmpuint (expected->len, >, 0);
  g_assert_cmpuint (json_array_get_length (corrective), ==, expected->len);
  for (guint i = 0; i < expected->len; i++)
    g_assert_cmpstr (json_array_get_string_element (corrective, i), ==,
                     g_ptr_array_index (expected, i));
}

/* Replacing a unit whose packing was delivered declares that packing
 * event incorrect, naming the DELETE and the ADD that correct it. */
static void
test_declaration_replace (Fixture       *f,
                          gconstpointer  data)
{
  g_autofree char *sscc = fill_case (f, "RP");
  g_autofree char *old_key = g_strconcat ("(01)" GTIN "(21)", "RP05", NULL);
  g_autofree char *new_data = unit_data ("RPNEW");
  g_autofree char *packing_id = agg_test_db_text (f->station.db,
                                                  "SELECT event_id FROM events"
                                                  " WHERE biz_step = 'packing'", NULL);
  g_autoptr(GPtrArray) declarations = NULL;
  g_autoptr(GPtrArray) events = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *xml = NULL;
  g_autofree char *xml12 = NULL;
  g_autofree char *jsonld = NULL;
  gint64 audit_id;

  mark_all_sent (f);
  audit_id = agg_test_db_int (f->station.db, "SELECT max (id) + 1 FROM audit", NULL);
  request_ok (f, AGG_ACTION_REPLACE_UNIT, old_key, new_data);

  declarations = agg_epcis_declarations_read (f->station.store, "pending", 0, 0, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (declarations->len, ==, 1);
  g_assert_cmpstr (agg_epcis_declaration_get_event_id (g_ptr_array_index (declarations, 0)), ==,
                   packing_id);
  check_declaration (f, g_ptr_array_index (declarations, 0), "incorrect_data", audit_id);
  g_assert_cmpint (agg_test_db_int (f->station.db,
                                    "SELECT count (*) FROM error_declarations"
                                    " WHERE audit_id IS NOT NULL", NULL), ==, 1);

  /* In documents, after the events, in each format's place for it. */
  events = read_events (f, "pending");
  jsonld = document_text (events, declarations, AGG_EPCIS_FORMAT_JSONLD, NULL);
  xml = document_text (events, declarations, AGG_EPCIS_FORMAT_XML, NULL);
  xml12 = document_text (events, declarations, AGG_EPCIS_FORMAT_XML_1_2, NULL);
  g_assert_nonnull (strstr (jsonld, "\"errorDeclaration\""));
  g_assert_nonnull (strstr (xml, "<reason>urn:epcglobal:cbv:er:incorrect_data</reason>"));
  g_assert_nonnull (strstr (xml, "<correctiveEventID>"));
  g_assert_nonnull (strstr (xml12, "<baseExtension>\n          <eventID>"));
  g_assert_nonnull (strstr (xml12, "<errorDeclaration>"));
}

/* A replacement before the packing was delivered needs no declaration:
 * the repository receives the correction right after it. */
static void
test_no_declaration_when_pending (Fixture       *f,
                                  gconstpointer  data)
{
  g_autofree char *sscc = fill_case (f, "PD");
  g_autofree char *old_key = g_strconcat ("(01)" GTIN "(21)", "PD03", NULL);
  g_autofree char *new_data = unit_data ("PDNEW");

  request_ok (f, AGG_ACTION_REPLACE_UNIT, old_key, new_data);
  g_assert_cmpint (agg_test_db_int (f->station.db, "SELECT count (*) FROM error_declarations",
                                    NULL), ==, 0);
  g_assert_cmpint (agg_test_db_int (f->station.db, "SELECT count (*) FROM events"
                                    " WHERE biz_step = 'unpacking'", NULL), ==, 1);
}

/* Voiding an empty case's label after its commissioning was delivered
 * declares that the commissioning did not occur. */
static void
test_declaration_void (Fixture       *f,
                       gconstpointer  data)
{
  g_autofree char *sscc = scan_unit (f, "VD01");
  g_autofree char *key = g_strconcat ("(01)" GTIN "(21)", "VD01", NULL);
  g_autofree char *commissioning_id = agg_test_db_text (f->station.db,
                                                        "SELECT event_id FROM events"
                                                        " WHERE biz_step = 'commissioning'",
                                                        NULL);
  g_autoptr(GPtrArray) declarations = NULL;
  g_autoptr(GError) error = NULL;
  gint64 audit_id;

  mark_all_sent (f);
  request_ok (f, AGG_ACTION_REMOVE_UNIT, key, NULL);
  audit_id = agg_test_db_int (f->station.db, "SELECT max (id) + 1 FROM audit", NULL);
  request_ok (f, AGG_ACTION_VOID_LABEL, sscc, NULL);

  declarations = agg_epcis_declarations_read (f->station.store, NULL, 0, 0, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (declarations->len, ==, 1);
  g_assert_cmpstr (agg_epcis_declaration_get_event_id (g_ptr_array_index (declarations, 0)), ==,
                   commissioning_id);
  check_declaration (f, g_ptr_array_index (declarations, 0), "did_not_occur", audit_id);
}

/* The [epcis] group: defaults, URNs, the sender, and refusals with the
 * line. */
static void
test_options (void)
{
  static const struct
  {
    const char *text;
    gboolean    ok;
    gboolean    urns;
    guint       length;
    const char *sender;
    const char *error_part;
  } cases[] = {
    { "", TRUE, FALSE, 0, "", NULL },
    { "[station]\ngln = " GLN "\n", TRUE, FALSE, 0, GLN, NULL },
    { "[epcis]\nepc-urns = true\ncompany-prefix-length = 7\n", TRUE, TRUE, 7, "", NULL },
    { "[station]\ngln = " GLN "\n[epcis]\nsender-gln = 4012345000009\n", TRUE, FALSE, 0,
      "4012345000009", NULL },
    { "[epcis]\nepc-urns = true\n", FALSE, FALSE, 0, NULL, "test.conf:2: [epcis] epc-urns" },
    { "[epcis]\n\ncompany-prefix-length = 13\n", FALSE, FALSE, 0, NULL,
      "test.conf:3: [epcis] company-prefix-length" },
    { "[epcis]\nsender-gln = 4012345000008\n", FALSE, FALSE, 0, NULL,
      "test.conf:2: [epcis] sender-gln" },
    { "[epcis]\nreceiver = x\n", FALSE, FALSE, 0, NULL, "receiver" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(AggConfig) config = agg_config_load_data (cases[i].text,
                                                            strlen (cases[i].text), "test.conf",
                                                            &error);
      AggEpcisOptions options;
      gboolean ok;

      g_assert_no_error (error);
      ok = agg_epcis_options_load (&options, config, &error);
      g_assert_cmpint (ok, ==, cases[i].ok);
      if (!ok)
        {
          g_assert_nonnull (error);
          g_assert_nonnull (strstr (error->message, cases[i].error_part));
          continue;
        }
      g_assert_no_error (error);
      g_assert_cmpint (options.epc_urns, ==, cases[i].urns);
      g_assert_cmpuint (options.company_prefix_length, ==, cases[i].length);
      g_assert_cmpstr (options.sender_gln, ==, cases[i].sender);
    }
}

#define add_fixture(path, func) \
  g_test_add (path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  add_fixture ("/epcis/ids-stable", test_ids_stable);
  add_fixture ("/epcis/formats", test_formats);
  add_fixture ("/epcis/declaration/replace", test_declaration_replace);
  add_fixture ("/epcis/declaration/none-when-pending", test_no_declaration_when_pending);
  add_fixture ("/epcis/declaration/void", test_declaration_void);
  g_test_add_func ("/epcis/options", test_options);

  return g_test_run ();
}
