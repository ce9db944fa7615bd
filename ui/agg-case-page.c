/* agg-case-page.c: the case station, the operator's main screen
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Everything the page asks of the engine goes through one queue, one
 * request at a time: scans keep their order, and a scan made after a mode
 * switch or a close is judged after it.  The engine's answers are the only
 * truth the page shows; it keeps just enough of them to draw the open case
 * or pallet.
 */

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "agg-application.h"
#include "agg-camera-view.h"
#include "agg-case-page.h"
#include "agg-demo.h"
#include "agg-dialog.h"
#include "agg-format.h"
#include "agg-signature-dialog.h"

#define HISTORY_LENGTH  10
#define DEMO_ORDER      "WO-DEMO-1"
#define DEMO_SOURCE     "demo"
#define DEMO_RATE_MIN   0.5
#define DEMO_RATE_MAX   5.0
#define DEMO_RATE_STEP  0.5
/* The simulated scanner waits rather than pile scans up behind a slow disk. */
#define DEMO_MAX_QUEUED 3
#define SOUNDS          "/io/github/aggstation/Station/sounds/"

typedef struct
{
  char      *sscc;
  char      *status;                  /* "open", "closed"; NULL: not known */
  guint      count;
  guint      capacity;
  GPtrArray *items;                   /* serials or case SSCCs seen going in, oldest first */
} Container;

typedef struct
{
  AggRequest *request;
  GDateTime  *at;
  gboolean    quiet;                  /* the page's own look-ups: no banner, no sound */
} Pending;

typedef enum
{
  BANNER_NEUTRAL,
  BANNER_ACCEPTED,
  BANNER_REJECTED,
  BANNER_ATTENTION,                   /* the operator has something to do */
} BannerStyle;

/* Reasons an operator gives for closing before the case is full. */
static const char *const reasons[] = {
  N_("End of lot"),
  N_("End of shift"),
  N_("Damaged units"),
};

struct _AggCasePage
{
  AdwBin          parent_instance;

  AggStation     *station;

  GtkStack       *order_stack;
  GtkLabel       *no_order_label;
  GtkButton      *start_button;
  GtkFlowBox     *orders_box;
  GtkLabel       *order_label;
  GtkLabel       *description_label;
  GtkLabel       *lot_label;
  GtkLabel       *expiry_label;
  GtkLabel       *progress_label;
  GtkProgressBar *progress_bar;
  GtkWidget      *banner;
  GtkImage       *banner_icon;
  GtkLabel       *banner_title;
  GtkLabel       *banner_subtitle;
  GtkLabel       *counter_label;
  GtkLabel       *container_label;
  GtkLabel       *sscc_label;
  GtkGrid        *slots_grid;
  GtkListBox     *history_list;
  GtkButton      *close_button;
  GtkWidget      *demo_box;
  AggCameraView  *camera_view;
  AggCamera      *camera;
  guint           layer_rows;         /* the running order's layer, for the camera */
  guint           layer_cols;
  GtkLabel       *demo_rate_label;

  AggLine        *line;
  GCancellable   *cancellable;
  GQueue          queue;              /* of Pending; while busy, the head is with the engine */
  gboolean        busy;

  char           *order_id;
  gboolean        order_running;
  char           *progress_order;     /* the order that packed and planned count for */
  guint           packed;
  guint           planned;

  gboolean        pallet_mode;
  Container       case_;
  Container       pallet;
  GPtrArray      *slots;              /* of GtkLabel, owned by slots_grid */
  GPtrArray      *closed_cases;       /* SSCCs of closed cases not seen on a pallet */

  /* What the properties last told. */
  guint           count;
  guint           capacity;
  char           *sscc;
  char           *last_outcome;
  char           *last_message;

  AggSignatureNeed to_sign;           /* refused for want of a signature */
  GtkWindow      *dialog;             /* the reason or signature asked for, if open */

  gboolean        sound;
  GtkMediaStream *accept_sound;
  GtkMediaStream *reject_sound;

  gboolean        demo;
  AggDemoFeed    *feed;
  double          demo_rate;
  gboolean        demo_paused;
  guint           demo_source;
};

G_DEFINE_FINAL_TYPE (AggCasePage, agg_case_page, ADW_TYPE_BIN)

enum
{
  PROP_0,
  PROP_ORDER_ID,
  PROP_MODE,
  PROP_COUNT,
  PROP_CAPACITY,
  PROP_SSCC,
  PROP_LAST_OUTCOME,
  PROP_LAST_MESSAGE,
  PROP_PENDING,
  PROP_SOUND,
  PROP_DEMO_RATE,
  PROP_DEMO_PAUSED,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void enqueue (AggCasePage *self,
                     AggRequest  *request,
                     gboolean     quiet);

/* Formatting */

/* A scan as a person can read it, whatever bytes the reader sent. */
static char *
describe_data (const char *data,
               gsize       len)
{
  GString *out = g_string_new (NULL);
  gboolean utf8 = g_utf8_validate_len (data, len, NULL);
  const char *p = data;

  while (p < data + len)
    {
      if (*p == '\x1d')
        {
          g_string_append (out, "<GS>");
          p++;
        }
      else if (utf8)
        {
          gunichar c = g_utf8_get_char (p);

          if (g_unichar_iscntrl (c))
            g_string_append_printf (out, "\\x%02X", c);
          else
            g_string_append_unichar (out, c);
          p = g_utf8_next_char (p);
        }
      else
        {
          guchar c = *p++;

          if (c < 0x20 || c >= 0x7f)
            g_string_append_printf (out, "\\x%02X", c);
          else
            g_string_append_c (out, c);
        }
    }
  return g_string_free (out, FALSE);
}

static const char *
tail (const char *item)
{
  gsize len = strlen (item);

  return item + (len > 4 ? len - 4 : 0);
}

static JsonObject *
get_object (JsonObject *object,
            const char *name)
{
  JsonNode *node = json_object_get_member (object, name);

  return node != NULL && JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
}

static const char *
get_string (JsonObject *object,
            const char *name)
{
  return json_object_get_string_member_with_default (object, name, NULL);
}

static guint
get_uint (JsonObject *object,
          const char *name)
{
  return CLAMP (json_object_get_int_member_with_default (object, name, 0), 0, G_MAXUINT);
}

static GtkWindow *
parent_window (AggCasePage *self)
{
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));

  return GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL;
}

/* Containers */

static void
container_reset (Container *container)
{
  g_clear_pointer (&container->sscc, g_free);
  g_clear_pointer (&container->status, g_free);
  container->count = 0;
  g_ptr_array_set_size (container->items, 0);
}

static void
container_clear (Container *container)
{
  g_free (container->sscc);
  g_free (container->status);
  g_ptr_array_unref (container->items);
}

static Container *
shown_container (AggCasePage *self)
{
  return self->pallet_mode ? &self->pallet : &self->case_;
}

/* Wider than tall, as a case lies on the table: 12 → 4 × 3, 24 → 6 × 4. */
static guint
grid_columns (guint capacity)
{
  guint columns = 1;

  if (capacity <= 4)
    return MAX (capacity, 1);
  while (columns * columns * 3 < capacity * 4)
    columns++;
  return columns;
}

static void
rebuild_slots (AggCasePage *self,
               guint        capacity)
{
  GtkWidget *child;
  guint columns = grid_columns (capacity);

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->slots_grid))) != NULL)
    gtk_grid_remove (self->slots_grid, child);
  g_ptr_array_set_size (self->slots, 0);

  for (guint i = 0; i < capacity; i++)
    {
      GtkWidget *slot = gtk_label_new (NULL);

      gtk_widget_add_css_class (slot, "case-slot");
      gtk_grid_attach (self->slots_grid, slot, i % columns, i / columns, 1, 1);
      g_ptr_array_add (self->slots, slot);
    }
}

static void
update_view (AggCasePage *self)
{
  Container *shown = shown_container (self);
  gboolean closed = g_strcmp0 (shown->status, "closed") == 0;
  gboolean complete = closed && shown->count >= shown->capacity;
  guint known = MIN (shown->items->len, shown->count);
  guint first_known = shown->count - known;
  g_autofree char *counter = NULL;
  g_autofree char *sscc = agg_format_sscc (shown->sscc);
  const char *state;

  if (shown->capacity != self->slots->len)
    rebuild_slots (self, shown->capacity);

  for (guint i = 0; i < self->slots->len; i++)
    {
      GtkLabel *slot = g_ptr_array_index (self->slots, i);
      gboolean filled = i < shown->count;

      if (filled && i >= first_known)
        gtk_label_set_text (slot, tail (g_ptr_array_index (shown->items,
                                                           shown->items->len - known
                                                           + i - first_known)));
      else
        {
          g_autofree char *position = g_strdup_printf ("%u", i + 1);

          /* A place to fill shows its number; one of a closed case, none. */
          gtk_label_set_text (slot, filled || closed ? "" : position);
        }
      gtk_widget_set_css_classes (GTK_WIDGET (slot),
                                  (const char *[]) { "case-slot",
                                                     filled ? "filled"
                                                     : closed ? "unused" : "empty",
                                                     NULL });
      if (filled && i + 1 == shown->count)
        gtk_widget_add_css_class (GTK_WIDGET (slot), "last");
    }

  counter = shown->capacity > 0 ? g_strdup_printf ("%u / %u", shown->count, shown->capacity)
                                : g_strdup_printf ("%u", shown->count);
  gtk_label_set_text (self->counter_label, counter);

  if (shown->sscc == NULL && shown->count == 0)
    state = self->pallet_mode ? _("New pallet") : _("New case");
  else if (complete)
    state = self->pallet_mode ? _("Pallet complete") : _("Case complete");
  else if (closed)
    state = self->pallet_mode ? _("Pallet closed") : _("Case closed");
  else
    state = self->pallet_mode ? _("Open pallet") : _("Open case");
  gtk_label_set_text (self->container_label, state);
  if (complete)
    gtk_widget_add_css_class (GTK_WIDGET (self->container_label), "complete");
  else
    gtk_widget_remove_css_class (GTK_WIDGET (self->container_label), "complete");
  gtk_label_set_text (self->sscc_label, sscc);
  gtk_widget_set_visible (GTK_WIDGET (self->sscc_label), shown->sscc != NULL);

  gtk_button_set_label (self->close_button,
                        self->pallet_mode ? _("Close pallet") : _("Close case"));

  if (self->count != shown->count)
    {
      self->count = shown->count;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_COUNT]);
    }
  if (self->capacity != shown->capacity)
    {
      self->capacity = shown->capacity;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CAPACITY]);
    }
  if (g_strcmp0 (self->sscc, shown->sscc) != 0)
    {
      g_free (self->sscc);
      self->sscc = g_strdup (shown->sscc);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SSCC]);
    }
}

/* @item: the unit's serial or the case's SSCC that just went in, if any. */
static void
update_container (AggCasePage *self,
                  Container   *container,
                  JsonObject  *object,
                  const char  *item)
{
  const char *sscc = get_string (object, "sscc");
  const char *status = get_string (object, "status");
  gboolean was_closed = g_strcmp0 (container->sscc, sscc) == 0 &&
                        g_strcmp0 (container->status, "closed") == 0;
  guint capacity = get_uint (object, "capacity");

  if (g_strcmp0 (container->sscc, sscc) != 0)
    {
      container_reset (container);
      container->sscc = g_strdup (sscc);
    }
  g_free (container->status);
  container->status = g_strdup (status);
  container->count = get_uint (object, "count");
  if (capacity > 0)
    container->capacity = capacity;
  if (item != NULL && !g_ptr_array_find_with_equal_func (container->items, item, g_str_equal, NULL))
    g_ptr_array_add (container->items, g_strdup (item));

  if (container == &self->case_ && !was_closed && g_strcmp0 (status, "closed") == 0)
    g_ptr_array_add (self->closed_cases, g_strdup (sscc));

  update_view (self);
}

/* The demo */

static gboolean
demo_tick (gpointer user_data)
{
  AggCasePage *self = user_data;
  AggRequest *request;

  /* Logged out, the page stays on screen while the window turns to the
   * login page. */
  if (g_queue_get_length (&self->queue) >= DEMO_MAX_QUEUED ||
      agg_line_get_username (self->line) == NULL)
    return G_SOURCE_CONTINUE;

  request = agg_request_new (AGG_ACTION_SCAN);
  request->source = g_strdup (DEMO_SOURCE);
  if (self->pallet_mode)
    {
      /* Building pallets, the line brings the cases it closed. */
      if (self->closed_cases->len == 0)
        {
          agg_request_free (request);
          return G_SOURCE_CONTINUE;
        }
      request->data = g_strconcat ("]C1" "00", g_ptr_array_index (self->closed_cases, 0), NULL);
      request->data_len = strlen (request->data);
      g_ptr_array_remove_index (self->closed_cases, 0);
    }
  else
    request->data = agg_demo_feed_next (self->feed, &request->data_len, NULL);

  enqueue (self, request, FALSE);
  return G_SOURCE_CONTINUE;
}

static void
demo_update (AggCasePage *self)
{
  gboolean run = self->demo && !self->demo_paused && self->order_running &&
                 gtk_widget_get_mapped (GTK_WIDGET (self));
  /* Translators: the simulated scanner's speed, in scans per second. */
  g_autofree char *rate = g_strdup_printf (_("%.1f scans/s"), self->demo_rate);

  gtk_label_set_text (self->demo_rate_label, rate);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "case.demo-slower",
                                 self->demo_rate > DEMO_RATE_MIN);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "case.demo-faster",
                                 self->demo_rate < DEMO_RATE_MAX);

  if (!run)
    g_clear_handle_id (&self->demo_source, g_source_remove);
  else if (self->demo_source == 0)
    self->demo_source = g_timeout_add ((guint) (1000 / self->demo_rate), demo_tick, self);
}

static void
set_demo_rate (AggCasePage *self,
               double       rate)
{
  rate = CLAMP (rate, DEMO_RATE_MIN, DEMO_RATE_MAX);
  if (rate == self->demo_rate)
    return;

  self->demo_rate = rate;
  g_clear_handle_id (&self->demo_source, g_source_remove);
  demo_update (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_DEMO_RATE]);
}

/* The work order */

static void
update_order_view (AggCasePage *self)
{
  g_autofree char *start = NULL;

  gtk_stack_set_visible_child_name (self->order_stack, self->order_running ? "running" : "none");

  if (self->order_id != NULL)
    {
      start = g_strdup_printf (_("Start order %s"), self->order_id);
      gtk_button_set_label (self->start_button, start);
      gtk_label_set_text (self->no_order_label, _("No work order is running"));
    }
  else
    gtk_label_set_text (self->no_order_label,
                        _("No work order is running: choose one or scan its barcode"));
  gtk_widget_set_visible (GTK_WIDGET (self->start_button), self->order_id != NULL);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "case.start-order", self->order_id != NULL);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "case.suspend-order", self->order_running);
  /* Cases and pallets close within an order. */
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "case.close", self->order_running);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "case.partial-close", self->order_running);

  demo_update (self);
}

static void
set_order_id (AggCasePage *self,
              const char  *order_id)
{
  if (g_strcmp0 (self->order_id, order_id) == 0)
    return;

  g_free (self->order_id);
  self->order_id = g_strdup (order_id);
  update_order_view (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ORDER_ID]);
}

static void
update_progress (AggCasePage *self)
{
  /* Translators: units packed so far of those the order plans. */
  g_autofree char *text = g_strdup_printf (ngettext ("%u of %u unit packed",
                                                     "%u of %u units packed", self->planned),
                                           self->packed, self->planned);

  gtk_label_set_text (self->progress_label, text);
  gtk_progress_bar_set_fraction (self->progress_bar,
                                 self->planned > 0
                                 ? MIN (1.0, (double) self->packed / self->planned) : 0.0);
}

static void
set_order (AggCasePage *self,
           JsonObject  *order)
{
  const char *id = get_string (order, "id");
  g_autofree char *expiry = agg_format_expiry (get_string (order, "expiry"));

  if (g_strcmp0 (id, self->order_id) != 0)
    {
      container_reset (&self->case_);
      container_reset (&self->pallet);
      g_ptr_array_set_size (self->closed_cases, 0);
      g_clear_pointer (&self->progress_order, g_free);
      self->packed = 0;
    }

  /* Until the engine names a container, its size is the order's. */
  if (self->case_.sscc == NULL)
    self->case_.capacity = get_uint (order, "units_per_case");
  if (self->pallet.sscc == NULL)
    self->pallet.capacity = get_uint (order, "cases_per_pallet");

  self->order_running = g_strcmp0 (get_string (order, "status"), "running") == 0;
  self->planned = get_uint (order, "planned");

  gtk_label_set_text (self->order_label, id);
  gtk_label_set_text (self->description_label, get_string (order, "description"));
  gtk_label_set_text (self->lot_label, get_string (order, "lot"));
  gtk_label_set_text (self->expiry_label, expiry);
  update_progress (self);

  set_order_id (self, id);
  update_order_view (self);
  update_view (self);
}

/* A big button for an order the operator may start or resume. */
static GtkWidget *
order_button_new (JsonObject *order)
{
  const char *id = get_string (order, "id");
  g_autofree char *expiry = agg_format_expiry (get_string (order, "expiry"));
  /* Translators: an order's lot and expiry date, on the button that starts it. */
  g_autofree char *details = g_strdup_printf (_("Lot %s · Expiry %s"),
                                              get_string (order, "lot"), expiry);
  /* Translators: units packed so far of those an order plans. */
  g_autofree char *progress = g_strdup_printf (_("%u of %u"), get_uint (order, "aggregated"),
                                               get_uint (order, "planned"));
  g_autofree char *name = NULL;
  GtkWidget *button = gtk_button_new ();
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 4);
  const struct {
    const char *text;
    const char *css_class;
  } lines[] = {
    { id, "order-id" },
    { get_string (order, "description"), "order-value" },
    { details, "order-caption" },
    { progress, "order-caption" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (lines); i++)
    {
      GtkWidget *label = gtk_label_new (lines[i].text);

      gtk_label_set_xalign (GTK_LABEL (label), 0);
      gtk_label_set_wrap (GTK_LABEL (label), TRUE);
      gtk_widget_add_css_class (label, lines[i].css_class);
      gtk_box_append (GTK_BOX (box), label);
    }

  if (g_strcmp0 (get_string (order, "status"), "suspended") == 0)
    name = g_strdup_printf (_("Resume order %s"), id);
  else
    name = g_strdup_printf (_("Start order %s"), id);
  gtk_accessible_update_property (GTK_ACCESSIBLE (button), GTK_ACCESSIBLE_PROPERTY_LABEL, name,
                                  -1);
  gtk_button_set_child (GTK_BUTTON (button), box);
  gtk_widget_add_css_class (button, "touch");
  gtk_widget_add_css_class (button, "order-button");
  gtk_actionable_set_action_name (GTK_ACTIONABLE (button), "case.start-listed-order");
  gtk_actionable_set_action_target (GTK_ACTIONABLE (button), "s", id);
  return button;
}

static void
set_orders (AggCasePage *self,
            JsonArray   *orders)
{
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->orders_box))) != NULL)
    gtk_flow_box_remove (self->orders_box, child);

  for (guint i = 0; i < json_array_get_length (orders); i++)
    gtk_flow_box_append (self->orders_box,
                         order_button_new (json_array_get_object_element (orders, i)));
}

static void
set_progress (AggCasePage *self,
              JsonObject  *figures)
{
  g_free (self->progress_order);
  self->progress_order = g_strdup (get_string (figures, "order"));
  self->packed = get_uint (figures, "aggregated");
  self->planned = get_uint (figures, "planned");
  update_progress (self);
}

/* Feedback */

static void
show_banner (AggCasePage *self,
             BannerStyle  style,
             const char  *title,
             const char  *subtitle)
{
  static const char *const classes[] = {
    [BANNER_NEUTRAL] = "neutral",
    [BANNER_ACCEPTED] = "accepted",
    [BANNER_REJECTED] = "rejected",
    [BANNER_ATTENTION] = "attention",
  };
  static const char *const icons[] = {
    [BANNER_NEUTRAL] = "dialog-information-symbolic",
    [BANNER_ACCEPTED] = "object-select-symbolic",
    [BANNER_REJECTED] = "dialog-error-symbolic",
    [BANNER_ATTENTION] = "dialog-warning-symbolic",
  };

  gtk_widget_set_css_classes (self->banner,
                              (const char *[]) { "scan-banner", classes[style], NULL });
  gtk_image_set_from_icon_name (self->banner_icon, icons[style]);
  gtk_label_set_text (self->banner_title, title);
  gtk_label_set_text (self->banner_subtitle, subtitle);
  gtk_widget_set_visible (GTK_WIDGET (self->banner_subtitle), subtitle != NULL);
}

/* @title: what was scanned, if known; @note: what to say of it, else the
 * engine's message. */
static void
add_history (AggCasePage     *self,
             const Pending   *pending,
             const AggResult *result,
             const char      *title,
             const char      *note)
{
  gboolean ok = agg_result_is_ok (result);
  g_autofree char *time = g_date_time_format (pending->at, "%H:%M:%S");
  g_autofree char *code = title ? g_strdup (title)
                                : describe_data (pending->request->data,
                                                  pending->request->data_len);
  GtkWidget *row = gtk_list_box_row_new ();
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 12);
  GtkWidget *text = gtk_box_new (GTK_ORIENTATION_VERTICAL, 2);
  GtkWidget *icon = gtk_image_new_from_icon_name (ok ? "object-select-symbolic"
                                                     : "dialog-error-symbolic");
  GtkWidget *label;
  GtkListBoxRow *oldest;

  gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (row), FALSE);
  gtk_widget_set_focusable (row, FALSE);

  label = gtk_label_new (time);
  gtk_widget_add_css_class (label, "history-time");
  gtk_box_append (GTK_BOX (box), label);

  gtk_image_set_pixel_size (GTK_IMAGE (icon), 24);
  gtk_widget_add_css_class (icon, "history-icon");
  gtk_widget_add_css_class (icon, ok ? "accepted" : "rejected");
  gtk_accessible_update_property (GTK_ACCESSIBLE (icon), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  ok ? _("Accepted") : _("Rejected"), -1);
  gtk_box_append (GTK_BOX (box), icon);

  label = gtk_label_new (code);
  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_label_set_ellipsize (GTK_LABEL (label), PANGO_ELLIPSIZE_MIDDLE);
  gtk_widget_add_css_class (label, "history-code");
  gtk_box_append (GTK_BOX (text), label);

  label = gtk_label_new (note ? note : result->message);
  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_label_set_wrap (GTK_LABEL (label), TRUE);
  gtk_label_set_wrap_mode (GTK_LABEL (label), PANGO_WRAP_WORD_CHAR);
  gtk_label_set_lines (GTK_LABEL (label), 2);
  gtk_label_set_ellipsize (GTK_LABEL (label), PANGO_ELLIPSIZE_END);
  gtk_widget_add_css_class (label, "history-message");
  gtk_box_append (GTK_BOX (text), label);

  gtk_widget_set_hexpand (text, TRUE);
  gtk_box_append (GTK_BOX (box), text);
  gtk_list_box_row_set_child (GTK_LIST_BOX_ROW (row), box);
  gtk_list_box_prepend (self->history_list, row);

  oldest = gtk_list_box_get_row_at_index (self->history_list, HISTORY_LENGTH);
  if (oldest != NULL)
    gtk_list_box_remove (self->history_list, GTK_WIDGET (oldest));
}

/* A station may have no media backend or no sound card: then the stream
 * is in error from the start, and the banner and the bell must do. */
static void
play (AggCasePage     *self,
      GtkMediaStream **stream,
      const char      *name)
{
  if (!self->sound)
    return;

  if (*stream == NULL)
    *stream = gtk_media_file_new_for_resource (name);
  if (gtk_media_stream_get_error (*stream) != NULL)
    return;

  gtk_media_stream_seek (*stream, 0);
  gtk_media_stream_play (*stream);
}

static void
set_last (AggCasePage *self,
          const char  *outcome,
          const char  *message)
{
  if (g_strcmp0 (self->last_outcome, outcome) != 0)
    {
      g_free (self->last_outcome);
      self->last_outcome = g_strdup (outcome);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LAST_OUTCOME]);
    }
  if (g_strcmp0 (self->last_message, message) != 0)
    {
      g_free (self->last_message);
      self->last_message = g_strdup (message);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LAST_MESSAGE]);
    }
}

/* Partial closes: a reason, then a supervisor's signature */

static void
choose_reason (AggCasePage *self)
{
  agg_dialog_choose_reason (&self->dialog, GTK_WIDGET (self), "case.partial-close",
                            self->pallet_mode ? _("Close the pallet before it is full?")
                                              : _("Close the case before it is full?"),
                            _("Choose why. A supervisor signs next."),
                            reasons, G_N_ELEMENTS (reasons));
}

static void
sign_response_cb (AggSignatureDialog *dialog,
                  const char         *response,
                  AggCasePage        *self)
{
  /* Answered: it is closing already. */
  agg_dialog_forget (&self->dialog);
  if (strcmp (response, "sign") == 0)
    {
      gtk_widget_activate_action (GTK_WIDGET (self), "case.sign", "(ss)",
                                  agg_signature_dialog_get_signer (dialog),
                                  agg_signature_dialog_get_pin (dialog));
      return;
    }

  agg_signature_need_clear (&self->to_sign);
  show_banner (self, BANNER_NEUTRAL, _("Not closed: no signature"), NULL);
}

/* @problem: why the last try failed, if it did. */
static void
ask_signature (AggCasePage *self,
               const char  *problem)
{
  GtkWidget *dialog = agg_signature_dialog_new_for_need (parent_window (self), self->line,
                                                         &self->to_sign, problem);

  g_signal_connect_object (dialog, "response", G_CALLBACK (sign_response_cb), self, 0);
  agg_dialog_show (&self->dialog, dialog);
}

/* The engine's answers */

static void
pending_free (Pending *pending)
{
  agg_request_free (pending->request);
  g_date_time_unref (pending->at);
  g_free (pending);
}

static gboolean
is_close (const AggRequest *request)
{
  return request->action == AGG_ACTION_CLOSE_CASE || request->action == AGG_ACTION_CLOSE_PALLET;
}

/* What the page looks up by itself after a login or a start: which order
 * runs, how far it is, and how full its open case. */
static void
follow_up (AggCasePage     *self,
           const Pending   *pending,
           const AggResult *result)
{
  JsonObject *figures = get_object (result->details, "reconciliation");
  AggRequest *request;

  if (pending->request->action == AGG_ACTION_RECONCILE && figures != NULL)
    {
      guint in_open_case = get_uint (figures, "in_open_cases");

      if (g_strcmp0 (self->case_.status, "open") != 0 || self->case_.count != in_open_case)
        {
          container_reset (&self->case_);
          self->case_.count = in_open_case;
          if (in_open_case > 0)
            self->case_.status = g_strdup ("open");
          update_view (self);
        }

      if (!self->order_running || g_strcmp0 (self->order_id, get_string (figures, "order")) != 0)
        {
          request = agg_request_new (AGG_ACTION_START_ORDER);
          request->code = g_strdup (get_string (figures, "order"));
          enqueue (self, request, TRUE);
        }
      else
        demo_update (self);
    }
  else if (get_object (result->details, "order") != NULL && self->order_running &&
           g_strcmp0 (self->progress_order, self->order_id) != 0)
    {
      request = agg_request_new (AGG_ACTION_RECONCILE);
      request->code = g_strdup (self->order_id);
      enqueue (self, request, TRUE);
    }
  else if (pending->request->action == AGG_ACTION_RECONCILE &&
           result->outcome == AGG_OUTCOME_NO_RUNNING_ORDER && self->demo)
    {
      request = agg_request_new (AGG_ACTION_START_ORDER);
      request->code = g_strdup (DEMO_ORDER);
      enqueue (self, request, FALSE);
    }
  else if (pending->request->action == AGG_ACTION_RECONCILE &&
           result->outcome == AGG_OUTCOME_NO_RUNNING_ORDER)
    {
      show_banner (self, BANNER_NEUTRAL, _("Start a work order before scanning"), NULL);
      enqueue (self, agg_request_new (AGG_ACTION_LIST_ORDERS), TRUE);
    }
  else if (pending->request->action == AGG_ACTION_SUSPEND_ORDER && agg_result_is_ok (result))
    enqueue (self, agg_request_new (AGG_ACTION_LIST_ORDERS), TRUE);
}

static void
handle_result (AggCasePage     *self,
               const Pending   *pending,
               const AggResult *result)
{
  const AggRequest *request = pending->request;
  gboolean ok = agg_result_is_ok (result);
  JsonObject *unit = get_object (result->details, "unit");
  JsonObject *case_ = get_object (result->details, "case");
  JsonObject *pallet = get_object (result->details, "pallet");
  JsonObject *object;
  const char *outcome = agg_outcome_to_string (result->outcome);
  /* What a scan put in: a unit into its case, or a case onto its pallet. */
  const char *item = NULL;
  JsonObject *container = NULL;
  g_autofree char *title = NULL;
  g_autofree char *note = NULL;
  g_autofree char *subtitle = NULL;
  BannerStyle style = ok ? BANNER_ACCEPTED : BANNER_REJECTED;

  if (pallet != NULL && case_ != NULL)
    {
      item = get_string (case_, "sscc");
      container = pallet;
    }
  else if (unit != NULL)
    {
      item = get_string (unit, "serial");
      container = case_;
    }

  if ((object = get_object (result->details, "order")) != NULL)
    {
      set_order (self, object);
      /* The camera counts slots on the product's layer. */
      self->layer_rows = get_uint (object, "layer_rows");
      self->layer_cols = get_uint (object, "layer_cols");
      if (self->camera != NULL)
        agg_camera_set_layout (self->camera, self->layer_rows, self->layer_cols);
    }
  if ((object = get_object (result->details, "reconciliation")) != NULL)
    set_progress (self, object);
  if (json_object_has_member (result->details, "orders"))
    set_orders (self, json_object_get_array_member (result->details, "orders"));

  /* Putting a case on a pallet also answers with the case: the pallet is
   * what changed. */
  if (ok && pallet != NULL)
    {
      guint index;

      if (item != NULL &&
          g_ptr_array_find_with_equal_func (self->closed_cases, item, g_str_equal, &index))
        g_ptr_array_remove_index (self->closed_cases, index);
      update_container (self, &self->pallet, pallet,
                        request->action == AGG_ACTION_SCAN ? item : NULL);
    }
  else if (ok && case_ != NULL)
    update_container (self, &self->case_, case_, item);
  else if (request->action == AGG_ACTION_SCAN_LAYER && case_ != NULL)
    update_container (self, &self->case_, case_, NULL);

  /* A camera layer: the verdict on each slot; what went in counts. */
  if (request->action == AGG_ACTION_SCAN_LAYER &&
      (object = get_object (result->details, "layer")) != NULL)
    {
      agg_camera_view_set_layer (self->camera_view, object);
      if (g_strcmp0 (self->progress_order, self->order_id) == 0)
        {
          self->packed += get_uint (object, "accepted");
          update_progress (self);
        }
    }
  /* The handheld's scan after a tap on a red slot fills that slot. */
  if (request->action == AGG_ACTION_SCAN && unit != NULL &&
      agg_camera_view_get_armed_slot (self->camera_view) >= 0)
    agg_camera_view_fill_armed (self->camera_view, ok);

  if (ok && request->action == AGG_ACTION_SCAN && unit != NULL &&
      g_strcmp0 (self->progress_order, self->order_id) == 0)
    {
      self->packed++;
      update_progress (self);
    }

  if (result->outcome == AGG_OUTCOME_NO_RUNNING_ORDER)
    {
      self->order_running = FALSE;
      update_order_view (self);
    }

  if (request->signer != NULL && result->outcome != AGG_OUTCOME_BAD_CREDENTIALS)
    agg_signature_need_clear (&self->to_sign);

  follow_up (self, pending, result);
  if (pending->quiet)
    return;

  set_last (self, outcome, result->message);

  if (result->outcome == AGG_OUTCOME_SIGNATURE_REQUIRED)
    {
      style = BANNER_ATTENTION;
      agg_signature_need_set (&self->to_sign, request, result);
      ask_signature (self, NULL);
    }
  else if (result->outcome == AGG_OUTCOME_BAD_CREDENTIALS && self->to_sign.request != NULL)
    ask_signature (self, result->message);
  else if (result->outcome == AGG_OUTCOME_LAYER_INCOMPLETE)
    style = BANNER_ATTENTION;
  else if (result->outcome == AGG_OUTCOME_NOT_PERMITTED && is_close (request) &&
           request->reason == NULL)
    {
      /* Closing a case that is not full: that needs a reason first. */
      style = BANNER_ATTENTION;
      choose_reason (self);
    }

  if (item != NULL)
    title = pallet != NULL ? agg_format_sscc (item) : g_strdup (item);

  /* Something went in: what it was, big, and where its container stands. */
  if (ok && title != NULL && container != NULL)
    {
      if (json_object_get_boolean_member_with_default (result->details,
                                                       pallet ? "pallet_closed" : "case_closed",
                                                       FALSE))
        note = g_strdup (pallet ? _("Pallet complete") : _("Case complete"));
      else
        note = g_strdup_printf ("%u / %u", get_uint (container, "count"),
                                get_uint (container, "capacity"));
      subtitle = g_strdup_printf ("%s · %s", outcome, note);
      show_banner (self, style, title, subtitle);
    }
  else
    show_banner (self, style, result->message, outcome);

  if (request->action == AGG_ACTION_SCAN)
    add_history (self, pending, result, title, note);

  if (style == BANNER_ACCEPTED)
    play (self, &self->accept_sound, SOUNDS "accept.wav");
  else if (style == BANNER_REJECTED)
    {
      gtk_widget_error_bell (GTK_WIDGET (self));
      play (self, &self->reject_sound, SOUNDS "reject.wav");
    }
}

static void
run_next (AggCasePage *self);

static void
execute_cb (GObject      *source,
            GAsyncResult *res,
            gpointer      user_data)
{
  g_autoptr(AggCasePage) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(AggResult) result = agg_line_execute_finish (AGG_LINE (source), res, &error);
  Pending *pending;

  /* Disposed meanwhile. */
  if (g_cancellable_is_cancelled (self->cancellable))
    return;

  pending = g_queue_pop_head (&self->queue);
  self->busy = FALSE;

  g_object_freeze_notify (G_OBJECT (self));
  if (result != NULL)
    handle_result (self, pending, result);
  else
    {
      set_last (self, NULL, error->message);
      show_banner (self, BANNER_REJECTED, error->message, NULL);
    }
  pending_free (pending);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PENDING]);
  g_object_thaw_notify (G_OBJECT (self));

  run_next (self);
}

static void
run_next (AggCasePage *self)
{
  Pending *pending = g_queue_peek_head (&self->queue);

  if (self->busy || pending == NULL)
    return;

  self->busy = TRUE;
  agg_line_execute_async (self->line, pending->request, self->cancellable, execute_cb,
                          g_object_ref (self));
}

/* Takes @request. */
static void
enqueue (AggCasePage *self,
         AggRequest  *request,
         gboolean     quiet)
{
  Pending *pending;

  if (self->line == NULL)
    {
      agg_request_free (request);
      return;
    }

  pending = g_new0 (Pending, 1);
  pending->request = request;
  pending->at = g_date_time_new_now_local ();
  pending->quiet = quiet;
  g_queue_push_tail (&self->queue, pending);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PENDING]);
  run_next (self);
}

static void
set_mode (AggCasePage *self,
          gboolean     pallet,
          gboolean     tell_engine)
{
  if (self->pallet_mode == pallet)
    return;

  self->pallet_mode = pallet;
  if (tell_engine)
    {
      AggRequest *request = agg_request_new (AGG_ACTION_SET_MODE);

      request->code = g_strdup (pallet ? "pallet" : "case");
      enqueue (self, request, FALSE);
    }
  update_view (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_MODE]);
}

/* Someone logged in: find out where the line stands. */
static void
session_started (AggCasePage *self)
{
  GtkWindow *window = parent_window (self);
  GtkApplication *app = window ? gtk_window_get_application (window) : NULL;

  self->demo = AGG_IS_APPLICATION (app) && agg_application_is_demo (AGG_APPLICATION (app));
  gtk_widget_set_visible (self->demo_box, self->demo);
  if (self->demo && self->feed == NULL)
    self->feed = agg_demo_feed_new (g_random_int ());
  if (self->demo && self->order_id == NULL)
    set_order_id (self, DEMO_ORDER);

  /* A login puts the engine back to packing cases; so must a page shown
   * again in pallet mode. */
  set_mode (self, FALSE, TRUE);
  show_banner (self, BANNER_NEUTRAL, self->demo ? _("Simulated scanner starting…")
                                                : _("Scan a unit"), NULL);
  enqueue (self, agg_request_new (AGG_ACTION_RECONCILE), TRUE);
}

/* Actions */

static void
close_action (GtkWidget  *widget,
              const char *action_name,
              GVariant   *parameter)
{
  AggCasePage *self = AGG_CASE_PAGE (widget);

  enqueue (self, agg_request_new (self->pallet_mode ? AGG_ACTION_CLOSE_PALLET
                                                    : AGG_ACTION_CLOSE_CASE), FALSE);
}

static void
partial_close_action (GtkWidget  *widget,
                      const char *action_name,
                      GVariant   *parameter)
{
  AggCasePage *self = AGG_CASE_PAGE (widget);
  const char *reason = g_variant_get_string (parameter, NULL);
  AggRequest *request;

  if (*reason == '\0')
    {
      choose_reason (self);
      return;
    }

  request = agg_request_new (self->pallet_mode ? AGG_ACTION_CLOSE_PALLET : AGG_ACTION_CLOSE_CASE);
  request->reason = g_strdup (reason);
  enqueue (self, request, FALSE);
}

static void
sign_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  AggCasePage *self = AGG_CASE_PAGE (widget);
  AggRequest *request;

  if (self->to_sign.request == NULL)
    return;

  agg_dialog_close (&self->dialog);
  request = agg_request_copy (self->to_sign.request);
  g_free (request->signer);
  g_free (request->signer_pin);
  g_variant_get (parameter, "(ss)", &request->signer, &request->signer_pin);
  enqueue (self, request, FALSE);
}

static void
start_order_action (GtkWidget  *widget,
                    const char *action_name,
                    GVariant   *parameter)
{
  AggCasePage *self = AGG_CASE_PAGE (widget);
  AggRequest *request = agg_request_new (AGG_ACTION_START_ORDER);

  request->code = g_strdup (self->order_id);
  enqueue (self, request, FALSE);
}

static void
start_listed_order_action (GtkWidget  *widget,
                           const char *action_name,
                           GVariant   *parameter)
{
  AggCasePage *self = AGG_CASE_PAGE (widget);
  AggRequest *request = agg_request_new (AGG_ACTION_START_ORDER);

  request->code = g_variant_dup_string (parameter, NULL);
  enqueue (self, request, FALSE);
}

static void
suspend_order_action (GtkWidget  *widget,
                      const char *action_name,
                      GVariant   *parameter)
{
  enqueue (AGG_CASE_PAGE (widget), agg_request_new (AGG_ACTION_SUSPEND_ORDER), FALSE);
}

static void
demo_rate_action (GtkWidget  *widget,
                  const char *action_name,
                  GVariant   *parameter)
{
  AggCasePage *self = AGG_CASE_PAGE (widget);

  set_demo_rate (self, self->demo_rate + (strcmp (action_name, "case.demo-faster") == 0
                                          ? DEMO_RATE_STEP : -DEMO_RATE_STEP));
}

/* GObject */

static void
agg_case_page_map (GtkWidget *widget)
{
  AggCasePage *self = AGG_CASE_PAGE (widget);

  GTK_WIDGET_CLASS (agg_case_page_parent_class)->map (widget);

  if (self->line != NULL && agg_line_get_username (self->line) != NULL)
    session_started (self);
}

static void
agg_case_page_unmap (GtkWidget *widget)
{
  AggCasePage *self = AGG_CASE_PAGE (widget);
  GList *l;

  GTK_WIDGET_CLASS (agg_case_page_parent_class)->unmap (widget);

  /* Logged out: the simulated scanner stops, and what it still had
   * queued goes with it.  Real scans stay. */
  demo_update (self);
  l = self->busy ? self->queue.head->next : self->queue.head;
  while (l != NULL)
    {
      GList *next = l->next;
      Pending *pending = l->data;

      if (g_strcmp0 (pending->request->source, DEMO_SOURCE) == 0)
        {
          pending_free (pending);
          g_queue_delete_link (&self->queue, l);
        }
      l = next;
    }
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PENDING]);
}

static void
agg_case_page_get_property (GObject    *object,
                            guint       prop_id,
                            GValue     *value,
                            GParamSpec *pspec)
{
  AggCasePage *self = AGG_CASE_PAGE (object);

  switch (prop_id)
    {
    case PROP_ORDER_ID:
      g_value_set_string (value, self->order_id);
      break;
    case PROP_MODE:
      g_value_set_string (value, self->pallet_mode ? "pallet" : "case");
      break;
    case PROP_COUNT:
      g_value_set_uint (value, self->count);
      break;
    case PROP_CAPACITY:
      g_value_set_uint (value, self->capacity);
      break;
    case PROP_SSCC:
      g_value_set_string (value, self->sscc);
      break;
    case PROP_LAST_OUTCOME:
      g_value_set_string (value, self->last_outcome);
      break;
    case PROP_LAST_MESSAGE:
      g_value_set_string (value, self->last_message);
      break;
    case PROP_PENDING:
      g_value_set_uint (value, g_queue_get_length (&self->queue));
      break;
    case PROP_SOUND:
      g_value_set_boolean (value, self->sound);
      break;
    case PROP_DEMO_RATE:
      g_value_set_double (value, self->demo_rate);
      break;
    case PROP_DEMO_PAUSED:
      g_value_set_boolean (value, self->demo_paused);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
agg_case_page_set_property (GObject      *object,
                            guint         prop_id,
                            const GValue *value,
                            GParamSpec   *pspec)
{
  AggCasePage *self = AGG_CASE_PAGE (object);
  const char *mode;

  switch (prop_id)
    {
    case PROP_ORDER_ID:
      set_order_id (self, g_value_get_string (value));
      break;
    case PROP_MODE:
      mode = g_value_get_string (value);
      g_return_if_fail (g_strcmp0 (mode, "case") == 0 || g_strcmp0 (mode, "pallet") == 0);
      set_mode (self, strcmp (mode, "pallet") == 0, TRUE);
      break;
    case PROP_SOUND:
      if (self->sound != g_value_get_boolean (value))
        {
          self->sound = g_value_get_boolean (value);
          g_object_notify_by_pspec (object, pspec);
        }
      break;
    case PROP_DEMO_RATE:
      set_demo_rate (self, g_value_get_double (value));
      break;
    case PROP_DEMO_PAUSED:
      if (self->demo_paused != g_value_get_boolean (value))
        {
          self->demo_paused = g_value_get_boolean (value);
          demo_update (self);
          g_object_notify_by_pspec (object, pspec);
        }
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
agg_case_page_dispose (GObject *object)
{
  AggCasePage *self = AGG_CASE_PAGE (object);

  g_cancellable_cancel (self->cancellable);
  agg_dialog_close (&self->dialog);
  g_clear_handle_id (&self->demo_source, g_source_remove);
  g_queue_clear_full (&self->queue, (GDestroyNotify) pending_free);
  if (self->station != NULL)
    g_signal_handlers_disconnect_by_data (self->station, self);
  g_clear_object (&self->station);
  if (self->camera != NULL)
    g_signal_handlers_disconnect_by_data (self->camera, self);
  g_clear_object (&self->camera);
  g_clear_object (&self->line);
  g_clear_object (&self->accept_sound);
  g_clear_object (&self->reject_sound);
  gtk_widget_dispose_template (GTK_WIDGET (self), AGG_TYPE_CASE_PAGE);

  G_OBJECT_CLASS (agg_case_page_parent_class)->dispose (object);
}

static void
agg_case_page_finalize (GObject *object)
{
  AggCasePage *self = AGG_CASE_PAGE (object);

  g_object_unref (self->cancellable);
  g_free (self->order_id);
  g_free (self->progress_order);
  container_clear (&self->case_);
  container_clear (&self->pallet);
  g_ptr_array_unref (self->slots);
  g_ptr_array_unref (self->closed_cases);
  g_free (self->sscc);
  g_free (self->last_outcome);
  g_free (self->last_message);
  agg_signature_need_clear (&self->to_sign);
  g_clear_pointer (&self->feed, agg_demo_feed_free);

  G_OBJECT_CLASS (agg_case_page_parent_class)->finalize (object);
}

static void
agg_case_page_class_init (AggCasePageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->get_property = agg_case_page_get_property;
  object_class->set_property = agg_case_page_set_property;
  object_class->dispose = agg_case_page_dispose;
  object_class->finalize = agg_case_page_finalize;
  widget_class->map = agg_case_page_map;
  widget_class->unmap = agg_case_page_unmap;

  /* The order "case.start-order" starts; the engine's last word on it. */
  properties[PROP_ORDER_ID] =
    g_param_spec_string ("order-id", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  /* "case" or "pallet": what the scans build, and what the page shows. */
  properties[PROP_MODE] =
    g_param_spec_string ("mode", NULL, NULL, "case",
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  /* The units in the case shown, or the cases on the pallet. */
  properties[PROP_COUNT] =
    g_param_spec_uint ("count", NULL, NULL, 0, G_MAXUINT, 0,
                       G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_CAPACITY] =
    g_param_spec_uint ("capacity", NULL, NULL, 0, G_MAXUINT, 0,
                       G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_SSCC] =
    g_param_spec_string ("sscc", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  /* The engine's last answer to the operator (agg_outcome_to_string). */
  properties[PROP_LAST_OUTCOME] =
    g_param_spec_string ("last-outcome", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_LAST_MESSAGE] =
    g_param_spec_string ("last-message", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  /* Requests queued or with the engine. */
  properties[PROP_PENDING] =
    g_param_spec_uint ("pending", NULL, NULL, 0, G_MAXUINT, 0,
                       G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_SOUND] =
    g_param_spec_boolean ("sound", NULL, NULL, TRUE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  /* Scans per second of the simulated line in demo mode. */
  properties[PROP_DEMO_RATE] =
    g_param_spec_double ("demo-rate", NULL, NULL, DEMO_RATE_MIN, DEMO_RATE_MAX, 1.0,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_DEMO_PAUSED] =
    g_param_spec_boolean ("demo-paused", NULL, NULL, FALSE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  g_type_ensure (AGG_TYPE_CAMERA_VIEW);
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/aggstation/Station/agg-case-page.ui");
  gtk_widget_class_bind_template_child (widget_class, AggCasePage, order_stack);
  gtk_widget_class_bind_template_child (widget_class, AggCasePage, no_order_label);
  gtk_widget_class_bind_template_child (widget_class, AggCasePage, start_button);
  gtk_widget_class_bind_template_child (widget_class, AggCasePage, orders_box);
  gtk_widget_class_bind_template_child (widget_class, AggCasePage, order_label);
  gtk_widget_class_bind_template_child (widget_class, AggCasePage, description_label);
  gtk_widget_class_bind_template_child (widget_class, AggCasePage, lot_label);
  gtk_widget_class_bind_template_child (widget_class, AggCasePage, expiry_label);
  gtk_widget_class_bind_template_child (widget_class, AggCasePage, progress_label);
  gtk_widget_class_bind_template_child (widget_class, AggCasePage, progress_bar);
  gtk_widget_class_bind_template_child (widget_class, AggCasePage, banner);
  gtk_widget_class_bind_template_child (widget_class, AggCasePage, banner_icon);
  gtk_widget_class_bind_template_child (widget_class, AggCasePage, banner_title);
  gtk_widget_class_bind_template_child (widget_class, AggCasePage, banner_subtitle);
  gtk_widget_class_bind_template_child (widget_class, AggCasePage, counter_label);
  gtk_widget_class_bind_template_child (widget_class, AggCasePage, container_label);
  gtk_widget_class_bind_template_child (widget_class, AggCasePage, sscc_label);
  gtk_widget_class_bind_template_child (widget_class, AggCasePage, slots_grid);
  gtk_widget_class_bind_template_child (widget_class, AggCasePage, history_list);
  gtk_widget_class_bind_template_child (widget_class, AggCasePage, close_button);
  gtk_widget_class_bind_template_child (widget_class, AggCasePage, demo_box);
  gtk_widget_class_bind_template_child (widget_class, AggCasePage, camera_view);
  gtk_widget_class_bind_template_child (widget_class, AggCasePage, demo_rate_label);

  gtk_widget_class_install_action (widget_class, "case.close", NULL, close_action);
  gtk_widget_class_install_action (widget_class, "case.partial-close", "s", partial_close_action);
  gtk_widget_class_install_action (widget_class, "case.sign", "(ss)", sign_action);
  gtk_widget_class_install_action (widget_class, "case.start-order", NULL, start_order_action);
  gtk_widget_class_install_action (widget_class, "case.start-listed-order", "s",
                                   start_listed_order_action);
  gtk_widget_class_install_action (widget_class, "case.suspend-order", NULL,
                                   suspend_order_action);
  gtk_widget_class_install_action (widget_class, "case.demo-faster", NULL, demo_rate_action);
  gtk_widget_class_install_action (widget_class, "case.demo-slower", NULL, demo_rate_action);
  gtk_widget_class_install_property_action (widget_class, "case.mode", "mode");
  gtk_widget_class_install_property_action (widget_class, "case.demo-paused", "demo-paused");
}

static void
agg_case_page_init (AggCasePage *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  self->cancellable = g_cancellable_new ();
  g_queue_init (&self->queue);
  self->case_.items = g_ptr_array_new_with_free_func (g_free);
  self->pallet.items = g_ptr_array_new_with_free_func (g_free);
  self->slots = g_ptr_array_new ();
  self->closed_cases = g_ptr_array_new_with_free_func (g_free);
  self->sound = TRUE;
  self->demo_rate = 1.0;

  gtk_accessible_update_property (GTK_ACCESSIBLE (self->slots_grid),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, _("Contents"), -1);
  show_banner (self, BANNER_NEUTRAL, _("Scan a unit"), NULL);
  update_order_view (self);
  update_view (self);
}

void
agg_case_page_set_line (AggCasePage *self,
                        AggLine     *line)
{
  g_return_if_fail (AGG_IS_CASE_PAGE (self));
  g_return_if_fail (line == NULL || AGG_IS_LINE (line));

  if (!g_set_object (&self->line, line))
    return;

  if (line != NULL && gtk_widget_get_mapped (GTK_WIDGET (self)) &&
      agg_line_get_username (line) != NULL)
    session_started (self);
}

/* A reader's or camera's request, run by the station: shown as if the
 * page had asked, with the reader's name in the history. */
static void
station_request_processed (AggStation       *station,
                           const AggRequest *request,
                           const AggResult  *result,
                           AggCasePage      *self)
{
  Pending pending = { 0, };

  if (request->source == NULL || g_cancellable_is_cancelled (self->cancellable))
    return;

  pending.request = (AggRequest *) request;
  pending.at = g_date_time_new_now_local ();
  g_object_freeze_notify (G_OBJECT (self));
  handle_result (self, &pending, result);
  g_object_thaw_notify (G_OBJECT (self));
  g_date_time_unref (pending.at);
}

void
agg_case_page_set_station (AggCasePage *self,
                           AggStation  *station)
{
  g_return_if_fail (AGG_IS_CASE_PAGE (self));
  g_return_if_fail (station == NULL || AGG_IS_STATION (station));

  if (self->station == station)
    return;
  if (self->station != NULL)
    g_signal_handlers_disconnect_by_data (self->station, self);
  g_set_object (&self->station, station);
  if (station != NULL)
    g_signal_connect (station, "request-processed", G_CALLBACK (station_request_processed), self);
  agg_case_page_set_line (self, station != NULL ? agg_station_get_line (station) : NULL);
}

void
agg_case_page_scan (AggCasePage *self,
                    const char  *data,
                    gsize        len)
{
  AggRequest *request;

  g_return_if_fail (AGG_IS_CASE_PAGE (self));
  g_return_if_fail (data != NULL);

  request = agg_request_new (AGG_ACTION_SCAN);
  request->data = g_malloc (len + 1);
  memcpy (request->data, data, len);
  request->data[len] = '\0';
  request->data_len = len;
  request->source = g_strdup ("keyboard");
  enqueue (self, request, FALSE);
}

static void
image_decoded_cb (AggCamera      *camera,
                  AggCameraImage *image,
                  AggCasePage    *self)
{
  agg_camera_view_show_image (self->camera_view, image);
  /* A running station sends its cameras' layers to the engine itself;
   * a page on its own queues them with the handheld's scans. */
  if (self->station == NULL)
    enqueue (self, agg_camera_image_to_request (image), FALSE);
}

void
agg_case_page_set_camera (AggCasePage *self,
                          AggCamera   *camera)
{
  g_return_if_fail (AGG_IS_CASE_PAGE (self));
  g_return_if_fail (camera == NULL || AGG_IS_CAMERA (camera));

  if (self->camera != NULL)
    g_signal_handlers_disconnect_by_data (self->camera, self);
  g_set_object (&self->camera, camera);
  if (camera != NULL)
    {
      g_signal_connect (camera, "image-decoded", G_CALLBACK (image_decoded_cb), self);
      agg_camera_set_layout (camera, self->layer_rows, self->layer_cols);
    }
  agg_camera_view_set_camera (self->camera_view, camera);
  gtk_widget_set_visible (GTK_WIDGET (self->camera_view), camera != NULL);
}

AggCameraView *
agg_case_page_get_camera_view (AggCasePage *self)
{
  g_return_val_if_fail (AGG_IS_CASE_PAGE (self), NULL);
  return self->camera_view;
}
