/**
 * {@code ShardSubscriptionReconciler}: keeps one subscription per slot on the node serving it, following every slot
 * move, with standbys, subscriptions ahead of migrations and deduplication of the copies a move brings.
 */
@NullMarked
package dev.shardpubsub.reconcile;

import org.jspecify.annotations.NullMarked;
