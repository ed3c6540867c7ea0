package dev.shardpubsub.integration;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import io.lettuce.core.cluster.SlotHash;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.test.context.SpringBootTest;

import dev.shardpubsub.listener.ChannelSubscription;
import dev.shardpubsub.listener.ChannelSubscription.State;
import dev.shardpubsub.listener.ShardSubscriptions;
import dev.shardpubsub.publish.ShardPublisher;
import dev.shardpubsub.test.EmbeddedCluster;
import dev.shardpubsub.test.EmbeddedRedisCluster;
import dev.shardpubsub.test.RedisNode;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A slot that no master serves for a while: its channel waits as UNCOVERED and is subscribed by the retry timer
 * once a master takes the slot. The periodic topology refresh is turned off (one hour), so only the retry timer
 * can bring it back.
 */
@EmbeddedCluster(masters = 3, replicasPerMaster = 0, requireFullCoverage = false)
@SpringBootTest(classes = UncoveredSlotIntegrationTests.App.class,
		properties = { "shard-pubsub.topology.refresh-period=1h", "shard-pubsub.reconcile.retry-max-interval=500ms" })
class UncoveredSlotIntegrationTests {

	@Autowired
	private ShardSubscriptions subscriptions;

	@Autowired
	private ShardPublisher publisher;

	@Test
	void uncoveredSlotRecoversOnRetryTimer(EmbeddedRedisCluster cluster) {
		String channel = "uncovered:{x}";
		String neighbour = "covered:{y}";
		SequenceRecorder recorder = new SequenceRecorder();
		this.subscriptions.subscribe("uncovered", List.of(channel, neighbour), recorder);
		await().atMost(Duration.ofSeconds(20)).until(() -> state(channel).state() == State.SUBSCRIBED
				&& state(neighbour).state() == State.SUBSCRIBED);
		int slot = SlotHash.getSlot(channel);
		RedisNode owner = cluster.ownerOf(slot);
		RedisNode newOwner = cluster.masters().stream().filter((node) -> !node.equals(owner)).findFirst().orElseThrow();

		cluster.operations().removeSlot(slot);
		await().atMost(Duration.ofSeconds(20)).until(() -> state(channel).state() == State.UNCOVERED);
		// Partial progress: the other channel is untouched.
		assertThat(state(neighbour).state()).isEqualTo(State.SUBSCRIBED);
		assertThat(this.publisher.publish(neighbour, "still-here")).isEqualTo(1);

		cluster.operations().assignSlot(slot, newOwner);
		await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
			ChannelSubscription state = state(channel);
			assertThat(state.state()).isEqualTo(State.SUBSCRIBED);
			assertThat(state.node()).isEqualTo(newOwner.address());
		});
		// Our publisher is a plain Lettuce cluster connection: it routes there once its own view has an owner.
		await().atMost(Duration.ofSeconds(20)).ignoreExceptions()
			.until(() -> this.publisher.publish(channel, "probe") == 1);
		// Delivery is asynchronous: let the probe arrive before counting from a clean slate.
		await().atMost(Duration.ofSeconds(10)).until(() -> recorder.count(channel, "probe") > 0);
		recorder.clear();
		List<String> sent = new ArrayList<>();
		for (int i = 0; i < 10; i++) {
			sent.add("back-" + i);
			assertThat(this.publisher.publish(channel, "back-" + i)).isEqualTo(1);
		}
		await().atMost(Duration.ofSeconds(10))
			.untilAsserted(() -> assertThat(recorder.received(channel)).filteredOn((payload) -> !payload.equals("probe"))
				.containsExactlyElementsOf(sent));
	}

	private ChannelSubscription state(String channel) {
		return this.subscriptions.channels().stream().filter((state) -> state.channel().equals(channel)).findFirst()
			.orElseThrow();
	}

	@SpringBootConfiguration
	@EnableAutoConfiguration
	static class App {

	}

}
