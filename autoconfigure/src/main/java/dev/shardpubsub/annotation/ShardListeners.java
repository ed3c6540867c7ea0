package dev.shardpubsub.annotation;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Container of several {@link ShardListener} annotations on one method; usually implicit, by repeating
 * {@code @ShardListener}.
 */
@Target({ ElementType.METHOD, ElementType.ANNOTATION_TYPE })
@Retention(RetentionPolicy.RUNTIME)
@Documented
public @interface ShardListeners {

	/**
	 * The listeners.
	 * @return the listeners
	 */
	ShardListener[] value();

}
