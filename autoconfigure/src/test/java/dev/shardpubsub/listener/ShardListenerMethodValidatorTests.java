package dev.shardpubsub.listener;

import java.lang.reflect.Method;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import org.springframework.messaging.Message;
import org.springframework.messaging.MessageHeaders;
import org.springframework.messaging.handler.annotation.Header;
import org.springframework.messaging.handler.annotation.Headers;
import org.springframework.messaging.handler.annotation.Payload;
import org.springframework.util.ReflectionUtils;

import static org.assertj.core.api.Assertions.assertThatIllegalStateException;
import static org.assertj.core.api.Assertions.assertThatNoException;

/**
 * Tests for {@link ShardListenerMethodValidator}.
 */
class ShardListenerMethodValidatorTests {

	@Test
	void acceptsSupportedSignatures() {
		for (String name : List.of("string", "bytes", "all", "message", "nothing", "optionalUnknownHeader")) {
			assertThatNoException().as(name).isThrownBy(() -> validate(name, false));
		}
	}

	@Test
	void seesParameterAnnotationsDeclaredOnAnInterface() {
		assertThatNoException().isThrownBy(() -> validate("fromInterface", false));
	}

	@Test
	void acceptsObjectPayloadsWithJson() {
		assertThatNoException().isThrownBy(() -> validate("order", true));
		assertThatNoException().isThrownBy(() -> validate("orderMessage", true));
	}

	@Test
	void skipsThePayloadTypeCheckForACustomFactory() {
		assertThatNoException().isThrownBy(() -> validate("order", null));
	}

	@Test
	void refusesTwoPayloadCandidates() {
		assertThatIllegalStateException().isThrownBy(() -> validate("twoPayloads", true))
			.withMessage("Invalid @ShardListener method bean.twoPayloads(String, Order): parameters [#0 (String), "
					+ "#1 (Order)] are all payload candidates, but a message has one payload; annotate all but one "
					+ "with @Header or @Headers, or remove them");
	}

	@Test
	void refusesAnObjectPayloadWithoutJson() {
		assertThatIllegalStateException().isThrownBy(() -> validate("order", false))
			.withMessageStartingWith("Invalid @ShardListener method bean.order(Order): parameter #0 (Order): its "
					+ "payload type " + Order.class.getName() + " needs JSON conversion, but Jackson");
		assertThatIllegalStateException().isThrownBy(() -> validate("orderMessage", false))
			.withMessageContaining("parameter #0 (" + Message.class.getName() + "<" + Order.class.getName() + ">)")
			.withMessageContaining("needs JSON conversion");
	}

	@Test
	void refusesHeadersOnANonMap() {
		assertThatIllegalStateException().isThrownBy(() -> validate("headersString", true))
			.withMessage("Invalid @ShardListener method bean.headersString(String, String): parameter #1 (String): "
					+ "no argument resolver supports @Headers on it; declare it as a Map<String, Object> or "
					+ "MessageHeaders");
	}

	@Test
	void refusesAHeaderAShardMessageNeverCarries() {
		assertThatIllegalStateException().isThrownBy(() -> validate("unknownHeader", true))
			.withMessageStartingWith("Invalid @ShardListener method bean.unknownHeader(String, String): parameter #1 "
					+ "(String): it requires header 'channel', which a shard message never carries");
	}

	private static void validate(String name, Boolean objectPayloads) {
		Method method = ReflectionUtils.findMethod(Signatures.class, name, (Class<?>[]) null);
		ShardListenerMethodValidator.validate("bean." + name + "(" + String.join(", ",
				java.util.Arrays.stream(method.getParameterTypes()).map(Class::getSimpleName).toList()) + ")",
				method, objectPayloads);
	}

	record Order(String id) {
	}

	interface Annotated {

		void fromInterface(String payload, @Header(ShardMessageHeaders.CHANNEL) String channel);

	}

	@SuppressWarnings("unused")
	static class Signatures implements Annotated {

		@Override
		public void fromInterface(String payload, String channel) {
		}

		void string(String payload) {
		}

		void bytes(byte[] payload) {
		}

		void all(@Payload String payload, @Header(ShardMessageHeaders.CHANNEL) String channel,
				@Header(ShardMessageHeaders.SLOT) int slot, @Header(ShardMessageHeaders.NODE) String node,
				@Header(ShardMessageHeaders.RECEIVED_TIMESTAMP) long received, @Headers Map<String, Object> headers,
				MessageHeaders messageHeaders) {
		}

		void message(Message<?> message, @Header(ShardMessageHeaders.CHANNEL) String channel) {
		}

		void nothing() {
		}

		void optionalUnknownHeader(String payload, @Header(name = "tenant", required = false) String tenant) {
		}

		void order(Order order) {
		}

		void orderMessage(Message<Order> message) {
		}

		void twoPayloads(String first, Order second) {
		}

		void headersString(String payload, @Headers String headers) {
		}

		void unknownHeader(String payload, @Header("channel") String channel) {
		}

	}

}
