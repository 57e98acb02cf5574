package io.distillery.teacher;

import io.distillery.model.Network;

/**
 * A published teacher: its snapshot version and a frozen copy of its weights. The network is never
 * trained; callers on other threads take their own {@link Network#copy()}.
 */
public record TeacherModel(long version, Network network) {
}
