/* agg-label-template.c: label templates — the built-in ones and the site's
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A template is a key file read with the configuration's typed getters,
 * so that a mistake is reported with its file and line:
 *
 *   [label]                     the design area in mm, its font
 *   [field:NAME]                one field: content, x, y, width, height …
 *
 * docs/labels.md describes every key.
 */

#include "config.h"

#include <glib/gi18n-lib.h>
#include <string.h>

#include "agg-label-private.h"

/* The built-in designs fit both A6 (105 × 148 mm) and 4 × 6 in
 * (101.6 × 152.4 mm): text at the top, then the GS1-128 symbols, each
 * 31.75 mm high with its interpretation below, the SSCC's last. */
#define BUILTIN_LAYOUT \
  "[label]\n" \
  "width=101.6\n" \
  "height=148\n" \
  "font=DejaVu Sans\n" \
  "font-size=3\n" \
  "\n" \
  "[field:company]\n" \
  "content=company\n" \
  "x=3\ny=2.5\nwidth=68\nheight=4.5\n" \
  "font-size=4.2\nbold=true\n" \
  "\n" \
  "[field:reprint]\n" \
  "content=reprint\n" \
  "x=73\ny=2\nwidth=25.6\nheight=6\n" \
  "font-size=4\nalign=center\n" \
  "\n" \
  "[field:line]\n" \
  "content=line\n" \
  "x=3\ny=8\nwidth=68\nheight=3.2\n" \
  "\n" \
  "[field:kind]\n" \
  "content=kind\n" \
  "x=73\ny=8.4\nwidth=25.6\nheight=3.4\n" \
  "font-size=3.4\nbold=true\nalign=right\n" \
  "\n" \
  "[field:rule-top]\n" \
  "content=rule\n" \
  "x=3\ny=12\nwidth=95.6\nheight=0.4\n" \
  "\n" \
  "[field:description]\n" \
  "content=description\n" \
  "x=3\ny=13.5\nwidth=95.6\nheight=3.8\n" \
  "font-size=3.6\nbold=true\n" \
  "\n" \
  "[field:gtin]\n" \
  "content=gtin\n" \
  "x=3\ny=18.5\nwidth=60\nheight=3.2\n" \
  "\n" \
  "[field:count]\n" \
  "content=count\n" \
  "x=64\ny=18.5\nwidth=34.6\nheight=3.2\n" \
  "\n" \
  "[field:batch]\n" \
  "content=batch\n" \
  "x=3\ny=22.5\nwidth=60\nheight=3.2\n" \
  "\n" \
  "[field:date]\n" \
  "content=date\n" \
  "x=64\ny=22.5\nwidth=34.6\nheight=3.2\n" \
  "\n" \
  "[field:sscc-text]\n" \
  "content=sscc\n" \
  "x=3\ny=26.5\nwidth=95.6\nheight=5.5\n" \
  "font-size=5.5\nbold=true\n" \
  "\n" \
  "[field:rule-bottom]\n" \
  "content=rule\n" \
  "x=3\ny=33.2\nwidth=95.6\nheight=0.4\n" \
  "\n" \
  "[field:content-barcode]\n" \
  "content=barcode-content\n" \
  "x=0\ny=35\nwidth=101.6\nheight=31.75\n" \
  "font-size=2.8\n" \
  "\n" \
  "[field:batch-barcode]\n" \
  "content=barcode-batch\n" \
  "x=0\ny=72\nwidth=101.6\nheight=31.75\n" \
  "font-size=2.8\n" \
  "\n" \
  "[field:sscc-barcode]\n" \
  "content=barcode-sscc\n" \
  "x=0\ny=109\nwidth=101.6\nheight=31.75\n" \
  "font-size=2.8\n"

/* Cases and pallets start out alike, each saying which it is; a site
 * restyles either with a file of the same name in its template folder. */
static const char builtin_case[] = BUILTIN_LAYOUT;
static const char builtin_pallet[] = BUILTIN_LAYOUT;

static const struct
{
  const char *name;
  const char *data;
} builtins[] = {
  { "case", builtin_case },
  { "pallet", builtin_pallet },
};

static const char *const builtin_names[] = { "case", "pallet", NULL };

const char *const *
agg_label_template_builtin_names (void)
{
  return builtin_names;
}

const char *
agg_label_template_builtin_data (const char *name)
{
  for (guint i = 0; i < G_N_ELEMENTS (builtins); i++)
    if (strcmp (builtins[i].name, name) == 0)
      return builtins[i].data;
  return NULL;
}

/* The names of the contents, as templates write them, in the order of
 * AggLabelFieldContent. */
static const char *const contents[] = {
  "text", "company", "line", "station", "description", "gtin", "count", "batch", "date",
  "sscc", "kind", "reprint", "rule", "barcode-content", "barcode-batch", "barcode-sscc", "datamatrix",
  NULL
};

static const char *const aligns[] = { "left", "center", "right", NULL };

static void
field_free (gpointer data)
{
  AggLabelField *field = data;

  g_free (field->name);
  g_free (field->text);
  g_free (field->title);
  g_free (field);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (AggLabelField, field_free)

void
agg_label_template_free (AggLabelTemplate *tmpl)
{
  g_free (tmpl->name);
  g_free (tmpl->source);
  g_free (tmpl->font);
  g_ptr_array_unref (tmpl->fields);
  g_free (tmpl);
}

static gboolean
is_symbol (AggLabelFieldContent content)
{
  return content == AGG_LABEL_FIELD_BARCODE_CONTENT || content == AGG_LABEL_FIELD_BARCODE_BATCH ||
         content == AGG_LABEL_FIELD_BARCODE_SSCC || content == AGG_LABEL_FIELD_DATAMATRIX;
}

static AggLabelField *
parse_field (AggConfig         *config,
             const char        *group,
             AggLabelTemplate  *tmpl,
             GError           **error)
{
  static const char *const known[] = {
    "content", "x", "y", "width", "height", "font-size", "bold", "align", "text", "title", NULL
  };
  g_autoptr(AggLabelField) field = g_new0 (AggLabelField, 1);
  guint content, align;

  field->name = g_strdup (group + strlen ("field:"));
  if (!agg_config_check_keys (config, group, known, error) ||
      !agg_config_get_choice (config, group, "content", TRUE, contents, 0, &content, error) ||
      !agg_config_get_double (config, group, "x", TRUE, 0, 0, tmpl->width, &field->x, error) ||
      !agg_config_get_double (config, group, "y", TRUE, 0, 0, tmpl->height, &field->y, error) ||
      !agg_config_get_double (config, group, "width", TRUE, 0, 0.1, tmpl->width,
                              &field->width, error) ||
      !agg_config_get_double (config, group, "height", TRUE, 0, 0.1, tmpl->height,
                              &field->height, error) ||
      !agg_config_get_double (config, group, "font-size", FALSE, tmpl->font_size, 1, 50,
                              &field->font_size, error) ||
      !agg_config_get_boolean (config, group, "bold", FALSE, FALSE, &field->bold, error) ||
      !agg_config_get_choice (config, group, "align", FALSE, aligns, AGG_LABEL_ALIGN_LEFT,
                              &align, error) ||
      !agg_config_get_string (config, group, "text", FALSE, NULL, &field->text, error) ||
      !agg_config_get_string (config, group, "title", FALSE, NULL, &field->title, error))
    return NULL;
  field->content = content;
  field->align = align;

  if (field->x + field->width > tmpl->width + 0.001)
    {
      agg_config_set_error (config, error, AGG_CONFIG_ERROR_INVALID, group, "width",
                            _("the field ends at %g mm, beyond the label's width of %g mm"),
                            field->x + field->width, tmpl->width);
      return NULL;
    }
  if (field->y + field->height > tmpl->height + 0.001)
    {
      agg_config_set_error (config, error, AGG_CONFIG_ERROR_INVALID, group, "height",
                            _("the field ends at %g mm, below the label's height of %g mm"),
                            field->y + field->height, tmpl->height);
      return NULL;
    }
  if (field->content == AGG_LABEL_FIELD_TEXT && field->text == NULL)
    {
      agg_config_set_error (config, error, AGG_CONFIG_ERROR_MISSING, group, "text",
                            _("a field of content “text” needs a text"));
      return NULL;
    }
  if (field->content != AGG_LABEL_FIELD_DATAMATRIX && is_symbol (field->content) &&
      field->height < AGG_LABEL_GS1_128_MIN_HEIGHT_MM)
    {
      agg_config_set_error (config, error, AGG_CONFIG_ERROR_INVALID, group, "height",
                            _("a GS1-128 symbol on a logistic label is at least %g mm high"),
                            AGG_LABEL_GS1_128_MIN_HEIGHT_MM);
      return NULL;
    }
  return g_steal_pointer (&field);
}

AggLabelTemplate *
agg_label_template_parse (const char  *data,
                          gsize        len,
                          const char  *name,
                          const char  *source,
                          GError     **error)
{
  static const char *const groups[] = { "label", "field:", NULL };
  static const char *const label_keys[] = { "width", "height", "font", "font-size", NULL };
  g_autoptr(AggConfig) config = NULL;
  g_autoptr(AggLabelTemplate) tmpl = NULL;
  g_auto(GStrv) fields = NULL;
  g_autoptr(GError) local_error = NULL;

  config = agg_config_load_data (data, len, source, &local_error);
  if (config == NULL)
    goto fail;

  tmpl = g_new0 (AggLabelTemplate, 1);
  tmpl->name = g_strdup (name);
  tmpl->source = g_strdup (source);
  tmpl->fields = g_ptr_array_new_with_free_func (field_free);

  if (!agg_config_has_group (config, "label"))
    {
      g_set_error (&local_error, AGG_CONFIG_ERROR, AGG_CONFIG_ERROR_MISSING,
                   _("%s: a label template begins with a [label] group"), source);
      goto fail;
    }
  if (!agg_config_check_groups (config, groups, &local_error) ||
      !agg_config_check_keys (config, "label", label_keys, &local_error) ||
      !agg_config_get_double (config, "label", "width", TRUE, 0, 20, 160, &tmpl->width,
                              &local_error) ||
      !agg_config_get_double (config, "label", "height", TRUE, 0, 20, 160, &tmpl->height,
                              &local_error) ||
      !agg_config_get_string (config, "label", "font", FALSE, "Sans", &tmpl->font,
                              &local_error) ||
      !agg_config_get_double (config, "label", "font-size", FALSE, 3, 1, 50, &tmpl->font_size,
                              &local_error))
    goto fail;

  fields = agg_config_list_groups (config, "field:");
  for (guint i = 0; fields[i] != NULL; i++)
    {
      AggLabelField *field = parse_field (config, fields[i], tmpl, &local_error);

      if (field == NULL)
        goto fail;
      g_ptr_array_add (tmpl->fields, field);
    }
  return g_steal_pointer (&tmpl);

fail:
  g_set_error_literal (error, AGG_LABEL_ERROR, AGG_LABEL_ERROR_TEMPLATE, local_error->message);
  return NULL;
}

static gboolean
is_path (const char *name)
{
  return strchr (name, '/') != NULL || g_str_has_suffix (name, ".label");
}

static AggLabelTemplate *
load_file (const char  *path,
           const char  *name,
           GError     **error)
{
  g_autofree char *data = NULL;
  g_autoptr(GError) local_error = NULL;
  gsize len;

  if (!g_file_get_contents (path, &data, &len, &local_error))
    {
      g_set_error (error, AGG_LABEL_ERROR, AGG_LABEL_ERROR_TEMPLATE,
                   _("The label template “%s” cannot be read: %s"), path, local_error->message);
      return NULL;
    }
  return agg_label_template_parse (data, len, name, path, error);
}

AggLabelTemplate *
agg_label_template_lookup (const char  *name,
                           AggConfig   *config,
                           GError     **error)
{
  g_autofree char *dir = NULL;
  const char *data;

  g_return_val_if_fail (name != NULL, NULL);

  if (is_path (name))
    {
      g_autofree char *base = g_path_get_basename (name);

      if (g_str_has_suffix (base, ".label"))
        base[strlen (base) - strlen (".label")] = '\0';
      return load_file (name, base, error);
    }

  if (config != NULL)
    {
      static const char *const known[] = { "template-dir", NULL };
      g_autoptr(GError) local_error = NULL;

      if (!agg_config_check_keys (config, "labels", known, &local_error) ||
          !agg_config_get_string (config, "labels", "template-dir", FALSE, NULL, &dir,
                                  &local_error))
        {
          g_set_error_literal (error, AGG_LABEL_ERROR, AGG_LABEL_ERROR_TEMPLATE,
                               local_error->message);
          return NULL;
        }
    }

  /* The site's own file of that name wins over a built-in one. */
  if (dir != NULL)
    {
      g_autofree char *file = g_strconcat (name, ".label", NULL);
      g_autofree char *path = g_build_filename (dir, file, NULL);

      if (g_file_test (path, G_FILE_TEST_EXISTS))
        return load_file (path, name, error);
    }

  data = agg_label_template_builtin_data (name);
  if (data != NULL)
    return agg_label_template_parse (data, strlen (data), name, "built-in", error);

  if (dir != NULL)
    g_set_error (error, AGG_LABEL_ERROR, AGG_LABEL_ERROR_TEMPLATE,
                 _("There is no label template “%s”: neither %s.label in %s nor a built-in one"),
                 name, name, dir);
  else
    g_set_error (error, AGG_LABEL_ERROR, AGG_LABEL_ERROR_TEMPLATE,
                 _("There is no built-in label template “%s”, and no [labels] template-dir "
                   "is configured"), name);
  return NULL;
}
