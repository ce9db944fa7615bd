/* agg-config.c: the station's configuration file
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <errno.h>
#include <glib/gi18n-lib.h>
#include <stdlib.h>
#include <string.h>

#include "agg-config.h"

G_DEFINE_QUARK (agg-config-error-quark, agg_config_error)

struct _AggConfig
{
  gatomicrefcount  ref_count;
  char            *path;
  GKeyFile        *key_file;
  /* The raw lines, for the line numbers GKeyFile does not keep. */
  char           **lines;
};

AggConfig *
agg_config_new (void)
{
  AggConfig *self = g_new0 (AggConfig, 1);

  g_atomic_ref_count_init (&self->ref_count);
  self->key_file = g_key_file_new ();
  self->lines = g_new0 (char *, 1);
  return self;
}

AggConfig *
agg_config_ref (AggConfig *config)
{
  g_return_val_if_fail (config != NULL, NULL);

  g_atomic_ref_count_inc (&config->ref_count);
  return config;
}

void
agg_config_unref (AggConfig *config)
{
  g_return_if_fail (config != NULL);

  if (!g_atomic_ref_count_dec (&config->ref_count))
    return;
  g_free (config->path);
  g_key_file_unref (config->key_file);
  g_strfreev (config->lines);
  g_free (config);
}

char *
agg_config_default_path (void)
{
  return g_build_filename (g_get_user_config_dir (), "aggregation-station", "station.conf", NULL);
}

/* The group a header line opens, or NULL when @line is no header. */
static char *
header_group (const char *line)
{
  const char *end;

  while (*line == ' ' || *line == '\t')
    line++;
  if (*line != '[')
    return NULL;
  end = strrchr (line, ']');
  if (end == NULL)
    return NULL;
  return g_strndup (line + 1, end - line - 1);
}

/* GKeyFile's own messages name no line: find the first line it would
 * refuse, so that the error can. */
static guint
first_bad_line (char **lines)
{
  gboolean in_group = FALSE;

  for (guint i = 0; lines[i] != NULL; i++)
    {
      const char *line = lines[i];

      while (*line == ' ' || *line == '\t')
        line++;
      if (*line == '\0' || *line == '#' || *line == '\r')
        continue;
      if (*line == '[')
        {
          if (strchr (line, ']') == NULL)
            return i + 1;
          in_group = TRUE;
          continue;
        }
      if (!in_group || strchr (line, '=') == NULL || *line == '=')
        return i + 1;
    }
  return 0;
}

AggConfig *
agg_config_load_data (const char  *data,
                      gsize        len,
                      const char  *name,
                      GError     **error)
{
  g_autoptr(AggConfig) self = agg_config_new ();
  g_autoptr(GError) local_error = NULL;
  g_autofree char *text = g_strndup (data, len);

  g_return_val_if_fail (data != NULL || len == 0, NULL);
  g_return_val_if_fail (name != NULL, NULL);

  self->path = g_strdup (name);
  g_strfreev (self->lines);
  self->lines = g_strsplit (text, "\n", -1);

  if (!g_utf8_validate (text, -1, NULL) || strlen (text) != len)
    {
      g_set_error (error, AGG_CONFIG_ERROR, AGG_CONFIG_ERROR_SYNTAX,
                   _("%s: the file is not UTF-8 text"), name);
      return NULL;
    }

  if (!g_key_file_load_from_data (self->key_file, text, len, G_KEY_FILE_NONE, &local_error))
    {
      guint line = first_bad_line (self->lines);

      if (line > 0)
        g_set_error (error, AGG_CONFIG_ERROR, AGG_CONFIG_ERROR_SYNTAX,
                     /* Translators: file name, line number, GKeyFile's reason. */
                     _("%s:%u: %s"), name, line, local_error->message);
      else
        g_set_error (error, AGG_CONFIG_ERROR, AGG_CONFIG_ERROR_SYNTAX,
                     "%s: %s", name, local_error->message);
      return NULL;
    }

  return g_steal_pointer (&self);
}

AggConfig *
agg_config_load (const char  *path,
                 GError     **error)
{
  g_autofree char *data = NULL;
  gsize len;

  g_return_val_if_fail (path != NULL, NULL);

  if (!g_file_get_contents (path, &data, &len, error))
    return NULL;
  return agg_config_load_data (data, len, path, error);
}

const char *
agg_config_get_path (AggConfig *config)
{
  g_return_val_if_fail (config != NULL, NULL);

  return config->path;
}

GKeyFile *
agg_config_get_key_file (AggConfig *config)
{
  g_return_val_if_fail (config != NULL, NULL);

  return config->key_file;
}

gboolean
agg_config_has_group (AggConfig  *config,
                      const char *group)
{
  g_return_val_if_fail (config != NULL, FALSE);
  g_return_val_if_fail (group != NULL, FALSE);

  return g_key_file_has_group (config->key_file, group);
}

char **
agg_config_list_groups (AggConfig  *config,
                        const char *prefix)
{
  g_auto(GStrv) groups = NULL;
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();

  g_return_val_if_fail (config != NULL, NULL);
  g_return_val_if_fail (prefix != NULL, NULL);

  groups = g_key_file_get_groups (config->key_file, NULL);
  for (guint i = 0; groups[i] != NULL; i++)
    if (g_str_has_prefix (groups[i], prefix))
      g_strv_builder_add (builder, groups[i]);
  return g_strv_builder_end (builder);
}

guint
agg_config_get_line (AggConfig  *config,
                     const char *group,
                     const char *key)
{
  guint group_line = 0;

  g_return_val_if_fail (config != NULL, 0);
  g_return_val_if_fail (group != NULL, 0);

  /* GKeyFile merges repeated groups and keeps a key's last value, so the
   * last matching line is the one that counts. */
  for (guint i = 0; config->lines[i] != NULL; i++)
    {
      g_autofree char *header = header_group (config->lines[i]);

      if (header != NULL)
        {
          if (strcmp (header, group) == 0)
            group_line = i + 1;
          continue;
        }
    }
  if (group_line == 0 || key == NULL)
    return group_line;

  {
    g_autofree char *current = NULL;
    guint key_line = 0;
    gsize key_len = strlen (key);

    for (guint i = 0; config->lines[i] != NULL; i++)
      {
        const char *line = config->lines[i];
        char *header = header_group (line);

        if (header != NULL)
          {
            g_free (current);
            current = header;
            continue;
          }
        if (g_strcmp0 (current, group) != 0)
          continue;
        while (*line == ' ' || *line == '\t')
          line++;
        if (strncmp (line, key, key_len) == 0)
          {
            const char *rest = line + key_len;

            while (*rest == ' ' || *rest == '\t')
              rest++;
            if (*rest == '=')
              key_line = i + 1;
          }
      }
    return key_line != 0 ? key_line : group_line;
  }
}

void
agg_config_set_error (AggConfig   *config,
                      GError     **error,
                      gint         code,
                      const char  *group,
                      const char  *key,
                      const char  *format,
                      ...)
{
  g_autofree char *message = NULL;
  g_autofree char *where = NULL;
  const char *name;
  guint line;
  va_list args;

  g_return_if_fail (config != NULL);
  g_return_if_fail (group != NULL);
  g_return_if_fail (format != NULL);

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);

  name = config->path != NULL ? config->path : _("configuration");
  line = agg_config_get_line (config, group, key);
  if (key != NULL)
    where = g_strdup_printf ("[%s] %s", group, key);
  else
    where = g_strdup_printf ("[%s]", group);

  if (line > 0)
    g_set_error (error, AGG_CONFIG_ERROR, code, "%s:%u: %s: %s", name, line, where, message);
  else
    g_set_error (error, AGG_CONFIG_ERROR, code, "%s: %s: %s", name, where, message);
}

gboolean
agg_config_check_keys (AggConfig          *config,
                       const char         *group,
                       const char * const *known,
                       GError            **error)
{
  g_auto(GStrv) keys = NULL;

  g_return_val_if_fail (config != NULL, FALSE);
  g_return_val_if_fail (group != NULL, FALSE);
  g_return_val_if_fail (known != NULL, FALSE);

  keys = g_key_file_get_keys (config->key_file, group, NULL, NULL);
  for (guint i = 0; keys != NULL && keys[i] != NULL; i++)
    if (!g_strv_contains (known, keys[i]))
      {
        agg_config_set_error (config, error, AGG_CONFIG_ERROR_INVALID, group, keys[i],
                              _("unknown key"));
        return FALSE;
      }
  return TRUE;
}

static gboolean
group_claimed (const char         *group,
               const char * const *prefixes)
{
  for (guint i = 0; prefixes[i] != NULL; i++)
    {
      gsize len = strlen (prefixes[i]);
      gboolean is_prefix = len > 0 && (prefixes[i][len - 1] == ':' || prefixes[i][len - 1] == '.');

      if (is_prefix ? g_str_has_prefix (group, prefixes[i]) && group[len] != '\0'
                    : strcmp (group, prefixes[i]) == 0)
        return TRUE;
    }
  return FALSE;
}

gboolean
agg_config_check_groups (AggConfig          *config,
                         const char * const *prefixes,
                         GError            **error)
{
  g_auto(GStrv) groups = NULL;

  g_return_val_if_fail (config != NULL, FALSE);
  g_return_val_if_fail (prefixes != NULL, FALSE);

  groups = g_key_file_get_groups (config->key_file, NULL);
  for (guint i = 0; groups[i] != NULL; i++)
    if (!group_claimed (groups[i], prefixes))
      {
        agg_config_set_error (config, error, AGG_CONFIG_ERROR_INVALID, groups[i], NULL,
                              _("unknown group"));
        return FALSE;
      }
  return TRUE;
}

/* The raw value of @key, stripped; NULL and TRUE when absent and not
 * required. */
static gboolean
raw_value (AggConfig   *config,
           const char  *group,
           const char  *key,
           gboolean     required,
           char       **value,
           GError     **error)
{
  *value = NULL;
  if (!g_key_file_has_key (config->key_file, group, key, NULL))
    {
      if (required)
        {
          agg_config_set_error (config, error, AGG_CONFIG_ERROR_MISSING, group, NULL,
                                _("the key “%s” is required"), key);
          return FALSE;
        }
      return TRUE;
    }

  *value = g_key_file_get_string (config->key_file, group, key, NULL);
  if (*value == NULL)
    {
      agg_config_set_error (config, error, AGG_CONFIG_ERROR_INVALID, group, key,
                            _("the value is not valid text"));
      return FALSE;
    }
  g_strstrip (*value);
  return TRUE;
}

gboolean
agg_config_get_string (AggConfig   *config,
                       const char  *group,
                       const char  *key,
                       gboolean     required,
                       const char  *fallback,
                       char       **value,
                       GError     **error)
{
  char *raw;

  g_return_val_if_fail (config != NULL, FALSE);
  g_return_val_if_fail (group != NULL && key != NULL, FALSE);
  g_return_val_if_fail (value != NULL, FALSE);

  if (!raw_value (config, group, key, required, &raw, error))
    return FALSE;
  if (raw != NULL && required && *raw == '\0')
    {
      g_free (raw);
      agg_config_set_error (config, error, AGG_CONFIG_ERROR_INVALID, group, key,
                            _("the value must not be empty"));
      return FALSE;
    }
  *value = raw != NULL ? raw : g_strdup (fallback);
  return TRUE;
}

gboolean
agg_config_get_int (AggConfig   *config,
                    const char  *group,
                    const char  *key,
                    gboolean     required,
                    gint64       fallback,
                    gint64       min,
                    gint64       max,
                    gint64      *value,
                    GError     **error)
{
  g_autofree char *raw = NULL;
  gint64 number;
  char *end;

  g_return_val_if_fail (config != NULL, FALSE);
  g_return_val_if_fail (group != NULL && key != NULL, FALSE);
  g_return_val_if_fail (value != NULL, FALSE);

  if (!raw_value (config, group, key, required, &raw, error))
    return FALSE;
  if (raw == NULL)
    {
      *value = fallback;
      return TRUE;
    }

  errno = 0;
  number = g_ascii_strtoll (raw, &end, 0);
  if (*raw == '\0' || *end != '\0' || errno != 0)
    {
      agg_config_set_error (config, error, AGG_CONFIG_ERROR_INVALID, group, key,
                            _("“%s” is not a whole number"), raw);
      return FALSE;
    }
  if (number < min || number > max)
    {
      agg_config_set_error (config, error, AGG_CONFIG_ERROR_INVALID, group, key,
                            /* Translators: the value, then the smallest and largest allowed. */
                            _("%s is out of range (%" G_GINT64_FORMAT " to %" G_GINT64_FORMAT ")"),
                            raw, min, max);
      return FALSE;
    }
  *value = number;
  return TRUE;
}

gboolean
agg_config_get_double (AggConfig   *config,
                       const char  *group,
                       const char  *key,
                       gboolean     required,
                       double       fallback,
                       double       min,
                       double       max,
                       double      *value,
                       GError     **error)
{
  g_autofree char *raw = NULL;
  double number;
  char *end;

  g_return_val_if_fail (config != NULL, FALSE);
  g_return_val_if_fail (group != NULL && key != NULL, FALSE);
  g_return_val_if_fail (value != NULL, FALSE);

  if (!raw_value (config, group, key, required, &raw, error))
    return FALSE;
  if (raw == NULL)
    {
      *value = fallback;
      return TRUE;
    }

  errno = 0;
  number = g_ascii_strtod (raw, &end);
  if (*raw == '\0' || *end != '\0' || errno != 0 || number != number)
    {
      agg_config_set_error (config, error, AGG_CONFIG_ERROR_INVALID, group, key,
                            _("“%s” is not a number"), raw);
      return FALSE;
    }
  if (number < min || number > max)
    {
      agg_config_set_error (config, error, AGG_CONFIG_ERROR_INVALID, group, key,
                            _("%s is out of range (%g to %g)"), raw, min, max);
      return FALSE;
    }
  *value = number;
  return TRUE;
}

gboolean
agg_config_get_boolean (AggConfig   *config,
                        const char  *group,
                        const char  *key,
                        gboolean     required,
                        gboolean     fallback,
                        gboolean    *value,
                        GError     **error)
{
  static const char * const choices[] = { "false", "true", "no", "yes", "off", "on", "0", "1", NULL };
  guint index;

  g_return_val_if_fail (value != NULL, FALSE);

  if (!agg_config_get_choice (config, group, key, required, choices, fallback ? 1 : 0,
                              &index, error))
    return FALSE;
  *value = index % 2 == 1;
  return TRUE;
}

gboolean
agg_config_get_choice (AggConfig          *config,
                       const char         *group,
                       const char         *key,
                       gboolean            required,
                       const char * const *choices,
                       guint               fallback,
                       guint              *value,
                       GError            **error)
{
  g_autofree char *raw = NULL;
  g_autofree char *list = NULL;

  g_return_val_if_fail (config != NULL, FALSE);
  g_return_val_if_fail (group != NULL && key != NULL, FALSE);
  g_return_val_if_fail (choices != NULL && value != NULL, FALSE);

  if (!raw_value (config, group, key, required, &raw, error))
    return FALSE;
  if (raw == NULL)
    {
      *value = fallback;
      return TRUE;
    }

  for (guint i = 0; choices[i] != NULL; i++)
    if (g_ascii_strcasecmp (raw, choices[i]) == 0)
      {
        *value = i;
        return TRUE;
      }

  list = g_strjoinv (", ", (char **) choices);
  agg_config_set_error (config, error, AGG_CONFIG_ERROR_INVALID, group, key,
                        /* Translators: the value, then the list of allowed ones. */
                        _("“%s” is none of: %s"), raw, list);
  return FALSE;
}

gboolean
agg_config_get_duration (AggConfig   *config,
                         const char  *group,
                         const char  *key,
                         gboolean     required,
                         guint64      fallback_ms,
                         guint64      min_ms,
                         guint64      max_ms,
                         guint64      default_unit_ms,
                         guint64     *value_ms,
                         GError     **error)
{
  static const struct { const char *suffix; guint64 ms; } units[] = {
    { "ms", 1 }, { "s", 1000 }, { "min", 60000 }, { "h", 3600000 },
  };
  g_autofree char *raw = NULL;
  guint64 unit = default_unit_ms;
  double number;
  char *end;

  g_return_val_if_fail (config != NULL, FALSE);
  g_return_val_if_fail (group != NULL && key != NULL, FALSE);
  g_return_val_if_fail (value_ms != NULL, FALSE);

  if (!raw_value (config, group, key, required, &raw, error))
    return FALSE;
  if (raw == NULL)
    {
      *value_ms = fallback_ms;
      return TRUE;
    }

  errno = 0;
  number = g_ascii_strtod (raw, &end);
  while (*end == ' ')
    end++;
  if (*end != '\0')
    {
      unit = 0;
      for (guint i = 0; i < G_N_ELEMENTS (units); i++)
        if (g_ascii_strcasecmp (end, units[i].suffix) == 0)
          unit = units[i].ms;
    }
  if (end == raw || unit == 0 || errno != 0 || number != number || number < 0)
    {
      agg_config_set_error (config, error, AGG_CONFIG_ERROR_INVALID, group, key,
                            _("“%s” is not a duration such as 250ms, 5s or 2min"), raw);
      return FALSE;
    }
  number *= (double) unit;
  if (number < (double) min_ms || number > (double) max_ms)
    {
      agg_config_set_error (config, error, AGG_CONFIG_ERROR_INVALID, group, key,
                            /* Translators: the value, then the shortest and longest allowed, in milliseconds. */
                            _("%s is out of range (%" G_GUINT64_FORMAT " ms to %" G_GUINT64_FORMAT " ms)"),
                            raw, min_ms, max_ms);
      return FALSE;
    }
  *value_ms = (guint64) number;
  return TRUE;
}

gboolean
agg_config_get_char (AggConfig   *config,
                     const char  *group,
                     const char  *key,
                     gboolean     required,
                     int          fallback,
                     int         *value,
                     GError     **error)
{
  static const struct { const char *name; int c; } names[] = {
    { "NUL", 0x00 }, { "STX", 0x02 }, { "ETX", 0x03 }, { "EOT", 0x04 }, { "TAB", 0x09 },
    { "LF", 0x0a }, { "CR", 0x0d }, { "FS", 0x1c }, { "GS", 0x1d }, { "RS", 0x1e },
    { "US", 0x1f }, { "SPACE", 0x20 },
  };
  g_autofree char *raw = NULL;

  g_return_val_if_fail (config != NULL, FALSE);
  g_return_val_if_fail (group != NULL && key != NULL, FALSE);
  g_return_val_if_fail (value != NULL, FALSE);

  if (!g_key_file_has_key (config->key_file, group, key, NULL))
    {
      if (!raw_value (config, group, key, required, &raw, error))
        return FALSE;
      *value = fallback;
      return TRUE;
    }

  /* Not stripped at first: a blank may be the character meant.  GKeyFile
   * has already turned \t, \n, \r and \\ into the characters. */
  raw = g_key_file_get_string (config->key_file, group, key, NULL);
  if (raw == NULL)
    {
      agg_config_set_error (config, error, AGG_CONFIG_ERROR_INVALID, group, key,
                            _("the value is not valid text"));
      return FALSE;
    }

  if (strlen (raw) == 1)
    {
      *value = (guchar) raw[0];
      return TRUE;
    }
  g_strstrip (raw);
  if (strlen (raw) == 1)
    {
      *value = (guchar) raw[0];
      return TRUE;
    }
  if (g_ascii_strncasecmp (raw, "0x", 2) == 0 && strlen (raw) == 4
      && g_ascii_isxdigit (raw[2]) && g_ascii_isxdigit (raw[3]))
    {
      *value = g_ascii_xdigit_value (raw[2]) * 16 + g_ascii_xdigit_value (raw[3]);
      return TRUE;
    }
  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    if (g_ascii_strcasecmp (raw, names[i].name) == 0)
      {
        *value = names[i].c;
        return TRUE;
      }

  agg_config_set_error (config, error, AGG_CONFIG_ERROR_INVALID, group, key,
                        _("“%s” is not one character, 0xNN or a name such as GS or CR"), raw);
  return FALSE;
}

static gboolean
all_digits (const char *text,
            gsize       len)
{
  return strlen (text) == len && strspn (text, "0123456789") == len;
}

/* GS1 mod-10 check digit over all digits but the last. */
static gboolean
check_digit_ok (const char *digits)
{
  gsize len = strlen (digits);
  int sum = 0;

  for (gsize i = 0; i + 1 < len; i++)
    sum += (digits[i] - '0') * (((len - 1 - i) % 2 == 1) ? 3 : 1);
  return (10 - sum % 10) % 10 == digits[len - 1] - '0';
}

gboolean
agg_config_get_station (AggConfig         *config,
                        AggStationConfig  *station,
                        GError           **error)
{
  static const char * const known[] = {
    "name", "gln", "extension", "company", "line", "time-zone", NULL
  };
  const char *group = "station";

  g_return_val_if_fail (config != NULL, FALSE);
  g_return_val_if_fail (station != NULL, FALSE);

  memset (station, 0, sizeof *station);
  if (!agg_config_check_keys (config, group, known, error)
      || !agg_config_get_string (config, group, "name", FALSE, NULL, &station->name, error)
      || !agg_config_get_string (config, group, "gln", FALSE, NULL, &station->gln, error)
      || !agg_config_get_string (config, group, "extension", FALSE, NULL, &station->extension, error)
      || !agg_config_get_string (config, group, "company", FALSE, NULL, &station->company, error)
      || !agg_config_get_string (config, group, "line", FALSE, NULL, &station->line_name, error)
      || !agg_config_get_string (config, group, "time-zone", FALSE, "local", &station->time_zone, error))
    goto fail;

  if (station->gln != NULL && (!all_digits (station->gln, 13) || !check_digit_ok (station->gln)))
    {
      agg_config_set_error (config, error, AGG_CONFIG_ERROR_INVALID, group, "gln",
                            _("a GLN is 13 digits with a valid check digit"));
      goto fail;
    }
  if (station->extension != NULL
      && (*station->extension == '\0' || strlen (station->extension) > 20
          || strspn (station->extension, "!\"%&'()*+,-./0123456789:;<=>?ABCDEFGHIJKLMNOPQRSTUVWXYZ_"
                                          "abcdefghijklmnopqrstuvwxyz") != strlen (station->extension)))
    {
      agg_config_set_error (config, error, AGG_CONFIG_ERROR_INVALID, group, "extension",
                            _("a GLN extension is 1 to 20 characters of GS1's set 82"));
      goto fail;
    }
  if (g_ascii_strcasecmp (station->time_zone, "local") != 0
      && g_ascii_strcasecmp (station->time_zone, "utc") != 0)
    {
      const char *tz = station->time_zone;

      if (strlen (tz) != 6 || (tz[0] != '+' && tz[0] != '-') || tz[3] != ':'
          || !g_ascii_isdigit (tz[1]) || !g_ascii_isdigit (tz[2])
          || !g_ascii_isdigit (tz[4]) || !g_ascii_isdigit (tz[5])
          || (tz[1] - '0') * 10 + (tz[2] - '0') > 14 || (tz[4] - '0') * 10 + (tz[5] - '0') > 59)
        {
          agg_config_set_error (config, error, AGG_CONFIG_ERROR_INVALID, group, "time-zone",
                                _("time-zone is “local”, “utc” or an offset such as +01:00"));
          goto fail;
        }
    }
  return TRUE;

fail:
  agg_station_config_clear (station);
  return FALSE;
}

void
agg_station_config_clear (AggStationConfig *station)
{
  g_return_if_fail (station != NULL);

  g_clear_pointer (&station->name, g_free);
  g_clear_pointer (&station->gln, g_free);
  g_clear_pointer (&station->extension, g_free);
  g_clear_pointer (&station->company, g_free);
  g_clear_pointer (&station->line_name, g_free);
  g_clear_pointer (&station->time_zone, g_free);
}
