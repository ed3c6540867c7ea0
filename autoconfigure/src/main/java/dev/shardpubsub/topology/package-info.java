/**
 * Slot ownership snapshots and their differences, and the watchers that turn topology changes into events.
 */
@NullMarked
package dev.shardpubsub.topology;

import org.jspecify.annotations.NullMarked;
