package dev.shardpubsub.sample.orders;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import org.springframework.messaging.handler.annotation.Header;
import org.springframework.stereotype.Component;

import dev.shardpubsub.annotation.ShardListener;
import dev.shardpubsub.listener.ShardMessageHeaders;

/**
 * Receives the orders of each region; the payload arrives as JSON and is converted to an {@link Order}.
 */
@Component
public class OrderListener {

	private static final Log logger = LogFactory.getLog(OrderListener.class);

	private final Map<String, AtomicLong> received = new ConcurrentHashMap<>();

	private final Map<String, Long> lastOrder = new ConcurrentHashMap<>();

	@ShardListener(id = "orders", channels = "#{'${sample.channels}'.split(',')}")
	public void onOrder(Order order, @Header(ShardMessageHeaders.CHANNEL) String channel,
			@Header(ShardMessageHeaders.NODE) String node) {
		long count = this.received.computeIfAbsent(channel, (key) -> new AtomicLong()).incrementAndGet();
		this.lastOrder.put(channel, order.id());
		if (count % 250 == 0) {
			logger.info("Received " + count + " orders on " + channel + " (last #" + order.id() + " from " + node
					+ ")");
		}
	}

	long received(String channel) {
		AtomicLong count = this.received.get(channel);
		return (count != null) ? count.get() : 0;
	}

	long lastOrder(String channel) {
		return this.lastOrder.getOrDefault(channel, 0L);
	}

}
