/**
 * The Lambda's deadline: the scan stops starting probes `margin` before the function's time runs out, and a
 * backstop half a margin later goes on without a scan that has not returned (a probe that ignores its deadline),
 * reporting the origins finished so far and naming the rest as not reached. Never silent, never a timeout with
 * nothing said.
 */
import type { OriginReport, OriginTarget, ScanReport } from '../model';
import { assembleReport, notReachedReport, type ScanOptions } from '../pipeline';
import type { LoggerLike } from './run-logging';

/** Deadline margin: the time kept for alerting after the last probe starts. */
export function deadlineMargin(remainingMs: number): number {
  return Math.max(20_000, Math.round(remainingMs * 0.1));
}

export interface Deadline {
  /** When the scan stops starting probes (epoch ms). */
  deadline: number;
  /** When the run goes on without the scan (epoch ms). */
  backstopAt: number;
}

/** The deadline and backstop from the Lambda's remaining time; none outside Lambda (the demo, the tests). */
export function deadlineFrom(startedMs: number, remainingMs: number | undefined, margin: (remainingMs: number) => number = deadlineMargin): Deadline | undefined {
  if (remainingMs === undefined) return undefined;
  const m = margin(remainingMs);
  const deadline = startedMs + remainingMs - m;
  return { deadline, backstopAt: deadline + m / 2 };
}

class ScanOverrun extends Error {}

export interface BackstopInput {
  scanning: Promise<ScanReport>;
  targets: OriginTarget[];
  options: ScanOptions;
  backstopAt: number | undefined;
  /** The origins finished so far, by key (filled as they finish). */
  finished: Map<string, OriginReport>;
  startedAt: Date;
  now(): Date;
  logger: LoggerLike;
}

/** The scan's report, or, if it has not returned by `backstopAt`, one made of what was finished. */
export async function scanWithBackstop(input: BackstopInput): Promise<ScanReport> {
  const { scanning, targets, options, backstopAt, finished, startedAt, now, logger } = input;
  if (backstopAt === undefined) return scanning;
  let timer: NodeJS.Timeout | undefined;
  const backstop = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new ScanOverrun()), Math.max(0, backstopAt - now().getTime()));
    timer.unref?.();
  });
  try {
    return await Promise.race([scanning, backstop]);
  } catch (e) {
    if (!(e instanceof ScanOverrun)) throw e;
    scanning.catch(() => undefined); // it may still fail later; nobody is listening then
    const missing = targets.filter((t) => !finished.has(t.key));
    logger.error('scan did not return by the deadline; reporting what was finished', {
      finished: finished.size,
      notReached: missing.length,
    });
    return assembleReport({
      profile: options.profile.name,
      startedAt: startedAt.toISOString(),
      durationMs: now().getTime() - startedAt.getTime(),
      origins: [...finished.values(), ...missing.map(notReachedReport)],
      notReached: { keys: missing.map((t) => t.key), reason: 'the scan did not return before the Lambda deadline' },
    });
  } finally {
    if (timer) clearTimeout(timer);
  }
}
