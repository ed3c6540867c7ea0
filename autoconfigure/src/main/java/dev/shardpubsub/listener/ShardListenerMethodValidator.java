package dev.shardpubsub.listener;

import java.lang.reflect.Method;
import java.lang.reflect.Type;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.jspecify.annotations.Nullable;

import org.springframework.core.DefaultParameterNameDiscoverer;
import org.springframework.core.MethodParameter;
import org.springframework.core.ParameterNameDiscoverer;
import org.springframework.core.ResolvableType;
import org.springframework.core.annotation.AnnotatedMethod;
import org.springframework.messaging.Message;
import org.springframework.messaging.MessageHeaders;
import org.springframework.messaging.handler.annotation.Header;
import org.springframework.messaging.handler.annotation.Headers;
import org.springframework.messaging.handler.annotation.ValueConstants;
import org.springframework.messaging.support.MessageHeaderAccessor;
import org.springframework.util.StringUtils;

/**
 * Checks the signature of a listener method at startup, so that a mistake fails the application instead of every
 * message: at most one payload parameter, payload types the message converter can produce, {@code @Headers} on a
 * {@code Map}, {@code @Header} names a shard message carries.
 */
public final class ShardListenerMethodValidator {

	private static final Set<String> HEADER_NAMES = Set.of(ShardMessageHeaders.CHANNEL, ShardMessageHeaders.SLOT,
			ShardMessageHeaders.NODE, ShardMessageHeaders.RECEIVED_TIMESTAMP, MessageHeaders.ID,
			MessageHeaders.TIMESTAMP);

	private static final ParameterNameDiscoverer parameterNameDiscoverer = new DefaultParameterNameDiscoverer();

	private ShardListenerMethodValidator() {
	}

	/**
	 * Validate a listener method.
	 * @param description how to name the listener in an error, for example {@code orderListener.onOrder(Order)}
	 * @param method the method
	 * @param objectPayloads whether payloads other than {@code String} and {@code byte[]} can be converted (from
	 * JSON), or {@code null} if unknown (a custom message handler method factory) and not to be checked
	 * @throws IllegalStateException naming the listener, the method and the parameter if the signature is invalid
	 */
	public static void validate(String description, Method method, @Nullable Boolean objectPayloads) {
		List<MethodParameter> payloads = new ArrayList<>();
		// As the invoker sees them: with the parameter annotations of the interfaces and superclasses too
		for (MethodParameter parameter : new AnnotatedMethod(method).getMethodParameters()) {
			parameter.initParameterNameDiscovery(parameterNameDiscoverer);
			Class<?> type = parameter.getParameterType();
			if (parameter.hasParameterAnnotation(Header.class)) {
				checkHeader(description, parameter);
			}
			else if (parameter.hasParameterAnnotation(Headers.class)) {
				if (!Map.class.isAssignableFrom(type)) {
					throw invalid(description, parameter, "no argument resolver supports @Headers on it; declare it "
							+ "as a Map<String, Object> or MessageHeaders");
				}
			}
			else if (Message.class.isAssignableFrom(type)) {
				Class<?> payloadType = ResolvableType.forMethodParameter(parameter).as(Message.class)
					.getGeneric()
					.resolve(Object.class);
				checkPayloadType(description, parameter, payloadType, objectPayloads);
			}
			else if (type != MessageHeaders.class && !MessageHeaderAccessor.class.isAssignableFrom(type)) {
				checkPayloadType(description, parameter, type, objectPayloads);
				payloads.add(parameter);
			}
		}
		if (payloads.size() > 1) {
			throw new IllegalStateException("Invalid @ShardListener method " + description + ": parameters "
					+ payloads.stream().map(ShardListenerMethodValidator::describe).toList()
					+ " are all payload candidates, but a message has one payload; annotate all but one with @Header "
					+ "or @Headers, or remove them");
		}
	}

	private static void checkHeader(String description, MethodParameter parameter) {
		Header header = parameter.getParameterAnnotation(Header.class);
		if (header == null) {
			return;
		}
		// Raw annotation: its value/name alias is not merged
		String name = StringUtils.hasText(header.value()) ? header.value()
				: StringUtils.hasText(header.name()) ? header.name() : parameter.getParameterName();
		boolean optional = !header.required() || !ValueConstants.DEFAULT_NONE.equals(header.defaultValue());
		if (name != null && !HEADER_NAMES.contains(name) && !optional) {
			throw invalid(description, parameter, "it requires header '" + name + "', which a shard message never "
					+ "carries; use one of the ShardMessageHeaders " + HEADER_NAMES.stream().sorted().toList());
		}
	}

	private static void checkPayloadType(String description, MethodParameter parameter, Class<?> payloadType,
			@Nullable Boolean objectPayloads) {
		boolean convertible = payloadType == String.class || payloadType == byte[].class
				|| payloadType == Object.class;
		if (!convertible && Boolean.FALSE.equals(objectPayloads)) {
			throw invalid(description, parameter, "its payload type " + payloadType.getName() + " needs JSON "
					+ "conversion, but Jackson (tools.jackson.databind.json.JsonMapper) is not on the classpath or "
					+ "there is no JsonMapper bean; take the payload as String or byte[], or add Jackson");
		}
	}

	private static IllegalStateException invalid(String description, MethodParameter parameter, String reason) {
		return new IllegalStateException(
				"Invalid @ShardListener method " + description + ": parameter " + describe(parameter) + ": " + reason);
	}

	private static String describe(MethodParameter parameter) {
		Type type = parameter.getGenericParameterType();
		String typeName = (type instanceof Class<?> clazz) ? clazz.getSimpleName() : type.getTypeName();
		return "#" + parameter.getParameterIndex() + " (" + typeName + ")";
	}

}
