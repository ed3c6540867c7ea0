/**
 * The live demo's application side (profile {@code demo}): listeners on a few hundred channels, their receipts, and
 * the HTTP endpoints the demo reads.
 */
package dev.shardpubsub.sample.orders.live;
