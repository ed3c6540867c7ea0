package dev.shardpubsub.listener;

import java.lang.reflect.Method;

import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationRegistry;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

import org.springframework.messaging.Message;
import org.springframework.messaging.handler.invocation.InvocableHandlerMethod;
import org.springframework.messaging.support.MessageBuilder;
import org.springframework.util.Assert;

/**
 * Invokes a listener method for each {@link ShardMessage}, through spring-messaging's
 * {@link InvocableHandlerMethod}: the method sees a {@link Message Message&lt;byte[]&gt;} with the
 * {@link ShardMessageHeaders}, and its arguments are resolved and converted from it.
 * <p>
 * A failure (of the method or of the conversion) is wrapped in a {@link ShardListenerExecutionFailedException} and
 * passed to the {@link ShardListenerErrorHandler}; nothing is rethrown. The method's return value is ignored.
 * <p>
 * With an {@link ObservationRegistry}, each invocation is a {@link ShardListenerObservation#LISTENER_OBSERVATION}
 * (a span per message when tracing is configured).
 */
public class MessagingShardListenerAdapter {

	private static final Log logger = LogFactory.getLog(MessagingShardListenerAdapter.class);

	private final String listenerId;

	private final InvocableHandlerMethod handlerMethod;

	private final ShardListenerErrorHandler errorHandler;

	private volatile ObservationRegistry observationRegistry = ObservationRegistry.NOOP;

	private volatile @Nullable ShardListenerObservationConvention observationConvention;

	private volatile boolean observed;

	/**
	 * Create a new adapter.
	 * @param listenerId the id of the listener
	 * @param handlerMethod the method to invoke
	 * @param errorHandler the handler of failures
	 */
	public MessagingShardListenerAdapter(String listenerId, InvocableHandlerMethod handlerMethod,
			ShardListenerErrorHandler errorHandler) {
		Assert.hasText(listenerId, "listenerId must not be empty");
		Assert.notNull(handlerMethod, "handlerMethod must not be null");
		Assert.notNull(errorHandler, "errorHandler must not be null");
		this.listenerId = listenerId;
		this.handlerMethod = handlerMethod;
		this.errorHandler = errorHandler;
	}

	/**
	 * Return the listener method.
	 * @return the method
	 */
	public Method getMethod() {
		return this.handlerMethod.getMethod();
	}

	/**
	 * Set the registry that observes each invocation; takes effect with the next message.
	 * @param observationRegistry the registry, {@link ObservationRegistry#NOOP} for none
	 */
	public void setObservationRegistry(ObservationRegistry observationRegistry) {
		Assert.notNull(observationRegistry, "observationRegistry must not be null");
		this.observationRegistry = observationRegistry;
	}

	/**
	 * Return whether the invocations are recorded by observations: known from the first invocation on, as the
	 * observation registry may be configured to leave this observation out.
	 * @return whether an invocation was observed
	 */
	public boolean isObserved() {
		return this.observed;
	}

	/**
	 * Set a convention that replaces the default name and key values of the observation.
	 * @param observationConvention the convention, or {@code null} for the default
	 */
	public void setObservationConvention(@Nullable ShardListenerObservationConvention observationConvention) {
		this.observationConvention = observationConvention;
	}

	/**
	 * Invoke the listener method for the message; on failure, call the error handler.
	 * @param message the message
	 * @param receivedTimestamp when the message arrived, in epoch milliseconds
	 * @return whether the method completed normally
	 */
	public boolean onMessage(ShardMessage message, long receivedTimestamp) {
		ObservationRegistry registry = this.observationRegistry;
		if (registry.isNoop()) {
			return invoke(message, receivedTimestamp, null);
		}
		Observation observation = ShardListenerObservation.LISTENER_OBSERVATION.observation(this.observationConvention,
				ShardListenerObservation.DefaultShardListenerObservationConvention.INSTANCE,
				() -> new ShardListenerObservationContext(this.listenerId, message), registry);
		if (!this.observed && !observation.isNoop()) {
			this.observed = true;
		}
		observation.start();
		try (Observation.Scope scope = observation.openScope()) {
			return invoke(message, receivedTimestamp, observation);
		}
		finally {
			observation.stop();
		}
	}

	private boolean invoke(ShardMessage message, long receivedTimestamp, @Nullable Observation observation) {
		try {
			this.handlerMethod.invoke(toMessage(message, receivedTimestamp));
			return true;
		}
		catch (Throwable ex) {
			rethrowIfFatal(ex);
			if (observation != null) {
				observation.error(ex);
			}
			handleFailure(message, new ShardListenerExecutionFailedException(this.listenerId, getMethod(),
					message.channel(), ex));
			return false;
		}
	}

	private void handleFailure(ShardMessage message, ShardListenerExecutionFailedException failure) {
		try {
			this.errorHandler.handle(message, failure);
		}
		catch (Throwable ex) {
			rethrowIfFatal(ex);
			// The listener keeps running: log both, the next message goes ahead
			ex.addSuppressed(failure);
			logger.error("Error handler of listener '" + this.listenerId + "' threw while handling: "
					+ failure.getMessage(), ex);
		}
	}

	private Message<byte[]> toMessage(ShardMessage message, long receivedTimestamp) {
		return MessageBuilder.withPayload(message.payload())
			.setHeader(ShardMessageHeaders.CHANNEL, message.channel())
			.setHeader(ShardMessageHeaders.SLOT, message.slot())
			.setHeader(ShardMessageHeaders.NODE, message.node())
			.setHeader(ShardMessageHeaders.RECEIVED_TIMESTAMP, receivedTimestamp)
			.build();
	}

	private static void rethrowIfFatal(Throwable ex) {
		if (ex instanceof VirtualMachineError error) {
			throw error;
		}
	}

}
