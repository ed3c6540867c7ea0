/**
 * The auto-configurations of Shard Pub/Sub and {@code ShardPubSubProperties} ({@code shard-pubsub.*}).
 */
@NullMarked
package dev.shardpubsub.autoconfigure;

import org.jspecify.annotations.NullMarked;
