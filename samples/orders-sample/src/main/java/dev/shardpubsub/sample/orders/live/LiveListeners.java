package dev.shardpubsub.sample.orders.live;

import org.springframework.context.annotation.Profile;
import org.springframework.messaging.handler.annotation.Header;
import org.springframework.stereotype.Component;

import dev.shardpubsub.annotation.ShardListener;
import dev.shardpubsub.listener.ShardMessageHeaders;
import dev.shardpubsub.sample.orders.Order;

/**
 * The live demo's listeners: one method per channel group of {@code application.yml}, each converting its JSON
 * payload to a record; every message is counted by {@link Receipts} (its id is the sequence number on its channel).
 */
@Component
@Profile("demo")
public class LiveListeners {

	private final Receipts receipts;

	LiveListeners(Receipts receipts) {
		this.receipts = receipts;
	}

	@ShardListener(id = "live-orders", channels = "#{@liveChannels.of('orders')}")
	void onOrder(Order order, @Header(ShardMessageHeaders.CHANNEL) String channel,
			@Header(ShardMessageHeaders.NODE) String node) {
		this.receipts.record(channel, order.id(), node);
	}

	@ShardListener(id = "live-payments", channels = "#{@liveChannels.of('payments')}")
	void onPayment(Payment payment, @Header(ShardMessageHeaders.CHANNEL) String channel,
			@Header(ShardMessageHeaders.NODE) String node) {
		this.receipts.record(channel, payment.id(), node);
	}

	@ShardListener(id = "live-shipments", channels = "#{@liveChannels.of('shipments')}")
	void onShipment(Shipment shipment, @Header(ShardMessageHeaders.CHANNEL) String channel,
			@Header(ShardMessageHeaders.NODE) String node) {
		this.receipts.record(channel, shipment.id(), node);
	}

}
