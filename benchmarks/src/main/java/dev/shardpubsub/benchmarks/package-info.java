/**
 * The benchmark suite: the starter beside node-redis through slot moves, reshards, {@code CLUSTER FAILOVER} and
 * kill -9 driven by {@code redis-cli}, with a publisher in its own JVM; cold subscribe, heap and throughput at
 * scale. Entry point: {@link dev.shardpubsub.benchmarks.Suite}.
 */
package dev.shardpubsub.benchmarks;
