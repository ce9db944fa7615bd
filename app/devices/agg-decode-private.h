/* agg-decode-private.h: what decoding shares with its helper process and aggctl
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The JSON forms live here rather than in agg-decode.h so that the
 * decoding API itself needs nothing but GLib.
 */

#pragma once

#include <json-glib/json-glib.h>

#include "agg-decode.h"

G_BEGIN_DECLS

AggDecodeResult *agg_decode_result_new        (guint                    width,
                                               guint                    height);
/* A code with a copy of @len bytes of @data, in no slot. */
AggDecodedCode  *agg_decoded_code_new         (const char              *data,
                                               gsize                    len);

/* A result as JSON, as the helper sends it and "aggctl decode --json"
 * prints it: each code's bytes in base64 ("bytes") and as text ("data",
 * read as UTF-8, or as ISO 8859-1 where it is none). */
JsonNode        *agg_decode_result_to_json    (const AggDecodeResult   *result);
AggDecodeResult *agg_decode_result_from_json  (JsonNode                *node,
                                               GError                 **error);

/* A code's corners as JSON, [[x, y], …] in image pixels: the one form
 * the helper's answer, the camera's layer request and the test images'
 * truth all use, so that they can be compared. */
void             agg_decode_corners_to_json   (JsonBuilder             *builder,
                                               const double             corners[4][2]);

JsonNode        *agg_decode_options_to_json   (const AggDecodeOptions  *options);
/* Missing members keep their agg_decode_options_init () values. */
void             agg_decode_options_from_json (JsonNode                *node,
                                               AggDecodeOptions        *options);

G_END_DECLS
