/* Without libFuzzer (gcc builds): every seed of a corpus and a fixed number of
 * deterministic mutations of them go through the target, so the CI runs each
 * target a few hundred thousand times under the sanitizers of its build.
 *
 *   fuzz-TARGET-replay CORPUS_DIR RUNS
 *
 * Prints TAP. A crash or a failed assertion in the target fails the test. */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

static guint64 state = 0x9E3779B97F4A7C15u;

static guint32
next (void)
{
  state ^= state << 13;
  state ^= state >> 7;
  state ^= state << 17;
  return (guint32) state;
}

/* Bit flips, interesting bytes, insertions, deletions, truncations, splices. */
static void
mutate (GByteArray *input,
        GPtrArray  *seeds)
{
  static const guint8 interesting[] = { 0, 0xff, 0x7f, 0x80, '"', '\\', '{', '}', '[', ']', ':', ',',
                                        '.', '-', 'e', '0', '9', '\n', '\r', 0xc3, 0xe2 };
  guint n = 1 + next () % 8;

  for (guint k = 0; k < n; k++)
    {
      guint pos = input->len > 0 ? next () % input->len : 0;

      switch (next () % 6)
        {
        case 0:
          if (input->len > 0)
            input->data[pos] ^= (guint8) (1u << (next () % 8));
          break;
        case 1:
          if (input->len > 0)
            input->data[pos] = interesting[next () % sizeof interesting];
          break;
        case 2:
          {
            guint8 byte = interesting[next () % sizeof interesting];

            g_byte_array_set_size (input, input->len + 1);
            memmove (input->data + pos + 1, input->data + pos, input->len - 1 - pos);
            input->data[pos] = byte;
          }
          break;
        case 3:
          if (input->len > 0)
            {
              guint n_remove = 1 + next () % 8;   /* MIN() would draw twice */

              g_byte_array_remove_range (input, pos, MIN (input->len - pos, n_remove));
            }
          break;
        case 4:
          g_byte_array_set_size (input, pos);
          break;
        default:
          {
            GBytes *other = g_ptr_array_index (seeds, next () % seeds->len);
            gsize size;
            const guint8 *data = g_bytes_get_data (other, &size);

            if (size > 0)
              {
                guint from = next () % size;
                guint n_take = 1 + next () % 64;

                g_byte_array_append (input, data + from, MIN (size - from, n_take));
              }
          }
        }
    }
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GPtrArray) seeds = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  g_autoptr(GDir) dir = NULL;
  const char *name;
  guint64 runs;

  if (argc < 3 || (dir = g_dir_open (argv[1], 0, NULL)) == NULL)
    {
      g_printerr ("usage: %s CORPUS_DIR RUNS\n", argv[0]);
      return 2;
    }
  runs = g_ascii_strtoull (argv[2], NULL, 10);

  while ((name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = g_build_filename (argv[1], name, NULL);
      char *contents;
      gsize size;

      if (g_file_get_contents (path, &contents, &size, NULL))
        g_ptr_array_add (seeds, g_bytes_new_take (contents, size));
    }
  if (seeds->len == 0)
    {
      printf ("1..1\nnot ok 1 - no seeds in %s\n", argv[1]);
      return 1;
    }

  for (guint i = 0; i < seeds->len; i++)
    {
      gsize size;
      const guint8 *data = g_bytes_get_data (g_ptr_array_index (seeds, i), &size);

      LLVMFuzzerTestOneInput (data, size);
    }
  for (guint64 r = 0; r < runs; r++)
    {
      g_autoptr(GByteArray) input = g_byte_array_new ();
      gsize size;
      const guint8 *data = g_bytes_get_data (g_ptr_array_index (seeds, next () % seeds->len), &size);

      g_byte_array_append (input, data, size);
      mutate (input, seeds);
      LLVMFuzzerTestOneInput (input->data, input->len);
    }

  printf ("1..1\nok 1 - %u seeds and %" G_GUINT64_FORMAT " mutations of them\n", seeds->len, runs);
  return 0;
}
