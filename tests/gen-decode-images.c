/* gen-decode-images.c: writes the decoding tests' images and their truth
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 *   gen-decode-images DIR [NAME…]
 *
 * writes DIR/NAME.png and DIR/NAME.json for each standard image (all of
 * them without names), for the integration tests and the benchmark.
 */

#include <glib.h>
#include <stdio.h>

#include "agg-decode-gen.h"

static gboolean
write_one (const char       *dir,
           const AggGenSpec *spec)
{
  g_autoptr(AggGenImage) image = agg_gen_image (spec);
  g_autoptr(GError) error = NULL;
  g_autofree char *png = g_strdup_printf ("%s/%s.png", dir, spec->name);
  g_autofree char *json = g_strdup_printf ("%s/%s.json", dir, spec->name);
  g_autofree char *truth = agg_gen_image_truth (image, spec->name);

  if (!agg_gen_image_save (image, png, &error)
      || !g_file_set_contents (json, truth, -1, &error))
    {
      g_printerr ("gen-decode-images: %s\n", error->message);
      return FALSE;
    }
  printf ("%s\n", png);
  return TRUE;
}

int
main (int    argc,
      char **argv)
{
  guint n_specs;
  const AggGenSpec *specs = agg_gen_specs (&n_specs);

  if (argc < 2)
    {
      g_printerr ("usage: gen-decode-images DIR [NAME…]\n");
      return 2;
    }

  if (argc == 2)
    {
      for (guint i = 0; i < n_specs; i++)
        if (!write_one (argv[1], &specs[i]))
          return 1;
      return 0;
    }

  for (int i = 2; i < argc; i++)
    {
      const AggGenSpec *spec = agg_gen_spec_lookup (argv[i]);

      if (spec == NULL)
        {
          g_printerr ("gen-decode-images: no image named %s\n", argv[i]);
          return 2;
        }
      if (!write_one (argv[1], spec))
        return 1;
    }
  return 0;
}
