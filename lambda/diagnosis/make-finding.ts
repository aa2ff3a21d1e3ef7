/** A Finding from its code's definition (severity, why, fix, reproduce) and what was seen. */
import type { Finding, OriginTarget } from '../model';
import { findingDefinition, type FindingCode, type ReproduceContext } from './findings';

export interface FindingInput {
  code: FindingCode;
  message: string;
  evidence: Record<string, unknown>;
  behaviors?: string[];
  sniName?: string;
  address?: string;
  /** Every address the finding was seen on, when more than one (diagnose merges the same finding across addresses). */
  addresses?: string[];
  port?: number;
  reproduce?: Partial<ReproduceContext>;
}

export function makeFinding(target: OriginTarget, input: FindingInput): Finding {
  const def = findingDefinition(input.code);
  return {
    code: input.code,
    severity: def.severity,
    message: input.message,
    ...(input.sniName ? { sniName: input.sniName } : {}),
    ...(input.address ? { address: input.address } : {}),
    ...(input.addresses && input.addresses.length > 1 ? { addresses: input.addresses } : {}),
    ...(input.port ? { port: input.port } : {}),
    ...(input.behaviors?.length ? { behaviors: input.behaviors } : {}),
    evidence: input.evidence,
    why: `${def.why} (${def.source})`,
    fix: def.fix,
    reproduce: def.reproduce({ domainName: target.domainName, ...input.reproduce }),
  };
}
