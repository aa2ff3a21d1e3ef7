/**
 * The fleet as the CLI reads it: a `list-distributions` file (one distribution per origin, the origin's ports and
 * SSL protocols as the bench's targets have them) and a --resolve-file with each origin's address.
 */
import { writeFileSync } from 'node:fs';
import type { FleetOrigin } from './fleet';

/** CloudFront's managed CachingOptimized policy: forwards no headers, so the SNI is the origin domain. */
const CACHING_OPTIMIZED = '658327ea-f89d-4fab-a63d-7e88639e58f6';

export function distributionFor(o: FleetOrigin, timeoutS: number): Record<string, unknown> {
  const id = `EBENCH${String(o.index).padStart(6, '0')}`;
  return {
    Id: id,
    DomainName: `d${o.index}.cloudfront.net`,
    Enabled: true,
    Aliases: { Quantity: 0 },
    Origins: {
      Quantity: 1,
      Items: [
        {
          Id: 'origin',
          DomainName: o.name,
          OriginPath: '',
          CustomHeaders: { Quantity: 0 },
          CustomOriginConfig: {
            HTTPPort: 80,
            HTTPSPort: o.port,
            OriginProtocolPolicy: 'https-only',
            OriginSslProtocols: { Quantity: 3, Items: ['TLSv1', 'TLSv1.1', 'TLSv1.2'] },
            OriginReadTimeout: 30,
            OriginKeepaliveTimeout: 5,
            IpAddressType: 'ipv4',
          },
          ConnectionAttempts: 3,
          ConnectionTimeout: timeoutS,
        },
      ],
    },
    OriginGroups: { Quantity: 0 },
    DefaultCacheBehavior: { TargetOriginId: 'origin', ViewerProtocolPolicy: 'redirect-to-https', CachePolicyId: CACHING_OPTIMIZED },
    CacheBehaviors: { Quantity: 0 },
  };
}

/** Writes the inventory and the resolve file (names tagged with `tag`); returns their paths. */
export function writeInventory(origins: FleetOrigin[], dir: string, timeoutS: number, tag = ''): { inventory: string; resolveFile: string } {
  const inventory = `${dir}/inventory${tag}.json`;
  const resolveFile = `${dir}/resolve${tag}.txt`;
  const page = (items: unknown[]) => ({ DistributionList: { IsTruncated: false, MaxItems: 1000, Quantity: items.length, Items: items } });
  writeFileSync(inventory, JSON.stringify(page(origins.map((o) => distributionFor(o, timeoutS)))));
  writeFileSync(resolveFile, origins.map((o) => `${o.name}:${o.port}:${o.address}`).join('\n') + '\n');
  return { inventory, resolveFile };
}
