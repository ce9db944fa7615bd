/* agg-event-hash.c: the CBV 2.0 event hash ID
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * CBV 2.0 §8.9: an event's fields in a canonical order, values normalised
 * (UTC times with milliseconds, identifiers as canonical Digital Link
 * URIs, vocabulary as GS1 Web URIs, lists sorted), concatenated without
 * separators into a pre-hash string whose SHA-256 is the ID.  The event
 * ID, record time and error declaration are not part of it, so that an
 * event keeps its ID when it is declared in error or stored elsewhere.
 */

#include "config.h"

#include <glib/gi18n-lib.h>
#include <string.h>

#include "agg-epcis-private.h"

#define CBV_WEB "https://ref.gs1.org/cbv/"
#define RDFS_COMMENT "{http://www.w3.org/2000/01/rdf-schema#}comment"

typedef enum
{
  FIELD_PLAIN,
  FIELD_TIME,
  FIELD_ID,
  FIELD_EPC_LIST,
  FIELD_QUANTITY_LIST,
  FIELD_VOCAB,
  FIELD_PERSISTENT_DISPOSITION,
  FIELD_LOCATION,
  FIELD_TYPED_LIST,
  FIELD_ILMD,
  FIELD_UNSUPPORTED,
} FieldKind;

/* The canonical order; the published vectors list the destinations
 * before the sources. */
static const struct
{
  const char *name;
  FieldKind   kind;
  const char *vocab;                  /* CBV term kind of the value or the list's type */
  const char *member;                 /* the identifier's name in a typed list's elements */
} fields[] = {
  { "eventTime", FIELD_TIME, NULL, NULL },
  { "eventTimeZoneOffset", FIELD_PLAIN, NULL, NULL },
  { "certificationInfo", FIELD_ID, NULL, NULL },
  { "epcList", FIELD_EPC_LIST, NULL, NULL },
  { "parentID", FIELD_ID, NULL, NULL },
  { "inputEPCList", FIELD_EPC_LIST, NULL, NULL },
  { "childEPCs", FIELD_EPC_LIST, NULL, NULL },
  { "quantityList", FIELD_QUANTITY_LIST, NULL, NULL },
  { "childQuantityList", FIELD_QUANTITY_LIST, NULL, NULL },
  { "inputQuantityList", FIELD_QUANTITY_LIST, NULL, NULL },
  { "outputEPCList", FIELD_EPC_LIST, NULL, NULL },
  { "outputQuantityList", FIELD_QUANTITY_LIST, NULL, NULL },
  { "action", FIELD_PLAIN, NULL, NULL },
  { "transformationID", FIELD_ID, NULL, NULL },
  { "bizStep", FIELD_VOCAB, "BizStep", NULL },
  { "disposition", FIELD_VOCAB, "Disp", NULL },
  { "persistentDisposition", FIELD_PERSISTENT_DISPOSITION, "Disp", NULL },
  { "readPoint", FIELD_LOCATION, NULL, NULL },
  { "bizLocation", FIELD_LOCATION, NULL, NULL },
  { "bizTransactionList", FIELD_TYPED_LIST, "BTT", "bizTransaction" },
  { "destinationList", FIELD_TYPED_LIST, "SDT", "destination" },
  { "sourceList", FIELD_TYPED_LIST, "SDT", "source" },
  { "sensorElementList", FIELD_UNSUPPORTED, NULL, NULL },
  { "ilmd", FIELD_ILMD, NULL, NULL },
};

/* Members that are not part of the pre-hash. */
static const char *const ignored[] = {
  "type", "eventID", "recordTime", "errorDeclaration", "@context", NULL,
};

typedef struct
{
  GHashTable *prefixes;               /* CURIE prefix → IRI */
  GError    **error;
} Context;

static void
context_add (Context   *context,
             JsonNode  *node)
{
  if (JSON_NODE_HOLDS_ARRAY (node))
    {
      JsonArray *array = json_node_get_array (node);

      for (guint i = 0; i < json_array_get_length (array); i++)
        context_add (context, json_array_get_element (array, i));
    }
  else if (JSON_NODE_HOLDS_OBJECT (node))
    {
      JsonObjectIter iter;
      const char *name;
      JsonNode *value;

      json_object_iter_init (&iter, json_node_get_object (node));
      while (json_object_iter_next (&iter, &name, &value))
        if (JSON_NODE_HOLDS_VALUE (value) && json_node_get_value_type (value) == G_TYPE_STRING)
          g_hash_table_insert (context->prefixes, g_strdup (name),
                               g_strdup (json_node_get_string (value)));
    }
}

static char *
trimmed (const char *text)
{
  return g_strstrip (g_strdup (text));
}

/* A compact IRI ("gs1:Temperature") expanded; anything else as it is. */
static char *
expand_curie (Context    *context,
              const char *value)
{
  const char *colon = strchr (value, ':');
  g_autofree char *prefix = NULL;
  const char *iri;

  if (colon == NULL || g_str_has_prefix (colon, "://"))
    return g_strdup (value);
  prefix = g_strndup (value, colon - value);
  iri = g_hash_table_lookup (context->prefixes, prefix);
  if (iri == NULL)
    return g_strdup (value);
  return g_strconcat (iri, colon + 1, NULL);
}

static char *
vocab (Context    *context,
       const char *kind,
       const char *value)
{
  static const struct
  {
    const char *urn;
    const char *kind;
  } urns[] = {
    { "urn:epcglobal:cbv:bizstep:", "BizStep" },
    { "urn:epcglobal:cbv:disp:", "Disp" },
    { "urn:epcglobal:cbv:btt:", "BTT" },
    { "urn:epcglobal:cbv:sdt:", "SDT" },
    { "urn:epcglobal:cbv:er:", "ER" },
  };
  g_autofree char *text = trimmed (value);

  for (guint i = 0; i < G_N_ELEMENTS (urns); i++)
    if (g_str_has_prefix (text, urns[i].urn))
      return g_strdup_printf (CBV_WEB "%s-%s", urns[i].kind, text + strlen (urns[i].urn));
  if (strchr (text, ':') == NULL)
    return g_strdup_printf (CBV_WEB "%s-%s", kind, text);
  return expand_curie (context, text);
}

/* UTC with exactly three decimals, the fourth rounding half up. */
static char *
normalise_time (Context    *context,
                const char *value)
{
  g_autoptr(GDateTime) parsed = g_date_time_new_from_iso8601 (value, NULL);
  g_autoptr(GDateTime) utc = NULL;
  g_autoptr(GDateTime) rounded = NULL;
  g_autofree char *seconds = NULL;
  gint64 usec;

  if (parsed == NULL)
    {
      g_set_error (context->error, AGG_EPCIS_ERROR, AGG_EPCIS_ERROR_INVALID,
                   _("Not a date and time: %s"), value);
      return NULL;
    }
  utc = g_date_time_to_utc (parsed);
  usec = g_date_time_get_microsecond (utc);
  rounded = g_date_time_add (utc, (usec + 500) / 1000 * 1000 - usec);
  seconds = g_date_time_format (rounded, "%Y-%m-%dT%H:%M:%S");
  return g_strdup_printf ("%s.%03dZ", seconds, g_date_time_get_microsecond (rounded) / 1000);
}

/* A number without trailing zeros, without quotes. */
static char *
number_text (JsonNode *node)
{
  char buffer[G_ASCII_DTOSTR_BUF_SIZE];
  double value;

  if (json_node_get_value_type (node) == G_TYPE_INT64)
    return g_strdup_printf ("%" G_GINT64_FORMAT, json_node_get_int (node));
  value = json_node_get_double (node);
  if (value == (double) (gint64) value && value > -1e15 && value < 1e15)
    return g_strdup_printf ("%" G_GINT64_FORMAT, (gint64) value);
  g_ascii_formatd (buffer, sizeof buffer, "%.15g", value);
  if (g_ascii_strtod (buffer, NULL) != value)
    g_ascii_formatd (buffer, sizeof buffer, "%.17g", value);
  return g_strdup (buffer);
}

static char *
scalar_text (JsonNode *node)
{
  GType type = json_node_get_value_type (node);

  if (type == G_TYPE_STRING)
    return trimmed (json_node_get_string (node));
  if (type == G_TYPE_BOOLEAN)
    return g_strdup (json_node_get_boolean (node) ? "true" : "false");
  return number_text (node);
}

static gint
compare_strings (gconstpointer a,
                 gconstpointer b)
{
  return strcmp (*(const char *const *) a, *(const char *const *) b);
}

/* Appends @parts sorted by byte value. */
static void
append_sorted (GString   *out,
               GPtrArray *parts)
{
  g_ptr_array_sort (parts, compare_strings);
  for (guint i = 0; i < parts->len; i++)
    g_string_append (out, g_ptr_array_index (parts, i));
}

static char *
string_member (JsonObject  *object,
               const char  *name)
{
  JsonNode *node = json_object_get_member (object, name);

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node))
    return NULL;
  return scalar_text (node);
}

/* A user extension's name: "{namespace}local". */
static char *
extension_name (Context    *context,
                const char *key)
{
  const char *colon = strchr (key, ':');
  const char *iri;

  if (g_str_has_prefix (key, "http://") || g_str_has_prefix (key, "https://"))
    {
      const char *cut = strrchr (key, '#');

      if (cut == NULL)
        cut = strrchr (key, '/');
      return g_strdup_printf ("{%.*s}%s", (int) (cut + 1 - key), key, cut + 1);
    }
  if (colon != NULL)
    {
      g_autofree char *prefix = g_strndup (key, colon - key);

      iri = g_hash_table_lookup (context->prefixes, prefix);
      if (iri != NULL)
        return g_strdup_printf ("{%s}%s", iri, colon + 1);
    }
  return g_strdup (key);
}

static void extension_parts (Context *context, const char *key, JsonNode *node, GPtrArray *parts);

/* The pre-hash text of an extension object's members, sorted. */
static char *
extension_children (Context    *context,
                    JsonObject *object)
{
  g_autoptr(GPtrArray) parts = g_ptr_array_new_with_free_func (g_free);
  GString *out = g_string_new (NULL);
  JsonObjectIter iter;
  const char *name;
  JsonNode *value;

  json_object_iter_init (&iter, object);
  while (json_object_iter_next (&iter, &name, &value))
    if (name[0] != '@')
      extension_parts (context, name, value, parts);
  append_sorted (out, parts);
  return g_string_free (out, FALSE);
}

static void
extension_parts (Context    *context,
                 const char *key,
                 JsonNode   *node,
                 GPtrArray  *parts)
{
  g_autofree char *name = extension_name (context, key);

  if (JSON_NODE_HOLDS_ARRAY (node))
    {
      JsonArray *array = json_node_get_array (node);

      for (guint i = 0; i < json_array_get_length (array); i++)
        extension_parts (context, key, json_array_get_element (array, i), parts);
    }
  else if (JSON_NODE_HOLDS_OBJECT (node))
    {
      JsonObject *object = json_node_get_object (node);
      g_autofree char *children = NULL;

      /* A JSON-LD value object stands for its value. */
      if (json_object_has_member (object, "@value"))
        {
          extension_parts (context, key, json_object_get_member (object, "@value"), parts);
          return;
        }
      children = extension_children (context, object);
      g_ptr_array_add (parts, g_strconcat (name, children, NULL));
    }
  else if (JSON_NODE_HOLDS_VALUE (node))
    {
      g_autofree char *text = scalar_text (node);
      g_autofree char *value = json_node_get_value_type (node) == G_TYPE_STRING
                               ? agg_epcis_canonical_id (text) : g_strdup (text);

      g_ptr_array_add (parts, g_strconcat (name, "=", value, NULL));
    }
  else
    g_ptr_array_add (parts, g_strdup (name));
}

static gboolean
expect (Context     *context,
        gboolean     condition,
        const char  *field)
{
  if (!condition && context->error != NULL && *context->error == NULL)
    g_set_error (context->error, AGG_EPCIS_ERROR, AGG_EPCIS_ERROR_INVALID,
                 _("The event's %s is malformed"), field);
  return condition;
}

/* One element of a list field as its part of the pre-hash string, or
 * NULL when the element is malformed. */
typedef char *(*ElementPart) (Context  *context,
                              guint     f,
                              JsonNode *element);

static char *
epc_part (Context  *context,
          guint     f,
          JsonNode *element)
{
  g_autofree char *id = NULL;

  if (!JSON_NODE_HOLDS_VALUE (element))
    return NULL;
  id = agg_epcis_canonical_id (json_node_get_string (element));
  return g_strconcat ("epc=", id, NULL);
}

static char *
quantity_part (Context  *context,
               guint     f,
               JsonNode *element)
{
  JsonObject *object;
  GString *part;
  g_autofree char *epc_class = NULL;
  g_autofree char *quantity = NULL;
  g_autofree char *uom = NULL;

  if (!JSON_NODE_HOLDS_OBJECT (element))
    return NULL;
  object = json_node_get_object (element);
  epc_class = string_member (object, "epcClass");
  quantity = string_member (object, "quantity");
  uom = string_member (object, "uom");

  part = g_string_new ("quantityElement");
  if (epc_class != NULL)
    {
      g_autofree char *id = agg_epcis_canonical_id (epc_class);
      g_string_append_printf (part, "epcClass=%s", id);
    }
  if (quantity != NULL)
    g_string_append_printf (part, "quantity=%s", quantity);
  if (uom != NULL)
    g_string_append_printf (part, "uom=%s", uom);
  return g_string_free (part, FALSE);
}

/* A source, destination or business transaction: its type, then its id. */
static char *
typed_part (Context  *context,
            guint     f,
            JsonNode *element)
{
  JsonObject *object;
  GString *part;
  g_autofree char *type = NULL;
  g_autofree char *id = NULL;
  g_autofree char *canonical = NULL;

  if (!JSON_NODE_HOLDS_OBJECT (element))
    return NULL;
  object = json_node_get_object (element);
  id = string_member (object, fields[f].member);
  if (id == NULL)
    return NULL;
  type = string_member (object, "type");

  part = g_string_new (NULL);
  if (type != NULL)
    {
      g_autofree char *term = vocab (context, fields[f].vocab, type);
      g_string_append_printf (part, "type=%s", term);
    }
  canonical = agg_epcis_canonical_id (id);
  g_string_append_printf (part, "%s=%s", fields[f].member, canonical);
  return g_string_free (part, FALSE);
}

/* A list field: its name, then its elements' parts in sorted order; an
 * empty list adds nothing, as if the field were absent. */
static gboolean
append_list (Context     *context,
             GString     *out,
             guint        f,
             JsonNode    *node,
             ElementPart  element_part)
{
  const char *name = fields[f].name;
  g_autoptr(GPtrArray) parts = g_ptr_array_new_with_free_func (g_free);
  JsonArray *array;

  if (!expect (context, JSON_NODE_HOLDS_ARRAY (node), name))
    return FALSE;
  array = json_node_get_array (node);
  if (json_array_get_length (array) == 0)
    return TRUE;
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      char *part = element_part (context, f, json_array_get_element (array, i));

      if (!expect (context, part != NULL, name))
        return FALSE;
      g_ptr_array_add (parts, part);
    }
  g_string_append (out, name);
  append_sorted (out, parts);
  return TRUE;
}

static gboolean
append_field (Context     *context,
              GString     *out,
              guint        f,
              JsonNode    *node)
{
  const char *name = fields[f].name;
  g_autoptr(GPtrArray) parts = g_ptr_array_new_with_free_func (g_free);

  switch (fields[f].kind)
    {
    case FIELD_PLAIN:
    case FIELD_TIME:
    case FIELD_ID:
    case FIELD_VOCAB:
      {
        g_autofree char *text = NULL;
        g_autofree char *value = NULL;

        if (!expect (context, JSON_NODE_HOLDS_VALUE (node), name))
          return FALSE;
        text = scalar_text (node);
        if (fields[f].kind == FIELD_TIME)
          value = normalise_time (context, text);
        else if (fields[f].kind == FIELD_ID)
          value = agg_epcis_canonical_id (text);
        else if (fields[f].kind == FIELD_VOCAB)
          value = vocab (context, fields[f].vocab, text);
        else
          value = g_steal_pointer (&text);
        if (value == NULL)
          return FALSE;
        g_string_append_printf (out, "%s=%s", name, value);
        return TRUE;
      }

    case FIELD_EPC_LIST:
      return append_list (context, out, f, node, epc_part);

    case FIELD_QUANTITY_LIST:
      return append_list (context, out, f, node, quantity_part);

    case FIELD_PERSISTENT_DISPOSITION:
      {
        JsonObject *object;

        if (!expect (context, JSON_NODE_HOLDS_OBJECT (node), name))
          return FALSE;
        object = json_node_get_object (node);
        g_string_append (out, name);
        for (guint k = 0; k < 2; k++)
          {
            const char *member = k == 0 ? "set" : "unset";
            JsonArray *array = agg_json_array_member (object, member);
            g_autoptr(GPtrArray) values = g_ptr_array_new_with_free_func (g_free);

            for (guint i = 0; array != NULL && i < json_array_get_length (array); i++)
              {
                g_autofree char *word = vocab (context, "Disp",
                                               json_array_get_string_element (array, i));
                g_ptr_array_add (values, g_strconcat (member, "=", word, NULL));
              }
            append_sorted (out, values);
          }
        return TRUE;
      }

    case FIELD_LOCATION:
      {
        JsonObject *object;
        g_autofree char *id = NULL;
        g_autofree char *canonical = NULL;
        JsonObjectIter iter;
        const char *member;
        JsonNode *value;

        if (!expect (context, JSON_NODE_HOLDS_OBJECT (node), name))
          return FALSE;
        object = json_node_get_object (node);
        id = string_member (object, "id");
        if (!expect (context, id != NULL, name))
          return FALSE;
        canonical = agg_epcis_canonical_id (id);
        g_string_append_printf (out, "%sid=%s", name, canonical);

        /* Extensions of the location come after its id. */
        json_object_iter_init (&iter, object);
        while (json_object_iter_next (&iter, &member, &value))
          if (strcmp (member, "id") != 0 && member[0] != '@')
            extension_parts (context, member, value, parts);
        append_sorted (out, parts);
        return TRUE;
      }

    case FIELD_TYPED_LIST:
      return append_list (context, out, f, node, typed_part);

    case FIELD_ILMD:
      {
        g_autofree char *children = NULL;

        if (!expect (context, JSON_NODE_HOLDS_OBJECT (node), name))
          return FALSE;
        children = extension_children (context, json_node_get_object (node));
        g_string_append_printf (out, "%s%s", name, children);
        return TRUE;
      }

    case FIELD_UNSUPPORTED:
    default:
      g_set_error (context->error, AGG_EPCIS_ERROR, AGG_EPCIS_ERROR_UNSUPPORTED,
                   _("The station does not hash events with a %s"), name);
      return FALSE;
    }
}

static gboolean
is_known (const char *member)
{
  if (g_strv_contains (ignored, member))
    return TRUE;
  for (guint f = 0; f < G_N_ELEMENTS (fields); f++)
    if (strcmp (fields[f].name, member) == 0)
      return TRUE;
  return FALSE;
}

char *
agg_epcis_event_prehash (JsonObject  *event,
                         GError     **error)
{
  g_autoptr(GHashTable) prefixes = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_autoptr(GPtrArray) extensions = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GString) out = g_string_new (NULL);
  Context context = { prefixes, error };
  const char *type;
  JsonObjectIter iter;
  const char *member;
  JsonNode *value;

  g_return_val_if_fail (event != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  g_hash_table_insert (prefixes, g_strdup ("gs1"), g_strdup ("https://gs1.org/voc/"));
  g_hash_table_insert (prefixes, g_strdup ("cbv"), g_strdup (CBV_WEB));
  g_hash_table_insert (prefixes, g_strdup ("epcis"), g_strdup ("https://ref.gs1.org/epcis/"));
  if (json_object_has_member (event, "@context"))
    context_add (&context, json_object_get_member (event, "@context"));

  type = json_object_get_string_member_with_default (event, "type", NULL);
  if (type == NULL)
    {
      g_set_error (error, AGG_EPCIS_ERROR, AGG_EPCIS_ERROR_INVALID,
                   _("The event has no type"));
      return NULL;
    }
  g_string_append_printf (out, "eventType=%s", type);

  for (guint f = 0; f < G_N_ELEMENTS (fields); f++)
    {
      JsonNode *node = json_object_get_member (event, fields[f].name);

      if (node != NULL && !JSON_NODE_HOLDS_NULL (node) &&
          !append_field (&context, out, f, node))
        return NULL;
    }

  /* Comments are notes about the event, not part of it. */
  json_object_iter_init (&iter, event);
  while (json_object_iter_next (&iter, &member, &value))
    {
      g_autofree char *name = extension_name (&context, member);

      if (!is_known (member) && strcmp (name, RDFS_COMMENT) != 0)
        extension_parts (&context, member, value, extensions);
    }
  append_sorted (out, extensions);

  return g_string_free (g_steal_pointer (&out), FALSE);
}

char *
agg_epcis_event_hash_id (JsonObject  *event,
                         GError     **error)
{
  g_autofree char *prehash = NULL;
  g_autofree char *digest = NULL;

  g_return_val_if_fail (event != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  prehash = agg_epcis_event_prehash (event, error);
  if (prehash == NULL)
    return NULL;
  digest = g_compute_checksum_for_string (G_CHECKSUM_SHA256, prehash, -1);
  return g_strdup_printf ("ni:///sha-256;%s?ver=CBV2.0", digest);
}
