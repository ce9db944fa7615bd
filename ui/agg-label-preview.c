/* agg-label-preview.c: a case's or pallet's label on screen, and on an
 * office printer
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The label is loaded on the store's thread and drawn by the same code
 * that makes its PNG and PDF, so the preview is what the line prints.
 * Copies printed from here carry the REPRINT mark: the original comes
 * from the line's label printer.
 */

#include "config.h"

#include <glib/gi18n.h>

#include "agg-label-preview.h"

/* The preview draws at a printer's resolution, then scales. */
#define PREVIEW_DPI 300

struct _AggLabelPreview
{
  AdwBin          parent_instance;

  GtkLabel       *heading;
  GtkStack       *stack;
  GtkSpinner     *spinner;
  GtkDrawingArea *drawing_area;
  GtkLabel       *error_label;

  AggStore       *store;
  char           *code;
  AggLabel       *label;
  GCancellable   *cancellable;
};

G_DEFINE_FINAL_TYPE (AggLabelPreview, agg_label_preview, ADW_TYPE_BIN)

enum
{
  PROP_0,
  PROP_CODE,
  PROP_LABEL,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
show_error (AggLabelPreview *self,
            const char      *message)
{
  gtk_label_set_text (self->error_label, message);
  gtk_stack_set_visible_child_name (self->stack, "error");
  gtk_spinner_stop (self->spinner);
}

static void
set_label (AggLabelPreview *self,
           AggLabel        *label)
{
  if (self->label == label)
    return;
  g_clear_pointer (&self->label, agg_label_unref);
  if (label != NULL)
    self->label = agg_label_ref (label);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "label.print", self->label != NULL);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LABEL]);
}

/* The label's size fitted into @width × @height, centred: the offset and
 * the size to draw at. */
static void
fit (double  width,
     double  height,
     double *x,
     double *y,
     double *label_width,
     double *label_height)
{
  double width_mm, height_mm, scale;

  agg_label_size_get_mm (AGG_LABEL_SIZE_A6, &width_mm, &height_mm);
  scale = MIN (width / width_mm, height / height_mm);
  *label_width = width_mm * scale;
  *label_height = height_mm * scale;
  *x = (width - *label_width) / 2;
  *y = (height - *label_height) / 2;
}

static gboolean
draw_label (AggLabelPreview  *self,
            cairo_t          *cr,
            double            width,
            double            height,
            gboolean          reprint,
            GError          **error)
{
  AggLabelOptions options = { PREVIEW_DPI, AGG_LABEL_SIZE_A6, NULL, reprint, NULL };
  double x, y, label_width, label_height;
  gboolean ok;

  fit (width, height, &x, &y, &label_width, &label_height);
  cairo_save (cr);
  cairo_translate (cr, x, y);
  ok = agg_label_draw (self->label, cr, label_width, label_height, &options, error);
  cairo_restore (cr);
  return ok;
}

/* Errors are found when the label arrives (see check_drawable()), not
 * while GTK draws. */
static void
draw_cb (GtkDrawingArea *area,
         cairo_t        *cr,
         int             width,
         int             height,
         gpointer        user_data)
{
  AggLabelPreview *self = user_data;

  if (self->label != NULL)
    draw_label (self, cr, width, height, FALSE, NULL);
}

/* Draws the label once off screen: a template that does not fit shows
 * its reason instead of half a label. */
static gboolean
check_drawable (AggLabelPreview  *self,
                GError          **error)
{
  cairo_surface_t *surface = cairo_recording_surface_create (CAIRO_CONTENT_COLOR, NULL);
  cairo_t *cr = cairo_create (surface);
  gboolean ok = draw_label (self, cr, 105, 148, FALSE, error);

  cairo_destroy (cr);
  cairo_surface_destroy (surface);
  return ok;
}

static void
loaded_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(AggLabelPreview) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(AggLabel) label = agg_label_load_finish (AGG_STORE (source), result, &error);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  g_clear_object (&self->cancellable);

  set_label (self, label);
  if (label == NULL || !check_drawable (self, &error))
    {
      set_label (self, NULL);
      show_error (self, error->message);
      return;
    }
  gtk_spinner_stop (self->spinner);
  gtk_stack_set_visible_child_name (self->stack, "label");
  gtk_widget_queue_draw (GTK_WIDGET (self->drawing_area));
}

static void
reload (AggLabelPreview *self)
{
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  set_label (self, NULL);

  if (self->store == NULL || self->code == NULL)
    {
      gtk_stack_set_visible_child_name (self->stack, "loading");
      gtk_spinner_stop (self->spinner);
      return;
    }

  self->cancellable = g_cancellable_new ();
  gtk_stack_set_visible_child_name (self->stack, "loading");
  gtk_spinner_start (self->spinner);
  agg_label_load_async (self->store, self->code, self->cancellable, loaded_cb,
                        g_object_ref (self));
}

/* Printing */

static void
begin_print_cb (GtkPrintOperation *operation,
                GtkPrintContext   *context,
                gpointer           user_data)
{
  gtk_print_operation_set_n_pages (operation, 1);
}

static void
draw_page_cb (GtkPrintOperation *operation,
              GtkPrintContext   *context,
              int                page_nr,
              gpointer           user_data)
{
  AggLabelPreview *self = user_data;
  g_autoptr(GError) error = NULL;
  cairo_t *cr = gtk_print_context_get_cairo_context (context);

  if (self->label == NULL)
    return;
  if (!draw_label (self, cr, gtk_print_context_get_width (context),
                   gtk_print_context_get_height (context), TRUE, &error))
    show_error (self, error->message);
}

static void
print_done_cb (GtkPrintOperation       *operation,
               GtkPrintOperationResult  result,
               gpointer                 user_data)
{
  AggLabelPreview *self = user_data;
  g_autoptr(GError) error = NULL;

  if (result == GTK_PRINT_OPERATION_RESULT_ERROR)
    {
      gtk_print_operation_get_error (operation, &error);
      show_error (self, error != NULL ? error->message : _("Printing failed"));
    }
}

static void
print_action (GtkWidget  *widget,
              const char *action_name,
              GVariant   *parameter)
{
  AggLabelPreview *self = AGG_LABEL_PREVIEW (widget);
  g_autoptr(GtkPrintOperation) operation = NULL;
  g_autoptr(GtkPageSetup) page_setup = gtk_page_setup_new ();
  g_autoptr(GtkPaperSize) paper = gtk_paper_size_new ("iso_a6");
  g_autoptr(GError) error = NULL;
  g_autofree char *job_name = NULL;
  GtkRoot *root = gtk_widget_get_root (widget);

  if (self->label == NULL)
    return;

  gtk_page_setup_set_paper_size_and_default_margins (page_setup, paper);
  operation = gtk_print_operation_new ();
  /* Translators: the print job's name; %s is an SSCC. */
  job_name = g_strdup_printf (_("Label %s"), agg_label_get_sscc (self->label));
  gtk_print_operation_set_job_name (operation, job_name);
  gtk_print_operation_set_default_page_setup (operation, page_setup);
  gtk_print_operation_set_unit (operation, GTK_UNIT_POINTS);
  gtk_print_operation_set_embed_page_setup (operation, TRUE);
  gtk_print_operation_set_allow_async (operation, TRUE);
  g_signal_connect (operation, "begin-print", G_CALLBACK (begin_print_cb), self);
  g_signal_connect (operation, "draw-page", G_CALLBACK (draw_page_cb), self);
  g_signal_connect (operation, "done", G_CALLBACK (print_done_cb), self);

  if (gtk_print_operation_run (operation, GTK_PRINT_OPERATION_ACTION_PRINT_DIALOG,
                               GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL,
                               &error) == GTK_PRINT_OPERATION_RESULT_ERROR)
    show_error (self, error->message);
}

/* GObject */

static void
agg_label_preview_dispose (GObject *object)
{
  AggLabelPreview *self = AGG_LABEL_PREVIEW (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  gtk_widget_dispose_template (GTK_WIDGET (self), AGG_TYPE_LABEL_PREVIEW);

  G_OBJECT_CLASS (agg_label_preview_parent_class)->dispose (object);
}

static void
agg_label_preview_finalize (GObject *object)
{
  AggLabelPreview *self = AGG_LABEL_PREVIEW (object);

  g_clear_object (&self->store);
  g_clear_pointer (&self->label, agg_label_unref);
  g_free (self->code);

  G_OBJECT_CLASS (agg_label_preview_parent_class)->finalize (object);
}

static void
agg_label_preview_get_property (GObject    *object,
                                guint       prop_id,
                                GValue     *value,
                                GParamSpec *pspec)
{
  AggLabelPreview *self = AGG_LABEL_PREVIEW (object);

  switch (prop_id)
    {
    case PROP_CODE:
      g_value_set_string (value, self->code);
      break;
    case PROP_LABEL:
      g_value_set_boxed (value, self->label);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
agg_label_preview_set_property (GObject      *object,
                                guint         prop_id,
                                const GValue *value,
                                GParamSpec   *pspec)
{
  AggLabelPreview *self = AGG_LABEL_PREVIEW (object);

  switch (prop_id)
    {
    case PROP_CODE:
      agg_label_preview_set_code (self, g_value_get_string (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
agg_label_preview_class_init (AggLabelPreviewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = agg_label_preview_dispose;
  object_class->finalize = agg_label_preview_finalize;
  object_class->get_property = agg_label_preview_get_property;
  object_class->set_property = agg_label_preview_set_property;

  /* The code whose label is shown. */
  properties[PROP_CODE] =
    g_param_spec_string ("code", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  /* The label once loaded. */
  properties[PROP_LABEL] =
    g_param_spec_boxed ("label", NULL, NULL, AGG_TYPE_LABEL,
                        G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/aggstation/Station/agg-label-preview.ui");
  gtk_widget_class_bind_template_child (widget_class, AggLabelPreview, heading);
  gtk_widget_class_bind_template_child (widget_class, AggLabelPreview, stack);
  gtk_widget_class_bind_template_child (widget_class, AggLabelPreview, spinner);
  gtk_widget_class_bind_template_child (widget_class, AggLabelPreview, drawing_area);
  gtk_widget_class_bind_template_child (widget_class, AggLabelPreview, error_label);

  gtk_widget_class_install_action (widget_class, "label.print", NULL, print_action);
}

static void
agg_label_preview_init (AggLabelPreview *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  gtk_drawing_area_set_draw_func (self->drawing_area, draw_cb, self, NULL);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "label.print", FALSE);
}

GtkWidget *
agg_label_preview_new (void)
{
  return g_object_new (AGG_TYPE_LABEL_PREVIEW, NULL);
}

void
agg_label_preview_set_store (AggLabelPreview *self,
                             AggStore        *store)
{
  g_return_if_fail (AGG_IS_LABEL_PREVIEW (self));
  g_return_if_fail (store == NULL || AGG_IS_STORE (store));

  if (g_set_object (&self->store, store))
    reload (self);
}

void
agg_label_preview_set_code (AggLabelPreview *self,
                            const char      *code)
{
  g_return_if_fail (AGG_IS_LABEL_PREVIEW (self));

  if (g_strcmp0 (self->code, code) == 0)
    return;
  g_free (self->code);
  self->code = g_strdup (code);
  reload (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CODE]);
}

const char *
agg_label_preview_get_code (AggLabelPreview *self)
{
  g_return_val_if_fail (AGG_IS_LABEL_PREVIEW (self), NULL);
  return self->code;
}

AggLabel *
agg_label_preview_get_label (AggLabelPreview *self)
{
  g_return_val_if_fail (AGG_IS_LABEL_PREVIEW (self), NULL);
  return self->label;
}
