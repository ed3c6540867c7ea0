package dev.shardpubsub.integration;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

import io.lettuce.core.api.StatefulRedisConnection;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.shardpubsub.test.EmbeddedCluster;
import dev.shardpubsub.test.EmbeddedRedisCluster;
import dev.shardpubsub.test.RedisNode;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The server behaviour the {@code ShardPublisher}'s failover handling rests on, checked on the installed server
 * (Redis 7.0.15, 7.2.6, 7.4.1 and Valkey 8.0.1 all pass): a master demoted by {@code CLUSTER FAILOVER} answers the
 * {@code SPUBLISH} it held during the hand-over and every later one as a replica, without {@code MOVED} and counting
 * only its own subscribers (none: the demotion dropped them), and passes each message on to its new master over the
 * cluster bus, where the new master's subscribers receive it. Publishing to the demoted master loses nothing;
 * sending such a message again would deliver it twice.
 */
@EmbeddedCluster(masters = 3, replicasPerMaster = 1)
class DemotedMasterSpublishIntegrationTests {

	@RegisterExtension
	static final NodeSubscribers subscribers = new NodeSubscribers();

	private final EmbeddedRedisCluster cluster;

	DemotedMasterSpublishIntegrationTests(EmbeddedRedisCluster cluster) {
		this.cluster = cluster;
	}

	@Test
	void demotedMasterPassesWhatItIsSentOnToTheNewMaster() throws Exception {
		String channel = "demoted:{master}";
		RedisNode master = this.cluster.ownerOfChannel(channel);
		RedisNode replica = this.cluster.operations().replicasOf(master).get(0);
		Map<Integer, Long> answers = new ConcurrentHashMap<>();
		AtomicInteger next = new AtomicInteger();
		AtomicBoolean running = new AtomicBoolean(true);
		Semaphore inFlight = new Semaphore(64);
		try (StatefulRedisConnection<String, String> toOldMaster = subscribers.connect(master);
				NodeSubscriber before = subscribers.on(master, channel);
				NodeSubscriber follower = subscribers.following(replica, channel)) {
			Thread publishing = new Thread(() -> {
				while (running.get()) {
					inFlight.acquireUninterruptibly();
					int number = next.getAndIncrement();
					toOldMaster.async().spublish(channel, SequencePublishing.payload(number))
						.whenComplete((receivers, error) -> {
							answers.put(number, (error != null) ? -1 : receivers);
							inFlight.release();
						});
					LockSupport.parkNanos(500_000);
				}
			});
			publishing.start();
			Thread.sleep(300);
			int atFailover = next.get();
			this.cluster.failover(master);
			try (NodeSubscriber after = subscribers.on(replica, channel)) {
				int firstAfter = next.get();
				Thread.sleep(500);
				running.set(false);
				publishing.join();
				assertThat(inFlight.tryAcquire(64, 10, TimeUnit.SECONDS)).isTrue();
				Thread.sleep(300);
				int total = next.get();
				int lastOnOldMaster = lastReceived(before, total);
				List<Integer> lost = new ArrayList<>();
				List<Integer> missedAfter = new ArrayList<>();
				for (int number = 0; number < total; number++) {
					if (before.count(number) + follower.count(number) + after.count(number) == 0) {
						lost.add(number);
					}
					if (number >= firstAfter && after.count(number) != 1) {
						missedAfter.add(number);
					}
				}
				long answeredAsReplica = answers.entrySet().stream()
					.filter((entry) -> entry.getKey() > lastOnOldMaster).filter((entry) -> entry.getValue() == 0)
					.count();
				System.out.printf("DEMOTED-MASTER %s: %d published to the old master (%d from the failover on), "
						+ "%d after its demotion answered 0 as a replica, %d after the failover completed; "
						+ "lost %d, not received once on the new master %d%n", this.cluster.serverVersion(), total, total - atFailover,
						answeredAsReplica, total - firstAfter, lost.size(), missedAfter.size());
				assertThat(answers.values()).as("SPUBLISH refused").doesNotContain(-1L);
				assertThat(lastOnOldMaster).as("the old master delivered until its demotion").isLessThan(total - 1);
				assertThat(answers.entrySet()).filteredOn((entry) -> entry.getKey() > lastOnOldMaster)
					.as("answers of the demoted master").allMatch((entry) -> entry.getValue() == 0);
				assertThat(lost).as("received by nobody").isEmpty();
				assertThat(missedAfter).as("sent after the failover, not received once on the new master").isEmpty();
				assertThat(follower.duplicates()).isEmpty();
				assertThat(after.duplicates()).isEmpty();
			}
		}
		finally {
			running.set(false);
		}
	}

	private static int lastReceived(NodeSubscriber subscriber, int total) {
		for (int number = total - 1; number >= 0; number--) {
			if (subscriber.count(number) > 0) {
				return number;
			}
		}
		return -1;
	}

}
