/* agg-epcis-doc.c: EPCIS documents in JSON-LD, EPCIS 2.0 XML and 1.2 XML
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Every format is written from the events' JSON-LD form, so that the
 * three carry the same events with the same IDs.  Vocabulary is a bare
 * CBV word in JSON-LD (the @context maps it) and a CBV URN in XML.
 */

#include "config.h"

#include <glib/gi18n-lib.h>
#include <string.h>

#include "agg-epcis-private.h"
#include "agg-line-private.h"

#define EPCIS_CONTEXT "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"

typedef struct
{
  const AggEpcisOptions *options;
  gboolean               v12;
  GString               *out;
} Writer;

/* An identifier as the options want it. */
static char *
render_id (const AggEpcisOptions *options,
           const char            *uri)
{
  if (options->epc_urns && options->company_prefix_length > 0)
    {
      char *urn = agg_epcis_dl_to_urn (uri, options->company_prefix_length);

      if (urn != NULL)
        return urn;
    }
  return g_strdup (uri);
}

static void
render_member (const AggEpcisOptions *options,
               JsonObject            *object,
               const char            *name)
{
  const char *value = json_object_get_string_member_with_default (object, name, NULL);

  if (value != NULL)
    {
      g_autofree char *rendered = render_id (options, value);
      json_object_set_string_member (object, name, rendered);
    }
}

static void
render_list (const AggEpcisOptions *options,
             JsonObject            *object,
             const char            *name)
{
  JsonArray *list = agg_json_array_member (object, name);
  JsonArray *rendered;

  if (list == NULL)
    return;
  rendered = json_array_sized_new (json_array_get_length (list));
  for (guint i = 0; i < json_array_get_length (list); i++)
    {
      g_autofree char *id = render_id (options, json_array_get_string_element (list, i));
      json_array_add_string_element (rendered, id);
    }
  json_object_set_array_member (object, name, rendered);
}

/* A copy of @event with its identifiers rendered. */
static JsonNode *
render_event (const AggEpcisOptions *options,
              JsonObject            *event)
{
  g_autoptr(JsonNode) original = json_node_init_object (json_node_alloc (), event);
  JsonNode *copy = json_node_copy (original);
  JsonObject *object = json_node_get_object (copy);

  if (!options->epc_urns || options->company_prefix_length == 0)
    return copy;

  render_member (options, object, "parentID");
  render_list (options, object, "epcList");
  render_list (options, object, "childEPCs");
  for (guint i = 0; i < 2; i++)
    {
      JsonObject *location = agg_json_object_member (object, i == 0 ? "readPoint"
                                                                                : "bizLocation");
      if (location != NULL)
        render_member (options, location, "id");
    }
  return copy;
}

/* The sender: the configured GLN, else that of the first event's read
 * point.  NULL when neither is known. */
static char *
sender_gln (const AggEpcisOptions *options,
            GPtrArray             *events)
{
  const char *prefix = "https://id.gs1.org/414/";
  JsonObject *location;
  const char *id;

  if (options->sender_gln[0] != '\0')
    return g_strdup (options->sender_gln);
  if (events == NULL || events->len == 0)
    return NULL;
  location = agg_json_object_member (agg_epcis_event_get_json (g_ptr_array_index (events, 0)),
                                     "readPoint");
  id = location ? json_object_get_string_member_with_default (location, "id", NULL) : NULL;
  if (id == NULL || !g_str_has_prefix (id, prefix) || strlen (id) < strlen (prefix) + 13)
    return NULL;
  return g_strndup (id + strlen (prefix), 13);
}

static GBytes *
jsonld_document (GPtrArray              *events,
                 GPtrArray              *declarations,
                 const AggEpcisOptions  *options,
                 const char             *now)
{
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  g_autoptr(JsonNode) root = json_node_alloc ();
  g_autofree char *sender = sender_gln (options, events);
  JsonObject *document = json_object_new ();
  JsonObject *body = json_object_new ();
  JsonArray *context = json_array_new ();
  JsonArray *list = json_array_new ();
  gsize length;
  char *data;

  json_array_add_string_element (context, EPCIS_CONTEXT);
  json_object_set_array_member (document, "@context", context);
  json_object_set_string_member (document, "type", "EPCISDocument");
  json_object_set_string_member (document, "schemaVersion", "2.0");
  json_object_set_string_member (document, "creationDate", now);
  if (sender != NULL)
    {
      g_autofree char *party = g_strconcat ("https://id.gs1.org/417/", sender, NULL);
      g_autofree char *rendered = render_id (options, party);

      json_object_set_string_member (document, "sender", rendered);
    }

  for (guint i = 0; events != NULL && i < events->len; i++)
    json_array_add_element (list, render_event (options,
                                                agg_epcis_event_get_json (g_ptr_array_index (events, i))));
  for (guint i = 0; declarations != NULL && i < declarations->len; i++)
    json_array_add_element (list, render_event (options,
                                                agg_epcis_declaration_get_json (g_ptr_array_index (declarations, i))));
  json_object_set_array_member (body, "eventList", list);
  json_object_set_object_member (document, "epcisBody", body);

  json_node_init_object (root, document);
  json_object_unref (document);
  json_generator_set_root (generator, root);
  data = json_generator_to_data (generator, &length);
  return g_bytes_new_take (data, length);
}

static void
xml_element (Writer      *writer,
             guint        depth,
             const char  *name,
             const char  *text)
{
  g_autofree char *escaped = g_markup_escape_text (text, -1);

  g_string_append_printf (writer->out, "%*s<%s>%s</%s>\n", (int) depth * 2, "", name, escaped,
                          name);
}

static void
xml_vocab (Writer      *writer,
           guint        depth,
           const char  *name,
           const char  *kind,
           const char  *word)
{
  g_autofree char *urn = NULL;

  if (word == NULL)
    return;
  urn = agg_epcis_vocab_urn (kind, word);
  xml_element (writer, depth, name, urn);
}

static void
xml_id (Writer      *writer,
        guint        depth,
        const char  *name,
        const char  *uri)
{
  g_autofree char *rendered = render_id (writer->options, uri);

  xml_element (writer, depth, name, rendered);
}

static void
xml_list (Writer      *writer,
          guint        depth,
          const char  *name,
          JsonArray   *list)
{
  g_string_append_printf (writer->out, "%*s<%s>\n", (int) depth * 2, "", name);
  for (guint i = 0; i < json_array_get_length (list); i++)
    xml_id (writer, depth + 1, "epc", json_array_get_string_element (list, i));
  g_string_append_printf (writer->out, "%*s</%s>\n", (int) depth * 2, "", name);
}

static void
xml_location (Writer      *writer,
              guint        depth,
              const char  *name,
              JsonObject  *location)
{
  const char *id;

  if (location == NULL || (id = json_object_get_string_member_with_default (location, "id", NULL)) == NULL)
    return;
  g_string_append_printf (writer->out, "%*s<%s>\n", (int) depth * 2, "", name);
  xml_id (writer, depth + 1, "id", id);
  g_string_append_printf (writer->out, "%*s</%s>\n", (int) depth * 2, "", name);
}

static void
xml_error_declaration (Writer      *writer,
                       guint        depth,
                       JsonObject  *declaration)
{
  JsonArray *corrective = agg_json_array_member (declaration, "correctiveEventIDs");
  const char *pad = "";

  g_string_append_printf (writer->out, "%*s<errorDeclaration>\n", (int) depth * 2, pad);
  xml_element (writer, depth + 1, "declarationTime",
               json_object_get_string_member (declaration, "declarationTime"));
  xml_vocab (writer, depth + 1, "reason", "ER",
             json_object_get_string_member_with_default (declaration, "reason", NULL));
  if (corrective != NULL)
    {
      g_string_append_printf (writer->out, "%*s<correctiveEventIDs>\n", (int) (depth + 1) * 2, pad);
      for (guint i = 0; i < json_array_get_length (corrective); i++)
        xml_element (writer, depth + 2, "correctiveEventID",
                     json_array_get_string_element (corrective, i));
      g_string_append_printf (writer->out, "%*s</correctiveEventIDs>\n", (int) (depth + 1) * 2, pad);
    }
  g_string_append_printf (writer->out, "%*s</errorDeclaration>\n", (int) depth * 2, pad);
}

static gboolean
xml_event (Writer      *writer,
           JsonObject  *event,
           GError     **error)
{
  const char *type = json_object_get_string_member_with_default (event, "type", "");
  const char *event_id = json_object_get_string_member_with_default (event, "eventID", NULL);
  JsonObject *declaration = agg_json_object_member (event, "errorDeclaration");
  JsonArray *transactions = agg_json_array_member (event, "bizTransactionList");
  gboolean aggregation = strcmp (type, "AggregationEvent") == 0;
  guint depth = 4;

  if (!aggregation && strcmp (type, "ObjectEvent") != 0)
    {
      g_set_error (error, AGG_EPCIS_ERROR, AGG_EPCIS_ERROR_UNSUPPORTED,
                   _("The station does not write %s events as XML"), type);
      return FALSE;
    }

  g_string_append_printf (writer->out, "      <%s>\n", type);
  xml_element (writer, depth, "eventTime", json_object_get_string_member (event, "eventTime"));
  xml_element (writer, depth, "eventTimeZoneOffset",
               json_object_get_string_member (event, "eventTimeZoneOffset"));
  /* EPCIS 1.2 keeps the event ID and the error declaration in its
   * baseExtension; 2.0 has them on the event itself. */
  if (writer->v12 && (event_id != NULL || declaration != NULL))
    {
      g_string_append (writer->out, "        <baseExtension>\n");
      depth++;
    }
  if (event_id != NULL)
    xml_element (writer, depth, "eventID", event_id);
  if (declaration != NULL)
    xml_error_declaration (writer, depth, declaration);
  if (depth > 4)
    {
      g_string_append (writer->out, "        </baseExtension>\n");
      depth--;
    }

  if (aggregation)
    {
      xml_id (writer, depth, "parentID", json_object_get_string_member (event, "parentID"));
      xml_list (writer, depth, "childEPCs", json_object_get_array_member (event, "childEPCs"));
    }
  else
    xml_list (writer, depth, "epcList", json_object_get_array_member (event, "epcList"));
  xml_element (writer, depth, "action", json_object_get_string_member (event, "action"));
  xml_vocab (writer, depth, "bizStep", "BizStep",
             json_object_get_string_member_with_default (event, "bizStep", NULL));
  xml_vocab (writer, depth, "disposition", "Disp",
             json_object_get_string_member_with_default (event, "disposition", NULL));
  xml_location (writer, depth, "readPoint",
                agg_json_object_member (event, "readPoint"));
  xml_location (writer, depth, "bizLocation",
                agg_json_object_member (event, "bizLocation"));
  if (transactions != NULL && json_array_get_length (transactions) > 0)
    {
      g_string_append (writer->out, "        <bizTransactionList>\n");
      for (guint i = 0; i < json_array_get_length (transactions); i++)
        {
          JsonObject *transaction = json_array_get_object_element (transactions, i);
          const char *transaction_type = json_object_get_string_member_with_default (transaction,
                                                                                     "type", NULL);
          g_autofree char *value = g_markup_escape_text (
            json_object_get_string_member (transaction, "bizTransaction"), -1);

          if (transaction_type != NULL)
            {
              g_autofree char *urn = agg_epcis_vocab_urn ("BTT", transaction_type);
              g_autofree char *escaped = g_markup_escape_text (urn, -1);

              g_string_append_printf (writer->out,
                                      "          <bizTransaction type=\"%s\">%s</bizTransaction>\n",
                                      escaped, value);
            }
          else
            g_string_append_printf (writer->out, "          <bizTransaction>%s</bizTransaction>\n",
                                    value);
        }
      g_string_append (writer->out, "        </bizTransactionList>\n");
    }
  g_string_append_printf (writer->out, "      </%s>\n", type);
  return TRUE;
}

static GBytes *
xml_document (GPtrArray              *events,
              GPtrArray              *declarations,
              const AggEpcisOptions  *options,
              gboolean                v12,
              const char             *now,
              GError                **error)
{
  g_autoptr(GString) out = g_string_sized_new (4096 + (events ? events->len * 1024 : 0));
  Writer writer = { options, v12, out };

  /* No EPCISHeader: its standard business document header needs a
   * receiver, which only the capture interface's operator knows. */
  g_string_append_printf (out,
                          "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                          "<epcis:EPCISDocument xmlns:epcis=\"urn:epcglobal:epcis:xsd:%s\""
                          " schemaVersion=\"%s\" creationDate=\"%s\">\n"
                          "  <EPCISBody>\n"
                          "    <EventList>\n",
                          v12 ? "1" : "2", v12 ? "1.2" : "2.0", now);
  for (guint i = 0; events != NULL && i < events->len; i++)
    if (!xml_event (&writer, agg_epcis_event_get_json (g_ptr_array_index (events, i)), error))
      return NULL;
  for (guint i = 0; declarations != NULL && i < declarations->len; i++)
    if (!xml_event (&writer, agg_epcis_declaration_get_json (g_ptr_array_index (declarations, i)),
                    error))
      return NULL;
  g_string_append (out,
                   "    </EventList>\n"
                   "  </EPCISBody>\n"
                   "</epcis:EPCISDocument>\n");
  return g_string_free_to_bytes (g_steal_pointer (&out));
}

GBytes *
agg_epcis_document_new (GPtrArray              *events,
                        GPtrArray              *declarations,
                        AggEpcisFormat          format,
                        const AggEpcisOptions  *options,
                        GError                **error)
{
  static const AggEpcisOptions defaults = { FALSE, 0, "" };
  g_autofree char *now = agg_now_utc ();

  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (options == NULL)
    options = &defaults;

  switch (format)
    {
    case AGG_EPCIS_FORMAT_JSONLD:
      return jsonld_document (events, declarations, options, now);
    case AGG_EPCIS_FORMAT_XML:
      return xml_document (events, declarations, options, FALSE, now, error);
    case AGG_EPCIS_FORMAT_XML_1_2:
      return xml_document (events, declarations, options, TRUE, now, error);
    default:
      g_return_val_if_reached (NULL);
    }
}
