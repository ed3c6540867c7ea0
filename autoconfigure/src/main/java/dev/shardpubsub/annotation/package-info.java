/**
 * {@code @ShardListener}, the bean post-processor that turns each annotated method into an endpoint, and the
 * {@code ShardListenerConfigurer} callback.
 */
@NullMarked
package dev.shardpubsub.annotation;

import org.jspecify.annotations.NullMarked;
