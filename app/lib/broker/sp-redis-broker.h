/* The broker on Redis 7 through hiredis, the way Centrifugo's Redis engine
 * keeps a channel: one script numbers each publication (epoch and offset in
 * a hash), appends it to a capped stream (the history) and to a key (the
 * last one), then publishes it on a channel. Keys, under one hash tag so a
 * Redis Cluster keeps them together:
 *   {stockpush}:meta     hash: owner, epoch, offset, pubseq, symbols, step_us
 *   {stockpush}:history  stream: entry OFFSET-1 with field t = the tick text
 *   {stockpush}:last     string: "OFFSET TICK"
 *   {stockpush}:ticks    channel: "EPOCH OFFSET TICK"
 * A new publisher (another owner) or a broker that lost its data (no meta)
 * starts a new epoch; a publication sent again after a fault is recognised
 * by the publisher's own sequence and not numbered twice. Main-context
 * object, as SpBroker. */
#pragma once

#include "sp-broker.h"

G_BEGIN_DECLS

#define SP_TYPE_REDIS_BROKER (sp_redis_broker_get_type ())
G_DECLARE_FINAL_TYPE (SpRedisBroker, sp_redis_broker, SP, REDIS_BROKER, SpBroker)

/* Publications kept while the broker is away, and in its history. */
#define SP_REDIS_BROKER_QUEUE    10000
#define SP_REDIS_BROKER_HISTORY  10000

/* @url: redis://HOST[:PORT] (6379 by default); NULL and an error that says
 * how to write it otherwise. */
SpBroker *sp_redis_broker_new (const char  *url,
                               GError     **error);

G_END_DECLS
