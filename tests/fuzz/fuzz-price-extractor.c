/* Fuzz target: price extraction from whatever a stream sends, with field
 * detection and with configured paths. */
#include "config.h"

#include <stdint.h>

#include "sp-price-extractor.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  static SpPriceExtractor *detect, *paths, *nested;
  GArray *points = g_array_new (FALSE, FALSE, sizeof (SpPricePoint));

  if (detect == NULL)
    {
      detect = sp_price_extractor_new (NULL, NULL);
      paths = sp_price_extractor_new ("p", "s");
      nested = sp_price_extractor_new ("data.0.price", "data.0.symbol");
    }

  sp_price_extractor_extract (detect, (const char *) data, size, points);
  sp_price_extractor_extract (paths, (const char *) data, size, points);
  sp_price_extractor_extract (nested, (const char *) data, size, points);
  for (guint i = 0; i < points->len; i++)
    g_assert_nonnull (g_array_index (points, SpPricePoint, i).symbol);
  g_array_unref (points);

  return 0;
}
