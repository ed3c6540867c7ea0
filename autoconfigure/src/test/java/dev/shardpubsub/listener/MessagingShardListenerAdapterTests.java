package dev.shardpubsub.listener;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.messaging.Message;
import org.springframework.messaging.MessageHeaders;
import org.springframework.messaging.converter.JacksonJsonMessageConverter;
import org.springframework.messaging.converter.MessageConversionException;
import org.springframework.messaging.handler.annotation.Header;
import org.springframework.messaging.handler.annotation.Headers;
import org.springframework.messaging.handler.annotation.Payload;
import org.springframework.util.ReflectionUtils;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link MessagingShardListenerAdapter}: argument resolution, conversion and failures.
 */
@ExtendWith(OutputCaptureExtension.class)
class MessagingShardListenerAdapterTests {

	private static final long RECEIVED = 1_700_000_000_000L;

	private final List<Object> arguments = new ArrayList<>();

	private final List<ShardListenerExecutionFailedException> failures = new ArrayList<>();

	@Test
	void stringPayload() {
		assertThat(invoke("string", "hello")).isTrue();
		assertThat(this.arguments).containsExactly("hello");
	}

	@Test
	void utf8StringPayload() {
		assertThat(invoke("string", "grüße 🙂")).isTrue();
		assertThat(this.arguments).containsExactly("grüße 🙂");
	}

	@Test
	void byteArrayPayload() {
		assertThat(invoke("bytes", "raw")).isTrue();
		assertThat(this.arguments).singleElement().isEqualTo("raw".getBytes(StandardCharsets.UTF_8));
	}

	@Test
	void emptyMessageIsAnEmptyStringOrByteArrayNotAMissingPayload() {
		assertThat(invoke("string", "")).isTrue();
		assertThat(invoke("bytes", "")).isTrue();
		assertThat(this.arguments).containsExactly("", new byte[0]);
		assertThat(this.failures).isEmpty();
	}

	@Test
	void jsonPayloadToObject() {
		assertThat(invoke("order", "{\"id\":\"o-1\",\"amount\":42}")).isTrue();
		assertThat(this.arguments).containsExactly(new Order("o-1", 42));
	}

	@Test
	void annotatedPayloadWithHeaders() {
		assertThat(invoke("headers", "p")).isTrue();
		assertThat(this.arguments).containsExactly("p", "orders:{eu}", 1234, FakeShardSubscriptions.NODE, RECEIVED);
	}

	@Test
	void headersMapAndMessageHeaders() {
		assertThat(invoke("headerMaps", "p")).isTrue();
		assertThat(this.arguments).hasSize(2);
		@SuppressWarnings("unchecked")
		Map<String, Object> headers = (Map<String, Object>) this.arguments.get(0);
		assertThat(headers).containsEntry(ShardMessageHeaders.CHANNEL, "orders:{eu}")
			.containsEntry(ShardMessageHeaders.SLOT, 1234)
			.containsEntry(ShardMessageHeaders.NODE, FakeShardSubscriptions.NODE)
			.containsEntry(ShardMessageHeaders.RECEIVED_TIMESTAMP, RECEIVED);
		assertThat(this.arguments.get(1)).isInstanceOf(MessageHeaders.class);
	}

	@Test
	void wholeMessage() {
		assertThat(invoke("message", "m")).isTrue();
		Message<?> message = (Message<?>) this.arguments.get(0);
		assertThat(message.getPayload()).isEqualTo("m".getBytes(StandardCharsets.UTF_8));
		assertThat(message.getHeaders()).containsEntry(ShardMessageHeaders.CHANNEL, "orders:{eu}");
	}

	@Test
	void messageOfConvertedPayload() {
		assertThat(invoke("orderMessage", "{\"id\":\"o-2\",\"amount\":7}")).isTrue();
		assertThat(((Message<?>) this.arguments.get(0)).getPayload()).isEqualTo(new Order("o-2", 7));
	}

	@Test
	void noArguments() {
		assertThat(invoke("nothing", "ignored")).isTrue();
		assertThat(this.arguments).containsExactly("called");
	}

	@Test
	void undecodableJsonReachesTheErrorHandler() {
		assertThat(invoke("order", "{not json")).isFalse();
		assertThat(this.arguments).isEmpty();
		assertThat(this.failures).singleElement().satisfies((failure) -> {
			assertThat(failure.getMessage()).isEqualTo("Listener 'test' method MessagingShardListenerAdapterTests"
					+ ".Listener.order(Order) failed to handle a message of channel 'orders:{eu}'");
			assertThat(failure.getMethod().getName()).isEqualTo("order");
			assertThat(failure).hasRootCauseInstanceOf(tools.jackson.core.JacksonException.class);
			assertThat(failure).cause().isInstanceOf(MessageConversionException.class);
		});
	}

	@Test
	void throwingMethodReachesTheErrorHandler() {
		assertThat(invoke("failing", "x")).isFalse();
		assertThat(this.failures).singleElement()
			.satisfies((failure) -> assertThat(failure.getCause()).isInstanceOf(IllegalArgumentException.class)
				.hasMessage("bad x"));
	}

	@Test
	void throwingErrorHandlerIsLogged(CapturedOutput output) {
		MessagingShardListenerAdapter adapter = adapter("failing", true, (message, exception) -> {
			throw new IllegalStateException("error handler broke");
		});
		assertThat(adapter.onMessage(message("x"), RECEIVED)).isFalse();
		assertThat(output).contains("Error handler of listener 'test' threw while handling: Listener 'test' method "
				+ "MessagingShardListenerAdapterTests.Listener.failing(String) failed to handle a message of channel "
				+ "'orders:{eu}'")
			.contains("error handler broke")
			.contains("bad x");
		assertThat(adapter.onMessage(message("y"), RECEIVED)).isFalse();
	}

	@Test
	void defaultErrorHandlerLogsListenerMethodChannelAndCause(CapturedOutput output) {
		MessagingShardListenerAdapter adapter = adapter("failing", true, new LoggingShardListenerErrorHandler());
		assertThat(adapter.onMessage(message("x"), RECEIVED)).isFalse();
		assertThat(output).contains("ERROR")
			.contains("Listener 'test' method MessagingShardListenerAdapterTests.Listener.failing(String) failed to "
					+ "handle a message of channel 'orders:{eu}' (slot 1234, node 127.0.0.1:7000)")
			.contains("java.lang.IllegalArgumentException: bad x");
	}

	private boolean invoke(String methodName, String payload) {
		return adapter(methodName, true, (message, exception) -> this.failures.add(exception))
			.onMessage(message(payload), RECEIVED);
	}

	private MessagingShardListenerAdapter adapter(String methodName, boolean json,
			ShardListenerErrorHandler errorHandler) {
		ShardListenerMessageHandlerMethodFactory factory = new ShardListenerMessageHandlerMethodFactory(
				json ? new JacksonJsonMessageConverter(new JsonMapper()) : null);
		factory.afterPropertiesSet();
		Listener listener = new Listener(this.arguments);
		return new MessagingShardListenerAdapter("test", factory.createInvocableHandlerMethod(listener,
				ReflectionUtils.findMethod(Listener.class, methodName, (Class<?>[]) null)), errorHandler);
	}

	private static ShardMessage message(String payload) {
		return new ShardMessage("orders:{eu}", payload.getBytes(StandardCharsets.UTF_8), 1234,
				FakeShardSubscriptions.NODE);
	}

	record Order(String id, int amount) {
	}

	static class Listener {

		private final List<Object> arguments;

		Listener(List<Object> arguments) {
			this.arguments = arguments;
		}

		public void string(String payload) {
			this.arguments.add(payload);
		}

		public void bytes(byte[] payload) {
			this.arguments.add(payload);
		}

		public void order(Order order) {
			this.arguments.add(order);
		}

		public void headers(@Payload String payload, @Header(ShardMessageHeaders.CHANNEL) String channel,
				@Header(ShardMessageHeaders.SLOT) int slot, @Header(ShardMessageHeaders.NODE) String node,
				@Header(ShardMessageHeaders.RECEIVED_TIMESTAMP) long received) {
			this.arguments.addAll(List.of(payload, channel, slot, node, received));
		}

		public void headerMaps(@Headers Map<String, Object> headers, MessageHeaders messageHeaders) {
			this.arguments.add(headers);
			this.arguments.add(messageHeaders);
		}

		public void message(Message<?> message) {
			this.arguments.add(message);
		}

		public void orderMessage(Message<Order> message) {
			this.arguments.add(message);
		}

		public void nothing() {
			this.arguments.add("called");
		}

		public void failing(String payload) {
			throw new IllegalArgumentException("bad " + payload);
		}

	}

}
