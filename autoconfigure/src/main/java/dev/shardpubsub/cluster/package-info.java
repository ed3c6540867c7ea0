/**
 * The values the cluster is described with: node addresses, slot owner changes, slot migrations. Plain data that
 * the topology, the node connections, the reconciler and the events share, so that the events depend on nothing
 * that publishes them.
 */
@NullMarked
package dev.shardpubsub.cluster;

import org.jspecify.annotations.NullMarked;
