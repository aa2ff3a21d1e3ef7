/**
 * The VPC probe function's targets: the VPC origins of the inventory, made probeable with the settings their
 * GetVpcOrigin gave (ports, protocol policy, OriginSslProtocols), for the same engine as every other origin. It runs
 * inside the VPC, where the load balancer or instance answers. Pure.
 */
import type { OriginTarget, TargetPort } from '../model';


export function vpcProbeTargets(targets: OriginTarget[]): OriginTarget[] {
  return targets.flatMap((t): OriginTarget[] => {
    const vpc = t.vpcOrigin;
    if (!vpc || t.skip || t.unchecked) return t.unchecked && vpc ? [t] : [];
    const { edgeRoutes: _routes, ...rest } = t;
    if (!vpc.endpoint) {
      // Not probed because GetVpcOrigin failed: the monitor's fault, so unchecked (the VPC probe's alarm), never skipped.
      return [{ ...rest, unchecked: { reason: `VPC origin ${vpc.id}: its settings could not be read (${vpc.readError ?? 'GetVpcOrigin gave nothing'}); the VPC probe reads them with cloudfront:GetVpcOrigin: check that permission on its role, and its route to the CloudFront API` } }];
    }
    const e = vpc.endpoint;
    const behaviors = (t.edgeRoutes ?? []).map((r) => r.pathPattern);
    const https: TargetPort = { port: e.httpsPort, tls: true, behaviors };
    const http: TargetPort = { port: e.httpPort, tls: false, behaviors };
    const ports = e.protocolPolicy === 'https-only' ? [https] : e.protocolPolicy === 'http-only' ? [http] : [https, http];
    return [
      {
        ...rest,
        protocolPolicy: e.protocolPolicy,
        httpPort: e.httpPort,
        httpsPort: e.httpsPort,
        ports,
        sniNames: ports.some((p) => p.tls) ? [{ name: t.domainName, source: 'origin-domain', behaviors }] : [],
        allowedVersions: e.sslProtocols,
      },
    ];
  });
}

/** What the VPC probe function reports for the main function's VPC origins it checks (see its logs and alarms). */
export const LEFT_TO_VPC_PROBE = 'VPC origin: probed directly by the VPC probe function (its logs, alarms and e-mails), the edge check being off';

/**
 * The main function's targets in a stack with a VPC probe and the edge check off: its VPC origins are skipped, named
 * as the VPC probe's, instead of unchecked (which would alarm on the stack's own configuration). One that the VPC probe
 * cannot probe either (GetVpcOrigin failed) is its to report as unchecked. Pure.
 */
export function leftToVpcProbe(targets: OriginTarget[]): OriginTarget[] {
  return targets.map((t) => (t.vpcOrigin && !t.skip && !t.unchecked ? { ...t, skip: { reason: LEFT_TO_VPC_PROBE } } : t));
}
