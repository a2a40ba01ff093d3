/* The send pool: every item is handled exactly once per run, on the
 * caller's thread and the helpers', and the run returns only when all are
 * done, whatever the number of items or threads. */
#include "config.h"

#include "sp-send-pool.h"

typedef struct
{
  _Atomic guint calls;
  GThread      *thread;  /* who handled it last */
} Item;

typedef struct
{
  GMutex      lock;
  GHashTable *threads;  /* GThread * seen */
} Seen;

static void
handle (gpointer item,
        gpointer user_data)
{
  Item *it = item;
  Seen *seen = user_data;

  it->calls++;
  it->thread = g_thread_self ();
  g_mutex_lock (&seen->lock);
  g_hash_table_add (seen->threads, it->thread);
  g_mutex_unlock (&seen->lock);
}

static void
run_rounds (guint n_threads,
            guint n_items,
            guint rounds)
{
  g_autoptr(SpSendPool) pool = sp_send_pool_new (n_threads, 0);
  g_autoptr(GPtrArray) items = g_ptr_array_new_with_free_func (g_free);
  Seen seen;

  g_mutex_init (&seen.lock);
  seen.threads = g_hash_table_new (g_direct_hash, g_direct_equal);
  g_assert_cmpuint (sp_send_pool_get_n_threads (pool), ==, n_threads);
  for (guint i = 0; i < n_items; i++)
    g_ptr_array_add (items, g_new0 (Item, 1));

  for (guint r = 1; r <= rounds; r++)
    {
      sp_send_pool_run (pool, items, handle, &seen);
      /* Returned: every item handled once more, none twice. */
      for (guint i = 0; i < n_items; i++)
        g_assert_cmpuint (((Item *) g_ptr_array_index (items, i))->calls, ==, r);
    }

  /* With an item for each, the caller and every helper take a slice. */
  if (n_items > n_threads)
    {
      g_assert_true (g_hash_table_contains (seen.threads, g_thread_self ()));
      g_assert_cmpuint (g_hash_table_size (seen.threads), ==, n_threads + 1);
    }

  g_hash_table_unref (seen.threads);
  g_mutex_clear (&seen.lock);
}

static void
test_caller_alone (void)
{
  run_rounds (0, 100, 3);
}

static void
test_helpers (void)
{
  run_rounds (3, 1000, 50);
}

static void
test_few_items (void)
{
  /* Fewer items than threads, and none: nothing is handled twice or waits forever. */
  run_rounds (3, 2, 20);
  run_rounds (3, 1, 20);
  run_rounds (2, 0, 5);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/send-pool/caller-alone", test_caller_alone);
  g_test_add_func ("/send-pool/helpers", test_helpers);
  g_test_add_func ("/send-pool/few-items", test_few_items);
  return g_test_run ();
}
