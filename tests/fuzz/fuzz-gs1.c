/* fuzz-gs1.c: libFuzzer target for the GS1 parser
 *
 * Feeds arbitrary bytes to agg_gs1_parse() and checks, beyond the absence of
 * crashes, leaks and undefined behaviour:
 *
 *  - a refused input sets a GError of the AGG_GS1_ERROR domain with a
 *    UTF-8 message, an error_offset of -1 or within [0, size] and an
 *    error_ai that is "" or 2 to 4 digits;
 *  - an accepted input round-trips: its element string and its bracketed
 *    form parse back to the same AIs and values in the same order, and its
 *    Digital Link URI, when it has one, to the same set of AI/value pairs.
 *
 * A violated property aborts with a message, which libFuzzer reports as a
 * crash and saves the input for.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agg-gs1.h"

int LLVMFuzzerTestOneInput (const uint8_t *data,
                            size_t         size);

/* Too large for comfort on the stack, and libFuzzer runs one input at a
 * time. */
static AggGs1Data parsed;
static AggGs1Data reparsed;

static void
print_bytes (const char *label,
             const char *bytes,
             size_t      len)
{
  size_t i;

  fprintf (stderr, "  %s (%zu bytes): \"", label, len);
  for (i = 0; i < len; i++)
    {
      unsigned char c = (unsigned char) bytes[i];

      if (c == '\\' || c == '"')
        fprintf (stderr, "\\%c", c);
      else if (c >= 0x20 && c < 0x7f)
        fputc (c, stderr);
      else
        fprintf (stderr, "\\x%02x", c);
    }
  fputs ("\"\n", stderr);
}

static void
print_data (const char       *label,
            const AggGs1Data *d)
{
  guint i;

  fprintf (stderr, "  %s: %u AIs\n", label, d->n_elements);
  for (i = 0; i < d->n_elements && i < AGG_GS1_MAX_AIS; i++)
    {
      const char *value = agg_gs1_data_get_value (d, i);

      fprintf (stderr, "  ");
      print_bytes (d->elements[i].ai, value, strlen (value));
    }
}

G_GNUC_NORETURN static void
fail (const char       *what,
      const uint8_t    *input,
      size_t            size,
      const char       *output,
      const AggGs1Data *again,
      const GError     *error)
{
  fprintf (stderr, "\nfuzz-gs1: property violated: %s\n", what);
  print_bytes ("input", (const char *) input, size);
  if (output != NULL)
    print_bytes ("output", output, strlen (output));
  print_data ("parsed", &parsed);
  if (again != NULL)
    print_data ("re-parsed", again);
  if (error != NULL)
    print_bytes ("error", error->message, strlen (error->message));
  abort ();
}

static gboolean
same_element (const AggGs1Data *a,
              guint             i,
              const AggGs1Data *b,
              guint             j)
{
  return strcmp (a->elements[i].ai, b->elements[j].ai) == 0 &&
         a->elements[i].value_len == b->elements[j].value_len &&
         strcmp (agg_gs1_data_get_value (a, i), agg_gs1_data_get_value (b, j)) == 0;
}

static gboolean
same_sequence (const AggGs1Data *a,
               const AggGs1Data *b)
{
  guint i;

  if (a->n_elements != b->n_elements)
    return FALSE;
  for (i = 0; i < a->n_elements; i++)
    {
      if (!same_element (a, i, b, i))
        return FALSE;
    }
  return TRUE;
}

/* Whether every AI/value pair of @a is also in @b. */
static gboolean
pairs_included (const AggGs1Data *a,
                const AggGs1Data *b)
{
  guint i, j;

  for (i = 0; i < a->n_elements; i++)
    {
      gboolean found = FALSE;

      for (j = 0; j < b->n_elements && !found; j++)
        found = same_element (a, i, b, j);
      if (!found)
        return FALSE;
    }
  return TRUE;
}

static gboolean
is_valid_ai_string (const char *ai)
{
  size_t len;
  size_t i;

  /* Must be terminated inside the array. */
  if (memchr (ai, '\0', sizeof parsed.error_ai) == NULL)
    return FALSE;
  len = strlen (ai);
  if (len == 0)
    return TRUE;
  if (len < 2 || len > 4)
    return FALSE;
  for (i = 0; i < len; i++)
    {
      if (!g_ascii_isdigit (ai[i]))
        return FALSE;
    }
  return TRUE;
}

static void
check_structure (const uint8_t *input,
                 size_t         size)
{
  guint i;

  if (parsed.n_elements == 0 || parsed.n_elements > AGG_GS1_MAX_AIS)
    fail ("accepted input with no AIs or more than AGG_GS1_MAX_AIS", input, size,
          NULL, NULL, NULL);

  for (i = 0; i < parsed.n_elements; i++)
    {
      const AggGs1Element *e = &parsed.elements[i];

      if (e->ai_len < 2 || e->ai_len > 4 || memchr (e->ai, '\0', sizeof e->ai) == NULL ||
          strlen (e->ai) != e->ai_len || !is_valid_ai_string (e->ai))
        fail ("malformed AI in an accepted input", input, size, NULL, NULL, NULL);
      if ((gsize) e->value_pos + e->value_len >= sizeof parsed.buf ||
          parsed.buf[e->value_pos + e->value_len] != '\0')
        fail ("value not NUL-terminated inside buf", input, size, NULL, NULL, NULL);
      if (strlen (agg_gs1_data_get_value (&parsed, i)) != e->value_len)
        fail ("value_len does not match the value", input, size, NULL, NULL, NULL);
    }
}

/* Re-parses @output, which must be accepted. */
static void
reparse (const char    *what,
         const char    *output,
         const uint8_t *input,
         size_t         size)
{
  g_autoptr(GError) error = NULL;

  if (!agg_gs1_parse (output, (gssize) strlen (output), &reparsed, &error))
    fail (what, input, size, output, NULL, error);
}

static void
check_round_trips (const uint8_t *input,
                   size_t         size)
{
  g_autofree char *element_string = NULL;
  g_autofree char *bracketed = NULL;
  g_autofree char *digital_link = NULL;
  g_auto(GStrv) hri = NULL;

  /* (a) element string: no leading GS, GS between AIs */
  element_string = agg_gs1_data_to_element_string (&parsed);
  if (element_string == NULL)
    fail ("agg_gs1_data_to_element_string() returned NULL", input, size, NULL, NULL, NULL);
  if (element_string[0] == AGG_GS1_GS)
    fail ("element string starts with GS", input, size, element_string, NULL, NULL);
  reparse ("element string output refused", element_string, input, size);
  if (!same_sequence (&parsed, &reparsed))
    fail ("element string output parses to other AIs", input, size, element_string,
          &reparsed, NULL);

  /* (b) bracketed */
  bracketed = agg_gs1_data_to_bracketed (&parsed);
  if (bracketed == NULL)
    fail ("agg_gs1_data_to_bracketed() returned NULL", input, size, NULL, NULL, NULL);
  reparse ("bracketed output refused", bracketed, input, size);
  if (!same_sequence (&parsed, &reparsed))
    fail ("bracketed output parses to other AIs", input, size, bracketed, &reparsed, NULL);

  /* (c) Digital Link, when the data has a primary key for one */
  digital_link = agg_gs1_data_to_digital_link (&parsed, NULL, NULL);
  if (digital_link != NULL)
    {
      reparse ("Digital Link output refused", digital_link, input, size);
      if (!pairs_included (&parsed, &reparsed) || !pairs_included (&reparsed, &parsed))
        fail ("Digital Link output parses to other AI/value pairs", input, size,
              digital_link, &reparsed, NULL);
    }

  /* No property, but run it under the sanitizers. */
  hri = agg_gs1_data_to_hri (&parsed);
}

static void
check_refusal (const uint8_t *input,
               size_t         size,
               const GError  *error)
{
  if (error == NULL)
    fail ("refused without a GError", input, size, NULL, NULL, NULL);
  if (error->domain != AGG_GS1_ERROR)
    fail ("refused with a GError outside AGG_GS1_ERROR", input, size, NULL, NULL, error);
  if (error->message == NULL || error->message[0] == '\0')
    fail ("refused with an empty message", input, size, NULL, NULL, error);
  /* GError messages are UTF-8 (and end up in JSON), whatever the input. */
  if (!g_utf8_validate (error->message, -1, NULL))
    fail ("error message is not UTF-8", input, size, NULL, NULL, error);
  if (parsed.error_offset < -1 || (parsed.error_offset >= 0 && (size_t) parsed.error_offset > size))
    fail (g_strdup_printf ("error_offset %" G_GSSIZE_FORMAT " neither -1 nor within [0, %zu]",
                           parsed.error_offset, size),
          input, size, NULL, NULL, error);
  if (!is_valid_ai_string (parsed.error_ai))
    fail ("error_ai neither \"\" nor 2 to 4 digits", input, size, NULL, NULL, error);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autoptr(GError) error = NULL;

  if (agg_gs1_parse ((const char *) data, (gssize) size, &parsed, &error))
    {
      if (error != NULL)
        fail ("accepted with a GError set", data, size, NULL, NULL, error);
      check_structure (data, size);
      check_round_trips (data, size);
    }
  else
    {
      check_refusal (data, size, error);
    }

  return 0;
}
