/* agg-plc.c: the case packer's PLC over Modbus
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * One thread owns the libmodbus context and does all the talking: it
 * writes each output when its wanted state changes, polls the inputs every
 * poll-interval, and reconnects when the link fails.  Recovery is ours,
 * not libmodbus's: after a timeout or a reply that does not match, the
 * link is flushed, closed and opened again, so that a late reply to an
 * earlier request can never be read as the answer to a later one (Modbus
 * TCP replies also carry the request's transaction ID, which libmodbus
 * checks; RTU replies carry nothing of the kind).  The other threads only
 * touch the state under the lock; what they should hear of comes to them
 * through an idle source in the main context that started the PLC.
 */

#include "config.h"

#include <errno.h>
#include <glib/gi18n-lib.h>
#include <modbus.h>
#include <poll.h>
#include <string.h>

#include "agg-plc-private.h"

#define GROUP     "plc"
#define MAP_GROUP "plc.map"

/* status-changed at most this often, in microseconds. */
#define STATUS_MIN_INTERVAL (250 * G_TIME_SPAN_MILLISECOND)

typedef enum
{
  PLC_TCP,
  PLC_RTU,
} PlcType;

typedef enum
{
  KIND_NONE,
  KIND_COIL,
  KIND_DISCRETE,
  KIND_INPUT_REGISTER,
  KIND_HOLDING_REGISTER,
} Kind;

typedef struct
{
  Kind    kind;
  guint16 address;
  guint8  bit;                          /* registers only */
} Address;

enum { IN_TRIGGER, IN_CASE_PRESENT, IN_LINE_RUNNING, N_INPUTS };
enum { OUT_REJECT, OUT_READY, OUT_HEARTBEAT, OUT_LINE_STOP, OUT_GREEN, OUT_AMBER, OUT_RED, N_OUTPUTS };

static const char * const input_keys[N_INPUTS] = { "trigger", "case-present", "line-running" };
static const char * const input_names[N_INPUTS] = { "trigger", "case_present", "line_running" };
static const char * const output_keys[N_OUTPUTS] = {
  "reject", "ready", "heartbeat", "line-stop", "light-green", "light-amber", "light-red"
};
static const char * const output_names[N_OUTPUTS] = {
  "reject", "ready", "heartbeat", "line_stop", "green", "amber", "red"
};

typedef enum
{
  STATE_STOPPED,
  STATE_CONNECTING,                     /* no answer yet since start */
  STATE_ONLINE,
  STATE_RECONNECTING,                   /* the link failed; within the watchdog */
  STATE_OFFLINE,                        /* silent for longer than the watchdog */
} State;

static const char * const state_names[] = { "stopped", "connecting", "online", "reconnecting", "offline" };

/* One read request of the poll: @count bits or registers from @start. */
typedef struct
{
  Kind    kind;
  guint16 start;
  guint16 count;
} ReadGroup;

/* Where a polled address's value is found: which group, which element. */
typedef struct
{
  guint   group;
  guint16 offset;
} PollSlot;

typedef struct
{
  char *id;
  char *message;
} Reason;

/* What only the PLC's thread touches. */
typedef struct
{
  modbus_t *ctx;
  gboolean  up;                          /* a connection is open */
  gboolean  ever_up;
  guint     attempt;                     /* failures since the last good exchange */
  gint64    next_connect;
  gint64    next_poll;
  gboolean  baseline;                    /* the trigger's level is known since connecting */
  gboolean  mask_write_refused;          /* the PLC knows no FC 22: read, then write */

  gboolean  written[N_OUTPUTS];          /* the level last written */
  gboolean  written_known[N_OUTPUTS];
  gint64    retry_at[N_OUTPUTS];

  gboolean  pulse_on;
  gint64    pulse_until;
  gint64    pulse_gap_until;

  gboolean  heartbeat;
  gint64    heartbeat_next;

  gboolean  cycle_failed;                /* an exception in this cycle */
} Link;

struct _AggPlc
{
  GObject       parent_instance;

  /* Configuration, fixed once built. */
  PlcType       type;
  char         *host;
  guint         port;
  char         *device;
  guint         baud;
  char          parity;
  guint         data_bits;
  guint         stop_bits;
  guint         unit_id;
  guint64       response_timeout_ms;
  guint64       poll_ms;
  guint64       watchdog_ms;
  guint64       heartbeat_ms;
  guint64       reconnect_min_ms;
  guint64       reconnect_max_ms;
  guint64       reject_pulse_ms;
  Address       inputs[N_INPUTS];
  Address       outputs[N_OUTPUTS];
  char         *endpoint;

  /* Fixed at agg_plc_start (). */
  gboolean      passive;
  GArray       *groups;                  /* ReadGroup */
  PollSlot      input_slots[N_INPUTS];
  PollSlot      output_slots[N_OUTPUTS];
  gboolean      outputs_polled;
  GThread      *thread;
  GMainContext *main_context;

  /* Shared with the thread, under @lock. */
  GMutex        lock;
  GCond         wake;
  gboolean      stopping;
  gboolean      kicked;
  GPtrArray    *faults;                  /* Reason, in the order raised */
  GPtrArray    *warnings;
  guint         rejects_pending;
  int           light_override;          /* AggPlcLights, or -1 */

  gboolean      connected;
  State         state;
  char         *last_error;
  double        rtt_ms;
  double        rtt_avg_ms;
  gboolean      rtt_known;
  guint64       requests;
  guint64       timeouts;
  guint64       reconnects;
  guint64       polls;
  guint64       rejects;
  gint64        last_ok;
  gboolean      input_known[N_INPUTS];
  gboolean      input_level[N_INPUTS];
  gboolean      output_known[N_OUTPUTS];
  gboolean      output_level[N_OUTPUTS];
  guint         triggers_pending;
  gboolean      status_dirty;
  GSource      *dispatch_source;

  /* The main context's view, for the properties and their notify. */
  gboolean      prop_connected;
  gboolean      prop_line_running;
  gboolean      prop_case_present;
  gint64        last_status_emit;
  GSource      *status_source;
};

G_DEFINE_FINAL_TYPE (AggPlc, agg_plc, G_TYPE_OBJECT)

enum
{
  PROP_0,
  PROP_CONNECTED,
  PROP_LINE_RUNNING,
  PROP_CASE_PRESENT,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

enum
{
  SIGNAL_TRIGGER,
  SIGNAL_STATUS_CHANGED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void
reason_free (gpointer data)
{
  Reason *reason = data;

  g_free (reason->id);
  g_free (reason->message);
  g_free (reason);
}

/* Configuration */

static gboolean
kind_is_register (Kind kind)
{
  return kind == KIND_INPUT_REGISTER || kind == KIND_HOLDING_REGISTER;
}

static const char *
kind_name (Kind kind)
{
  switch (kind)
    {
    case KIND_COIL:             return "coil";
    case KIND_DISCRETE:         return "discrete";
    case KIND_INPUT_REGISTER:   return "input-register";
    case KIND_HOLDING_REGISTER: return "holding-register";
    case KIND_NONE:
    default:                    return "none";
    }
}

static char *
address_to_string (const Address *address)
{
  if (kind_is_register (address->kind))
    return g_strdup_printf ("%s:%u.%u", kind_name (address->kind), address->address, address->bit);
  return g_strdup_printf ("%s:%u", kind_name (address->kind), address->address);
}

static gboolean
parse_number (const char *text,
              guint64     max,
              guint64    *value)
{
  char *end;

  if (!g_ascii_isdigit (*text))
    return FALSE;
  errno = 0;
  *value = g_ascii_strtoull (text, &end, 10);
  return *end == '\0' && errno == 0 && *value <= max;
}

/* Reads one [plc.map] entry; KIND_NONE when the key is absent. */
static gboolean
get_address (AggConfig   *config,
             const char  *key,
             gboolean     output,
             Address     *address,
             GError     **error)
{
  static const Kind kinds[] = { KIND_COIL, KIND_DISCRETE, KIND_INPUT_REGISTER, KIND_HOLDING_REGISTER };
  g_autofree char *raw = NULL;
  const char *colon;
  guint64 number, bit = 0;

  memset (address, 0, sizeof *address);
  if (!agg_config_get_string (config, MAP_GROUP, key, FALSE, NULL, &raw, error))
    return FALSE;
  if (raw == NULL)
    return TRUE;

  colon = strchr (raw, ':');
  if (colon != NULL)
    for (guint i = 0; i < G_N_ELEMENTS (kinds); i++)
      if (strlen (kind_name (kinds[i])) == (gsize) (colon - raw)
          && g_ascii_strncasecmp (raw, kind_name (kinds[i]), colon - raw) == 0)
        address->kind = kinds[i];

  if (address->kind == KIND_NONE)
    {
      agg_config_set_error (config, error, AGG_CONFIG_ERROR_INVALID, MAP_GROUP, key,
                            _("“%s” is no address such as coil:12, discrete:3, "
                              "input-register:7.0 or holding-register:40.15"), raw);
      return FALSE;
    }

  if (kind_is_register (address->kind))
    {
      g_autofree char *number_text = g_strdup (colon + 1);
      char *dot = strchr (number_text, '.');

      if (dot == NULL)
        {
          agg_config_set_error (config, error, AGG_CONFIG_ERROR_INVALID, MAP_GROUP, key,
                                _("“%s” names a register but no bit: write %s.B, B from 0 to 15"),
                                raw, raw);
          return FALSE;
        }
      *dot = '\0';
      if (!parse_number (number_text, G_MAXUINT16, &number) || !parse_number (dot + 1, 15, &bit))
        {
          agg_config_set_error (config, error, AGG_CONFIG_ERROR_INVALID, MAP_GROUP, key,
                                _("“%s”: the register is a number from 0 to 65535 and the bit "
                                  "one from 0 to 15"), raw);
          return FALSE;
        }
    }
  else if (!parse_number (colon + 1, G_MAXUINT16, &number))
    {
      agg_config_set_error (config, error, AGG_CONFIG_ERROR_INVALID, MAP_GROUP, key,
                            _("“%s”: the address is a number from 0 to 65535"), raw);
      return FALSE;
    }

  if (output && (address->kind == KIND_DISCRETE || address->kind == KIND_INPUT_REGISTER))
    {
      agg_config_set_error (config, error, AGG_CONFIG_ERROR_INVALID, MAP_GROUP, key,
                            _("“%s” is read-only: an output is a coil:N or a holding-register:N.B"),
                            raw);
      return FALSE;
    }

  address->address = number;
  address->bit = bit;
  return TRUE;
}

static gboolean
same_address (const Address *a,
              const Address *b)
{
  return a->kind == b->kind && a->address == b->address
         && (!kind_is_register (a->kind) || a->bit == b->bit);
}

static gboolean
read_map (AggPlc     *self,
          AggConfig  *config,
          GError    **error)
{
  static const char * const known[] = {
    "trigger", "case-present", "line-running",
    "reject", "reject-pulse", "ready", "heartbeat", "line-stop",
    "light-green", "light-amber", "light-red", NULL
  };
  gboolean any = FALSE;

  if (!agg_config_check_keys (config, MAP_GROUP, known, error))
    return FALSE;

  for (guint i = 0; i < N_INPUTS; i++)
    {
      if (!get_address (config, input_keys[i], FALSE, &self->inputs[i], error))
        return FALSE;
      any |= self->inputs[i].kind != KIND_NONE;
    }
  for (guint i = 0; i < N_OUTPUTS; i++)
    {
      if (!get_address (config, output_keys[i], TRUE, &self->outputs[i], error))
        return FALSE;
      any |= self->outputs[i].kind != KIND_NONE;
      for (guint j = 0; j < i && self->outputs[i].kind != KIND_NONE; j++)
        if (same_address (&self->outputs[i], &self->outputs[j]))
          {
            agg_config_set_error (config, error, AGG_CONFIG_ERROR_INVALID, MAP_GROUP,
                                  output_keys[i], _("the same address as %s"), output_keys[j]);
            return FALSE;
          }
    }

  if (!any)
    {
      agg_config_set_error (config, error, AGG_CONFIG_ERROR_MISSING, MAP_GROUP, NULL,
                            _("the PLC needs at least one input or output in [plc.map]"));
      return FALSE;
    }

  return agg_config_get_duration (config, MAP_GROUP, "reject-pulse", FALSE, 300, 10, 10000, 1,
                                  &self->reject_pulse_ms, error);
}

static gboolean
read_connection (AggPlc     *self,
                 AggConfig  *config,
                 GError    **error)
{
  static const char * const types[] = { "modbus-tcp", "modbus-rtu", NULL };
  static const char * const parities[] = { "none", "even", "odd", NULL };
  static const char * const tcp_only[] = { "host", "port", NULL };
  static const char * const rtu_only[] = { "device", "baud", "parity", "data-bits", "stop-bits", NULL };
  /* The rates libmodbus turns into termios speeds; it would quietly use
   * 9600 for any other. */
  static const guint bauds[] = {
    110, 300, 600, 1200, 2400, 4800, 9600, 19200, 38400, 57600, 115200,
    230400, 460800, 500000, 576000, 921600, 1000000,
  };
  guint type, parity;
  gint64 number;

  if (!agg_config_get_choice (config, GROUP, "type", TRUE, types, 0, &type, error))
    return FALSE;
  self->type = type;

  {
    const char * const *foreign = self->type == PLC_TCP ? rtu_only : tcp_only;

    for (guint i = 0; foreign[i] != NULL; i++)
      if (g_key_file_has_key (agg_config_get_key_file (config), GROUP, foreign[i], NULL))
        {
          agg_config_set_error (config, error, AGG_CONFIG_ERROR_INVALID, GROUP, foreign[i],
                                /* Translators: a key, then the other type of PLC link. */
                                _("%s belongs to type = %s"), foreign[i],
                                types[self->type == PLC_TCP ? PLC_RTU : PLC_TCP]);
          return FALSE;
        }
  }

  if (self->type == PLC_TCP)
    {
      if (!agg_config_get_string (config, GROUP, "host", TRUE, NULL, &self->host, error)
          || !agg_config_get_int (config, GROUP, "port", FALSE, 502, 1, 65535, &number, error))
        return FALSE;
      self->port = number;
      if (strchr (self->host, ':') != NULL)
        self->endpoint = g_strdup_printf ("[%s]:%u", self->host, self->port);
      else
        self->endpoint = g_strdup_printf ("%s:%u", self->host, self->port);
    }
  else
    {
      gboolean known_rate = FALSE;

      if (!agg_config_get_string (config, GROUP, "device", TRUE, NULL, &self->device, error)
          || !agg_config_get_int (config, GROUP, "baud", FALSE, 19200, 1, 4000000, &number, error))
        return FALSE;
      self->baud = number;
      for (guint i = 0; i < G_N_ELEMENTS (bauds); i++)
        known_rate |= bauds[i] == self->baud;
      if (!known_rate)
        {
          agg_config_set_error (config, error, AGG_CONFIG_ERROR_INVALID, GROUP, "baud",
                                _("%u is no standard serial rate such as 9600, 19200 or 115200"),
                                self->baud);
          return FALSE;
        }
      /* Even parity is the Modbus RTU default. */
      if (!agg_config_get_choice (config, GROUP, "parity", FALSE, parities, 1, &parity, error)
          || !agg_config_get_int (config, GROUP, "data-bits", FALSE, 8, 7, 8, &number, error))
        return FALSE;
      self->parity = "NEO"[parity];
      self->data_bits = number;
      if (!agg_config_get_int (config, GROUP, "stop-bits", FALSE, 1, 1, 2, &number, error))
        return FALSE;
      self->stop_bits = number;
      self->endpoint = g_strdup_printf ("%s %u %u%c%u", self->device, self->baud, self->data_bits,
                                        self->parity, self->stop_bits);
    }

  if (!agg_config_get_int (config, GROUP, "unit-id", FALSE, 1, 1, 247, &number, error))
    return FALSE;
  self->unit_id = number;
  return TRUE;
}

static gboolean
read_timing (AggPlc     *self,
             AggConfig  *config,
             GError    **error)
{
  if (!agg_config_get_duration (config, GROUP, "response-timeout", FALSE, 500, 10, 10000, 1,
                                &self->response_timeout_ms, error)
      || !agg_config_get_duration (config, GROUP, "poll-interval", FALSE, 100, 10, 10000, 1,
                                   &self->poll_ms, error)
      || !agg_config_get_duration (config, GROUP, "watchdog", FALSE, 2000, 50, 600000, 1,
                                   &self->watchdog_ms, error)
      || !agg_config_get_duration (config, GROUP, "heartbeat-period", FALSE, 1000, 50, 600000, 1,
                                   &self->heartbeat_ms, error)
      || !agg_config_get_duration (config, GROUP, "reconnect-min", FALSE, 250, 10, 600000, 1,
                                   &self->reconnect_min_ms, error)
      || !agg_config_get_duration (config, GROUP, "reconnect-max", FALSE, 5000, 10, 3600000, 1,
                                   &self->reconnect_max_ms, error))
    return FALSE;

  /* A watchdog that a single slow reply can trip would stop the line for
   * nothing. */
  if (self->watchdog_ms <= self->response_timeout_ms || self->watchdog_ms < self->poll_ms)
    {
      agg_config_set_error (config, error, AGG_CONFIG_ERROR_INVALID, GROUP, "watchdog",
                            _("the watchdog must be longer than response-timeout and poll-interval"));
      return FALSE;
    }
  if (self->reconnect_max_ms < self->reconnect_min_ms)
    {
      agg_config_set_error (config, error, AGG_CONFIG_ERROR_INVALID, GROUP, "reconnect-max",
                            _("reconnect-max must not be shorter than reconnect-min"));
      return FALSE;
    }
  return TRUE;
}

AggPlc *
agg_plc_new_from_config (AggConfig  *config,
                         GError    **error)
{
  static const char * const known[] = {
    "type", "host", "port", "device", "baud", "parity", "data-bits", "stop-bits", "unit-id",
    "response-timeout", "poll-interval", "watchdog", "heartbeat-period",
    "reconnect-min", "reconnect-max", NULL
  };
  g_autoptr(AggPlc) self = NULL;

  g_return_val_if_fail (config != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!agg_config_has_group (config, GROUP))
    {
      if (agg_config_has_group (config, MAP_GROUP))
        {
          agg_config_set_error (config, error, AGG_CONFIG_ERROR_MISSING, MAP_GROUP, NULL,
                                _("[plc.map] without a [plc] group"));
        }
      return NULL;
    }

  self = g_object_new (AGG_TYPE_PLC, NULL);
  if (!agg_config_check_keys (config, GROUP, known, error)
      || !read_connection (self, config, error)
      || !read_timing (self, config, error)
      || !read_map (self, config, error))
    return NULL;

  return g_steal_pointer (&self);
}

/* The poll's requests: the wanted addresses of each kind, in as few reads
 * as the protocol's limits on one request allow.  The addresses between
 * two wanted ones are read too. */
static void
add_poll_point (GArray        *points,
                const Address *address)
{
  if (address->kind != KIND_NONE)
    g_array_append_val (points, *address);
}

static int
compare_points (gconstpointer a,
                gconstpointer b)
{
  const Address *x = a, *y = b;

  if (x->kind != y->kind)
    return (int) x->kind - (int) y->kind;
  return (int) x->address - (int) y->address;
}

static PollSlot
find_slot (GArray        *groups,
           const Address *address)
{
  for (guint i = 0; i < groups->len; i++)
    {
      const ReadGroup *group = &g_array_index (groups, ReadGroup, i);

      if (group->kind == address->kind && address->address >= group->start
          && address->address < group->start + group->count)
        return (PollSlot) { i, address->address - group->start };
    }
  g_assert_not_reached ();
}

static void
build_groups (AggPlc *self)
{
  g_autoptr(GArray) points = g_array_new (FALSE, FALSE, sizeof (Address));
  gboolean any_input = FALSE;

  for (guint i = 0; i < N_INPUTS; i++)
    {
      add_poll_point (points, &self->inputs[i]);
      any_input |= self->inputs[i].kind != KIND_NONE;
    }
  /* Without inputs, reading back the outputs is what shows the PLC is
   * still there; a passive PLC reads them to show what they are. */
  self->outputs_polled = self->passive || !any_input;
  if (self->outputs_polled)
    for (guint i = 0; i < N_OUTPUTS; i++)
      add_poll_point (points, &self->outputs[i]);
  g_array_sort (points, compare_points);

  self->groups = g_array_new (FALSE, FALSE, sizeof (ReadGroup));
  for (guint i = 0; i < points->len; i++)
    {
      const Address *point = &g_array_index (points, Address, i);
      ReadGroup *last = self->groups->len > 0
                        ? &g_array_index (self->groups, ReadGroup, self->groups->len - 1) : NULL;
      guint max = kind_is_register (point->kind) ? MODBUS_MAX_READ_REGISTERS : MODBUS_MAX_READ_BITS;

      if (last != NULL && last->kind == point->kind && point->address - last->start < max)
        last->count = point->address - last->start + 1;
      else
        {
          ReadGroup group = { point->kind, point->address, 1 };

          g_array_append_val (self->groups, group);
        }
    }

  for (guint i = 0; i < N_INPUTS; i++)
    if (self->inputs[i].kind != KIND_NONE)
      self->input_slots[i] = find_slot (self->groups, &self->inputs[i]);
  if (self->outputs_polled)
    for (guint i = 0; i < N_OUTPUTS; i++)
      if (self->outputs[i].kind != KIND_NONE)
        self->output_slots[i] = find_slot (self->groups, &self->outputs[i]);
}

/* Reporting to the main context */

static void emit_status_changed (AggPlc *self);

static gboolean
status_timeout_cb (gpointer data)
{
  AggPlc *self = data;

  g_clear_pointer (&self->status_source, g_source_unref);
  emit_status_changed (self);
  return G_SOURCE_REMOVE;
}

/* status-changed, or a timer for it when the last was too recent. */
static void
emit_status_changed (AggPlc *self)
{
  gint64 now = g_get_monotonic_time ();

  if (self->status_source != NULL)
    return;
  if (now - self->last_status_emit < STATUS_MIN_INTERVAL)
    {
      gint64 wait = STATUS_MIN_INTERVAL - (now - self->last_status_emit);

      self->status_source = g_timeout_source_new (wait / G_TIME_SPAN_MILLISECOND + 1);
      g_source_set_callback (self->status_source, status_timeout_cb, self, NULL);
      g_source_attach (self->status_source, self->main_context);
      return;
    }
  self->last_status_emit = now;
  g_signal_emit (self, signals[SIGNAL_STATUS_CHANGED], 0);
}

static gboolean
dispatch_cb (gpointer data)
{
  AggPlc *self = data;
  gboolean connected, line_running, case_present, dirty;
  guint triggers;

  g_mutex_lock (&self->lock);
  g_clear_pointer (&self->dispatch_source, g_source_unref);
  connected = self->connected;
  line_running = self->input_known[IN_LINE_RUNNING] && self->input_level[IN_LINE_RUNNING];
  case_present = self->input_known[IN_CASE_PRESENT] && self->input_level[IN_CASE_PRESENT];
  triggers = self->triggers_pending;
  self->triggers_pending = 0;
  dirty = self->status_dirty;
  self->status_dirty = FALSE;
  g_mutex_unlock (&self->lock);

  g_object_ref (self);
  g_object_freeze_notify (G_OBJECT (self));
  if (self->prop_connected != connected)
    {
      self->prop_connected = connected;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CONNECTED]);
    }
  if (self->prop_line_running != line_running)
    {
      self->prop_line_running = line_running;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LINE_RUNNING]);
    }
  if (self->prop_case_present != case_present)
    {
      self->prop_case_present = case_present;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CASE_PRESENT]);
    }
  g_object_thaw_notify (G_OBJECT (self));

  for (guint i = 0; i < triggers; i++)
    g_signal_emit (self, signals[SIGNAL_TRIGGER], 0);
  if (dirty)
    emit_status_changed (self);
  g_object_unref (self);

  return G_SOURCE_REMOVE;
}

/* Called with the lock held: something the main context should hear of. */
static void
queue_dispatch_locked (AggPlc *self)
{
  self->status_dirty = TRUE;
  if (self->dispatch_source != NULL || self->main_context == NULL)
    return;
  self->dispatch_source = g_idle_source_new ();
  g_source_set_priority (self->dispatch_source, G_PRIORITY_DEFAULT);
  g_source_set_callback (self->dispatch_source, dispatch_cb, self, NULL);
  g_source_attach (self->dispatch_source, self->main_context);
}

static void
set_error_locked (AggPlc     *self,
                  const char *message)
{
  if (g_strcmp0 (self->last_error, message) == 0)
    return;
  g_free (self->last_error);
  self->last_error = g_strdup (message);
  queue_dispatch_locked (self);
}

static void
set_state_locked (AggPlc *self,
                  State   state)
{
  if (self->state == state)
    return;
  self->state = state;
  queue_dispatch_locked (self);
}

/* The link, in the PLC's thread */

static gint64
backoff_delay (AggPlc *self,
               guint   attempt)
{
  /* Exponential backoff with full jitter above the floor, so that
   * stations that lost the same PLC do not all come back at once. */
  guint64 ceiling = self->reconnect_min_ms;

  for (guint i = 0; i < attempt && ceiling < self->reconnect_max_ms; i++)
    ceiling *= 2;
  ceiling = MIN (ceiling, self->reconnect_max_ms);
  if (ceiling <= self->reconnect_min_ms)
    return self->reconnect_min_ms * G_TIME_SPAN_MILLISECOND;
  return g_random_int_range (self->reconnect_min_ms, ceiling + 1) * G_TIME_SPAN_MILLISECOND;
}

static void
link_down (AggPlc     *self,
           Link       *link,
           const char *message)
{
  gint64 now = g_get_monotonic_time ();

  /* Whatever may still come on this link belongs to requests we have
   * given up on: drop it with the connection. */
  modbus_flush (link->ctx);
  modbus_close (link->ctx);
  link->up = FALSE;
  link->attempt++;
  link->next_connect = now + backoff_delay (self, link->attempt);

  g_mutex_lock (&self->lock);
  set_error_locked (self, message);
  if (self->connected)
    set_state_locked (self, STATE_RECONNECTING);
  g_mutex_unlock (&self->lock);
}

typedef enum
{
  REQUEST_OK,
  REQUEST_REFUSED,                      /* a Modbus exception: the PLC is there but says no */
  REQUEST_LINK_FAILED,
} RequestResult;

static gboolean
is_exception (int error_code)
{
  return error_code >= EMBXILFUN && error_code <= EMBXGTAR;
}

/* Accounts for one request that started at @started and returned @rc. */
static RequestResult
request_done (AggPlc     *self,
              Link       *link,
              const char *what,
              gint64      started,
              int         rc)
{
  int error_code = rc < 0 ? errno : 0;
  gint64 now = g_get_monotonic_time ();
  double rtt = (now - started) / 1000.0;

  g_mutex_lock (&self->lock);
  self->requests++;
  if (rc >= 0 || is_exception (error_code))
    {
      self->rtt_ms = rtt;
      /* A smoothed mean, as TCP keeps its round-trip time. */
      self->rtt_avg_ms = self->rtt_known ? self->rtt_avg_ms + (rtt - self->rtt_avg_ms) / 8 : rtt;
      self->rtt_known = TRUE;
      self->last_ok = now;
      link->attempt = 0;
      if (!self->connected)
        {
          self->connected = TRUE;
          set_state_locked (self, STATE_ONLINE);
        }
      else if (self->state != STATE_ONLINE)
        set_state_locked (self, STATE_ONLINE);
      queue_dispatch_locked (self);
    }
  if (error_code == ETIMEDOUT)
    self->timeouts++;
  g_mutex_unlock (&self->lock);

  if (rc >= 0)
    return REQUEST_OK;

  if (is_exception (error_code))
    {
      g_autofree char *message = g_strdup_printf (_("The PLC refused %s: %s"), what,
                                                  modbus_strerror (error_code));

      link->cycle_failed = TRUE;
      g_mutex_lock (&self->lock);
      set_error_locked (self, message);
      g_mutex_unlock (&self->lock);
      return REQUEST_REFUSED;
    }

  {
    g_autofree char *message = NULL;

    if (error_code == ETIMEDOUT)
      message = g_strdup_printf (_("No reply to %s within %" G_GUINT64_FORMAT " ms"), what,
                                 self->response_timeout_ms);
    else
      message = g_strdup_printf (_("%s failed: %s"), what, modbus_strerror (error_code));
    link_down (self, link, message);
  }
  return REQUEST_LINK_FAILED;
}

/* A serial line has no transaction ID: a reply that comes after its
 * request timed out would be read as the answer to the next request.  So
 * before the first request the line must have been quiet for a whole
 * response timeout; what comes before that is thrown away.  A reply later
 * than that cannot be told from a fresh one, which is why the response
 * timeout must be longer than the PLC's slowest reply. */
static void
drain_serial_line (AggPlc *self,
                   Link   *link)
{
  struct pollfd pfd = { .fd = modbus_get_socket (link->ctx), .events = POLLIN };

  /* A bounded number of rounds: a line that never falls quiet is reported
   * by the requests that follow, not by a station that hangs here. */
  for (guint i = 0; i < 10; i++)
    {
      if (poll (&pfd, 1, self->response_timeout_ms) <= 0)
        return;
      modbus_flush (link->ctx);
    }
}

static gboolean
link_connect (AggPlc *self,
              Link   *link)
{
  gint64 started = g_get_monotonic_time ();

  if (modbus_connect (link->ctx) < 0)
    {
      int error_code = errno;
      g_autofree char *message = g_strdup_printf (_("Cannot connect to %s: %s"), self->endpoint,
                                                  modbus_strerror (error_code));

      link->attempt++;
      link->next_connect = g_get_monotonic_time () + backoff_delay (self, link->attempt);
      g_mutex_lock (&self->lock);
      set_error_locked (self, message);
      g_mutex_unlock (&self->lock);
      return FALSE;
    }

  g_debug ("PLC %s: connected in %.1f ms", self->endpoint,
           (g_get_monotonic_time () - started) / 1000.0);
  if (self->type == PLC_RTU)
    drain_serial_line (self, link);
  link->up = TRUE;
  link->baseline = FALSE;
  link->next_poll = g_get_monotonic_time ();
  /* The PLC may have restarted: every output is written again. */
  for (guint i = 0; i < N_OUTPUTS; i++)
    {
      link->written_known[i] = FALSE;
      link->retry_at[i] = 0;
    }

  g_mutex_lock (&self->lock);
  if (link->ever_up)
    {
      self->reconnects++;
      queue_dispatch_locked (self);
    }
  g_mutex_unlock (&self->lock);
  link->ever_up = TRUE;
  return TRUE;
}

static RequestResult
write_output (AggPlc   *self,
              Link     *link,
              guint     output,
              gboolean  level)
{
  const Address *address = &self->outputs[output];
  g_autofree char *where = address_to_string (address);
  g_autofree char *what = g_strdup_printf (_("writing %s (%s)"), output_keys[output], where);
  RequestResult result;
  gint64 started;
  int rc;

  if (address->kind == KIND_COIL)
    {
      started = g_get_monotonic_time ();
      rc = modbus_write_bit (link->ctx, address->address, level);
      result = request_done (self, link, what, started, rc);
    }
  else if (!link->mask_write_refused)
    {
      /* Mask write (FC 22) changes one bit in the PLC itself, so the bits
       * the PLC's own program sets in the same register are never
       * overwritten with a stale copy. */
      guint16 bit = 1u << address->bit;

      started = g_get_monotonic_time ();
      rc = modbus_mask_write_register (link->ctx, address->address, ~bit & 0xffff,
                                       level ? bit : 0);
      if (rc < 0 && errno == EMBXILFUN)
        {
          g_debug ("PLC %s: no mask write (FC 22); reading, then writing registers",
                   self->endpoint);
          link->mask_write_refused = TRUE;
          request_done (self, link, what, started, 0);
          return write_output (self, link, output, level);
        }
      result = request_done (self, link, what, started, rc);
    }
  else
    {
      /* Without FC 22: read the register, change the bit, write it back.
       * A bit the PLC changes in between is lost, which is why the
       * documentation asks for a register of the station's own. */
      guint16 value;

      started = g_get_monotonic_time ();
      rc = modbus_read_registers (link->ctx, address->address, 1, &value);
      result = request_done (self, link, what, started, rc);
      if (result != REQUEST_OK)
        return result;
      value = level ? value | (1u << address->bit) : value & ~(1u << address->bit);
      started = g_get_monotonic_time ();
      rc = modbus_write_register (link->ctx, address->address, value);
      result = request_done (self, link, what, started, rc);
    }

  if (result == REQUEST_OK)
    {
      link->written[output] = level;
      link->written_known[output] = TRUE;
      link->retry_at[output] = 0;
      g_mutex_lock (&self->lock);
      if (!self->output_known[output] || self->output_level[output] != level)
        queue_dispatch_locked (self);
      self->output_known[output] = TRUE;
      self->output_level[output] = level;
      g_mutex_unlock (&self->lock);
    }
  else if (result == REQUEST_REFUSED)
    link->retry_at[output] = g_get_monotonic_time () + self->poll_ms * G_TIME_SPAN_MILLISECOND;
  return result;
}

static gboolean
slot_level (AggPlc         *self,
            const Address  *address,
            const PollSlot *slot,
            guint8        **bits,
            guint16       **registers)
{
  if (kind_is_register (address->kind))
    return (registers[slot->group][slot->offset] >> address->bit) & 1;
  return bits[slot->group][slot->offset] != 0;
}

static RequestResult
poll_inputs (AggPlc *self,
             Link   *link)
{
  guint n = self->groups->len;
  g_autofree guint8 **bits = g_new0 (guint8 *, n);
  g_autofree guint16 **registers = g_new0 (guint16 *, n);
  RequestResult result = REQUEST_OK;
  gboolean levels[N_INPUTS];

  for (guint i = 0; i < n && result == REQUEST_OK; i++)
    {
      const ReadGroup *group = &g_array_index (self->groups, ReadGroup, i);
      g_autofree char *what = g_strdup_printf (_("reading %u from %s:%u"), group->count,
                                               kind_name (group->kind), group->start);
      gint64 started = g_get_monotonic_time ();
      int rc = -1;

      if (kind_is_register (group->kind))
        registers[i] = g_new0 (guint16, group->count);
      else
        bits[i] = g_new0 (guint8, group->count);

      switch (group->kind)
        {
        case KIND_COIL:
          rc = modbus_read_bits (link->ctx, group->start, group->count, bits[i]);
          break;
        case KIND_DISCRETE:
          rc = modbus_read_input_bits (link->ctx, group->start, group->count, bits[i]);
          break;
        case KIND_INPUT_REGISTER:
          rc = modbus_read_input_registers (link->ctx, group->start, group->count, registers[i]);
          break;
        case KIND_HOLDING_REGISTER:
          rc = modbus_read_registers (link->ctx, group->start, group->count, registers[i]);
          break;
        case KIND_NONE:
        default:
          g_assert_not_reached ();
        }
      result = request_done (self, link, what, started, rc);
    }

  if (result == REQUEST_OK)
    {
      gboolean changed = FALSE;

      for (guint i = 0; i < N_INPUTS; i++)
        if (self->inputs[i].kind != KIND_NONE)
          levels[i] = slot_level (self, &self->inputs[i], &self->input_slots[i], bits, registers);

      g_mutex_lock (&self->lock);
      for (guint i = 0; i < N_INPUTS; i++)
        {
          if (self->inputs[i].kind == KIND_NONE)
            continue;
          changed |= !self->input_known[i] || self->input_level[i] != levels[i];
          self->input_known[i] = TRUE;
          self->input_level[i] = levels[i];
        }
      if (self->outputs_polled)
        for (guint i = 0; i < N_OUTPUTS; i++)
          {
            gboolean level;

            if (self->outputs[i].kind == KIND_NONE)
              continue;
            level = slot_level (self, &self->outputs[i], &self->output_slots[i], bits, registers);
            changed |= !self->output_known[i] || self->output_level[i] != level;
            self->output_known[i] = TRUE;
            self->output_level[i] = level;
          }
      self->polls++;
      if (changed)
        queue_dispatch_locked (self);
      g_mutex_unlock (&self->lock);
    }

  for (guint i = 0; i < n; i++)
    {
      g_free (bits[i]);
      g_free (registers[i]);
    }
  return result;
}

/* The trigger: the trigger input when mapped, else the case sensor. */
static int
trigger_input (AggPlc *self)
{
  if (self->inputs[IN_TRIGGER].kind != KIND_NONE)
    return IN_TRIGGER;
  if (self->inputs[IN_CASE_PRESENT].kind != KIND_NONE)
    return IN_CASE_PRESENT;
  return -1;
}

/* One pass: the outputs that must change, then the poll when it is due.
 * FALSE when the link failed on the way. */
static gboolean
cycle (AggPlc *self,
       Link   *link)
{
  gboolean fault, warning, wanted[N_OUTPUTS];
  int override, trigger = trigger_input (self);
  gboolean previous_trigger = FALSE;
  guint pending;
  gint64 now = g_get_monotonic_time ();

  g_mutex_lock (&self->lock);
  fault = self->faults->len > 0;
  warning = self->warnings->len > 0;
  override = self->light_override;
  pending = self->rejects_pending;
  if (trigger >= 0)
    previous_trigger = self->input_known[trigger] && self->input_level[trigger];
  g_mutex_unlock (&self->lock);

  link->cycle_failed = FALSE;

  if (!self->passive)
    {
      /* The reject pulse: on, held for its length from the PLC's
       * acknowledgement, off, then as long a pause before the next. */
      if (self->outputs[OUT_REJECT].kind != KIND_NONE)
        {
          if (link->pulse_on && now >= link->pulse_until)
            {
              RequestResult result = write_output (self, link, OUT_REJECT, FALSE);

              if (result == REQUEST_LINK_FAILED)
                return FALSE;
              if (result == REQUEST_OK)
                {
                  link->pulse_on = FALSE;
                  link->pulse_gap_until = g_get_monotonic_time ()
                                          + self->reject_pulse_ms * G_TIME_SPAN_MILLISECOND;
                  g_mutex_lock (&self->lock);
                  self->rejects++;
                  queue_dispatch_locked (self);
                  g_mutex_unlock (&self->lock);
                }
            }
          else if (!link->pulse_on && pending > 0 && now >= link->pulse_gap_until
                   && now >= link->retry_at[OUT_REJECT])
            {
              RequestResult result = write_output (self, link, OUT_REJECT, TRUE);

              if (result == REQUEST_LINK_FAILED)
                return FALSE;
              if (result == REQUEST_OK)
                {
                  link->pulse_on = TRUE;
                  link->pulse_until = g_get_monotonic_time ()
                                      + self->reject_pulse_ms * G_TIME_SPAN_MILLISECOND;
                  g_mutex_lock (&self->lock);
                  if (self->rejects_pending > 0)
                    self->rejects_pending--;
                  g_mutex_unlock (&self->lock);
                }
            }
        }

      if (fault)
        link->heartbeat = FALSE;
      else if (now >= link->heartbeat_next)
        {
          link->heartbeat = !link->heartbeat;
          link->heartbeat_next = now + self->heartbeat_ms * G_TIME_SPAN_MILLISECOND;
        }

      wanted[OUT_REJECT] = link->pulse_on;
      wanted[OUT_READY] = !fault;
      wanted[OUT_HEARTBEAT] = link->heartbeat;
      wanted[OUT_LINE_STOP] = fault;
      if (override >= 0)
        {
          wanted[OUT_GREEN] = (override & AGG_PLC_LIGHT_GREEN) != 0;
          wanted[OUT_AMBER] = (override & AGG_PLC_LIGHT_AMBER) != 0;
          wanted[OUT_RED] = (override & AGG_PLC_LIGHT_RED) != 0;
        }
      else
        {
          wanted[OUT_GREEN] = !fault && !warning;
          wanted[OUT_AMBER] = !fault && warning;
          wanted[OUT_RED] = fault;
        }

      for (guint i = 0; i < N_OUTPUTS; i++)
        {
          if (self->outputs[i].kind == KIND_NONE
              || (link->written_known[i] && link->written[i] == wanted[i])
              || now < link->retry_at[i])
            continue;
          if (write_output (self, link, i, wanted[i]) == REQUEST_LINK_FAILED)
            return FALSE;
        }
    }

  if (now >= link->next_poll)
    {
      link->next_poll = now + self->poll_ms * G_TIME_SPAN_MILLISECOND;
      if (poll_inputs (self, link) == REQUEST_LINK_FAILED)
        return FALSE;

      g_mutex_lock (&self->lock);
      if (trigger >= 0 && self->input_known[trigger])
        {
          /* The first level read after connecting is where edges start
           * from: a trigger already high then is no new case. */
          if (link->baseline && self->input_level[trigger] && !previous_trigger)
            {
              self->triggers_pending++;
              queue_dispatch_locked (self);
            }
          link->baseline = TRUE;
        }
      if (!link->cycle_failed && self->last_error != NULL)
        set_error_locked (self, NULL);
      g_mutex_unlock (&self->lock);
    }

  return TRUE;
}

/* Marks the PLC lost once it has been silent for longer than the
 * watchdog. */
static void
check_watchdog (AggPlc *self)
{
  gint64 now = g_get_monotonic_time ();

  g_mutex_lock (&self->lock);
  if (self->connected && now - self->last_ok > (gint64) self->watchdog_ms * G_TIME_SPAN_MILLISECOND)
    {
      g_autofree char *message = NULL;

      self->connected = FALSE;
      message = g_strdup_printf (_("The PLC has not answered for %" G_GUINT64_FORMAT " ms: %s"),
                                 self->watchdog_ms,
                                 self->last_error != NULL ? self->last_error : _("no reply"));
      set_error_locked (self, message);
      set_state_locked (self, STATE_OFFLINE);
      /* Inputs not read are not known: the line is not known to run. */
      for (guint i = 0; i < N_INPUTS; i++)
        self->input_known[i] = FALSE;
      queue_dispatch_locked (self);
    }
  g_mutex_unlock (&self->lock);
}

/* When the thread must look again, with the lock held.  Every time in the
 * past here would make it spin, so each one counts only while it is
 * what the thread waits for. */
static gint64
next_deadline (AggPlc *self,
               Link   *link)
{
  gint64 now = g_get_monotonic_time ();
  gint64 deadline;

  if (!link->up)
    deadline = link->next_connect;
  else
    {
      deadline = link->next_poll;
      if (!self->passive)
        {
          if (link->pulse_on)
            deadline = MIN (deadline, link->pulse_until);
          else if (self->rejects_pending > 0)
            deadline = MIN (deadline, MAX (link->pulse_gap_until, link->retry_at[OUT_REJECT]));
          if (self->outputs[OUT_HEARTBEAT].kind != KIND_NONE && self->faults->len == 0)
            deadline = MIN (deadline, link->heartbeat_next);
          for (guint i = 0; i < N_OUTPUTS; i++)
            if (link->retry_at[i] > now)
              deadline = MIN (deadline, link->retry_at[i]);
        }
    }
  if (self->connected)
    deadline = MIN (deadline, self->last_ok + (gint64) self->watchdog_ms * G_TIME_SPAN_MILLISECOND + 1);
  return deadline;
}

/* On the way out: the station is no longer ready and gives no heartbeat;
 * a reject in progress ends. */
static void
clear_outputs (AggPlc *self,
               Link   *link)
{
  static const guint cleared[] = { OUT_REJECT, OUT_HEARTBEAT, OUT_READY, OUT_GREEN };

  if (!link->up || self->passive)
    return;
  for (guint i = 0; i < G_N_ELEMENTS (cleared); i++)
    if (self->outputs[cleared[i]].kind != KIND_NONE
        && !(link->written_known[cleared[i]] && !link->written[cleared[i]])
        && write_output (self, link, cleared[i], FALSE) == REQUEST_LINK_FAILED)
      return;
}

static gpointer
plc_thread (gpointer data)
{
  AggPlc *self = data;
  Link link = { 0 };

  if (self->type == PLC_TCP)
    {
      g_autofree char *service = g_strdup_printf ("%u", self->port);

      link.ctx = modbus_new_tcp_pi (self->host, service);
    }
  else
    link.ctx = modbus_new_rtu (self->device, self->baud, self->parity, self->data_bits,
                               self->stop_bits);
  g_assert (link.ctx != NULL);

  modbus_set_slave (link.ctx, self->unit_id);
  modbus_set_error_recovery (link.ctx, MODBUS_ERROR_RECOVERY_NONE);
  modbus_set_response_timeout (link.ctx, self->response_timeout_ms / 1000,
                               (self->response_timeout_ms % 1000) * 1000);
  /* Within a frame the bytes follow each other closely; a longer gap means
   * a broken frame, not a slow PLC. */
  {
    guint64 byte_timeout_ms = MIN (self->response_timeout_ms, 100);

    modbus_set_byte_timeout (link.ctx, 0, byte_timeout_ms * 1000);
  }

  g_mutex_lock (&self->lock);
  while (!self->stopping)
    {
      gint64 now, deadline;

      g_mutex_unlock (&self->lock);

      now = g_get_monotonic_time ();
      if (!link.up && now >= link.next_connect)
        link_connect (self, &link);
      if (link.up)
        cycle (self, &link);
      check_watchdog (self);

      g_mutex_lock (&self->lock);
      deadline = next_deadline (self, &link);
      while (!self->stopping && !self->kicked && g_get_monotonic_time () < deadline)
        if (!g_cond_wait_until (&self->wake, &self->lock, deadline))
          break;
      self->kicked = FALSE;
    }
  g_mutex_unlock (&self->lock);

  clear_outputs (self, &link);
  if (link.up)
    modbus_close (link.ctx);
  modbus_free (link.ctx);
  return NULL;
}

/* Public API */

gboolean
agg_plc_start (AggPlc  *self,
               GError **error)
{
  g_return_val_if_fail (AGG_IS_PLC (self), FALSE);
  g_return_val_if_fail (self->thread == NULL, FALSE);

  if (self->groups == NULL)
    build_groups (self);
  self->main_context = g_main_context_ref_thread_default ();

  g_mutex_lock (&self->lock);
  self->stopping = FALSE;
  self->state = STATE_CONNECTING;
  g_mutex_unlock (&self->lock);

  self->thread = g_thread_try_new ("agg-plc", plc_thread, self, error);
  if (self->thread == NULL)
    {
      g_clear_pointer (&self->main_context, g_main_context_unref);
      return FALSE;
    }
  return TRUE;
}

void
agg_plc_stop (AggPlc *self)
{
  g_return_if_fail (AGG_IS_PLC (self));

  if (self->thread == NULL)
    return;

  g_mutex_lock (&self->lock);
  self->stopping = TRUE;
  g_cond_signal (&self->wake);
  g_mutex_unlock (&self->lock);
  g_thread_join (g_steal_pointer (&self->thread));

  g_mutex_lock (&self->lock);
  if (self->dispatch_source != NULL)
    {
      g_source_destroy (self->dispatch_source);
      g_clear_pointer (&self->dispatch_source, g_source_unref);
    }
  self->connected = FALSE;
  self->state = STATE_STOPPED;
  self->rejects_pending = 0;
  self->triggers_pending = 0;
  for (guint i = 0; i < N_INPUTS; i++)
    self->input_known[i] = FALSE;
  g_mutex_unlock (&self->lock);

  if (self->status_source != NULL)
    {
      g_source_destroy (self->status_source);
      g_clear_pointer (&self->status_source, g_source_unref);
    }
  g_clear_pointer (&self->main_context, g_main_context_unref);

  g_object_freeze_notify (G_OBJECT (self));
  if (self->prop_connected)
    {
      self->prop_connected = FALSE;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CONNECTED]);
    }
  if (self->prop_line_running)
    {
      self->prop_line_running = FALSE;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LINE_RUNNING]);
    }
  if (self->prop_case_present)
    {
      self->prop_case_present = FALSE;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CASE_PRESENT]);
    }
  g_object_thaw_notify (G_OBJECT (self));
}

static void
kick_locked (AggPlc *self)
{
  self->kicked = TRUE;
  g_cond_signal (&self->wake);
}

void
agg_plc_pulse_reject (AggPlc *self)
{
  g_return_if_fail (AGG_IS_PLC (self));

  if (self->outputs[OUT_REJECT].kind == KIND_NONE)
    {
      g_debug ("PLC %s: a reject was asked for, but no reject output is mapped", self->endpoint);
      return;
    }

  g_mutex_lock (&self->lock);
  self->rejects_pending++;
  queue_dispatch_locked (self);
  kick_locked (self);
  g_mutex_unlock (&self->lock);
}

/* Sets or clears @id in @reasons; TRUE when that changed anything. */
static gboolean
update_reasons (GPtrArray  *reasons,
                const char *id,
                const char *message)
{
  for (guint i = 0; i < reasons->len; i++)
    {
      Reason *reason = g_ptr_array_index (reasons, i);

      if (strcmp (reason->id, id) != 0)
        continue;
      if (message == NULL)
        {
          g_ptr_array_remove_index (reasons, i);
          return TRUE;
        }
      if (strcmp (reason->message, message) == 0)
        return FALSE;
      g_free (reason->message);
      reason->message = g_strdup (message);
      return TRUE;
    }

  if (message == NULL)
    return FALSE;
  {
    Reason *reason = g_new0 (Reason, 1);

    reason->id = g_strdup (id);
    reason->message = g_strdup (message);
    g_ptr_array_add (reasons, reason);
  }
  return TRUE;
}

void
agg_plc_set_fault (AggPlc     *self,
                   const char *id,
                   const char *message)
{
  g_return_if_fail (AGG_IS_PLC (self));
  g_return_if_fail (id != NULL);

  g_mutex_lock (&self->lock);
  if (update_reasons (self->faults, id, message))
    {
      queue_dispatch_locked (self);
      kick_locked (self);
    }
  g_mutex_unlock (&self->lock);
}

void
agg_plc_set_warning (AggPlc     *self,
                     const char *id,
                     const char *message)
{
  g_return_if_fail (AGG_IS_PLC (self));
  g_return_if_fail (id != NULL);

  g_mutex_lock (&self->lock);
  if (update_reasons (self->warnings, id, message))
    {
      queue_dispatch_locked (self);
      kick_locked (self);
    }
  g_mutex_unlock (&self->lock);
}

void
agg_plc_set_passive (AggPlc   *self,
                     gboolean  passive)
{
  g_return_if_fail (AGG_IS_PLC (self));
  g_return_if_fail (self->thread == NULL);

  self->passive = !!passive;
  g_clear_pointer (&self->groups, g_array_unref);
}

void
agg_plc_set_light_override (AggPlc       *self,
                            AggPlcLights  lights)
{
  g_return_if_fail (AGG_IS_PLC (self));

  g_mutex_lock (&self->lock);
  self->light_override = lights & (AGG_PLC_LIGHT_GREEN | AGG_PLC_LIGHT_AMBER | AGG_PLC_LIGHT_RED);
  kick_locked (self);
  g_mutex_unlock (&self->lock);
}

void
agg_plc_clear_light_override (AggPlc *self)
{
  g_return_if_fail (AGG_IS_PLC (self));

  g_mutex_lock (&self->lock);
  self->light_override = -1;
  kick_locked (self);
  g_mutex_unlock (&self->lock);
}

gboolean
agg_plc_has_output (AggPlc     *self,
                    const char *name)
{
  g_return_val_if_fail (AGG_IS_PLC (self), FALSE);
  g_return_val_if_fail (name != NULL, FALSE);

  for (guint i = 0; i < N_OUTPUTS; i++)
    if (strcmp (output_names[i], name) == 0)
      return self->outputs[i].kind != KIND_NONE;
  return FALSE;
}

gboolean
agg_plc_get_connected (AggPlc *self)
{
  g_return_val_if_fail (AGG_IS_PLC (self), FALSE);

  return self->prop_connected;
}

gboolean
agg_plc_get_line_running (AggPlc *self)
{
  g_return_val_if_fail (AGG_IS_PLC (self), FALSE);

  return self->prop_line_running;
}

gboolean
agg_plc_get_case_present (AggPlc *self)
{
  g_return_val_if_fail (AGG_IS_PLC (self), FALSE);

  return self->prop_case_present;
}

static JsonArray *
reasons_to_json (GPtrArray *reasons)
{
  JsonArray *array = json_array_new ();

  for (guint i = 0; i < reasons->len; i++)
    {
      Reason *reason = g_ptr_array_index (reasons, i);
      JsonObject *object = json_object_new ();

      json_object_set_string_member (object, "id", reason->id);
      json_object_set_string_member (object, "message", reason->message);
      json_array_add_object_element (array, object);
    }
  return array;
}

JsonObject *
agg_plc_dup_status (AggPlc *self)
{
  JsonObject *status, *inputs, *outputs;

  g_return_val_if_fail (AGG_IS_PLC (self), NULL);

  status = json_object_new ();
  inputs = json_object_new ();
  outputs = json_object_new ();

  g_mutex_lock (&self->lock);
  json_object_set_string_member (status, "type", self->type == PLC_TCP ? "modbus-tcp" : "modbus-rtu");
  json_object_set_string_member (status, "endpoint", self->endpoint);
  json_object_set_int_member (status, "unit_id", self->unit_id);
  json_object_set_boolean_member (status, "connected", self->connected);
  json_object_set_string_member (status, "state", state_names[self->state]);
  if (self->last_error != NULL)
    json_object_set_string_member (status, "last_error", self->last_error);
  else
    json_object_set_null_member (status, "last_error");
  if (self->rtt_known)
    {
      json_object_set_double_member (status, "rtt_ms", self->rtt_ms);
      json_object_set_double_member (status, "rtt_avg_ms", self->rtt_avg_ms);
    }
  else
    {
      json_object_set_null_member (status, "rtt_ms");
      json_object_set_null_member (status, "rtt_avg_ms");
    }
  json_object_set_int_member (status, "requests", self->requests);
  json_object_set_int_member (status, "timeouts", self->timeouts);
  json_object_set_int_member (status, "reconnects", self->reconnects);
  json_object_set_int_member (status, "polls", self->polls);
  json_object_set_int_member (status, "rejects", self->rejects);
  json_object_set_int_member (status, "rejects_pending", self->rejects_pending);

  for (guint i = 0; i < N_INPUTS; i++)
    if (self->inputs[i].kind != KIND_NONE && self->input_known[i])
      json_object_set_boolean_member (inputs, input_names[i], self->input_level[i]);
    else
      json_object_set_null_member (inputs, input_names[i]);
  for (guint i = 0; i < N_OUTPUTS; i++)
    if (self->outputs[i].kind != KIND_NONE && self->output_known[i])
      json_object_set_boolean_member (outputs, output_names[i], self->output_level[i]);
    else
      json_object_set_null_member (outputs, output_names[i]);
  json_object_set_object_member (status, "inputs", inputs);
  json_object_set_object_member (status, "outputs", outputs);
  json_object_set_array_member (status, "faults", reasons_to_json (self->faults));
  json_object_set_array_member (status, "warnings", reasons_to_json (self->warnings));
  g_mutex_unlock (&self->lock);

  return status;
}

/* GObject */

static void
agg_plc_dispose (GObject *object)
{
  AggPlc *self = AGG_PLC (object);

  agg_plc_stop (self);

  G_OBJECT_CLASS (agg_plc_parent_class)->dispose (object);
}

static void
agg_plc_finalize (GObject *object)
{
  AggPlc *self = AGG_PLC (object);

  g_free (self->host);
  g_free (self->device);
  g_free (self->endpoint);
  g_free (self->last_error);
  g_clear_pointer (&self->groups, g_array_unref);
  g_ptr_array_unref (self->faults);
  g_ptr_array_unref (self->warnings);
  g_mutex_clear (&self->lock);
  g_cond_clear (&self->wake);

  G_OBJECT_CLASS (agg_plc_parent_class)->finalize (object);
}

static void
agg_plc_get_property (GObject    *object,
                      guint       prop_id,
                      GValue     *value,
                      GParamSpec *pspec)
{
  AggPlc *self = AGG_PLC (object);

  switch (prop_id)
    {
    case PROP_CONNECTED:
      g_value_set_boolean (value, self->prop_connected);
      break;
    case PROP_LINE_RUNNING:
      g_value_set_boolean (value, self->prop_line_running);
      break;
    case PROP_CASE_PRESENT:
      g_value_set_boolean (value, self->prop_case_present);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
agg_plc_class_init (AggPlcClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = agg_plc_dispose;
  object_class->finalize = agg_plc_finalize;
  object_class->get_property = agg_plc_get_property;

  properties[PROP_CONNECTED] =
    g_param_spec_boolean ("connected", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_LINE_RUNNING] =
    g_param_spec_boolean ("line-running", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_CASE_PRESENT] =
    g_param_spec_boolean ("case-present", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /* A rising edge of the trigger input, or of case-present when no
   * trigger is mapped: one emission per edge. */
  signals[SIGNAL_TRIGGER] =
    g_signal_new ("trigger", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);
  /* The connection, inputs, outputs, counters or round-trip time changed;
   * at most four times a second. */
  signals[SIGNAL_STATUS_CHANGED] =
    g_signal_new ("status-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
agg_plc_init (AggPlc *self)
{
  g_mutex_init (&self->lock);
  g_cond_init (&self->wake);
  self->faults = g_ptr_array_new_with_free_func (reason_free);
  self->warnings = g_ptr_array_new_with_free_func (reason_free);
  self->light_override = -1;
  self->state = STATE_STOPPED;
}
