/* Threads that share out the slices of an array. */
#include "config.h"

#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "sp-send-pool.h"

struct _SpSendPool
{
  GMutex          lock;
  GCond           work;      /* a new job, or quit */
  GCond           done;      /* a helper finished its slice */
  GThread       **threads;
  guint           n_threads;
  int             nice_delta;
  gboolean        quit;

  /* The job: valid from a generation's start until remaining is 0. */
  guint64         generation;
  GPtrArray      *items;
  SpSendPoolFunc  func;
  gpointer        user_data;
  guint           remaining;
};

typedef struct
{
  SpSendPool *pool;
  guint       slice;  /* 1..n_threads; the caller runs slice 0 */
} Helper;

static void
run_slice (SpSendPool *pool,
           guint       slice)
{
  guint n_slices = pool->n_threads + 1;
  guint len = pool->items->len;
  guint start = (guint) ((guint64) len * slice / n_slices);
  guint end = (guint) ((guint64) len * (slice + 1) / n_slices);

  for (guint i = start; i < end; i++)
    pool->func (g_ptr_array_index (pool->items, i), pool->user_data);
}

static gpointer
helper_main (gpointer data)
{
  Helper *helper = data;
  SpSendPool *pool = helper->pool;
  guint64 seen = 0;

  if (pool->nice_delta != 0)
    setpriority (PRIO_PROCESS, (id_t) syscall (SYS_gettid),
                 getpriority (PRIO_PROCESS, 0) + pool->nice_delta);

  g_mutex_lock (&pool->lock);
  for (;;)
    {
      while (pool->generation == seen && !pool->quit)
        g_cond_wait (&pool->work, &pool->lock);
      if (pool->quit)
        break;
      seen = pool->generation;
      g_mutex_unlock (&pool->lock);

      run_slice (pool, helper->slice);

      g_mutex_lock (&pool->lock);
      if (--pool->remaining == 0)
        g_cond_signal (&pool->done);
    }
  g_mutex_unlock (&pool->lock);
  g_free (helper);

  return NULL;
}

SpSendPool *
sp_send_pool_new (guint n_threads,
                  int   nice_delta)
{
  SpSendPool *pool = g_new0 (SpSendPool, 1);

  g_mutex_init (&pool->lock);
  g_cond_init (&pool->work);
  g_cond_init (&pool->done);
  pool->nice_delta = nice_delta;
  pool->threads = g_new0 (GThread *, n_threads + 1);
  for (guint i = 0; i < n_threads; i++)
    {
      Helper *helper = g_new0 (Helper, 1);
      g_autoptr(GError) error = NULL;

      helper->pool = pool;
      helper->slice = i + 1;
      pool->threads[i] = g_thread_try_new ("stockpush-send", helper_main, helper, &error);
      if (pool->threads[i] == NULL)
        {
          g_debug ("No send thread: %s", error->message);
          g_free (helper);
          break;
        }
      pool->n_threads++;
    }

  return pool;
}

guint
sp_send_pool_get_n_threads (SpSendPool *pool)
{
  return pool->n_threads;
}

void
sp_send_pool_run (SpSendPool     *pool,
                  GPtrArray      *items,
                  SpSendPoolFunc  func,
                  gpointer        user_data)
{
  if (pool->n_threads == 0 || items->len < 2)
    {
      for (guint i = 0; i < items->len; i++)
        func (g_ptr_array_index (items, i), user_data);
      return;
    }

  g_mutex_lock (&pool->lock);
  pool->items = items;
  pool->func = func;
  pool->user_data = user_data;
  pool->remaining = pool->n_threads;
  pool->generation++;
  g_cond_broadcast (&pool->work);
  g_mutex_unlock (&pool->lock);

  run_slice (pool, 0);

  g_mutex_lock (&pool->lock);
  while (pool->remaining > 0)
    g_cond_wait (&pool->done, &pool->lock);
  pool->items = NULL;
  g_mutex_unlock (&pool->lock);
}

void
sp_send_pool_free (SpSendPool *pool)
{
  if (pool == NULL)
    return;

  g_mutex_lock (&pool->lock);
  pool->quit = TRUE;
  g_cond_broadcast (&pool->work);
  g_mutex_unlock (&pool->lock);
  for (guint i = 0; i < pool->n_threads; i++)
    g_thread_join (pool->threads[i]);

  g_free (pool->threads);
  g_mutex_clear (&pool->lock);
  g_cond_clear (&pool->work);
  g_cond_clear (&pool->done);
  g_free (pool);
}
