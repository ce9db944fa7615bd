/* agg-gs1-dl.c: GS1 Digital Link URIs, parsed and generated
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n-lib.h>
#include <string.h>

#include "agg-gs1-private.h"

#define DEFAULT_STEM "https://id.gs1.org"

static inline gboolean
is_digit (char c)
{
  return c >= '0' && c <= '9';
}

/* RFC 3986 unreserved characters: the only ones written unescaped. */
static inline gboolean
is_unreserved (char c)
{
  return g_ascii_isalnum (c) || c == '-' || c == '.' || c == '_' || c == '~';
}

/* Everything RFC 3986 allows anywhere in a URI: unreserved, reserved and the
 * percent sign of an escape. */
static gboolean
is_uri_char (char c)
{
  return is_unreserved (c) || (c != '\0' && strchr (":/?#[]@!$&'()*+,;=%", c) != NULL);
}

/* URI characters that have no place in a host name (user info, escapes,
 * sub-delimiters); ':' and brackets stay allowed for ports and IPv6. */
static gboolean
is_bad_host_char (char c)
{
  return c != '\0' && strchr ("_~?#@!$&'()*+,;=%", c) != NULL;
}

/* The scheme in lower case, or in upper case as QR Code's alphanumeric
 * mode writes it; like the reference, a mixed-case scheme makes no Digital
 * Link. */
static gsize
scheme_length (const char *input,
               gsize       len)
{
  static const char *schemes[] = { "https://", "HTTPS://", "http://", "HTTP://" };

  for (guint i = 0; i < G_N_ELEMENTS (schemes); i++)
    {
      gsize scheme_len = strlen (schemes[i]);

      if (len >= scheme_len && memcmp (input, schemes[i], scheme_len) == 0)
        return scheme_len;
    }

  return 0;
}

gboolean
agg_gs1_looks_like_digital_link (const char *input,
                                 gsize       len)
{
  g_return_val_if_fail (input != NULL || len == 0, FALSE);

  return scheme_length (input, len) > 0;
}

/* The last '/' in [@from, @to) of @s; @from must hold one. */
static gsize
last_slash (const char *s,
            gsize       from,
            gsize       to)
{
  while (to > from && s[to - 1] != '/')
    to--;
  return to - 1;
}

/* The first '/' in [@from, @to) of @s, or @to. */
static gsize
next_slash (const char *s,
            gsize       from,
            gsize       to)
{
  while (from < to && s[from] != '/')
    from++;
  return from;
}

/* Qualifier sequences of a primary key ("22,10,21|235") are walked in
 * place: one alternative is [alt, alt_end), its AIs comma separated. */
static const char *
alternative_end (const char *alt)
{
  const char *bar = strchr (alt, '|');

  return bar ? bar : alt + strlen (alt);
}

static const char *
next_alternative (const char *alt_end)
{
  return *alt_end == '|' ? alt_end + 1 : NULL;
}

/* The position of @ai in one alternative, or -1. */
static int
alternative_index (const char *alt,
                   const char *alt_end,
                   const char *ai)
{
  gsize ai_len = strlen (ai);
  int position = 0;

  while (alt < alt_end)
    {
      const char *comma = memchr (alt, ',', alt_end - alt);
      const char *token_end = comma ? comma : alt_end;

      if ((gsize) (token_end - alt) == ai_len && memcmp (alt, ai, ai_len) == 0)
        return position;
      if (comma == NULL)
        break;
      alt = comma + 1;
      position++;
    }

  return -1;
}

/* Whether the AIs of @n elements from @first appear in this alternative in
 * their order; @last receives the position of the final one. */
static gboolean
alternative_has_in_order (const char       *alt,
                          const char       *alt_end,
                          const AggGs1Data *data,
                          guint             first,
                          guint             n,
                          int              *last)
{
  *last = -1;
  for (guint i = first; i < first + n; i++)
    {
      int position = alternative_index (alt, alt_end, data->elements[i].ai);

      if (position <= *last)
        return FALSE;
      *last = position;
    }

  return TRUE;
}

/* Whether a permitted qualifier sequence of @dlpkey holds the path
 * qualifiers read so far (@n elements from @first) in their order, and
 * @ai too: after them when @after_them is set, else anywhere. */
static gboolean
sequence_holds (const char       *dlpkey,
                const AggGs1Data *data,
                guint             first,
                guint             n,
                const char       *ai,
                gboolean          after_them)
{
  for (const char *alt = dlpkey; alt != NULL;)
    {
      const char *alt_end = alternative_end (alt);
      int last;

      if (alternative_has_in_order (alt, alt_end, data, first, n, &last) &&
          alternative_index (alt, alt_end, ai) > (after_them ? last : -1))
        return TRUE;
      alt = next_alternative (alt_end);
    }

  return FALSE;
}

/* Percent-decodes the value in [@start, @end) of @input and appends it to
 * @data.  As in the reference, '+' is a space in the query only, and a '%'
 * without two hex digits after it is data: CSET 82 holds '%'. */
static gboolean
append_value (AggGs1Data          *data,
              const AggGs1AiInfo  *info,
              const char          *input,
              gsize                start,
              gsize                end,
              gboolean             in_query,
              gsize                base_offset,
              GError             **error)
{
  /* One byte more than any AI takes, so that an over-long value still
   * reaches the length check. */
  char value[AGG_GS1_MAX_VALUE + 1];
  gsize len = 0;

  if (start == end)
    return agg_gs1_data_fail (data, error, AGG_GS1_ERROR_BAD_DIGITAL_LINK, info->ai,
                              base_offset + start, _("value is empty"));

  for (gsize i = start; i < end && len < sizeof value; i++)
    {
      char c = input[i];
      int hi = -1;
      int lo = -1;

      if (c == '%' && end - i > 2)
        {
          hi = g_ascii_xdigit_value (input[i + 1]);
          lo = g_ascii_xdigit_value (input[i + 2]);
        }

      if (hi >= 0 && lo >= 0)
        {
          /* An escaped NUL would end the value early in every C consumer. */
          if (hi == 0 && lo == 0)
            return agg_gs1_data_fail (data, error, AGG_GS1_ERROR_BAD_DIGITAL_LINK, info->ai,
                                      base_offset + i,
                                      _("the escape “%%00” puts a NUL byte in the value"));
          c = (char) (hi << 4 | lo);
          i += 2;
        }
      else if (c == '+' && in_query)
        c = ' ';

      value[len++] = c;
    }

  /* A GTIN-8, GTIN-12 or GTIN-13 query parameter is widened to the fourteen
   * digits of AI (01).  The reference does the same in the path only as an
   * opt-in legacy feature, off by default; there it stays too short. */
  if (in_query && strcmp (info->ai, "01") == 0 && (len == 8 || len == 12 || len == 13))
    {
      memmove (value + 14 - len, value, len);
      memset (value, '0', 14 - len);
      len = 14;
    }

  return agg_gs1_data_append (data, info, value, len, base_offset + start, error);
}

/* Whether a segment in [@from, @to) of the path is a primary key AI. */
static gboolean
has_key_segment (const char *input,
                 gsize       from,
                 gsize       to)
{
  while (from < to)
    {
      gsize end = next_slash (input, from, to);
      const AggGs1AiInfo *info = agg_gs1_lookup_ai (input + from, end - from);

      if (info != NULL && info->dlpkey != NULL)
        return TRUE;
      from = end + 1;
    }

  return FALSE;
}

/* The scan from the end of the path stopped at the segment [@stop, @stop_end)
 * without meeting a primary key.  If it looks like an AI and a key stands
 * further left, the URI names an unknown AI; otherwise it is no Digital Link
 * at all. */
static gboolean
fail_no_key (AggGs1Data  *data,
             const char  *input,
             gsize        path_start,
             gsize        stop,
             gsize        stop_end,
             gsize        base_offset,
             GError     **error)
{
  gsize stop_len = stop_end - stop;
  gboolean digits = stop_len >= 2 && stop_len <= 4;

  for (gsize i = stop; i < stop_end && digits; i++)
    digits = is_digit (input[i]);

  if (digits && has_key_segment (input, path_start + 1, stop))
    {
      char ai[5] = { 0 };

      memcpy (ai, input + stop, stop_len);
      return agg_gs1_data_fail (data, error, AGG_GS1_ERROR_UNKNOWN_AI, ai, base_offset + stop,
                                _("unknown AI in the Digital Link path"));
    }

  return agg_gs1_data_fail (data, error, AGG_GS1_ERROR_BAD_DIGITAL_LINK, NULL,
                            base_offset + path_start,
                            _("the URI path does not end with a GS1 primary key and its "
                              "qualifiers"));
}

/* One "key=value" query parameter in [@start, @end). */
static gboolean
parse_query_parameter (AggGs1Data  *data,
                       const char  *input,
                       gsize        start,
                       gsize        end,
                       guint        first,
                       guint        n_path,
                       gsize        base_offset,
                       GError     **error)
{
  const char *eq = memchr (input + start, '=', end - start);
  const AggGs1AiInfo *info;
  gsize key_len;
  gsize value_start;

  /* Parameters that are not numeric keys (linkType, a lone flag) belong
   * to the resolver, not to the GS1 data. */
  if (eq == NULL)
    return TRUE;
  key_len = eq - (input + start);
  value_start = start + key_len + 1;
  if (key_len == 0)
    return TRUE;
  for (gsize i = start; i < start + key_len; i++)
    if (!is_digit (input[i]))
      return TRUE;

  info = agg_gs1_lookup_ai (input + start, key_len);
  if (info == NULL)
    {
      char ai[5] = { 0 };

      memcpy (ai, input + start, MIN (key_len, 4));
      return agg_gs1_data_fail (data, error, AGG_GS1_ERROR_UNKNOWN_AI,
                                key_len <= 4 ? ai : NULL, base_offset + start,
                                _("unknown AI in the Digital Link query"));
    }

  if (agg_gs1_data_lookup (data, info->ai) != NULL)
    return agg_gs1_data_fail (data, error, AGG_GS1_ERROR_DUPLICATE_AI, info->ai,
                              base_offset + start,
                              _("appears more than once in the Digital Link URI"));

  if (!info->dl_attribute)
    return agg_gs1_data_fail (data, error, AGG_GS1_ERROR_BAD_DIGITAL_LINK, info->ai,
                              base_offset + start,
                              _("may not be a Digital Link query parameter"));

  /* An AI that would extend the path qualifiers to a permitted sequence
   * belongs in the path. */
  if (sequence_holds (data->elements[first].info->dlpkey, data, first + 1, n_path - 1,
                      info->ai, FALSE))
    return agg_gs1_data_fail (data, error, AGG_GS1_ERROR_BAD_DIGITAL_LINK, info->ai,
                              base_offset + start,
                              _("qualifies AI (%s) and belongs in the Digital Link path, "
                                "not in the query"),
                              data->elements[first].ai);

  return append_value (data, info, input, value_start, end, TRUE, base_offset, error);
}

gboolean
agg_gs1_parse_digital_link (const char  *input,
                            gsize        len,
                            gsize        base_offset,
                            AggGs1Data  *data,
                            GError     **error)
{
  gsize pos;
  gsize host_start;
  gsize path_start;
  gsize path_end;
  gsize uri_end;
  gsize seg_end;
  gsize key_slash = 0;
  gboolean found_key = FALSE;
  guint first;
  guint n_path;

  g_return_val_if_fail (input != NULL || len == 0, FALSE);
  g_return_val_if_fail (data != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  for (pos = 0; pos < len; pos++)
    {
      if (is_uri_char (input[pos]))
        continue;
      if (g_ascii_isprint (input[pos]))
        return agg_gs1_data_fail (data, error, AGG_GS1_ERROR_BAD_DIGITAL_LINK, NULL,
                                  base_offset + pos, _("“%c” is not allowed in a URI"),
                                  input[pos]);
      return agg_gs1_data_fail (data, error, AGG_GS1_ERROR_BAD_DIGITAL_LINK, NULL,
                                base_offset + pos, _("byte 0x%02X is not allowed in a URI"),
                                (guint) (guchar) input[pos]);
    }

  pos = scheme_length (input, len);
  if (pos == 0)
    return agg_gs1_data_fail (data, error, AGG_GS1_ERROR_BAD_DIGITAL_LINK, NULL, base_offset,
                              _("a Digital Link URI starts with http:// or https://"));

  host_start = pos;
  while (pos < len && input[pos] != '/')
    {
      if (is_bad_host_char (input[pos]))
        return agg_gs1_data_fail (data, error, AGG_GS1_ERROR_BAD_DIGITAL_LINK, NULL,
                                  base_offset + pos,
                                  _("“%c” is not allowed in a host name"), input[pos]);
      pos++;
    }
  if (pos == host_start)
    return agg_gs1_data_fail (data, error, AGG_GS1_ERROR_BAD_DIGITAL_LINK, NULL,
                              base_offset + pos, _("the URI has no host name"));
  if (pos == len)
    return agg_gs1_data_fail (data, error, AGG_GS1_ERROR_BAD_DIGITAL_LINK, NULL,
                              base_offset + pos, _("the URI has no path"));

  /* The fragment is for the browser alone; the query ends the path. */
  path_start = pos;
  uri_end = path_start;
  while (uri_end < len && input[uri_end] != '#')
    uri_end++;
  path_end = path_start;
  while (path_end < uri_end && input[path_end] != '?')
    path_end++;

  /* Any stem may precede the GS1 part of the path, so the primary key is
   * found from the end: /AI/value pairs of known AIs, walked backwards up
   * to the first one whose AI is a primary key. */
  seg_end = path_end;
  while (!found_key)
    {
      gsize value_slash = last_slash (input, path_start, seg_end);
      gsize ai_slash;
      const AggGs1AiInfo *info;

      if (value_slash == path_start)
        return fail_no_key (data, input, path_start, path_start, path_start, base_offset, error);

      ai_slash = last_slash (input, path_start, value_slash);
      info = agg_gs1_lookup_ai (input + ai_slash + 1, value_slash - ai_slash - 1);
      if (info == NULL)
        return fail_no_key (data, input, path_start, ai_slash + 1, value_slash, base_offset,
                            error);

      found_key = info->dlpkey != NULL;
      key_slash = ai_slash;
      seg_end = ai_slash;
    }

  /* The key and its qualifiers, each checked against the permitted
   * qualifier sequences of the key before its value is read. */
  first = data->n_elements;
  pos = key_slash;
  while (pos < path_end)
    {
      gsize ai_start = pos + 1;
      gsize value_slash = next_slash (input, ai_start, path_end);
      gsize value_end = next_slash (input, value_slash + 1, path_end);
      const AggGs1AiInfo *info = agg_gs1_lookup_ai (input + ai_start, value_slash - ai_start);

      if (data->n_elements > first &&
          !sequence_holds (data->elements[first].info->dlpkey, data, first + 1,
                           data->n_elements - first - 1, info->ai, TRUE))
        return agg_gs1_data_fail (data, error, AGG_GS1_ERROR_BAD_DIGITAL_LINK, info->ai,
                                  base_offset + ai_start,
                                  _("may not follow AI (%s) in a Digital Link path"),
                                  data->elements[data->n_elements - 1].ai);

      if (!append_value (data, info, input, value_slash + 1, value_end, FALSE, base_offset,
                         error))
        return FALSE;
      pos = value_end;
    }
  n_path = data->n_elements - first;

  /* Query parameters are '&' separated; empty ones are harmless. */
  for (pos = path_end + 1; pos < uri_end;)
    {
      gsize end = pos;

      while (end < uri_end && input[end] != '&')
        end++;
      if (end > pos &&
          !parse_query_parameter (data, input, pos, end, first, n_path, base_offset, error))
        return FALSE;
      pos = end + 1;
    }

  return agg_gs1_data_check_associations (data, error);
}

/* The index of the first element holding @ai, or -1. */
static int
find_element (const AggGs1Data *data,
              const char       *ai,
              gsize             ai_len)
{
  for (guint i = 0; i < data->n_elements; i++)
    if (data->elements[i].ai_len == ai_len && memcmp (data->elements[i].ai, ai, ai_len) == 0)
      return i;

  return -1;
}

/* Whether every element the alternative leaves out of the path may be a
 * query parameter. */
static gboolean
alternative_leaves_attributes (const AggGs1Data *data,
                               guint             key,
                               const char       *alt,
                               const char       *alt_end)
{
  for (guint i = 0; i < data->n_elements; i++)
    {
      const AggGs1Element *element = &data->elements[i];

      if (element->info == data->elements[key].info || element->info->dl_attribute)
        continue;
      if (alternative_index (alt, alt_end, element->ai) < 0)
        return FALSE;
    }

  return TRUE;
}

/* Chooses the qualifier sequence of the key that takes most of the data
 * into the path, as the reference generator does, but prefers a sequence
 * that leaves only permitted query parameters behind: (01)(235)(10) gives
 * /01/…/235/…?10=… rather than failing on (235).  Ties go to the earlier
 * alternative.  Alternatives share no AI, so no query parameter left
 * behind could have extended the chosen path, which the parser refuses. */
static const char *
choose_alternative (const AggGs1Data  *data,
                    guint              key,
                    const char       **best_end)
{
  const char *best = NULL;
  gboolean best_clean = FALSE;
  guint best_count = 0;

  for (const char *alt = data->elements[key].info->dlpkey; alt != NULL;)
    {
      const char *alt_end = alternative_end (alt);
      gboolean clean = alternative_leaves_attributes (data, key, alt, alt_end);
      guint count = 0;

      for (guint i = 0; i < data->n_elements; i++)
        if (alternative_index (alt, alt_end, data->elements[i].ai) >= 0)
          count++;

      if (best == NULL || (clean && !best_clean) ||
          (clean == best_clean && count > best_count))
        {
          best = alt;
          *best_end = alt_end;
          best_clean = clean;
          best_count = count;
        }
      alt = next_alternative (alt_end);
    }

  return best;
}

static void
append_escaped (GString    *uri,
                const char *value,
                gsize       len)
{
  static const char hex[] = "0123456789ABCDEF";

  for (gsize i = 0; i < len; i++)
    {
      guchar c = value[i];

      if (is_unreserved (c))
        {
          g_string_append_c (uri, c);
        }
      else
        {
          g_string_append_c (uri, '%');
          g_string_append_c (uri, hex[c >> 4]);
          g_string_append_c (uri, hex[c & 0xf]);
        }
    }
}

static void
append_path_pair (GString          *uri,
                  const AggGs1Data *data,
                  guint             i)
{
  g_string_append_c (uri, '/');
  g_string_append (uri, data->elements[i].ai);
  g_string_append_c (uri, '/');
  append_escaped (uri, agg_gs1_data_get_value (data, i), data->elements[i].value_len);
}

char *
agg_gs1_data_to_digital_link (const AggGs1Data  *data,
                              const char        *stem,
                              GError           **error)
{
  g_autoptr(GString) uri = NULL;
  gboolean in_path[AGG_GS1_MAX_AIS] = { FALSE, };
  const char *alt;
  const char *alt_end = NULL;
  char separator = '?';
  int key = -1;

  g_return_val_if_fail (data != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  /* The first key in the data wins, as in the reference generator; any
   * other key can only be a query parameter. */
  for (guint i = 0; i < data->n_elements && key < 0; i++)
    if (data->elements[i].info->dlpkey != NULL)
      key = i;

  if (key < 0)
    {
      g_set_error_literal (error, AGG_GS1_ERROR, AGG_GS1_ERROR_BAD_DIGITAL_LINK,
                           _("No AI in the data can be the primary key of a Digital Link URI"));
      return NULL;
    }

  uri = g_string_new (stem ? stem : DEFAULT_STEM);
  if (uri->len > 0 && uri->str[uri->len - 1] == '/')
    g_string_truncate (uri, uri->len - 1);

  append_path_pair (uri, data, key);
  in_path[key] = TRUE;

  alt = choose_alternative (data, key, &alt_end);
  while (alt < alt_end)
    {
      const char *comma = memchr (alt, ',', alt_end - alt);
      const char *token_end = comma ? comma : alt_end;
      int i = find_element (data, alt, token_end - alt);

      if (i >= 0)
        {
          append_path_pair (uri, data, i);
          in_path[i] = TRUE;
        }
      alt = comma ? comma + 1 : alt_end;
    }

  for (guint i = 0; i < data->n_elements; i++)
    {
      const AggGs1Element *element = &data->elements[i];

      /* A repeated AI carries the same value; it is written once. */
      if (in_path[i] || find_element (data, element->ai, element->ai_len) != (int) i)
        continue;

      if (!element->info->dl_attribute)
        {
          g_set_error (error, AGG_GS1_ERROR, AGG_GS1_ERROR_BAD_DIGITAL_LINK,
                       _("AI (%s) may not be a Digital Link query parameter and is not a "
                         "qualifier of the primary key (%s)"),
                       element->ai, data->elements[key].ai);
          return NULL;
        }

      g_string_append_c (uri, separator);
      separator = '&';
      g_string_append (uri, element->ai);
      g_string_append_c (uri, '=');
      append_escaped (uri, agg_gs1_data_get_value (data, i), element->value_len);
    }

  return g_string_free (g_steal_pointer (&uri), FALSE);
}
