/**
 * AWS-managed cache and origin request policies, known by their fixed IDs, and whether each makes CloudFront
 * forward the viewer's Host header to the origin (and so send the viewer's domain as SNI).
 *
 * Source: AWS's managed-policy pages, as collected in the project's CloudFront facts (section 3). Only the IDs
 * stated there are listed. A managed policy missing here is read through the API (GetCachePolicy and
 * GetOriginRequestPolicy accept managed IDs too) or, from a file, treated as unknown (HOST_FORWARDING_UNKNOWN).
 */

export interface ManagedPolicy {
  name: string;
  forwardsHost: boolean;
}

/** Cache policies: a header in the cache key is always forwarded to the origin. */
export const MANAGED_CACHE_POLICIES: Readonly<Record<string, ManagedPolicy>> = {
  '2e54312d-136d-493c-8eb9-b001f22f67d2': { name: 'Amplify', forwardsHost: true },
  '83da9c7e-98b4-4e11-a168-04f0df8e2c65': { name: 'UseOriginCacheControlHeaders', forwardsHost: true },
  '4cc15a8a-d715-48a4-82b8-cc0b614638fe': { name: 'UseOriginCacheControlHeaders-QueryStrings', forwardsHost: true },
  '658327ea-f89d-4fab-a63d-7e88639e58f6': { name: 'CachingOptimized', forwardsHost: false },
  '4135ea2d-6df8-44a3-9df3-4b5a84be39ad': { name: 'CachingDisabled', forwardsHost: false },
};

export const MANAGED_ORIGIN_REQUEST_POLICIES: Readonly<Record<string, ManagedPolicy>> = {
  '216adef6-5c7f-47e4-b989-5492eafa07d3': { name: 'AllViewer', forwardsHost: true },
  '33f36d7e-f396-46d9-90e0-52428a34d9dc': { name: 'AllViewerAndCloudFrontHeaders-2022-06', forwardsHost: true },
  'b689b0a8-53d0-40ab-baf2-68738e2966ac': { name: 'AllViewerExceptHostHeader', forwardsHost: false },
  'bf0718e1-ba1e-49d1-88b1-f726733018ae': { name: 'HostHeaderOnly', forwardsHost: true },
  '59781a5b-3903-41f3-afcb-af62929ccde1': { name: 'CORS-CustomOrigin', forwardsHost: false },
  '88a5eaf4-2fd4-4709-b370-b4c650ea3fcf': { name: 'CORS-S3Origin', forwardsHost: false },
  'acba4595-bd28-49b8-b9fe-13317c0390fa': { name: 'UserAgentRefererHeaders', forwardsHost: false },
};

export function managedCachePolicy(id: string): ManagedPolicy | undefined {
  return Object.hasOwn(MANAGED_CACHE_POLICIES, id) ? MANAGED_CACHE_POLICIES[id] : undefined;
}

export function managedOriginRequestPolicy(id: string): ManagedPolicy | undefined {
  return Object.hasOwn(MANAGED_ORIGIN_REQUEST_POLICIES, id) ? MANAGED_ORIGIN_REQUEST_POLICIES[id] : undefined;
}
