/* agg-gs1.c: GS1 element strings, scan data and bracketed data
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <inttypes.h>
#include <glib/gi18n-lib.h>
#include <string.h>

#include "agg-gs1-private.h"

G_DEFINE_QUARK (agg-gs1-error-quark, agg_gs1_error)

/* Dense indexes from an AI's numeric value to its table entry, one per AI
 * length, plus the AI length that each two-digit prefix implies.  Built
 * once; a lookup is then two array reads. */
static gint16 index2[100];
static gint16 index3[1000];
static gint16 index4[10000];
static guint8 length_by_prefix[100];

static void
build_indexes (void)
{
  memset (index2, 0xff, sizeof index2);
  memset (index3, 0xff, sizeof index3);
  memset (index4, 0xff, sizeof index4);

  for (guint i = 0; i < agg_gs1_ai_table_n_entries; i++)
    {
      const AggGs1AiInfo *info = &agg_gs1_ai_table[i];
      guint value = 0;
      guint prefix = (info->ai[0] - '0') * 10 + (info->ai[1] - '0');

      for (guint j = 0; j < info->ai_len; j++)
        value = value * 10 + (info->ai[j] - '0');

      switch (info->ai_len)
        {
        case 2: index2[value] = (gint16) i; break;
        case 3: index3[value] = (gint16) i; break;
        case 4: index4[value] = (gint16) i; break;
        default: g_assert_not_reached ();
        }

      /* The table generator guarantees this; a broken table would make
       * element strings ambiguous, so it is worth a check at start-up. */
      g_assert (length_by_prefix[prefix] == 0 || length_by_prefix[prefix] == info->ai_len);
      length_by_prefix[prefix] = info->ai_len;
    }
}

static inline void
ensure_indexes (void)
{
  static gsize initialised = 0;

  if (g_once_init_enter (&initialised))
    {
      build_indexes ();
      g_once_init_leave (&initialised, 1);
    }
}

static inline gboolean
is_digit (char c)
{
  return c >= '0' && c <= '9';
}

/* The first @c in @s, or its terminating NUL. */
static inline const char *
find_char (const char *s,
           char        c)
{
  while (*s != '\0' && *s != c)
    s++;
  return s;
}

static const AggGs1AiInfo *
lookup_digits (const char *ai,
               gsize       len)
{
  guint value = 0;
  gint16 idx;

  for (gsize i = 0; i < len; i++)
    {
      if (!is_digit (ai[i]))
        return NULL;
      value = value * 10 + (ai[i] - '0');
    }

  switch (len)
    {
    case 2: idx = index2[value]; break;
    case 3: idx = index3[value]; break;
    case 4: idx = index4[value]; break;
    default: return NULL;
    }

  return idx < 0 ? NULL : &agg_gs1_ai_table[idx];
}

const AggGs1AiInfo *
agg_gs1_lookup_ai (const char *ai,
                   gssize      len)
{
  g_return_val_if_fail (ai != NULL, NULL);

  ensure_indexes ();

  if (len < 0)
    len = strlen (ai);

  return lookup_digits (ai, len);
}

const char *
agg_gs1_ai_info_get_ai (const AggGs1AiInfo *info)
{
  g_return_val_if_fail (info != NULL, NULL);
  return info->ai;
}

const char *
agg_gs1_ai_info_get_title (const AggGs1AiInfo *info)
{
  g_return_val_if_fail (info != NULL, NULL);
  return info->title;
}

gboolean
agg_gs1_ai_info_is_predefined_length (const AggGs1AiInfo *info)
{
  g_return_val_if_fail (info != NULL, FALSE);
  return info->predefined_length;
}

gboolean
agg_gs1_ai_info_is_dl_attribute (const AggGs1AiInfo *info)
{
  g_return_val_if_fail (info != NULL, FALSE);
  return info->dl_attribute;
}

gboolean
agg_gs1_ai_info_is_dl_primary_key (const AggGs1AiInfo *info)
{
  g_return_val_if_fail (info != NULL, FALSE);
  return info->dlpkey != NULL;
}

guint
agg_gs1_ai_table_get_n_entries (void)
{
  return agg_gs1_ai_table_n_entries;
}

const AggGs1AiInfo *
agg_gs1_ai_table_get_entry (guint i)
{
  g_return_val_if_fail (i < agg_gs1_ai_table_n_entries, NULL);
  return &agg_gs1_ai_table[i];
}

void
agg_gs1_data_reset (AggGs1Data *data,
                    AggGs1Form  form)
{
  data->form = form;
  data->symbology[0] = '\0';
  data->n_elements = 0;
  data->error_ai[0] = '\0';
  data->error_offset = -1;
  data->buf_len = 0;
}

gboolean
agg_gs1_data_fail (AggGs1Data  *data,
                   GError     **error,
                   AggGs1Error  code,
                   const char  *ai,
                   gssize       offset,
                   const char  *format,
                   ...)
{
  g_autofree char *detail = NULL;
  va_list args;

  /* Only a well-formed AI is named: the input may hold anything. */
  data->error_ai[0] = '\0';
  if (ai != NULL)
    {
      gsize n = strspn (ai, "0123456789");

      if (n >= 2 && n <= 4 && ai[n] == '\0')
        memcpy (data->error_ai, ai, n + 1);
    }
  data->error_offset = offset;

  if (error == NULL)
    return FALSE;

  va_start (args, format);
  detail = g_strdup_vprintf (format, args);
  va_end (args);

  if (data->error_ai[0] != '\0' && offset >= 0)
    /* Translators: the first %s is a GS1 Application Identifier such as
     * 17, the number a byte offset in the scanned data, the last %s the
     * reason. */
    g_set_error (error, AGG_GS1_ERROR, code, _("AI (%s) at offset %zd: %s"),
                 data->error_ai, offset, detail);
  else if (data->error_ai[0] != '\0')
    g_set_error (error, AGG_GS1_ERROR, code, _("AI (%s): %s"), data->error_ai, detail);
  else if (offset >= 0)
    g_set_error (error, AGG_GS1_ERROR, code, _("Offset %zd: %s"), offset, detail);
  else
    g_set_error_literal (error, AGG_GS1_ERROR, code, detail);

  return FALSE;
}

static gboolean
check_component (AggGs1Data            *data,
                 const AggGs1AiInfo    *info,
                 const AggGs1Component *comp,
                 const char            *value,
                 gsize                  len,
                 gsize                  offset,
                 GError               **error)
{
  AggGs1LintFailure failure;

  if (len < comp->min)
    return agg_gs1_data_fail (data, error, AGG_GS1_ERROR_TOO_SHORT, info->ai, offset + len,
                              _("value is too short"));

  if (!agg_gs1_lint_cset (comp->cset, value, len, &failure))
    return agg_gs1_data_fail (data, error, failure.code, info->ai, offset + failure.pos,
                              "%s", _(failure.message));

  for (guint i = 0; i < AGG_GS1_MAX_LINTS && comp->lints[i] != AGG_GS1_LINT_NONE; i++)
    {
      if (!agg_gs1_lint (comp->lints[i], value, len, &failure))
        return agg_gs1_data_fail (data, error, failure.code, info->ai, offset + failure.pos,
                                  "%s", _(failure.message));
    }

  return TRUE;
}

gboolean
agg_gs1_data_append (AggGs1Data          *data,
                     const AggGs1AiInfo  *info,
                     const char          *value,
                     gsize                len,
                     gsize                offset,
                     GError             **error)
{
  AggGs1Element *element;
  gsize pos = 0;

  if (data->n_elements >= AGG_GS1_MAX_AIS)
    return agg_gs1_data_fail (data, error, AGG_GS1_ERROR_TOO_MANY_AIS, info->ai, offset,
                              _("more than %d AIs in one code"), AGG_GS1_MAX_AIS);

  if (len == 0)
    return agg_gs1_data_fail (data, error, AGG_GS1_ERROR_TOO_SHORT, info->ai, offset,
                              _("value is empty"));
  if (len < info->min_len)
    return agg_gs1_data_fail (data, error, AGG_GS1_ERROR_TOO_SHORT, info->ai, offset + len,
                              _("value is too short: %u characters, at least %u expected"),
                              (guint) len, (guint) info->min_len);
  if (len > info->max_len)
    return agg_gs1_data_fail (data, error, AGG_GS1_ERROR_TOO_LONG, info->ai,
                              offset + info->max_len,
                              _("value is too long: %u characters, at most %u allowed"),
                              (guint) len, (guint) info->max_len);

  /* Each component takes what it can of what is left, as the Syntax
   * Dictionary prescribes; optional ones may find nothing. */
  for (guint i = 0; i < info->n_components; i++)
    {
      const AggGs1Component *comp = &info->components[i];
      gsize comp_len = MIN (len - pos, comp->max);

      if (comp_len == 0 && comp->optional)
        continue;
      if (!check_component (data, info, comp, value + pos, comp_len, offset + pos, error))
        return FALSE;
      pos += comp_len;
    }

  if (pos != len)
    return agg_gs1_data_fail (data, error, AGG_GS1_ERROR_TOO_LONG, info->ai, offset + pos,
                              _("value is too long"));

  if (data->buf_len + len + 1 > sizeof data->buf)
    return agg_gs1_data_fail (data, error, AGG_GS1_ERROR_TOO_LONG, info->ai, offset,
                              _("the code holds more data than any GS1 carrier can"));

  element = &data->elements[data->n_elements++];
  element->info = info;
  memcpy (element->ai, info->ai, sizeof element->ai);
  element->ai_len = info->ai_len;
  element->value_len = len;
  element->value_pos = data->buf_len;
  element->offset = offset;
  memcpy (data->buf + data->buf_len, value, len);
  data->buf[data->buf_len + len] = '\0';
  data->buf_len += len + 1;

  return TRUE;
}

const char *
agg_gs1_data_get_value (const AggGs1Data *data,
                        guint             i)
{
  g_return_val_if_fail (data != NULL, NULL);
  g_return_val_if_fail (i < data->n_elements, NULL);

  return data->buf + data->elements[i].value_pos;
}

const char *
agg_gs1_data_lookup (const AggGs1Data *data,
                     const char       *ai)
{
  g_return_val_if_fail (data != NULL, NULL);
  g_return_val_if_fail (ai != NULL, NULL);

  for (guint i = 0; i < data->n_elements; i++)
    if (strcmp (data->elements[i].ai, ai) == 0)
      return data->buf + data->elements[i].value_pos;

  return NULL;
}

/* A pattern of the Syntax Dictionary ("01", "31nn", "310n") against an AI:
 * "n" stands for any digit. */
static gboolean
pattern_matches (const char *pattern,
                 gsize       pattern_len,
                 const char *ai,
                 gsize       ai_len)
{
  if (pattern_len != ai_len)
    return FALSE;

  for (gsize i = 0; i < pattern_len; i++)
    if (pattern[i] != 'n' && pattern[i] != ai[i])
      return FALSE;

  return TRUE;
}

/* Whether another AI than @self matches @pattern.  An AI never excludes or
 * satisfies itself, even when a pattern covers it (3100 ex=310n). */
static const AggGs1Element *
find_other (const AggGs1Data    *data,
            const AggGs1Element *self,
            const char          *pattern,
            gsize                pattern_len)
{
  for (guint i = 0; i < data->n_elements; i++)
    {
      const AggGs1Element *other = &data->elements[i];

      if (other->info == self->info)
        continue;
      if (pattern_matches (pattern, pattern_len, other->ai, other->ai_len))
        return other;
    }

  return NULL;
}

/* "01+21,02" → "(01)+(21) or (02)", for messages. */
static char *
describe_requisite (const char *group,
                    gsize       len)
{
  GString *s = g_string_new (NULL);

  for (gsize i = 0; i < len; i++)
    {
      gsize j = i;

      while (j < len && group[j] != ',' && group[j] != '+')
        j++;
      g_string_append_printf (s, "(%.*s)", (int) (j - i), group + i);
      if (j < len)
        g_string_append (s, group[j] == '+' ? "+" : _(" or "));
      i = j;
    }

  return g_string_free (s, FALSE);
}

static gboolean
check_requisites (AggGs1Data          *data,
                  const AggGs1Element *element,
                  GError             **error)
{
  const char *p = element->info->req;

  while (*p)
    {
      const char *group = p;
      const char *group_end = find_char (group, ' ');
      gboolean satisfied = FALSE;

      /* Alternatives are comma separated; all AIs of one joined by "+" must
       * be present. */
      while (p < group_end && !satisfied)
        {
          gboolean all = TRUE;

          while (p < group_end && *p != ',')
            {
              const char *q = p;

              while (q < group_end && *q != ',' && *q != '+')
                q++;
              if (all && find_other (data, element, p, q - p) == NULL)
                all = FALSE;
              p = (*q == '+') ? q + 1 : q;
            }
          satisfied = all;
          if (p < group_end)
            p++;
        }

      if (!satisfied)
        {
          g_autofree char *wanted = describe_requisite (group, group_end - group);

          return agg_gs1_data_fail (data, error, AGG_GS1_ERROR_MISSING_REQUISITE,
                                    element->ai, element->offset,
                                    _("requires %s in the same code"), wanted);
        }

      p = *group_end ? group_end + 1 : group_end;
    }

  return TRUE;
}

static gboolean
check_exclusions (AggGs1Data          *data,
                  const AggGs1Element *element,
                  GError             **error)
{
  const char *p = element->info->ex;

  while (*p)
    {
      const char *q = find_char (p, ',');
      const AggGs1Element *other = find_other (data, element, p, q - p);

      if (other != NULL)
        return agg_gs1_data_fail (data, error, AGG_GS1_ERROR_FORBIDDEN_PAIR,
                                  element->ai, element->offset,
                                  _("may not appear together with AI (%s)"), other->ai);
      p = *q ? q + 1 : q;
    }

  return TRUE;
}

/* A digital signature (8030) signs one instance: a GDTI, GCN or GRAI beside
 * it must carry its optional serial component. */
static gboolean
check_signed_keys (AggGs1Data  *data,
                   GError     **error)
{
  static const struct {
    const char *ai;
    guint       bare_len;
  } keys[] = { { "253", 13 }, { "255", 13 }, { "8003", 14 } };

  if (agg_gs1_data_lookup (data, "8030") == NULL)
    return TRUE;

  for (guint i = 0; i < data->n_elements; i++)
    for (guint k = 0; k < G_N_ELEMENTS (keys); k++)
      if (strcmp (data->elements[i].ai, keys[k].ai) == 0 &&
          data->elements[i].value_len <= keys[k].bare_len)
        return agg_gs1_data_fail (data, error, AGG_GS1_ERROR_MISSING_REQUISITE,
                                  data->elements[i].ai, data->elements[i].offset,
                                  _("a key signed by AI (8030) needs its serial component"));

  return TRUE;
}

gboolean
agg_gs1_data_check_associations (AggGs1Data  *data,
                                 GError     **error)
{
  for (guint i = 0; i < data->n_elements; i++)
    {
      const AggGs1Element *element = &data->elements[i];

      for (guint j = i + 1; j < data->n_elements; j++)
        {
          const AggGs1Element *other = &data->elements[j];

          if (other->info == element->info &&
              (other->value_len != element->value_len ||
               memcmp (data->buf + other->value_pos, data->buf + element->value_pos,
                       element->value_len) != 0))
            return agg_gs1_data_fail (data, error, AGG_GS1_ERROR_DUPLICATE_AI,
                                      other->ai, other->offset,
                                      _("appears twice with different values"));
        }

      if (element->info->ex != NULL && !check_exclusions (data, element, error))
        return FALSE;
      if (element->info->req != NULL && !check_requisites (data, element, error))
        return FALSE;
    }

  return check_signed_keys (data, error);
}

/* An element string: AIs and values, GS after each value that is not of
 * predefined length.  @base is the offset of @s in the caller's input. */
static gboolean
parse_element_string (const char  *s,
                      gsize        len,
                      gsize        base,
                      AggGs1Data  *data,
                      GError     **error)
{
  gsize pos = 0;

  if (len == 0)
    return agg_gs1_data_fail (data, error, AGG_GS1_ERROR_EMPTY, NULL, base,
                              _("there is no AI data"));

  if (s[0] == AGG_GS1_GS)
    return agg_gs1_data_fail (data, error, AGG_GS1_ERROR_BAD_SEPARATOR, NULL, base,
                              _("a separator stands before the first AI"));

  while (pos < len)
    {
      const AggGs1AiInfo *info;
      gsize value_start;
      gsize value_end;
      guint prefix;
      guint ai_len;

      if (len - pos < 2 || !is_digit (s[pos]) || !is_digit (s[pos + 1]))
        return agg_gs1_data_fail (data, error, AGG_GS1_ERROR_UNKNOWN_AI, NULL, base + pos,
                                  _("an AI was expected here"));

      prefix = (s[pos] - '0') * 10 + (s[pos + 1] - '0');
      ai_len = length_by_prefix[prefix];
      if (ai_len == 0 || len - pos < ai_len ||
          (info = lookup_digits (s + pos, ai_len)) == NULL)
        {
          char ai[5] = { 0 };

          memcpy (ai, s + pos, MIN (MAX (ai_len, 2), len - pos));
          return agg_gs1_data_fail (data, error, AGG_GS1_ERROR_UNKNOWN_AI, ai, base + pos,
                                    _("unknown AI"));
        }

      value_start = pos + ai_len;
      if (info->predefined_length)
        {
          value_end = value_start + info->max_len;
          if (value_end > len)
            value_end = len;
          else
            {
              /* A GS after a predefined-length value is superfluous but
               * harmless; many encoders write one. */
              const char *gs = memchr (s + value_start, AGG_GS1_GS, value_end - value_start);
              if (gs != NULL)
                value_end = gs - s;
            }
        }
      else
        {
          const char *gs = memchr (s + value_start, AGG_GS1_GS, len - value_start);
          value_end = gs ? (gsize) (gs - s) : len;
        }

      if (!agg_gs1_data_append (data, info, s + value_start, value_end - value_start,
                                base + value_start, error))
        return FALSE;

      pos = value_end;
      if (pos < len && s[pos] == AGG_GS1_GS)
        {
          pos++;
          if (pos == len)
            return agg_gs1_data_fail (data, error, AGG_GS1_ERROR_BAD_SEPARATOR, NULL,
                                      base + pos - 1, _("the data ends with a separator"));
          if (s[pos] == AGG_GS1_GS)
            return agg_gs1_data_fail (data, error, AGG_GS1_ERROR_BAD_SEPARATOR, NULL,
                                      base + pos, _("two separators in a row"));
        }
    }

  return agg_gs1_data_check_associations (data, error);
}

/* The bracketed form: "(01)09506000134352(10)AB\(1". */
static gboolean
parse_bracketed (const char  *s,
                 gsize        len,
                 AggGs1Data  *data,
                 GError     **error)
{
  char value[AGG_GS1_MAX_VALUE + 2];
  gsize pos = 0;

  while (pos < len)
    {
      const AggGs1AiInfo *info;
      gsize ai_start;
      gsize value_start;
      gsize n = 0;

      if (s[pos] != '(')
        return agg_gs1_data_fail (data, error, AGG_GS1_ERROR_BAD_SYNTAX, NULL, pos,
                                  _("“(” expected before an AI"));

      ai_start = ++pos;
      while (pos < len && s[pos] != ')')
        pos++;
      if (pos == len)
        return agg_gs1_data_fail (data, error, AGG_GS1_ERROR_BAD_SYNTAX, NULL, ai_start - 1,
                                  _("the AI has no closing “)”"));

      info = lookup_digits (s + ai_start, pos - ai_start);
      if (info == NULL)
        {
          char ai[5] = { 0 };

          memcpy (ai, s + ai_start, MIN (pos - ai_start, 4));
          if (pos - ai_start > 4)
            ai[0] = '\0';
          return agg_gs1_data_fail (data, error, AGG_GS1_ERROR_UNKNOWN_AI, ai, ai_start,
                                    _("unknown AI: an AI is one of the 2 to 4 digit"
                                      " Application Identifiers"));
        }

      value_start = ++pos;
      while (pos < len && s[pos] != '(')
        {
          /* "\(" is a bracket that belongs to the data. */
          if (s[pos] == '\\' && pos + 1 < len && s[pos + 1] == '(')
            pos++;
          if (n < sizeof value)
            value[n++] = s[pos];
          pos++;
        }

      if (!agg_gs1_data_append (data, info, value, n, value_start, error))
        return FALSE;
    }

  return agg_gs1_data_check_associations (data, error);
}

/* EAN/UPC scan data carries a bare GTIN: treat it as AI (01). */
static gboolean
parse_ean (const char  *s,
           gsize        len,
           gsize        digits,
           AggGs1Data  *data,
           GError     **error)
{
  char gtin[15];

  if (len != digits)
    return agg_gs1_data_fail (data, error, AGG_GS1_ERROR_BAD_SYNTAX, "01", 3,
                              _("EAN/UPC data must be %u digits"), (guint) digits);

  /* Checked here so that the offset points into the input, not the padding. */
  if (!agg_gs1_check_digit_is_valid (s, digits))
    return agg_gs1_data_fail (data, error, AGG_GS1_ERROR_BAD_CHECK_DIGIT, "01", 3 + digits - 1,
                              _("invalid check digit"));

  memset (gtin, '0', 14 - digits);
  memcpy (gtin + 14 - digits, s, digits);
  return agg_gs1_data_append (data, agg_gs1_lookup_ai ("01", 2), gtin, 14, 3, error) &&
         agg_gs1_data_check_associations (data, error);
}

static gboolean
parse_scan_data (const char  *input,
                 gsize        len,
                 AggGs1Data  *data,
                 GError     **error)
{
  static const char gs1_ids[][3] = { "d2", "Q3", "C1", "e0", "J1" };
  const char *payload;
  gsize payload_len;

  if (len < 3)
    return agg_gs1_data_fail (data, error, AGG_GS1_ERROR_NOT_GS1, NULL, 0,
                              _("incomplete symbology identifier"));

  payload = input + 3;
  payload_len = len - 3;

  data->symbology[0] = input[1];
  data->symbology[1] = input[2];
  data->symbology[2] = '\0';

  for (guint i = 0; i < G_N_ELEMENTS (gs1_ids); i++)
    if (memcmp (gs1_ids[i], data->symbology, 2) == 0)
      return parse_element_string (payload, payload_len, 3, data, error);

  if (strcmp (data->symbology, "E0") == 0)
    return parse_ean (payload, payload_len, 13, data, error);
  if (strcmp (data->symbology, "E4") == 0)
    return parse_ean (payload, payload_len, 8, data, error);

  /* A Digital Link URI travels as plain data in DataMatrix, QR or DotCode. */
  if ((strcmp (data->symbology, "d1") == 0 || strcmp (data->symbology, "Q1") == 0 ||
       strcmp (data->symbology, "J0") == 0) &&
      agg_gs1_looks_like_digital_link (payload, payload_len))
    return agg_gs1_parse_digital_link (payload, payload_len, 3, data, error);

  /* AIM identifiers are two ASCII letters or digits; anything else is
   * not named, so that messages stay valid text. */
  if (!g_ascii_isalnum (data->symbology[0]) || !g_ascii_isalnum (data->symbology[1]))
    {
      data->symbology[0] = '\0';
      return agg_gs1_data_fail (data, error, AGG_GS1_ERROR_NOT_GS1, NULL, -1,
                                _("not GS1 data: malformed symbology identifier"));
    }
  return agg_gs1_data_fail (data, error, AGG_GS1_ERROR_NOT_GS1, NULL, -1,
                            _("the symbology identifier “]%s” does not announce GS1 data"),
                            data->symbology);
}

gboolean
agg_gs1_parse (const char  *input,
               gssize       len,
               AggGs1Data  *data,
               GError     **error)
{
  g_return_val_if_fail (input != NULL || len == 0, FALSE);
  g_return_val_if_fail (data != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  ensure_indexes ();

  if (len < 0)
    len = strlen (input);

  agg_gs1_data_reset (data, AGG_GS1_FORM_NONE);

  if (len > AGG_GS1_MAX_INPUT)
    return agg_gs1_data_fail (data, error, AGG_GS1_ERROR_TOO_LONG, NULL, AGG_GS1_MAX_INPUT,
                              _("longer than any GS1 carrier can hold"));

  if (len == 0)
    return agg_gs1_data_fail (data, error, AGG_GS1_ERROR_EMPTY, NULL, -1, _("no data"));

  if (input[0] == ']')
    {
      data->form = AGG_GS1_FORM_SCAN_DATA;
      return parse_scan_data (input, len, data, error);
    }

  if (input[0] == '(')
    {
      data->form = AGG_GS1_FORM_BRACKETED;
      return parse_bracketed (input, len, data, error);
    }

  if (agg_gs1_looks_like_digital_link (input, len))
    {
      data->form = AGG_GS1_FORM_DIGITAL_LINK;
      return agg_gs1_parse_digital_link (input, len, 0, data, error);
    }

  if (input[0] == AGG_GS1_GS || is_digit (input[0]))
    {
      /* A leading GS stands for FNC1 in first position. */
      gsize skip = input[0] == AGG_GS1_GS ? 1 : 0;

      data->form = AGG_GS1_FORM_ELEMENT_STRING;
      return parse_element_string (input + skip, len - skip, skip, data, error);
    }

  return agg_gs1_data_fail (data, error, AGG_GS1_ERROR_NOT_GS1, NULL, -1,
                            _("not GS1 data: no symbology identifier, AI, “(” or URI"));
}

char *
agg_gs1_data_to_element_string (const AggGs1Data *data)
{
  GString *s;

  g_return_val_if_fail (data != NULL, NULL);

  s = g_string_sized_new (data->buf_len + 4 * data->n_elements);
  for (guint i = 0; i < data->n_elements; i++)
    {
      const AggGs1Element *element = &data->elements[i];

      g_string_append_len (s, element->ai, element->ai_len);
      g_string_append_len (s, data->buf + element->value_pos, element->value_len);
      if (!element->info->predefined_length && i + 1 < data->n_elements)
        g_string_append_c (s, AGG_GS1_GS);
    }

  return g_string_free (s, FALSE);
}

char *
agg_gs1_data_to_bracketed (const AggGs1Data *data)
{
  GString *s;

  g_return_val_if_fail (data != NULL, NULL);

  s = g_string_sized_new (data->buf_len + 8 * data->n_elements);
  for (guint i = 0; i < data->n_elements; i++)
    {
      const AggGs1Element *element = &data->elements[i];
      const char *value = data->buf + element->value_pos;

      g_string_append_printf (s, "(%s)", element->ai);
      for (guint j = 0; j < element->value_len; j++)
        {
          if (value[j] == '(')
            g_string_append_c (s, '\\');
          g_string_append_c (s, value[j]);
        }
    }

  return g_string_free (s, FALSE);
}

char **
agg_gs1_data_to_hri (const AggGs1Data *data)
{
  char **lines;

  g_return_val_if_fail (data != NULL, NULL);

  lines = g_new (char *, data->n_elements + 1);
  for (guint i = 0; i < data->n_elements; i++)
    lines[i] = g_strdup_printf ("(%s) %s", data->elements[i].ai,
                                data->buf + data->elements[i].value_pos);
  lines[data->n_elements] = NULL;

  return lines;
}

int
agg_gs1_check_digit (const char *digits,
                     gsize       len)
{
  guint sum = 0;
  guint weight = 3;

  g_return_val_if_fail (digits != NULL, -1);
  g_return_val_if_fail (len >= 2, -1);

  /* Weights alternate 3, 1, … from the digit left of the check digit. */
  for (gsize i = len - 1; i-- > 0;)
    {
      if (!is_digit (digits[i]))
        return -1;
      sum += weight * (digits[i] - '0');
      weight = 4 - weight;
    }

  return (10 - sum % 10) % 10;
}

gboolean
agg_gs1_check_digit_is_valid (const char *digits,
                              gsize       len)
{
  int expected;

  g_return_val_if_fail (digits != NULL, FALSE);

  if (len < 2)
    return FALSE;
  expected = agg_gs1_check_digit (digits, len);
  return expected >= 0 && digits[len - 1] == '0' + expected;
}

static gboolean
check_key (const char  *key,
           gsize        want_len,
           const char  *what,
           GError     **error)
{
  gsize len = strlen (key);

  if (len != want_len)
    {
      g_set_error (error, AGG_GS1_ERROR, len < want_len ? AGG_GS1_ERROR_TOO_SHORT
                                                        : AGG_GS1_ERROR_TOO_LONG,
                   /* Translators: %s is SSCC or GTIN. */
                   _("An %s has %u digits, not %u"), what, (guint) want_len, (guint) len);
      return FALSE;
    }

  for (gsize i = 0; i < len; i++)
    if (!is_digit (key[i]))
      {
        g_set_error (error, AGG_GS1_ERROR, AGG_GS1_ERROR_BAD_CHARACTER,
                     _("Offset %u: an %s holds digits only"), (guint) i, what);
        return FALSE;
      }

  if (!agg_gs1_check_digit_is_valid (key, len))
    {
      g_set_error (error, AGG_GS1_ERROR, AGG_GS1_ERROR_BAD_CHECK_DIGIT,
                   _("Wrong check digit %c: %d expected"), key[len - 1],
                   agg_gs1_check_digit (key, len));
      return FALSE;
    }

  return TRUE;
}

gboolean
agg_gs1_sscc_check (const char  *sscc,
                    GError     **error)
{
  g_return_val_if_fail (sscc != NULL, FALSE);

  return check_key (sscc, 18, "SSCC", error);
}

gboolean
agg_gs1_gtin_check (const char  *gtin,
                    GError     **error)
{
  g_return_val_if_fail (gtin != NULL, FALSE);

  return check_key (gtin, 14, "GTIN", error);
}

char *
agg_gs1_sscc_make (const char  *company_prefix,
                   guint        extension,
                   guint64      serial_reference,
                   GError     **error)
{
  char sscc[19];
  gsize gcp_len;
  guint ref_digits;
  guint64 limit = 1;

  g_return_val_if_fail (company_prefix != NULL, NULL);

  gcp_len = strlen (company_prefix);
  if (gcp_len < 4 || gcp_len > 12)
    {
      g_set_error (error, AGG_GS1_ERROR, AGG_GS1_ERROR_BAD_VALUE,
                   _("A GS1 Company Prefix has 4 to 12 digits, not %u"), (guint) gcp_len);
      return NULL;
    }
  for (gsize i = 0; i < gcp_len; i++)
    if (!is_digit (company_prefix[i]))
      {
        g_set_error (error, AGG_GS1_ERROR, AGG_GS1_ERROR_BAD_CHARACTER,
                     _("A GS1 Company Prefix holds digits only"));
        return NULL;
      }

  if (extension > 9)
    {
      g_set_error (error, AGG_GS1_ERROR, AGG_GS1_ERROR_BAD_VALUE,
                   _("The extension digit is one digit, 0 to 9, not %u"), extension);
      return NULL;
    }

  ref_digits = 16 - gcp_len;
  for (guint i = 0; i < ref_digits; i++)
    limit *= 10;
  if (serial_reference >= limit)
    {
      g_set_error (error, AGG_GS1_ERROR, AGG_GS1_ERROR_TOO_LONG,
                   _("With a %u-digit company prefix the serial reference has at most %u digits"),
                   (guint) gcp_len, ref_digits);
      return NULL;
    }

  sscc[0] = '0' + extension;
  memcpy (sscc + 1, company_prefix, gcp_len);
  g_snprintf (sscc + 1 + gcp_len, ref_digits + 1, "%0*" PRIu64,
              (int) ref_digits, serial_reference);
  sscc[17] = '0' + agg_gs1_check_digit (sscc, 18);
  sscc[18] = '\0';

  return g_strdup (sscc);
}
