/**
 * Event-driven waiting for tests: resolves as soon as `ready()` holds after a
 * `notify()`, and rejects after `timeoutMs` only as a guard against a hang.
 */
export function waitUntil(ready: () => boolean, timeoutMs = 5000) {
  let wake = () => {};
  const done = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`condition not met in ${timeoutMs} ms`)),
      timeoutMs,
    );
    wake = () => {
      if (ready()) {
        clearTimeout(timer);
        resolve();
      }
    };
  });
  return { notify: () => wake(), done: () => (wake(), done) };
}
