/* test-epcis-hash.c: the CBV 2.0 event hash ID against GS1's published vectors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Each vector is an EPCIS JSON-LD document with, one line per event, the
 * expected pre-hash strings (.prehashes) and hash IDs (.hashes).  Every
 * in-scope event must reproduce both.  The folder comes from
 * AGG_EPCIS_STANDARDS (meson's epcis_standards option); without it the
 * test skips with status 77.
 *
 * Out of scope, and why:
 *  - sensor data (sensorElementList): the station records none.  That is
 *    CertificationInfoAndSensorReportWithCRS, ReferenceEventHashAlgorithm2,
 *    epcisDocWithSensorComponent, epcisDocWithSensorDataObjectEvent and
 *    the third event of TimeStampRoundOff; agg_epcis_event_prehash ()
 *    refuses them with AGG_EPCIS_ERROR_UNSUPPORTED, which is checked.
 *  - vectors given only as XML (SensorDataExamples, the
 *    TransformationEvent extension documents, epcisXml…): the station
 *    hashes the JSON-LD form it writes.
 *  - a document-level "ignoreFields" list (the first event of
 *    epcisDocHavingEventWithIgnoreFields and
 *    epcisQueryDocHavingEventWithIgnoreFields): a repository's own
 *    convention outside CBV 2.0, and a property of the document, not of
 *    the event.
 */

#include "config.h"

#include <json-glib/json-glib.h>
#include <string.h>

#include "agg-epcis.h"

typedef struct
{
  const char *name;
  /* Events (by position) outside the scope, with the expected error. */
  gint        unsupported[2];
  /* Events whose published pre-hash line does not hash to the published
   * ID: the line is checked to be faulty, and our pre-hash against the
   * ID alone. */
  gint        faulty_prehash[2];
} Vector;

static const Vector vectors[] = {
  { "ReferenceEventHashAlgorithm", { -1, -1 }, { -1, -1 } },
  { "ReferenceEventHashAlgorithm3", { -1, -1 }, { -1, -1 } },
  { "TimeStampRoundOff", { 2, -1 }, { -1, -1 } },
  { "epcisDocHavingEventWithComment", { -1, -1 }, { -1, -1 } },
  { "epcisDocWithAllGS1Keys", { -1, -1 }, { 0, -1 } },
  { "epcisDocWithCustomSchemaInContext", { -1, -1 }, { 1, -1 } },
  { "epcisDocWithDefaultSchemaInContext", { -1, -1 }, { 1, -1 } },
  { "epcisDocWithShippingAndTransportingEvent", { -1, -1 }, { -1, -1 } },
  { "epcisDocWithSingleEvent", { -1, -1 }, { -1, -1 } },
  { "epcisDocWithVariousEventTypes", { -1, -1 }, { -1, -1 } },
  { "epcisDocWithXMLstartTagAndErrorDeclaration", { -1, -1 }, { -1, -1 } },
  { "epcisEventWithCURIEs", { -1, -1 }, { -1, -1 } },
  { "epcisQueryDocument", { -1, -1 }, { -1, -1 } },
  { "epclist_normalisation", { -1, -1 }, { -1, -1 } },
  { "persistentDisposition", { -1, -1 }, { -1, -1 } },
  { "ralfsChaosExample", { -1, -1 }, { -1, -1 } },
};

static const char *standards;

static gboolean
listed (const gint *list,
        guint       index)
{
  return list[0] == (gint) index || list[1] == (gint) index;
}

/* The lines of @path, or NULL when there is no such file. */
static char **
read_lines (const char *path)
{
  g_autofree char *text = NULL;

  if (!g_file_get_contents (path, &text, NULL, NULL))
    return NULL;
  g_strchomp (text);
  return g_strsplit (text, "\n", -1);
}

/* The events of a document or of a query document. */
static JsonArray *
event_list (JsonObject *document)
{
  JsonObject *body = json_object_get_object_member (document, "epcisBody");

  if (json_object_has_member (body, "queryResults"))
    body = json_object_get_object_member (
      json_object_get_object_member (body, "queryResults"), "resultsBody");
  return json_object_get_array_member (body, "eventList");
}

static void
test_vector (gconstpointer data)
{
  const Vector *vector = data;
  g_autofree char *base = g_build_filename (standards, "event-hash", vector->name, NULL);
  g_autofree char *jsonld = g_strconcat (base, ".jsonld", NULL);
  g_autofree char *prehash_path = g_strconcat (base, ".prehashes", NULL);
  g_autofree char *hash_path = g_strconcat (base, ".hashes", NULL);
  g_auto(GStrv) prehashes = read_lines (prehash_path);
  g_auto(GStrv) hashes = read_lines (hash_path);
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  JsonObject *document;
  JsonArray *events;
  guint n_checked = 0;

  if (!g_file_test (jsonld, G_FILE_TEST_EXISTS))
    {
      g_test_skip ("the vector is not in the standards folder");
      return;
    }

  json_parser_load_from_file (parser, jsonld, &error);
  g_assert_no_error (error);
  document = json_node_get_object (json_parser_get_root (parser));
  events = event_list (document);
  g_assert_nonnull (hashes);
  g_assert_cmpuint (g_strv_length (hashes), ==, json_array_get_length (events));

  for (guint i = 0; i < json_array_get_length (events); i++)
    {
      JsonObject *event = json_array_get_object_element (events, i);
      g_autofree char *prehash = NULL;
      g_autofree char *hash_id = NULL;

      /* Extension prefixes are the document's. */
      if (!json_object_has_member (event, "@context"))
        json_object_set_member (event, "@context",
                                json_node_copy (json_object_get_member (document, "@context")));

      if (listed (vector->unsupported, i))
        {
          prehash = agg_epcis_event_prehash (event, &error);
          g_assert_error (error, AGG_EPCIS_ERROR, AGG_EPCIS_ERROR_UNSUPPORTED);
          g_assert_null (prehash);
          g_clear_error (&error);
          continue;
        }

      prehash = agg_epcis_event_prehash (event, &error);
      g_assert_no_error (error);
      hash_id = agg_epcis_event_hash_id (event, &error);
      g_assert_no_error (error);

      if (prehashes != NULL && listed (vector->faulty_prehash, i))
        {
          g_autofree char *digest = g_compute_checksum_for_string (G_CHECKSUM_SHA256,
                                                                   prehashes[i], -1);
          g_autofree char *published = g_strdup_printf ("ni:///sha-256;%s?ver=CBV2.0", digest);

          g_assert_cmpstr (published, !=, g_strstrip (hashes[i]));
        }
      else if (prehashes != NULL)
        g_assert_cmpstr (prehash, ==, g_strstrip (prehashes[i]));

      g_assert_cmpstr (hash_id, ==, g_strstrip (hashes[i]));
      n_checked++;
    }

  g_assert_cmpuint (n_checked, >, 0);
}

/* The same event with Digital Link or EPC URN identifiers, bare or URN
 * vocabulary and another time zone has the same ID. */
static void
test_forms_agree (void)
{
  static const char *const forms[] = {
    "{\"type\":\"AggregationEvent\",\"eventTime\":\"2026-03-02T10:15:30.250Z\","
    "\"eventTimeZoneOffset\":\"+01:00\",\"parentID\":\"https://id.gs1.org/00/340123450000000017\","
    "\"childEPCs\":[\"https://id.gs1.org/01/04012345123456/21/A1\","
    "\"https://id.gs1.org/01/04012345123456/21/A2\"],\"action\":\"ADD\",\"bizStep\":\"packing\","
    "\"disposition\":\"in_progress\",\"readPoint\":{\"id\":\"https://id.gs1.org/414/4012345000009\"},"
    "\"bizTransactionList\":[{\"type\":\"prodorder\","
    "\"bizTransaction\":\"urn:epcglobal:cbv:bt:4012345000009:WO-1\"}]}",
    "{\"eventTimeZoneOffset\":\"+01:00\",\"type\":\"AggregationEvent\","
    "\"eventTime\":\"2026-03-02T11:15:30.25+01:00\",\"eventID\":\"urn:uuid:whatever\","
    "\"parentID\":\"urn:epc:id:sscc:4012345.3000000001\","
    "\"childEPCs\":[\"urn:epc:id:sgtin:4012345.012345.A2\",\"urn:epc:id:sgtin:4012345.012345.A1\"],"
    "\"action\":\"ADD\",\"bizStep\":\"urn:epcglobal:cbv:bizstep:packing\","
    "\"disposition\":\"urn:epcglobal:cbv:disp:in_progress\","
    "\"readPoint\":{\"id\":\"urn:epc:id:sgln:4012345.00000.0\"},"
    "\"bizTransactionList\":[{\"type\":\"urn:epcglobal:cbv:btt:prodorder\","
    "\"bizTransaction\":\"urn:epcglobal:cbv:bt:4012345000009:WO-1\"}]}",
  };
  g_autofree char *first = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (forms); i++)
    {
      g_autoptr(JsonNode) node = json_from_string (forms[i], NULL);
      g_autoptr(GError) error = NULL;
      g_autofree char *id = agg_epcis_event_hash_id (json_node_get_object (node), &error);

      g_assert_no_error (error);
      g_assert_true (g_str_has_prefix (id, "ni:///sha-256;"));
      if (first == NULL)
        first = g_steal_pointer (&id);
      else
        g_assert_cmpstr (id, ==, first);
    }
}

/* Any change of meaning changes the ID. */
static void
test_changes_change_id (void)
{
  static const char *const events[] = {
    "{\"type\":\"ObjectEvent\",\"eventTime\":\"2026-03-02T10:15:30.250Z\","
    "\"eventTimeZoneOffset\":\"+01:00\",\"epcList\":[\"https://id.gs1.org/00/340123450000000017\"],"
    "\"action\":\"ADD\",\"bizStep\":\"commissioning\",\"disposition\":\"active\"}",
    "{\"type\":\"ObjectEvent\",\"eventTime\":\"2026-03-02T10:15:30.251Z\","
    "\"eventTimeZoneOffset\":\"+01:00\",\"epcList\":[\"https://id.gs1.org/00/340123450000000017\"],"
    "\"action\":\"ADD\",\"bizStep\":\"commissioning\",\"disposition\":\"active\"}",
    "{\"type\":\"ObjectEvent\",\"eventTime\":\"2026-03-02T10:15:30.250Z\","
    "\"eventTimeZoneOffset\":\"+01:00\",\"epcList\":[\"https://id.gs1.org/00/340123450000000021\"],"
    "\"action\":\"ADD\",\"bizStep\":\"commissioning\",\"disposition\":\"active\"}",
    "{\"type\":\"ObjectEvent\",\"eventTime\":\"2026-03-02T10:15:30.250Z\","
    "\"eventTimeZoneOffset\":\"+01:00\",\"epcList\":[\"https://id.gs1.org/00/340123450000000017\"],"
    "\"action\":\"DELETE\",\"bizStep\":\"commissioning\",\"disposition\":\"active\"}",
    "{\"type\":\"ObjectEvent\",\"eventTime\":\"2026-03-02T10:15:30.250Z\","
    "\"eventTimeZoneOffset\":\"+01:00\",\"epcList\":[\"https://id.gs1.org/00/340123450000000017\"],"
    "\"action\":\"ADD\",\"bizStep\":\"commissioning\"}",
  };
  g_autoptr(GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  for (guint i = 0; i < G_N_ELEMENTS (events); i++)
    {
      g_autoptr(JsonNode) node = json_from_string (events[i], NULL);
      g_autofree char *id = agg_epcis_event_hash_id (json_node_get_object (node), NULL);

      g_assert_nonnull (id);
      g_assert_false (g_hash_table_contains (seen, id));
      g_hash_table_add (seen, g_steal_pointer (&id));
    }
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/epcis-hash/forms-agree", test_forms_agree);
  g_test_add_func ("/epcis-hash/changes-change-id", test_changes_change_id);

  standards = g_getenv ("AGG_EPCIS_STANDARDS");
  if (standards == NULL || !g_file_test (standards, G_FILE_TEST_IS_DIR))
    {
      g_print ("1..0 # SKIP the EPCIS standards folder (AGG_EPCIS_STANDARDS, meson option"
               " epcis_standards) is absent\n");
      return 77;
    }

  for (guint i = 0; i < G_N_ELEMENTS (vectors); i++)
    {
      g_autofree char *path = g_strconcat ("/epcis-hash/vector/", vectors[i].name, NULL);
      g_test_add_data_func (path, &vectors[i], test_vector);
    }

  return g_test_run ();
}
