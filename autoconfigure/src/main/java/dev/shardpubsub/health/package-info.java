/**
 * The {@code shardPubSub} health indicator: {@code DOWN} while a channel has been without a subscription for longer
 * than the grace period.
 */
@NullMarked
package dev.shardpubsub.health;

import org.jspecify.annotations.NullMarked;
