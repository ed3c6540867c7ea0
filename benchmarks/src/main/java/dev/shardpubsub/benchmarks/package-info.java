/**
 * Benchmarks of {@code @ShardListener} through slot moves, {@code CLUSTER FAILOVER} and kill -9 of a master, on an
 * embedded Redis Cluster, with an independent publisher. Entry point:
 * {@link dev.shardpubsub.benchmarks.SlotMoveBenchmark}.
 */
package dev.shardpubsub.benchmarks;
