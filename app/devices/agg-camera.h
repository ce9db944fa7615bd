/* agg-camera.h: cameras above the open case
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A camera takes one image of a case layer when triggered (by the PLC,
 * the operator's button, or a free-running interval) or when a smart
 * camera drops a file into a watched folder.  Every code in the image is
 * decoded in a supervised helper process (AggDecoder), the image is kept
 * as evidence, and "image-decoded" hands the image and the reads on.  The
 * station turns that into an AGG_ACTION_SCAN_LAYER request with
 * agg_camera_image_to_request ().
 *
 * Cameras live in the thread-default main context they were made in;
 * blocking work (opening devices, grabbing frames, writing evidence)
 * runs on worker threads.
 */

#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

#include "agg-config.h"
#include "agg-decode.h"
#include "agg-line.h"
#include "agg-store.h"

G_BEGIN_DECLS

typedef enum
{
  AGG_CAMERA_TYPE_FOLDER,             /* a watched folder: smart cameras, FTP drops */
  AGG_CAMERA_TYPE_FILE,               /* one image file, read at each trigger: demos, tests */
  AGG_CAMERA_TYPE_ARAVIS,             /* GenICam GigE Vision / USB3 Vision through Aravis */
  AGG_CAMERA_TYPE_UVC,                /* UVC webcams through GStreamer */
} AggCameraType;

typedef enum
{
  AGG_CAMERA_TRIGGER_PLC,             /* the station calls agg_camera_trigger () on the PLC's signal */
  AGG_CAMERA_TRIGGER_BUTTON,          /* the operator's "Take picture" */
  AGG_CAMERA_TRIGGER_FREE_RUN,        /* every interval */
  AGG_CAMERA_TRIGGER_FILE,            /* a folder camera: the file arriving */
} AggCameraTrigger;

/* One image and what was read in it.  Reference counted; immutable. */
typedef struct
{
  char            *camera;            /* the camera's name */
  char            *path;              /* the image file (the evidence copy when kept), or NULL */
  GBytes          *gray;              /* a frame's 8-bit gray pixels, or NULL for a file */
  guint            width, height;
  gsize            stride;
  char            *evidence_path;     /* the copy kept as evidence, or NULL */
  guint            rows, cols;        /* the layout it was decoded with; 0 × 0: none */
  AggDecodeResult *result;
  char            *taken_at;          /* UTC, ISO 8601 */
} AggCameraImage;

#define AGG_TYPE_CAMERA_IMAGE (agg_camera_image_get_type ())

GType           agg_camera_image_get_type   (void) G_GNUC_CONST;
AggCameraImage *agg_camera_image_ref        (AggCameraImage       *image);
void            agg_camera_image_unref      (AggCameraImage       *image);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (AggCameraImage, agg_camera_image_unref)

/* The engine's request for @image: AGG_ACTION_SCAN_LAYER with its codes,
 * slots, layout and evidence path, from the camera. */
AggRequest     *agg_camera_image_to_request (const AggCameraImage *image);

/* A snapshot for status pages and aggctl. */
typedef struct
{
  char    *name;
  char    *type;                      /* "folder", "file", "aravis", "uvc" */
  char    *trigger;                   /* "plc", "button", "free-run", "file" */
  gboolean connected;
  char    *state;                     /* "stopped", "connecting", "idle", "busy", "error" */
  guint64  images;                    /* images decoded */
  guint64  reads;                     /* codes read in them */
  guint64  misses;                    /* expected codes not read (empty slots) */
  guint    restarts;                  /* of the decoding helper */
  double   last_ms;                   /* the last image's decoding time */
  char    *last_error;                /* or NULL */
} AggCameraStatus;

void        agg_camera_status_free    (AggCameraStatus *status);
JsonObject *agg_camera_status_to_json (const AggCameraStatus *status);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (AggCameraStatus, agg_camera_status_free)

#define AGG_TYPE_CAMERA (agg_camera_get_type ())
G_DECLARE_FINAL_TYPE (AggCamera, agg_camera, AGG, CAMERA, GObject)

/* Every [camera:NAME] group of @config, validated: a GPtrArray of
 * AggCamera, empty when there is none.  Errors name the file and line. */
GPtrArray        *agg_cameras_new_from_config (AggConfig    *config,
                                               GError      **error);
/* The one camera NAME. */
AggCamera        *agg_camera_new_from_config  (AggConfig    *config,
                                               const char   *name,
                                               GError      **error);

const char       *agg_camera_get_name         (AggCamera    *self);
AggCameraType     agg_camera_get_camera_type  (AggCamera    *self);
AggCameraTrigger  agg_camera_get_trigger      (AggCamera    *self);
/* The evidence folder, or NULL when no evidence is kept. */
const char       *agg_camera_get_evidence_dir (AggCamera    *self);

/* The layer's layout, from the running order's product: slots are
 * counted on it and the decoder stops once rows × cols codes are read.
 * 0 × 0 goes back to the configured layout. */
void              agg_camera_set_layout       (AggCamera    *self,
                                               guint         rows,
                                               guint         cols);
/* With a store, the camera applies its evidence retention (rows marked,
 * files deleted) when it starts and every hour. */
void              agg_camera_set_store        (AggCamera    *self,
                                               AggStore     *store);

/* Connects (in the background, again and again until it works) and, for
 * folders, processes what is waiting, then watches. */
void              agg_camera_start            (AggCamera    *self);
void              agg_camera_stop             (AggCamera    *self);
/* Takes one image now; triggers that come while an image is being taken
 * are queued, up to a few. */
void              agg_camera_trigger          (AggCamera    *self);

AggCameraStatus  *agg_camera_dup_status       (AggCamera    *self);

G_END_DECLS
