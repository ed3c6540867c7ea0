/**
 * Micrometer meter binders of listeners and subscriptions.
 */
@NullMarked
package dev.shardpubsub.metrics;

import org.jspecify.annotations.NullMarked;
