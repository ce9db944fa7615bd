/* agg-application.c: the station application
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n.h>
#include <glib/gstdio.h>

#include "agg-application.h"
#include "agg-line-private.h"
#include "agg-station.h"
#include "agg-window.h"

struct _AggApplication
{
  AdwApplication  parent_instance;

  char           *db_path;
  char           *config_path;
  gboolean        demo;
  gboolean        fullscreen;

  AggStore       *store;
  AggLine        *line;
  AggStation     *station;
  GError         *open_error;
};

G_DEFINE_FINAL_TYPE (AggApplication, agg_application, ADW_TYPE_APPLICATION)

static gpointer
import_demo_job (AggStore  *store,
                 sqlite3   *db,
                 gpointer   user_data,
                 GError   **error)
{
  return agg_import_demo (store, error) ? GINT_TO_POINTER (TRUE) : NULL;
}

/* Opening runs quick_check over the whole file: never on the UI thread. */
static void
open_store_thread (GTask        *task,
                   gpointer      source,
                   gpointer      task_data,
                   GCancellable *cancellable)
{
  AggApplication *self = source;
  g_autoptr(GError) error = NULL;
  g_autoptr(AggStore) store = NULL;
  g_autoptr(AggLine) line = NULL;
  g_autoptr(AggConfig) config = NULL;
  g_autoptr(AggStation) station = NULL;

  /* The demo starts from a fresh line every time. */
  if (self->demo)
    {
      g_autofree char *wal = g_strconcat (self->db_path, "-wal", NULL);
      g_autofree char *shm = g_strconcat (self->db_path, "-shm", NULL);

      g_unlink (self->db_path);
      g_unlink (wal);
      g_unlink (shm);
    }

  store = agg_store_open (self->db_path, &error);
  if (store == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  if (self->demo &&
      agg_store_run_sync (store, AGG_STORE_WRITE, import_demo_job, NULL, &error) == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  line = agg_line_new (store);
  if (!agg_line_load_settings_sync (line, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  /* A configuration the station cannot run on is refused here, with the
   * file and line, before the operator sees a line view. */
  if (self->config_path != NULL)
    config = agg_config_load (self->config_path, &error);
  else
    {
      g_autofree char *default_path = agg_config_default_path ();

      config = g_file_test (default_path, G_FILE_TEST_EXISTS)
               ? agg_config_load (default_path, &error) : agg_config_new ();
    }
  if (config == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  station = agg_station_new (line, config, &error);
  if (station == NULL || !agg_station_record_identity_sync (station, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  g_task_return_pointer (task, g_steal_pointer (&station), g_object_unref);
}

static void
open_store_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  AggApplication *self = AGG_APPLICATION (source);
  g_autoptr(GError) error = NULL;
  AggStation *station = g_task_propagate_pointer (G_TASK (result), &error);
  GtkWindow *window;

  /* Devices open in the main context, where their signals arrive. */
  if (station != NULL && !agg_station_start (station, &error))
    g_clear_object (&station);

  if (station == NULL)
    self->open_error = g_steal_pointer (&error);
  else
    {
      self->station = station;
      self->line = g_object_ref (agg_station_get_line (station));
      self->store = g_object_ref (agg_line_get_store (self->line));
    }

  window = gtk_application_get_active_window (GTK_APPLICATION (self));
  if (window != NULL)
    agg_window_set_station (AGG_WINDOW (window), self->station, self->open_error);

  g_application_release (G_APPLICATION (self));
}

static void
agg_application_activate (GApplication *app)
{
  AggApplication *self = AGG_APPLICATION (app);
  GtkWindow *window = gtk_application_get_active_window (GTK_APPLICATION (app));

  if (window == NULL)
    {
      window = GTK_WINDOW (agg_window_new (self));
      if (self->station != NULL || self->open_error != NULL)
        agg_window_set_station (AGG_WINDOW (window), self->station, self->open_error);
    }

  if (self->fullscreen)
    gtk_window_fullscreen (window);
  gtk_window_present (window);
}

static void
agg_application_startup (GApplication *app)
{
  AggApplication *self = AGG_APPLICATION (app);
  g_autoptr(GTask) task = NULL;

  G_APPLICATION_CLASS (agg_application_parent_class)->startup (app);

  if (self->db_path == NULL)
    {
      g_autofree char *dir = g_build_filename (g_get_user_data_dir (), "aggregation-station",
                                               NULL);

      g_mkdir_with_parents (dir, 0700);
      self->db_path = self->demo ? g_build_filename (dir, "demo.db", NULL)
                                 : agg_store_default_path ();
    }

  g_application_hold (app);
  task = g_task_new (self, NULL, open_store_cb, NULL);
  g_task_run_in_thread (task, open_store_thread);
}

static int
agg_application_handle_local_options (GApplication *app,
                                      GVariantDict *options)
{
  AggApplication *self = AGG_APPLICATION (app);
  const char *db = NULL;
  const char *config = NULL;

  g_variant_dict_lookup (options, "demo", "b", &self->demo);
  g_variant_dict_lookup (options, "fullscreen", "b", &self->fullscreen);
  if (g_variant_dict_lookup (options, "db", "^&ay", &db))
    self->db_path = g_strdup (db);
  if (g_variant_dict_lookup (options, "config", "^&ay", &config))
    self->config_path = g_strdup (config);

  return -1;
}

static void
agg_application_dispose (GObject *object)
{
  AggApplication *self = AGG_APPLICATION (object);

  if (self->station != NULL)
    agg_station_stop (self->station);
  g_clear_object (&self->station);
  g_clear_object (&self->line);
  if (self->store != NULL)
    agg_store_close (self->store);
  g_clear_object (&self->store);

  G_OBJECT_CLASS (agg_application_parent_class)->dispose (object);
}

static void
agg_application_finalize (GObject *object)
{
  AggApplication *self = AGG_APPLICATION (object);

  g_free (self->db_path);
  g_free (self->config_path);
  g_clear_error (&self->open_error);

  G_OBJECT_CLASS (agg_application_parent_class)->finalize (object);
}

static void
agg_application_class_init (AggApplicationClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GApplicationClass *app_class = G_APPLICATION_CLASS (klass);

  object_class->dispose = agg_application_dispose;
  object_class->finalize = agg_application_finalize;
  app_class->activate = agg_application_activate;
  app_class->startup = agg_application_startup;
  app_class->handle_local_options = agg_application_handle_local_options;
}

static void
agg_application_init (AggApplication *self)
{
  static const GOptionEntry entries[] = {
    { "demo", 0, 0, G_OPTION_ARG_NONE, NULL,
      N_("Run the demo line: fresh demo data and a simulated line"), NULL },
    { "fullscreen", 0, 0, G_OPTION_ARG_NONE, NULL, N_("Fill the screen, as in a kiosk"), NULL },
    { "db", 0, 0, G_OPTION_ARG_FILENAME, NULL, N_("The station's database"), N_("PATH") },
    { "config", 0, 0, G_OPTION_ARG_FILENAME, NULL,
      N_("The station's devices and upstream"), N_("FILE") },
    { NULL }
  };

  g_application_add_main_option_entries (G_APPLICATION (self), entries);
}

AggApplication *
agg_application_new (void)
{
  return g_object_new (AGG_TYPE_APPLICATION,
                       "application-id", APP_ID,
                       "flags", G_APPLICATION_NON_UNIQUE,
                       "resource-base-path", "/io/github/aggstation/Station",
                       NULL);
}

AggLine *
agg_application_get_line (AggApplication *self)
{
  g_return_val_if_fail (AGG_IS_APPLICATION (self), NULL);
  return self->line;
}

gboolean
agg_application_is_demo (AggApplication *self)
{
  g_return_val_if_fail (AGG_IS_APPLICATION (self), FALSE);
  return self->demo;
}
