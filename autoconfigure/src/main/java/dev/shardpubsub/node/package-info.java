/**
 * Pub/sub connections to single cluster nodes: the command queue, pushes told apart from replies, liveness, {@code MOVED},
 * and the client that opens them with Spring Boot's Redis settings.
 */
@NullMarked
package dev.shardpubsub.node;

import org.jspecify.annotations.NullMarked;
