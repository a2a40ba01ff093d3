/* A few threads that run one function over the slices of an array, with the
 * caller taking a slice too: the server's sends to many clients, spread over
 * the machine's cores. The items must be independent of each other. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _SpSendPool SpSendPool;

typedef void (*SpSendPoolFunc) (gpointer item,
                                gpointer user_data);

/* @n_threads helper threads (0: the caller alone), each reniced by
 * @nice_delta (Linux: per thread). */
SpSendPool *sp_send_pool_new   (guint           n_threads,
                                int             nice_delta);
guint       sp_send_pool_get_n_threads (SpSendPool *pool);
/* Calls @func on every item of @items, the caller's thread included, and
 * returns when all calls have returned. */
void        sp_send_pool_run   (SpSendPool     *pool,
                                GPtrArray      *items,
                                SpSendPoolFunc  func,
                                gpointer        user_data);
void        sp_send_pool_free  (SpSendPool     *pool);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SpSendPool, sp_send_pool_free)

G_END_DECLS
