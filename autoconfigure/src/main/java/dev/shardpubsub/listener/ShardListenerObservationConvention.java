package dev.shardpubsub.listener;

import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationConvention;

/**
 * Names the observation of a handled message and its key values; implement it to add or change them.
 *
 * @see ShardListenerObservation.DefaultShardListenerObservationConvention
 */
public interface ShardListenerObservationConvention extends ObservationConvention<ShardListenerObservationContext> {

	@Override
	default boolean supportsContext(Observation.Context context) {
		return context instanceof ShardListenerObservationContext;
	}

}
