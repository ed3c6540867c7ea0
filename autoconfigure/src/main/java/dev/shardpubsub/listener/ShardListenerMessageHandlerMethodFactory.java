package dev.shardpubsub.listener;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import org.jspecify.annotations.Nullable;

import org.springframework.messaging.converter.ByteArrayMessageConverter;
import org.springframework.messaging.converter.CompositeMessageConverter;
import org.springframework.messaging.converter.MessageConverter;
import org.springframework.messaging.converter.StringMessageConverter;
import org.springframework.messaging.handler.annotation.support.DefaultMessageHandlerMethodFactory;
import org.springframework.messaging.handler.annotation.support.PayloadMethodArgumentResolver;

/**
 * The default message handler method factory of {@code @ShardListener} methods: converts the payload bytes to
 * {@code byte[]}, to {@code String} (UTF-8) or, given a JSON converter, to any other type.
 */
public class ShardListenerMessageHandlerMethodFactory extends DefaultMessageHandlerMethodFactory {

	private final CompositeMessageConverter messageConverter;

	private final boolean objectPayloads;

	/**
	 * Create a factory.
	 * @param jsonConverter the converter of payloads other than {@code String} and {@code byte[]}, typically a
	 * {@link org.springframework.messaging.converter.JacksonJsonMessageConverter}, or {@code null} to support only
	 * those two
	 */
	public ShardListenerMessageHandlerMethodFactory(@Nullable MessageConverter jsonConverter) {
		List<MessageConverter> converters = new ArrayList<>();
		converters.add(new ByteArrayMessageConverter());
		converters.add(new StringMessageConverter(StandardCharsets.UTF_8));
		if (jsonConverter != null) {
			converters.add(jsonConverter);
		}
		this.messageConverter = new CompositeMessageConverter(converters);
		this.objectPayloads = (jsonConverter != null);
		setMessageConverter(this.messageConverter);
		setCustomArgumentResolvers(List.of(new ShardPayloadArgumentResolver(this.messageConverter)));
	}

	/**
	 * Return the message converter.
	 * @return the composite of the byte array, string and (if any) JSON converters
	 */
	public CompositeMessageConverter getMessageConverter() {
		return this.messageConverter;
	}

	/**
	 * Return whether payloads other than {@code String} and {@code byte[]} can be converted.
	 * @return whether a JSON converter is present
	 */
	public boolean supportsObjectPayloads() {
		return this.objectPayloads;
	}

	/**
	 * An empty message is a valid pub/sub payload (an empty {@code String} or {@code byte[]}), not a missing one.
	 */
	private static final class ShardPayloadArgumentResolver extends PayloadMethodArgumentResolver {

		ShardPayloadArgumentResolver(MessageConverter converter) {
			super(converter);
		}

		@Override
		protected boolean isEmptyPayload(@Nullable Object payload) {
			return payload == null;
		}

	}

}
