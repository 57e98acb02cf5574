package io.distillery.student;

/**
 * The student's recent quality, over its last evaluations.
 *
 * @param agreement top-1 agreement of student and teacher, in [0, 1]
 * @param studentAccuracy prequential accuracy of the student on labeled records, in [0, 1]
 * @param teacherAccuracy prequential accuracy of the teacher on the same records, in [0, 1]
 */
public record Recent(double agreement, double studentAccuracy, double teacherAccuracy) {
}
