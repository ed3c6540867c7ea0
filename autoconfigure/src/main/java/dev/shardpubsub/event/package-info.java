/**
 * The {@code ApplicationEvent}s published about slot moves, dropped subscriptions and lost node connections: immutable
 * data, published from the starter's own threads.
 */
@NullMarked
package dev.shardpubsub.event;

import org.jspecify.annotations.NullMarked;
