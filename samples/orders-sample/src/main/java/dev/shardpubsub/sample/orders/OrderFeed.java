package dev.shardpubsub.sample.orders;

import java.time.Duration;
import java.util.List;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.ApplicationArguments;
import org.springframework.boot.ApplicationRunner;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.ExitCodeGenerator;
import org.springframework.context.ApplicationListener;
import org.springframework.stereotype.Component;

import dev.shardpubsub.event.SubscriptionMovedEvent;
import dev.shardpubsub.listener.ChannelSubscription;
import dev.shardpubsub.listener.ShardSubscriptions;
import dev.shardpubsub.publish.ShardPublisher;
import dev.shardpubsub.test.EmbeddedRedisCluster;
import dev.shardpubsub.test.RedisNode;

/**
 * The sample's job: publish orders, move one region's slot to another master half-way (on the local cluster),
 * and show that every order still arrives. Off with {@code sample.job.enabled=false} (the live demo's app).
 */
@Component
@ConditionalOnBooleanProperty(name = "sample.job.enabled", matchIfMissing = true)
public class OrderFeed implements ApplicationRunner, ExitCodeGenerator, ApplicationListener<SubscriptionMovedEvent> {

	private static final Log logger = LogFactory.getLog(OrderFeed.class);

	private final ShardPublisher publisher;

	private final OrderListener listener;

	private final ShardSubscriptions subscriptions;

	private final List<String> channels;

	private final int ordersPerChannel;

	private int exitCode;

	OrderFeed(ShardPublisher publisher, OrderListener listener, ShardSubscriptions subscriptions,
			@Value("${sample.channels}") List<String> channels,
			@Value("${sample.orders-per-channel:1000}") int ordersPerChannel) {
		this.publisher = publisher;
		this.listener = listener;
		this.subscriptions = subscriptions;
		this.channels = channels;
		this.ordersPerChannel = ordersPerChannel;
	}

	@Override
	public void run(ApplicationArguments args) throws Exception {
		awaitSubscribed();
		EmbeddedRedisCluster cluster = LocalCluster.get();
		for (int i = 1; i <= this.ordersPerChannel; i++) {
			for (String channel : this.channels) {
				this.publisher.publish(channel, new Order(i, channel.substring(channel.indexOf('{') + 1,
						channel.indexOf('}')), i * 100L));
			}
			if (i == this.ordersPerChannel / 2 && cluster != null) {
				moveSlotOf(cluster, this.channels.get(0));
			}
		}
		// The last order of each channel was published well after the move: it must arrive.
		long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
		while (!this.channels.stream().allMatch((channel) -> this.listener.lastOrder(channel) == this.ordersPerChannel)
				&& System.nanoTime() < deadline) {
			Thread.sleep(20);
		}
		boolean allArrived = true;
		for (String channel : this.channels) {
			long received = this.listener.received(channel);
			allArrived &= this.listener.lastOrder(channel) == this.ordersPerChannel;
			logger.info(String.format("%-16s published %d, received %d (%d lost while the slot moved)", channel,
					this.ordersPerChannel, received, this.ordersPerChannel - received));
		}
		this.exitCode = allArrived ? 0 : 1;
		logger.info(allArrived ? "Every listener kept receiving through the slot move."
				: "A listener stopped receiving: see the log above.");
	}

	private void awaitSubscribed() throws InterruptedException {
		long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
		while (System.nanoTime() < deadline && !this.subscriptions.channels().stream()
			.allMatch((channel) -> channel.state() == ChannelSubscription.State.SUBSCRIBED)) {
			Thread.sleep(20);
		}
	}

	private void moveSlotOf(EmbeddedRedisCluster cluster, String channel) {
		RedisNode owner = cluster.ownerOfChannel(channel);
		RedisNode target = cluster.masters().stream().filter((node) -> !node.equals(owner)).findFirst().orElseThrow();
		int slot = cluster.operations().slotOf(channel);
		logger.info("Moving slot " + slot + " of " + channel + " from " + owner.address() + " to " + target.address());
		cluster.operations().setSlotNode(slot, target);
	}

	@Override
	public void onApplicationEvent(SubscriptionMovedEvent event) {
		logger.info("Subscription moved: " + event);
	}

	@Override
	public int getExitCode() {
		return this.exitCode;
	}

}
