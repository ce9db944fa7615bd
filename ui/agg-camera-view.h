/* agg-camera-view.h: the camera's last image of the case layer, slot by slot
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "agg-camera.h"

G_BEGIN_DECLS

#define AGG_TYPE_CAMERA_VIEW (agg_camera_view_get_type ())
G_DECLARE_FINAL_TYPE (AggCameraView, agg_camera_view, AGG, CAMERA_VIEW, AdwBin)

GtkWidget *agg_camera_view_new            (void);

/* The camera the "Take picture" button triggers; the button shows only
 * for cameras triggered by the operator.  NULL: none. */
void       agg_camera_view_set_camera     (AggCameraView        *self,
                                           AggCamera            *camera);
/* A new image: shown at once with what the decoder read, until the
 * engine's verdict comes with agg_camera_view_set_layer (). */
void       agg_camera_view_show_image     (AggCameraView        *self,
                                           const AggCameraImage *image);
/* An image file kept as evidence, with the verdicts recorded with it. */
void       agg_camera_view_show_evidence  (AggCameraView        *self,
                                           const char           *path,
                                           JsonObject           *layer);
/* The engine's verdict on the layer: the "layer" details of an
 * AGG_ACTION_SCAN_LAYER answer. */
void       agg_camera_view_set_layer      (AggCameraView        *self,
                                           JsonObject           *layer);

/* A red slot to fill with the handheld: what a tap on it does.  Only a
 * refused or empty slot can be armed; -1 disarms. */
gboolean   agg_camera_view_arm_slot       (AggCameraView        *self,
                                           int                   slot);
int        agg_camera_view_get_armed_slot (AggCameraView        *self);
/* The engine's answer to the handheld scan that followed: an accepted
 * unit turns the armed slot green. */
void       agg_camera_view_fill_armed     (AggCameraView        *self,
                                           gboolean              accepted);

/* The slot under a point of the image area, or -1. */
int        agg_camera_view_slot_at        (AggCameraView        *self,
                                           double                x,
                                           double                y);
/* Where a slot is drawn, in the image area's coordinates. */
gboolean   agg_camera_view_get_slot_center (AggCameraView       *self,
                                            int                  slot,
                                            double              *x,
                                            double              *y);

G_END_DECLS
