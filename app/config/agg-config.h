/* agg-config.h: the station's configuration file
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * One key file describes the station's hardware and its upstream: readers,
 * the PLC, printers, cameras, the EPCIS capture interface.  Each subsystem
 * reads its own groups through the typed getters below, which refuse a
 * bad value with the file, the line and the reason, so that a station
 * never starts on a configuration it does not understand.
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define AGG_CONFIG_ERROR (agg_config_error_quark ())

typedef enum
{
  AGG_CONFIG_ERROR_SYNTAX,            /* the file is no key file */
  AGG_CONFIG_ERROR_INVALID,           /* a value, key or group the station refuses */
  AGG_CONFIG_ERROR_MISSING,           /* a required key is not there */
} AggConfigError;

GQuark agg_config_error_quark (void);

typedef struct _AggConfig AggConfig;

/* An empty configuration: a station with no devices and no upstream. */
AggConfig  *agg_config_new          (void);
/* Reads @path.  Only syntax is checked here; each subsystem validates its
 * own groups when it is built from the configuration. */
AggConfig  *agg_config_load         (const char   *path,
                                     GError      **error);
/* As agg_config_load (), from text; @name stands for the file in errors. */
AggConfig  *agg_config_load_data    (const char   *data,
                                     gsize         len,
                                     const char   *name,
                                     GError      **error);
AggConfig  *agg_config_ref          (AggConfig    *config);
void        agg_config_unref        (AggConfig    *config);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (AggConfig, agg_config_unref)

/* Where a station looks when no --config is given:
 * $XDG_CONFIG_HOME/aggregation-station/station.conf.  A missing default
 * file is an empty configuration; a missing --config file is an error. */
char       *agg_config_default_path (void);
/* The path or name it was loaded from; NULL for agg_config_new (). */
const char *agg_config_get_path     (AggConfig    *config);
/* Read-only access for what the getters do not cover. */
GKeyFile   *agg_config_get_key_file (AggConfig    *config);

gboolean    agg_config_has_group    (AggConfig    *config,
                                     const char   *group);
/* The groups named "@prefix…", in file order; free with g_strfreev (). */
char      **agg_config_list_groups  (AggConfig    *config,
                                     const char   *prefix);
/* The 1-based line of a group's header, or of a key within it; 0 when
 * absent.  @key may be NULL. */
guint       agg_config_get_line     (AggConfig    *config,
                                     const char   *group,
                                     const char   *key);

/* Refuses a key in @group that is not in the NULL-terminated @known. */
gboolean    agg_config_check_keys   (AggConfig          *config,
                                     const char         *group,
                                     const char * const *known,
                                     GError            **error);
/* Refuses a group that no subsystem claimed: a group is claimed by
 * name or, when @prefixes ends in ':' or '.', by prefix. */
gboolean    agg_config_check_groups (AggConfig          *config,
                                     const char * const *prefixes,
                                     GError            **error);

/* Sets @error to "FILE:LINE: [GROUP] KEY: MESSAGE", where the line is
 * that of the key (or of the group when @key is NULL or absent).
 * @format is translated by the caller. */
void        agg_config_set_error    (AggConfig    *config,
                                     GError      **error,
                                     gint          code,
                                     const char   *group,
                                     const char   *key,
                                     const char   *format,
                                     ...) G_GNUC_PRINTF (6, 7);

/* Typed getters.  A missing key gives @fallback and TRUE; a required
 * one is asked for with @fallback ignored and missing → error.  A present
 * value that does not parse or is out of range is an error naming the
 * line.  Strings are stripped of surrounding blanks; returned strings are
 * newly allocated. */
gboolean    agg_config_get_string   (AggConfig    *config,
                                     const char   *group,
                                     const char   *key,
                                     gboolean      required,
                                     const char   *fallback,
                                     char        **value,
                                     GError      **error);
gboolean    agg_config_get_int      (AggConfig    *config,
                                     const char   *group,
                                     const char   *key,
                                     gboolean      required,
                                     gint64        fallback,
                                     gint64        min,
                                     gint64        max,
                                     gint64       *value,
                                     GError      **error);
gboolean    agg_config_get_double   (AggConfig    *config,
                                     const char   *group,
                                     const char   *key,
                                     gboolean      required,
                                     double        fallback,
                                     double        min,
                                     double        max,
                                     double       *value,
                                     GError      **error);
/* true/false, yes/no, on/off, 1/0. */
gboolean    agg_config_get_boolean  (AggConfig    *config,
                                     const char   *group,
                                     const char   *key,
                                     gboolean      required,
                                     gboolean      fallback,
                                     gboolean     *value,
                                     GError      **error);
/* One of the NULL-terminated @choices (case-insensitive); @value is its
 * index.  The error lists the choices. */
gboolean    agg_config_get_choice   (AggConfig          *config,
                                     const char         *group,
                                     const char         *key,
                                     gboolean            required,
                                     const char * const *choices,
                                     guint               fallback,
                                     guint              *value,
                                     GError            **error);
/* A duration: a number with the unit ms, s, min or h ("250ms", "5s");
 * a bare number is @default_unit_ms milliseconds each. */
gboolean    agg_config_get_duration (AggConfig    *config,
                                     const char   *group,
                                     const char   *key,
                                     gboolean      required,
                                     guint64       fallback_ms,
                                     guint64       min_ms,
                                     guint64       max_ms,
                                     guint64       default_unit_ms,
                                     guint64      *value_ms,
                                     GError      **error);
/* A character given as itself, as an escape (\t, \r, \n, \\), as "0xNN"
 * or by its ASCII name ("GS", "RS", "ETX", "CR", "LF", "TAB", "NUL"). */
gboolean    agg_config_get_char     (AggConfig    *config,
                                     const char   *group,
                                     const char   *key,
                                     gboolean      required,
                                     int           fallback,
                                     int          *value,
                                     GError      **error);

/* The [station] group, read by agg_config_get_station (). */
typedef struct
{
  char    *name;                      /* shown in headers and on labels */
  char    *gln;                       /* GLN of the site (13 digits) or NULL */
  char    *extension;                 /* GLN extension (AI 254) of the station or NULL */
  char    *company;                   /* the label header's company line or NULL */
  char    *line_name;                 /* the line's name or NULL */
  /* Event times: "local" records the station's own UTC offset,
   * "utc" records +00:00, or a fixed offset "+01:00". */
  char    *time_zone;
} AggStationConfig;

gboolean    agg_config_get_station  (AggConfig         *config,
                                     AggStationConfig  *station,
                                     GError           **error);
void        agg_station_config_clear (AggStationConfig *station);

G_END_DECLS
