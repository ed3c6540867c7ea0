package dev.shardpubsub.integration;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;

import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.event.EventListener;
import org.springframework.messaging.handler.annotation.Header;

import dev.shardpubsub.annotation.ShardListener;
import dev.shardpubsub.config.ShardListenerEndpointRegistry;
import dev.shardpubsub.event.ShardPubSubEvent;
import dev.shardpubsub.listener.ChannelSubscription;
import dev.shardpubsub.listener.ShardMessageHeaders;

import static org.awaitility.Awaitility.await;

/**
 * An application with one {@code @ShardListener} on the channels of the property {@code test.channels}
 * (comma-separated) that records every payload and every {@link ShardPubSubEvent}. Started by the tests with
 * {@link #run(String...)}, so that each can pick the cluster, the credentials and the channels.
 */
@SpringBootConfiguration
@EnableAutoConfiguration
class RecordingApp {

	static final String LISTENER_ID = "recording";

	@Bean
	Recorder recorder() {
		return new Recorder();
	}

	static ConfigurableApplicationContext run(String... properties) {
		return run(WebApplicationType.NONE, properties);
	}

	static ConfigurableApplicationContext run(WebApplicationType type, String... properties) {
		return new SpringApplicationBuilder(RecordingApp.class).web(type)
			.properties("spring.main.banner-mode=off")
			.properties(properties)
			.run();
	}

	static Recorder recorder(ConfigurableApplicationContext context) {
		return context.getBean(Recorder.class);
	}

	static ChannelSubscription state(ConfigurableApplicationContext context, String channel) {
		return context.getBean(ShardListenerEndpointRegistry.class).channels().stream()
			.filter((state) -> state.channel().equals(channel))
			.findFirst()
			.orElseThrow();
	}

	static void awaitSubscribed(ConfigurableApplicationContext context, String... channels) {
		await().atMost(Duration.ofSeconds(20)).until(() -> {
			for (String channel : channels) {
				if (state(context, channel).state() != ChannelSubscription.State.SUBSCRIBED) {
					return false;
				}
			}
			return true;
		});
	}

	/**
	 * Records payloads per channel and the starter's events. Messages of channels starting with {@code slow:} wait
	 * for {@link #releaseSlow} before they are recorded.
	 */
	static class Recorder {

		final Map<String, List<byte[]>> messages = new ConcurrentHashMap<>();

		final List<ShardPubSubEvent> events = new CopyOnWriteArrayList<>();

		final CountDownLatch releaseSlow = new CountDownLatch(1);

		@ShardListener(id = LISTENER_ID, channels = "#{'${test.channels}'.split(',')}")
		public void on(byte[] payload, @Header(ShardMessageHeaders.CHANNEL) String channel) throws InterruptedException {
			if (channel.startsWith("slow:")) {
				this.releaseSlow.await();
			}
			this.messages.computeIfAbsent(channel, (key) -> new CopyOnWriteArrayList<>()).add(payload);
		}

		@EventListener
		public void on(ShardPubSubEvent event) {
			this.events.add(event);
		}

		List<byte[]> received(String channel) {
			return this.messages.getOrDefault(channel, List.of());
		}

		<E extends ShardPubSubEvent> List<E> events(Class<E> type) {
			List<E> matching = new ArrayList<>();
			for (ShardPubSubEvent event : this.events) {
				if (type.isInstance(event)) {
					matching.add(type.cast(event));
				}
			}
			return matching;
		}

	}

}
