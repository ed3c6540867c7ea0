/**
 * Test kit for Shard Pub/Sub: an embedded Redis Cluster of real {@code redis-server} processes
 * ({@link dev.shardpubsub.test.EmbeddedRedisCluster}), topology operations for tests
 * ({@link dev.shardpubsub.test.ClusterOperations}: slot migration, failover, kill/restart, pause, uncovered slots;
 * {@link dev.shardpubsub.test.AbstractClusterOperations} holds what it shares with the container kit)
 * and a JUnit 5 / Spring TestContext integration ({@link dev.shardpubsub.test.EmbeddedCluster}).
 */
package dev.shardpubsub.test;
