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
 * So a deadline, when its timer fires:
 *  1. first yields once to I/O (setImmediate runs after the poll phase): input that has already arrived is read, and
 *     its handler settles the probe before the deadline is looked at again;
 *  2. then subtracts the event-loop lag measured while it ran (how late a shared 25 ms ticker ran, summed): time in
 *     which this process could not read a socket is not counted against the origin, and the deadline is re-armed for
 *     the rest. A silent origin still times out after `ms` of time in which we were listening.
 * The ticker runs only while a deadline is pending and never keeps the process alive.
 */

/** The ticker's period: lag below it is not counted (ordinary timer jitter), above it all of it is. */
const TICK_MS = 25;

let cumulativeLagMs = 0;
let expectedAt = 0;
let ticker: ReturnType<typeof setInterval> | undefined;
let pending = 0;

function onTick(): void {
  const now = performance.now();
  const late = now - expectedAt;
  if (late > 0) cumulativeLagMs += late;
  expectedAt = now + TICK_MS;
}

function retain(): void {
  if (pending++ === 0) {
    expectedAt = performance.now() + TICK_MS;
    ticker = setInterval(onTick, TICK_MS);
    ticker.unref();
  }
}

function release(): void {
  if (--pending === 0 && ticker) {
    clearInterval(ticker);
    ticker = undefined;
  }
}

/**
 * Milliseconds the event loop has run late so far, the current stall included: a monotonic clock of time this
 * process could not react, to be read at the start and at the end of a wait.
 */
export function eventLoopLagMs(): number {
  if (!ticker) return cumulativeLagMs;
  const overdue = performance.now() - expectedAt;
  return cumulativeLagMs + (overdue > 0 ? overdue : 0);
}

export interface Deadline {
  /** Stops it; `onExpire` will not be called. Safe to call more than once. */
  cancel(): void;
}

/**
 * Calls `onExpire` once `ms` milliseconds have passed in which this process was responsive (see above), unless
 * cancelled first. `onExpire` is never called in the same turn of the event loop as the timer: pending input is
 * read first.
 */
export function startDeadline(ms: number, onExpire: () => void): Deadline {
  const started = performance.now();
  const lagAtStart = eventLoopLagMs();
  let timer: ReturnType<typeof setTimeout> | ReturnType<typeof setImmediate> | undefined;
  let immediate = false;
  let done = false;
  retain();

  const stop = () => {
    if (done) return;
    done = true;
    if (timer !== undefined) (immediate ? clearImmediate(timer as ReturnType<typeof setImmediate>) : clearTimeout(timer as ReturnType<typeof setTimeout>));
    timer = undefined;
    release();
  };
  const arm = (delay: number) => {
    immediate = false;
    timer = setTimeout(() => {
      // Let the poll phase read what has arrived before judging.
      immediate = true;
      timer = setImmediate(check);
    }, delay);
  };
  const check = () => {
    if (done) return;
    const responsive = performance.now() - started - (eventLoopLagMs() - lagAtStart);
    if (responsive < ms - 1) {
      arm(Math.ceil(ms - responsive));
      return;
    }
    stop();
    onExpire();
  };
  arm(ms);
  return { cancel: stop };
}
