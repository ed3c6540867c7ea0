package dev.shardpubsub.listener;

import io.micrometer.common.KeyValues;
import io.micrometer.common.docs.KeyName;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationConvention;
import io.micrometer.observation.docs.ObservationDocumentation;

/**
 * The observation of a listener method handling one shard message: with tracing, one consumer span per message.
 */
public enum ShardListenerObservation implements ObservationDocumentation {

	/**
	 * A listener method handling a message (and its error handler, on failure).
	 */
	LISTENER_OBSERVATION {

		@Override
		public Class<? extends ObservationConvention<? extends Observation.Context>> getDefaultConvention() {
			return DefaultShardListenerObservationConvention.class;
		}

		@Override
		public KeyName[] getLowCardinalityKeyNames() {
			return ListenerLowCardinalityTags.values();
		}

		@Override
		public KeyName[] getHighCardinalityKeyNames() {
			return ListenerHighCardinalityTags.values();
		}

	};

	/**
	 * Low-cardinality key values: also tags of the timer that the observation may record.
	 */
	public enum ListenerLowCardinalityTags implements KeyName {

		/** The listener id. */
		LISTENER_ID {

			@Override
			public String asString() {
				return "shard.pubsub.listener.id";
			}

		},

		/** Always {@code redis}. */
		MESSAGING_SYSTEM {

			@Override
			public String asString() {
				return "messaging.system";
			}

		},

		/** Always {@code process}. */
		MESSAGING_OPERATION {

			@Override
			public String asString() {
				return "messaging.operation";
			}

		}

	}

	/**
	 * High-cardinality key values: on spans only.
	 */
	public enum ListenerHighCardinalityTags implements KeyName {

		/** The shard channel of the message. */
		CHANNEL {

			@Override
			public String asString() {
				return "messaging.destination.name";
			}

		},

		/** The node that delivered the message ({@code host:port}). */
		NODE {

			@Override
			public String asString() {
				return "shard.pubsub.node";
			}

		}

	}

	/**
	 * The default convention: observation {@code shard.pubsub.listener}, contextual name {@code "<channel>
	 * process"}.
	 */
	public static class DefaultShardListenerObservationConvention implements ShardListenerObservationConvention {

		/** A shared instance. */
		public static final DefaultShardListenerObservationConvention INSTANCE =
				new DefaultShardListenerObservationConvention();

		@Override
		public String getName() {
			return "shard.pubsub.listener";
		}

		@Override
		public String getContextualName(ShardListenerObservationContext context) {
			return context.getMessage().channel() + " process";
		}

		@Override
		public KeyValues getLowCardinalityKeyValues(ShardListenerObservationContext context) {
			return KeyValues.of(ListenerLowCardinalityTags.LISTENER_ID.withValue(context.getListenerId()),
					ListenerLowCardinalityTags.MESSAGING_SYSTEM.withValue("redis"),
					ListenerLowCardinalityTags.MESSAGING_OPERATION.withValue("process"));
		}

		@Override
		public KeyValues getHighCardinalityKeyValues(ShardListenerObservationContext context) {
			return KeyValues.of(ListenerHighCardinalityTags.CHANNEL.withValue(context.getMessage().channel()),
					ListenerHighCardinalityTags.NODE.withValue(String.valueOf(context.getMessage().node())));
		}

	}

}
