/* agg-camera-view.c: the camera's last image of the case layer, slot by slot
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The image is loaded and scaled down on a worker thread; the overlay is
 * drawn over it: green for a unit in the case, red for a slot refused or
 * left empty, amber while the engine has not answered yet.  A tap on a
 * red slot arms it: the next handheld scan is the unit for that slot.
 */

#include "config.h"

#include <gdk-pixbuf/gdk-pixbuf.h>
#include <glib/gi18n.h>
#include <math.h>
#include <string.h>

#include "agg-camera-view.h"

/* The longest side an image is shown at: enough for a 15" screen. */
#define DISPLAY_SIZE 1280

typedef enum
{
  SLOT_READ,                          /* decoded, the engine has not answered */
  SLOT_OK,                            /* in the case */
  SLOT_FILLED,                        /* filled with the handheld since */
  SLOT_REFUSED,
  SLOT_EMPTY,
} SlotState;

typedef struct
{
  int        slot;                    /* -1: outside the layout */
  SlotState  state;
  gboolean   has_corners;
  double     corners[4][2];           /* image pixels */
  char      *message;
} Slot;

struct _AggCameraView
{
  AdwBin           parent_instance;

  GtkLabel        *count_label;
  GtkLabel        *hint_label;
  GtkButton       *take_button;
  GtkDrawingArea  *image_area;

  AggCamera       *camera;
  GCancellable    *loading;
  cairo_surface_t *surface;
  double           image_width;       /* of the image the slots refer to */
  double           image_height;
  guint            rows, cols;
  guint            expected;
  gboolean         judged;            /* the engine's verdict is in */
  GArray          *slots;             /* of Slot */
  int              armed;
  gboolean         read_only;         /* evidence: nothing to fill */
};

G_DEFINE_FINAL_TYPE (AggCameraView, agg_camera_view, ADW_TYPE_BIN)

static void
slot_clear (Slot *slot)
{
  g_free (slot->message);
}

/* Loading images */

typedef struct
{
  char   *path;
  GBytes *gray;
  guint   width, height;
  gsize   stride;
} Load;

static void
load_free (Load *load)
{
  g_free (load->path);
  g_clear_pointer (&load->gray, g_bytes_unref);
  g_free (load);
}

static cairo_surface_t *
surface_from_pixbuf (GdkPixbuf *pixbuf)
{
  int width = gdk_pixbuf_get_width (pixbuf), height = gdk_pixbuf_get_height (pixbuf);
  int channels = gdk_pixbuf_get_n_channels (pixbuf);
  int in_stride = gdk_pixbuf_get_rowstride (pixbuf);
  const guint8 *in = gdk_pixbuf_read_pixels (pixbuf);
  cairo_surface_t *surface = cairo_image_surface_create (CAIRO_FORMAT_RGB24, width, height);
  guint8 *out = cairo_image_surface_get_data (surface);
  int out_stride = cairo_image_surface_get_stride (surface);

  cairo_surface_flush (surface);
  for (int y = 0; y < height; y++)
    {
      const guint8 *p = in + (gsize) y * in_stride;
      guint32 *q = (guint32 *) (out + (gsize) y * out_stride);

      for (int x = 0; x < width; x++, p += channels)
        q[x] = (guint32) p[0] << 16 | (guint32) p[1] << 8 | p[2];
    }
  cairo_surface_mark_dirty (surface);
  return surface;
}

static cairo_surface_t *
surface_from_gray (const guint8 *gray,
                   guint         width,
                   guint         height,
                   gsize         stride)
{
  guint step = MAX (1, (MAX (width, height) + DISPLAY_SIZE - 1) / DISPLAY_SIZE);
  int out_width = width / step, out_height = height / step;
  cairo_surface_t *surface = cairo_image_surface_create (CAIRO_FORMAT_RGB24, out_width,
                                                         out_height);
  guint8 *out = cairo_image_surface_get_data (surface);
  int out_stride = cairo_image_surface_get_stride (surface);

  cairo_surface_flush (surface);
  for (int y = 0; y < out_height; y++)
    {
      const guint8 *p = gray + (gsize) y * step * stride;
      guint32 *q = (guint32 *) (out + (gsize) y * out_stride);

      for (int x = 0; x < out_width; x++)
        {
          guint32 v = p[(gsize) x * step];

          q[x] = v << 16 | v << 8 | v;
        }
    }
  cairo_surface_mark_dirty (surface);
  return surface;
}

static void
load_thread (GTask        *task,
             gpointer      source_object,
             gpointer      task_data,
             GCancellable *cancellable)
{
  Load *load = task_data;
  GError *error = NULL;

  if (load->gray != NULL)
    {
      g_task_return_pointer (task, surface_from_gray (g_bytes_get_data (load->gray, NULL),
                                                      load->width, load->height, load->stride),
                             (GDestroyNotify) cairo_surface_destroy);
      return;
    }
  {
    g_autoptr(GdkPixbuf) pixbuf = gdk_pixbuf_new_from_file_at_scale (load->path, DISPLAY_SIZE,
                                                                      DISPLAY_SIZE, TRUE,
                                                                      &error);

    if (pixbuf == NULL)
      g_task_return_error (task, error);
    else
      g_task_return_pointer (task, surface_from_pixbuf (pixbuf),
                             (GDestroyNotify) cairo_surface_destroy);
  }
}

static void
loaded_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(GError) error = NULL;
  cairo_surface_t *surface = g_task_propagate_pointer (G_TASK (result), &error);
  AggCameraView *self;

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  self = AGG_CAMERA_VIEW (source);
  g_clear_object (&self->loading);
  if (surface == NULL)
    {
      gtk_label_set_label (self->hint_label, error->message);
      return;
    }
  g_clear_pointer (&self->surface, cairo_surface_destroy);
  self->surface = surface;
  gtk_widget_queue_draw (GTK_WIDGET (self->image_area));
}

static void
load (AggCameraView *self,
      Load          *load)
{
  g_autoptr(GTask) task = NULL;

  if (self->loading != NULL)
    g_cancellable_cancel (self->loading);
  g_clear_object (&self->loading);
  self->loading = g_cancellable_new ();
  task = g_task_new (self, self->loading, loaded_cb, NULL);
  g_task_set_task_data (task, load, (GDestroyNotify) load_free);
  g_task_set_return_on_cancel (task, TRUE);
  g_task_run_in_thread (task, load_thread);
}

/* Geometry */

static void
slot_center (const Slot *slot,
             double     *x,
             double     *y)
{
  *x = *y = 0;
  for (guint i = 0; i < 4; i++)
    {
      *x += slot->corners[i][0] / 4;
      *y += slot->corners[i][1] / 4;
    }
}

/* The mean side of the codes read: the size of a slot's marker. */
static double
symbol_size (AggCameraView *self)
{
  double sum = 0;
  guint n = 0;

  for (guint i = 0; i < self->slots->len; i++)
    {
      const Slot *slot = &g_array_index (self->slots, Slot, i);

      if (!slot->has_corners)
        continue;
      for (guint c = 0; c < 4; c++)
        sum += hypot (slot->corners[(c + 1) % 4][0] - slot->corners[c][0],
                      slot->corners[(c + 1) % 4][1] - slot->corners[c][1]) / 4;
      n++;
    }
  if (n > 0)
    return sum / n;
  if (self->rows > 0 && self->image_width > 0)
    return MIN (self->image_width / self->cols, self->image_height / self->rows) / 2;
  return 40;
}

/* Fits position = first + index × pitch over the codes read along one axis. */
static gboolean
fit_axis (AggCameraView *self,
          gboolean       columns,
          double        *first,
          double        *pitch)
{
  double sum_i = 0, sum_v = 0, sum_ii = 0, sum_iv = 0;
  guint n = 0, lo = G_MAXUINT, hi = 0;

  for (guint i = 0; i < self->slots->len; i++)
    {
      const Slot *slot = &g_array_index (self->slots, Slot, i);
      double x, y, v;
      guint index;

      if (!slot->has_corners || slot->slot < 0 || self->cols == 0)
        continue;
      slot_center (slot, &x, &y);
      index = columns ? slot->slot % self->cols : slot->slot / self->cols;
      v = columns ? x : y;
      sum_i += index;
      sum_v += v;
      sum_ii += (double) index * index;
      sum_iv += index * v;
      lo = MIN (lo, index);
      hi = MAX (hi, index);
      n++;
    }
  if (n < 2 || lo == hi)
    return FALSE;
  *pitch = (n * sum_iv - sum_i * sum_v) / (n * sum_ii - sum_i * sum_i);
  *first = (sum_v - *pitch * sum_i) / n;
  return TRUE;
}

/* Where slot @index is in the image: its code's corners when read, else
 * where the rows and columns of the codes read put it. */
static gboolean
slot_position (AggCameraView *self,
               int            index,
               double        *x,
               double        *y)
{
  double first, pitch;
  guint col, row;

  for (guint i = 0; i < self->slots->len; i++)
    {
      const Slot *slot = &g_array_index (self->slots, Slot, i);

      if (slot->slot == index && slot->has_corners)
        {
          slot_center (slot, x, y);
          return TRUE;
        }
    }
  if (index < 0 || self->cols == 0 || self->rows == 0 || self->image_width <= 0)
    return FALSE;

  col = index % self->cols;
  row = index / self->cols;
  if (fit_axis (self, TRUE, &first, &pitch))
    *x = first + col * pitch;
  else
    *x = (col + 0.5) * self->image_width / self->cols;
  if (fit_axis (self, FALSE, &first, &pitch))
    *y = first + row * pitch;
  else
    *y = (row + 0.5) * self->image_height / self->rows;
  return TRUE;
}

/* The image's scale and offset in the area. */
static void
transform (AggCameraView *self,
           double        *scale,
           double        *dx,
           double        *dy)
{
  double width = gtk_widget_get_width (GTK_WIDGET (self->image_area));
  double height = gtk_widget_get_height (GTK_WIDGET (self->image_area));

  if (self->image_width <= 0 || self->image_height <= 0)
    {
      *scale = 1;
      *dx = *dy = 0;
      return;
    }
  *scale = MIN (width / self->image_width, height / self->image_height);
  *dx = (width - self->image_width * *scale) / 2;
  *dy = (height - self->image_height * *scale) / 2;
}

static gboolean
is_red (SlotState state)
{
  return state == SLOT_REFUSED || state == SLOT_EMPTY;
}

static Slot *
find_slot (AggCameraView *self,
           int            index)
{
  for (guint i = 0; i < self->slots->len; i++)
    {
      Slot *slot = &g_array_index (self->slots, Slot, i);

      if (slot->slot == index && index >= 0)
        return slot;
    }
  return NULL;
}

/* Drawing */

static void
set_color (cairo_t   *cr,
           SlotState  state,
           double     alpha)
{
  switch (state)
    {
    case SLOT_OK:
    case SLOT_FILLED:
      cairo_set_source_rgba (cr, 0.18, 0.76, 0.49, alpha);
      break;
    case SLOT_REFUSED:
    case SLOT_EMPTY:
      cairo_set_source_rgba (cr, 0.88, 0.11, 0.14, alpha);
      break;
    case SLOT_READ:
    default:
      cairo_set_source_rgba (cr, 0.96, 0.76, 0.07, alpha);
      break;
    }
}

static void
draw_cb (GtkDrawingArea *area,
         cairo_t        *cr,
         int             width,
         int             height,
         gpointer        user_data)
{
  AggCameraView *self = user_data;
  double scale, dx, dy, size;

  cairo_set_source_rgb (cr, 0.1, 0.1, 0.1);
  cairo_paint (cr);
  transform (self, &scale, &dx, &dy);

  if (self->surface != NULL && self->image_width > 0)
    {
      cairo_save (cr);
      cairo_translate (cr, dx, dy);
      cairo_scale (cr, self->image_width * scale / cairo_image_surface_get_width (self->surface),
                   self->image_height * scale / cairo_image_surface_get_height (self->surface));
      cairo_set_source_surface (cr, self->surface, 0, 0);
      cairo_pattern_set_filter (cairo_get_source (cr), CAIRO_FILTER_GOOD);
      cairo_paint (cr);
      cairo_restore (cr);
    }

  size = symbol_size (self) * scale;
  cairo_set_line_width (cr, MAX (3, size / 12));
  for (guint i = 0; i < self->slots->len; i++)
    {
      const Slot *slot = &g_array_index (self->slots, Slot, i);
      double x, y;

      if (slot->has_corners)
        {
          cairo_move_to (cr, dx + slot->corners[0][0] * scale, dy + slot->corners[0][1] * scale);
          for (guint c = 1; c < 4; c++)
            cairo_line_to (cr, dx + slot->corners[c][0] * scale, dy + slot->corners[c][1] * scale);
          cairo_close_path (cr);
        }
      else if (slot_position (self, slot->slot, &x, &y))
        cairo_rectangle (cr, dx + x * scale - size / 2, dy + y * scale - size / 2, size, size);
      else
        continue;

      set_color (cr, slot->state, 0.35);
      cairo_fill_preserve (cr);
      set_color (cr, slot->state, 1.0);
      cairo_stroke (cr);

      /* The armed slot: a ring the eye finds at once. */
      if (slot->slot == self->armed && slot_position (self, slot->slot, &x, &y))
        {
          cairo_set_source_rgb (cr, 0.21, 0.52, 0.89);
          cairo_save (cr);
          cairo_set_line_width (cr, MAX (5, size / 8));
          cairo_arc (cr, dx + x * scale, dy + y * scale, size * 0.9, 0, 2 * G_PI);
          cairo_stroke (cr);
          cairo_restore (cr);
        }
    }
}

/* Labels */

static void
update_labels (AggCameraView *self)
{
  guint n_ok = 0, n_read = 0, n_red = 0;
  g_autofree char *count = NULL;
  g_autofree char *hint = NULL;
  const Slot *armed = find_slot (self, self->armed);

  for (guint i = 0; i < self->slots->len; i++)
    {
      const Slot *slot = &g_array_index (self->slots, Slot, i);

      n_ok += slot->state == SLOT_OK || slot->state == SLOT_FILLED;
      n_read += slot->state != SLOT_EMPTY;
      n_red += is_red (slot->state);
    }

  if (self->judged)
    /* Translators: units in the case of those the layer holds, "22 of 24". */
    count = g_strdup_printf (_("%u of %u"), n_ok, self->expected);
  else
    /* Translators: codes the camera read of those the layer holds. */
    count = g_strdup_printf (_("%u of %u read"), n_read, self->expected);
  gtk_label_set_label (self->count_label, count);

  if (armed != NULL)
    {
      guint cols = MAX (self->cols, 1);

      /* Translators: a place in the case layer, counted from the top left. */
      hint = g_strdup_printf (_("Row %u, place %u: scan its unit with the handheld"),
                              armed->slot / cols + 1, armed->slot % cols + 1);
      if (armed->message != NULL)
        {
          char *with_reason = g_strdup_printf ("%s — %s", armed->message, hint);

          g_free (hint);
          hint = with_reason;
        }
    }
  else if (n_red > 0 && !self->read_only)
    hint = g_strdup (_("Tap a red slot, then scan its unit with the handheld"));
  gtk_label_set_label (self->hint_label, hint ? hint : "");

  gtk_widget_remove_css_class (GTK_WIDGET (self->count_label), "success");
  gtk_widget_remove_css_class (GTK_WIDGET (self->count_label), "error");
  if (self->judged && self->expected > 0)
    gtk_widget_add_css_class (GTK_WIDGET (self->count_label),
                              n_red == 0 && n_ok >= self->expected ? "success" : "error");
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->image_area),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, count, -1);
  gtk_widget_queue_draw (GTK_WIDGET (self->image_area));
}

/* Input */

static void
take_clicked_cb (AggCameraView *self)
{
  if (self->camera != NULL)
    agg_camera_trigger (self->camera);
}

static void
pressed_cb (GtkGestureClick *gesture,
            int              n_press,
            double           x,
            double           y,
            AggCameraView   *self)
{
  int slot = agg_camera_view_slot_at (self, x, y);

  if (slot >= 0 && agg_camera_view_arm_slot (self, slot))
    gtk_gesture_set_state (GTK_GESTURE (gesture), GTK_EVENT_SEQUENCE_CLAIMED);
}

/* The object */

static void
agg_camera_view_dispose (GObject *object)
{
  AggCameraView *self = AGG_CAMERA_VIEW (object);

  if (self->loading != NULL)
    g_cancellable_cancel (self->loading);
  g_clear_object (&self->loading);
  g_clear_object (&self->camera);
  g_clear_pointer (&self->surface, cairo_surface_destroy);
  gtk_widget_dispose_template (GTK_WIDGET (self), AGG_TYPE_CAMERA_VIEW);

  G_OBJECT_CLASS (agg_camera_view_parent_class)->dispose (object);
}

static void
agg_camera_view_finalize (GObject *object)
{
  AggCameraView *self = AGG_CAMERA_VIEW (object);

  g_array_unref (self->slots);

  G_OBJECT_CLASS (agg_camera_view_parent_class)->finalize (object);
}

static void
agg_camera_view_class_init (AggCameraViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = agg_camera_view_dispose;
  object_class->finalize = agg_camera_view_finalize;

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/aggstation/Station/agg-camera-view.ui");
  gtk_widget_class_bind_template_child (widget_class, AggCameraView, count_label);
  gtk_widget_class_bind_template_child (widget_class, AggCameraView, hint_label);
  gtk_widget_class_bind_template_child (widget_class, AggCameraView, take_button);
  gtk_widget_class_bind_template_child (widget_class, AggCameraView, image_area);
  gtk_widget_class_bind_template_callback (widget_class, take_clicked_cb);
}

static void
agg_camera_view_init (AggCameraView *self)
{
  GtkGesture *click = gtk_gesture_click_new ();

  gtk_widget_init_template (GTK_WIDGET (self));
  self->slots = g_array_new (FALSE, TRUE, sizeof (Slot));
  g_array_set_clear_func (self->slots, (GDestroyNotify) slot_clear);
  self->armed = -1;

  gtk_drawing_area_set_draw_func (self->image_area, draw_cb, self, NULL);
  g_signal_connect (click, "pressed", G_CALLBACK (pressed_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self->image_area), GTK_EVENT_CONTROLLER (click));
}

GtkWidget *
agg_camera_view_new (void)
{
  return g_object_new (AGG_TYPE_CAMERA_VIEW, NULL);
}

void
agg_camera_view_set_camera (AggCameraView *self,
                            AggCamera     *camera)
{
  g_return_if_fail (AGG_IS_CAMERA_VIEW (self));
  g_return_if_fail (camera == NULL || AGG_IS_CAMERA (camera));

  g_set_object (&self->camera, camera);
  gtk_widget_set_visible (GTK_WIDGET (self->take_button),
                          camera != NULL &&
                          agg_camera_get_trigger (camera) == AGG_CAMERA_TRIGGER_BUTTON);
}

static void
reset (AggCameraView *self,
       guint          rows,
       guint          cols,
       double         width,
       double         height)
{
  g_array_set_size (self->slots, 0);
  self->rows = rows;
  self->cols = cols;
  self->expected = rows * cols;
  self->image_width = width;
  self->image_height = height;
  self->armed = -1;
  self->judged = FALSE;
}

void
agg_camera_view_show_image (AggCameraView        *self,
                            const AggCameraImage *image)
{
  Load *job;

  g_return_if_fail (AGG_IS_CAMERA_VIEW (self));
  g_return_if_fail (image != NULL && image->result != NULL);

  reset (self, image->rows, image->cols, image->result->width, image->result->height);
  for (guint i = 0; i < image->result->codes->len; i++)
    {
      const AggDecodedCode *code = g_ptr_array_index (image->result->codes, i);
      Slot slot = { code->slot, SLOT_READ, TRUE, };

      memcpy (slot.corners, code->corners, sizeof slot.corners);
      g_array_append_val (self->slots, slot);
    }
  for (guint i = 0; image->result->empty_slots != NULL && i < image->result->empty_slots->len;
       i++)
    {
      Slot slot = { g_array_index (image->result->empty_slots, int, i), SLOT_EMPTY, FALSE, };

      g_array_append_val (self->slots, slot);
    }
  if (self->expected == 0)
    self->expected = image->result->codes->len;

  job = g_new0 (Load, 1);
  if (image->gray != NULL)
    {
      job->gray = g_bytes_ref (image->gray);
      job->width = image->width;
      job->height = image->height;
      job->stride = image->stride;
    }
  else
    job->path = g_strdup (image->path);
  load (self, job);
  update_labels (self);
}

static gboolean
read_corners (JsonObject *object,
              Slot       *slot)
{
  JsonArray *corners;

  if (!json_object_has_member (object, "corners"))
    return FALSE;
  corners = json_object_get_array_member (object, "corners");
  if (corners == NULL || json_array_get_length (corners) != 4)
    return FALSE;
  for (guint c = 0; c < 4; c++)
    {
      JsonArray *point = json_array_get_array_element (corners, c);

      slot->corners[c][0] = json_array_get_double_element (point, 0);
      slot->corners[c][1] = json_array_get_double_element (point, 1);
    }
  return TRUE;
}

static void
add_verdicts (AggCameraView *self,
              JsonArray     *array)
{
  for (guint i = 0; array != NULL && i < json_array_get_length (array); i++)
    {
      JsonObject *object = json_array_get_object_element (array, i);
      const char *state = json_object_get_string_member_with_default (object, "state", "");
      Slot slot = { json_object_get_int_member_with_default (object, "slot", -1), SLOT_EMPTY, };

      if (strcmp (state, "accepted") == 0 || strcmp (state, "present") == 0)
        slot.state = SLOT_OK;
      else if (strcmp (state, "refused") == 0)
        slot.state = SLOT_REFUSED;
      slot.has_corners = read_corners (object, &slot);
      slot.message = g_strdup (json_object_get_string_member_with_default (object, "message",
                                                                           NULL));
      g_array_append_val (self->slots, slot);
    }
}

void
agg_camera_view_set_layer (AggCameraView *self,
                           JsonObject    *layer)
{
  g_return_if_fail (AGG_IS_CAMERA_VIEW (self));
  g_return_if_fail (layer != NULL);

  /* An image from before is kept: its size stands unless the layer says. */
  reset (self, json_object_get_int_member_with_default (layer, "rows", 0),
         json_object_get_int_member_with_default (layer, "cols", 0),
         json_object_get_int_member_with_default (layer, "width", self->image_width),
         json_object_get_int_member_with_default (layer, "height", self->image_height));
  self->expected = json_object_get_int_member_with_default (layer, "expected", 0);
  self->judged = TRUE;
  if (json_object_has_member (layer, "slots"))
    add_verdicts (self, json_object_get_array_member (layer, "slots"));
  if (json_object_has_member (layer, "extra"))
    add_verdicts (self, json_object_get_array_member (layer, "extra"));
  /* Without a layout, what is missing has no place to show. */
  if (self->rows == 0)
    for (guint i = 0; i < self->slots->len; i++)
      if (g_array_index (self->slots, Slot, i).state == SLOT_EMPTY)
        g_array_remove_index (self->slots, i--);
  update_labels (self);
}

void
agg_camera_view_show_evidence (AggCameraView *self,
                               const char    *path,
                               JsonObject    *layer)
{
  Load *job;

  g_return_if_fail (AGG_IS_CAMERA_VIEW (self));
  g_return_if_fail (path != NULL);

  g_clear_pointer (&self->surface, cairo_surface_destroy);
  self->image_width = self->image_height = 0;
  self->read_only = TRUE;
  if (layer != NULL)
    agg_camera_view_set_layer (self, layer);
  else
    {
      reset (self, 0, 0, 0, 0);
      update_labels (self);
    }
  job = g_new0 (Load, 1);
  job->path = g_strdup (path);
  load (self, job);
}

gboolean
agg_camera_view_arm_slot (AggCameraView *self,
                          int            index)
{
  Slot *slot;

  g_return_val_if_fail (AGG_IS_CAMERA_VIEW (self), FALSE);

  slot = find_slot (self, index);
  if (index >= 0 && (self->read_only || slot == NULL || !is_red (slot->state)))
    return FALSE;
  self->armed = index;
  update_labels (self);
  return TRUE;
}

int
agg_camera_view_get_armed_slot (AggCameraView *self)
{
  g_return_val_if_fail (AGG_IS_CAMERA_VIEW (self), -1);
  return self->armed;
}

void
agg_camera_view_fill_armed (AggCameraView *self,
                            gboolean       accepted)
{
  Slot *slot;

  g_return_if_fail (AGG_IS_CAMERA_VIEW (self));

  slot = find_slot (self, self->armed);
  if (slot == NULL)
    return;
  if (accepted)
    {
      slot->state = SLOT_FILLED;
      g_clear_pointer (&slot->message, g_free);
      self->armed = -1;
    }
  update_labels (self);
}

int
agg_camera_view_slot_at (AggCameraView *self,
                         double         x,
                         double         y)
{
  double scale, dx, dy, radius, best = G_MAXDOUBLE;
  int found = -1;

  g_return_val_if_fail (AGG_IS_CAMERA_VIEW (self), -1);

  transform (self, &scale, &dx, &dy);
  /* Gloved fingers miss: anything within a slot's pitch counts. */
  radius = symbol_size (self) * scale;
  for (guint i = 0; i < self->slots->len; i++)
    {
      const Slot *slot = &g_array_index (self->slots, Slot, i);
      double sx, sy, d;

      if (!slot_position (self, slot->slot, &sx, &sy))
        continue;
      d = hypot (dx + sx * scale - x, dy + sy * scale - y);
      if (d < radius && d < best)
        {
          best = d;
          found = slot->slot;
        }
    }
  return found;
}

gboolean
agg_camera_view_get_slot_center (AggCameraView *self,
                                 int            slot,
                                 double        *x,
                                 double        *y)
{
  double scale, dx, dy, sx, sy;

  g_return_val_if_fail (AGG_IS_CAMERA_VIEW (self), FALSE);

  if (!slot_position (self, slot, &sx, &sy))
    return FALSE;
  transform (self, &scale, &dx, &dy);
  *x = dx + sx * scale;
  *y = dy + sy * scale;
  return TRUE;
}
