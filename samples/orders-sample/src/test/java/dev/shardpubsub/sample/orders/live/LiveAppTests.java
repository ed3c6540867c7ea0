package dev.shardpubsub.sample.orders.live;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.ActiveProfiles;

import dev.shardpubsub.listener.ChannelSubscription;
import dev.shardpubsub.listener.ShardSubscriptions;
import dev.shardpubsub.test.EmbeddedCluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The live demo's app (profile {@code demo}) on an embedded cluster: its channel groups from {@code application.yml}
 * are all subscribed, and an order posted to its REST endpoint goes out through {@code ShardPublisher} and comes back
 * to its listener.
 */
@EmbeddedCluster
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@ActiveProfiles("demo")
class LiveAppTests {

	@Autowired
	private ShardSubscriptions subscriptions;

	@Autowired
	private LiveChannels channels;

	@Autowired
	private Receipts receipts;

	@LocalServerPort
	private int port;

	@Test
	void everyChannelIsSubscribedAndAPostedOrderArrives() throws Exception {
		assertThat(this.channels.all().values().stream().mapToInt(List::size).sum()).isEqualTo(300);
		await().atMost(Duration.ofSeconds(30)).until(() -> this.subscriptions.channels().size() >= 300
				&& this.subscriptions.channels().stream()
					.allMatch((channel) -> channel.state() == ChannelSubscription.State.SUBSCRIBED));
		HttpResponse<String> response = HttpClient.newHttpClient()
			.send(HttpRequest.newBuilder(URI.create("http://localhost:" + this.port + "/orders/orders.7"))
				.header("Content-Type", "application/json")
				.POST(HttpRequest.BodyPublishers.ofString("{\"id\":1,\"region\":\"eu\",\"amount\":100}"))
				.build(), HttpResponse.BodyHandlers.ofString());
		assertThat(response.statusCode()).isEqualTo(200);
		await().atMost(Duration.ofSeconds(10)).until(() -> this.receipts.highest().getOrDefault("orders.7", 0L) == 1);
	}

}
