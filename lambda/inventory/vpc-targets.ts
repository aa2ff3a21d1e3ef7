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
