/* agg-epcis-id.c: identifiers as Digital Link URIs, EPC URNs and in the
 * canonical form of the event hash
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The conversions follow the GS1 EPC Tag Data Standard (EPC URNs) and the
 * GS1 Digital Link URI syntax; check digits are recomputed from the URN's
 * digits, which a URN does not carry.
 */

#include "config.h"

#include <string.h>

#include "agg-epcis-private.h"
#include "agg-gs1.h"

#define DL_ROOT "https://id.gs1.org"

static gboolean
all_digits (const char *text,
            gsize       len)
{
  for (gsize i = 0; i < len; i++)
    if (!g_ascii_isdigit (text[i]))
      return FALSE;
  return len > 0;
}

/* @digits followed by their GS1 check digit. */
static char *
with_check_digit (const char *digits)
{
  /* The check digit is computed over all but the last of @len digits. */
  return g_strdup_printf ("%s%d", digits, agg_gs1_check_digit (digits, strlen (digits) + 1));
}

/* A path segment as the canonical Digital Link writes it: percent-encoded
 * except for RFC 3986's unreserved characters and the apostrophe. */
static char *
dl_escape (const char *raw)
{
  return g_uri_escape_string (raw, "'", FALSE);
}

/* A URN component (which may carry %-escapes) as a Digital Link segment. */
static char *
dl_segment_from_urn (const char *component)
{
  g_autofree char *raw = g_uri_unescape_string (component, NULL);

  return dl_escape (raw != NULL ? raw : component);
}

/* An EPC URN component: the characters the Tag Data Standard reserves
 * are %-escaped, the rest of the GS1 character set stays as it is. */
static char *
urn_escape (const char *raw)
{
  GString *out = g_string_new (NULL);

  for (const char *p = raw; *p != '\0'; p++)
    {
      if (strchr ("\"%&/<>?#", *p) != NULL || (guchar) *p < 0x21 || (guchar) *p > 0x7e)
        g_string_append_printf (out, "%%%02X", (guchar) *p);
      else
        g_string_append_c (out, *p);
    }
  return g_string_free (out, FALSE);
}

/* GTIN-14 from a URN's company prefix and indicator + item reference. */
static char *
gtin_from_urn (const char *gcp,
               const char *item)
{
  g_autofree char *digits = NULL;

  if (strlen (gcp) + strlen (item) != 13 || !all_digits (gcp, strlen (gcp)) ||
      !all_digits (item, strlen (item)))
    return NULL;
  digits = g_strdup_printf ("%c%s%s", item[0], gcp, item + 1);
  return with_check_digit (digits);
}

/* Company prefix and a reference of @total digits in all: the key with
 * its check digit. */
static char *
key_from_urn (const char *gcp,
              const char *ref,
              gsize       total)
{
  g_autofree char *digits = g_strconcat (gcp, ref, NULL);

  if (strlen (digits) != total || !all_digits (digits, total))
    return NULL;
  return with_check_digit (digits);
}

static char *
urn_to_dl (const char *urn)
{
  g_auto(GStrv) parts = NULL;
  g_autofree char *key = NULL;
  const char *scheme;
  gboolean pattern = FALSE;
  gboolean class = FALSE;
  guint n;

  if (g_str_has_prefix (urn, "urn:epc:id:"))
    urn += strlen ("urn:epc:id:");
  else if (g_str_has_prefix (urn, "urn:epc:idpat:"))
    urn += strlen ("urn:epc:idpat:"), pattern = TRUE;
  else if (g_str_has_prefix (urn, "urn:epc:class:"))
    urn += strlen ("urn:epc:class:"), class = TRUE;
  else
    return NULL;

  scheme = urn;
  urn = strchr (urn, ':');
  if (urn == NULL)
    return NULL;
  parts = g_strsplit (urn + 1, ".", -1);
  n = g_strv_length (parts);

#define SCHEME(name) (strncmp (scheme, name ":", strlen (name) + 1) == 0)
  if (class)
    {
      if (SCHEME ("lgtin") && n == 3 && (key = gtin_from_urn (parts[0], parts[1])) != NULL)
        {
          g_autofree char *lot = dl_segment_from_urn (parts[2]);
          return g_strdup_printf (DL_ROOT "/01/%s/10/%s", key, lot);
        }
      return NULL;
    }

  if ((SCHEME ("sgtin") || SCHEME ("upui")) && n == 3 &&
      (key = gtin_from_urn (parts[0], parts[1])) != NULL)
    {
      g_autofree char *serial = NULL;

      if (pattern)
        return g_strdup_printf (DL_ROOT "/01/%s", key);
      serial = dl_segment_from_urn (parts[2]);
      return g_strdup_printf (DL_ROOT "/01/%s/%s/%s", key, SCHEME ("upui") ? "235" : "21",
                              serial);
    }
  if (SCHEME ("itip") && n == 5 && (key = gtin_from_urn (parts[0], parts[1])) != NULL &&
      all_digits (parts[2], 2) && all_digits (parts[3], 2))
    {
      g_autofree char *serial = NULL;

      if (pattern)
        return g_strdup_printf (DL_ROOT "/8006/%s%s%s", key, parts[2], parts[3]);
      serial = dl_segment_from_urn (parts[4]);
      return g_strdup_printf (DL_ROOT "/8006/%s%s%s/21/%s", key, parts[2], parts[3], serial);
    }
  if (SCHEME ("sscc") && n == 2 && strlen (parts[1]) > 0)
    {
      g_autofree char *digits = g_strdup_printf ("%c%s%s", parts[1][0], parts[0], parts[1] + 1);

      if (strlen (digits) != 17 || !all_digits (digits, 17))
        return NULL;
      key = with_check_digit (digits);
      return g_strdup_printf (DL_ROOT "/00/%s", key);
    }
  if (SCHEME ("sgln") && n == 3 && (key = key_from_urn (parts[0], parts[1], 12)) != NULL)
    {
      g_autofree char *extension = NULL;

      if (strcmp (parts[2], "0") == 0 || parts[2][0] == '\0' || pattern)
        return g_strdup_printf (DL_ROOT "/414/%s", key);
      extension = dl_segment_from_urn (parts[2]);
      return g_strdup_printf (DL_ROOT "/414/%s/254/%s", key, extension);
    }
  if (SCHEME ("pgln") && n == 2 && (key = key_from_urn (parts[0], parts[1], 12)) != NULL)
    return g_strdup_printf (DL_ROOT "/417/%s", key);
  if (SCHEME ("gsrn") && n == 2 && (key = key_from_urn (parts[0], parts[1], 17)) != NULL)
    return g_strdup_printf (DL_ROOT "/8018/%s", key);
  if (SCHEME ("gsrnp") && n == 2 && (key = key_from_urn (parts[0], parts[1], 17)) != NULL)
    return g_strdup_printf (DL_ROOT "/8017/%s", key);
  if (SCHEME ("gsin") && n == 2 && (key = key_from_urn (parts[0], parts[1], 16)) != NULL)
    return g_strdup_printf (DL_ROOT "/402/%s", key);
  if ((SCHEME ("gdti") || SCHEME ("sgcn")) && n == 3 &&
      (key = key_from_urn (parts[0], parts[1], 12)) != NULL)
    {
      g_autofree char *serial = NULL;

      if (pattern)
        return g_strdup_printf (DL_ROOT "/%s/%s", SCHEME ("gdti") ? "253" : "255", key);
      serial = dl_segment_from_urn (parts[2]);
      return g_strdup_printf (DL_ROOT "/%s/%s%s", SCHEME ("gdti") ? "253" : "255", key, serial);
    }
  if (SCHEME ("grai") && n == 3)
    {
      g_autofree char *zero_gcp = g_strconcat ("0", parts[0], NULL);
      g_autofree char *serial = NULL;

      key = key_from_urn (zero_gcp, parts[1], 13);
      if (key == NULL)
        return NULL;
      if (pattern)
        return g_strdup_printf (DL_ROOT "/8003/%s", key);
      serial = dl_segment_from_urn (parts[2]);
      return g_strdup_printf (DL_ROOT "/8003/%s%s", key, serial);
    }
  if ((SCHEME ("giai") || SCHEME ("ginc")) && n == 2)
    {
      g_autofree char *ref = dl_segment_from_urn (parts[1]);

      return g_strdup_printf (DL_ROOT "/%s/%s%s", SCHEME ("giai") ? "8004" : "401", parts[0], ref);
    }
  if (SCHEME ("cpi") && n == 3)
    {
      g_autofree char *ref = dl_segment_from_urn (parts[1]);
      g_autofree char *serial = NULL;

      if (pattern)
        return g_strdup_printf (DL_ROOT "/8010/%s%s", parts[0], ref);
      serial = dl_segment_from_urn (parts[2]);
      return g_strdup_printf (DL_ROOT "/8010/%s%s/8011/%s", parts[0], ref, serial);
    }
#undef SCHEME

  return NULL;
}

/* Digital Link: primary keys, with the qualifier that identifies most
 * finely, and the short names of the URI syntax. */
static const struct
{
  const char *ai;
  const char *alias;
  gsize       pad;                    /* numeric keys are padded to this length */
  const char *qualifiers[4];          /* most specific first */
} dl_keys[] = {
  { "01",   "gtin",  14, { "21", "235", "10", NULL } },
  { "8006", "itip",  18, { "21", "10", NULL } },
  { "8010", "cpid",  0,  { "8011", NULL } },
  { "414",  "gln",   0,  { "254", NULL } },
  { "00",   "sscc",  0,  { NULL } },
  { "253",  "gdti",  0,  { NULL } },
  { "255",  "gcn",   0,  { NULL } },
  { "401",  "ginc",  0,  { NULL } },
  { "402",  "gsin",  0,  { NULL } },
  { "417",  "party", 0,  { NULL } },
  { "8003", "grai",  0,  { NULL } },
  { "8004", "giai",  0,  { NULL } },
  { "8017", "gsrnp", 0,  { NULL } },
  { "8018", "gsrn",  0,  { NULL } },
};

static const struct
{
  const char *ai;
  const char *alias;
} dl_qualifier_aliases[] = {
  { "21", "ser" }, { "10", "lot" }, { "22", "cpv" }, { "254", "glnx" }, { "8011", "cpsn" },
  { "235", "tpx" },
};

static const char *
qualifier_ai (const char *segment)
{
  for (guint i = 0; i < G_N_ELEMENTS (dl_qualifier_aliases); i++)
    if (strcmp (segment, dl_qualifier_aliases[i].alias) == 0)
      return dl_qualifier_aliases[i].ai;
  return segment;
}

static char *
dl_canonical (const char *uri)
{
  g_autofree char *path = NULL;
  g_auto(GStrv) segments = NULL;
  const char *start;
  guint n;

  if (g_str_has_prefix (uri, "https://"))
    start = uri + strlen ("https://");
  else if (g_str_has_prefix (uri, "http://"))
    start = uri + strlen ("http://");
  else
    return NULL;

  start = strchr (start, '/');
  if (start == NULL)
    return NULL;
  path = g_strndup (start + 1, strcspn (start + 1, "?#"));
  segments = g_strsplit (path, "/", -1);
  n = g_strv_length (segments);

  /* The primary key may follow a path prefix of the resolver's. */
  for (guint i = 0; i + 1 < n; i++)
    for (guint k = 0; k < G_N_ELEMENTS (dl_keys); k++)
      {
        g_autofree char *key_raw = NULL;
        g_autofree char *key = NULL;
        GString *out;

        if (strcmp (segments[i], dl_keys[k].ai) != 0 &&
            strcmp (segments[i], dl_keys[k].alias) != 0)
          continue;

        key_raw = g_uri_unescape_string (segments[i + 1], NULL);
        if (key_raw == NULL || *key_raw == '\0')
          return NULL;
        if (dl_keys[k].pad > 0 && all_digits (key_raw, strlen (key_raw)) &&
            strlen (key_raw) < dl_keys[k].pad)
          {
            g_autofree char *padded = g_strnfill (dl_keys[k].pad - strlen (key_raw), '0');
            key = g_strconcat (padded, key_raw, NULL);
          }
        else
          key = dl_escape (key_raw);

        out = g_string_new (DL_ROOT "/");
        g_string_append_printf (out, "%s/%s", dl_keys[k].ai, key);

        for (guint q = 0; dl_keys[k].qualifiers[q] != NULL; q++)
          for (guint j = i + 2; j + 1 < n; j += 2)
            if (strcmp (qualifier_ai (segments[j]), dl_keys[k].qualifiers[q]) == 0)
              {
                g_autofree char *raw = g_uri_unescape_string (segments[j + 1], NULL);
                g_autofree char *value = dl_escape (raw != NULL ? raw : segments[j + 1]);

                g_string_append_printf (out, "/%s/%s", dl_keys[k].qualifiers[q], value);
                return g_string_free (out, FALSE);
              }
        return g_string_free (out, FALSE);
      }

  return NULL;
}

char *
agg_epcis_canonical_id (const char *value)
{
  g_autofree char *trimmed = NULL;
  char *converted;

  g_return_val_if_fail (value != NULL, NULL);

  trimmed = g_strstrip (g_strdup (value));
  converted = urn_to_dl (trimmed);
  if (converted == NULL)
    converted = dl_canonical (trimmed);
  return converted != NULL ? converted : g_steal_pointer (&trimmed);
}

/* The key of @prefix in our own Digital Link URIs, and what follows it. */
static const char *
dl_key (const char *uri,
        const char *prefix)
{
  return g_str_has_prefix (uri, prefix) ? uri + strlen (prefix) : NULL;
}

char *
agg_epcis_dl_to_urn (const char *uri,
                     guint       gcp_length)
{
  const char *key;
  guint l = gcp_length;

  g_return_val_if_fail (uri != NULL, NULL);

  if (l < 6 || l > 12)
    return NULL;

  if ((key = dl_key (uri, DL_ROOT "/01/")) != NULL)
    {
      g_autofree char *serial = NULL;
      g_autofree char *escaped = NULL;

      if (strlen (key) < 14 || !all_digits (key, 14) || strncmp (key + 14, "/21/", 4) != 0)
        return NULL;
      serial = g_uri_unescape_string (key + 18, NULL);
      if (serial == NULL || *serial == '\0')
        return NULL;
      escaped = urn_escape (serial);
      return g_strdup_printf ("urn:epc:id:sgtin:%.*s.%c%.*s.%s", (int) l, key + 1, key[0],
                              (int) (12 - l), key + 1 + l, escaped);
    }

  if ((key = dl_key (uri, DL_ROOT "/00/")) != NULL)
    {
      if (strlen (key) != 18 || !all_digits (key, 18))
        return NULL;
      return g_strdup_printf ("urn:epc:id:sscc:%.*s.%c%.*s", (int) l, key + 1, key[0],
                              (int) (16 - l), key + 1 + l);
    }

  if ((key = dl_key (uri, DL_ROOT "/414/")) != NULL)
    {
      g_autofree char *extension = NULL;
      g_autofree char *escaped = NULL;

      if (strlen (key) < 13 || !all_digits (key, 13))
        return NULL;
      if (key[13] == '\0')
        extension = g_strdup ("0");
      else if (strncmp (key + 13, "/254/", 5) == 0)
        extension = g_uri_unescape_string (key + 18, NULL);
      if (extension == NULL || *extension == '\0')
        return NULL;
      escaped = urn_escape (extension);
      return g_strdup_printf ("urn:epc:id:sgln:%.*s.%.*s.%s", (int) l, key, (int) (12 - l),
                              key + l, escaped);
    }

  if ((key = dl_key (uri, DL_ROOT "/417/")) != NULL)
    {
      if (strlen (key) != 13 || !all_digits (key, 13))
        return NULL;
      return g_strdup_printf ("urn:epc:id:pgln:%.*s.%.*s", (int) l, key, (int) (12 - l), key + l);
    }

  return NULL;
}

char *
agg_epcis_vocab_urn (const char *kind,
                     const char *word)
{
  static const struct
  {
    const char *kind;
    const char *urn;
  } kinds[] = {
    { "BizStep", "urn:epcglobal:cbv:bizstep:" },
    { "Disp", "urn:epcglobal:cbv:disp:" },
    { "BTT", "urn:epcglobal:cbv:btt:" },
    { "SDT", "urn:epcglobal:cbv:sdt:" },
    { "ER", "urn:epcglobal:cbv:er:" },
  };

  g_return_val_if_fail (kind != NULL && word != NULL, NULL);

  /* Only bare words are CBV terms; a URI is a user vocabulary's. */
  if (strchr (word, ':') == NULL)
    for (guint i = 0; i < G_N_ELEMENTS (kinds); i++)
      if (strcmp (kind, kinds[i].kind) == 0)
        return g_strconcat (kinds[i].urn, word, NULL);
  return g_strdup (word);
}
