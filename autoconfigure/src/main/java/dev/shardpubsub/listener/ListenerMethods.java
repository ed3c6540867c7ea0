package dev.shardpubsub.listener;

import java.lang.reflect.Method;

import org.springframework.util.ClassUtils;

/**
 * How listener methods are named in messages and exceptions.
 */
public final class ListenerMethods {

	private ListenerMethods() {
	}

	/**
	 * Describe a method as {@code DeclaringClass.method(ParameterTypes)}, with simple type names.
	 * @param method the method
	 * @return the description
	 */
	public static String describe(Method method) {
		return describe(ClassUtils.getShortName(method.getDeclaringClass()), method);
	}

	/**
	 * Describe a method as {@code owner.method(ParameterTypes)}, with simple type names.
	 * @param owner what the method is called on, e.g. a bean name
	 * @param method the method
	 * @return the description
	 */
	public static String describe(String owner, Method method) {
		StringBuilder description = new StringBuilder(owner);
		description.append('.').append(method.getName()).append('(');
		Class<?>[] types = method.getParameterTypes();
		for (int i = 0; i < types.length; i++) {
			description.append((i > 0) ? ", " : "").append(types[i].getSimpleName());
		}
		return description.append(')').toString();
	}

}
