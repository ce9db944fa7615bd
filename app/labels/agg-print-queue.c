/* agg-print-queue.c: the station's printers and the labels waiting for them
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n-lib.h>
#include <string.h>

#include "agg-label.h"
#include "agg-label-jobs.h"
#include "agg-print-queue.h"

/* When nobody kicks the queue, it still looks for jobs this often: jobs
 * written by another process on the same database are found too. */
#define IDLE_LOOK_MS 1000
#define FIRST_RETRY_MS 1000

/* One printer and what the queue knows of it; guarded by the queue's lock. */
typedef struct
{
  AggPrinter      *printer;
  gboolean         serves_case;       /* takes the case labels left to the queue */
  gboolean         serves_pallet;

  gboolean         connected;
  AggPrinterFault  fault;
  gint64           queued;
  guint64          sent;
  guint64          failed;
  gint64           last_job_ms;       /* -1: none yet */
  char            *last_error;

  gint64           retry_at;          /* monotonic µs */
  guint64          backoff_ms;
  gint64           next_poll;
} Slot;

struct _AggPrintQueue
{
  GObject       parent_instance;

  AggStore     *store;
  AggConfig    *config;
  GPtrArray    *slots;
  GPtrArray    *printers;
  GMainContext *context;

  GMutex        lock;
  GCond         cond;
  GThread      *thread;
  gboolean      stopping;
  gboolean      kicked;
};

G_DEFINE_FINAL_TYPE (AggPrintQueue, agg_print_queue, G_TYPE_OBJECT)

enum
{
  STATUS_CHANGED,
  FAULT_CHANGED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void
slot_free (Slot *slot)
{
  g_object_unref (slot->printer);
  g_free (slot->last_error);
  g_free (slot);
}

static void
agg_print_queue_dispose (GObject *object)
{
  AggPrintQueue *self = AGG_PRINT_QUEUE (object);

  agg_print_queue_stop (self);
  g_clear_object (&self->store);
  g_clear_pointer (&self->config, agg_config_unref);

  G_OBJECT_CLASS (agg_print_queue_parent_class)->dispose (object);
}

static void
agg_print_queue_finalize (GObject *object)
{
  AggPrintQueue *self = AGG_PRINT_QUEUE (object);

  g_ptr_array_unref (self->slots);
  g_ptr_array_unref (self->printers);
  g_main_context_unref (self->context);
  g_mutex_clear (&self->lock);
  g_cond_clear (&self->cond);

  G_OBJECT_CLASS (agg_print_queue_parent_class)->finalize (object);
}

static void
agg_print_queue_class_init (AggPrintQueueClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = agg_print_queue_dispose;
  object_class->finalize = agg_print_queue_finalize;

  /* A printer's figures changed: call agg_print_queue_dup_status(). */
  signals[STATUS_CHANGED] =
    g_signal_new ("status-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);
  /* A printer's fault came or went: its id and message, NULL when it went. */
  signals[FAULT_CHANGED] =
    g_signal_new ("fault-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 3, G_TYPE_STRING, G_TYPE_STRING, G_TYPE_STRING);
}

static void
agg_print_queue_init (AggPrintQueue *self)
{
  g_mutex_init (&self->lock);
  g_cond_init (&self->cond);
  self->slots = g_ptr_array_new_with_free_func ((GDestroyNotify) slot_free);
  self->printers = g_ptr_array_new ();
}

AggPrintQueue *
agg_print_queue_new_from_config (AggStore    *store,
                                 AggConfig   *config,
                                 GError     **error)
{
  g_autoptr(AggPrintQueue) self = NULL;
  g_auto(GStrv) groups = NULL;
  Slot *case_slot = NULL;
  Slot *pallet_slot = NULL;

  g_return_val_if_fail (AGG_IS_STORE (store), NULL);
  g_return_val_if_fail (config != NULL, NULL);

  self = g_object_new (AGG_TYPE_PRINT_QUEUE, NULL);
  self->store = g_object_ref (store);
  self->config = agg_config_ref (config);
  self->context = g_main_context_ref_thread_default ();

  groups = agg_config_list_groups (config, "printer:");
  for (guint i = 0; groups[i] != NULL; i++)
    {
      AggPrinter *printer = agg_printer_new_from_config (config, groups[i], error);
      Slot *slot;

      if (printer == NULL)
        return NULL;
      slot = g_new0 (Slot, 1);
      slot->printer = printer;
      slot->last_job_ms = -1;
      g_ptr_array_add (self->slots, slot);
      g_ptr_array_add (self->printers, printer);

      if (case_slot == NULL && agg_printer_serves (printer, FALSE))
        case_slot = slot;
      if (pallet_slot == NULL && agg_printer_serves (printer, TRUE))
        pallet_slot = slot;
    }
  if (case_slot != NULL)
    case_slot->serves_case = TRUE;
  if (pallet_slot != NULL)
    pallet_slot->serves_pallet = TRUE;

  return g_steal_pointer (&self);
}

GPtrArray *
agg_print_queue_get_printers (AggPrintQueue *self)
{
  g_return_val_if_fail (AGG_IS_PRINT_QUEUE (self), NULL);
  return self->printers;
}

static Slot *
find_slot (AggPrintQueue *self,
           AggPrinter    *printer)
{
  for (guint i = 0; i < self->slots->len; i++)
    {
      Slot *slot = g_ptr_array_index (self->slots, i);

      if (slot->printer == printer)
        return slot;
    }
  return NULL;
}

AggPrinter *
agg_print_queue_get_printer (AggPrintQueue *self,
                             const char    *name)
{
  g_return_val_if_fail (AGG_IS_PRINT_QUEUE (self), NULL);
  g_return_val_if_fail (name != NULL, NULL);

  for (guint i = 0; i < self->printers->len; i++)
    {
      AggPrinter *printer = g_ptr_array_index (self->printers, i);

      if (strcmp (agg_printer_get_name (printer), name) == 0)
        return printer;
    }
  return NULL;
}

AggPrinter *
agg_print_queue_choose_printer (AggPrintQueue *self,
                                gboolean       pallet)
{
  g_return_val_if_fail (AGG_IS_PRINT_QUEUE (self), NULL);

  for (guint i = 0; i < self->slots->len; i++)
    {
      Slot *slot = g_ptr_array_index (self->slots, i);

      if (pallet ? slot->serves_pallet : slot->serves_case)
        return slot->printer;
    }
  return NULL;
}

/* Signals, in the owner's main context */

typedef struct
{
  AggPrintQueue *self;
  guint          signal;
  char          *printer;
  char          *fault_id;
  char          *message;
} Emission;

static void
emission_free (Emission *emission)
{
  g_object_unref (emission->self);
  g_free (emission->printer);
  g_free (emission->fault_id);
  g_free (emission->message);
  g_free (emission);
}

static gboolean
emit_cb (gpointer data)
{
  Emission *emission = data;

  if (emission->signal == STATUS_CHANGED)
    g_signal_emit (emission->self, signals[STATUS_CHANGED], 0, emission->printer);
  else
    g_signal_emit (emission->self, signals[FAULT_CHANGED], 0, emission->printer,
                   emission->fault_id, emission->message);
  return G_SOURCE_REMOVE;
}

static void
emit (AggPrintQueue   *self,
      guint            signal,
      Slot            *slot,
      AggPrinterFault  fault)
{
  Emission *emission = g_new0 (Emission, 1);

  emission->self = g_object_ref (self);
  emission->signal = signal;
  emission->printer = g_strdup (agg_printer_get_name (slot->printer));
  emission->fault_id = g_strdup (agg_printer_fault_to_id (fault));
  emission->message = g_strdup (agg_printer_fault_to_message (fault));
  g_main_context_invoke_full (self->context, G_PRIORITY_DEFAULT, emit_cb, emission,
                              (GDestroyNotify) emission_free);
}

/* Records what a contact with the printer showed; @error explains a fault. */
static void
update_slot (AggPrintQueue    *self,
             Slot             *slot,
             AggPrinterFault   fault,
             const GError     *error)
{
  gboolean fault_changed;

  g_mutex_lock (&self->lock);
  fault_changed = slot->fault != fault;
  slot->fault = fault;
  slot->connected = fault != AGG_PRINTER_FAULT_UNREACHABLE &&
                    fault != AGG_PRINTER_FAULT_NO_ANSWER &&
                    fault != AGG_PRINTER_FAULT_CONNECTION_LOST;
  if (error != NULL)
    {
      g_free (slot->last_error);
      slot->last_error = g_strdup (error->message);
    }
  g_mutex_unlock (&self->lock);

  if (fault_changed)
    emit (self, FAULT_CHANGED, slot, fault);
  emit (self, STATUS_CHANGED, slot, fault);
}

static void
set_last_error (AggPrintQueue *self,
                Slot          *slot,
                const char    *message,
                gboolean       job_failed)
{
  g_mutex_lock (&self->lock);
  g_free (slot->last_error);
  slot->last_error = g_strdup (message);
  if (job_failed)
    slot->failed++;
  g_mutex_unlock (&self->lock);
  emit (self, STATUS_CHANGED, slot, slot->fault);
}

/* Jobs */

static GBytes *
render (AggPrintQueue  *self,
        Slot           *slot,
        AggLabelJob    *job,
        GError        **error)
{
  AggPrinter *printer = slot->printer;
  g_autoptr(AggLabel) label = NULL;
  AggLabelOptions options = { 0, };

  label = agg_label_load (self->store, job->sscc, error);
  if (label == NULL)
    return NULL;

  options.dpi = agg_printer_get_dpi (printer);
  options.size = strcmp (agg_printer_get_size (printer), "a6") == 0 ? AGG_LABEL_SIZE_A6
                                                                    : AGG_LABEL_SIZE_4X6;
  options.template_name = agg_printer_get_template (printer);
  options.reprint = job->reprint;
  options.config = self->config;
  return agg_label_render (label,
                           agg_printer_get_language (printer) == AGG_PRINTER_LANGUAGE_PDF
                           ? AGG_LABEL_FORMAT_PDF : AGG_LABEL_FORMAT_ZPL,
                           &options, error);
}

/* Sends @slot's jobs in order until none is left or the printer fails.
 * FALSE with @error when it stopped on a fault or a store error;
 * *@wanted_sent tells whether job @wanted went out. */
static gboolean
send_jobs (AggPrintQueue  *self,
           Slot           *slot,
           gint64          wanted,
           gboolean       *wanted_sent,
           gboolean       *attempted,
           GError        **error)
{
  AggPrinter *printer = slot->printer;
  const char *name = agg_printer_get_name (printer);

  for (;;)
    {
      g_autoptr(AggLabelJob) job = NULL;
      g_autoptr(GBytes) data = NULL;
      g_autoptr(GError) local_error = NULL;
      AggPrinterFault after = AGG_PRINTER_FAULT_NONE;
      gboolean resend = FALSE;
      gint64 start;

      job = agg_label_jobs_next_sync (self->store, name, slot->serves_case, slot->serves_pallet,
                                      &local_error);
      if (job == NULL)
        {
          if (local_error == NULL)
            return TRUE;
          set_last_error (self, slot, local_error->message, FALSE);
          g_propagate_error (error, g_steal_pointer (&local_error));
          return FALSE;
        }
      *attempted = TRUE;

      data = render (self, slot, job, &local_error);
      if (data == NULL)
        {
          /* A label that cannot be made now will not be made later,
           * unless the database itself failed. */
          gboolean final = local_error->domain != AGG_STORE_ERROR;
          g_autofree char *message = g_strdup_printf (_("The label of %s cannot be made: %s"),
                                                      job->sscc, local_error->message);

          set_last_error (self, slot, message, TRUE);
          if (!agg_label_job_failed_sync (self->store, job->id, name, message, final, FALSE,
                                          error) ||
              !final)
            {
              if (error != NULL && *error == NULL)
                g_set_error_literal (error, AGG_STORE_ERROR, AGG_STORE_ERROR_FAILED, message);
              return FALSE;
            }
          if (job->id == wanted)
            {
              g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, message);
              return FALSE;
            }
          continue;
        }

      if (!agg_label_job_begin_sync (self->store, job->id, name, &resend, &local_error))
        {
          if (local_error == NULL)
            continue;
          set_last_error (self, slot, local_error->message, FALSE);
          g_propagate_error (error, g_steal_pointer (&local_error));
          return FALSE;
        }
      if (resend)
        g_message ("Label %s is sent again to %s after an interrupted attempt", job->sscc, name);

      start = g_get_monotonic_time ();
      if (!agg_printer_send_sync (printer, data, &after, NULL, &local_error))
        {
          g_autoptr(GError) store_error = NULL;

          /* Only a connection lost after the first byte leaves the
           * label in doubt. */
          if (!agg_label_job_failed_sync (self->store, job->id, name, local_error->message,
                                          FALSE,
                                          local_error->code == AGG_PRINTER_FAULT_CONNECTION_LOST,
                                          &store_error))
            g_warning ("Cannot record the failed attempt at label %s: %s", job->sscc,
                       store_error->message);
          g_mutex_lock (&self->lock);
          slot->failed++;
          g_mutex_unlock (&self->lock);
          update_slot (self, slot, local_error->code, local_error);
          g_propagate_error (error, g_steal_pointer (&local_error));
          return FALSE;
        }

      g_mutex_lock (&self->lock);
      slot->sent++;
      slot->last_job_ms = (g_get_monotonic_time () - start) / 1000;
      g_mutex_unlock (&self->lock);
      if (job->id == wanted)
        *wanted_sent = TRUE;

      if (!agg_label_job_sent_sync (self->store, job->id, name, &local_error))
        {
          /* The label is out but not recorded: it is sent again later,
           * which the resend audit row then says. */
          set_last_error (self, slot, local_error->message, FALSE);
          g_propagate_error (error, g_steal_pointer (&local_error));
          return FALSE;
        }

      if (after != AGG_PRINTER_FAULT_NONE)
        {
          g_set_error_literal (error, AGG_PRINTER_ERROR, after,
                               agg_printer_fault_to_message (after));
          update_slot (self, slot, after, *error);
          return FALSE;
        }
      update_slot (self, slot, AGG_PRINTER_FAULT_NONE, NULL);
    }
}

static void
count_queued (AggPrintQueue *self,
              Slot          *slot)
{
  g_autoptr(GError) error = NULL;
  gint64 queued = agg_label_jobs_count_sync (self->store, agg_printer_get_name (slot->printer),
                                             slot->serves_case, slot->serves_pallet, &error);
  gboolean changed;

  if (queued < 0)
    return;
  g_mutex_lock (&self->lock);
  changed = slot->queued != queued;
  slot->queued = queued;
  g_mutex_unlock (&self->lock);
  if (changed)
    emit (self, STATUS_CHANGED, slot, slot->fault);
}

/* One round for one printer: its jobs, else its status when due. */
static void
service (AggPrintQueue *self,
         Slot          *slot,
         gint64        *wake)
{
  g_autoptr(GError) error = NULL;
  gint64 now = g_get_monotonic_time ();
  gboolean attempted = FALSE;
  gboolean wanted_sent = FALSE;
  gboolean ok;
  guint poll_ms = agg_printer_get_poll_ms (slot->printer);

  if (now < slot->retry_at)
    {
      *wake = MIN (*wake, slot->retry_at);
      return;
    }

  ok = send_jobs (self, slot, 0, &wanted_sent, &attempted, &error);

  /* An idle printer is asked how it is, so that a fault shows before
   * the next label needs it; a faulty one until the fault is gone. */
  if (ok && !attempted && agg_printer_can_query (slot->printer) &&
      (slot->fault != AGG_PRINTER_FAULT_NONE || (poll_ms > 0 && now >= slot->next_poll)))
    {
      AggPrinterFault fault = agg_printer_query_sync (slot->printer, NULL, &error);

      update_slot (self, slot, fault, error);
      ok = fault == AGG_PRINTER_FAULT_NONE;
      slot->next_poll = now + (gint64) poll_ms * 1000;
    }
  else if (ok && attempted)
    slot->next_poll = now + (gint64) poll_ms * 1000;

  if (ok)
    slot->backoff_ms = 0;
  else
    {
      slot->backoff_ms = slot->backoff_ms == 0
                         ? FIRST_RETRY_MS
                         : MIN (slot->backoff_ms * 2, agg_printer_get_retry_max_ms (slot->printer));
      slot->retry_at = g_get_monotonic_time () + (gint64) slot->backoff_ms * 1000;
      *wake = MIN (*wake, slot->retry_at);
    }
  if (poll_ms > 0 && agg_printer_can_query (slot->printer))
    *wake = MIN (*wake, slot->next_poll);

  count_queued (self, slot);
}

static gpointer
worker (gpointer data)
{
  AggPrintQueue *self = data;

  g_mutex_lock (&self->lock);
  while (!self->stopping)
    {
      gint64 wake = g_get_monotonic_time () + IDLE_LOOK_MS * 1000;

      self->kicked = FALSE;
      g_mutex_unlock (&self->lock);

      for (guint i = 0; i < self->slots->len && !g_atomic_int_get (&self->stopping); i++)
        service (self, g_ptr_array_index (self->slots, i), &wake);

      g_mutex_lock (&self->lock);
      while (!self->kicked && !self->stopping)
        if (!g_cond_wait_until (&self->cond, &self->lock, wake))
          break;
    }
  g_mutex_unlock (&self->lock);
  return NULL;
}

gboolean
agg_print_queue_start (AggPrintQueue  *self,
                       GError        **error)
{
  g_return_val_if_fail (AGG_IS_PRINT_QUEUE (self), FALSE);
  g_return_val_if_fail (self->thread == NULL, FALSE);

  self->stopping = FALSE;
  self->kicked = TRUE;
  self->thread = g_thread_try_new ("agg-print-queue", worker, self, error);
  return self->thread != NULL;
}

void
agg_print_queue_stop (AggPrintQueue *self)
{
  g_return_if_fail (AGG_IS_PRINT_QUEUE (self));

  if (self->thread == NULL)
    return;

  g_mutex_lock (&self->lock);
  g_atomic_int_set (&self->stopping, TRUE);
  g_cond_signal (&self->cond);
  g_mutex_unlock (&self->lock);
  g_thread_join (g_steal_pointer (&self->thread));
}

void
agg_print_queue_kick (AggPrintQueue *self)
{
  g_return_if_fail (AGG_IS_PRINT_QUEUE (self));

  g_mutex_lock (&self->lock);
  self->kicked = TRUE;
  g_cond_signal (&self->cond);
  g_mutex_unlock (&self->lock);
}

static void
set_nullable_string (JsonObject *object,
                     const char *name,
                     const char *value)
{
  if (value != NULL)
    json_object_set_string_member (object, name, value);
  else
    json_object_set_null_member (object, name);
}

JsonArray *
agg_print_queue_dup_status (AggPrintQueue *self)
{
  JsonArray *array = json_array_new ();

  g_return_val_if_fail (AGG_IS_PRINT_QUEUE (self), array);

  g_mutex_lock (&self->lock);
  for (guint i = 0; i < self->slots->len; i++)
    {
      Slot *slot = g_ptr_array_index (self->slots, i);
      JsonObject *object = json_object_new ();

      json_object_set_string_member (object, "name", agg_printer_get_name (slot->printer));
      json_object_set_string_member (object, "type", agg_printer_get_type_name (slot->printer));
      json_object_set_string_member (object, "endpoint", agg_printer_get_endpoint (slot->printer));
      json_object_set_boolean_member (object, "connected", slot->connected);
      set_nullable_string (object, "fault_id", agg_printer_fault_to_id (slot->fault));
      set_nullable_string (object, "fault", agg_printer_fault_to_message (slot->fault));
      json_object_set_int_member (object, "queued", slot->queued);
      json_object_set_int_member (object, "sent", slot->sent);
      json_object_set_int_member (object, "failed", slot->failed);
      if (slot->last_job_ms >= 0)
        json_object_set_int_member (object, "last_job_ms", slot->last_job_ms);
      else
        json_object_set_null_member (object, "last_job_ms");
      set_nullable_string (object, "last_error", slot->last_error);
      json_array_add_object_element (array, object);
    }
  g_mutex_unlock (&self->lock);
  return array;
}

gboolean
agg_print_queue_send_now_sync (AggPrintQueue  *self,
                               AggPrinter     *printer,
                               gint64          job_id,
                               GError        **error)
{
  g_autoptr(GError) local_error = NULL;
  Slot *slot;
  gboolean wanted_sent = FALSE;
  gboolean attempted = FALSE;

  g_return_val_if_fail (AGG_IS_PRINT_QUEUE (self), FALSE);
  g_return_val_if_fail (AGG_IS_PRINTER (printer), FALSE);
  g_return_val_if_fail (self->thread == NULL, FALSE);

  slot = find_slot (self, printer);
  g_return_val_if_fail (slot != NULL, FALSE);

  if (!send_jobs (self, slot, job_id, &wanted_sent, &attempted, &local_error) && !wanted_sent)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  if (!wanted_sent)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                   _("The label is no longer waiting for %s"), agg_printer_get_name (printer));
      return FALSE;
    }
  return TRUE;
}
