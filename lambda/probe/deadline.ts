/**
 * Deadlines that count the origin's time, never ours.
 *
 * A plain `setTimeout(fail, 2000)` on a socket says "the origin did not answer within 2 s" even when the answer
 * arrived in time and sat unread in the kernel because this process was starved of CPU (a busy event loop, an
 * overloaded machine, thousands of handshakes parsed at once): when the event loop next turns, its timers phase runs
 * before its poll phase reads the sockets, so the expired timer wins over the answer that is already there.
 * Measured: at load 20, 193 of 1,000 healthy origins reported TLS_HANDSHAKE_FAILED that way. A time-out verdict must
 * mean the origin was slow.
 *
 * So a deadline, when its timer fires, first yields once to I/O (setImmediate runs after the poll phase): input that
 * arrived before the deadline, however long we were stalled, is read and its handler settles the probe before the
 * deadline is looked at again. Nothing else is forgiven: lag earlier in the wait does not delay the origin's answer
 * (what arrived during a stall is read as soon as the stall ends), so it is not added to the origin's time. An answer
 * that comes after the timeout is a time-out, as it is for CloudFront, whatever the scanner was doing meanwhile.
 */

export interface Deadline {
  /** Stops it; `onExpire` will not be called. Safe to call more than once. */
  cancel(): void;
}

/**
 * Calls `onExpire` once `ms` milliseconds have passed, unless cancelled first. `onExpire` is never called in the same
 * turn of the event loop as the timer: input already arrived is read first.
 */
export function startDeadline(ms: number, onExpire: () => void): Deadline {
  let done = false;
  let immediate: ReturnType<typeof setImmediate> | undefined;
  const timer = setTimeout(() => {
    // Let the poll phase read what has arrived before judging.
    immediate = setImmediate(() => {
      if (done) return;
      done = true;
      onExpire();
    });
  }, ms);
  return {
    cancel() {
      if (done) return;
      done = true;
      clearTimeout(timer);
      if (immediate) clearImmediate(immediate);
    },
  };
}
