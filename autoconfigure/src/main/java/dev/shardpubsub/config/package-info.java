/**
 * Listener endpoints, the registrar that collects them, the container factory that builds their containers and the
 * registry that holds and runs them; the failures a wrong cluster configuration raises at startup.
 */
@NullMarked
package dev.shardpubsub.config;

import org.jspecify.annotations.NullMarked;
