/**
 * {@code ShardPublisher}: {@code SPUBLISH} routed by slot, and its recovery when a node fails.
 */
@NullMarked
package dev.shardpubsub.publish;

import org.jspecify.annotations.NullMarked;
