/**
 * A promise rejected with what was thrown, unchanged (a typed error, or whatever a user's callback threw). For
 * the functions that are not async so that their happy path costs no await, but must still report a bad
 * input as a rejection rather than a throw. Only error paths come here.
 */
export function rejection(error: unknown): Promise<never> {
  return Promise.resolve().then(() => {
    throw error;
  });
}
