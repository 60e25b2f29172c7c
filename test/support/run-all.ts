/** Step is one clean-up action; undefined stands for one that has nothing to do. */
export type Step = (() => unknown) | undefined;

/**
 * runAll runs every clean-up step in order, even after one fails (a service
 * that does not stop cleanly must not leave a database or a server behind),
 * then throws the first failure, if any.
 */
export async function runAll(...steps: readonly Step[]): Promise<void> {
  const failures: unknown[] = [];
  for (const step of steps) {
    try {
      await step?.();
    } catch (err) {
      failures.push(err);
    }
  }
  if (failures.length > 0) throw failures[0];
}
