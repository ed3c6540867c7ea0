package dev.shardpubsub.sample.orders.live;

import java.util.List;
import java.util.Map;

import org.springframework.context.annotation.Profile;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;

import dev.shardpubsub.listener.ChannelSubscription;
import dev.shardpubsub.listener.ShardSubscriptions;
import dev.shardpubsub.publish.ShardPublisher;
import dev.shardpubsub.sample.orders.Order;

/**
 * The live demo app's HTTP side: {@code POST /orders/{channel}} publishes an order through {@link ShardPublisher};
 * {@code /live/**} tells the demo which channels there are, whether they are all subscribed, and what arrived.
 */
@RestController
@Profile("demo")
class LiveController {

	private final ShardPublisher publisher;

	private final ShardSubscriptions subscriptions;

	private final LiveChannels channels;

	private final Receipts receipts;

	LiveController(ShardPublisher publisher, ShardSubscriptions subscriptions, LiveChannels channels,
			Receipts receipts) {
		this.publisher = publisher;
		this.subscriptions = subscriptions;
		this.channels = channels;
		this.receipts = receipts;
	}

	/**
	 * Publish an order, e.g. {@code curl -H 'Content-Type: application/json' -d '{"id":1,"region":"eu","amount":100}'
	 * localhost:8080/orders/orders.7}.
	 * @param channel the channel
	 * @param order the order
	 * @return how many subscribers the node that took it reached
	 */
	@PostMapping("/orders/{channel}")
	Map<String, Object> publish(@PathVariable String channel, @RequestBody Order order) {
		return Map.of("channel", channel, "receivers", this.publisher.publish(channel, order));
	}

	@GetMapping("/live/channels")
	Map<String, List<String>> channels() {
		return this.channels.all();
	}

	@GetMapping("/live/ready")
	Map<String, Object> ready() {
		List<ChannelSubscription> all = this.subscriptions.channels();
		long subscribed = all.stream().filter((channel) -> channel.state() == ChannelSubscription.State.SUBSCRIBED)
			.count();
		return Map.of("channels", all.size(), "subscribed", subscribed);
	}

	@GetMapping("/live/highest")
	Map<String, Long> highest() {
		return this.receipts.highest();
	}

	@PostMapping("/live/window")
	void openWindow() {
		this.receipts.openWindow();
	}

	@GetMapping("/live/window")
	Map<String, Long> window() {
		return this.receipts.windowSilences();
	}

	@GetMapping("/live/receipts")
	Map<String, Receipts.ChannelReceipts> receipts() {
		return this.receipts.all();
	}

}
