/* agg-decoder.c: camera decoding in a supervised helper process
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The pixels travel through a shared memory file (memfd) that the helper
 * inherits as descriptor 3: a frame is written once, never through a
 * pipe.  Requests and answers are JSON lines on the helper's standard
 * input and output (see agg-decode-helper.c).  One image is in the helper
 * at a time, under a timer of its deadline plus a margin; the end of the
 * helper's output while it lives is its death.  Either way the image
 * fails, and a new helper is started at once for the next one.
 */

#define _GNU_SOURCE

#include "config.h"

#include <errno.h>
#include <glib/gi18n-lib.h>
#include <signal.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "agg-decode-private.h"
#include "agg-decoder.h"

#define PIXELS_FD 3
#define HELPER_NAME "agg-decode-helper"

G_DEFINE_QUARK (agg-decoder-error-quark, agg_decoder_error)

typedef struct
{
  gint              ref_count;
  AggDecoder       *decoder;          /* NULL once the helper is given up */
  GSubprocess      *process;
  GOutputStream    *requests;
  GDataInputStream *answers;
  GCancellable     *cancellable;
  int               memfd;
  gsize             memfd_size;
} Helper;

typedef struct
{
  char             *path;             /* a file, or NULL: pixels */
  GBytes           *pixels;           /* width bytes a row */
  guint             width, height;
  AggDecodeOptions  options;
} Request;

struct _AggDecoder
{
  GObject  parent_instance;

  char    *helper_path;
  Helper  *helper;
  GQueue   queue;                     /* of GTask *, waiting */
  GTask   *current;                   /* in the helper */
  guint    overrun_id;
  guint    restarts;
};

G_DEFINE_FINAL_TYPE (AggDecoder, agg_decoder, G_TYPE_OBJECT)

enum
{
  PROP_0,
  PROP_HELPER_PATH,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void dispatch (AggDecoder *self);
static void read_answer (Helper *helper);

static void
request_free (gpointer data)
{
  Request *request = data;

  g_free (request->path);
  g_clear_pointer (&request->pixels, g_bytes_unref);
  g_free (request);
}

static Helper *
helper_ref (Helper *helper)
{
  g_atomic_int_inc (&helper->ref_count);
  return helper;
}

static void
helper_unref (Helper *helper)
{
  if (!g_atomic_int_dec_and_test (&helper->ref_count))
    return;

  g_clear_object (&helper->process);
  g_clear_object (&helper->requests);
  g_clear_object (&helper->answers);
  g_clear_object (&helper->cancellable);
  if (helper->memfd >= 0)
    close (helper->memfd);
  g_free (helper);
}

/* Stops listening to the helper and kills it; GSubprocess reaps it. */
static void
helper_abandon (Helper *helper)
{
  helper->decoder = NULL;
  g_cancellable_cancel (helper->cancellable);
  g_subprocess_force_exit (helper->process);
  helper_unref (helper);
}

static Helper *
helper_spawn (AggDecoder  *self,
              GError     **error)
{
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GSubprocess) process = NULL;
  Helper *helper;
  int memfd, child_fd;

  memfd = memfd_create ("agg-decode-pixels", MFD_CLOEXEC);
  if (memfd < 0)
    {
      int saved_errno = errno;

      g_set_error (error, AGG_DECODER_ERROR, AGG_DECODER_ERROR_HELPER,
                   _("No shared memory for the decoding helper: %s"), g_strerror (saved_errno));
      return NULL;
    }
  child_fd = dup (memfd);
  if (child_fd < 0)
    {
      int saved_errno = errno;

      close (memfd);
      g_set_error (error, AGG_DECODER_ERROR, AGG_DECODER_ERROR_HELPER,
                   _("No shared memory for the decoding helper: %s"), g_strerror (saved_errno));
      return NULL;
    }

  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDIN_PIPE
                                        | G_SUBPROCESS_FLAGS_STDOUT_PIPE);
  g_subprocess_launcher_take_fd (launcher, child_fd, PIXELS_FD);
  process = g_subprocess_launcher_spawn (launcher, error, self->helper_path, NULL);
  if (process == NULL)
    {
      close (memfd);
      g_prefix_error (error, _("The decoding helper %s cannot be started: "), self->helper_path);
      if (error != NULL && (*error)->domain != AGG_DECODER_ERROR)
        {
          GError *original = *error;

          *error = g_error_new_literal (AGG_DECODER_ERROR, AGG_DECODER_ERROR_HELPER,
                                        original->message);
          g_error_free (original);
        }
      return NULL;
    }

  helper = g_new0 (Helper, 1);
  helper->ref_count = 1;
  helper->decoder = self;
  helper->process = g_steal_pointer (&process);
  helper->requests = g_object_ref (g_subprocess_get_stdin_pipe (helper->process));
  helper->answers = g_data_input_stream_new (g_subprocess_get_stdout_pipe (helper->process));
  g_data_input_stream_set_newline_type (helper->answers, G_DATA_STREAM_NEWLINE_TYPE_LF);
  helper->cancellable = g_cancellable_new ();
  helper->memfd = memfd;
  read_answer (helper);
  return helper;
}

/* The current image fails with @code, the helper is replaced. */
static void
helper_failed (AggDecoder  *self,
               int          code,
               const char  *message)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GTask) task = g_steal_pointer (&self->current);

  g_clear_handle_id (&self->overrun_id, g_source_remove);
  if (self->helper != NULL)
    helper_abandon (g_steal_pointer (&self->helper));

  if (task != NULL)
    g_task_return_new_error (task, AGG_DECODER_ERROR, code, "%s", message);

  /* Started again at once, so that the next image finds it ready; if that
   * fails, the next image tries again and reports why. */
  self->restarts++;
  self->helper = helper_spawn (self, &error);
  if (self->helper == NULL)
    g_warning ("%s", error->message);

  dispatch (self);
}

static gboolean
overrun_cb (gpointer user_data)
{
  AggDecoder *self = user_data;

  self->overrun_id = 0;
  helper_failed (self, AGG_DECODER_ERROR_OVERRUN,
                 _("Decoding overran its deadline; the helper was stopped and the image stays "
                   "unread"));
  return G_SOURCE_REMOVE;
}

static GError *
error_from_answer (JsonObject *object)
{
  const char *domain = json_object_get_string_member_with_default (object, "domain", NULL);
  const char *message = json_object_get_string_member_with_default (object, "message", NULL);
  gint64 code = json_object_get_int_member_with_default (object, "code", 0);

  if (domain == NULL || message == NULL)
    return g_error_new_literal (AGG_DECODER_ERROR, AGG_DECODER_ERROR_HELPER,
                                _("The decoding helper sent a malformed error"));
  /* The quarks of the helper's domains are those of the same names here. */
  return g_error_new_literal (g_quark_from_string (domain), (int) code, message);
}

static void
answer_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  Helper *helper = user_data;
  AggDecoder *self = helper->decoder;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonParser) parser = NULL;
  g_autoptr(AggDecodeResult) decoded = NULL;
  g_autoptr(GTask) task = NULL;
  g_autofree char *line = NULL;
  JsonObject *object = NULL;
  JsonNode *member;

  line = g_data_input_stream_read_line_finish (G_DATA_INPUT_STREAM (source), result, NULL, &error);
  if (self == NULL || self->helper != helper)
    {
      helper_unref (helper);
      return;
    }
  helper_unref (helper);

  if (line == NULL)
    {
      helper_failed (self, AGG_DECODER_ERROR_CRASHED,
                     _("The decoding helper crashed; it was started again and the image stays "
                       "unread"));
      return;
    }

  parser = json_parser_new ();
  if (json_parser_load_from_data (parser, line, -1, NULL)
      && json_parser_get_root (parser) != NULL
      && JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    object = json_node_get_object (json_parser_get_root (parser));

  if (object == NULL || self->current == NULL)
    {
      helper_failed (self, AGG_DECODER_ERROR_HELPER,
                     _("The decoding helper broke its protocol; it was started again and the "
                       "image stays unread"));
      return;
    }

  g_clear_handle_id (&self->overrun_id, g_source_remove);
  task = g_steal_pointer (&self->current);
  read_answer (helper);

  if ((member = json_object_get_member (object, "result")) != NULL
      && (decoded = agg_decode_result_from_json (member, &error)) != NULL)
    g_task_return_pointer (task, g_steal_pointer (&decoded),
                           (GDestroyNotify) agg_decode_result_free);
  else if ((member = json_object_get_member (object, "error")) != NULL
           && JSON_NODE_HOLDS_OBJECT (member))
    g_task_return_error (task, error_from_answer (json_node_get_object (member)));
  else if (error != NULL)
    g_task_return_error (task, g_steal_pointer (&error));
  else
    g_task_return_new_error (task, AGG_DECODER_ERROR, AGG_DECODER_ERROR_HELPER,
                             _("The decoding helper sent an answer without a result"));

  dispatch (self);
}

static void
read_answer (Helper *helper)
{
  g_data_input_stream_read_line_async (helper->answers, G_PRIORITY_DEFAULT, helper->cancellable,
                                       answer_cb, helper_ref (helper));
}

/* Hands the pixels over through the shared file. */
static gboolean
write_pixels (Helper   *helper,
              GBytes   *pixels,
              GError  **error)
{
  gsize size;
  const guint8 *data = g_bytes_get_data (pixels, &size);
  gsize done = 0;

  if (size > helper->memfd_size)
    {
      if (ftruncate (helper->memfd, size) != 0)
        goto failed;
      helper->memfd_size = size;
    }
  while (done < size)
    {
      ssize_t n = pwrite (helper->memfd, data + done, size - done, done);

      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        goto failed;
      done += n;
    }
  return TRUE;

failed:
  {
    int saved_errno = errno;

    g_set_error (error, AGG_DECODER_ERROR, AGG_DECODER_ERROR_HELPER,
                 _("The image cannot be handed to the decoding helper: %s"),
                 g_strerror (saved_errno));
    return FALSE;
  }
}

static gboolean
send_request (Helper   *helper,
              Request  *request,
              GError  **error)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  g_autoptr(JsonNode) root = NULL;
  g_autofree char *text = NULL;
  g_autofree char *line = NULL;

  if (request->pixels != NULL && !write_pixels (helper, request->pixels, error))
    return FALSE;

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "op");
  json_builder_add_string_value (builder, request->path != NULL ? "file" : "gray");
  if (request->path != NULL)
    {
      json_builder_set_member_name (builder, "path");
      json_builder_add_string_value (builder, request->path);
    }
  else
    {
      json_builder_set_member_name (builder, "width");
      json_builder_add_int_value (builder, request->width);
      json_builder_set_member_name (builder, "height");
      json_builder_add_int_value (builder, request->height);
      json_builder_set_member_name (builder, "stride");
      json_builder_add_int_value (builder, request->width);
    }
  json_builder_set_member_name (builder, "options");
  json_builder_add_value (builder, agg_decode_options_to_json (&request->options));
  json_builder_end_object (builder);
  root = json_builder_get_root (builder);
  json_generator_set_root (generator, root);
  text = json_generator_to_data (generator, NULL);
  line = g_strconcat (text, "\n", NULL);

  /* One short line into an empty pipe: it does not block. */
  if (!g_output_stream_write_all (helper->requests, line, strlen (line), NULL, NULL, error)
      || !g_output_stream_flush (helper->requests, NULL, error))
    {
      g_prefix_error (error, _("The decoding helper does not take requests: "));
      return FALSE;
    }
  return TRUE;
}

static void
dispatch (AggDecoder *self)
{
  while (self->current == NULL && !g_queue_is_empty (&self->queue))
    {
      g_autoptr(GTask) task = g_queue_pop_head (&self->queue);
      g_autoptr(GError) error = NULL;
      Request *request = g_task_get_task_data (task);
      guint limit;

      if (g_task_return_error_if_cancelled (task))
        continue;

      if (self->helper == NULL && (self->helper = helper_spawn (self, &error)) == NULL)
        {
          g_task_return_error (task, g_steal_pointer (&error));
          continue;
        }

      if (!send_request (self->helper, request, &error))
        {
          /* A helper that cannot be written to is dead or dying: the
           * image fails as in a crash, and a new helper comes. */
          self->current = g_steal_pointer (&task);
          helper_failed (self, AGG_DECODER_ERROR_CRASHED, error->message);
          return;
        }

      limit = (request->options.deadline_ms > 0 ? request->options.deadline_ms : 500)
              + AGG_DECODER_OVERRUN_MARGIN_MS
              + (request->path != NULL ? AGG_DECODER_FILE_MARGIN_MS : 0);
      self->current = g_steal_pointer (&task);
      self->overrun_id = g_timeout_add (limit, overrun_cb, self);
    }
}

static void
agg_decoder_dispose (GObject *object)
{
  AggDecoder *self = AGG_DECODER (object);

  g_clear_handle_id (&self->overrun_id, g_source_remove);
  if (self->helper != NULL)
    helper_abandon (g_steal_pointer (&self->helper));

  G_OBJECT_CLASS (agg_decoder_parent_class)->dispose (object);
}

static void
agg_decoder_finalize (GObject *object)
{
  AggDecoder *self = AGG_DECODER (object);

  g_free (self->helper_path);

  G_OBJECT_CLASS (agg_decoder_parent_class)->finalize (object);
}

static char *find_helper (void);

static void
agg_decoder_constructed (GObject *object)
{
  AggDecoder *self = AGG_DECODER (object);

  G_OBJECT_CLASS (agg_decoder_parent_class)->constructed (object);

  if (self->helper_path == NULL)
    self->helper_path = find_helper ();
}

static void
agg_decoder_get_property (GObject    *object,
                          guint       prop_id,
                          GValue     *value,
                          GParamSpec *pspec)
{
  AggDecoder *self = AGG_DECODER (object);

  switch (prop_id)
    {
    case PROP_HELPER_PATH:
      g_value_set_string (value, self->helper_path);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
agg_decoder_set_property (GObject      *object,
                          guint         prop_id,
                          const GValue *value,
                          GParamSpec   *pspec)
{
  AggDecoder *self = AGG_DECODER (object);

  switch (prop_id)
    {
    case PROP_HELPER_PATH:
      self->helper_path = g_value_dup_string (value);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
agg_decoder_class_init (AggDecoderClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->constructed = agg_decoder_constructed;
  object_class->get_property = agg_decoder_get_property;
  object_class->set_property = agg_decoder_set_property;
  object_class->dispose = agg_decoder_dispose;
  object_class->finalize = agg_decoder_finalize;

  /* The helper program; NULL at construction: the one agg_decoder_new ()
   * describes. */
  properties[PROP_HELPER_PATH] =
    g_param_spec_string ("helper-path", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /* Writing to a helper that just died must fail with EPIPE, not kill the
   * station; as GDBus does, SIGPIPE is ignored unless someone handles it. */
  {
    struct sigaction action;

    if (sigaction (SIGPIPE, NULL, &action) == 0 && action.sa_handler == SIG_DFL)
      signal (SIGPIPE, SIG_IGN);
  }
}

static char *
find_helper (void)
{
  const char *env = g_getenv ("AGG_DECODE_HELPER");
  g_autofree char *installed = g_build_filename (LIBEXECDIR, HELPER_NAME, NULL);
  g_autofree char *self_exe = NULL;
  g_autofree char *dir = NULL;

  if (env != NULL && env[0] != '\0')
    return g_strdup (env);
  if (g_file_test (installed, G_FILE_TEST_IS_EXECUTABLE))
    return g_steal_pointer (&installed);

  self_exe = g_file_read_link ("/proc/self/exe", NULL);
  if (self_exe == NULL)
    return g_steal_pointer (&installed);
  dir = g_path_get_dirname (self_exe);
  return g_build_filename (dir, HELPER_NAME, NULL);
}

static void
agg_decoder_init (AggDecoder *self)
{
  g_queue_init (&self->queue);
}

AggDecoder *
agg_decoder_new (void)
{
  return g_object_new (AGG_TYPE_DECODER, NULL);
}

static void
enqueue (AggDecoder   *self,
         GTask        *task,
         Request      *request)
{
  g_task_set_task_data (task, request, request_free);
  g_queue_push_tail (&self->queue, task);
  dispatch (self);
}

void
agg_decoder_decode_async (AggDecoder              *self,
                          const guint8            *gray,
                          guint                    width,
                          guint                    height,
                          gsize                    stride,
                          const AggDecodeOptions  *options,
                          GCancellable            *cancellable,
                          GAsyncReadyCallback      callback,
                          gpointer                 user_data)
{
  g_autoptr(GTask) task = NULL;
  Request *request;
  guint8 *packed;

  g_return_if_fail (AGG_IS_DECODER (self));
  g_return_if_fail (gray != NULL);
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, agg_decoder_decode_async);

  if (width == 0 || height == 0 || stride < width
      || (guint64) width * height > AGG_DECODE_MAX_PIXELS)
    {
      g_task_return_new_error (task, AGG_DECODE_ERROR,
                               stride < width || width == 0 || height == 0
                               ? AGG_DECODE_ERROR_INVALID : AGG_DECODE_ERROR_TOO_LARGE,
                               _("An image of %u × %u pixels with %" G_GSIZE_FORMAT " bytes a "
                                 "row cannot be decoded"), width, height, stride);
      return;
    }

  request = g_new0 (Request, 1);
  request->width = width;
  request->height = height;
  if (options != NULL)
    request->options = *options;
  else
    agg_decode_options_init (&request->options);

  packed = g_malloc ((gsize) width * height);
  for (guint y = 0; y < height; y++)
    memcpy (packed + (gsize) y * width, gray + (gsize) y * stride, width);
  request->pixels = g_bytes_new_take (packed, (gsize) width * height);

  enqueue (self, g_steal_pointer (&task), request);
}

void
agg_decoder_decode_file_async (AggDecoder              *self,
                               const char              *path,
                               const AggDecodeOptions  *options,
                               GCancellable            *cancellable,
                               GAsyncReadyCallback      callback,
                               gpointer                 user_data)
{
  GTask *task;
  Request *request;

  g_return_if_fail (AGG_IS_DECODER (self));
  g_return_if_fail (path != NULL);
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, agg_decoder_decode_file_async);

  request = g_new0 (Request, 1);
  /* The helper may run in another directory one day; it gets the whole
   * path. */
  if (g_path_is_absolute (path))
    request->path = g_strdup (path);
  else
    {
      g_autofree char *cwd = g_get_current_dir ();

      request->path = g_build_filename (cwd, path, NULL);
    }
  if (options != NULL)
    request->options = *options;
  else
    agg_decode_options_init (&request->options);

  enqueue (self, task, request);
}

AggDecodeResult *
agg_decoder_decode_finish (AggDecoder    *self,
                           GAsyncResult  *result,
                           GError       **error)
{
  g_return_val_if_fail (AGG_IS_DECODER (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

guint
agg_decoder_get_restarts (AggDecoder *self)
{
  g_return_val_if_fail (AGG_IS_DECODER (self), 0);

  return self->restarts;
}
