/* agg-printer.c: one label printer — its transport, its status, its faults
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <cups/cups.h>
#include <errno.h>
#include <fcntl.h>
#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>
#include <libserialport.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string.h>
#include <unistd.h>

#include "agg-printer.h"

G_DEFINE_QUARK (agg-printer-error-quark, agg_printer_error)

static const char *const fault_ids[] = {
  [AGG_PRINTER_FAULT_NONE] = NULL,
  [AGG_PRINTER_FAULT_PAPER_OUT] = "paper-out",
  [AGG_PRINTER_FAULT_RIBBON_OUT] = "ribbon-out",
  [AGG_PRINTER_FAULT_HEAD_OPEN] = "head-open",
  [AGG_PRINTER_FAULT_PAUSED] = "paused",
  [AGG_PRINTER_FAULT_BUFFER_FULL] = "buffer-full",
  [AGG_PRINTER_FAULT_HEAD_TOO_HOT] = "head-too-hot",
  [AGG_PRINTER_FAULT_NO_ANSWER] = "no-answer",
  [AGG_PRINTER_FAULT_UNREACHABLE] = "unreachable",
  [AGG_PRINTER_FAULT_CONNECTION_LOST] = "connection-lost",
  [AGG_PRINTER_FAULT_QUEUE_STOPPED] = "queue-stopped",
};
G_STATIC_ASSERT (G_N_ELEMENTS (fault_ids) == AGG_PRINTER_N_FAULTS);

static const char *const fault_messages[] = {
  [AGG_PRINTER_FAULT_NONE] = NULL,
  [AGG_PRINTER_FAULT_PAPER_OUT] = N_("Out of labels: load a new roll"),
  [AGG_PRINTER_FAULT_RIBBON_OUT] = N_("Out of ribbon: load a new ribbon"),
  [AGG_PRINTER_FAULT_HEAD_OPEN] = N_("The print head is open: close it"),
  [AGG_PRINTER_FAULT_PAUSED] = N_("The printer is paused: press its pause button"),
  [AGG_PRINTER_FAULT_BUFFER_FULL] = N_("The printer's memory is full: wait, or restart it"),
  [AGG_PRINTER_FAULT_HEAD_TOO_HOT] = N_("The print head is too hot: let it cool down"),
  [AGG_PRINTER_FAULT_NO_ANSWER] = N_("The printer does not answer: check labels, ribbon and "
                                     "head, then its power and cable"),
  [AGG_PRINTER_FAULT_UNREACHABLE] = N_("The printer cannot be reached: check its power and "
                                       "cable"),
  [AGG_PRINTER_FAULT_CONNECTION_LOST] = N_("The connection to the printer broke off during a "
                                           "label: it is sent again"),
  [AGG_PRINTER_FAULT_QUEUE_STOPPED] = N_("The print queue is stopped: restart it"),
};
G_STATIC_ASSERT (G_N_ELEMENTS (fault_messages) == AGG_PRINTER_N_FAULTS);

const char *
agg_printer_fault_to_id (AggPrinterFault fault)
{
  g_return_val_if_fail (fault < AGG_PRINTER_N_FAULTS, NULL);
  return fault_ids[fault];
}

const char *
agg_printer_fault_to_message (AggPrinterFault fault)
{
  g_return_val_if_fail (fault < AGG_PRINTER_N_FAULTS, NULL);
  return fault == AGG_PRINTER_FAULT_NONE ? NULL : _(fault_messages[fault]);
}

/* Sets @error to @fault with its message, and @detail after it. */
static AggPrinterFault
set_fault (GError          **error,
           AggPrinterFault   fault,
           const char       *detail)
{
  if (detail != NULL)
    g_set_error (error, AGG_PRINTER_ERROR, fault, "%s (%s)",
                 agg_printer_fault_to_message (fault), detail);
  else
    g_set_error_literal (error, AGG_PRINTER_ERROR, fault, agg_printer_fault_to_message (fault));
  return fault;
}

/* ~HS */

#define STX '\002'
#define ETX '\003'

/* The comma-separated fields of one STX … ETX string. */
static char **
host_status_fields (const char  *start,
                    const char  *end,
                    guint        expected,
                    guint        number,
                    GError     **error)
{
  g_autofree char *text = g_strndup (start, end - start);
  g_auto(GStrv) fields = g_strsplit (text, ",", -1);

  if (g_strv_length (fields) != expected)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   /* Translators: a printer's status answer is three strings of fields. */
                   _("status string %u has %u fields, not %u"), number,
                   g_strv_length (fields), expected);
      return NULL;
    }
  for (guint i = 0; fields[i] != NULL; i++)
    {
      g_strstrip (fields[i]);
      if (fields[i][0] == '\0' || strspn (fields[i], "0123456789") != strlen (fields[i]))
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                       _("status string %u: field %u is not a number"), number, i + 1);
          return NULL;
        }
    }
  return g_steal_pointer (&fields);
}

static guint
field (char **fields,
       guint  i)
{
  return (guint) g_ascii_strtoull (fields[i], NULL, 10);
}

gboolean
agg_zpl_host_status_parse (const char        *reply,
                           gsize              len,
                           AggZplHostStatus  *status,
                           GError           **error)
{
  static const guint n_fields[] = { 12, 11, 2 };
  g_auto(GStrv) first = NULL;
  g_auto(GStrv) second = NULL;
  g_auto(GStrv) third = NULL;
  GStrv *strings[3] = { &first, &second, &third };
  const char *p = reply;
  const char *end = reply + len;

  g_return_val_if_fail (reply != NULL || len == 0, FALSE);
  g_return_val_if_fail (status != NULL, FALSE);

  for (guint i = 0; i < 3; i++)
    {
      const char *stx = memchr (p, STX, end - p);
      const char *etx = stx != NULL ? memchr (stx, ETX, end - stx) : NULL;

      if (etx == NULL)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                       _("the status answer has %u of its 3 strings"), i);
          return FALSE;
        }
      *strings[i] = host_status_fields (stx + 1, etx, n_fields[i], i + 1, error);
      if (*strings[i] == NULL)
        return FALSE;
      p = etx + 1;
    }

  memset (status, 0, sizeof *status);
  status->paper_out = field (first, 1) == 1;
  status->paused = field (first, 2) == 1;
  status->label_length = field (first, 3);
  status->formats_in_buffer = field (first, 4);
  status->buffer_full = field (first, 5) == 1;
  status->corrupt_ram = field (first, 9) == 1;
  status->under_temperature = field (first, 10) == 1;
  status->over_temperature = field (first, 11) == 1;
  status->head_up = field (second, 2) == 1;
  status->ribbon_out = field (second, 3) == 1;
  status->thermal_transfer = field (second, 4) == 1;
  status->print_mode = field (second, 5);
  status->label_waiting = field (second, 7) == 1;
  status->labels_remaining = field (second, 8);
  return TRUE;
}

AggPrinterFault
agg_zpl_host_status_fault (const AggZplHostStatus *status)
{
  g_return_val_if_fail (status != NULL, AGG_PRINTER_FAULT_NONE);

  /* What the operator must fix by hand first; a printer pauses itself
   * on most of these, so "paused" alone comes after them. */
  if (status->head_up)
    return AGG_PRINTER_FAULT_HEAD_OPEN;
  if (status->paper_out)
    return AGG_PRINTER_FAULT_PAPER_OUT;
  if (status->ribbon_out && status->thermal_transfer)
    return AGG_PRINTER_FAULT_RIBBON_OUT;
  if (status->over_temperature)
    return AGG_PRINTER_FAULT_HEAD_TOO_HOT;
  if (status->paused)
    return AGG_PRINTER_FAULT_PAUSED;
  if (status->buffer_full)
    return AGG_PRINTER_FAULT_BUFFER_FULL;
  return AGG_PRINTER_FAULT_NONE;
}

/* The printer */

struct _AggPrinter
{
  GObject             parent_instance;

  char               *name;
  AggPrinterType      type;
  AggPrinterLanguage  language;
  AggPrinterRole      role;
  char               *endpoint;
  char               *host;
  guint16             port;
  char               *device;
  gint64              baud;
  gint64              data_bits;
  guint               parity;
  gint64              stop_bits;
  guint               flow_control;
  char               *path;
  char               *queue;
  guint               dpi;
  guint               size;
  char               *template_name;
  guint64             status_timeout_ms;
  guint64             connect_timeout_ms;
  guint64             write_timeout_ms;
  guint64             retry_max_ms;
  guint64             poll_ms;
};

G_DEFINE_FINAL_TYPE (AggPrinter, agg_printer, G_TYPE_OBJECT)

static const char *const type_names[] = { "tcp", "serial", "file", "cups", NULL };
static const char *const language_names[] = { "zpl", "pdf", NULL };
static const char *const role_names[] = { "case", "pallet", "any", NULL };
static const char *const size_names[] = { "a6", "4x6", NULL };
static const char *const parity_names[] = { "none", "odd", "even", NULL };
static const char *const flow_names[] = { "none", "xonxoff", "rtscts", "dtrdsr", NULL };

static void
agg_printer_finalize (GObject *object)
{
  AggPrinter *self = AGG_PRINTER (object);

  g_free (self->name);
  g_free (self->endpoint);
  g_free (self->host);
  g_free (self->device);
  g_free (self->path);
  g_free (self->queue);
  g_free (self->template_name);

  G_OBJECT_CLASS (agg_printer_parent_class)->finalize (object);
}

static void
agg_printer_class_init (AggPrinterClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = agg_printer_finalize;
}

static void
agg_printer_init (AggPrinter *self)
{
}

/* The keys each type knows, beyond the common ones. */
static const char *const common_keys[] = {
  "type", "language", "dpi", "size", "role", "template", "status-timeout", "connect-timeout",
  "write-timeout", "retry-max", "poll-interval",
};
static const char *const tcp_keys[] = { "host", "port", NULL };
static const char *const serial_keys[] = {
  "device", "baud", "data-bits", "parity", "stop-bits", "flow-control", NULL
};
static const char *const file_keys[] = { "path", NULL };
static const char *const cups_keys[] = { "queue", NULL };

static gboolean
check_keys (AggConfig   *config,
            const char  *group,
            guint        type,
            GError     **error)
{
  const char *const *specific[] = { tcp_keys, serial_keys, file_keys, cups_keys };
  g_autoptr(GPtrArray) known = g_ptr_array_new ();

  for (guint i = 0; i < G_N_ELEMENTS (common_keys); i++)
    g_ptr_array_add (known, (gpointer) common_keys[i]);
  for (guint i = 0; specific[type][i] != NULL; i++)
    g_ptr_array_add (known, (gpointer) specific[type][i]);
  g_ptr_array_add (known, NULL);
  return agg_config_check_keys (config, group, (const char * const *) known->pdata, error);
}

static gboolean
read_dpi (AggConfig   *config,
          const char  *group,
          guint       *dpi,
          GError     **error)
{
  gint64 value;

  if (!agg_config_get_int (config, group, "dpi", FALSE, 203, 0, G_MAXINT, &value, error))
    return FALSE;
  if (value != 203 && value != 300 && value != 600)
    {
      agg_config_set_error (config, error, AGG_CONFIG_ERROR_INVALID, group, "dpi",
                            _("must be 203, 300 or 600, not %d"), (int) value);
      return FALSE;
    }
  *dpi = (guint) value;
  return TRUE;
}

AggPrinter *
agg_printer_new_from_config (AggConfig   *config,
                             const char  *group,
                             GError     **error)
{
  g_autoptr(AggPrinter) self = NULL;
  guint type, language, role;
  gint64 port;

  g_return_val_if_fail (config != NULL, NULL);
  g_return_val_if_fail (group != NULL && g_str_has_prefix (group, "printer:"), NULL);

  self = g_object_new (AGG_TYPE_PRINTER, NULL);
  self->name = g_strdup (group + strlen ("printer:"));
  if (self->name[0] == '\0' || strspn (self->name, " \t") == strlen (self->name))
    {
      agg_config_set_error (config, error, AGG_CONFIG_ERROR_INVALID, group, NULL,
                            _("a printer needs a name: [printer:NAME]"));
      return NULL;
    }

  if (!agg_config_get_choice (config, group, "type", TRUE, type_names, 0, &type, error) ||
      !check_keys (config, group, type, error))
    return NULL;
  self->type = type;

  /* Office printers behind CUPS take PDF; label printers take ZPL. */
  if (!agg_config_get_choice (config, group, "language", FALSE, language_names,
                              type == AGG_PRINTER_TYPE_CUPS ? AGG_PRINTER_LANGUAGE_PDF
                                                            : AGG_PRINTER_LANGUAGE_ZPL,
                              &language, error) ||
      !agg_config_get_choice (config, group, "role", FALSE, role_names, AGG_PRINTER_ROLE_ANY,
                              &role, error) ||
      !agg_config_get_choice (config, group, "size", FALSE, size_names, 1, &self->size, error) ||
      !read_dpi (config, group, &self->dpi, error) ||
      !agg_config_get_string (config, group, "template", FALSE, NULL, &self->template_name,
                              error) ||
      !agg_config_get_duration (config, group, "status-timeout", FALSE, 2000, 50, 60000, 1000,
                                &self->status_timeout_ms, error) ||
      !agg_config_get_duration (config, group, "connect-timeout", FALSE, 3000, 50, 60000, 1000,
                                &self->connect_timeout_ms, error) ||
      !agg_config_get_duration (config, group, "write-timeout", FALSE, 10000, 100, 600000,
                                1000, &self->write_timeout_ms, error) ||
      !agg_config_get_duration (config, group, "retry-max", FALSE, 30000, 100, 3600000, 1000,
                                &self->retry_max_ms, error) ||
      !agg_config_get_duration (config, group, "poll-interval", FALSE, 10000, 0, 3600000, 1000,
                                &self->poll_ms, error))
    return NULL;
  self->language = language;
  self->role = role;

  switch (self->type)
    {
    case AGG_PRINTER_TYPE_TCP:
      if (!agg_config_get_string (config, group, "host", TRUE, NULL, &self->host, error) ||
          !agg_config_get_int (config, group, "port", FALSE, 9100, 1, 65535, &port, error))
        return NULL;
      self->port = (guint16) port;
      /* An IPv6 address is bracketed, as in a URI. */
      self->endpoint = strchr (self->host, ':') != NULL
                       ? g_strdup_printf ("[%s]:%u", self->host, self->port)
                       : g_strdup_printf ("%s:%u", self->host, self->port);
      break;
    case AGG_PRINTER_TYPE_SERIAL:
      if (!agg_config_get_string (config, group, "device", TRUE, NULL, &self->device, error) ||
          !agg_config_get_int (config, group, "baud", FALSE, 9600, 50, 4000000, &self->baud,
                               error) ||
          !agg_config_get_int (config, group, "data-bits", FALSE, 8, 7, 8, &self->data_bits,
                               error) ||
          !agg_config_get_choice (config, group, "parity", FALSE, parity_names, 0,
                                  &self->parity, error) ||
          !agg_config_get_int (config, group, "stop-bits", FALSE, 1, 1, 2, &self->stop_bits,
                               error) ||
          !agg_config_get_choice (config, group, "flow-control", FALSE, flow_names, 0,
                                  &self->flow_control, error))
        return NULL;
      self->endpoint = g_strdup (self->device);
      break;
    case AGG_PRINTER_TYPE_FILE:
      if (!agg_config_get_string (config, group, "path", TRUE, NULL, &self->path, error))
        return NULL;
      self->endpoint = g_strdup (self->path);
      break;
    case AGG_PRINTER_TYPE_CUPS:
      if (!agg_config_get_string (config, group, "queue", TRUE, NULL, &self->queue, error))
        return NULL;
      self->endpoint = g_strdup (self->queue);
      break;
    default:
      g_assert_not_reached ();
    }

  return g_steal_pointer (&self);
}

const char *
agg_printer_get_name (AggPrinter *self)
{
  g_return_val_if_fail (AGG_IS_PRINTER (self), NULL);
  return self->name;
}

AggPrinterType
agg_printer_get_printer_type (AggPrinter *self)
{
  g_return_val_if_fail (AGG_IS_PRINTER (self), AGG_PRINTER_TYPE_FILE);
  return self->type;
}

const char *
agg_printer_get_type_name (AggPrinter *self)
{
  g_return_val_if_fail (AGG_IS_PRINTER (self), NULL);
  return type_names[self->type];
}

const char *
agg_printer_get_endpoint (AggPrinter *self)
{
  g_return_val_if_fail (AGG_IS_PRINTER (self), NULL);
  return self->endpoint;
}

AggPrinterLanguage
agg_printer_get_language (AggPrinter *self)
{
  g_return_val_if_fail (AGG_IS_PRINTER (self), AGG_PRINTER_LANGUAGE_ZPL);
  return self->language;
}

AggPrinterRole
agg_printer_get_role (AggPrinter *self)
{
  g_return_val_if_fail (AGG_IS_PRINTER (self), AGG_PRINTER_ROLE_ANY);
  return self->role;
}

guint
agg_printer_get_dpi (AggPrinter *self)
{
  g_return_val_if_fail (AGG_IS_PRINTER (self), 0);
  return self->dpi;
}

const char *
agg_printer_get_size (AggPrinter *self)
{
  g_return_val_if_fail (AGG_IS_PRINTER (self), NULL);
  return size_names[self->size];
}

const char *
agg_printer_get_template (AggPrinter *self)
{
  g_return_val_if_fail (AGG_IS_PRINTER (self), NULL);
  return self->template_name;
}

guint
agg_printer_get_retry_max_ms (AggPrinter *self)
{
  g_return_val_if_fail (AGG_IS_PRINTER (self), 0);
  return (guint) self->retry_max_ms;
}

guint
agg_printer_get_poll_ms (AggPrinter *self)
{
  g_return_val_if_fail (AGG_IS_PRINTER (self), 0);
  return (guint) self->poll_ms;
}

gboolean
agg_printer_serves (AggPrinter *self,
                    gboolean    pallet)
{
  g_return_val_if_fail (AGG_IS_PRINTER (self), FALSE);
  return self->role == AGG_PRINTER_ROLE_ANY ||
         self->role == (pallet ? AGG_PRINTER_ROLE_PALLET : AGG_PRINTER_ROLE_CASE);
}

gboolean
agg_printer_can_query (AggPrinter *self)
{
  g_return_val_if_fail (AGG_IS_PRINTER (self), FALSE);
  if (self->type == AGG_PRINTER_TYPE_CUPS)
    return TRUE;
  return self->language == AGG_PRINTER_LANGUAGE_ZPL &&
         (self->type == AGG_PRINTER_TYPE_TCP || self->type == AGG_PRINTER_TYPE_SERIAL);
}

/* Connections to TCP and serial printers: bytes both ways with deadlines. */

typedef struct
{
  AggPrinter         *printer;
  GSocketConnection  *connection;
  GSocket            *socket;
  struct sp_port     *port;
} Link;

static void
link_close (Link *link)
{
  if (link->connection != NULL)
    g_io_stream_close (G_IO_STREAM (link->connection), NULL, NULL);
  g_clear_object (&link->connection);
  link->socket = NULL;
  if (link->port != NULL)
    {
      sp_close (link->port);
      sp_free_port (link->port);
      link->port = NULL;
    }
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Link, link_close)

static char *
serial_error (void)
{
  char *message = sp_last_error_message ();
  char *copy = g_strdup (message != NULL ? message : g_strerror (errno));

  sp_free_error_message (message);
  return copy;
}

static gboolean
serial_open (Link     *link,
             GError  **error)
{
  AggPrinter *self = link->printer;
  static const enum sp_parity parities[] = { SP_PARITY_NONE, SP_PARITY_ODD, SP_PARITY_EVEN };
  static const enum sp_flowcontrol flows[] = {
    SP_FLOWCONTROL_NONE, SP_FLOWCONTROL_XONXOFF, SP_FLOWCONTROL_RTSCTS, SP_FLOWCONTROL_DTRDSR
  };

  if (sp_get_port_by_name (self->device, &link->port) != SP_OK ||
      sp_open (link->port, SP_MODE_READ_WRITE) != SP_OK ||
      sp_set_baudrate (link->port, (int) self->baud) != SP_OK ||
      sp_set_bits (link->port, (int) self->data_bits) != SP_OK ||
      sp_set_parity (link->port, parities[self->parity]) != SP_OK ||
      sp_set_stopbits (link->port, (int) self->stop_bits) != SP_OK ||
      sp_set_flowcontrol (link->port, flows[self->flow_control]) != SP_OK)
    {
      g_autofree char *detail = serial_error ();

      if (link->port != NULL)
        {
          sp_free_port (link->port);
          link->port = NULL;
        }
      set_fault (error, AGG_PRINTER_FAULT_UNREACHABLE, detail);
      return FALSE;
    }
  /* What the printer said before this connection is no answer to it. */
  sp_flush (link->port, SP_BUF_INPUT);
  return TRUE;
}

static gboolean
link_open (Link          *link,
           AggPrinter    *self,
           GCancellable  *cancellable,
           GError       **error)
{
  g_autoptr(GSocketClient) client = NULL;
  g_autoptr(GError) local_error = NULL;

  link->printer = self;
  if (self->type == AGG_PRINTER_TYPE_SERIAL)
    return serial_open (link, error);

  client = g_socket_client_new ();
  g_socket_client_set_timeout (client, (guint) MAX (1, (self->connect_timeout_ms + 999) / 1000));
  link->connection = g_socket_client_connect_to_host (client, self->host, self->port,
                                                      cancellable, &local_error);
  if (link->connection == NULL)
    {
      set_fault (error, AGG_PRINTER_FAULT_UNREACHABLE, local_error->message);
      return FALSE;
    }
  link->socket = g_socket_connection_get_socket (link->connection);
  /* A job follows a three-byte status query: without this, the job's
   * last segment waits for the printer's delayed acknowledgement. */
  g_socket_set_option (link->socket, IPPROTO_TCP, TCP_NODELAY, 1, NULL);
  g_socket_set_blocking (link->socket, FALSE);
  g_socket_set_timeout (link->socket, 0);
  return TRUE;
}

/* Writes all of @data before @timeout_ms; a failure is a lost connection. */
static gboolean
link_write (Link          *link,
            const char    *data,
            gsize          len,
            guint64        timeout_ms,
            GCancellable  *cancellable,
            GError       **error)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) timeout_ms * 1000;

  if (link->port != NULL)
    {
      int n = sp_blocking_write (link->port, data, len, (unsigned int) timeout_ms);

      if (n < 0 || (gsize) n < len)
        {
          g_autofree char *detail = n < 0 ? serial_error ()
                                          : g_strdup (_("the printer takes no more data"));

          set_fault (error, AGG_PRINTER_FAULT_CONNECTION_LOST, detail);
          return FALSE;
        }
      return sp_drain (link->port) == SP_OK;
    }

  while (len > 0)
    {
      g_autoptr(GError) local_error = NULL;
      gint64 left = deadline - g_get_monotonic_time ();
      gssize n;

      if (left <= 0 ||
          !g_socket_condition_timed_wait (link->socket, G_IO_OUT, left, cancellable,
                                          &local_error))
        {
          set_fault (error, AGG_PRINTER_FAULT_CONNECTION_LOST,
                     local_error != NULL ? local_error->message
                                         : _("the printer takes no more data"));
          return FALSE;
        }
      n = g_socket_send (link->socket, data, len, cancellable, &local_error);
      if (n < 0)
        {
          if (g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
            continue;
          set_fault (error, AGG_PRINTER_FAULT_CONNECTION_LOST, local_error->message);
          return FALSE;
        }
      data += n;
      len -= n;
    }
  return TRUE;
}

/* Reads until the third ETX or @timeout_ms; FALSE with NO_ANSWER when
 * the answer is incomplete by then. */
static gboolean
link_read_status (Link          *link,
                  GByteArray    *reply,
                  guint64        timeout_ms,
                  GCancellable  *cancellable,
                  GError       **error)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) timeout_ms * 1000;
  guint n_etx = 0;

  while (n_etx < 3)
    {
      g_autoptr(GError) local_error = NULL;
      gint64 left = deadline - g_get_monotonic_time ();
      char buf[256];
      gssize n;

      if (left <= 0)
        {
          set_fault (error, AGG_PRINTER_FAULT_NO_ANSWER, NULL);
          return FALSE;
        }

      if (link->port != NULL)
        {
          int got = sp_blocking_read_next (link->port, buf, sizeof buf,
                                           (unsigned int) MAX (1, left / 1000));
          if (got < 0)
            {
              g_autofree char *detail = serial_error ();

              set_fault (error, AGG_PRINTER_FAULT_CONNECTION_LOST, detail);
              return FALSE;
            }
          n = got;
        }
      else
        {
          if (!g_socket_condition_timed_wait (link->socket, G_IO_IN, left, cancellable,
                                              &local_error))
            {
              if (g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT))
                set_fault (error, AGG_PRINTER_FAULT_NO_ANSWER, NULL);
              else
                set_fault (error, AGG_PRINTER_FAULT_CONNECTION_LOST, local_error->message);
              return FALSE;
            }
          n = g_socket_receive (link->socket, buf, sizeof buf, cancellable, &local_error);
          if (n < 0 && g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
            continue;
          if (n <= 0)
            {
              set_fault (error, AGG_PRINTER_FAULT_CONNECTION_LOST,
                         n < 0 ? local_error->message : _("the printer closed the connection"));
              return FALSE;
            }
        }

      for (gssize i = 0; i < n; i++)
        if (buf[i] == ETX)
          n_etx++;
      g_byte_array_append (reply, (const guint8 *) buf, n);
    }
  return TRUE;
}

/* Sends ~HS on @link and reads the answer into a fault. */
static AggPrinterFault
link_query (Link          *link,
            GCancellable  *cancellable,
            GError       **error)
{
  AggPrinter *self = link->printer;
  g_autoptr(GByteArray) reply = g_byte_array_new ();
  g_autoptr(GError) parse_error = NULL;
  g_autoptr(GError) local_error = NULL;
  AggZplHostStatus status;
  AggPrinterFault fault;

  if (!link_write (link, "~HS", 3, self->write_timeout_ms, cancellable, &local_error) ||
      !link_read_status (link, reply, self->status_timeout_ms, cancellable, &local_error))
    {
      fault = local_error->code;
      g_propagate_error (error, g_steal_pointer (&local_error));
      return fault;
    }

  if (!agg_zpl_host_status_parse ((const char *) reply->data, reply->len, &status,
                                  &parse_error))
    return set_fault (error, AGG_PRINTER_FAULT_NO_ANSWER, parse_error->message);

  fault = agg_zpl_host_status_fault (&status);
  if (fault != AGG_PRINTER_FAULT_NONE)
    set_fault (error, fault, NULL);
  return fault;
}

/* The query before anything is sent: a printer that accepts the
 * connection and hangs up is busy with another host or broken, and
 * nothing of a job has left yet. */
static AggPrinterFault
before_job (Link          *link,
            GCancellable  *cancellable,
            GError       **error)
{
  g_autoptr(GError) local_error = NULL;
  AggPrinterFault fault = link_query (link, cancellable, &local_error);

  if (fault == AGG_PRINTER_FAULT_CONNECTION_LOST)
    {
      g_set_error (error, AGG_PRINTER_ERROR, AGG_PRINTER_FAULT_UNREACHABLE, "%s (%s)",
                   agg_printer_fault_to_message (AGG_PRINTER_FAULT_UNREACHABLE),
                   local_error->message);
      return AGG_PRINTER_FAULT_UNREACHABLE;
    }
  if (local_error != NULL)
    g_propagate_error (error, g_steal_pointer (&local_error));
  return fault;
}

/* CUPS */

static http_t *
cups_connect (AggPrinter  *self,
              GError     **error)
{
  http_t *http = httpConnect2 (cupsServer (), ippPort (), NULL, AF_UNSPEC, cupsEncryption (), 1,
                               (int) self->connect_timeout_ms, NULL);

  if (http == NULL)
    set_fault (error, AGG_PRINTER_FAULT_UNREACHABLE, cupsLastErrorString ());
  return http;
}

static gboolean
reasons_contain (const char *reasons,
                 const char *reason)
{
  return reasons != NULL && strstr (reasons, reason) != NULL;
}

static AggPrinterFault
cups_query (AggPrinter  *self,
            http_t      *http,
            GError     **error)
{
  cups_dest_t *dest = cupsGetNamedDest (http, self->queue, NULL);
  const char *state;
  const char *reasons;
  AggPrinterFault fault = AGG_PRINTER_FAULT_NONE;

  if (dest == NULL)
    return set_fault (error, AGG_PRINTER_FAULT_UNREACHABLE, cupsLastErrorString ());

  state = cupsGetOption ("printer-state", dest->num_options, dest->options);
  reasons = cupsGetOption ("printer-state-reasons", dest->num_options, dest->options);
  if (reasons_contain (reasons, "media-empty") || reasons_contain (reasons, "media-needed"))
    fault = AGG_PRINTER_FAULT_PAPER_OUT;
  else if (reasons_contain (reasons, "marker-supply-empty"))
    fault = AGG_PRINTER_FAULT_RIBBON_OUT;
  else if (reasons_contain (reasons, "cover-open") || reasons_contain (reasons, "door-open"))
    fault = AGG_PRINTER_FAULT_HEAD_OPEN;
  else if (reasons_contain (reasons, "paused"))
    fault = AGG_PRINTER_FAULT_PAUSED;
  else if (g_strcmp0 (state, "5") == 0)
    fault = AGG_PRINTER_FAULT_QUEUE_STOPPED;
  cupsFreeDests (1, dest);

  if (fault != AGG_PRINTER_FAULT_NONE)
    set_fault (error, fault, reasons);
  return fault;
}

static gboolean
cups_send (AggPrinter  *self,
           http_t      *http,
           GBytes      *job,
           GError     **error)
{
  const char *format = self->language == AGG_PRINTER_LANGUAGE_PDF ? CUPS_FORMAT_PDF
                                                                   : CUPS_FORMAT_RAW;
  gsize len;
  const char *data = g_bytes_get_data (job, &len);
  int job_id;

  job_id = cupsCreateJob (http, self->queue, "label", 0, NULL);
  if (job_id == 0 ||
      cupsStartDocument (http, self->queue, job_id, "label", format, 1) != HTTP_STATUS_CONTINUE ||
      cupsWriteRequestData (http, data, len) != HTTP_STATUS_CONTINUE ||
      cupsFinishDocument (http, self->queue) != IPP_STATUS_OK)
    {
      set_fault (error, job_id == 0 ? AGG_PRINTER_FAULT_QUEUE_STOPPED
                                    : AGG_PRINTER_FAULT_CONNECTION_LOST,
                 cupsLastErrorString ());
      return FALSE;
    }
  return TRUE;
}

/* Files */

static gboolean
file_append (AggPrinter  *self,
             GBytes      *job,
             GError     **error)
{
  gsize len;
  const char *data = g_bytes_get_data (job, &len);
  int fd = g_open (self->path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  gboolean ok = TRUE;

  if (fd < 0)
    {
      set_fault (error, AGG_PRINTER_FAULT_UNREACHABLE, g_strerror (errno));
      return FALSE;
    }
  while (len > 0 && ok)
    {
      gssize n = write (fd, data, len);

      if (n < 0 && errno == EINTR)
        continue;
      ok = n > 0;
      if (ok)
        {
          data += n;
          len -= n;
        }
    }
  /* A job is sent once it is on the disk. */
  if (!ok || fsync (fd) != 0)
    {
      int saved = errno;

      close (fd);
      set_fault (error, AGG_PRINTER_FAULT_CONNECTION_LOST, g_strerror (saved));
      return FALSE;
    }
  if (close (fd) != 0)
    {
      set_fault (error, AGG_PRINTER_FAULT_CONNECTION_LOST, g_strerror (errno));
      return FALSE;
    }
  return TRUE;
}

AggPrinterFault
agg_printer_query_sync (AggPrinter    *self,
                        GCancellable  *cancellable,
                        GError       **error)
{
  g_autoptr(GError) local_error = NULL;
  AggPrinterFault fault = AGG_PRINTER_FAULT_NONE;

  g_return_val_if_fail (AGG_IS_PRINTER (self), AGG_PRINTER_FAULT_NONE);

  switch (self->type)
    {
    case AGG_PRINTER_TYPE_TCP:
    case AGG_PRINTER_TYPE_SERIAL:
      {
        g_auto(Link) link = { NULL, NULL, NULL, NULL };

        if (!link_open (&link, self, cancellable, &local_error))
          fault = local_error->code;
        else if (self->language == AGG_PRINTER_LANGUAGE_ZPL)
          fault = before_job (&link, cancellable, &local_error);
      }
      break;
    case AGG_PRINTER_TYPE_CUPS:
      {
        http_t *http = cups_connect (self, &local_error);

        if (http == NULL)
          fault = local_error->code;
        else
          {
            fault = cups_query (self, http, &local_error);
            httpClose (http);
          }
      }
      break;
    case AGG_PRINTER_TYPE_FILE:
    default:
      break;
    }

  if (local_error != NULL)
    g_propagate_error (error, g_steal_pointer (&local_error));
  return fault;
}

gboolean
agg_printer_send_sync (AggPrinter       *self,
                       GBytes           *job,
                       AggPrinterFault  *fault_after,
                       GCancellable     *cancellable,
                       GError          **error)
{
  g_autoptr(GError) after_error = NULL;
  AggPrinterFault after = AGG_PRINTER_FAULT_NONE;
  gsize len;
  const char *data;

  g_return_val_if_fail (AGG_IS_PRINTER (self), FALSE);
  g_return_val_if_fail (job != NULL, FALSE);

  data = g_bytes_get_data (job, &len);

  switch (self->type)
    {
    case AGG_PRINTER_TYPE_TCP:
    case AGG_PRINTER_TYPE_SERIAL:
      {
        g_auto(Link) link = { NULL, NULL, NULL, NULL };
        gboolean zpl = self->language == AGG_PRINTER_LANGUAGE_ZPL;

        if (!link_open (&link, self, cancellable, error))
          return FALSE;
        if (zpl && before_job (&link, cancellable, error) != AGG_PRINTER_FAULT_NONE)
          return FALSE;
        if (!link_write (&link, data, len, self->write_timeout_ms, cancellable, error))
          return FALSE;
        if (zpl)
          after = link_query (&link, cancellable, &after_error);
        /* A printer that hangs up after a job may not have taken all of
         * it; one that stays silent does have it (many Zebras do not
         * answer ~HS while out of paper or with the head open). */
        if (after == AGG_PRINTER_FAULT_CONNECTION_LOST)
          {
            g_propagate_error (error, g_steal_pointer (&after_error));
            return FALSE;
          }
      }
      break;
    case AGG_PRINTER_TYPE_CUPS:
      {
        http_t *http = cups_connect (self, error);
        gboolean sent;

        if (http == NULL)
          return FALSE;
        sent = cups_query (self, http, error) == AGG_PRINTER_FAULT_NONE &&
               cups_send (self, http, job, error);
        if (sent)
          after = cups_query (self, http, &after_error);
        httpClose (http);
        if (!sent)
          return FALSE;
      }
      break;
    case AGG_PRINTER_TYPE_FILE:
      if (!file_append (self, job, error))
        return FALSE;
      break;
    default:
      g_assert_not_reached ();
    }

  if (fault_after != NULL)
    *fault_after = after;
  return TRUE;
}
