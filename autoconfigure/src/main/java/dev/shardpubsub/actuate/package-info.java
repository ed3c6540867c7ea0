/**
 * The {@code shardsubscriptions} Actuator endpoint: every channel with its slot, state and holding node, per listener.
 */
@NullMarked
package dev.shardpubsub.actuate;

import org.jspecify.annotations.NullMarked;
