/**
 * The listener containers over the shared subscriptions: per-channel dispatch off the Redis I/O threads, the
 * spring-messaging adapter of listener methods, error handling, observation and message headers.
 */
@NullMarked
package dev.shardpubsub.listener;

import org.jspecify.annotations.NullMarked;
